//! `RetryStrategy::attempts()` is the loop's own decision step: stepped by
//! hand over the same failures, it decides exactly what the blocking loop
//! does (the same sleeps, the same outcome, the same budget and stats),
//! for any behavior, budget, jitter, hint and sequence of failures.
#![allow(clippy::unwrap_used)]

mod common;

use common::Failure;
use proptest::prelude::*;
use std::time::Duration;
use strands_retry::{
    Jitter, RandomSource, RetryBehavior, RetryBudget, RetryDecision, RetryKind, RetryStrategy,
};

fn strategy(
    behavior: RetryBehavior,
    retries: u32,
    budget: u32,
    jitter: Jitter,
    seed: u64,
) -> RetryStrategy {
    RetryStrategy::aws_standard(behavior)
        .max_retries(retries)
        .base_delay(Duration::from_millis(100))
        .max_delay(Duration::from_secs(5))
        .jitter(jitter)
        .budget(RetryBudget::new(budget).with_costs(RetryBudget::for_behavior(behavior).costs()))
        .random_source(RandomSource::seeded(seed))
        .count_calls(true)
        .build()
        .unwrap()
}

fn failure() -> impl Strategy<Value = Failure> {
    (
        prop_oneof![
            Just(RetryKind::Transient),
            Just(RetryKind::Throttling),
            Just(RetryKind::Permanent)
        ],
        proptest::option::weighted(0.3, 0u64..8_000),
        any::<bool>(),
    )
        .prop_map(|(kind, hint, timeout)| Failure {
            kind,
            hint: hint.map(Duration::from_millis),
            timeout,
            n: 0,
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, rng_seed: proptest::test_runner::RngSeed::Fixed(14), ..ProptestConfig::default() })]

    #[test]
    fn stepping_by_hand_decides_what_the_loop_does(
        v21 in any::<bool>(),
        retries in 0u32..6,
        budget in 0u32..60,
        jitter in prop_oneof![Just(Jitter::Full), Just(Jitter::Equal), Just(Jitter::Decorrelated), Just(Jitter::None)],
        seed in any::<u64>(),
        failures in proptest::collection::vec(failure(), 1..8),
        calls in 1usize..4,
    ) {
        let behavior = if v21 { RetryBehavior::V2_1 } else { RetryBehavior::V2_0 };
        let looped = strategy(behavior, retries, budget, jitter, seed);
        let stepped = strategy(behavior, retries, budget, jitter, seed);
        // Several calls in a row, so the budget carries from one to the next.
        for _ in 0..calls {
            // The loop: each attempt fails with the next failure, then succeeds.
            let mut slept = Vec::new();
            let mut i = 0;
            let out = looped.execute_with_retry_blocking_using(
                |d| slept.push(d),
                || {
                    i += 1;
                    failures.get(i - 1).cloned().map_or(Ok(()), Err)
                },
            );
            // By hand.
            let mut attempts = stepped.attempts();
            let mut waits = Vec::new();
            let mut outcome = Ok(());
            for f in failures.iter().map(Some).chain(std::iter::once(None)) {
                let Some(f) = f else {
                    attempts.on_success();
                    break;
                };
                match attempts.on_error(f) {
                    RetryDecision::Retry(d) => waits.push(d),
                    RetryDecision::GiveUpAfter(d) => {
                        waits.push(d);
                        outcome = Err(f.clone());
                        break;
                    }
                    _ => {
                        outcome = Err(f.clone());
                        break;
                    }
                }
            }
            prop_assert_eq!(&slept, &waits);
            prop_assert_eq!(out, outcome);
            prop_assert_eq!(looped.budget().available(), stepped.budget().available());
        }
        let (a, b) = (looped.stats(), stepped.stats());
        prop_assert_eq!((a.calls, a.retries, a.give_ups, a.budget_refusals), (b.calls, b.retries, b.give_ups, b.budget_refusals));
    }
}
