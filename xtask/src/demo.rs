//! `cargo xtask demo`: the seed's example, end to end, against a moto_server
//! the demo starts itself. No AWS account, no traffic beyond 127.0.0.1.

use crate::cmd::StepFailed;
use crate::install;
use aws_config::{BehaviorVersion, Region};
use aws_sdk_sts::config::Credentials;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use std::path::Path;
use strands_testkit::{MotoServer, TEST_ACCESS_KEY_ID, TEST_SECRET_ACCESS_KEY};

/// Options of `cargo xtask demo`.
#[derive(Debug, clap::Args)]
pub(crate) struct DemoArgs {
    /// Print the structured results as JSON instead of prose.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(root: &Path, args: &DemoArgs) -> miette::Result<()> {
    let bin = install::ensure_moto(root)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| StepFailed::new("demo", format!("tokio runtime: {e}")))?;
    rt.block_on(walk(&bin, args))
}

fn say(args: &DemoArgs, step: &str, line: impl std::fmt::Display) {
    if !args.json {
        println!("[{step}] {line}");
    }
}

async fn walk(bin: &Path, args: &DemoArgs) -> miette::Result<()> {
    let moto = strands_testkit::MotoBuilder::default()
        .binary(bin)
        .start()
        .map_err(|e| StepFailed::new("demo", format!("starting moto_server: {e}")))?;
    say(
        args,
        "moto",
        format!("moto_server up at {}", moto.endpoint_url()),
    );

    let identity = caller_identity(&moto).await?;
    say(
        args,
        "credentials",
        format!(
            "Account: {}  User: {}  UserId: {}",
            identity.0, identity.1, identity.2
        ),
    );
    if args.json {
        let out = serde_json::json!({
            "caller_identity": {
                "account_id": identity.0,
                "user_arn": identity.1,
                "user_id": identity.2,
            }
        });
        println!("{out:#}");
    }
    drop(moto);
    say(args, "moto", "moto_server stopped");
    Ok(())
}

async fn caller_identity(moto: &MotoServer) -> miette::Result<(String, String, String)> {
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .build_https();
    let conf = aws_config::defaults(BehaviorVersion::latest())
        .http_client(http)
        .region(Region::new("us-east-1"))
        .endpoint_url(moto.endpoint_url())
        .credentials_provider(Credentials::new(
            TEST_ACCESS_KEY_ID,
            TEST_SECRET_ACCESS_KEY,
            None,
            None,
            "strands-demo",
        ))
        .load()
        .await;
    let out = aws_sdk_sts::Client::new(&conf)
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| {
            StepFailed::new(
                "demo",
                format!(
                    "GetCallerIdentity: {}",
                    aws_sdk_sts::error::DisplayErrorContext(&e)
                ),
            )
        })?;
    Ok((
        out.account().unwrap_or_default().to_owned(),
        out.arn().unwrap_or_default().to_owned(),
        out.user_id().unwrap_or_default().to_owned(),
    ))
}
