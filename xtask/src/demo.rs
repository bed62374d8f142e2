//! `cargo xtask demo`: start a moto_server and run the facade's examples
//! against it, as a user would run them (`cargo run --example`), configured
//! only by the standard AWS environment. No AWS account, nothing beyond
//! 127.0.0.1.
//!
//! - `quick_start`: the Python module's usage (credentials, an assumed role, cached
//!   clients, a retried call, a breaker, an error a person can act on, the
//!   preflight report).
//! - `lambda_provisioner`: the execution role, the zip, create then update
//!   the function, inside a retry strategy and a breaker.
//! - `resilience`: through a fault proxy in front of moto that answers a
//!   few calls as a throttled and a failing Lambda do on the wire: the
//!   throttled call retried with its backoff and the budget's tokens, the
//!   breaker opening, rejecting without a call and closing after its
//!   trial, and errors with their fixes.
//!
//! The examples live in `strands-deploy-utils/examples/`, where a crate
//! user finds them; this file only starts the emulator and runs them. To
//! run them against a real account, run them without `AWS_ENDPOINT_URL`
//! (the quick start only reads; the provisioner creates a role and a
//! function).

use crate::cmd::StepFailed;
use crate::install;
use std::path::Path;
use strands_testkit::{
    FaultProxy, MOTO_ACCOUNT_ID, MotoServer, TEST_ACCESS_KEY_ID, TEST_SECRET_ACCESS_KEY,
    lambda_pushback,
};

/// The examples `cargo xtask demo` runs, in order, with the features each
/// needs; the last runs through the fault proxy.
const EXAMPLES: [&str; 3] = ["quick_start", "lambda_provisioner", "resilience"];
const FEATURES: &str = "s3,iam";
/// The function the provisioner creates and the resilience example reads.
const FUNCTION: &str = "strands-agent";

pub(crate) fn run(root: &Path) -> miette::Result<()> {
    let bin = install::ensure_moto(root)?;
    let moto = MotoServer::builder()
        .binary(&bin)
        .start()
        .map_err(|e| StepFailed::new("demo", format!("moto_server did not start: {e}")))?;
    println!("[moto] moto_server up at {}", moto.endpoint_url());
    // Lambda pushing back, as it looks on the wire: the first two
    // ListFunctions throttled (429, Retry-After: 1), the first three
    // GetFunction of the function unavailable (503); everything else goes
    // to moto unchanged.
    let proxy = FaultProxy::start(moto.endpoint_url(), lambda_pushback(FUNCTION))
        .map_err(|e| StepFailed::new("demo", format!("the fault proxy did not start: {e}")))?;
    println!(
        "[fault] a throttling and failing Lambda at {}, in front of moto",
        proxy.endpoint_url()
    );
    let home = root.join("target/demo-home");
    std::fs::create_dir_all(&home)
        .map_err(|e| StepFailed::new("demo", format!("{}: {e}", home.display())))?;
    println!(
        "[demo] building the examples (cargo's progress below; the first build takes a few minutes)"
    );
    for name in EXAMPLES {
        println!("\n[demo] ===== example {name} =====");
        let endpoint = if name == "resilience" {
            proxy.endpoint_url()
        } else {
            moto.endpoint_url().to_owned()
        };
        let mut cargo = crate::cmd::cargo();
        cargo
            .args(["run", "-p", "strands-deploy-utils", "--features", FEATURES])
            .args(["--example", name])
            // Only what the demo sets: an empty home, moto's endpoint and
            // its test keys, never the caller's profile or instance role.
            .env("HOME", &home)
            .env("AWS_CONFIG_FILE", home.join("config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", home.join("credentials"))
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_SESSION_TOKEN")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_ENDPOINT_URL", &endpoint)
            .env("STRANDS_FUNCTION_NAME", FUNCTION)
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", TEST_ACCESS_KEY_ID)
            .env("AWS_SECRET_ACCESS_KEY", TEST_SECRET_ACCESS_KEY)
            .env(
                "STRANDS_ROLE_ARN",
                format!("arn:aws:iam::{MOTO_ACCOUNT_ID}:role/DeploymentRole"),
            );
        crate::cmd::run("demo", root, &mut cargo)?;
    }
    println!(
        "\n[fault] answered {} requests itself, forwarded {} to moto",
        proxy.answered(),
        proxy.forwarded()
    );
    drop(proxy);
    drop(moto);
    println!("[moto] moto_server stopped");
    Ok(())
}
