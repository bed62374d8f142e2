//! Jitter needs a fast uniform sample, not a cryptographic one: a
//! per-thread `SmallRng` (xoshiro256++) seeded once from the OS-backed
//! `ThreadRng`. Not for secrets; only for spreading retries in time.

use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};
use std::cell::RefCell;

thread_local! {
    static RNG: RefCell<SmallRng> = RefCell::new(SmallRng::from_rng(&mut rand::rng()));
}

/// A uniform sample in `[0, 1)`.
#[inline]
pub(crate) fn unit() -> f64 {
    RNG.with(|r| r.borrow_mut().random::<f64>())
}
