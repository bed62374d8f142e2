//! What happens when AWS pushes back: a throttled Lambda call retried with
//! its backoff, drawing on the retry budget; a circuit breaker opening on a
//! failing service, rejecting without a call, and closing after its trial;
//! the errors a person sees, with their fixes; and what the retry layer
//! reported to the SDK's telemetry pipeline (OpenTelemetry, set up once as
//! for the SDK's own metrics).
//!
//! `cargo xtask demo` runs it against moto_server behind a small fault
//! proxy that throttles and fails a few calls the way Lambda does on the
//! wire (429 `TooManyRequestsException` with `Retry-After`, 503
//! `ServiceException`). Against a real account (no `AWS_ENDPOINT_URL`) it
//! only reads, and there will likely be nothing to retry:
//!
//! ```sh
//! cargo run -p strands-deploy-utils --example resilience
//! ```

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use strands_deploy_utils::{
    AwsClientManager, CircuitBreaker, CircuitError, CircuitState, DeploymentError, ErrorContext,
    RetryBehavior, RetryBudget, RetryStrategy, aws_sdk_lambda, error_handler,
};

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{:?}", miette::Report::new(e));
            ExitCode::FAILURE
        }
    }
}

/// The SDK's telemetry pipeline, as a user sets it up once: OpenTelemetry
/// behind `aws-smithy-observability`'s global provider; here its
/// in-memory exporter, printed at the end.
fn telemetry() -> (
    Arc<aws_smithy_observability_otel::meter::OtelMeterProvider>,
    opentelemetry_sdk::testing::metrics::InMemoryMetricsExporter,
) {
    use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};
    let exporter = opentelemetry_sdk::testing::metrics::InMemoryMetricsExporter::default();
    let reader = PeriodicReader::builder(
        exporter.clone(),
        opentelemetry_sdk::runtime::TokioCurrentThread,
    )
    .build();
    let provider = Arc::new(
        aws_smithy_observability_otel::meter::OtelMeterProvider::new(
            SdkMeterProvider::builder().with_reader(reader).build(),
        ),
    );
    let _ = aws_smithy_observability::global::set_telemetry_provider(
        aws_smithy_observability::TelemetryProvider::builder()
            .meter_provider(provider.clone())
            .build(),
    );
    (provider, exporter)
}

/// strands' counters and gauges, one line per data point.
fn print_metrics(exporter: &opentelemetry_sdk::testing::metrics::InMemoryMetricsExporter) {
    use opentelemetry_sdk::metrics::data::{Gauge, Sum};
    let Ok(all) = exporter.get_finished_metrics() else {
        return;
    };
    let Some(last) = all.last() else { return };
    for m in last.scope_metrics.iter().flat_map(|s| s.metrics.iter()) {
        if !m.name.starts_with("strands.") {
            continue;
        }
        let any = m.data.as_any();
        let points: Vec<(String, String)> = if let Some(sum) = any.downcast_ref::<Sum<u64>>() {
            sum.data_points
                .iter()
                .map(|p| (labels(&p.attributes), p.value.to_string()))
                .collect()
        } else if let Some(g) = any.downcast_ref::<Gauge<f64>>() {
            g.data_points
                .iter()
                .map(|p| (labels(&p.attributes), p.value.to_string()))
                .collect()
        } else {
            Vec::new()
        };
        for (l, v) in points {
            println!("   {}{l} = {v}", m.name);
        }
    }
}

fn labels(attrs: &[opentelemetry::KeyValue]) -> String {
    if attrs.is_empty() {
        return String::new();
    }
    let mut kv: Vec<String> = attrs
        .iter()
        .map(|a| format!("{}={}", a.key, a.value))
        .collect();
    kv.sort();
    format!("{{{}}}", kv.join(","))
}

async fn run() -> Result<(), DeploymentError> {
    let (provider, exporter) = telemetry();
    let function =
        std::env::var("STRANDS_FUNCTION_NAME").unwrap_or_else(|_| "strands-agent".into());

    // 1. A throttled call: the strands policy is the client's one retry
    //    layer; the server's Retry-After bounds the wait (retry behavior
    //    2.1: at most the backoff plus 5 s), and every retry draws on the
    //    budget the strategy holds.
    println!("== 1. a throttled call, retried");
    let budget = RetryBudget::standard();
    let retries = Arc::new(AtomicU32::new(0));
    let seen = Arc::clone(&retries);
    let strategy = RetryStrategy::aws_standard(RetryBehavior::from_env())
        .budget(budget.clone())
        .notify(move |ev| {
            seen.fetch_add(1, Ordering::Relaxed);
            println!(
                "   retry {} after a {} error, sleeping {:.2} s",
                ev.attempt,
                ev.kind.as_str(),
                ev.delay.as_secs_f64()
            );
        })
        .build()?;
    println!(
        "   retry behavior {}; budget {} tokens",
        strategy.behavior().as_str(),
        budget.available()
    );
    let manager = AwsClientManager::builder()
        .retry_strategy(strategy)
        .build()
        .await?;
    let lambda: aws_sdk_lambda::Client = manager.get_client();
    let listed = lambda.list_functions().send().await.map_err(|e| {
        error_handler().handle_exception(
            e,
            ErrorContext::new()
                .aws_service("lambda")
                .aws_operation("ListFunctions"),
        )
    })?;
    println!(
        "   ListFunctions: {} function(s) after {} retries; budget now {} tokens (each throttling retry took 5, the success gave the last 5 back)",
        listed.functions().len(),
        retries.load(Ordering::Relaxed),
        budget.available()
    );

    // 2. A failing service: one attempt per call, a breaker in front.
    println!("\n== 2. a breaker in front of a failing service");
    let breaker = CircuitBreaker::builder()
        .failure_threshold(3)
        .recovery_timeout(Duration::from_secs(1))
        .build()?;
    let direct = AwsClientManager::builder()
        .disable_sdk_retries()
        .build()
        .await?;
    let lambda: aws_sdk_lambda::Client = direct.get_client();
    let get = || async {
        lambda
            .get_function()
            .function_name(&function)
            .send()
            .await
            .map_err(|e| {
                error_handler().handle_exception(
                    e,
                    ErrorContext::new()
                        .resource_id(&function)
                        .aws_service("lambda")
                        .aws_operation("GetFunction"),
                )
            })
    };
    let mut wait = Duration::from_secs(1);
    for call in 1..=4 {
        match breaker.call(get).await {
            Ok(_) => println!("   call {call}: ok, breaker {:?}", breaker.state()),
            Err(CircuitError::Inner(e)) => println!(
                "   call {call}: {} ({}), breaker {:?}",
                e.aws_code().unwrap_or("error"),
                e.code(),
                breaker.state()
            ),
            Err(CircuitError::Open { retry_after }) => {
                wait = retry_after;
                println!(
                    "   call {call}: rejected without a call, breaker {:?}, trial in {:.2} s",
                    breaker.state(),
                    retry_after.as_secs_f64()
                );
            }
        }
    }
    tokio::time::sleep(wait + Duration::from_millis(50)).await;
    match breaker.call(get).await {
        Ok(_) => println!("   trial call: ok"),
        Err(CircuitError::Inner(e)) => println!("   trial call: {}", e.code()),
        Err(CircuitError::Open { .. }) => println!("   trial call: still open"),
    }
    println!("   breaker {:?}", breaker.state());
    if breaker.state() != CircuitState::Closed {
        return Err(DeploymentError::network(
            "the breaker did not close after its trial call",
        ));
    }

    // 3. Errors a person can act on.
    println!("\n== 3. errors with their fixes");
    let missing = "no-such-function";
    let e = match lambda.get_function().function_name(missing).send().await {
        Ok(_) => None,
        Err(e) => Some(
            error_handler().handle_exception(
                e,
                ErrorContext::new()
                    .resource_id(missing)
                    .resource_type("AWS::Lambda::Function")
                    .aws_service("lambda")
                    .aws_operation("GetFunction"),
            ),
        ),
    };
    if let Some(e) = e {
        println!("{}", e.to_user_message());
    }
    let bad = RetryStrategy::builder().exponential_base(0.5).build();
    if let Err(e) = bad {
        println!("{:?}", miette::Report::new(e));
    }

    // 4. The same run, as metrics: what section 1's retry layer reported
    //    to the SDK's telemetry pipeline, beside the SDK's own.
    println!("\n== 4. the retry layer's metrics, from the SDK's telemetry pipeline");
    let _ = provider.flush();
    print_metrics(&exporter);
    Ok(())
}
