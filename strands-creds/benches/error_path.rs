//! The error path's cost: `handle_exception` on a throttled call (the
//! most common error a retry loop sees), the raw classification the SDK
//! layer and the breaker run per failed attempt, and, side by side, what a
//! user without strands prints: the SDK's `DisplayErrorContext`. It lives in
//! strands-creds so `cargo bench --no-run` does not build strands-errors'
//! test-only SDK crates in release.

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::http::{Response, StatusCode};
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::error::ErrorMetadata;
use aws_smithy_types::error::display::DisplayErrorContext;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use strands_errors::{ErrorContext, Parsed, classify_response, error_handler};

const BODY: &str = r#"{"__type":"com.amazonaws.lambda#TooManyRequestsException","message":"Rate exceeded","Reason":"CallerRateLimitExceeded"}"#;

fn raw() -> Response {
    let mut r = Response::new(
        StatusCode::try_from(429).unwrap_or_else(|_| unreachable!()),
        SdkBody::from(BODY),
    );
    r.headers_mut()
        .insert("x-amzn-RequestId", "7f0b3c1e-0000-4000-8000-000000000001");
    r.headers_mut()
        .insert("x-amzn-ErrorType", "TooManyRequestsException");
    r.headers_mut().insert("Retry-After", "2");
    r
}

fn sdk_error() -> SdkError<ErrorMetadata, Response> {
    let meta = ErrorMetadata::builder()
        .code("TooManyRequestsException")
        .message("Rate exceeded")
        .build();
    SdkError::service_error(meta, raw())
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("error_path");
    g.bench_function("handle_exception_throttling", |b| {
        b.iter_batched(
            || {
                (
                    sdk_error(),
                    ErrorContext::new()
                        .resource_id("my-fn")
                        .aws_service("lambda")
                        .aws_operation("Invoke"),
                )
            },
            |(e, ctx)| black_box(error_handler().handle_exception(e, ctx)),
            BatchSize::SmallInput,
        );
    });
    let r = raw();
    g.bench_function("classify_response_throttling", |b| {
        b.iter(|| black_box(classify_response(black_box(&r), Parsed::NOTHING)));
    });
    g.bench_function("sdk_display_error_context", |b| {
        b.iter_batched(
            sdk_error,
            |e| black_box(format!("{}", DisplayErrorContext(&e))),
            BatchSize::SmallInput,
        );
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
