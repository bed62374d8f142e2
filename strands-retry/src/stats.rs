//! Counters for the Python module's first future enhancement ("track retry
//! counts and error rates"). All but one are bumped on the failure path;
//! the per-call count is opt-in (`count_calls`), the only work a first-try
//! success would otherwise do.
//!
//! A locked read-modify-write costs more than a whole direct call, so the
//! counters are sharded per thread (one cache line each, 16 shards) and
//! bumped with a relaxed load and store. Each thread owns its shard, so the
//! counts are exact while no two threads share a shard at the same instant
//! (up to 16 threads); beyond that a concurrent bump can be lost. These are
//! statistics, not invariants: nothing in the retry logic reads them.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

const SHARDS: usize = 16;

/// One thread's counters, alone on its cache line.
#[derive(Debug, Default)]
#[repr(align(64))]
struct Shard {
    calls: AtomicU64,
    retries: AtomicU64,
    give_ups: AtomicU64,
    budget_refusals: AtomicU64,
    successes_after_retry: AtomicU64,
}

/// Which counter to bump.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Counter {
    Calls,
    Retries,
    GiveUps,
    BudgetRefusals,
    SuccessesAfterRetry,
}

/// Live counters of a strategy (shared by its clones).
#[derive(Debug, Default)]
pub(crate) struct Counters {
    shards: [Shard; SHARDS],
}

thread_local! {
    static SHARD_INDEX: Cell<usize> = const { Cell::new(usize::MAX) };
}
static NEXT_SHARD: AtomicUsize = AtomicUsize::new(0);

#[inline]
fn shard_index() -> usize {
    SHARD_INDEX.with(|i| {
        let v = i.get();
        if v < SHARDS {
            return v;
        }
        let v = NEXT_SHARD.fetch_add(1, Ordering::Relaxed) % SHARDS;
        i.set(v);
        v
    })
}

impl Counters {
    #[inline]
    pub(crate) fn bump(&self, which: Counter) {
        let s = &self.shards[shard_index()];
        let c = match which {
            Counter::Calls => &s.calls,
            Counter::Retries => &s.retries,
            Counter::GiveUps => &s.give_ups,
            Counter::BudgetRefusals => &s.budget_refusals,
            Counter::SuccessesAfterRetry => &s.successes_after_retry,
        };
        c.store(c.load(Ordering::Relaxed).wrapping_add(1), Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> RetryStats {
        let sum = |f: fn(&Shard) -> &AtomicU64| -> u64 {
            self.shards
                .iter()
                .map(|s| f(s).load(Ordering::Relaxed))
                .sum()
        };
        let calls = sum(|s| &s.calls);
        let retries = sum(|s| &s.retries);
        RetryStats {
            calls,
            attempts: calls + retries,
            retries,
            give_ups: sum(|s| &s.give_ups),
            budget_refusals: sum(|s| &s.budget_refusals),
            successes_after_retry: sum(|s| &s.successes_after_retry),
        }
    }
}

/// A snapshot of a strategy's counters since it was built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct RetryStats {
    /// Operations started (`execute_with_retry*` calls, [`Attempts`](crate::Attempts)
    /// begun), when the strategy counts them
    /// ([`count_calls`](crate::RetryStrategyBuilder::count_calls)); 0 otherwise.
    pub calls: u64,
    /// Attempts made: calls plus retries (retries only, unless calls are
    /// counted).
    pub attempts: u64,
    /// Retries made (each after a sleep).
    pub retries: u64,
    /// Calls that returned an error (permanent, out of retries, past the
    /// deadline or refused by the budget).
    pub give_ups: u64,
    /// Of those, calls the budget refused to retry.
    pub budget_refusals: u64,
    /// Calls that succeeded after at least one retry.
    pub successes_after_retry: u64,
}

impl RetryStats {
    /// Share of calls that ended in an error, in `[0, 1]` (0 when calls are
    /// not counted).
    pub fn error_rate(&self) -> f64 {
        if self.calls == 0 {
            0.0
        } else {
            self.give_ups as f64 / self.calls as f64
        }
    }
}
