//! Bad input through the public API, from the hostile review: every
//! failure a diagnostic with a stable code that names the profile or the
//! value, bounded in time and size, without secrets.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;
use strands_creds::{AssumeRoleConfig, AwsClientManager};
use strands_testkit::MotoServer;

const CHILD: &str = "STRANDS_BAD_PROFILES_CHILD";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

#[test]
fn bad_profiles_are_named_bounded_and_redacted() {
    let moto = MotoServer::start().unwrap();
    let dir = std::env::temp_dir().join(format!("strands-bad-profiles-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut config = format!(
        "[profile hung]\nregion = us-east-1\ncredential_process = sleep 600\n\n\
         [profile garbage]\nregion = us-east-1\ncredential_process = echo not-json\n\n\
         [profile leaky]\nregion = us-east-1\ncredential_process = sh -c 'echo aws_secret_access_key={SECRET} >&2; exit 3'\n\n\
         [profile empty]\nregion = us-east-1\n\n\
         [profile corp]\nregion = us-east-1\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Deploy\n\n\
         [sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n\n\
         [profile legacy-sso]\nregion = us-east-1\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\nsso_account_id = 123456789012\nsso_role_name = Deploy\n\n\
         [profile console]\nregion = us-east-1\nlogin_session = arn:aws:iam::123456789012:user/Admin\n\n\
         [profile via-console]\nregion = us-east-1\nrole_arn = arn:aws:iam::123456789012:role/Deploy\nsource_profile = console\n\n"
    );
    // Many profiles: the unknown-profile message shows the nearest few.
    for i in 0..2000 {
        config.push_str(&format!("[profile generated-{i}]\nregion = us-east-1\n\n"));
    }
    std::fs::write(dir.join("config"), config).unwrap();
    std::fs::write(dir.join("credentials"), "").unwrap();
    let text = strands_testkit::run_child_checks(
        "child_bad_profiles",
        CHILD,
        &[
            ("HOME", dir.as_os_str()),
            ("AWS_CONFIG_FILE", dir.join("config").as_os_str()),
            (
                "AWS_SHARED_CREDENTIALS_FILE",
                dir.join("credentials").as_os_str(),
            ),
            ("STRANDS_MOTO", moto.endpoint_url().as_ref()),
        ],
    );
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        !text.contains(SECRET),
        "a secret reached the output:\n{text}"
    );
    // What a person reads for the failing process, shown in the test log.
    println!("{text}");
}

fn builder(profile: &str) -> strands_creds::AwsClientManagerBuilder {
    AwsClientManager::builder()
        .profile(profile)
        .endpoint_url(std::env::var("STRANDS_MOTO").unwrap())
        .credentials_timeout(Duration::from_millis(500))
}

fn everything(e: &strands_errors::DeploymentError) -> String {
    format!(
        "{e} | {e:?} | {} | {}",
        e.to_user_message(),
        strands_testkit::render_report(e)
    )
}

#[tokio::test]
async fn child_bad_profiles() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    // A hung credential_process: bounded, and the source is named.
    let m = builder("hung").build().await.unwrap();
    let e = m.validate_credentials().await.unwrap_err();
    assert_eq!(
        e.code(),
        "strands::credential::credentials_timeout",
        "{e:?}"
    );
    assert!(e.message().contains("profile `hung`"), "{}", e.message());

    // Garbage and a failing process: the profile is named.
    for profile in ["garbage", "leaky"] {
        let m = builder(profile).build().await.unwrap();
        let e = m.validate_credentials().await.unwrap_err();
        assert_eq!(
            e.code(),
            "strands::credential::profile_credentials",
            "{e:?}"
        );
        assert!(
            e.message().contains(&format!("`{profile}`")),
            "{}",
            e.message()
        );
        let all = everything(&e);
        assert!(!all.contains(SECRET), "{all}");
        println!("{}", e.to_user_message());
    }

    // SSO not logged in (no cached token, with sso_session and with the
    // legacy keys): the one thing to do, `aws sso login --profile X`,
    // before any request.
    for profile in ["corp", "legacy-sso"] {
        let m = builder(profile).build().await.unwrap();
        let e = m.validate_credentials().await.unwrap_err();
        assert_eq!(
            e.code(),
            "strands::credential::sso_login_required",
            "{profile}: {e:?}"
        );
        let login = format!("aws sso login --profile {profile}");
        assert!(
            e.suggestions().iter().any(|s| s.contains(&login)),
            "{:?}",
            e.suggestions()
        );
        assert!(!e.suggestions().iter().any(|s| s.contains("aws configure")));
        println!("{}", e.to_user_message());
    }

    // `aws login` never run (no cached session): sign in again, named.
    // Without the `login` feature: said before any request, for the
    // profile and for a role whose source it is.
    if cfg!(feature = "login") {
        let m = builder("console").build().await.unwrap();
        let e = m.validate_credentials().await.unwrap_err();
        assert_eq!(e.code(), "strands::credential::login_required", "{e:?}");
        assert!(
            e.suggestions()
                .iter()
                .any(|s| s.contains("aws login --profile console")),
            "{:?}",
            e.suggestions()
        );
        println!("{}", e.to_user_message());
    } else {
        for profile in ["console", "via-console"] {
            let e = builder(profile).build().await.unwrap_err();
            assert_eq!(e.code(), "strands::configuration::login_not_enabled");
            assert!(e.message().contains("`console`"), "{}", e.message());
        }
    }

    // A profile with nothing in it: named, and what it lacks.
    let m = builder("empty").build().await.unwrap();
    let e = m.validate_credentials().await.unwrap_err();
    assert!(e.message().contains("`empty`"), "{}", e.message());
    assert!(
        e.message().contains("no aws_access_key_id"),
        "{}",
        e.message()
    );

    // An unknown profile among 2008: a count and the nearest few.
    let e = builder("generated-77x").build().await.unwrap_err();
    assert_eq!(e.code(), "strands::configuration::unknown_profile");
    assert!(e.message().contains("2008 found"), "{}", e.message());
    assert!(e.message().contains("generated-77"), "{}", e.message());
    assert!(e.message().len() < 2000, "{}", e.message().len());

    // A 10 KB region: refused, shown cut.
    let region = format!("us-{}-1", "x".repeat(10_000));
    let e = builder("empty").region(region).build().await.unwrap_err();
    assert_eq!(e.code(), "strands::configuration::invalid_region");
    assert!(e.message().len() < 300, "{}", e.message().len());

    // An endpoint URL's password is never echoed.
    for url in [
        "ftp://admin:hunter2pw@127.0.0.1:1/",
        "http://admin:hunter2pw@",
    ] {
        let b = AwsClientManager::builder().endpoint_url(url);
        assert!(!format!("{b:?}").contains("hunter2pw"));
        let e = b.build().await.unwrap_err();
        assert!(!everything(&e).contains("hunter2pw"), "{}", everything(&e));
    }
    let b = AwsClientManager::builder().endpoint_url("http://admin:hunter2pw@127.0.0.1:1");
    assert!(!format!("{b:?}").contains("hunter2pw"), "{b:?}");

    // refresh_ahead as long as the session: refused at build.
    let e = AwsClientManager::builder()
        .endpoint_url(std::env::var("STRANDS_MOTO").unwrap())
        .region("us-east-1")
        .assume_role(
            AssumeRoleConfig::new("arn:aws:iam::123456789012:role/r")
                .duration_seconds(900)
                .refresh_ahead(Duration::from_secs(900)),
        )
        .build()
        .await
        .unwrap_err();
    assert_eq!(e.code(), "strands::validation::invalid_refresh_ahead");
    let e = AssumeRoleConfig::new("arn:aws:iam::123456789012:role/r")
        .refresh_ahead(Duration::MAX)
        .validate()
        .unwrap_err();
    assert_eq!(e.code(), "strands::validation::invalid_refresh_ahead");

    // Every call is bounded by default.
    let m = builder("empty").build().await.unwrap();
    let t = m.sdk_config().timeout_config().unwrap();
    assert_eq!(
        t.operation_attempt_timeout(),
        Some(strands_creds::DEFAULT_ATTEMPT_TIMEOUT)
    );
    assert_eq!(
        t.operation_timeout(),
        Some(strands_creds::DEFAULT_OPERATION_TIMEOUT)
    );
    println!("child checks passed");
}
