//! Which edition of the AWS SDKs' standard retry rules a strategy follows.
//!
//! "Retry behavior 2.1" is the AWS SDKs' default since 2026-11-10 (botocore
//! 1.44, the AWS CLI 2.40, the Go SDK 1.48); "retry behavior 2.0" is what
//! every SDK did from 2020 until then, and what `AWS_NEW_RETRIES_2026=false`
//! still selects. The two differ in four numbers, all written here and
//! nowhere else:
//!
//! | | 2.0 | 2.1 |
//! |---|---|---|
//! | base delay, transient error | the throttling one (1 s) | 50 ms |
//! | retry cost: transient / timeout / throttling | 5 / 10 / 5 | 14 / 14 / 5 |
//! | `x-amz-retry-after` | replaces the backoff, capped by `max_delay` | clamped to `[t, t + 5 s]`, `t` the computed backoff |
//! | adaptive limiter on a retry | its wait replaces the backoff | one send token per attempt, waited for after the backoff |
//!
//! Sources: the AWS SDKs and Tools reference guide's "Retry behavior"
//! page; aws-smithy-runtime 1.16 `strategy/standard.rs` and
//! `token_bucket.rs`; botocore `retries/standard.py` and its
//! `test_standard_retry_v2_1.py`; the spec's cases as copied into
//! smithy-kotlin (`NewStandardRetryIntegrationTestResources.kt`).
//!
//! strands follows the SDKs: wherever a behavior is not chosen in code
//! ([`RetryStrategy::default`](crate::RetryStrategy), [`RetryBudget::standard`](crate::RetryBudget::standard),
//! the clients of a manager built without a strategy), it is
//! [`RetryBehavior::from_env`]: 2.1 unless `AWS_NEW_RETRIES_2026=false`.
//! Restoring 2.0 is one line, in code (`.behavior(RetryBehavior::V2_0)`)
//! or in the environment (`AWS_NEW_RETRIES_2026=false`), as for boto3.

use crate::RetryKind;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// An edition of the AWS SDKs' standard retry rules.
///
/// The default is [`V2_1`](Self::V2_1), the SDKs' own since 2026-11-10;
/// [`from_env`](Self::from_env) is what a strategy uses when none is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
#[non_exhaustive]
pub enum RetryBehavior {
    /// Retry behavior 2.0: the SDKs' rules from 2020 until 2026-11-10,
    /// still selected by `AWS_NEW_RETRIES_2026=false`.
    V2_0,
    /// Retry behavior 2.1 ("new retries", the SDKs' default since
    /// 2026-11-10): short backoff for transient errors, costlier transient
    /// retries, cheap throttling retries, a bounded `x-amz-retry-after`.
    #[default]
    V2_1,
}

/// The environment variable the AWS SDKs read to choose between the two
/// behaviors (`false` selects [`RetryBehavior::V2_0`]).
pub(crate) const NEW_RETRIES_ENV: &str = "AWS_NEW_RETRIES_2026";

/// Whether the warning about an unreadable `AWS_NEW_RETRIES_2026` was
/// given (once per process: a budget built per request would repeat it).
static WARNED: AtomicBool = AtomicBool::new(false);

/// How far above the computed backoff 2.1 lets `x-amz-retry-after` go.
pub(crate) const RETRY_AFTER_HEADROOM: Duration = Duration::from_secs(5);

impl RetryBehavior {
    /// What the AWS SDKs pick in this process: [`V2_0`](Self::V2_0) when
    /// `AWS_NEW_RETRIES_2026` is `false` (any case, surrounding blanks
    /// ignored), [`V2_1`](Self::V2_1) otherwise. A value that is neither
    /// `true` nor `false` is logged once as a warning naming it and the
    /// choice (2.1, the default), never silently guessed.
    pub fn from_env() -> Self {
        let raw = std::env::var(NEW_RETRIES_ENV).ok();
        let (behavior, understood) = Self::read(raw.as_deref());
        if !understood && !WARNED.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                target: "strands_retry",
                value = raw.as_deref().unwrap_or_default(),
                chosen = behavior.as_str(),
                "{NEW_RETRIES_ENV} is neither `true` nor `false`; following retry behavior {}, the AWS SDKs' default",
                behavior.as_str()
            );
        }
        behavior
    }

    /// [`from_env`](Self::from_env) for a given value of the variable
    /// (`None`: unset), without the warning.
    pub fn from_env_value(value: Option<&str>) -> Self {
        Self::read(value).0
    }

    /// The behavior a value selects, and whether the value was understood
    /// (unset, `true` or `false`).
    fn read(value: Option<&str>) -> (Self, bool) {
        match value.map(str::trim) {
            None => (Self::V2_1, true),
            Some(v) if v.eq_ignore_ascii_case("false") => (Self::V2_0, true),
            Some(v) => (Self::V2_1, v.eq_ignore_ascii_case("true")),
        }
    }

    /// The base delay for a transient (non-throttling) error under this
    /// behavior, given the throttling base `throttling_base`.
    pub const fn transient_base_delay(self, throttling_base: Duration) -> Duration {
        match self {
            Self::V2_0 => throttling_base,
            Self::V2_1 => Duration::from_millis(50),
        }
    }

    /// The budget's prices under this behavior.
    pub const fn costs(self) -> RetryCosts {
        match self {
            Self::V2_0 => RetryCosts::V2_0,
            Self::V2_1 => RetryCosts::V2_1,
        }
    }

    /// The delay before a retry the server hinted at: `backoff` is the
    /// delay the strategy computed (jittered), `max_delay` its cap.
    pub fn hinted_delay(self, hint: Duration, backoff: Duration, max_delay: Duration) -> Duration {
        match self {
            Self::V2_0 => hint.min(max_delay),
            Self::V2_1 => hint.clamp(backoff, backoff.saturating_add(RETRY_AFTER_HEADROOM)),
        }
    }

    /// The spec's short name: `"2.0"` or `"2.1"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::V2_0 => "2.0",
            Self::V2_1 => "2.1",
        }
    }
}

/// What a retry costs a [`RetryBudget`](crate::RetryBudget), and what a
/// first-try success gives back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct RetryCosts {
    /// A retry after a transient error that was not a timeout.
    pub retry: u32,
    /// A retry after a timeout.
    pub timeout_retry: u32,
    /// A retry after throttling.
    pub throttling_retry: u32,
    /// What a success with no retry gives back. Every SDK gives 1 under
    /// both behaviors (botocore's `_NO_RETRY_INCREMENT`, smithy-rs'
    /// `regenerate_a_token`, smithy-kotlin's `initialTrySuccessIncrement`),
    /// and so does strands: see ARCHITECTURE.md.
    pub first_try_refund: u32,
}

impl RetryCosts {
    /// Retry behavior 2.0: 5 a retry, 10 after a timeout.
    pub const V2_0: Self = Self {
        retry: 5,
        timeout_retry: 10,
        throttling_retry: 5,
        first_try_refund: 1,
    };
    /// Retry behavior 2.1: 14 a transient or timeout retry, 5 after
    /// throttling.
    pub const V2_1: Self = Self {
        retry: 14,
        timeout_retry: 14,
        throttling_retry: 5,
        first_try_refund: 1,
    };

    /// Custom prices (for a budget shaped like neither behavior).
    pub const fn new(retry: u32, timeout_retry: u32, throttling_retry: u32) -> Self {
        Self {
            retry,
            timeout_retry,
            throttling_retry,
            first_try_refund: 1,
        }
    }

    /// The same prices with another first-try refund.
    #[must_use]
    pub const fn with_first_try_refund(mut self, refund: u32) -> Self {
        self.first_try_refund = refund;
        self
    }

    /// What a retry after an error of `kind` (a timeout or not) costs.
    /// Throttling wins over timeout: the service answered.
    #[inline]
    pub const fn cost(&self, kind: RetryKind, timeout: bool) -> u32 {
        match (kind, timeout) {
            (RetryKind::Throttling, _) => self.throttling_retry,
            (_, true) => self.timeout_retry,
            _ => self.retry,
        }
    }
}

impl Default for RetryCosts {
    /// The prices of the default behavior, 2.1.
    fn default() -> Self {
        Self::V2_1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_switch_reads_like_the_sdks() {
        // Since 2026-11-10 unset means 2.1 (botocore 1.44 and the CLI
        // 2.40); only `false` selects 2.0. A value that is neither is not
        // understood (from_env warns) and follows the default.
        for (v, want, understood) in [
            (None, RetryBehavior::V2_1, true),
            (Some("true"), RetryBehavior::V2_1, true),
            (Some("TRUE"), RetryBehavior::V2_1, true),
            (Some(" true "), RetryBehavior::V2_1, true),
            (Some("false"), RetryBehavior::V2_0, true),
            (Some("False"), RetryBehavior::V2_0, true),
            (Some(" FALSE\n"), RetryBehavior::V2_0, true),
            (Some("1"), RetryBehavior::V2_1, false),
            (Some("0"), RetryBehavior::V2_1, false),
            (Some(""), RetryBehavior::V2_1, false),
            (Some("no"), RetryBehavior::V2_1, false),
        ] {
            assert_eq!(RetryBehavior::read(v), (want, understood), "{v:?}");
            assert_eq!(RetryBehavior::from_env_value(v), want, "{v:?}");
        }
        assert_eq!(RetryBehavior::default(), RetryBehavior::V2_1);
        assert_eq!(RetryCosts::default(), RetryCosts::V2_1);
    }

    #[test]
    fn costs_follow_the_spec() {
        let t = RetryKind::Transient;
        let th = RetryKind::Throttling;
        assert_eq!(RetryCosts::V2_0.cost(t, false), 5);
        assert_eq!(RetryCosts::V2_0.cost(t, true), 10);
        assert_eq!(RetryCosts::V2_0.cost(th, false), 5);
        assert_eq!(RetryCosts::V2_1.cost(t, false), 14);
        assert_eq!(RetryCosts::V2_1.cost(t, true), 14);
        assert_eq!(RetryCosts::V2_1.cost(th, false), 5);
        assert_eq!(RetryCosts::V2_1.cost(th, true), 5);
    }

    #[test]
    fn hints_are_bounded_by_the_behavior() {
        let ms = Duration::from_millis;
        let b = RetryBehavior::V2_1;
        assert_eq!(b.hinted_delay(ms(1500), ms(50), ms(100)), ms(1500));
        assert_eq!(b.hinted_delay(ms(0), ms(50), ms(100)), ms(50));
        assert_eq!(b.hinted_delay(ms(10_000), ms(50), ms(100)), ms(5050));
        let max = Duration::MAX;
        assert_eq!(b.hinted_delay(max, max, max), max);
        let a = RetryBehavior::V2_0;
        assert_eq!(a.hinted_delay(ms(1500), ms(50), ms(100)), ms(100));
    }
}
