//! The 2.1 knobs for any input: delays stay under `max_delay` (per-kind
//! caps are checked in `strategy/backoff.rs`), a hinted delay stays in the
//! behavior's bounds, and the budget never overdraws or overfills, with
//! no panic and no overflow for any attempt number or duration.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use std::time::Duration;
use strands_retry::{
    RandomSource, RetryBehavior, RetryBudget, RetryCosts, RetryKind, RetryStrategy,
};

/// How far above the backoff 2.1 lets `x-amz-retry-after` go (the spec's 5 s).
const RETRY_AFTER_HEADROOM: Duration = Duration::from_secs(5);

const CASES: u32 = 10_000;

fn behavior() -> impl Strategy<Value = RetryBehavior> {
    prop_oneof![Just(RetryBehavior::V2_0), Just(RetryBehavior::V2_1)]
}

fn kind() -> impl Strategy<Value = RetryKind> {
    prop_oneof![
        Just(RetryKind::Transient),
        Just(RetryKind::Throttling),
        Just(RetryKind::Permanent)
    ]
}

fn duration() -> impl Strategy<Value = Duration> {
    prop_oneof![
        (0u64..100_000_000).prop_map(Duration::from_micros),
        Just(Duration::ZERO),
        Just(Duration::MAX),
        any::<u64>().prop_map(Duration::from_secs),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn delays_are_bounded_for_any_knobs(
        b in behavior(), attempt in any::<u32>(),
        base_ms in 0u64..10_000, transient_ms in 0u64..10_000, extra_ms in 0u64..600_000,
        exp in 1.0f64..100.0, u in 0.0f64..=1.0,
    ) {
        let max = Duration::from_millis(base_ms.max(transient_ms) + extra_ms);
        let s = RetryStrategy::aws_standard(b)
            .base_delay(Duration::from_millis(base_ms))
            .transient_base_delay(Duration::from_millis(transient_ms))
            .max_delay(max)
            .exponential_base(exp)
            .random_source(RandomSource::fixed(u))
            .build()
            .unwrap();
        let d = s.delay_for_attempt(attempt);
        prop_assert!(d <= s.max_delay());
    }

    #[test]
    fn hinted_delays_stay_in_the_behaviors_bounds(
        b in behavior(), hint in duration(), backoff in duration(), max in duration(),
    ) {
        let d = b.hinted_delay(hint, backoff, max);
        match b {
            RetryBehavior::V2_1 => {
                prop_assert!(d >= backoff);
                prop_assert!(d <= backoff.saturating_add(RETRY_AFTER_HEADROOM));
            }
            _ => prop_assert!(d <= max && d <= hint),
        }
    }

    #[test]
    fn budgets_never_overdraw_or_overfill(
        b in behavior(), capacity in 0u32..2_000,
        ops in proptest::collection::vec((kind(), any::<bool>(), any::<bool>()), 0..64),
    ) {
        let budget = RetryBudget::new(capacity).with_costs(b.costs());
        let mut last = None;
        for (k, timeout, success) in ops {
            if success {
                budget.on_success(last.take());
            } else {
                let cost = budget.cost_of(k, timeout);
                prop_assert!(cost == RetryCosts::V2_0.cost(k, timeout) || cost == RetryCosts::V2_1.cost(k, timeout));
                let before = budget.available();
                if budget.try_withdraw(cost) {
                    prop_assert_eq!(budget.available(), before - cost);
                    last = Some(cost);
                } else {
                    prop_assert!(before < cost);
                    prop_assert_eq!(budget.available(), before);
                }
            }
            prop_assert!(budget.available() <= capacity);
        }
    }
}
