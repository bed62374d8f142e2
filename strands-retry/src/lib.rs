//! Retries that don't make an outage worse.
//!
//! strands-retry is the runtime-agnostic core of strands: exponential
//! backoff with jitter, the AWS SDKs' retry budget, adaptive client-side
//! rate limiting and a circuit breaker. It knows nothing of the AWS SDK
//! (the [`aws`] module is plain strings and numbers) and needs no async
//! runtime: the tokio timer is behind the default `tokio` feature, blocking
//! use needs none, and any runtime's timer is a [`Sleeper`].
//!
//! ```
//! use std::time::Duration;
//! use strands_retry::{Jitter, RetryBudget, RetryStrategy};
//!
//! # fn main() -> Result<(), strands_retry::ConfigError> {
//! let strategy = RetryStrategy::builder()
//!     .max_retries(5)
//!     .base_delay(Duration::from_millis(1))
//!     .max_delay(Duration::from_millis(10))
//!     .jitter(Jitter::Full)
//!     .budget(RetryBudget::standard())
//!     .build()?;
//!
//! let mut calls = 0;
//! let out: Result<u32, std::io::Error> = strategy.execute_with_retry_blocking(|| {
//!     calls += 1;
//!     if calls < 3 { Err(std::io::ErrorKind::ConnectionReset.into()) } else { Ok(calls) }
//! });
//! assert_eq!(out.unwrap(), 3);
//! assert_eq!(strategy.stats().retries, 2);
//! # Ok(()) }
//! ```
//!
//! | feature  | default | enables |
//! |----------|---------|---------|
//! | `tokio`  | yes     | the tokio timer as the default [`Sleeper`] |
//! | `macros` | yes     | the [`with_retry`] attribute |
//!
//! Which errors are retried is the error type's to say, through
//! [`Retryable`]; `std::io::Error` implements it, and strands-errors'
//! `DeploymentError` does from its table of AWS codes.

pub mod aws;
mod behavior;
mod breaker;
mod budget;
mod classify;
mod clock;
mod error;
mod jitter;
mod rate_limit;
mod rng;
mod sleep;
mod stats;
mod strategy;

pub use behavior::{RetryBehavior, RetryCosts};
pub use breaker::{
    CircuitBreaker, CircuitBreakerBuilder, CircuitError, CircuitPermit, CircuitState, KeyedBreakers,
};
pub use budget::RetryBudget;
pub use classify::{RetryKind, Retryable};
#[cfg(any(test, feature = "test-util"))]
pub use clock::ManualClock;
pub use clock::{Clock, SystemClock};
#[doc(hidden)]
pub use error::DOCS_BASE;
pub use error::{ConfigError, codes};
pub use jitter::Jitter;
pub use rate_limit::AdaptiveRateLimiter;
// The spec's cubic vectors are checked against the curve itself
// (tests/spec_conformance.rs); users configure the limiter, not the curve.
#[doc(hidden)]
pub use rate_limit::Cubic;
pub use rng::RandomSource;
#[cfg(feature = "tokio")]
pub use sleep::TokioSleeper;
// ThreadSleep is ThreadSleeper's future: named by its `Sleeper` impl,
// never by a user.
#[doc(hidden)]
pub use sleep::ThreadSleep;
pub use sleep::{DefaultSleeper, Sleeper, ThreadSleeper};
pub use stats::RetryStats;
#[doc(hidden)]
pub use strategy::__macro_strategy;
pub use strategy::{Attempts, RetryDecision, RetryEvent, RetryStrategy, RetryStrategyBuilder};

/// The Python module's decorator: retry a function's body with a [`RetryStrategy`].
///
/// ```ignore
/// #[strands_retry::with_retry(max_retries = 3, base_delay = 2.0)]
/// async fn create_lambda_function(client: &Client, name: &str) -> Result<Out, Err> { .. }
/// ```
///
/// Arguments: `max_retries` (integer), `base_delay` and `max_delay`
/// (seconds, a number), `jitter` (`true`, `false`, `"full"`, `"equal"`,
/// `"decorrelated"`, `"none"`, or `"proportional(0.1)"`). Bad arguments are
/// compile errors pointing at the argument. Works on `async fn` and plain
/// `fn` returning `Result<T, E>` with `E: Retryable + Error`; the strategy
/// is built once per function. The body runs once per attempt, so it may
/// only borrow its arguments, not consume them.
#[cfg(feature = "macros")]
pub use strands_retry_macros::with_retry;
