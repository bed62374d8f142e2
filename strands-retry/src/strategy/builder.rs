//! The builder: every knob, the AWS presets, and the checks `build` makes.

use super::{Inner, Notify, RetryEvent, RetryStrategy};
use crate::behavior::RetryBehavior;
use crate::budget::RetryBudget;
use crate::clock::{Clock, ClockSource};
use crate::error::ConfigError;
use crate::jitter::{Jitter, ns};
use crate::rate_limit::AdaptiveRateLimiter;
use crate::rng::RandomSource;
use crate::stats::Counters;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Builds a [`RetryStrategy`]; [`build`](Self::build) checks every value.
#[must_use = "a builder does nothing until `build` is called"]
pub struct RetryStrategyBuilder {
    max_retries: u32,
    base_delay: Duration,
    /// Whether the user set `base_delay` (a preset's base is clamped to a
    /// lower `max_delay`; the user's own is an error there).
    base_delay_set: bool,
    transient_base_delay: Option<Duration>,
    max_delay: Duration,
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
    /// The Python module's defaults (see [`RetryStrategy`]'s `# Default`).
    pub fn new() -> Self {
        Self {
            max_retries: 5,
            base_delay: Duration::from_secs(1),
            base_delay_set: false,
            transient_base_delay: None,
            max_delay: Duration::from_secs(60),
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
        self.transient_base_delay = Some(d);
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
        self.base_delay = d;
        self.base_delay_set = true;
        self
    }

    /// The cap on any backoff delay and on server hints (60 s by default).
    pub fn max_delay(mut self, d: Duration) -> Self {
        self.max_delay = d;
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
        let (base, max) = (self.base_delay, self.max_delay);
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
        if let Some(t) = self.transient_base_delay
            && t > max
        {
            return Err(ConfigError::BaseDelayExceedsMax { base: t, max });
        }
        if let Some(u) = self.random.fixed_value()
            && !(0.0..=1.0).contains(&u)
        {
            return Err(ConfigError::InvalidRandomSample { value: u });
        }
        Ok(self.build_unchecked())
    }

    pub(super) fn build_unchecked(self) -> RetryStrategy {
        let max_delay = self.max_delay;
        let base_delay = self.base_delay.min(max_delay);
        let transient_base_delay = self
            .transient_base_delay
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
