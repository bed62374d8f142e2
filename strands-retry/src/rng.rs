//! Jitter needs a fast uniform sample, not a cryptographic one: a
//! per-thread `SmallRng` (xoshiro256++) seeded once from the OS-backed
//! `ThreadRng`. Not for secrets; only for spreading retries in time.
//!
//! [`RandomSource`] is the public knob over it: the spec's test cases fix
//! the random factor at 1 (`exponential_base: 1` in their YAML), and a
//! simulation wants a seeded, reproducible stream. Both are ways a user
//! may want to run the real loop, so they are a builder knob, not a
//! test-only hook.

use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};
use std::cell::RefCell;
use std::fmt;
use std::sync::{Arc, Mutex};

thread_local! {
    static RNG: RefCell<SmallRng> = RefCell::new(SmallRng::from_rng(&mut rand::rng()));
}

/// A uniform sample in `[0, 1)`.
#[inline]
pub(crate) fn unit() -> f64 {
    RNG.with(|r| r.borrow_mut().random::<f64>())
}

/// Where a strategy's jitter draws its uniform samples in `[0, 1]`.
#[derive(Clone, Default)]
pub struct RandomSource(Source);

#[derive(Clone, Default)]
enum Source {
    #[default]
    Thread,
    Fixed(f64),
    Seeded(Arc<Mutex<SmallRng>>),
}

impl RandomSource {
    /// A fast per-thread generator seeded from the OS (the default).
    pub fn thread_local() -> Self {
        Self(Source::Thread)
    }

    /// Always `u`. `fixed(1.0)` is the spec's "random factor of 1": Full
    /// jitter then sleeps exactly the capped delay. `build` rejects values
    /// outside `[0, 1]` (`strands::configuration::invalid_random_sample`).
    pub fn fixed(u: f64) -> Self {
        Self(Source::Fixed(u))
    }

    /// A reproducible stream from `seed`, shared by clones (one lock per
    /// sample, taken only on a retry).
    pub fn seeded(seed: u64) -> Self {
        Self(Source::Seeded(Arc::new(Mutex::new(
            SmallRng::seed_from_u64(seed),
        ))))
    }

    /// The next sample.
    #[inline]
    pub fn sample(&self) -> f64 {
        match &self.0 {
            Source::Thread => unit(),
            Source::Fixed(u) => *u,
            Source::Seeded(rng) => rng
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .random::<f64>(),
        }
    }

    /// Whether this is the default per-thread generator.
    pub fn is_thread_local(&self) -> bool {
        matches!(self.0, Source::Thread)
    }

    /// The fixed value, if this is [`fixed`](Self::fixed).
    pub(crate) fn fixed_value(&self) -> Option<f64> {
        match self.0 {
            Source::Fixed(u) => Some(u),
            _ => None,
        }
    }
}

impl fmt::Debug for RandomSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Source::Thread => f.write_str("RandomSource::thread_local()"),
            Source::Fixed(u) => write!(f, "RandomSource::fixed({u})"),
            Source::Seeded(_) => f.write_str("RandomSource::seeded(..)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_streams_repeat_and_fixed_is_fixed() {
        let a = RandomSource::seeded(7);
        let b = RandomSource::seeded(7);
        let xs: Vec<f64> = (0..5).map(|_| a.sample()).collect();
        let ys: Vec<f64> = (0..5).map(|_| b.sample()).collect();
        assert_eq!(xs, ys);
        assert!(xs.iter().all(|x| (0.0..1.0).contains(x)));
        assert_eq!(RandomSource::fixed(1.0).sample(), 1.0);
        let t = RandomSource::thread_local().sample();
        assert!((0.0..1.0).contains(&t));
    }
}
