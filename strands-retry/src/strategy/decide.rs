//! The decision step after a failed attempt, one function for both loops
//! and for [`Attempts`] (a loop strands does not run): classify, retries
//! left, delay (backoff from the kind's base, bounded or replaced by a
//! server hint and the rate limiter as the behavior says), deadline,
//! budget; then count, notify and trace.

use super::backoff::capped_ns;
use super::{RetryEvent, RetryStrategy};
use crate::behavior::RetryBehavior;
use crate::jitter::{from_ns, ns};
use crate::rate_limit::SendReason;
use crate::stats::Counter;
use crate::{RetryKind, Retryable};
use std::error::Error;
use std::time::Duration;

/// Per-call state of the loop.
#[derive(Debug)]
pub(super) struct Run {
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
    pub(super) fn begin(&self) -> Option<Duration> {
        let i = &*self.inner;
        if i.count_calls {
            i.counters.bump(Counter::Calls);
        }
        i.max_elapsed.map(|_| i.clock.now())
    }

    /// The loop's state after a first failure.
    pub(super) fn run(&self, started: Option<Duration>) -> Run {
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
    pub(super) fn pace(&self, reason: SendReason) -> Option<Duration> {
        let i = &*self.inner;
        let d = i.rate_limiter.as_ref()?.acquire(reason)?;
        Some(
            d.min(i.max_delay)
                .min(i.max_elapsed.unwrap_or(Duration::MAX)),
        )
    }

    #[inline]
    pub(super) fn on_first_try_success(&self) {
        let i = &*self.inner;
        i.budget.on_success(None);
        if let Some(rl) = &i.rate_limiter {
            rl.record(false);
        }
    }

    pub(super) fn on_success(&self, run: &Run) {
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
    pub(super) fn on_error(
        &self,
        run: &mut Run,
        error: &(dyn ErrorRetryable + '_),
    ) -> RetryDecision {
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
    pub(super) fn give_up(&self, run: &Run, kind: RetryKind, why: &'static str) -> RetryDecision {
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
pub(super) trait ErrorRetryable: Retryable {
    fn as_error(&self) -> &(dyn Error + '_);
}

impl<E: Retryable + Error> ErrorRetryable for E {
    fn as_error(&self) -> &(dyn Error + '_) {
        self
    }
}
