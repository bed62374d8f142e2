//! Every client from the manager carries the one retry layer: an S3 and an
//! IAM client (features `s3`, `iam`) against moto for the happy path,
//! against a throttling wiremock endpoint for the fault (attempts exactly
//! as the strands policy says, then nothing past an open breaker), and a
//! client of a crate strands does not know, through `managed_client!`.
//!
//! `cargo xtask ci` runs this with `--features strands-creds/s3,strands-creds/iam`.
#![cfg(all(feature = "s3", feature = "iam"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use aws_credential_types::Credentials;
use std::time::Duration;
use strands_creds::AwsClientManager;
use strands_retry::{CircuitBreaker, RetryStrategy};
use strands_testkit::wiremock::ResponseTemplate;
use strands_testkit::{FaultEndpoint, MotoServer, aws_json_error, aws_query_error};

strands_creds::managed_client!(
    /// SQS, which strands has no feature for: the macro gives it the layer.
    pub Sqs = aws_sdk_sqs
);

const RETRIES: u32 = 2;

fn creds() -> Credentials {
    strands_testkit::test_credentials()
}

fn strategy() -> RetryStrategy {
    RetryStrategy::builder()
        .max_retries(RETRIES)
        .base_delay(Duration::from_millis(2))
        .max_delay(Duration::from_millis(10))
        .count_calls(true)
        .build()
        .unwrap()
}

async fn manager(endpoint: &str, breaker: Option<CircuitBreaker>) -> AwsClientManager {
    manager_with(endpoint, strategy(), breaker).await
}

async fn manager_with(
    endpoint: &str,
    strategy: RetryStrategy,
    breaker: Option<CircuitBreaker>,
) -> AwsClientManager {
    let mut b = AwsClientManager::builder()
        .region("us-east-1")
        .endpoint_url(endpoint)
        .credentials_provider(creds())
        .retry_strategy(strategy);
    if let Some(br) = breaker {
        b = b.circuit_breaker(br);
    }
    b.build().await.unwrap()
}

fn s3_slow_down() -> ResponseTemplate {
    ResponseTemplate::new(503)
        .insert_header("content-type", "application/xml")
        .set_body_string(
            "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message>\
             <RequestId>R1</RequestId><HostId>H1</HostId></Error>",
        )
}

#[tokio::test]
async fn s3_and_iam_clients_work_against_moto() {
    let moto = MotoServer::start().unwrap();
    let policy = strategy(); // clones share their stats
    let m = manager_with(moto.endpoint_url(), policy.clone(), None).await;
    let s3 = m.get_client::<aws_sdk_s3::Client>();
    s3.create_bucket()
        .bucket("strands-artifacts")
        .send()
        .await
        .unwrap();
    let buckets = s3.list_buckets().send().await.unwrap();
    let names: Vec<&str> = buckets.buckets().iter().filter_map(|b| b.name()).collect();
    assert_eq!(names, ["strands-artifacts"]);

    let iam = m.get_client::<aws_sdk_iam::Client>();
    iam.create_role()
        .role_name("agent-exec")
        .assume_role_policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
        )
        .send()
        .await
        .unwrap();
    let role = iam.get_role().role_name("agent-exec").send().await.unwrap();
    assert_eq!(role.role().map(|r| r.role_name()), Some("agent-exec"));
    // The strands policy counted the SDK's attempts: four calls, no retry.
    let stats = policy.stats();
    assert_eq!((stats.calls, stats.retries), (4, 0));
}

/// Throttled: 1 + RETRIES attempts each (the strands policy, not the SDK's
/// default of 3 attempts); then a breaker opened by those failures stops
/// the next call before it is sent.
#[tokio::test]
async fn s3_iam_and_a_macro_client_retry_by_the_strands_policy_and_stop_at_an_open_breaker() {
    type Call =
        fn(AwsClientManager) -> std::pin::Pin<Box<dyn std::future::Future<Output = bool> + Send>>;
    let cases: [(&str, ResponseTemplate, Call); 3] = [
        ("s3", s3_slow_down(), |m| {
            Box::pin(async move {
                let s3 = m.get_client::<aws_sdk_s3::Client>();
                s3.list_buckets().send().await.is_ok()
            })
        }),
        (
            "iam",
            aws_query_error(400, "Throttling", "Rate exceeded"),
            |m| {
                Box::pin(async move {
                    let iam = m.get_client::<aws_sdk_iam::Client>();
                    iam.list_roles().send().await.is_ok()
                })
            },
        ),
        (
            "sqs through managed_client!",
            aws_json_error(400, "ThrottlingException", "Rate exceeded")
                .insert_header("x-amzn-query-error", "ThrottlingException;Sender"),
            |m| {
                Box::pin(async move {
                    let sqs = m.get_client::<Sqs>();
                    sqs.list_queues().send().await.is_ok()
                })
            },
        ),
    ];
    for (name, fault, call) in cases {
        // The policy alone: exactly 1 + RETRIES attempts.
        let ep = FaultEndpoint::start().await;
        ep.fail_then_succeed(1000, fault.clone(), fault.clone())
            .await;
        let m = manager(&ep.uri(), None).await;
        assert!(!call(m.clone()).await, "{name}");
        assert_eq!(ep.request_count().await, 1 + RETRIES as usize, "{name}");

        // With a breaker that opens after 2 failures: the third attempt is
        // stopped before it is sent, and so is the next call.
        let ep = FaultEndpoint::start().await;
        ep.fail_then_succeed(1000, fault.clone(), fault).await;
        let breaker = CircuitBreaker::new(2, Duration::from_secs(60));
        let m = manager(&ep.uri(), Some(breaker.clone())).await;
        assert!(!call(m.clone()).await, "{name}");
        assert_eq!(ep.request_count().await, 2, "{name}: the breaker opened");
        assert!(!call(m).await, "{name}");
        assert_eq!(
            ep.request_count().await,
            2,
            "{name}: nothing past an open breaker"
        );
    }
}
