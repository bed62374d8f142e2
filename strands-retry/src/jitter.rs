//! Jitter spreads retries out in time, so a fleet that failed together does
//! not retry together (Brooker, "Exponential Backoff And Jitter", AWS
//! Architecture Blog, 2015). Full jitter makes the fewest calls against a
//! throttled service, so it is the default; the Python module's own formula is
//! `Proportional(0.1)`.
//!
//! Each kind is a pure function of the capped delay and one uniform sample
//! `u` in `[0, 1)`, so tests and simulations can drive it with a seeded RNG.

use std::time::Duration;

/// How a capped exponential delay `cap` becomes the delay actually slept.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Jitter {
    /// Exactly `cap`: every caller retries in lockstep. Use only alone.
    None,
    /// Uniform in `[0, cap]`: the AWS SDKs' choice and the default.
    #[default]
    Full,
    /// `cap / 2` plus uniform in `[0, cap / 2]`: never retries at once.
    Equal,
    /// `min(max_delay, uniform in [base_delay, 3 × previous delay])`:
    /// each delay grows from the last one actually slept.
    Decorrelated,
    /// `cap` plus uniform in `[0, f × cap]`: the Python module's formula with 0.1.
    /// May exceed `max_delay` by up to `f`.
    Proportional(f64),
}

/// `true` is the default jitter (Full), `false` is none.
impl From<bool> for Jitter {
    fn from(on: bool) -> Self {
        if on { Jitter::Full } else { Jitter::None }
    }
}

impl Jitter {
    /// The delay to sleep for a capped delay `cap`, given the previous
    /// delay slept (for Decorrelated), the strategy's bounds and a uniform
    /// sample `u` in `[0, 1)`.
    pub fn apply(
        self,
        cap: Duration,
        prev: Duration,
        base: Duration,
        max: Duration,
        u: f64,
    ) -> Duration {
        let d = from_ns(self.apply_ns(ns(cap), ns(prev), ns(base), ns(max), u));
        // Float rounding of durations past 2^53 ns (104 days) may land a
        // nanosecond outside; the bounds are exact.
        let (lo, hi) = self.bounds(cap, prev, base, max);
        d.clamp(lo, hi.max(lo))
    }

    /// [`apply`](Self::apply) in nanoseconds as `f64`: the retry loop keeps
    /// its delays in this form, so a retry costs a few float operations and
    /// one conversion to `Duration` (`Duration::try_from_secs_f64` per
    /// step was most of a retry's cost in the bench).
    #[inline]
    pub(crate) fn apply_ns(self, cap: f64, prev: f64, base: f64, max: f64, u: f64) -> f64 {
        let u = if u.is_finite() {
            u.clamp(0.0, 1.0)
        } else {
            0.0
        };
        match self {
            Jitter::None => cap,
            Jitter::Full => cap * u,
            Jitter::Equal => {
                let half = cap / 2.0;
                half + half * u
            }
            Jitter::Decorrelated => {
                let hi = (prev * 3.0).max(base).min(max);
                (base + (hi - base).max(0.0) * u).min(max)
            }
            Jitter::Proportional(f) => cap + cap * fraction(f) * u,
        }
    }

    /// The bounds `[lo, hi]` of [`apply`](Self::apply) for the same inputs.
    pub fn bounds(
        self,
        cap: Duration,
        prev: Duration,
        base: Duration,
        max: Duration,
    ) -> (Duration, Duration) {
        match self {
            Jitter::None => (cap, cap),
            Jitter::Full => (Duration::ZERO, cap),
            Jitter::Equal => (cap / 2, cap),
            Jitter::Decorrelated => (base.min(max), prev.saturating_mul(3).max(base).min(max)),
            Jitter::Proportional(f) => (cap, cap.saturating_add(scale(cap, fraction(f)))),
        }
    }
}

/// `d × f` for `f` in `[0, 1]`, never more than `d`. `Duration::mul_f64`
/// panics when float rounding carries `d × 1.0` past `Duration::MAX`
/// ("cannot convert float seconds to Duration"); this saturates instead.
///
/// In whole nanoseconds when `d` fits a `u64` of them (under 584 years):
/// a float-to-integer cast is one instruction, where
/// `Duration::try_from_secs_f64` was most of a retry's cost in the bench.
#[inline]
pub(crate) fn scale(d: Duration, f: f64) -> Duration {
    match nanos(d) {
        // `as` saturates, and rounding of a large `n as f64` may carry past
        // `n`: `min` keeps it at `d`.
        Some(n) => Duration::from_nanos((n as f64 * f) as u64).min(d),
        None => Duration::try_from_secs_f64(d.as_secs_f64() * f).map_or(d, |v| v.min(d)),
    }
}

/// `d` in nanoseconds, when that fits a `u64`.
#[inline]
fn nanos(d: Duration) -> Option<u64> {
    u64::try_from(d.as_nanos()).ok()
}

/// `d` in nanoseconds as `f64` (exact below 2^53 ns, 104 days).
#[inline]
pub(crate) fn ns(d: Duration) -> f64 {
    d.as_secs() as f64 * 1e9 + f64::from(d.subsec_nanos())
}

/// Nanoseconds as a `Duration`, saturating: negative or NaN is zero, past
/// `Duration::MAX` is `Duration::MAX`.
#[inline]
pub(crate) fn from_ns(x: f64) -> Duration {
    // u64::MAX as f64 (2^64): below it, a cast; above, seconds.
    if x < 18_446_744_073_709_551_615.0 {
        Duration::from_nanos(x as u64)
    } else {
        Duration::try_from_secs_f64(x / 1e9).unwrap_or(Duration::MAX)
    }
}

/// A factor in `[0, 1]`: `Duration::mul_f64` panics on negative or NaN
/// factors, and `apply` is public, so an unvalidated `Proportional` must
/// not reach it. (The builder rejects such values with an error.)
fn fraction(f: f64) -> f64 {
    if f.is_finite() {
        f.clamp(0.0, 1.0)
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hostile review's panic: `Duration::MAX` with Full and
    /// Proportional(1.0), at every sample.
    #[test]
    fn duration_max_never_panics() {
        let m = Duration::MAX;
        for j in [
            Jitter::None,
            Jitter::Full,
            Jitter::Equal,
            Jitter::Decorrelated,
            Jitter::Proportional(1.0),
            Jitter::Proportional(0.1),
        ] {
            for u in [0.0, 0.5, 0.999_999, 1.0, f64::NAN] {
                let d = j.apply(m, m, m, m, u);
                let (lo, hi) = j.bounds(m, m, m, m);
                assert!(
                    lo <= d && d <= hi,
                    "{j:?} {u}: {d:?} not in [{lo:?}, {hi:?}]"
                );
            }
        }
    }
}
