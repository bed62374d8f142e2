//! The retry loop against real HTTP faults on 127.0.0.1: a wiremock
//! endpoint that throttles (429 + Retry-After) or answers 503, and a
//! listener that resets connections.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;
use strands_retry::{Jitter, RetryKind, RetryStrategy, Retryable, aws};
use strands_testkit::{FaultEndpoint, ResetListener, aws_json_error, ok_json};

/// What a small HTTP client sees, classified with strands-retry's tables.
#[derive(Debug)]
enum HttpError {
    Status {
        status: u16,
        retry_after: Option<Duration>,
    },
    Io(std::io::Error),
}

impl std::fmt::Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Status { status, .. } => write!(f, "HTTP {status}"),
            Self::Io(e) => write!(f, "io: {e}"),
        }
    }
}
impl std::error::Error for HttpError {}

impl Retryable for HttpError {
    fn retry_kind(&self) -> RetryKind {
        match self {
            Self::Status { status, .. } => aws::classify_status(*status),
            Self::Io(e) => e.retry_kind(),
        }
    }
    fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Status { retry_after, .. } => *retry_after,
            Self::Io(_) => None,
        }
    }
}

fn get(uri: &str) -> Result<u16, HttpError> {
    match strands_testkit::loopback_agent(Duration::from_secs(5))
        .get(uri)
        .call()
    {
        Ok(r) if r.status().is_success() => Ok(r.status().as_u16()),
        Ok(r) => Err(HttpError::Status {
            status: r.status().as_u16(),
            retry_after: r
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| aws::parse_retry_after("retry-after", v)),
        }),
        Err(strands_testkit::ureq::Error::Io(e)) => Err(HttpError::Io(e)),
        Err(e) => Err(HttpError::Io(std::io::Error::other(e.to_string()))),
    }
}

fn strategy(max_retries: u32) -> RetryStrategy {
    RetryStrategy::builder()
        .max_retries(max_retries)
        .base_delay(Duration::from_millis(100))
        .max_delay(Duration::from_secs(2))
        .jitter(Jitter::None)
        .build()
        .unwrap()
}

/// Run the blocking loop off the runtime; record sleeps instead of waiting.
async fn retry_get(s: RetryStrategy, uri: String) -> (Result<u16, HttpError>, Vec<Duration>) {
    tokio::task::spawn_blocking(move || {
        let mut slept = Vec::new();
        let out = s.execute_with_retry_blocking_using(|d| slept.push(d), || get(&uri));
        (out, slept)
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_429_with_retry_after_is_honoured() {
    let ep = FaultEndpoint::start().await;
    ep.throttle_then_succeed(2, Some(Duration::from_secs(1)), ok_json("{}"))
        .await;
    let (out, slept) = retry_get(strategy(5), ep.uri()).await;
    assert_eq!(out.unwrap(), 200);
    assert_eq!(ep.request_count().await, 3);
    assert_eq!(
        slept,
        [Duration::from_secs(1); 2],
        "Retry-After replaced the backoff"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_503_is_retried_with_backoff_then_gives_up() {
    let ep = FaultEndpoint::start().await;
    ep.fail_then_succeed(
        10,
        aws_json_error(503, "ServiceUnavailable", "down"),
        ok_json("{}"),
    )
    .await;
    let (out, slept) = retry_get(strategy(3), ep.uri()).await;
    assert!(matches!(out, Err(HttpError::Status { status: 503, .. })));
    assert_eq!(ep.request_count().await, 4);
    assert_eq!(slept, [100, 200, 400].map(Duration::from_millis));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_4xx_is_not_retried() {
    let ep = FaultEndpoint::start().await;
    ep.always_status(403, "AccessDenied").await;
    let (out, slept) = retry_get(strategy(3), ep.uri()).await;
    assert!(matches!(out, Err(HttpError::Status { status: 403, .. })));
    assert!(slept.is_empty());
    assert_eq!(ep.request_count().await, 1);
}

#[test]
fn faults_connection_resets_are_retried_then_returned() {
    let listener = ResetListener::start().unwrap();
    let s = strategy(2);
    let mut slept = Vec::new();
    let out = s.execute_with_retry_blocking_using(|d| slept.push(d), || get(&listener.uri()));
    let err = out.unwrap_err();
    assert_eq!(err.retry_kind(), RetryKind::Transient, "{err}");
    assert_eq!(listener.accepted(), 3, "1 attempt + 2 retries");
    assert_eq!(slept.len(), 2);
}
