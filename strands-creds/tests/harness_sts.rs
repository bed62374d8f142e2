//! The harness proof: the real aws-sdk-sts client against a real moto_server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use aws_config::{BehaviorVersion, Region};
use aws_sdk_sts::config::Credentials;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use strands_testkit::{MOTO_ACCOUNT_ID, MotoServer, TEST_ACCESS_KEY_ID, TEST_SECRET_ACCESS_KEY};

#[tokio::test]
async fn harness_sts_get_caller_identity_against_moto() {
    let moto = MotoServer::start().unwrap();
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
            "strands-testkit",
        ))
        .load()
        .await;
    let out = aws_sdk_sts::Client::new(&conf)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(out.account(), Some(MOTO_ACCOUNT_ID));
    assert_eq!(out.arn(), Some("arn:aws:sts::123456789012:user/moto"));
}
