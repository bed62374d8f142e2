//! The retry loop. One decision core ([`RetryStrategy::on_error`]) serves
//! the blocking and the async loop, so they cannot drift apart; the loops
//! themselves only call, sleep and return.
//!
//! The success path is the one that runs a million times a day: it reads
//! the configuration, calls the operation and returns. No lock, no
//! allocation, no clock read (unless `max_elapsed` is set), no locked
//! instruction (see `stats.rs`).

use crate::behavior::RetryBehavior;
use crate::budget::RetryBudget;
use crate::clock::{Clock, ClockSource};
use crate::error::ConfigError;
use crate::jitter::{Jitter, from_ns, ns};
use crate::rate_limit::{AdaptiveRateLimiter, SendReason};
use crate::rng::RandomSource;
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

/// Builds a [`RetryStrategy`]; [`build`](Self::build) checks every value.
#[must_use = "a builder does nothing until `build` is called"]
pub struct RetryStrategyBuilder {
    max_retries: u32,
    base_delay: f64,
    /// Whether the user set `base_delay` (a preset's base is clamped to a
    /// lower `max_delay`; the user's own is an error there).
    base_delay_set: bool,
    transient_base_delay: Option<f64>,
    max_delay: f64,
    exponential_base: f64,
    jitter: Jitter,
    max_elapsed: Option<Duration>,
    budget: RetryBudget,
    rate_limiter: Option<AdaptiveRateLimiter>,
    notify: Option<Notify>,
    clock: Option<ClockSource>,
    behavior: RetryBehavior,
    /// Whether the behavior was chosen in code (then its transient base
    /// applies) or read from the environment (then `base_delay` is the
    /// base for every kind).
    behavior_chosen: bool,
    count_calls: bool,
    random: RandomSource,
    long_polling: bool,
}

impl fmt::Debug for RetryStrategyBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryStrategyBuilder")
            .field("behavior", &self.behavior)
            .field("max_retries", &self.max_retries)
            .field("base_delay", &self.base_delay)
            .field("transient_base_delay", &self.transient_base_delay)
            .field("max_delay", &self.max_delay)
            .field("exponential_base", &self.exponential_base)
            .field("jitter", &self.jitter)
            .field("max_elapsed", &self.max_elapsed)
            .field("random", &self.random)
            .field("long_polling", &self.long_polling)
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
            base_delay_set: false,
            transient_base_delay: None,
            max_delay: 60.0,
            exponential_base: 2.0,
            jitter: Jitter::Full,
            max_elapsed: None,
            budget: RetryBudget::unlimited(),
            rate_limiter: None,
            notify: None,
            clock: None,
            behavior: RetryBehavior::from_env(),
            behavior_chosen: false,
            count_calls: false,
            random: RandomSource::thread_local(),
            long_polling: false,
        }
    }

    /// The AWS SDKs' standard mode under `behavior`: 3 attempts (2
    /// retries), 1 s base delay for throttling and the behavior's base for
    /// transient errors (1 s under 2.0, 50 ms under 2.1), a 20 s cap, Full
    /// jitter, exponential base 2 and the SDKs' 500-token budget priced by
    /// `behavior`. Every knob can still be changed after.
    pub fn aws_standard(behavior: RetryBehavior) -> Self {
        Self::new()
            .behavior(behavior)
            .max_retries(crate::aws::STANDARD_MAX_ATTEMPTS - 1)
            .max_delay(crate::aws::STANDARD_MAX_BACKOFF)
            .jitter(Jitter::Full)
            .budget(RetryBudget::for_behavior(behavior))
    }

    /// [`aws_standard`](Self::aws_standard) with a service's own defaults
    /// where the spec gives it some (`"dynamodb"` and `"dynamodbstreams"`
    /// under 2.1: 4 attempts, 25 ms transient base delay); any other
    /// service id gets the standard ones. Ids are the SDKs' service ids,
    /// lowercase, as botocore names them.
    pub fn aws_service_standard(service: &str, behavior: RetryBehavior) -> Self {
        let d = crate::aws::service_retry_defaults(service, behavior);
        let mut b = Self::aws_standard(behavior).max_retries(d.max_attempts - 1);
        if let Some(t) = d.transient_base_delay {
            b = b.transient_base_delay(t);
        }
        b
    }

    /// Which edition of the AWS SDKs' retry rules the loop follows
    /// ([`RetryBehavior::from_env`] unless chosen here): the transient
    /// base delay, how a server hint bounds the next delay, and how the
    /// rate limiter paces a retry. The budget's prices are the budget's
    /// own ([`RetryBudget::for_behavior`]).
    pub fn behavior(mut self, behavior: RetryBehavior) -> Self {
        self.behavior = behavior;
        self.behavior_chosen = true;
        self
    }

    /// The base delay after a transient (non-throttling) error. When not
    /// set: the behavior's if it was chosen in code (`base_delay` under
    /// 2.0, 50 ms under 2.1), `base_delay` otherwise; never above
    /// `max_delay`. `base_delay` stays the throttling base.
    pub fn transient_base_delay(mut self, d: Duration) -> Self {
        self.transient_base_delay = Some(d.as_secs_f64());
        self
    }

    /// Where jitter draws its samples: [`RandomSource::fixed`] for the
    /// spec's "random factor 1", [`RandomSource::seeded`] for a
    /// reproducible run.
    pub fn random_source(mut self, source: RandomSource) -> Self {
        self.random = source;
        self
    }

    /// A long-polling caller (SQS `ReceiveMessage`, SFN
    /// `GetActivityTask`): when the budget refuses a retry, the loop still
    /// sleeps the delay it computed before returning the error, so a
    /// polling loop around it cannot spin (the 2.1 spec's rule).
    pub fn long_polling(mut self, on: bool) -> Self {
        self.long_polling = on;
        self
    }

    /// Retries after the first attempt (5 by default; 0 never retries).
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }

    /// The delay before the first retry, before jitter (1 s by default).
    pub fn base_delay(mut self, d: Duration) -> Self {
        self.base_delay = d.as_secs_f64();
        self.base_delay_set = true;
        self
    }

    /// [`base_delay`](Self::base_delay) in seconds; NaN, negative or
    /// infinite values are rejected by `build`.
    pub fn base_delay_secs(mut self, secs: f64) -> Self {
        self.base_delay = secs;
        self.base_delay_set = true;
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

    /// Count every call in [`stats`](RetryStrategy::stats) (`calls`,
    /// `attempts`, `error_rate`); off by default. Every other counter is
    /// bumped on the failure path only and is always on; this one would be
    /// the only work around a first-try success, and it costs as much as
    /// the rest of the wrapper together (a per-thread shard, ~1 ns: half
    /// again a trivial call).
    pub fn count_calls(mut self, on: bool) -> Self {
        self.count_calls = on;
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
        if base > max && self.base_delay_set {
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
        if let Some(t) = self.transient_base_delay {
            match secs(t) {
                None => return Err(ConfigError::InvalidTransientBaseDelay { value: t }),
                Some(t) if t > max => {
                    return Err(ConfigError::BaseDelayExceedsMax { base: t, max });
                }
                Some(_) => {}
            }
        }
        if let Some(u) = self.random.fixed_value()
            && !(0.0..=1.0).contains(&u)
        {
            return Err(ConfigError::InvalidRandomSample { value: u });
        }
        Ok(self.build_unchecked())
    }

    fn build_unchecked(self) -> RetryStrategy {
        let max_delay = secs(self.max_delay).unwrap_or(Duration::from_secs(60));
        let base_delay = secs(self.base_delay)
            .unwrap_or(Duration::from_secs(1))
            .min(max_delay);
        let transient_base_delay = self
            .transient_base_delay
            .and_then(secs)
            .unwrap_or_else(|| {
                if self.behavior_chosen {
                    self.behavior.transient_base_delay(base_delay)
                } else {
                    base_delay
                }
            })
            .min(max_delay);
        let plain = self.budget.is_unlimited()
            && self.rate_limiter.is_none()
            && self.max_elapsed.is_none()
            && !self.count_calls;
        RetryStrategy {
            inner: Arc::new(Inner {
                max_retries: self.max_retries,
                base_delay,
                transient_base_delay,
                max_delay,
                exponential_base: self.exponential_base,
                jitter: self.jitter,
                max_elapsed: self.max_elapsed,
                budget: self.budget,
                rate_limiter: self.rate_limiter,
                notify: self.notify,
                clock: self.clock.unwrap_or_else(ClockSource::system),
                counters: Counters::default(),
                behavior: self.behavior,
                random: self.random,
                long_polling: self.long_polling,
                plain,
                count_calls: self.count_calls,
                base_ns: ns(base_delay),
                transient_base_ns: ns(transient_base_delay),
                max_ns: ns(max_delay),
            }),
        }
    }
}

/// `min(base × factor, max)`, saturating: the one formula of a capped
/// exponential delay. Zero times any growth is zero (0 × ∞ would be NaN);
/// NaN and infinity fail `<` and land on `max`.
#[inline]
fn capped(base: Duration, factor: f64, max: Duration) -> Duration {
    from_ns(capped_ns(ns(base), factor, ns(max))).min(max)
}

/// [`capped`] in nanoseconds as `f64`, the form the loop keeps its delays
/// in (see `Jitter::apply_ns`).
#[inline]
fn capped_ns(base: f64, factor: f64, max: f64) -> f64 {
    if base == 0.0 {
        return 0.0;
    }
    let x = base * factor;
    if x < max { x } else { max }
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
    /// The delay slept before the last retry (Decorrelated jitter grows
    /// from it), in nanoseconds.
    prev_ns: f64,
    /// `exponential_base ^ retries`, grown by multiplication rather than
    /// `powf` per retry; the next cap is `capped(base of the kind, growth)`.
    growth: f64,
    /// Tokens the last retry took from the budget (0: none yet).
    permit: u32,
    started: Option<Duration>,
}

/// What the strategy decides after a failed attempt: the one decision step
/// both loops and [`Attempts`] take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryDecision {
    /// Sleep this long, then make the next attempt.
    Retry(Duration),
    /// Stop: the error is permanent, the retries or the deadline are used
    /// up, or the budget refused.
    GiveUp,
    /// Stop, but only after this sleep (long polling: the budget refused
    /// and the strategy still paces the caller).
    GiveUpAfter(Duration),
}

impl RetryStrategy {
    /// A builder with the seed's defaults.
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
    /// Whether a [`notify`](RetryStrategyBuilder::notify) hook is set.
    pub fn has_notify(&self) -> bool {
        self.inner.notify.is_some()
    }
    /// Where jitter draws its samples.
    pub fn random_source(&self) -> &RandomSource {
        &self.inner.random
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

    /// The delay before retry number `attempt` (0 = the first retry), before
    /// jitter: `min(base_delay × exponential_base^attempt, max_delay)`.
    /// Never decreases with `attempt`, never overflows, saturates at
    /// `max_delay`.
    pub fn cap_for_attempt(&self, attempt: u32) -> Duration {
        self.cap_for(RetryKind::Throttling, attempt)
    }

    /// [`cap_for_attempt`](Self::cap_for_attempt) after an error of `kind`:
    /// throttling grows from `base_delay`, anything else from
    /// `transient_base_delay` (the same under retry behavior 2.0).
    pub fn cap_for(&self, kind: RetryKind, attempt: u32) -> Duration {
        let i = &*self.inner;
        capped(
            self.base_for(kind),
            i.exponential_base.powf(f64::from(attempt)),
            i.max_delay,
        )
    }

    #[inline]
    fn base_for(&self, kind: RetryKind) -> Duration {
        match kind {
            RetryKind::Throttling => self.inner.base_delay,
            _ => self.inner.transient_base_delay,
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
        self.delay_with(attempt, prev, self.inner.random.sample())
    }

    /// [`delay_for_attempt`](Self::delay_for_attempt) with the previous
    /// delay and the uniform sample `u ∈ [0, 1)` given: deterministic, for
    /// tests and simulations.
    pub fn delay_with(&self, attempt: u32, prev: Duration, u: f64) -> Duration {
        self.backoff(RetryKind::Throttling, attempt, prev, u)
    }

    /// The backoff before retry number `attempt` (0 = the first retry)
    /// after an error of `kind`, from the kind's base delay, given the
    /// previous delay and the uniform sample `u ∈ [0, 1]`: the loop's own
    /// computation, for simulations (no server hint, no rate limiter).
    pub fn backoff(&self, kind: RetryKind, attempt: u32, prev: Duration, u: f64) -> Duration {
        let i = &*self.inner;
        let base = self.base_for(kind);
        i.jitter
            .apply(self.cap_for(kind, attempt), prev, base, i.max_delay, u)
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
        let i = &*self.inner;
        if i.plain {
            return match op() {
                Ok(v) => Ok(v),
                Err(e) => self.retry_blocking(self.run(None), e, sleep, op),
            };
        }
        let started = self.begin();
        if let Some(d) = self.pace(SendReason::Initial) {
            sleep(d);
        }
        match op() {
            Ok(v) => {
                self.on_first_try_success();
                Ok(v)
            }
            Err(e) => self.retry_blocking(self.run(started), e, sleep, op),
        }
    }

    /// Everything after a first failure, out of line: the success path
    /// stays a few instructions around the call.
    #[inline(never)]
    fn retry_blocking<T, E, F, S>(
        &self,
        mut run: Run,
        first: E,
        mut sleep: S,
        mut op: F,
    ) -> Result<T, E>
    where
        F: FnMut() -> Result<T, E>,
        S: FnMut(Duration),
        E: Retryable + Error,
    {
        let mut e = first;
        loop {
            match self.on_error(&mut run, &e) {
                RetryDecision::Retry(d) => sleep(d),
                RetryDecision::GiveUp => return Err(e),
                RetryDecision::GiveUpAfter(d) => {
                    sleep(d);
                    return Err(e);
                }
            }
            match op() {
                Ok(v) => {
                    self.on_success(&run);
                    return Ok(v);
                }
                Err(next) => e = next,
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
        let i = &*self.inner;
        if i.plain {
            return match op().await {
                Ok(v) => Ok(v),
                Err(e) => Box::pin(self.retry_async(self.run(None), e, sleeper, op)).await,
            };
        }
        let started = self.begin();
        if let Some(d) = self.pace(SendReason::Initial) {
            // Boxed: a timer future can be large (tokio's is ~100 bytes), and
            // inline it would make every call's future that large, success
            // or not. The allocation happens only when a sleep does.
            Box::pin(sleeper.sleep(d)).await;
        }
        match op().await {
            Ok(v) => {
                self.on_first_try_success();
                Ok(v)
            }
            // Everything after a first failure is one boxed future: this
            // future, whose size every call pays to build and move, holds
            // only the first attempt. One allocation per failed call.
            Err(e) => Box::pin(self.retry_async(self.run(started), e, sleeper, op)).await,
        }
    }

    async fn retry_async<T, E, F, Fut, S>(
        &self,
        mut run: Run,
        first: E,
        sleeper: S,
        mut op: F,
    ) -> Result<T, E>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
        S: Sleeper,
        E: Retryable + Error,
    {
        let mut e = first;
        loop {
            match self.on_error(&mut run, &e) {
                RetryDecision::Retry(d) => sleeper.sleep(d).await,
                RetryDecision::GiveUp => return Err(e),
                RetryDecision::GiveUpAfter(d) => {
                    sleeper.sleep(d).await;
                    return Err(e);
                }
            }
            match op().await {
                Ok(v) => {
                    self.on_success(&run);
                    return Ok(v);
                }
                Err(next) => e = next,
            }
        }
    }

    /// One call's retry decisions, stepped by the caller instead of by a
    /// loop of strands': for a loop strands does not run (a queue consumer
    /// redelivering, a state machine, a simulation in virtual time).
    ///
    /// [`Attempts::on_error`] is the very decision step
    /// [`execute_with_retry`](Self::execute_with_retry) takes after each
    /// failure (classification, retries left, backoff, server hints, rate
    /// limiter, deadline, budget, stats, `notify`), and
    /// [`Attempts::on_success`] is what it does after a success (the
    /// budget's refund). The rate limiter's wait before the *first* attempt
    /// is not part of it: a caller with a limiter paces first attempts
    /// itself.
    ///
    /// ```
    /// use std::time::Duration;
    /// use strands_retry::{RetryDecision, RetryKind, RetryStrategy, Retryable};
    ///
    /// #[derive(Debug, thiserror::Error)]
    /// #[error("throttled")]
    /// struct Throttled;
    /// impl Retryable for Throttled {
    ///     fn retry_kind(&self) -> RetryKind { RetryKind::Throttling }
    /// }
    ///
    /// let strategy = RetryStrategy::builder().max_retries(2).build()?;
    /// let mut attempts = strategy.attempts();
    /// assert!(matches!(attempts.on_error(&Throttled), RetryDecision::Retry(_)));
    /// assert!(matches!(attempts.on_error(&Throttled), RetryDecision::Retry(_)));
    /// assert_eq!(attempts.on_error(&Throttled), RetryDecision::GiveUp);
    /// # Ok::<(), strands_retry::ConfigError>(())
    /// ```
    #[must_use = "an Attempts decides nothing until on_error or on_success is called"]
    pub fn attempts(&self) -> Attempts {
        let started = self.begin();
        Attempts {
            run: self.run(started),
            strategy: self.clone(),
        }
    }

    /// Count the call; the start time when a deadline needs it.
    #[inline]
    fn begin(&self) -> Option<Duration> {
        let i = &*self.inner;
        if i.count_calls {
            i.counters.bump(Counter::Calls);
        }
        i.max_elapsed.map(|_| i.clock.now())
    }

    /// The loop's state after a first failure.
    fn run(&self, started: Option<Duration>) -> Run {
        Run {
            retries: 0,
            prev_ns: self.inner.base_ns,
            growth: 1.0,
            permit: 0,
            started,
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
    fn on_first_try_success(&self) {
        let i = &*self.inner;
        i.budget.on_success(None);
        if let Some(rl) = &i.rate_limiter {
            rl.record(false);
        }
    }

    fn on_success(&self, run: &Run) {
        let i = &*self.inner;
        if run.retries == 0 {
            i.budget.on_success(None);
        } else {
            i.budget.on_success(Some(run.permit));
            i.counters.bump(Counter::SuccessesAfterRetry);
        }
        if let Some(rl) = &i.rate_limiter {
            rl.record(false);
        }
    }

    /// The whole retry policy, in order: classify, out of retries, delay
    /// (backoff from the kind's base, bounded or replaced by a server hint
    /// and the rate limiter's pacing as the behavior says), deadline,
    /// budget; then count, notify and trace.
    #[cold]
    fn on_error(&self, run: &mut Run, error: &(dyn ErrorRetryable + '_)) -> RetryDecision {
        let i = &*self.inner;
        let kind = error.retry_kind();
        if let Some(rl) = &i.rate_limiter {
            rl.record(kind == RetryKind::Throttling);
        }
        if !kind.is_retryable() || run.retries >= i.max_retries {
            return self.give_up(run, kind, "not retryable or out of retries");
        }
        let base = match kind {
            RetryKind::Throttling => i.base_ns,
            _ => i.transient_base_ns,
        };
        let backoff_ns = i.jitter.apply_ns(
            capped_ns(base, run.growth, i.max_ns),
            run.prev_ns,
            base,
            i.max_ns,
            i.random.sample(),
        );
        let backoff = from_ns(backoff_ns);
        let delay = match i.behavior {
            // 2.0: the limiter's wait (a retry priced 5, 10 after a
            // throttle) replaces the backoff, else the hint does.
            RetryBehavior::V2_0 => {
                let paced = i.rate_limiter.as_ref().and_then(|rl| {
                    rl.acquire(if kind == RetryKind::Throttling {
                        SendReason::RetryAfterThrottle
                    } else {
                        SendReason::Retry
                    })
                });
                match (paced, error.retry_after()) {
                    (Some(d), _) | (None, Some(d)) => d.min(i.max_delay),
                    (None, None) => backoff,
                }
            }
            // 2.1: the hint is clamped around the backoff, and the retry
            // takes one send token like any attempt, waited for after it.
            _ => {
                let d = error.retry_after().map_or(backoff, |h| {
                    i.behavior.hinted_delay(h, backoff, i.max_delay)
                });
                let paced = i
                    .rate_limiter
                    .as_ref()
                    .and_then(|rl| rl.acquire(SendReason::Initial));
                paced.map_or(d, |w| w.min(i.max_delay).max(d))
            }
        };
        if let (Some(limit), Some(started)) = (i.max_elapsed, run.started)
            && i.clock.now().saturating_sub(started).saturating_add(delay) > limit
        {
            return self.give_up(run, kind, "the next sleep would pass max_elapsed");
        }
        let cost = i.budget.cost_of(kind, error.is_timeout());
        if !i.budget.try_withdraw(cost) {
            i.counters.bump(Counter::BudgetRefusals);
            let out = self.give_up(run, kind, "the retry budget is exhausted");
            return if i.long_polling {
                RetryDecision::GiveUpAfter(delay)
            } else {
                out
            };
        }
        // The SDKs forget the previous retry's tokens when a new retry takes
        // its own: only the last one is given back on success.
        run.permit = cost;
        run.retries += 1;
        run.prev_ns = if delay == backoff {
            backoff_ns
        } else {
            ns(delay)
        };
        run.growth *= i.exponential_base;
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
        // One relaxed load when no subscriber wants INFO.
        if tracing::level_filters::LevelFilter::current() >= tracing::Level::INFO {
            log_retry(run.retries, delay, kind);
        }
        RetryDecision::Retry(delay)
    }

    #[cold]
    fn give_up(&self, run: &Run, kind: RetryKind, why: &'static str) -> RetryDecision {
        self.inner.counters.bump(Counter::GiveUps);
        if run.retries > 0 || kind.is_retryable() {
            tracing::debug!(
                target: "strands_retry",
                retries = run.retries,
                kind = kind.as_str(),
                "giving up: {why}"
            );
        }
        RetryDecision::GiveUp
    }
}

/// The loop's one INFO event, out of line: inlined, the event's machinery
/// made the decision core spill and cost ~16 ns a retry (half of it) in
/// the bench, with no subscriber at all; behind a call it costs the call.
#[cold]
#[inline(never)]
fn log_retry(attempt: u32, delay: Duration, kind: RetryKind) {
    tracing::info!(
        target: "strands_retry",
        attempt,
        delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
        kind = kind.as_str(),
        "retrying after a {} error",
        kind.as_str()
    );
}

/// One call's retry state, stepped by the caller: see
/// [`RetryStrategy::attempts`]. Holds a clone of the strategy (one
/// reference count), so it can be stored beside the call it follows.
#[derive(Debug)]
pub struct Attempts {
    strategy: RetryStrategy,
    run: Run,
}

impl Attempts {
    /// The attempt just made failed with `error`: retry after a delay, or
    /// give up. Counts, notifies and traces as the loops do.
    pub fn on_error<E: Retryable + Error>(&mut self, error: &E) -> RetryDecision {
        self.strategy.on_error(&mut self.run, error)
    }

    /// The attempt just made succeeded: the budget gets back the last
    /// retry's cost (or the first-try refund).
    pub fn on_success(self) {
        self.strategy.on_success(&self.run);
    }

    /// Retries decided so far.
    pub fn retries(&self) -> u32 {
        self.run.retries
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

    #[test]
    fn new_knobs_are_checked() {
        let b = || RetryStrategy::aws_standard(RetryBehavior::V2_1);
        for t in [f64::NAN, -0.5, f64::INFINITY] {
            let r = b()
                .transient_base_delay(Duration::from_millis(1))
                .max_delay_secs(1.0);
            // through the seconds form, which can carry a bad float
            let mut r = r;
            r.transient_base_delay = Some(t);
            assert!(matches!(
                r.build(),
                Err(ConfigError::InvalidTransientBaseDelay { .. })
            ));
        }
        assert!(matches!(
            b().transient_base_delay(Duration::from_secs(30)).build(),
            Err(ConfigError::BaseDelayExceedsMax { .. })
        ));
        for u in [-0.1, 1.01, f64::NAN] {
            assert!(matches!(
                b().random_source(RandomSource::fixed(u)).build(),
                Err(ConfigError::InvalidRandomSample { .. })
            ));
        }
        // A preset's base is clamped to a lower cap; the user's own is not.
        let s = b().max_delay(Duration::from_millis(200)).build().unwrap();
        assert_eq!(s.base_delay(), Duration::from_millis(200));
        assert!(
            b().max_delay(Duration::from_millis(200))
                .base_delay(Duration::from_secs(1))
                .build()
                .is_err()
        );
    }

    #[test]
    fn aws_presets_are_the_sdks() {
        let s = RetryStrategy::aws_standard(RetryBehavior::V2_1)
            .build()
            .unwrap();
        assert_eq!(s.max_retries(), 2);
        assert_eq!(s.base_delay(), Duration::from_secs(1));
        assert_eq!(s.transient_base_delay(), Duration::from_millis(50));
        assert_eq!(s.max_delay(), Duration::from_secs(20));
        assert_eq!(s.budget().available(), 500);
        assert_eq!(s.budget().cost_of(RetryKind::Transient, false), 14);
        let d = RetryStrategy::aws_service_standard("dynamodb", RetryBehavior::V2_1)
            .build()
            .unwrap();
        assert_eq!(d.max_retries(), 3);
        assert_eq!(d.transient_base_delay(), Duration::from_millis(25));
        let old = RetryStrategy::aws_service_standard("dynamodb", RetryBehavior::V2_0)
            .build()
            .unwrap();
        assert_eq!(old.max_retries(), 2);
        assert_eq!(old.transient_base_delay(), Duration::from_secs(1));
        // The default follows the SDKs' default behavior (2.1 since
        // 2026-11-10; it was 2.0 before), but keeps the 1 s base for every
        // kind: the environment changes rules, not the user's numbers.
        let def = RetryStrategy::default();
        assert_eq!(def.behavior(), RetryBehavior::from_env());
        if std::env::var_os("AWS_NEW_RETRIES_2026").is_none() {
            assert_eq!(def.behavior(), RetryBehavior::V2_1);
        }
        assert_eq!(def.transient_base_delay(), Duration::from_secs(1));
        assert_eq!(def.base_delay(), Duration::from_secs(1));
        // Chosen in code, 2.1 brings its 50 ms transient base; 2.0 is one line.
        let chosen = RetryStrategy::builder()
            .behavior(RetryBehavior::V2_1)
            .build()
            .unwrap();
        assert_eq!(chosen.transient_base_delay(), Duration::from_millis(50));
        let old = RetryStrategy::builder()
            .behavior(RetryBehavior::V2_0)
            .build()
            .unwrap();
        assert_eq!(old.behavior(), RetryBehavior::V2_0);
    }
}
