//! The retry loop. One decision core ([`RetryStrategy::on_error`]) serves
//! the blocking and the async loop, so they cannot drift apart; the loops
//! themselves only call, sleep and return.
//!
//! The success path is the one that runs a million times a day: it reads
//! the configuration, calls the operation and returns. No lock, no
//! allocation, no clock read (unless `max_elapsed` is set), no locked
//! instruction (see `stats.rs`).

use crate::budget::{RetryBudget, SUCCESS_REFUND};
use crate::clock::{Clock, ClockSource};
use crate::error::ConfigError;
use crate::jitter::Jitter;
use crate::rate_limit::{AdaptiveRateLimiter, SendReason};
use crate::sleep::{DefaultSleeper, Sleeper};
use crate::stats::{Counter, Counters, RetryStats};
use crate::{RetryKind, Retryable};
use std::error::Error;
use std::fmt;
use std::future::Future;
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
/// The seed's numbers: 5 retries, 1 s base delay, 60 s cap, exponential
/// base 2.0, Full jitter, no deadline, no budget, no rate limiter.
#[derive(Clone)]
pub struct RetryStrategy {
    inner: Arc<Inner>,
}

struct Inner {
    max_retries: u32,
    base_delay: Duration,
    max_delay: Duration,
    exponential_base: f64,
    jitter: Jitter,
    max_elapsed: Option<Duration>,
    budget: RetryBudget,
    rate_limiter: Option<AdaptiveRateLimiter>,
    notify: Option<Notify>,
    clock: ClockSource,
    counters: Counters,
}

impl fmt::Debug for RetryStrategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("RetryStrategy")
            .field("max_retries", &i.max_retries)
            .field("base_delay", &i.base_delay)
            .field("max_delay", &i.max_delay)
            .field("exponential_base", &i.exponential_base)
            .field("jitter", &i.jitter)
            .field("max_elapsed", &i.max_elapsed)
            .field("budget", &i.budget)
            .field("rate_limiter", &i.rate_limiter.is_some())
            .field("notify", &i.notify.is_some())
            .finish()
    }
}

impl Default for RetryStrategy {
    fn default() -> Self {
        RetryStrategyBuilder::new().build_unchecked()
    }
}

/// Builds a [`RetryStrategy`]; [`build`](Self::build) checks every value.
#[must_use = "a builder does nothing until `build` is called"]
pub struct RetryStrategyBuilder {
    max_retries: u32,
    base_delay: f64,
    max_delay: f64,
    exponential_base: f64,
    jitter: Jitter,
    max_elapsed: Option<Duration>,
    budget: RetryBudget,
    rate_limiter: Option<AdaptiveRateLimiter>,
    notify: Option<Notify>,
    clock: Option<ClockSource>,
}

impl fmt::Debug for RetryStrategyBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryStrategyBuilder")
            .field("max_retries", &self.max_retries)
            .field("base_delay", &self.base_delay)
            .field("max_delay", &self.max_delay)
            .field("exponential_base", &self.exponential_base)
            .field("jitter", &self.jitter)
            .field("max_elapsed", &self.max_elapsed)
            .finish_non_exhaustive()
    }
}

impl Default for RetryStrategyBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl RetryStrategyBuilder {
    /// The seed's defaults (see [`RetryStrategy`]'s `# Default`).
    pub fn new() -> Self {
        Self {
            max_retries: 5,
            base_delay: 1.0,
            max_delay: 60.0,
            exponential_base: 2.0,
            jitter: Jitter::Full,
            max_elapsed: None,
            budget: RetryBudget::unlimited(),
            rate_limiter: None,
            notify: None,
            clock: None,
        }
    }

    /// Retries after the first attempt (5 by default; 0 never retries).
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }

    /// The delay before the first retry, before jitter (1 s by default).
    pub fn base_delay(mut self, d: Duration) -> Self {
        self.base_delay = d.as_secs_f64();
        self
    }

    /// [`base_delay`](Self::base_delay) in seconds; NaN, negative or
    /// infinite values are rejected by `build`.
    pub fn base_delay_secs(mut self, secs: f64) -> Self {
        self.base_delay = secs;
        self
    }

    /// The cap on any backoff delay and on server hints (60 s by default).
    pub fn max_delay(mut self, d: Duration) -> Self {
        self.max_delay = d.as_secs_f64();
        self
    }

    /// [`max_delay`](Self::max_delay) in seconds.
    pub fn max_delay_secs(mut self, secs: f64) -> Self {
        self.max_delay = secs;
        self
    }

    /// Growth factor per retry (2.0 by default; at least 1.0).
    pub fn exponential_base(mut self, base: f64) -> Self {
        self.exponential_base = base;
        self
    }

    /// The jitter kind, or `true` (Full) / `false` (None).
    pub fn jitter(mut self, jitter: impl Into<Jitter>) -> Self {
        self.jitter = jitter.into();
        self
    }

    /// A total-time deadline: the loop never sleeps past it, and gives up
    /// with the last error instead.
    pub fn max_elapsed(mut self, d: Duration) -> Self {
        self.max_elapsed = Some(d);
        self
    }

    /// A retry quota shared by every clone of the strategy (and by every
    /// strategy given a clone of the same budget).
    pub fn budget(mut self, budget: RetryBudget) -> Self {
        self.budget = budget;
        self
    }

    /// Adaptive client-side rate limiting (off by default).
    pub fn rate_limiter(mut self, limiter: AdaptiveRateLimiter) -> Self {
        self.rate_limiter = Some(limiter);
        self
    }

    /// A hook called before each sleep.
    pub fn notify(mut self, f: impl Fn(&RetryEvent<'_>) + Send + Sync + 'static) -> Self {
        self.notify = Some(Arc::new(f));
        self
    }

    /// The clock `max_elapsed` is measured on (the system clock otherwise).
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Some(ClockSource::custom(clock));
        self
    }

    /// Check every value and build.
    pub fn build(self) -> Result<RetryStrategy, ConfigError> {
        let base = secs(self.base_delay).ok_or(ConfigError::InvalidBaseDelay {
            value: self.base_delay,
        })?;
        let max = secs(self.max_delay).ok_or(ConfigError::InvalidMaxDelay {
            value: self.max_delay,
        })?;
        if base > max {
            return Err(ConfigError::BaseDelayExceedsMax { base, max });
        }
        let e = self.exponential_base;
        if !e.is_finite() || e < 1.0 {
            return Err(ConfigError::InvalidExponentialBase { value: e });
        }
        if let Jitter::Proportional(f) = self.jitter
            && !(0.0..=1.0).contains(&f)
        {
            return Err(ConfigError::InvalidJitter { value: f });
        }
        Ok(self.build_unchecked())
    }

    fn build_unchecked(self) -> RetryStrategy {
        RetryStrategy {
            inner: Arc::new(Inner {
                max_retries: self.max_retries,
                base_delay: secs(self.base_delay).unwrap_or(Duration::from_secs(1)),
                max_delay: secs(self.max_delay).unwrap_or(Duration::from_secs(60)),
                exponential_base: self.exponential_base,
                jitter: self.jitter,
                max_elapsed: self.max_elapsed,
                budget: self.budget,
                rate_limiter: self.rate_limiter,
                notify: self.notify,
                clock: self.clock.unwrap_or_else(ClockSource::system),
                counters: Counters::default(),
            }),
        }
    }
}

/// `min(cap × exponential_base, max)`, saturating (NaN or infinity land on `max`).
#[inline]
fn next_cap(cap: Duration, exponential_base: f64, max: Duration) -> Duration {
    if cap >= max {
        return max;
    }
    let next = cap.as_secs_f64() * exponential_base;
    if next < max.as_secs_f64() {
        Duration::from_secs_f64(next).min(max)
    } else {
        max
    }
}

/// Seconds as a `Duration`; `None` for NaN, infinity and negatives. A
/// finite value at or past `Duration::MAX` (which `max_delay(Duration::MAX)`
/// gives once stored as `f64`, rounded up) is `Duration::MAX`.
fn secs(s: f64) -> Option<Duration> {
    if s.is_finite() && s >= Duration::MAX.as_secs_f64() {
        return Some(Duration::MAX);
    }
    Duration::try_from_secs_f64(s).ok()
}

/// Per-call state of the loop.
#[derive(Debug)]
struct Run {
    retries: u32,
    prev_delay: Duration,
    /// The un-jittered delay for the next retry, grown by multiplication
    /// rather than `powf` per retry.
    cap: Duration,
    /// Tokens the last retry took from the budget (0: none yet).
    permit: u32,
    started: Option<Duration>,
}

/// Retry after the delay, or give up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decision {
    Retry(Duration),
    GiveUp,
}

impl RetryStrategy {
    /// A builder with the seed's defaults.
    pub fn builder() -> RetryStrategyBuilder {
        RetryStrategyBuilder::new()
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
    /// Count attempts made by another retry loop on this strategy's behalf
    /// (strands-creds counts the AWS SDK's attempts here, so `stats()` is
    /// the one place to read them). `attempt` is 1 for the first try.
    pub fn record_attempt(&self, attempt: u32) {
        let c = &self.inner.counters;
        if attempt <= 1 {
            c.bump(Counter::Calls);
        } else {
            c.bump(Counter::Retries);
        }
    }

    /// Count the end of a call made by another retry loop: `gave_up` when it
    /// failed after its last allowed attempt, `retried` when it needed more
    /// than one attempt.
    pub fn record_outcome(&self, ok: bool, retried: bool) {
        let c = &self.inner.counters;
        match (ok, retried) {
            (true, true) => c.bump(Counter::SuccessesAfterRetry),
            (true, false) => {}
            (false, _) => c.bump(Counter::GiveUps),
        }
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> RetryStats {
        self.inner.counters.snapshot()
    }

    /// The delay before retry number `attempt` (0 = the first retry), before
    /// jitter: `min(base_delay × exponential_base^attempt, max_delay)`.
    /// Never decreases with `attempt`, never overflows, saturates at
    /// `max_delay`.
    pub fn cap_for_attempt(&self, attempt: u32) -> Duration {
        let i = &*self.inner;
        // Zero times any growth is zero (0 × ∞ would be NaN, and NaN lands
        // on the cap below): the loop sleeps 0, and so says this.
        if i.base_delay.is_zero() {
            return Duration::ZERO;
        }
        let factor = i.exponential_base.powf(f64::from(attempt));
        let secs = i.base_delay.as_secs_f64() * factor;
        // NaN and infinity fail `<` and land on the cap.
        if secs < i.max_delay.as_secs_f64() {
            Duration::from_secs_f64(secs).min(i.max_delay)
        } else {
            i.max_delay
        }
    }

    /// The delay slept before retry number `attempt` (0 = the first retry),
    /// jittered. For Decorrelated jitter, the previous delay is taken as
    /// the previous attempt's cap (the loop uses the delay really slept).
    pub fn delay_for_attempt(&self, attempt: u32) -> Duration {
        let prev = match attempt {
            0 => self.inner.base_delay,
            n => self.cap_for_attempt(n - 1),
        };
        self.delay_with(attempt, prev, crate::rng::unit())
    }

    /// [`delay_for_attempt`](Self::delay_for_attempt) with the previous
    /// delay and the uniform sample `u ∈ [0, 1)` given: deterministic, for
    /// tests and simulations.
    pub fn delay_with(&self, attempt: u32, prev: Duration, u: f64) -> Duration {
        let i = &*self.inner;
        i.jitter.apply(
            self.cap_for_attempt(attempt),
            prev,
            i.base_delay,
            i.max_delay,
            u,
        )
    }

    /// Run `op` until it succeeds, fails permanently, or the strategy gives
    /// up; sleeps on the calling thread. The error is `op`'s own, unchanged.
    #[inline]
    pub fn execute_with_retry_blocking<T, E, F>(&self, op: F) -> Result<T, E>
    where
        F: FnMut() -> Result<T, E>,
        E: Retryable + Error,
    {
        self.execute_with_retry_blocking_using(std::thread::sleep, op)
    }

    /// [`execute_with_retry_blocking`](Self::execute_with_retry_blocking)
    /// with a custom sleep (e.g. a fake clock's `advance`).
    #[inline]
    pub fn execute_with_retry_blocking_using<T, E, F, S>(
        &self,
        mut sleep: S,
        mut op: F,
    ) -> Result<T, E>
    where
        F: FnMut() -> Result<T, E>,
        S: FnMut(Duration),
        E: Retryable + Error,
    {
        let mut run = self.begin();
        if let Some(d) = self.pace(SendReason::Initial) {
            sleep(d);
        }
        loop {
            match op() {
                Ok(v) => {
                    self.on_success(&run);
                    return Ok(v);
                }
                Err(e) => match self.on_error(&mut run, &e) {
                    Decision::Retry(d) => sleep(d),
                    Decision::GiveUp => return Err(e),
                },
            }
        }
    }

    /// Run the future `op` returns until it succeeds, fails permanently, or
    /// the strategy gives up, sleeping with the default timer (tokio's with
    /// the `tokio` feature). The error is `op`'s own, unchanged.
    #[inline]
    pub fn execute_with_retry<T, E, F, Fut>(&self, op: F) -> impl Future<Output = Result<T, E>>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
        E: Retryable + Error,
    {
        self.execute_with_retry_using(DefaultSleeper::default(), op)
    }

    /// [`execute_with_retry`](Self::execute_with_retry) on any runtime:
    /// `sleeper` is anything implementing [`Sleeper`], including any
    /// `Fn(Duration) -> impl Future<Output = ()>`.
    pub async fn execute_with_retry_using<T, E, F, Fut, S>(
        &self,
        sleeper: S,
        mut op: F,
    ) -> Result<T, E>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
        S: Sleeper,
        E: Retryable + Error,
    {
        let mut run = self.begin();
        if let Some(d) = self.pace(SendReason::Initial) {
            // Boxed: a timer future can be large (tokio's is ~100 bytes), and
            // inline it would make every call's future that large, success
            // or not. The allocation happens only when a sleep does.
            Box::pin(sleeper.sleep(d)).await;
        }
        loop {
            match op().await {
                Ok(v) => {
                    self.on_success(&run);
                    return Ok(v);
                }
                Err(e) => match self.on_error(&mut run, &e) {
                    Decision::Retry(d) => Box::pin(sleeper.sleep(d)).await,
                    Decision::GiveUp => return Err(e),
                },
            }
        }
    }

    #[inline]
    fn begin(&self) -> Run {
        let i = &*self.inner;
        i.counters.bump(Counter::Calls);
        Run {
            retries: 0,
            prev_delay: i.base_delay,
            cap: i.base_delay,
            permit: 0,
            started: i.max_elapsed.map(|_| i.clock.now()),
        }
    }

    /// The rate limiter's wait before a first attempt, bounded like every
    /// other sleep of the loop: by `max_delay` and by `max_elapsed`. A
    /// limiter whose queue has grown long (thousands of callers after a
    /// throttle) would otherwise hold a caller far past both; bounded, the
    /// queue drains faster than the limiter's rate, a bounded wait being
    /// the promise the strategy's knobs make.
    #[inline]
    fn pace(&self, reason: SendReason) -> Option<Duration> {
        let i = &*self.inner;
        let d = i.rate_limiter.as_ref()?.acquire(reason)?;
        Some(
            d.min(i.max_delay)
                .min(i.max_elapsed.unwrap_or(Duration::MAX)),
        )
    }

    #[inline]
    fn on_success(&self, run: &Run) {
        let i = &*self.inner;
        if run.retries == 0 {
            i.budget.deposit(SUCCESS_REFUND);
        } else {
            i.budget.deposit(run.permit);
            i.counters.bump(Counter::SuccessesAfterRetry);
        }
        if let Some(rl) = &i.rate_limiter {
            rl.record(false);
        }
    }

    /// The whole retry policy, in order: classify, out of retries, delay
    /// (server hint or backoff, or the rate limiter's pacing), deadline,
    /// budget; then count, notify and trace.
    #[cold]
    fn on_error(&self, run: &mut Run, error: &(dyn ErrorRetryable + '_)) -> Decision {
        let i = &*self.inner;
        let kind = error.retry_kind();
        if let Some(rl) = &i.rate_limiter {
            rl.record(kind == RetryKind::Throttling);
        }
        if !kind.is_retryable() || run.retries >= i.max_retries {
            return self.give_up(run, kind, "not retryable or out of retries");
        }
        let paced = i.rate_limiter.as_ref().and_then(|rl| {
            rl.acquire(if kind == RetryKind::Throttling {
                SendReason::RetryAfterThrottle
            } else {
                SendReason::Retry
            })
        });
        let delay = match (paced, error.retry_after()) {
            (Some(d), _) => d.min(i.max_delay),
            (None, Some(hint)) => hint.min(i.max_delay),
            (None, None) => i.jitter.apply(
                run.cap,
                run.prev_delay,
                i.base_delay,
                i.max_delay,
                crate::rng::unit(),
            ),
        };
        if let (Some(limit), Some(started)) = (i.max_elapsed, run.started)
            && i.clock.now().saturating_sub(started).saturating_add(delay) > limit
        {
            return self.give_up(run, kind, "the next sleep would pass max_elapsed");
        }
        let cost = RetryBudget::cost(error.is_timeout());
        if !i.budget.try_withdraw(cost) {
            i.counters.bump(Counter::BudgetRefusals);
            return self.give_up(run, kind, "the retry budget is exhausted");
        }
        // The SDKs forget the previous retry's tokens when a new retry takes
        // its own: only the last one is given back on success.
        run.permit = cost;
        run.retries += 1;
        run.prev_delay = delay;
        run.cap = next_cap(run.cap, i.exponential_base, i.max_delay);
        i.counters.bump(Counter::Retries);
        if let Some(notify) = &i.notify {
            notify(&RetryEvent {
                attempt: run.retries,
                delay,
                kind,
                error: error.as_error(),
            });
        }
        // The error's text is not logged: strands-retry cannot redact it
        // (redaction lives in strands-errors, above this crate), and an
        // io::Error or a presigned URL may carry a secret. The kind, the
        // attempt and the delay say what the loop did; a `DeploymentError`
        // (already redacted) reaches `notify` and `log_error` for the rest.
        tracing::info!(
            target: "strands_retry",
            attempt = run.retries,
            delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
            kind = kind.as_str(),
            "retrying after a {} error",
            kind.as_str()
        );
        Decision::Retry(delay)
    }

    #[cold]
    fn give_up(&self, run: &Run, kind: RetryKind, why: &'static str) -> Decision {
        self.inner.counters.bump(Counter::GiveUps);
        if run.retries > 0 || kind.is_retryable() {
            tracing::debug!(
                target: "strands_retry",
                retries = run.retries,
                kind = kind.as_str(),
                "giving up: {why}"
            );
        }
        Decision::GiveUp
    }
}

/// `Retryable + Error` as one object type, so the decision core is
/// compiled once, not once per error type.
trait ErrorRetryable: Retryable {
    fn as_error(&self) -> &(dyn Error + '_);
}

impl<E: Retryable + Error> ErrorRetryable for E {
    fn as_error(&self) -> &(dyn Error + '_) {
        self
    }
}

#[doc(hidden)]
/// Used by `#[with_retry]`: its arguments were checked at compile time, so
/// this never fails; an impossible value falls back to the default.
pub fn __macro_strategy(
    max_retries: Option<u32>,
    base_delay: Option<f64>,
    max_delay: Option<f64>,
    jitter: Option<Jitter>,
) -> RetryStrategy {
    let mut b = RetryStrategy::builder();
    if let Some(n) = max_retries {
        b = b.max_retries(n);
    }
    if let Some(s) = base_delay {
        b = b.base_delay_secs(s);
    }
    if let Some(s) = max_delay {
        b = b.max_delay_secs(s);
    }
    if let Some(j) = jitter {
        b = b.jitter(j);
    }
    b.build().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_seeds() {
        let s = RetryStrategy::default();
        assert_eq!(s.max_retries(), 5);
        assert_eq!(s.base_delay(), Duration::from_secs(1));
        assert_eq!(s.max_delay(), Duration::from_secs(60));
        assert_eq!(s.exponential_base(), 2.0);
        assert_eq!(s.jitter(), Jitter::Full);
        assert!(s.budget().is_unlimited());
    }

    #[test]
    fn caps_follow_the_seed_table_and_saturate() {
        let s = RetryStrategy::builder().jitter(false).build().unwrap();
        let secs: Vec<u64> = (0..8).map(|n| s.delay_for_attempt(n).as_secs()).collect();
        assert_eq!(secs, [1, 2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(s.cap_for_attempt(u32::MAX), Duration::from_secs(60));
    }

    #[test]
    fn invalid_values_are_errors() {
        let b = || RetryStrategy::builder();
        assert!(matches!(
            b().base_delay_secs(f64::NAN).build(),
            Err(ConfigError::InvalidBaseDelay { .. })
        ));
        assert!(matches!(
            b().base_delay_secs(-1.0).build(),
            Err(ConfigError::InvalidBaseDelay { .. })
        ));
        assert!(matches!(
            b().max_delay_secs(f64::INFINITY).build(),
            Err(ConfigError::InvalidMaxDelay { .. })
        ));
        assert!(matches!(
            b().base_delay(Duration::from_secs(61)).build(),
            Err(ConfigError::BaseDelayExceedsMax { .. })
        ));
        for e in [0.5, f64::NAN, f64::INFINITY, -2.0] {
            assert!(matches!(
                b().exponential_base(e).build(),
                Err(ConfigError::InvalidExponentialBase { .. })
            ));
        }
        for f in [-0.1, 1.5, f64::NAN] {
            assert!(matches!(
                b().jitter(Jitter::Proportional(f)).build(),
                Err(ConfigError::InvalidJitter { .. })
            ));
        }
        assert!(b().exponential_base(1.0).build().is_ok());
    }
}
