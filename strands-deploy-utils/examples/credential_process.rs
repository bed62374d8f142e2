//! strands' credentials for the tools a deployment runs, through their
//! `credential_process` setting: the AWS CLI, boto3, terraform and the
//! SDKs read a profile like
//!
//! ```ini
//! [profile deploy-via-strands]
//! credential_process = /path/to/credential_process --profile deploy
//! ```
//!
//! and get the credentials strands resolves for profile `deploy`: its role
//! chain, its MFA prompt, and the session cache it shares with the AWS CLI
//! (so one MFA prompt serves both). It prints the `credential_process`
//! document (Version 1, with `Expiration`) on stdout; when it cannot get
//! credentials it exits non-zero with the diagnostic on stderr, redacted.
//! The profile named must not itself be the one that runs this program.
//!
//! `cargo run -p strands-deploy-utils --example credential_process -- --profile NAME [--region R]`

use std::process::ExitCode;
use strands_deploy_utils::{AwsClientManager, DeploymentError};

fn usage() -> ExitCode {
    eprintln!("usage: credential_process --profile NAME [--region REGION]");
    ExitCode::from(2)
}

async fn document(profile: &str, region: Option<&str>) -> Result<String, DeploymentError> {
    let mut b = AwsClientManager::builder().profile(profile);
    if let Some(r) = region {
        b = b.region(r);
    }
    b.build().await?.credential_process_json().await
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .map(String::as_str)
    };
    let Some(profile) = value("--profile") else {
        return usage();
    };
    match document(profile, value("--region")).await {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{}\n[{}] {}", e.to_user_message(), e.code(), e.url());
            ExitCode::FAILURE
        }
    }
}
