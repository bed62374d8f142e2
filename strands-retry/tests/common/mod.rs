//! What `retry_loop.rs` and `retry_tracing.rs` share: an error type whose
//! kind, hint and timeout flag a test sets, a fast strategy, and a blocking
//! run that records its sleeps instead of sleeping.
#![allow(dead_code, unreachable_pub)]

use std::time::Duration;
use strands_retry::{Jitter, RetryKind, RetryStrategy, Retryable};

#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub kind: RetryKind,
    pub hint: Option<Duration>,
    pub timeout: bool,
    pub n: u32,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "failure #{} ({})", self.n, self.kind)
    }
}
impl std::error::Error for Failure {}
impl Retryable for Failure {
    fn retry_kind(&self) -> RetryKind {
        self.kind
    }
    fn retry_after(&self) -> Option<Duration> {
        self.hint
    }
    fn is_timeout(&self) -> bool {
        self.timeout
    }
}

pub fn fail(kind: RetryKind, n: u32) -> Failure {
    Failure {
        kind,
        hint: None,
        timeout: false,
        n,
    }
}

pub fn fast() -> strands_retry::RetryStrategyBuilder {
    RetryStrategy::builder()
        .base_delay(Duration::from_millis(100))
        .max_delay(Duration::from_secs(2))
        .jitter(Jitter::None)
}

/// Run blocking with a sleep that only records, so nothing waits.
pub fn run<T>(
    s: &RetryStrategy,
    mut op: impl FnMut(u32) -> Result<T, Failure>,
) -> (Result<T, Failure>, Vec<Duration>, u32) {
    let mut slept = Vec::new();
    let mut calls = 0;
    let out = s.execute_with_retry_blocking_using(
        |d| slept.push(d),
        || {
            calls += 1;
            op(calls)
        },
    );
    (out, slept, calls)
}
