//! The AWS CLI's session cache, shared with real botocore: a session
//! botocore's assume-role provider writes (through `JSONFileCache`, as the
//! CLI does) is read by strands with no STS call and no MFA prompt; a
//! session strands writes is read by botocore the same way; a corrupt
//! entry is ignored; files are owner-only. moto's recording counts the
//! AssumeRole calls that reached STS.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use std::path::Path;
use std::process::Command;
use strands_creds::{AwsClientManager, MfaToken, SessionCache};
use strands_testkit::MotoServer;

const CHILD: &str = "STRANDS_SESSION_CACHE_CHILD";

const CONFIG: &str = "\
[profile botowrites]
region = us-east-1
role_arn = arn:aws:iam::123456789012:role/boto-writes
source_profile = base
mfa_serial = arn:aws:iam::123456789012:mfa/alice
duration_seconds = 3600

[profile strandswrites]
region = us-east-1
role_arn = arn:aws:iam::123456789012:role/strands-writes
source_profile = base
mfa_serial = arn:aws:iam::123456789012:mfa/alice
external_id = ext-7

[profile corrupt]
region = us-east-1
role_arn = arn:aws:iam::123456789012:role/corrupt
source_profile = base

[profile cliwrites]
region = us-east-1
role_arn = arn:aws:iam::123456789012:role/cli-writes
source_profile = base

[profile strandsforcli]
region = us-east-1
role_arn = arn:aws:iam::123456789012:role/strands-for-cli
source_profile = base
";

fn env(dir: &Path, moto: &MotoServer) -> Vec<(String, String)> {
    vec![
        ("HOME".into(), dir.display().to_string()),
        (
            "AWS_CONFIG_FILE".into(),
            dir.join("config").display().to_string(),
        ),
        (
            "AWS_SHARED_CREDENTIALS_FILE".into(),
            dir.join("credentials").display().to_string(),
        ),
        ("AWS_ENDPOINT_URL".into(), moto.endpoint_url().to_owned()),
        ("AWS_EC2_METADATA_DISABLED".into(), "true".into()),
        (
            "STRANDS_CACHE_DIR".into(),
            dir.join("cache").display().to_string(),
        ),
    ]
}

fn botocore(dir: &Path, moto: &MotoServer, profile: &str, mfa: &str) -> Value {
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/differential/botocore_session_cache.py");
    let mut cmd = Command::new(strands_testkit::moto_server_path().with_file_name("python"));
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("AWS_") {
            cmd.env_remove(k);
        }
    }
    cmd.arg(script).arg(profile).arg(dir.join("cache")).arg(mfa);
    for (k, v) in env(dir, moto) {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(text.lines().last().unwrap_or("{}")).unwrap()
}

fn strands(dir: &Path, moto: &MotoServer, test: &str) -> String {
    let vars = env(dir, moto);
    let vars: Vec<(&str, &std::ffi::OsStr)> =
        vars.iter().map(|(k, v)| (k.as_str(), v.as_ref())).collect();
    strands_testkit::run_child_checks(test, CHILD, &vars)
}

/// The AWS CLI (`python -m awscli` from `target/awscli`, as `cargo xtask
/// ci` installs it), run as a person runs it: `aws sts
/// get-caller-identity --profile X`, with `HOME` pointing at the test's
/// directory so its cache is `~/.aws/cli/cache`.
fn aws_cli(dir: &Path, moto: &MotoServer, profile: &str) -> Value {
    let mut cmd = strands_testkit::aws_cli();
    cmd.args([
        "sts",
        "get-caller-identity",
        "--output",
        "json",
        "--profile",
        profile,
    ]);
    for (k, v) in env(dir, moto) {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "aws: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Sessions are shared with the AWS CLI itself, both ways, in its own
/// cache directory (which keeps strands' trust rules: the CLI writes 0600
/// files through `mkstemp`).
#[test]
fn sessions_are_shared_with_the_aws_cli_both_ways() {
    let moto = MotoServer::builder().record(true).start().unwrap();
    let dir = std::env::temp_dir().join(format!("strands-cli-cache-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config"), CONFIG).unwrap();
    std::fs::write(
        dir.join("credentials"),
        "[base]\naws_access_key_id = AKIABASE000000000001\naws_secret_access_key = b\n",
    )
    .unwrap();
    let cache = dir.join(".aws/cli/cache");
    let vars: Vec<(String, String)> = env(&dir, &moto)
        .into_iter()
        .map(|(k, v)| {
            if k == "STRANDS_CACHE_DIR" {
                (k, cache.display().to_string())
            } else {
                (k, v)
            }
        })
        .collect();
    let strands_child = |test: &str, profile: &str| {
        let mut v = vars.clone();
        v.push(("STRANDS_PROFILE".into(), profile.into()));
        let v: Vec<(&str, &std::ffi::OsStr)> =
            v.iter().map(|(k, v)| (k.as_str(), v.as_ref())).collect();
        strands_testkit::run_child_checks(test, CHILD, &v)
    };
    let assumes = || moto.count_action("AssumeRole");

    // The CLI assumes and caches ...
    let cli = aws_cli(&dir, &moto, "cliwrites");
    assert_eq!(assumes(), 1);
    let arn = cli["Arn"].as_str().unwrap().to_owned();
    assert!(arn.contains("cli-writes"), "{cli}");
    // ... strands reads its entry: no AssumeRole.
    let text = strands_child("child_validates_a_profile", "cliwrites");
    assert_eq!(assumes(), 1, "strands called AssumeRole:\n{text}");
    assert!(text.contains(&arn), "{text}");

    // strands assumes and caches ...
    let text = strands_child("child_validates_a_profile", "strandsforcli");
    assert_eq!(assumes(), 2, "{text}");
    // ... the CLI reads its entry: no AssumeRole, the same session.
    let cli = aws_cli(&dir, &moto, "strandsforcli");
    assert_eq!(assumes(), 2, "the AWS CLI called AssumeRole");
    assert!(text.contains(cli["Arn"].as_str().unwrap()), "{cli}\n{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn child_validates_a_profile() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let profile = std::env::var("STRANDS_PROFILE").unwrap();
    let id = manager(&profile)
        .await
        .validate_credentials()
        .await
        .unwrap();
    println!("{}", id.user_arn);
    println!("child checks passed");
}

#[test]
fn sessions_are_shared_with_botocore_both_ways() {
    let moto = MotoServer::builder().record(true).start().unwrap();
    let dir = std::env::temp_dir().join(format!("strands-session-cache-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config"), CONFIG).unwrap();
    std::fs::write(
        dir.join("credentials"),
        "[base]\naws_access_key_id = AKIABASE000000000001\naws_secret_access_key = b\n",
    )
    .unwrap();
    let assumes = || moto.count_action("AssumeRole");

    // botocore writes (after its MFA prompt) ...
    let b = botocore(&dir, &moto, "botowrites", "123456");
    assert_eq!(b["ok"], true, "{b}");
    assert_eq!(assumes(), 1);
    // ... strands reads: no STS call, no prompt (there is no MFA source
    // and no terminal, so a prompt would fail the child).
    let text = strands(&dir, &moto, "child_reads_botocore_session");
    assert_eq!(assumes(), 1, "strands called AssumeRole:\n{text}");
    assert!(text.contains(b["arn"].as_str().unwrap()), "{text}");

    // strands writes (after its MFA code) ...
    strands(&dir, &moto, "child_writes_a_session");
    assert_eq!(assumes(), 2);
    // ... botocore reads: no STS call, no prompt.
    let b = botocore(&dir, &moto, "strandswrites", "");
    assert_eq!(b["ok"], true, "{b}");
    assert_eq!(assumes(), 2, "botocore called AssumeRole");

    // A corrupt entry is ignored: STS is asked, nothing fails.
    strands(&dir, &moto, "child_ignores_a_corrupt_entry");
    assert_eq!(assumes(), 3);

    // Owner-only files in an owner-only directory.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let cache = dir.join("cache");
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        for e in std::fs::read_dir(&cache).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "json") {
                let m = mode(&p);
                // botocore's own files are whatever its umask gave.
                if std::fs::read_to_string(&p)
                    .unwrap()
                    .contains("strands-writes")
                {
                    assert_eq!(m, 0o600, "{}", p.display());
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

async fn manager(profile: &str) -> AwsClientManager {
    let mut b = AwsClientManager::builder()
        .profile(profile)
        .session_cache(SessionCache::dir(
            std::env::var("STRANDS_CACHE_DIR").unwrap(),
        ));
    if profile == "strandswrites" {
        b = b.mfa_token(MfaToken::fixed("654321"));
    }
    b.build().await.unwrap()
}

#[tokio::test]
async fn child_reads_botocore_session() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let id = manager("botowrites")
        .await
        .validate_credentials()
        .await
        .unwrap();
    println!("{}", id.user_arn);
    println!("child checks passed");
}

#[tokio::test]
async fn child_writes_a_session() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    manager("strandswrites")
        .await
        .validate_credentials()
        .await
        .unwrap();
    println!("child checks passed");
}

#[tokio::test]
async fn child_ignores_a_corrupt_entry() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    // Garbage under every name the cache might look for.
    let dir = std::path::PathBuf::from(std::env::var("STRANDS_CACHE_DIR").unwrap());
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        std::fs::write(&p, "{\"Credentials\": not json").unwrap();
    }
    // python: hashlib.sha1(json.dumps({"RoleArn": "arn:aws:iam::123456789012:role/corrupt"}).encode()).hexdigest()
    std::fs::write(
        dir.join("ab493a7efce536ba3ec92f87ba224eae029b1181.json"),
        "][",
    )
    .unwrap();
    manager("corrupt")
        .await
        .validate_credentials()
        .await
        .unwrap();
    println!("child checks passed");
}
