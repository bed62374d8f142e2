//! Role profiles with every key the AWS CLI honours, assumed by strands
//! against moto, and what reached STS asserted from moto's recording:
//! `mfa_serial` sends SerialNumber and TokenCode, `duration_seconds`,
//! `external_id` and `role_session_name` arrive; the manager's endpoint URL
//! is where every hop goes; a malformed chain is refused before any
//! request, naming the profile; `AWS_PROFILE=""` reads as unset.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use strands_creds::{AwsClientManager, MfaToken, SessionCache};
use strands_testkit::MotoServer;

const CHILD: &str = "STRANDS_ROLE_PROFILE_CHILD";

const CONFIG: &str = "\
[default]
region = us-east-1

[profile base]
region = us-east-1

[profile mfa]
region = us-east-1
role_arn = arn:aws:iam::123456789012:role/mfa-role
source_profile = base
mfa_serial = arn:aws:iam::123456789012:mfa/alice
duration_seconds = 900
external_id = ext-1
role_session_name = strands-test

[profile cycle-a]
role_arn = arn:aws:iam::123456789012:role/a
source_profile = cycle-b

[profile cycle-b]
role_arn = arn:aws:iam::123456789012:role/b
source_profile = cycle-a

[profile lost]
role_arn = arn:aws:iam::123456789012:role/lost
source_profile = nowhere

[profile baddur]
role_arn = arn:aws:iam::123456789012:role/d
source_profile = base
duration_seconds = 12

[profile badmfa]
role_arn = arn:aws:iam::123456789012:role/m
source_profile = base
mfa_serial = alice

[profile envsrc]
region = us-east-1
role_arn = arn:aws:iam::123456789012:role/env-role
credential_source = Environment
";

const CREDENTIALS: &str = "\
[default]
aws_access_key_id = AKIADEFAULT000000001
aws_secret_access_key = d

[base]
aws_access_key_id = AKIABASE000000000001
aws_secret_access_key = b
";

fn run(test: &str, dir: &Path, moto: &MotoServer, extra: &[(&str, &str)]) {
    let mut env: Vec<(&str, &std::ffi::OsStr)> = vec![
        ("HOME", dir.as_os_str()),
        ("STRANDS_MOTO", moto.endpoint_url().as_ref()),
    ];
    let config = dir.join("config");
    let creds = dir.join("credentials");
    env.push(("AWS_CONFIG_FILE", config.as_os_str()));
    env.push(("AWS_SHARED_CREDENTIALS_FILE", creds.as_os_str()));
    for (k, v) in extra {
        env.push((k, v.as_ref()));
    }
    strands_testkit::run_child_checks(test, CHILD, &env);
}

#[test]
fn role_profiles_send_every_key_and_bad_ones_are_refused_locally() {
    let moto = MotoServer::builder().record(true).start().unwrap();
    let dir = std::env::temp_dir().join(format!("strands-role-profiles-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config"), CONFIG).unwrap();
    std::fs::write(dir.join("credentials"), CREDENTIALS).unwrap();
    run(
        "child_role_profiles",
        &dir,
        &moto,
        &[
            ("AWS_ACCESS_KEY_ID", "AKIAENVKEY0000000001"),
            ("AWS_SECRET_ACCESS_KEY", "e"),
        ],
    );
    run(
        "child_empty_aws_profile",
        &dir,
        &moto,
        &[("AWS_PROFILE", "")],
    );
    let _ = std::fs::remove_dir_all(&dir);

    let assumes: Vec<String> = moto
        .recorded_requests()
        .into_iter()
        .filter(|(a, _)| a == "AssumeRole")
        .map(|(_, b)| b)
        .collect();
    // mfa (once: the MFA-less attempt never reaches STS) and envsrc.
    assert_eq!(assumes.len(), 2, "{assumes:#?}");
    let mfa = assumes
        .iter()
        .find(|b| b.contains("mfa-role"))
        .expect("the MFA role was assumed");
    for field in [
        "SerialNumber=arn%3Aaws%3Aiam%3A%3A123456789012%3Amfa%2Falice",
        "TokenCode=123456",
        "DurationSeconds=900",
        "ExternalId=ext-1",
        "RoleSessionName=strands-test",
    ] {
        assert!(mfa.contains(field), "{field} missing from {mfa}");
    }
}

async fn build(profile: &str) -> Result<AwsClientManager, strands_errors::DeploymentError> {
    AwsClientManager::builder()
        .profile(profile)
        .endpoint_url(std::env::var("STRANDS_MOTO").unwrap())
        .mfa_token(MfaToken::fixed("123456"))
        .build()
        .await
}

#[tokio::test]
async fn child_role_profiles() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    // mfa_serial, duration, external id and session name; the endpoint
    // comes from the builder only.
    let m = build("mfa").await.unwrap();
    let id = m.validate_credentials().await.unwrap();
    assert!(
        id.user_arn.contains("assumed-role/mfa-role/strands-test"),
        "{id:?}"
    );

    // No MFA source and no terminal: an error naming profile and serial,
    // and nothing sent to STS.
    let m = AwsClientManager::builder()
        .profile("mfa")
        .endpoint_url(std::env::var("STRANDS_MOTO").unwrap())
        // The session above is on disk: this manager must not reuse it.
        .session_cache(SessionCache::off())
        .build()
        .await
        .unwrap();
    let e = m.validate_credentials().await.unwrap_err();
    let text = format!("{e} {:?}", e.suggestions());
    assert!(text.contains("`mfa`"), "{text}");
    assert!(
        text.contains("arn:aws:iam::123456789012:mfa/alice"),
        "{text}"
    );

    // credential_source = Environment: the env keys are the source.
    let m = build("envsrc").await.unwrap();
    let id = m.validate_credentials().await.unwrap();
    assert!(id.user_arn.contains("assumed-role/env-role"), "{id:?}");

    // Refused before any request, naming the profile and the problem.
    for (profile, says) in [
        ("cycle-a", "cycle-a → cycle-b → cycle-a"),
        ("lost", "`nowhere`"),
        ("baddur", "duration_seconds `12`"),
        ("badmfa", "alice"),
    ] {
        let e = build(profile).await.unwrap_err();
        assert_eq!(
            strands_errors::DeploymentError::code(&e),
            "strands::configuration::invalid_profile",
            "{e:?}"
        );
        assert!(e.message().contains(says), "{profile}: {}", e.message());
    }
    println!("child checks passed");
}

#[tokio::test]
async fn child_empty_aws_profile() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    // AWS_PROFILE="" reads as unset: the default profile's region and keys.
    let m = AwsClientManager::builder()
        .endpoint_url(std::env::var("STRANDS_MOTO").unwrap())
        .build()
        .await
        .unwrap();
    assert_eq!(m.region(), "us-east-1");
    m.validate_credentials().await.unwrap();
    println!("child checks passed");
}
