//! Profile resolution with real environment variables and real files.
//! Environment variables are process-wide (and `set_var` is unsafe), so the
//! parent test runs this binary again as a child with the environment it
//! needs; the child test does nothing unless it is that child.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use strands_creds::AwsClientManager;

const CHILD: &str = "STRANDS_PROFILE_CHILD";
const ENV_KEY: &str = "AKIAENVKEY0000000001";
const DEV_KEY: &str = "AKIADEVPROFILE000001";

#[test]
fn a_named_profile_wins_over_env_keys_and_unknown_profiles_are_named() {
    let dir = std::env::temp_dir().join(format!("strands-profile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("config");
    let credentials = dir.join("credentials");
    std::fs::write(
        &config,
        "[default]\nregion = us-east-1\n\n[profile dev]\nregion = eu-west-1\n",
    )
    .unwrap();
    std::fs::write(
        &credentials,
        format!(
            "[default]\naws_access_key_id = AKIADEFAULT000000001\naws_secret_access_key = a\n\n\
             [dev]\naws_access_key_id = {DEV_KEY}\naws_secret_access_key = b\n"
        ),
    )
    .unwrap();
    strands_testkit::run_child_checks(
        "child_resolves_profiles",
        CHILD,
        &[
            ("HOME", dir.as_os_str()),
            ("STRANDS_PROFILE_DIR", dir.as_os_str()),
            ("AWS_CONFIG_FILE", config.as_os_str()),
            ("AWS_SHARED_CREDENTIALS_FILE", credentials.as_os_str()),
            ("AWS_ACCESS_KEY_ID", ENV_KEY.as_ref()),
            ("AWS_SECRET_ACCESS_KEY", "env-secret".as_ref()),
        ],
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn child_resolves_profiles() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let base = || AwsClientManager::builder().endpoint_url("http://127.0.0.1:9");

    // Named profile and env keys both set: the profile wins.
    let m = base().profile("dev").build().await.unwrap();
    assert_eq!(m.credentials().await.unwrap().access_key_id(), DEV_KEY);
    assert_eq!(m.region(), "eu-west-1", "the profile's region");

    // No profile named: aws-config's chain, env keys first.
    let m = base().region("us-east-1").build().await.unwrap();
    assert_eq!(m.credentials().await.unwrap().access_key_id(), ENV_KEY);

    // Unknown profile: named, with the profiles found and the files read.
    let e = base()
        .profile("nope")
        .region("us-east-1")
        .build()
        .await
        .unwrap_err();
    assert_eq!(e.code(), "strands::configuration::unknown_profile");
    let msg = e.message();
    assert!(msg.contains("`nope`"), "{msg}");
    assert!(msg.contains("default, dev"), "{msg}");
    let cfg = std::env::var("AWS_CONFIG_FILE").unwrap();
    assert!(msg.contains(&cfg), "{msg}");
    assert!(e.suggestions()[0].contains("aws configure --profile nope"));
    let dir = std::env::var("STRANDS_PROFILE_DIR").unwrap();
    insta::assert_snapshot!(
        "unknown_profile",
        e.to_user_message().replace(&dir, "<dir>")
    );
    println!("child checks passed");
}
