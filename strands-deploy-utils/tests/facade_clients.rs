//! The Python module's `client_manager.get_client('s3')`, through the facade: the
//! `s3` feature gives `get_client::<aws_sdk_s3::Client>()` with the strands
//! policy as its one retry layer. Against moto, then a throttling
//! endpoint behind a breaker.
//!
//! `cargo xtask ci` runs this with `--features strands-deploy-utils/s3`.
#![cfg(feature = "s3")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;
use strands_deploy_utils::{AwsClientManager, CircuitBreaker, RetryStrategy, aws_sdk_s3};
use strands_testkit::wiremock::ResponseTemplate;
use strands_testkit::{FaultEndpoint, MotoServer, TEST_ACCESS_KEY_ID, TEST_SECRET_ACCESS_KEY};

async fn manager(endpoint: &str, breaker: CircuitBreaker) -> AwsClientManager {
    AwsClientManager::builder()
        .region("us-east-1")
        .endpoint_url(endpoint)
        .credentials_provider(aws_credential_types::Credentials::new(
            TEST_ACCESS_KEY_ID,
            TEST_SECRET_ACCESS_KEY,
            None,
            None,
            "test",
        ))
        .retry_strategy(
            RetryStrategy::builder()
                .max_retries(3)
                .base_delay(Duration::from_millis(2))
                .max_delay(Duration::from_millis(10))
                .build()
                .unwrap(),
        )
        .circuit_breaker(breaker)
        .build()
        .await
        .unwrap()
}

#[tokio::test]
async fn get_client_s3_through_the_facade() {
    let moto = MotoServer::start().unwrap();
    let m = manager(
        moto.endpoint_url(),
        CircuitBreaker::new(5, Duration::from_secs(60)),
    )
    .await;
    let s3 = m.get_client::<aws_sdk_s3::Client>();
    s3.create_bucket()
        .bucket("agent-zips")
        .send()
        .await
        .unwrap();
    s3.put_object()
        .bucket("agent-zips")
        .key("agent.zip")
        .body(aws_sdk_s3::primitives::ByteStream::from_static(b"PK"))
        .send()
        .await
        .unwrap();
    let got = s3
        .head_object()
        .bucket("agent-zips")
        .key("agent.zip")
        .send()
        .await
        .unwrap();
    assert_eq!(got.content_length(), Some(2));

    // S3 slowing down: four attempts (1 + 3 retries) reach it, then the
    // breaker (open after 4 failures) keeps the next call home.
    let ep = FaultEndpoint::start().await;
    let slow = ResponseTemplate::new(503).set_body_string(
        "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>",
    );
    ep.fail_then_succeed(1000, slow.clone(), slow).await;
    let m = manager(&ep.uri(), CircuitBreaker::new(4, Duration::from_secs(60))).await;
    let s3 = m.get_client::<aws_sdk_s3::Client>();
    assert!(s3.list_buckets().send().await.is_err());
    assert_eq!(ep.request_count().await, 4);
    assert!(s3.list_buckets().send().await.is_err());
    assert_eq!(ep.request_count().await, 4);
}
