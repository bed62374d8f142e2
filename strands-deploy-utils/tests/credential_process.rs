//! strands' credentials handed to the tools a deployment runs, proven with
//! the real AWS CLI and boto3 against moto:
//!
//! - the `credential_process` example behind a profile: the CLI and boto3
//!   both get the role strands assumes; the role needs MFA, and one
//!   prompt (the CLI's run, on a terminal) serves both: one AssumeRole,
//!   with the code, through the session cache the example shares with the
//!   CLI (boto3 runs with no terminal, so a second prompt would fail it);
//! - a run that cannot get credentials exits non-zero with the diagnostic
//!   on stderr, which the CLI shows, with no secret in it;
//! - `AwsClientManager::child_env()` applied to the CLI's command: the same
//!   caller, with no profile in the child.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use strands_deploy_utils::AwsClientManager;
use strands_testkit::{MotoServer, TEST_SECRET_ACCESS_KEY};

const CHILD: &str = "STRANDS_CREDENTIAL_PROCESS_CHILD";

fn example(name: &str) -> PathBuf {
    strands_testkit::example_bin(name)
}

fn python() -> PathBuf {
    strands_testkit::moto_server_path().with_file_name("python")
}

/// The test's files: a base profile with keys, a role profile on it, and
/// the profiles that run the example.
fn setup(dir: &Path, moto: &MotoServer) -> Vec<(&'static str, String)> {
    let bin = example("credential_process");
    std::fs::create_dir_all(dir.join("home")).unwrap();
    std::fs::write(
        dir.join("config"),
        format!(
            "[profile base]\nregion = us-east-1\n\n\
             [profile deploy]\nregion = us-east-1\nrole_arn = arn:aws:iam::123456789012:role/Deploy\nsource_profile = base\nmfa_serial = arn:aws:iam::123456789012:mfa/alice\n\n\
             [profile via-strands]\nregion = us-east-1\ncredential_process = {bin} --profile deploy\n\n\
             [profile broken]\nregion = us-east-1\ncredential_process = {bin} --profile no-such-profile\n",
            bin = bin.display()
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("credentials"),
        format!(
            "[base]\naws_access_key_id = AKIABASE000000000001\naws_secret_access_key = {TEST_SECRET_ACCESS_KEY}\n"
        ),
    )
    .unwrap();
    vec![
        ("HOME", dir.join("home").display().to_string()),
        ("AWS_CONFIG_FILE", dir.join("config").display().to_string()),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            dir.join("credentials").display().to_string(),
        ),
        ("AWS_ENDPOINT_URL", moto.endpoint_url().to_owned()),
        ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
    ]
}

fn clean(program: &Path, env: &[(&str, String)]) -> Command {
    let mut cmd = Command::new(program);
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("AWS_") {
            cmd.env_remove(k);
        }
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// `aws sts get-caller-identity` run as a person runs it, on a terminal
/// (`script` gives it a pseudo-terminal) where they type `typed`.
fn aws_cli_on_a_terminal(env: &[(&str, String)], profile: &str, typed: &str) -> String {
    use std::io::Write;
    let awscli = strands_testkit::moto_server_path()
        .ancestors()
        .nth(3)
        .unwrap()
        .join("awscli");
    let line = format!(
        "{} -m awscli sts get-caller-identity --output json --profile {profile}",
        python().display()
    );
    let mut cmd = clean(Path::new("script"), env);
    cmd.args(["-qec", &line, "/dev/null"])
        .env("PYTHONPATH", &awscli)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{typed}\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("MFA code"),
        "no prompt on the terminal: {text}"
    );
    // The terminal shows the prompt and the typed code; the JSON follows.
    let json = &text[text.find('{').unwrap()..=text.rfind('}').unwrap()];
    let v: Value = serde_json::from_str(json).unwrap();
    v["Arn"].as_str().unwrap().to_owned()
}

/// `aws sts get-caller-identity` (the AWS CLI from `target/awscli`).
fn aws_cli(env: &[(&str, String)], profile: Option<&str>) -> std::process::Output {
    let mut cmd = strands_testkit::aws_cli();
    cmd.args(["sts", "get-caller-identity", "--output", "json"]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    if let Some(p) = profile {
        cmd.args(["--profile", p]);
    }
    cmd.output().unwrap()
}

fn arn_of(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["Arn"].as_str().unwrap().to_owned()
}

#[test]
fn the_aws_cli_and_boto3_use_strands_chain_through_credential_process() {
    let moto = MotoServer::builder().record(true).start().unwrap();
    let dir = std::env::temp_dir().join(format!("strands-cp-{}", std::process::id()));
    let env = setup(&dir, &moto);

    let cli = aws_cli_on_a_terminal(&env, "via-strands", "123456");
    assert!(
        cli.contains(":assumed-role/Deploy/strands-deployment"),
        "{cli}"
    );
    let boto = clean(&python(), &env)
        .args([
            "-c",
            "import boto3; print(boto3.Session(profile_name='via-strands').client('sts').get_caller_identity()['Arn'])",
        ])
        .output()
        .unwrap();
    assert!(
        boto.status.success(),
        "{}",
        String::from_utf8_lossy(&boto.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&boto.stdout).trim(), cli);
    // One AssumeRole for both tools, with the one code typed: the second
    // run of the example read the session the first wrote to the CLI's
    // cache, and asked for nothing.
    assert_eq!(moto.count_action("AssumeRole"), 1);
    let sent = moto
        .recorded_requests()
        .into_iter()
        .find(|(a, _)| a == "AssumeRole")
        .map(|(_, body)| body)
        .unwrap();
    assert!(sent.contains("TokenCode=123456"), "{sent}");
    assert!(
        sent.contains("SerialNumber=arn%3Aaws%3Aiam%3A%3A123456789012%3Amfa%2Falice"),
        "{sent}"
    );

    // A run that cannot get credentials: non-zero, the diagnostic on
    // stderr, shown by the CLI, no secret anywhere.
    let failed = aws_cli(&env, Some("broken"));
    assert!(!failed.status.success());
    let shown = String::from_utf8_lossy(&failed.stderr);
    assert!(
        shown.contains("strands::configuration::unknown_profile"),
        "{shown}"
    );
    let direct = clean(&example("credential_process"), &env)
        .args(["--profile", "no-such-profile"])
        .output()
        .unwrap();
    assert_eq!(direct.status.code(), Some(1));
    assert!(direct.stdout.is_empty());
    let text = String::from_utf8_lossy(&direct.stderr);
    assert!(text.contains("no-such-profile"), "{text}");
    assert!(!text.contains(TEST_SECRET_ACCESS_KEY) && !shown.contains(TEST_SECRET_ACCESS_KEY));
    // Without a profile: usage, exit 2.
    let usage = clean(&example("credential_process"), &env)
        .output()
        .unwrap();
    assert_eq!(usage.status.code(), Some(2));

    // child_env: the CLI as a child of a strands program, no profile.
    let vars: Vec<(&str, std::ffi::OsString)> = env.iter().map(|(k, v)| (*k, v.into())).collect();
    let vars: Vec<(&str, &std::ffi::OsStr)> =
        vars.iter().map(|(k, v)| (*k, v.as_os_str())).collect();
    let text = strands_testkit::run_child_checks("child_env_for_the_cli", CHILD, &vars);
    assert!(text.contains(&format!("CHILD_ARN {cli}")), "{text}");
    assert!(!text.contains(TEST_SECRET_ACCESS_KEY), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn child_env_for_the_cli() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let m = AwsClientManager::builder()
        .profile("deploy")
        .build()
        .await
        .unwrap();
    let env = m.child_env().await.unwrap();
    // Debug shows names, never values.
    let shown = format!("{env:?}");
    assert!(
        shown.contains("AWS_SESSION_TOKEN") && !shown.contains("FQoG"),
        "{shown}"
    );
    let names: Vec<&str> = env.names().collect();
    assert!(names.contains(&"AWS_CREDENTIAL_EXPIRATION"), "{names:?}");
    let mut cmd = strands_testkit::aws_cli();
    // This test's own environment (its files, moto), then a profile that
    // apply_to must remove.
    cmd.envs(std::env::vars().filter(|(k, _)| k.starts_with("AWS_")));
    cmd.env("AWS_PROFILE", "base");
    env.apply_to(&mut cmd);
    cmd.args(["sts", "get-caller-identity", "--output", "json"]);
    let arn = arn_of(&cmd.output().unwrap());
    println!("CHILD_ARN {arn}");
    println!("child checks passed");
}
