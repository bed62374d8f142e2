//! A budget shared by many threads never goes below zero or above its
//! capacity, and loses or invents no token: with every deposit giving back
//! part of what the same thread took (so the cap is never what stops a
//! deposit), the tokens left are exactly the capacity minus what was taken
//! plus what was given back, whatever the interleaving.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};
use strands_retry::{RetryBehavior, RetryBudget, RetryKind, RetryStrategy, Retryable};

#[derive(Debug, Clone)]
enum Op {
    /// Try to take this many tokens.
    Take(u32),
    /// Give back this share (in percent) of what this thread holds.
    Give(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u32..30).prop_map(Op::Take),
        (0u8..=100).prop_map(Op::Give)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn shared_budget_stays_in_bounds_and_conserves_tokens(
        capacity in 0u32..400,
        threads in prop::collection::vec(prop::collection::vec(op(), 1..200), 2..6),
    ) {
        let budget = RetryBudget::new(capacity);
        let done = AtomicBool::new(false);
        let (taken, given) = std::thread::scope(|s| {
            // A watcher reads the level while the workers run.
            let watcher = s.spawn(|| {
                let mut seen = 0u64;
                while !done.load(Ordering::Acquire) {
                    let a = budget.available();
                    assert!(a <= capacity, "{a} tokens in a bucket of {capacity}");
                    seen += 1;
                    std::hint::spin_loop();
                }
                seen
            });
            let workers: Vec<_> = threads
                .iter()
                .map(|ops| {
                    let b = budget.clone();
                    s.spawn(move || {
                        let (mut taken, mut given, mut held) = (0u64, 0u64, 0u32);
                        for op in ops {
                            match *op {
                                Op::Take(n) => {
                                    if b.try_withdraw(n) {
                                        taken += u64::from(n);
                                        held += n;
                                    }
                                }
                                Op::Give(pct) => {
                                    let n = held * u32::from(pct) / 100;
                                    b.deposit(n);
                                    given += u64::from(n);
                                    held -= n;
                                }
                            }
                            assert!(b.available() <= capacity);
                        }
                        (taken, given)
                    })
                })
                .collect();
            let totals = workers
                .into_iter()
                .map(|w| w.join().unwrap())
                .fold((0, 0), |(t, g), (t2, g2)| (t + t2, g + g2));
            done.store(true, Ordering::Release);
            watcher.join().unwrap();
            totals
        });
        prop_assert!(taken <= u64::from(capacity) + given);
        prop_assert_eq!(
            u64::from(budget.available()),
            u64::from(capacity) + given - taken
        );
    }
}

#[derive(Debug)]
struct Fail(RetryKind, bool);
impl std::fmt::Display for Fail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.0)
    }
}
impl std::error::Error for Fail {}
impl Retryable for Fail {
    fn retry_kind(&self) -> RetryKind {
        self.0
    }
    fn is_timeout(&self) -> bool {
        self.1
    }
}

/// Many threads stepping one strategy's calls (what the SDK path does from
/// its interceptor) and refunding on success keep the budget within
/// `[0, capacity]`, and never hold more than a ledger of the same
/// withdrawals and full refunds says.
#[test]
fn strategy_steps_from_many_threads_keep_the_budget_in_bounds() {
    let budget = RetryBudget::for_behavior(RetryBehavior::V2_1);
    let s = RetryStrategy::aws_standard(RetryBehavior::V2_1)
        .max_retries(3)
        .budget(budget.clone())
        .build()
        .unwrap();
    let ledger: i64 = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8u64)
            .map(|t| {
                let s = s.clone();
                let budget = budget.clone();
                scope.spawn(move || {
                    let mut net = 0i64;
                    for i in 0..500u64 {
                        let mut a = s.attempts();
                        let kinds = [
                            Fail(RetryKind::Transient, false),
                            Fail(RetryKind::Throttling, false),
                            Fail(RetryKind::Transient, true),
                        ];
                        let failures = (i * 7 + t) % 4;
                        let mut last = 0i64;
                        for f in 0..failures {
                            let before = budget.available();
                            let fail = &kinds[usize::try_from((f + t) % 3).unwrap()];
                            let cost = budget.cost_of(fail.0, fail.1);
                            match a.on_error(fail) {
                                strands_retry::RetryDecision::Retry(_) => {
                                    net -= i64::from(cost);
                                    last = i64::from(cost);
                                }
                                _ => {
                                    last = -1;
                                    break;
                                }
                            }
                            assert!(before <= 500);
                        }
                        if last >= 0 && (i + t) % 5 != 0 {
                            // Succeeded: the last retry's cost back, or 1.
                            net += if last == 0 { 1 } else { last };
                            a.on_success();
                        }
                        assert!(budget.available() <= 500);
                    }
                    net
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    // Refunds are capped at the capacity, so the ledger (every refund in
    // full) is an upper bound of what is left.
    let left = i64::from(budget.available());
    assert!((0..=500).contains(&left));
    assert!(left <= 500 + ledger, "left {left}, ledger {ledger}");
    assert!(
        s.stats().retries > 0 && s.stats().budget_refusals > 0,
        "{:?}",
        s.stats()
    );
}
