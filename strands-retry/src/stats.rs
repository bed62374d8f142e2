//! Counters for the seed's first future enhancement ("track retry counts and
//! error rates"). Everything off the success path is an exact relaxed atomic.
//! The one counter on the success path, `attempts`, must not cost a locked
//! instruction (that alone is 3× a direct call), so it is sharded per thread
//! and bumped with a plain load and store: exact while no two threads share
//! a shard at the same instant (up to 16 threads), possibly a little low
//! beyond that. A statistic, not an invariant.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

const SHARDS: usize = 16;

#[derive(Debug, Default)]
#[repr(align(64))]
struct Shard(AtomicU64);

/// Live counters of a strategy (shared by its clones).
#[derive(Debug, Default)]
pub(crate) struct Counters {
    first_attempts: [Shard; SHARDS],
    pub(crate) retries: AtomicU64,
    pub(crate) give_ups: AtomicU64,
    pub(crate) budget_refusals: AtomicU64,
    pub(crate) successes_after_retry: AtomicU64,
}

thread_local! {
    static SHARD_INDEX: Cell<usize> = const { Cell::new(usize::MAX) };
}
static NEXT_SHARD: AtomicUsize = AtomicUsize::new(0);

#[inline]
fn shard_index() -> usize {
    SHARD_INDEX.with(|i| {
        let v = i.get();
        if v != usize::MAX {
            return v;
        }
        let v = NEXT_SHARD.fetch_add(1, Ordering::Relaxed) % SHARDS;
        i.set(v);
        v
    })
}

impl Counters {
    #[inline]
    pub(crate) fn count_call(&self) {
        let c = &self.first_attempts[shard_index()].0;
        c.store(c.load(Ordering::Relaxed).wrapping_add(1), Ordering::Relaxed);
    }

    #[inline]
    pub(crate) fn bump(c: &AtomicU64) {
        c.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> RetryStats {
        let calls: u64 = self
            .first_attempts
            .iter()
            .map(|s| s.0.load(Ordering::Relaxed))
            .sum();
        let retries = self.retries.load(Ordering::Relaxed);
        RetryStats {
            calls,
            attempts: calls + retries,
            retries,
            give_ups: self.give_ups.load(Ordering::Relaxed),
            budget_refusals: self.budget_refusals.load(Ordering::Relaxed),
            successes_after_retry: self.successes_after_retry.load(Ordering::Relaxed),
        }
    }
}

/// A snapshot of a strategy's counters since it was built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct RetryStats {
    /// Operations started (`execute_with_retry*` calls).
    pub calls: u64,
    /// Attempts made: calls plus retries.
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
    /// Share of calls that ended in an error, in `[0, 1]`.
    pub fn error_rate(&self) -> f64 {
        if self.calls == 0 {
            0.0
        } else {
            self.give_ups as f64 / self.calls as f64
        }
    }
}
