//! Why a budget and not only a retry count? A count bounds one caller; a
//! budget bounds a fleet. When a dependency is down, every caller failing
//! and retrying 5 times multiplies the load on it by 6 exactly when it can
//! least take it. The AWS SDKs' standard mode solves this with a token
//! bucket shared by every request of a client, and so do we, to the same
//! rules, so a fleet behaves the same whatever language it is written in:
//!
//! - starts full (500 tokens for [`RetryBudget::standard`]);
//! - a retry costs what its [`RetryCosts`] say: under retry behavior 2.1
//!   (the SDKs' default, and strands') 14 after a transient error or a
//!   timeout and 5 after throttling; under 2.0 5, or 10 after a timeout;
//! - when the bucket cannot pay, the error is returned at once, no sleep;
//! - a success after retries gives back what its last retry took (earlier
//!   retries of the same call stay spent), a first-try success gives 1;
//! - never above the initial amount.
//!
//! Clones share the bucket; give one budget to several strategies to make
//! them share it too. A manager's SDK clients built with a strategy draw
//! on the strategy's budget itself, so [`RetryBudget::available`] sees
//! every retry, whichever loop ran it.

use crate::RetryKind;
use crate::behavior::{RetryBehavior, RetryCosts};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

/// The AWS SDKs' initial quota.
const STANDARD_CAPACITY: u32 = 500;

/// A retry quota shared by everything holding a clone of it.
#[derive(Debug, Clone)]
pub struct RetryBudget {
    inner: Option<Arc<Bucket>>,
}

#[derive(Debug)]
struct Bucket {
    tokens: AtomicU32,
    capacity: u32,
    costs: RetryCosts,
}

impl RetryBudget {
    /// The AWS SDKs' standard quota: 500 tokens, priced as the SDKs'
    /// default retry behavior prices it ([`RetryBehavior::from_env`]: 2.1,
    /// 14 a transient or timeout retry and 5 a throttling one, unless
    /// `AWS_NEW_RETRIES_2026=false` selects 2.0's 5 and 10).
    pub fn standard() -> Self {
        Self::for_behavior(RetryBehavior::from_env())
    }

    /// The SDKs' standard quota (500 tokens) priced by `behavior`.
    pub fn for_behavior(behavior: RetryBehavior) -> Self {
        Self::new(STANDARD_CAPACITY).with_costs(behavior.costs())
    }

    /// A quota of `capacity` tokens, starting full, priced as
    /// [`standard`](Self::standard) is. `new(0)` never retries.
    pub fn new(capacity: u32) -> Self {
        Self::with(capacity, RetryBehavior::from_env().costs())
    }

    fn with(capacity: u32, costs: RetryCosts) -> Self {
        Self {
            inner: Some(Arc::new(Bucket {
                tokens: AtomicU32::new(capacity),
                capacity,
                costs,
            })),
        }
    }

    /// The same capacity with other prices, as a new, full bucket: call it
    /// when building, before the budget is shared.
    #[must_use]
    pub fn with_costs(self, costs: RetryCosts) -> Self {
        match self.inner {
            Some(b) => Self::with(b.capacity, costs),
            None => self,
        }
    }

    /// The prices (the default ones for an unlimited budget, which
    /// charges nothing).
    pub fn costs(&self) -> RetryCosts {
        self.inner
            .as_ref()
            .map_or_else(RetryCosts::default, |b| b.costs)
    }

    /// What a retry after an error of `kind` costs this budget (0 when
    /// unlimited).
    #[inline]
    pub fn cost_of(&self, kind: RetryKind, timeout: bool) -> u32 {
        self.inner
            .as_ref()
            .map_or(0, |b| b.costs.cost(kind, timeout))
    }

    /// Record a success: `last_retry_cost` is what the call's last retry
    /// took (`None` for a first-try success, which gives back
    /// [`RetryCosts::first_try_refund`]).
    #[inline]
    pub fn on_success(&self, last_retry_cost: Option<u32>) {
        let Some(b) = &self.inner else { return };
        self.deposit(last_retry_cost.unwrap_or(b.costs.first_try_refund));
    }

    /// No quota: every retry is allowed (only `max_retries` and
    /// `max_elapsed` bound them).
    pub fn unlimited() -> Self {
        Self { inner: None }
    }

    /// Tokens left; `u32::MAX` when unlimited.
    pub fn available(&self) -> u32 {
        self.inner
            .as_ref()
            .map_or(u32::MAX, |b| b.tokens.load(Ordering::Acquire))
    }

    /// The initial (and maximum) amount; `u32::MAX` when unlimited.
    pub fn capacity(&self) -> u32 {
        self.inner.as_ref().map_or(u32::MAX, |b| b.capacity)
    }

    /// Whether this is [`RetryBudget::unlimited`].
    pub fn is_unlimited(&self) -> bool {
        self.inner.is_none()
    }

    /// Take `cost` tokens if there are that many; false (and nothing taken)
    /// otherwise.
    #[must_use = "a refused withdrawal means the retry must not happen"]
    pub fn try_withdraw(&self, cost: u32) -> bool {
        let Some(b) = &self.inner else { return true };
        b.tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| t.checked_sub(cost))
            .is_ok()
    }

    /// Give back `amount` tokens, never above the capacity.
    pub fn deposit(&self, amount: u32) {
        let Some(b) = &self.inner else { return };
        // Fast path: a full bucket (the steady state) needs no write at all.
        if b.tokens.load(Ordering::Relaxed) >= b.capacity {
            return;
        }
        let _ = b
            .tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| {
                (t < b.capacity).then(|| t.saturating_add(amount).min(b.capacity))
            });
    }
}

impl Default for RetryBudget {
    /// [`RetryBudget::unlimited`]: the Python module had no budget, so a strategy
    /// has none unless given one.
    fn default() -> Self {
        Self::unlimited()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_budget_drains_and_refills_by_the_sdk_rules() {
        let b = RetryBudget::standard();
        assert_eq!(b.available(), 500);
        assert!(b.try_withdraw(5));
        assert!(b.try_withdraw(10));
        assert_eq!(b.available(), 485);
        b.deposit(1);
        assert_eq!(b.available(), 486);
        let clone = b.clone();
        assert!(clone.try_withdraw(6));
        assert_eq!(b.available(), 480);
    }

    #[test]
    fn refuses_when_short_and_never_overfills() {
        let b = RetryBudget::new(7);
        assert!(b.try_withdraw(5));
        assert!(!b.try_withdraw(5), "2 tokens cannot pay for 5");
        assert_eq!(b.available(), 2);
        b.deposit(100);
        assert_eq!(b.available(), 7);
        let none = RetryBudget::new(0);
        assert!(!none.try_withdraw(5));
    }

    #[test]
    fn v2_1_prices_follow_the_spec() {
        let b = RetryBudget::for_behavior(RetryBehavior::V2_1);
        assert_eq!(b.cost_of(RetryKind::Transient, false), 14);
        assert_eq!(b.cost_of(RetryKind::Transient, true), 14);
        assert_eq!(b.cost_of(RetryKind::Throttling, false), 5);
        assert!(b.try_withdraw(14));
        b.on_success(Some(14));
        assert_eq!(b.available(), 500);
        assert!(b.try_withdraw(14));
        b.on_success(None);
        assert_eq!(b.available(), 487);
        let none = RetryBudget::standard().with_costs(RetryCosts::V2_1.with_first_try_refund(0));
        assert!(none.try_withdraw(14));
        none.on_success(None);
        assert_eq!(none.available(), 486);
        assert_eq!(
            RetryBudget::unlimited().cost_of(RetryKind::Transient, true),
            0
        );
    }

    #[test]
    fn unlimited_always_pays() {
        let b = RetryBudget::unlimited();
        for _ in 0..1000 {
            assert!(b.try_withdraw(10));
        }
        assert_eq!(b.available(), u32::MAX);
    }
}
