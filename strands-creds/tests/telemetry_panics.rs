//! A meter provider that panics on every recording never breaks a call:
//! strands catches each recording and drops it. (Its own process: the
//! telemetry provider is global.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use aws_smithy_observability::instruments::{
    AsyncInstrumentBuilder, AsyncMeasure, Histogram, InstrumentBuilder, MonotonicCounter,
    ProvideInstrument, UpDownCounter,
};
use aws_smithy_observability::meter::{Meter, ProvideMeter};
use aws_smithy_observability::{Attributes, TelemetryProvider};
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;
use strands_creds::AwsClientManager;
use strands_retry::{CircuitBreaker, RetryStrategy};
use strands_testkit::FaultEndpoint;
use strands_testkit::wiremock::ResponseTemplate;

/// Panics in every instrument of the `strands` meter; the SDK's own
/// meter (which does not catch) gets quiet ones.
#[derive(Debug)]
struct Panicking(bool);

#[derive(Debug)]
struct Boom<T>(bool, PhantomData<T>);

fn boom(on: bool) {
    if on {
        panic!("the meter provider panicked");
    }
}

impl ProvideMeter for Panicking {
    fn get_meter(&self, scope: &'static str, _: Option<&Attributes>) -> Meter {
        Meter::new(Arc::new(Panicking(scope == "strands")))
    }
}

impl MonotonicCounter for Boom<u64> {
    fn add(
        &self,
        _: u64,
        _: Option<&Attributes>,
        _: Option<&dyn aws_smithy_observability::Context>,
    ) {
        boom(self.0);
    }
}
impl UpDownCounter for Boom<i64> {
    fn add(
        &self,
        _: i64,
        _: Option<&Attributes>,
        _: Option<&dyn aws_smithy_observability::Context>,
    ) {
        boom(self.0);
    }
}
impl Histogram for Boom<f64> {
    fn record(
        &self,
        _: f64,
        _: Option<&Attributes>,
        _: Option<&dyn aws_smithy_observability::Context>,
    ) {
        boom(self.0);
    }
}
impl<T: Send + Sync + std::fmt::Debug> AsyncMeasure for Boom<T> {
    type Value = T;
    fn record(
        &self,
        _: T,
        _: Option<&Attributes>,
        _: Option<&dyn aws_smithy_observability::Context>,
    ) {
        boom(self.0);
    }
    fn stop(&self) {}
}

impl ProvideInstrument for Panicking {
    fn create_gauge(
        &self,
        _: AsyncInstrumentBuilder<'_, Arc<dyn AsyncMeasure<Value = f64>>, f64>,
    ) -> Arc<dyn AsyncMeasure<Value = f64>> {
        Arc::new(Boom(self.0, PhantomData))
    }
    fn create_up_down_counter(
        &self,
        _: InstrumentBuilder<'_, Arc<dyn UpDownCounter>>,
    ) -> Arc<dyn UpDownCounter> {
        Arc::new(Boom::<i64>(self.0, PhantomData))
    }
    fn create_async_up_down_counter(
        &self,
        _: AsyncInstrumentBuilder<'_, Arc<dyn AsyncMeasure<Value = i64>>, i64>,
    ) -> Arc<dyn AsyncMeasure<Value = i64>> {
        Arc::new(Boom(self.0, PhantomData))
    }
    fn create_monotonic_counter(
        &self,
        _: InstrumentBuilder<'_, Arc<dyn MonotonicCounter>>,
    ) -> Arc<dyn MonotonicCounter> {
        Arc::new(Boom::<u64>(self.0, PhantomData))
    }
    fn create_async_monotonic_counter(
        &self,
        _: AsyncInstrumentBuilder<'_, Arc<dyn AsyncMeasure<Value = u64>>, u64>,
    ) -> Arc<dyn AsyncMeasure<Value = u64>> {
        Arc::new(Boom(self.0, PhantomData))
    }
    fn create_histogram(&self, _: InstrumentBuilder<'_, Arc<dyn Histogram>>) -> Arc<dyn Histogram> {
        Arc::new(Boom::<f64>(self.0, PhantomData))
    }
}

#[tokio::test]
async fn a_panicking_meter_provider_never_breaks_a_call() {
    // strands' recordings are caught. The SDK's own metrics interceptor
    // does not catch (a panic there aborts), so the provider panics only
    // in strands' meter.
    let ep = FaultEndpoint::start().await;
    ep.throttle_then_succeed(
        2,
        None,
        ResponseTemplate::new(200)
            .insert_header("content-type", "text/xml")
            .set_body_string(
                "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
                 <GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/alice</Arn>\
                 <UserId>AIDA</UserId><Account>123456789012</Account></GetCallerIdentityResult>\
                 <ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetCallerIdentityResponse>",
            ),
    )
    .await;
    aws_smithy_observability::global::set_telemetry_provider(
        TelemetryProvider::builder()
            .meter_provider(Arc::new(Panicking(false)))
            .build(),
    )
    .unwrap();
    let m = AwsClientManager::builder()
        .region("us-east-1")
        .endpoint_url(ep.uri())
        .credentials_provider(strands_testkit::test_credentials())
        .retry_strategy(
            RetryStrategy::builder()
                .max_retries(3)
                .base_delay(Duration::from_millis(1))
                .max_delay(Duration::from_millis(2))
                .build()
                .unwrap(),
        )
        .circuit_breaker_per_service(CircuitBreaker::new(5, Duration::from_secs(60)))
        .build()
        .await
        .unwrap();
    let id = m.validate_credentials().await.unwrap();
    assert_eq!(id.account_id, "123456789012");
    assert_eq!(ep.request_count().await, 3);
}
