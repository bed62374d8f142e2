//! A breaker per service and region for a manager's clients: Lambda
//! throttled (as it is on the wire, in front of moto) opens Lambda's
//! circuit in that region and nowhere else; STS goes on. With the one
//! shared breaker (still a choice) the same throttle stops STS too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;
use strands_creds::AwsClientManager;
use strands_retry::{CircuitBreaker, CircuitState, RetryStrategy};
use strands_testkit::{Canned, Fault, FaultProxy, MotoServer};

fn throttled_lambda(moto: &MotoServer) -> FaultProxy {
    FaultProxy::start(
        moto.endpoint_url(),
        vec![Fault {
            method: "GET".into(),
            path: "/2015-03-31/functions".into(),
            times: usize::MAX,
            answer: Canned::lambda_throttle(0),
        }],
    )
    .unwrap()
}

async fn manager(proxy: &FaultProxy, per_service: bool) -> AwsClientManager {
    let template = CircuitBreaker::new(3, Duration::from_secs(60));
    let b = AwsClientManager::builder()
        .region("us-east-1")
        .failover_regions(["eu-west-1"])
        .endpoint_url(proxy.endpoint_url())
        .credentials_provider(strands_testkit::test_credentials())
        .retry_strategy(
            RetryStrategy::builder()
                .max_retries(1)
                .base_delay(Duration::from_millis(1))
                .max_delay(Duration::from_millis(2))
                .build()
                .unwrap(),
        );
    let b = if per_service {
        b.circuit_breaker_per_service(template)
    } else {
        b.circuit_breaker(template)
    };
    b.build().await.unwrap()
}

async fn throttle_lambda(m: &AwsClientManager) {
    let lambda = m.get_client::<aws_sdk_lambda::Client>();
    for _ in 0..3 {
        assert!(lambda.list_functions().send().await.is_err());
    }
}

#[tokio::test]
async fn a_throttled_lambda_opens_only_lambdas_breaker_in_its_region() {
    let moto = MotoServer::start().unwrap();
    let proxy = throttled_lambda(&moto);
    let m = manager(&proxy, true).await;
    throttle_lambda(&m).await;
    let state = |svc: &str, region: &str| m.circuit_breaker(svc, region).unwrap().state();
    assert_eq!(state("lambda", "us-east-1"), CircuitState::Open);
    assert_eq!(state("lambda", "eu-west-1"), CircuitState::Closed);
    assert_eq!(state("sts", "us-east-1"), CircuitState::Closed);
    // The healthy service goes on; the open one is kept home.
    m.validate_credentials().await.unwrap();
    let answered = proxy.answered();
    let e = m
        .get_client::<aws_sdk_lambda::Client>()
        .list_functions()
        .send()
        .await
        .unwrap_err();
    let e = strands_errors::error_handler().handle_exception(e, Default::default());
    assert_eq!(e.code(), "strands::network::circuit_open");
    assert_eq!(proxy.answered(), answered, "nothing sent while open");
}

#[tokio::test]
async fn one_shared_breaker_stays_a_choice() {
    let moto = MotoServer::start().unwrap();
    let proxy = throttled_lambda(&moto);
    let m = manager(&proxy, false).await;
    throttle_lambda(&m).await;
    let shared = m.circuit_breaker("sts", "us-east-1").unwrap();
    assert_eq!(shared.state(), CircuitState::Open);
    let e = m.validate_credentials().await.unwrap_err();
    assert_eq!(e.code(), "strands::network::circuit_open", "{e:?}");
}
