//! Time as a value the caller can replace, so tests and simulations run in
//! virtual time and never sleep. Times are offsets from the clock's own
//! epoch (a `Duration`), which fits in one atomic `u64` of nanoseconds.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// With the `tokio` feature the system clock is tokio's `Instant`: the same
/// `std::time::Instant` in production, and the paused virtual time in tests
/// that pause it (`#[tokio::test(start_paused = true)]`), so deadlines and
/// breaker recovery follow the same clock as the sleeps.
#[cfg(feature = "tokio")]
type Instant = tokio::time::Instant;
#[cfg(not(feature = "tokio"))]
type Instant = std::time::Instant;

/// A monotonic clock.
pub trait Clock: Send + Sync + fmt::Debug {
    /// Time elapsed since this clock's epoch.
    fn now(&self) -> Duration;
}

/// The real monotonic clock (tokio's `Instant` with the `tokio` feature,
/// `std::time::Instant` without).
#[derive(Debug, Clone, Copy)]
pub struct SystemClock {
    epoch: Instant,
}

impl SystemClock {
    /// A clock whose epoch is now.
    pub fn new() -> Self {
        Self {
            epoch: Instant::now(),
        }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for SystemClock {
    #[inline]
    fn now(&self) -> Duration {
        self.epoch.elapsed()
    }
}

/// A clock that moves only when told to: for tests and simulations.
/// Clones share the same time.
#[derive(Debug, Clone, Default)]
pub struct ManualClock {
    nanos: Arc<AtomicU64>,
}

impl ManualClock {
    /// A clock at time zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// Move time forward.
    pub fn advance(&self, by: Duration) {
        self.nanos.fetch_add(saturating_nanos(by), Ordering::AcqRel);
    }

    /// Set the time (it may move backwards: tests only).
    pub fn set(&self, to: Duration) {
        self.nanos.store(saturating_nanos(to), Ordering::Release);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Duration {
        Duration::from_nanos(self.nanos.load(Ordering::Acquire))
    }
}

pub(crate) fn saturating_nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// The clock a strategy or breaker reads: the system clock without a
/// virtual call, or any [`Clock`].
#[derive(Debug, Clone)]
pub(crate) enum ClockSource {
    System(SystemClock),
    /// `std::time::Instant` even with the `tokio` feature: tokio's clock
    /// with test-util looks up the runtime on every read, which a breaker's
    /// rejection path should not pay for. Breaker tests use a ManualClock.
    Std(std::time::Instant),
    Custom(Arc<dyn Clock>),
}

impl ClockSource {
    pub(crate) fn system() -> Self {
        Self::System(SystemClock::new())
    }

    pub(crate) fn std() -> Self {
        Self::Std(std::time::Instant::now())
    }

    pub(crate) fn custom(c: impl Clock + 'static) -> Self {
        Self::Custom(Arc::new(c))
    }

    #[inline]
    pub(crate) fn now(&self) -> Duration {
        match self {
            Self::System(c) => c.now(),
            Self::Std(epoch) => epoch.elapsed(),
            Self::Custom(c) => c.now(),
        }
    }
}
