//! The retry strategy: what a user configures and holds. One module per
//! job: `builder.rs` (the builder and the AWS presets), `backoff.rs` (how
//! long: the one capped-exponential formula), `decide.rs` (the decision
//! step after a failure, shared by both loops and [`Attempts`]), `run.rs`
//! (the blocking and async loops, which only call, sleep and return).
//!
//! The success path is the one that runs a million times a day: it reads
//! one flag, calls the operation and returns. No lock, no allocation, no
//! clock read (unless `max_elapsed` is set), no locked instruction (see
//! `stats.rs`).

mod backoff;
mod builder;
mod decide;
mod run;

pub use builder::RetryStrategyBuilder;
pub use decide::{Attempts, RetryDecision};
#[doc(hidden)]
pub use run::__macro_strategy;

use crate::RetryKind;
use crate::behavior::RetryBehavior;
use crate::budget::RetryBudget;
use crate::clock::ClockSource;
use crate::jitter::Jitter;
use crate::rate_limit::AdaptiveRateLimiter;
use crate::rng::RandomSource;
use crate::stats::{Counters, RetryStats};
use std::error::Error;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// What a [`notify`](RetryStrategyBuilder::notify) hook sees before each sleep.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct RetryEvent<'a> {
    /// Which retry this is: 1 for the first retry.
    pub attempt: u32,
    /// How long the loop will sleep before it.
    pub delay: Duration,
    /// How the failed attempt's error was classified.
    pub kind: RetryKind,
    /// The failed attempt's error.
    pub error: &'a (dyn Error + 'a),
}

type Notify = Arc<dyn Fn(&RetryEvent<'_>) + Send + Sync>;

/// Exponential backoff with jitter, a deadline, a budget and hooks.
///
/// Cheap to clone (one `Arc`); clones share the budget, the rate limiter
/// and the stats.
///
/// # Default
///
/// The numbers the Python `strands_deploy.utils` module promised: 5
/// retries, 1 s base delay (for every kind of error), 60 s cap,
/// exponential base 2.0, with Full jitter, no deadline, no budget, no rate
/// limiter. The rules follow the AWS SDKs' default retry behavior
/// ([`RetryBehavior::from_env`]: 2.1 unless `AWS_NEW_RETRIES_2026=false`),
/// so one switch governs the process's SDK clients and its strands loops
/// alike; the environment changes the rules (how a server hint bounds a
/// delay, how the rate limiter paces), never the numbers a user chose: the
/// 50 ms transient base of 2.1 comes only with a behavior chosen in code
/// ([`RetryStrategy::aws_standard`], [`RetryStrategyBuilder::behavior`]).
/// `.behavior(RetryBehavior::V2_0)` restores 2.0.
#[derive(Clone)]
pub struct RetryStrategy {
    inner: Arc<Inner>,
}

struct Inner {
    max_retries: u32,
    base_delay: Duration,
    transient_base_delay: Duration,
    max_delay: Duration,
    exponential_base: f64,
    jitter: Jitter,
    max_elapsed: Option<Duration>,
    budget: RetryBudget,
    rate_limiter: Option<AdaptiveRateLimiter>,
    notify: Option<Notify>,
    clock: ClockSource,
    counters: Counters,
    behavior: RetryBehavior,
    random: RandomSource,
    long_polling: bool,
    /// Nothing to do around a first-try success: no budget to refund, no
    /// rate limiter to tell, no deadline to start, no call to count. One
    /// flag, so the success path reads one field instead of four.
    plain: bool,
    /// Whether calls are counted (`count_calls`).
    count_calls: bool,
    /// `base_delay`, `transient_base_delay` and `max_delay` in nanoseconds,
    /// the form the loop computes in.
    base_ns: f64,
    transient_base_ns: f64,
    max_ns: f64,
}

impl fmt::Debug for RetryStrategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("RetryStrategy")
            .field("max_retries", &i.max_retries)
            .field("behavior", &i.behavior)
            .field("base_delay", &i.base_delay)
            .field("transient_base_delay", &i.transient_base_delay)
            .field("max_delay", &i.max_delay)
            .field("exponential_base", &i.exponential_base)
            .field("jitter", &i.jitter)
            .field("max_elapsed", &i.max_elapsed)
            .field("budget", &i.budget)
            .field("rate_limiter", &i.rate_limiter.is_some())
            .field("notify", &i.notify.is_some())
            .field("random", &i.random)
            .field("long_polling", &i.long_polling)
            .finish()
    }
}

impl Default for RetryStrategy {
    fn default() -> Self {
        RetryStrategyBuilder::new().build_unchecked()
    }
}

impl RetryStrategy {
    /// A builder with the Python module's defaults.
    pub fn builder() -> RetryStrategyBuilder {
        RetryStrategyBuilder::new()
    }

    /// A builder with the AWS SDKs' standard mode under `behavior`
    /// ([`RetryStrategyBuilder::aws_standard`]):
    /// `RetryStrategy::aws_standard(RetryBehavior::V2_1).build()?`.
    pub fn aws_standard(behavior: RetryBehavior) -> RetryStrategyBuilder {
        RetryStrategyBuilder::aws_standard(behavior)
    }

    /// A builder with a service's own standard-mode defaults
    /// ([`RetryStrategyBuilder::aws_service_standard`]):
    /// `RetryStrategy::aws_service_standard("dynamodb", RetryBehavior::V2_1)`.
    pub fn aws_service_standard(service: &str, behavior: RetryBehavior) -> RetryStrategyBuilder {
        RetryStrategyBuilder::aws_service_standard(service, behavior)
    }

    /// Which edition of the SDKs' retry rules the loop follows.
    pub fn behavior(&self) -> RetryBehavior {
        self.inner.behavior
    }
    /// The base delay after a transient (non-throttling) error.
    pub fn transient_base_delay(&self) -> Duration {
        self.inner.transient_base_delay
    }
    /// Whether the loop sleeps before giving up on a budget refusal.
    pub fn is_long_polling(&self) -> bool {
        self.inner.long_polling
    }
    /// The adaptive rate limiter, if any.
    pub fn rate_limiter(&self) -> Option<&AdaptiveRateLimiter> {
        self.inner.rate_limiter.as_ref()
    }

    /// Retries after the first attempt.
    pub fn max_retries(&self) -> u32 {
        self.inner.max_retries
    }
    /// The delay before the first retry, before jitter.
    pub fn base_delay(&self) -> Duration {
        self.inner.base_delay
    }
    /// The cap on backoff delays and server hints.
    pub fn max_delay(&self) -> Duration {
        self.inner.max_delay
    }
    /// Growth factor per retry.
    pub fn exponential_base(&self) -> f64 {
        self.inner.exponential_base
    }
    /// The jitter kind.
    pub fn jitter(&self) -> Jitter {
        self.inner.jitter
    }
    /// The total-time deadline, if any.
    pub fn max_elapsed(&self) -> Option<Duration> {
        self.inner.max_elapsed
    }
    /// The retry budget (unlimited unless one was given).
    pub fn budget(&self) -> &RetryBudget {
        &self.inner.budget
    }
    /// A snapshot of the counters.
    pub fn stats(&self) -> RetryStats {
        self.inner.counters.snapshot()
    }

    /// The delay slept before retry number `attempt` (0 = the first
    /// retry) after a throttling error, jittered: the one way to ask "how
    /// long". With `cap = min(base_delay × exponential_base^attempt,
    /// max_delay)`, Full jitter gives a uniform value in `[0, cap]`,
    /// `Proportional(f)` cap plus up to `f × cap`. For Decorrelated jitter
    /// the previous delay is taken as the previous attempt's cap (the loop
    /// uses the delay really slept).
    pub fn delay_for_attempt(&self, attempt: u32) -> Duration {
        let prev = match attempt {
            0 => self.inner.base_delay,
            n => self.cap(RetryKind::Throttling, n - 1),
        };
        self.backoff(
            RetryKind::Throttling,
            attempt,
            prev,
            self.inner.random.sample(),
        )
    }
}

#[cfg(test)]
mod tests;
