//! strands' numbers in the SDK's own telemetry pipeline, read back from
//! OpenTelemetry's in-memory exporter (the setup a user writes once for
//! their SDK clients: `aws-smithy-observability-otel` as the global
//! `TelemetryProvider`): a throttled run against a local endpoint, then an
//! outage that opens the breaker; the counts must equal what the endpoint
//! saw. The SDK's own `smithy.client.call.*` metrics come through the same
//! exporter beside them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use aws_smithy_observability::TelemetryProvider;
use aws_smithy_observability_otel::meter::OtelMeterProvider;
use opentelemetry_sdk::metrics::data::{Gauge, ResourceMetrics, Sum};
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::runtime::Tokio;
use opentelemetry_sdk::testing::metrics::InMemoryMetricsExporter;
use std::sync::Arc;
use std::time::Duration;
use strands_creds::AwsClientManager;
use strands_retry::{CircuitBreaker, RetryStrategy};
use strands_testkit::FaultEndpoint;
use strands_testkit::wiremock::ResponseTemplate;

fn identity_xml() -> ResponseTemplate {
    strands_testkit::sts_identity()
}

/// The sum of every data point of the counter `name` whose attributes
/// include all of `with`.
fn counter(metrics: &[ResourceMetrics], name: &str, with: &[(&str, &str)]) -> u64 {
    let mut total = 0;
    for rm in metrics.iter().rev().take(1) {
        for sm in &rm.scope_metrics {
            for m in sm.metrics.iter().filter(|m| m.name == name) {
                if let Some(sum) = m.data.as_any().downcast_ref::<Sum<u64>>() {
                    for p in &sum.data_points {
                        let has = |k: &str, v: &str| {
                            p.attributes
                                .iter()
                                .any(|kv| kv.key.as_str() == k && kv.value.as_str() == v)
                        };
                        if with.iter().all(|(k, v)| has(k, v)) {
                            total += p.value;
                        }
                    }
                }
            }
        }
    }
    total
}

fn gauge(metrics: &[ResourceMetrics], name: &str) -> Vec<f64> {
    let mut out = Vec::new();
    for rm in metrics.iter().rev().take(1) {
        for sm in &rm.scope_metrics {
            for m in sm.metrics.iter().filter(|m| m.name == name) {
                if let Some(g) = m.data.as_any().downcast_ref::<Gauge<f64>>() {
                    out.extend(g.data_points.iter().map(|p| p.value));
                }
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_budget_breaker_and_credentials_reach_the_sdk_pipeline() {
    let exporter = InMemoryMetricsExporter::default();
    let reader = PeriodicReader::builder(exporter.clone(), Tokio).build();
    let otel = OtelMeterProvider::new(SdkMeterProvider::builder().with_reader(reader).build());
    let otel = Arc::new(otel);
    aws_smithy_observability::global::set_telemetry_provider(
        TelemetryProvider::builder()
            .meter_provider(otel.clone())
            .build(),
    )
    .unwrap();

    let ep = FaultEndpoint::start().await;
    ep.throttle_then_succeed(3, None, identity_xml()).await;
    let strategy = RetryStrategy::builder()
        .max_retries(5)
        .base_delay(Duration::from_millis(1))
        .max_delay(Duration::from_millis(2))
        .build()
        .unwrap();
    let m = AwsClientManager::builder()
        .region("us-east-1")
        .endpoint_url(ep.uri())
        .credentials_provider(strands_testkit::test_credentials())
        .retry_strategy(strategy.clone())
        .circuit_breaker_per_service(CircuitBreaker::new(4, Duration::from_secs(60)))
        .build()
        .await
        .unwrap();
    // A strategy strands' own loop runs (no SDK client), reported by name.
    let own = RetryStrategy::builder()
        .max_retries(2)
        .base_delay(Duration::from_millis(1))
        .max_delay(Duration::from_millis(2))
        .count_calls(true)
        .build()
        .unwrap();
    let _reported = strands_creds::StrategyMetrics::register("deploy", &own);
    let mut tries = 0;
    let ok: Result<u32, std::io::Error> = own.execute_with_retry_blocking(|| {
        tries += 1;
        if tries < 3 {
            Err(std::io::ErrorKind::TimedOut.into())
        } else {
            Ok(7)
        }
    });
    assert_eq!(ok.unwrap(), 7);
    let failed: Result<(), std::io::Error> =
        own.execute_with_retry_blocking(|| Err(std::io::ErrorKind::PermissionDenied.into()));
    assert!(failed.is_err());

    // Throttled three times, then answered.
    m.validate_credentials().await.unwrap();
    let throttled_run = ep.request_count().await as u64;
    assert_eq!(throttled_run, 4);

    // Then an outage: the breaker opens after 4 failures, and the next
    // call is kept home.
    ep.server().reset().await;
    ep.always_status(503, "ServiceUnavailable").await;
    let sts = m.get_client::<aws_sdk_sts::Client>();
    let _ = sts.get_caller_identity().send().await;
    let _ = sts.get_caller_identity().send().await;
    let outage = ep.request_count().await as u64;

    otel.flush().unwrap();
    let metrics = exporter.get_finished_metrics().unwrap();
    let sts_call = [
        ("rpc.service", "STS"),
        ("rpc.method", "GetCallerIdentity"),
        ("cloud.region", "us-east-1"),
    ];
    // Every attempt that reached the endpoint, no more.
    assert_eq!(
        counter(&metrics, "strands.client.call.attempts", &sts_call),
        throttled_run + outage
    );
    assert_eq!(
        counter(
            &metrics,
            "strands.client.call.retries",
            &[("retry.kind", "throttling")]
        ),
        3
    );
    assert_eq!(
        counter(&metrics, "strands.circuit_breaker.rejections", &sts_call),
        1 + 1,
        "the second outage call's first attempt, and the first call's retry after the breaker opened"
    );
    assert_eq!(outage, 4, "the breaker opened after 4 failures");
    assert_eq!(gauge(&metrics, "strands.circuit_breaker.state"), vec![2.0]);
    assert_eq!(
        counter(
            &metrics,
            "strands.circuit_breaker.transitions",
            &[
                ("rpc.service", "sts"),
                ("cloud.region", "us-east-1"),
                ("from", "closed"),
                ("to", "open")
            ]
        ),
        1
    );
    let tokens = gauge(&metrics, "strands.retry.budget.tokens");
    assert!(
        tokens.contains(&f64::from(strategy.budget().available()))
            && tokens.contains(&f64::from(own.budget().available())),
        "{tokens:?}"
    );
    assert_eq!(
        counter(
            &metrics,
            "strands.credentials.fetches",
            &[("cloud.region", "us-east-1")]
        ),
        1
    );
    // The strategy of strands' own loop: 2 calls, 3 + 1 attempts, 2
    // retries, 1 give-up.
    let deploy = [("strategy", "deploy")];
    assert_eq!(counter(&metrics, "strands.retry.calls", &deploy), 2);
    assert_eq!(counter(&metrics, "strands.retry.attempts", &deploy), 4);
    assert_eq!(counter(&metrics, "strands.retry.retries", &deploy), 2);
    assert_eq!(counter(&metrics, "strands.retry.give_ups", &deploy), 1);
    // The SDK's own metrics, through the same pipeline.
    assert!(
        metrics.last().unwrap().scope_metrics.iter().any(|sm| sm
            .metrics
            .iter()
            .any(|m| m.name.starts_with("smithy.client.call"))),
        "the SDK's metrics are missing"
    );
}
