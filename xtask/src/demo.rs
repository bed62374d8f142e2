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
//!
//! The examples live in `strands-deploy-utils/examples/`, where a crate
//! user finds them; this file only starts the emulator and runs them. To
//! run them against a real account, run them without `AWS_ENDPOINT_URL`
//! (the quick start only reads; the provisioner creates a role and a
//! function).

use crate::cmd::StepFailed;
use crate::install;
use std::path::Path;
use strands_testkit::{MOTO_ACCOUNT_ID, MotoServer, TEST_ACCESS_KEY_ID, TEST_SECRET_ACCESS_KEY};

/// The examples `cargo xtask demo` runs, in order, with the features each
/// needs.
const EXAMPLES: [&str; 2] = ["quick_start", "lambda_provisioner"];
const FEATURES: &str = "s3,iam";

pub(crate) fn run(root: &Path) -> miette::Result<()> {
    let bin = install::ensure_moto(root)?;
    let moto = MotoServer::builder()
        .binary(&bin)
        .start()
        .map_err(|e| StepFailed::new("demo", format!("moto_server did not start: {e}")))?;
    println!("[moto] moto_server up at {}", moto.endpoint_url());
    let home = root.join("target/demo-home");
    std::fs::create_dir_all(&home)
        .map_err(|e| StepFailed::new("demo", format!("{}: {e}", home.display())))?;
    for name in EXAMPLES {
        let mut cargo = crate::cmd::cargo();
        cargo
            .args([
                "run",
                "-q",
                "-p",
                "strands-deploy-utils",
                "--features",
                FEATURES,
            ])
            .args(["--example", name])
            // Only what the demo sets: an empty home, moto's endpoint and
            // its test keys, never the caller's profile or instance role.
            .env("HOME", &home)
            .env("AWS_CONFIG_FILE", home.join("config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", home.join("credentials"))
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_SESSION_TOKEN")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_ENDPOINT_URL", moto.endpoint_url())
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", TEST_ACCESS_KEY_ID)
            .env("AWS_SECRET_ACCESS_KEY", TEST_SECRET_ACCESS_KEY)
            .env(
                "STRANDS_ROLE_ARN",
                format!("arn:aws:iam::{MOTO_ACCOUNT_ID}:role/DeploymentRole"),
            );
        crate::cmd::run("demo", root, &mut cargo)?;
    }
    drop(moto);
    println!("\n[moto] moto_server stopped");
    Ok(())
}
