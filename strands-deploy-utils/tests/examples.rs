//! The examples a crate user runs, run as a user runs them: the built
//! binaries, configured only by the standard AWS environment and files,
//! against a moto_server. What they print is checked, and so is what
//! reached moto and what moto holds afterwards.
//!
//! `cargo test` builds the examples before it runs this file; `cargo xtask
//! ci` runs it with `--features strands-deploy-utils/s3,strands-deploy-utils/iam`.
#![cfg(all(feature = "s3", feature = "iam"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use strands_deploy_utils::{AwsClientManager, aws_sdk_iam, aws_sdk_lambda};
use strands_testkit::{MOTO_ACCOUNT_ID, MotoServer, TEST_ACCESS_KEY_ID, TEST_SECRET_ACCESS_KEY};

fn example(name: &str) -> PathBuf {
    strands_testkit::example_bin(name)
}

/// A command with nothing of this machine's AWS set-up: an empty home,
/// no keys, no profile, no instance metadata.
fn clean(bin: &Path, home: &Path) -> Command {
    let mut c = Command::new(bin);
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("AWS_") || k.to_string_lossy().starts_with("STRANDS_") {
            c.env_remove(k);
        }
    }
    c.env("HOME", home)
        .env("AWS_CONFIG_FILE", home.join("config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("credentials"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("RUST_LOG", "off");
    c
}

fn home(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("strands-examples-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The quick start through a named profile whose `endpoint_url` is moto,
/// as a user's `~/.aws/config` would name an emulator or a proxy.
#[test]
fn quick_start_runs_the_python_modules_usage_through_a_profile() {
    let moto = MotoServer::builder().record(true).start().unwrap();
    let home = home("quick");
    std::fs::write(
        home.join("config"),
        format!(
            "[profile deployer]\nregion = us-east-1\nendpoint_url = {}\n",
            moto.endpoint_url()
        ),
    )
    .unwrap();
    std::fs::write(
        home.join("credentials"),
        format!(
            "[deployer]\naws_access_key_id = {TEST_ACCESS_KEY_ID}\naws_secret_access_key = {TEST_SECRET_ACCESS_KEY}\n"
        ),
    )
    .unwrap();
    let out = clean(&example("quick_start"), &home)
        .env("AWS_PROFILE", "deployer")
        .env(
            "STRANDS_ROLE_ARN",
            format!("arn:aws:iam::{MOTO_ACCOUNT_ID}:role/DeploymentRole"),
        )
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    for want in [
        format!("[credentials] Account: {MOTO_ACCOUNT_ID}"),
        format!(
            "[assume-role] now acting as arn:aws:sts::{MOTO_ACCOUNT_ID}:assumed-role/DeploymentRole/strands-quick-start"
        ),
        "[s3] 0 bucket(s)".to_owned(),
        "[lambda] strands-agent does not exist yet".to_owned(),
        // The miette report of the not-found error: its code and its help.
        "strands::validation::resource_not_found_exception".to_owned(),
        "[breaker] 0 function(s) listed through a Closed breaker".to_owned(),
        "[preflight]".to_owned(),
    ] {
        assert!(stdout.contains(&want), "missing {want:?} in:\n{stdout}");
    }
    // A not-found is permanent: #[with_retry] made one GetFunction, not 4.
    // (restJson1 calls carry no action name; STS's query calls do.)
    let actions = moto.recorded_actions();
    assert_eq!(moto.count_action("AssumeRole"), 1, "{actions:?}");
    assert!(moto.count_action("GetCallerIdentity") >= 1, "{actions:?}");
    assert!(!stdout.contains(TEST_SECRET_ACCESS_KEY));
    let _ = std::fs::remove_dir_all(&home);
}

/// A misspelt profile fails before anything is sent, naming the problem.
#[test]
fn quick_start_refuses_an_unknown_profile_before_any_request() {
    let moto = MotoServer::builder().record(true).start().unwrap();
    let home = home("unknown");
    std::fs::write(
        home.join("config"),
        "[profile deployer]\nregion = us-east-1\n",
    )
    .unwrap();
    let out = clean(&example("quick_start"), &home)
        .env("AWS_PROFILE", "deployr")
        .env("AWS_ENDPOINT_URL", moto.endpoint_url())
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(!out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("strands::configuration::unknown_profile"),
        "{stderr}"
    );
    assert!(stderr.contains("deployer"), "the nearest name: {stderr}");
    assert!(moto.recorded_actions().is_empty());
    let _ = std::fs::remove_dir_all(&home);
}

/// The provisioner through `AWS_ENDPOINT_URL` and keys in the environment:
/// created, then updated; moto holds the role and the function after.
#[tokio::test(flavor = "current_thread")]
async fn the_provisioner_creates_then_updates_against_moto() {
    let moto = MotoServer::builder().record(true).start().unwrap();
    let home = home("provision");
    let out = clean(&example("lambda_provisioner"), &home)
        .env("AWS_ENDPOINT_URL", moto.endpoint_url())
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", TEST_ACCESS_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", TEST_SECRET_ACCESS_KEY)
        .env("STRANDS_FUNCTION_NAME", "example-agent")
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let arn = format!("arn:aws:lambda:us-east-1:{MOTO_ACCOUNT_ID}:function:example-agent");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines,
        [
            format!("[provision] created {arn}"),
            format!("[provision] updated {arn} (it already existed)"),
        ],
        "{stderr}"
    );
    // The role was created once; the second run found it.
    assert_eq!(moto.count_action("CreateRole"), 2, "one per deploy");
    assert_eq!(
        moto.count_action("GetRole"),
        1,
        "the second deploy reused it"
    );

    let manager = AwsClientManager::builder()
        .region("us-east-1")
        .endpoint_url(moto.endpoint_url())
        .credentials_provider(strands_testkit::test_credentials())
        .build()
        .await
        .unwrap();
    let f = manager
        .get_client::<aws_sdk_lambda::Client>()
        .get_function()
        .function_name("example-agent")
        .send()
        .await
        .unwrap();
    let role = manager
        .get_client::<aws_sdk_iam::Client>()
        .get_role()
        .role_name("example-agent-role")
        .send()
        .await
        .unwrap();
    let role_arn = role.role().map(|r| r.arn().to_owned()).unwrap();
    assert_eq!(
        f.configuration().and_then(|c| c.role()),
        Some(role_arn.as_str())
    );
    assert!(
        role.role()
            .and_then(|r| r.assume_role_policy_document())
            .is_some_and(|p| p.contains("lambda.amazonaws.com")),
        "the trust policy names Lambda"
    );
    let _ = std::fs::remove_dir_all(&home);
}

/// The resilience example through a fault proxy in front of moto, as
/// `cargo xtask demo` runs it: two throttled ListFunctions retried (the
/// budget 500 → 490 → 495), three failing GetFunction opening the breaker,
/// a fourth rejected without reaching the endpoint, the trial closing it.
#[test]
fn resilience_retries_a_throttle_and_trips_and_closes_a_breaker() {
    use strands_testkit::{FaultProxy, lambda_pushback};
    let moto = MotoServer::start().unwrap();
    let proxy = FaultProxy::start(moto.endpoint_url(), lambda_pushback("agent-x")).unwrap();
    let home = home("resilience");
    let out = clean(&example("resilience"), &home)
        .env("AWS_ENDPOINT_URL", proxy.endpoint_url())
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", TEST_ACCESS_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", TEST_SECRET_ACCESS_KEY)
        .env("STRANDS_FUNCTION_NAME", "agent-x")
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    for line in [
        "retry 1 after a throttling error",
        "retry 2 after a throttling error",
        "after 2 retries; budget now 495 tokens",
        "call 3: ServiceException",
        "breaker Open",
        "call 4: rejected without a call",
        "breaker Closed",
        "Suggested fixes",
        "strands::configuration::invalid_exponential_base",
        // The throttled ListFunctions, as the telemetry pipeline saw it.
        "strands.client.call.attempts{cloud.region=us-east-1,rpc.method=ListFunctions,rpc.service=Lambda} = 3",
        "strands.client.call.retries{cloud.region=us-east-1,retry.kind=throttling,rpc.method=ListFunctions,rpc.service=Lambda} = 2",
        "strands.retry.budget.tokens = 495",
    ] {
        assert!(stdout.contains(line), "missing `{line}`:\n{stdout}");
    }
    // 2 throttles + 3 failures answered by the fault; the rejected call
    // never reached it.
    assert_eq!(proxy.answered(), 5);
    let _ = std::fs::remove_dir_all(&home);
}
