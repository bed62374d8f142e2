//! Process start to first validated identity, two ways, for the
//! process-level bench in `cargo xtask bench`:
//!
//! - `first_identity strands`: `AwsClientManager::builder().build()` then
//!   `validate_credentials()`;
//! - `first_identity aws-config`: plain `aws_config::defaults(..).load()`
//!   then STS `GetCallerIdentity`, the least a program can do.
//!
//! Both resolve credentials from the environment and the profile files as
//! given (AWS_PROFILE, AWS_ACCESS_KEY_ID, AWS_ENDPOINT_URL, ...) and use
//! the same rustls + ring HTTPS client. Exit status 0 and one line with
//! the caller's ARN on success.

use aws_config::BehaviorVersion;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use strands_creds::AwsClientManager;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mode = std::env::args().nth(1).unwrap_or_default();
    let arn = match mode.as_str() {
        "strands" => {
            let m = AwsClientManager::builder().build().await?;
            m.validate_credentials().await?.user_arn
        }
        "aws-config" => {
            let http = aws_smithy_http_client::Builder::new()
                .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
                .build_https();
            let conf = aws_config::defaults(BehaviorVersion::latest())
                .http_client(http)
                .load()
                .await;
            let out = aws_sdk_sts::Client::new(&conf)
                .get_caller_identity()
                .send()
                .await?;
            out.arn().unwrap_or_default().to_owned()
        }
        _ => return Err("usage: first_identity strands|aws-config".into()),
    };
    println!("{arn}");
    Ok(())
}
