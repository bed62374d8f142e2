//! Time as a value the caller can replace, so tests and simulations run in
//! virtual time and never sleep. Times are offsets from the clock's own
//! epoch (a `Duration`), which fits in one atomic `u64` of nanoseconds.

use std::fmt;
use std::sync::Arc;
#[cfg(any(test, feature = "test-util"))]
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
/// Clones share the same time. Behind the `test-util` feature (as tokio's
/// paused clock is): production code has no reason to stop time.
#[cfg(any(test, feature = "test-util"))]
#[derive(Debug, Clone, Default)]
pub struct ManualClock {
    nanos: Arc<AtomicU64>,
}

#[cfg(any(test, feature = "test-util"))]
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

#[cfg(any(test, feature = "test-util"))]
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
    /// A coarse monotonic clock (Linux's `CLOCK_MONOTONIC_COARSE`: the time
    /// of the last scheduler tick, a few milliseconds behind at worst) for
    /// the breaker. An open breaker reads the clock on every rejection, and
    /// a precise read (~27 ns on a VM) was the whole cost of one; a coarse
    /// read is ~6 ns, and a recovery timeout counted in seconds does not
    /// notice a few milliseconds. Not tokio's clock even with the `tokio`
    /// feature: with test-util that looks up the runtime on every read.
    /// Breaker tests use a ManualClock.
    Coarse(coarsetime::Instant),
    Custom(Arc<dyn Clock>),
}

impl ClockSource {
    pub(crate) fn system() -> Self {
        Self::System(SystemClock::new())
    }

    pub(crate) fn coarse() -> Self {
        Self::Coarse(coarsetime::Instant::now_without_cache_update())
    }

    pub(crate) fn custom(c: impl Clock + 'static) -> Self {
        Self::Custom(Arc::new(c))
    }

    #[inline]
    pub(crate) fn now(&self) -> Duration {
        match self {
            Self::Coarse(_) => Duration::from_nanos(self.now_nanos()),
            Self::System(c) => c.now(),
            Self::Custom(c) => c.now(),
        }
    }

    /// [`now`](Self::now) in nanoseconds, saturating.
    #[inline]
    pub(crate) fn now_nanos(&self) -> u64 {
        match self {
            // No cache update: that would be a shared store on every read.
            Self::Coarse(epoch) => coarsetime::Instant::now_without_cache_update()
                .duration_since(*epoch)
                .as_nanos(),
            Self::System(c) => saturating_nanos(c.now()),
            Self::Custom(c) => saturating_nanos(c.now()),
        }
    }
}
