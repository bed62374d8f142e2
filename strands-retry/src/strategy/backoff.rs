//! How long: the one capped-exponential formula, in `Duration`s for
//! [`RetryStrategy::delay_for_attempt`] and in nanoseconds for the loop.

use super::RetryStrategy;
use crate::RetryKind;
use crate::jitter::{from_ns, ns};
use std::time::Duration;

/// `min(base × factor, max)`, saturating: the one formula of a capped
/// exponential delay. Zero times any growth is zero (0 × ∞ would be NaN);
/// NaN and infinity fail `<` and land on `max`.
#[inline]
pub(super) fn capped(base: Duration, factor: f64, max: Duration) -> Duration {
    from_ns(capped_ns(ns(base), factor, ns(max))).min(max)
}

/// [`capped`] in nanoseconds as `f64`, the form the loop keeps its delays
/// in (see `Jitter::apply_ns`).
#[inline]
pub(super) fn capped_ns(base: f64, factor: f64, max: f64) -> f64 {
    if base == 0.0 {
        return 0.0;
    }
    let x = base * factor;
    if x < max { x } else { max }
}

impl RetryStrategy {
    /// The cap before retry number `attempt` after an error of `kind`:
    /// throttling grows from `base_delay`, anything else from
    /// `transient_base_delay` (the same unless the behavior says
    /// otherwise). Never decreases with `attempt`, never overflows,
    /// saturates at `max_delay`.
    pub(super) fn cap(&self, kind: RetryKind, attempt: u32) -> Duration {
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

    /// The backoff before retry number `attempt` after an error of `kind`,
    /// given the previous delay and the uniform sample `u ∈ [0, 1]` (no
    /// server hint, no rate limiter).
    pub(super) fn backoff(
        &self,
        kind: RetryKind,
        attempt: u32,
        prev: Duration,
        u: f64,
    ) -> Duration {
        let i = &*self.inner;
        i.jitter.apply(
            self.cap(kind, attempt),
            prev,
            self.base_for(kind),
            i.max_delay,
            u,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{RetryBehavior, RetryStrategy};
    use proptest::prelude::*;

    fn kind() -> impl Strategy<Value = RetryKind> {
        prop_oneof![
            Just(RetryKind::Transient),
            Just(RetryKind::Throttling),
            Just(RetryKind::Permanent)
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(10_000))]

        /// Per-kind caps stay under `max_delay` and never decrease with the
        /// attempt number, for any knobs the builder accepts.
        #[test]
        fn per_kind_caps_are_bounded_and_monotone(
            v21 in any::<bool>(), k in kind(), attempt in any::<u32>(),
            base_ms in 0u64..10_000, transient_ms in 0u64..10_000, extra_ms in 0u64..600_000,
            exp in 1.0f64..100.0,
        ) {
            let b = if v21 { RetryBehavior::V2_1 } else { RetryBehavior::V2_0 };
            let max = Duration::from_millis(base_ms.max(transient_ms) + extra_ms);
            let s = RetryStrategy::aws_standard(b)
                .base_delay(Duration::from_millis(base_ms))
                .transient_base_delay(Duration::from_millis(transient_ms))
                .max_delay(max)
                .exponential_base(exp)
                .build()
                .unwrap();
            let cap = s.cap(k, attempt);
            prop_assert!(cap <= max);
            prop_assert!(s.cap(k, attempt.saturating_add(1)) >= cap);
        }
    }
}
