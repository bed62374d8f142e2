//! Proactive rate limiting (the Python module's sixth future enhancement): after the
//! service throttles us, slow every send down, then probe back up. This is
//! the AWS SDKs' adaptive retry mode: a token bucket whose fill rate follows
//! CUBIC (the TCP congestion algorithm): on a throttle the rate drops to
//! `β = 0.7` of what we measured, then grows back as
//! `rate(t) = C·(t − K)³ + W_max` with `C = 0.4` and `K = ∛(W_max·(1−β)/C)`,
//! never above twice the measured send rate. The measured rate is smoothed
//! (`0.8`) over half-second buckets; the fill rate never drops below 0.5/s.
//!
//! Opt-in: until the first throttle the limiter lets everything through,
//! and a strategy without one never touches it.
//!
//! Its initial state is the spec's: a measured rate of 0 (smithy-rs'
//! `ClientRateLimiter::new` starts it at 0.5, which puts every later
//! measured and fill rate of the spec's end-to-end vector off), the
//! current time as the last throttle. `tests/spec_conformance.rs` walks the
//! spec's cubic and end-to-end vectors through this public API.

use crate::clock::{Clock, ClockSource};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

const MIN_FILL_RATE: f64 = 0.5;
const MIN_CAPACITY: f64 = 1.0;
const SMOOTH: f64 = 0.8;
const BETA: f64 = 0.7;
const SCALE_CONSTANT: f64 = 0.4;
const INITIAL_REQUEST_COST: f64 = 1.0;
const RETRY_COST: f64 = 5.0;
const RETRY_TIMEOUT_COST: f64 = 10.0;

/// Why a request is about to be sent: its cost in the limiter's bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SendReason {
    /// A first attempt (1 token).
    Initial,
    /// A retry (5 tokens).
    Retry,
    /// A retry after throttling (10 tokens, as the SDK charges).
    RetryAfterThrottle,
}

/// The adaptive client-side rate limiter. Clones share their state; give
/// one to every strategy that talks to the same service.
#[derive(Debug, Clone)]
pub struct AdaptiveRateLimiter {
    state: Arc<Mutex<State>>,
    clock: ClockSource,
}

#[derive(Debug)]
struct State {
    fill_rate: f64,
    max_capacity: f64,
    current_capacity: f64,
    last_timestamp: Option<f64>,
    enabled: bool,
    measured_tx_rate: f64,
    last_tx_rate_bucket: f64,
    request_count: u64,
    cubic: Cubic,
}

/// The CUBIC curve an adaptive limiter's rate follows between throttles
/// (times in seconds on any clock).
///
/// Public so a simulation or a conformance test can drive the very
/// function the limiter uses.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cubic {
    /// The rate (requests per second) the last throttle cut.
    pub last_max_rate: f64,
    /// When the last throttle came.
    pub last_throttle: f64,
}

impl Cubic {
    /// `K = ∛(W_max·(1−β)/C)`: how long after a throttle the curve is back
    /// at `last_max_rate`.
    pub fn time_window(&self) -> f64 {
        ((self.last_max_rate * (1.0 - BETA)) / SCALE_CONSTANT).cbrt()
    }

    /// The rate at `now` after a success: `C·(now − last_throttle − K)³ + W_max`.
    pub fn success(&self, now: f64) -> f64 {
        let dt = now - self.last_throttle - self.time_window();
        SCALE_CONSTANT * dt.powi(3) + self.last_max_rate
    }

    /// A throttle at `now` while sending at `rate`: `rate` becomes the
    /// maximum (recorded before the cut, as the spec and production SDKs
    /// do) and the new rate is `β·rate`.
    pub fn throttle(&mut self, rate: f64, now: f64) -> f64 {
        self.last_max_rate = rate;
        self.last_throttle = now;
        rate * BETA
    }
}

impl Default for AdaptiveRateLimiter {
    fn default() -> Self {
        Self::new()
    }
}

impl AdaptiveRateLimiter {
    /// A limiter on the system clock, letting everything through until the
    /// first throttle.
    pub fn new() -> Self {
        Self::on(ClockSource::system())
    }

    /// A limiter on `clock` (virtual time for tests and simulations).
    pub fn with_clock(clock: impl Clock + 'static) -> Self {
        Self::on(ClockSource::custom(clock))
    }

    fn on(clock: ClockSource) -> Self {
        let now = clock.now().as_secs_f64();
        Self {
            state: Arc::new(Mutex::new(State {
                fill_rate: 0.0,
                max_capacity: f64::MAX,
                current_capacity: 0.0,
                last_timestamp: None,
                enabled: false,
                measured_tx_rate: 0.0,
                last_tx_rate_bucket: now.floor(),
                request_count: 0,
                cubic: Cubic {
                    last_max_rate: 0.0,
                    last_throttle: now,
                },
            })),
            clock,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves numbers, not broken
        // invariants: keep using them.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Ask to send: `None` to send now, `Some(d)` to wait `d` first. The
    /// tokens are taken either way (the bucket may go negative), as in the
    /// SDK, so callers that wait queue up fairly.
    pub(crate) fn acquire(&self, reason: SendReason) -> Option<Duration> {
        let now = self.clock.now().as_secs_f64();
        let mut s = self.lock();
        if !s.enabled {
            return None;
        }
        let amount = match reason {
            SendReason::Initial => INITIAL_REQUEST_COST,
            SendReason::Retry => RETRY_COST,
            SendReason::RetryAfterThrottle => RETRY_TIMEOUT_COST,
        };
        s.refill(now);
        let wait = (amount > s.current_capacity)
            .then(|| Duration::try_from_secs_f64((amount - s.current_capacity) / s.fill_rate).ok())
            .flatten();
        s.current_capacity -= amount;
        wait
    }

    /// Tell the limiter how a send ended: throttled or not.
    pub fn record(&self, throttled: bool) {
        let now = self.clock.now().as_secs_f64();
        let mut s = self.lock();
        s.update_measured_rate(now);
        let calculated = if throttled {
            let rate = if s.enabled {
                s.measured_tx_rate.min(s.fill_rate)
            } else {
                s.measured_tx_rate
            };
            s.enabled = true;
            s.cubic.throttle(rate, now)
        } else {
            s.cubic.success(now)
        };
        let new_rate = calculated.min(2.0 * s.measured_tx_rate);
        s.set_fill_rate(now, new_rate);
    }

    /// The current send rate allowed (requests per second), or `None` while
    /// no throttle has been seen.
    pub fn fill_rate(&self) -> Option<f64> {
        let s = self.lock();
        s.enabled.then_some(s.fill_rate)
    }

    /// The token bucket's fill rate, whether or not pacing has started (the
    /// spec's vectors record it from the first response: 0.5, its floor,
    /// until CUBIC grows past it).
    pub fn bucket_fill_rate(&self) -> f64 {
        self.lock().fill_rate.max(MIN_FILL_RATE)
    }

    /// The CUBIC state: the last maximum rate and throttle time.
    pub fn cubic(&self) -> Cubic {
        self.lock().cubic
    }

    /// The smoothed rate at which we have been sending.
    pub fn measured_rate(&self) -> f64 {
        self.lock().measured_tx_rate
    }
}

impl State {
    fn refill(&mut self, now: f64) {
        if let Some(last) = self.last_timestamp {
            let fill = (now - last).max(0.0) * self.fill_rate;
            self.current_capacity = self.max_capacity.min(self.current_capacity + fill);
        }
        self.last_timestamp = Some(now);
    }

    fn set_fill_rate(&mut self, now: f64, rate: f64) {
        self.refill(now);
        self.fill_rate = rate.max(MIN_FILL_RATE);
        self.max_capacity = rate.max(MIN_CAPACITY);
        self.current_capacity = self.current_capacity.min(self.max_capacity);
    }

    fn update_measured_rate(&mut self, now: f64) {
        let bucket = (now * 2.0).floor() / 2.0;
        self.request_count += 1;
        if bucket > self.last_tx_rate_bucket {
            let rate = self.request_count as f64 / (bucket - self.last_tx_rate_bucket);
            self.measured_tx_rate = rate * SMOOTH + self.measured_tx_rate * (1.0 - SMOOTH);
            self.request_count = 0;
            self.last_tx_rate_bucket = bucket;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ManualClock;

    fn state(last_max_rate: f64, last_throttle: f64) -> Cubic {
        Cubic {
            last_max_rate,
            last_throttle,
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9 * b.abs().max(1.0)
    }

    /// The SDKs' shared test vector (aws-sdk-go-v2, ported to smithy-rs).
    #[test]
    fn cubic_success_matches_the_sdk_vector() {
        let s = state(10.0, 5.0);
        for (t, want) in [
            (5.0, 7.0),
            (6.0, 9.64893600966),
            (7.0, 10.000030849917364),
            (8.0, 10.453284520772092),
            (9.0, 13.408697022224185),
            (10.0, 21.26626835427364),
            (11.0, 36.425998516920465),
        ] {
            let got = s.success(t);
            assert!(close(got, want), "t={t}: {got} != {want}");
        }
    }

    #[test]
    fn beta_decrease_on_throttle() {
        assert!(close(10.0 * BETA, 7.0));
    }

    #[test]
    fn off_until_the_first_throttle_then_slows_and_recovers() {
        let clock = ManualClock::new();
        let rl = AdaptiveRateLimiter::with_clock(clock.clone());
        for _ in 0..100 {
            assert_eq!(rl.acquire(SendReason::Initial), None);
            rl.record(false);
        }
        assert_eq!(rl.fill_rate(), None);
        // Send 20/s for a few seconds, then get throttled.
        for _ in 0..60 {
            clock.advance(Duration::from_millis(50));
            rl.record(false);
        }
        rl.record(true);
        let after_throttle = rl.fill_rate().unwrap();
        assert!(after_throttle < rl.measured_rate(), "{after_throttle}");
        // Sends are now paced: a burst has to wait.
        let waits = (0..20)
            .filter_map(|_| rl.acquire(SendReason::Initial))
            .count();
        assert!(waits > 10, "only {waits} of 20 burst sends were delayed");
        // Successes over time raise the rate again (CUBIC growth).
        for _ in 0..200 {
            clock.advance(Duration::from_millis(50));
            rl.record(false);
        }
        assert!(rl.fill_rate().unwrap() > after_throttle);
    }
}
