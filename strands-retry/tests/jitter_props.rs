//! Every jitter kind stays within its bounds, and caps never decrease with
//! the attempt number, for any configuration the builder accepts.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use std::time::Duration;
use strands_retry::{Jitter, RandomSource, RetryStrategy};

const CASES: u32 = 10_000;

fn jitter() -> impl Strategy<Value = Jitter> {
    prop_oneof![
        Just(Jitter::None),
        Just(Jitter::Full),
        Just(Jitter::Equal),
        Just(Jitter::Decorrelated),
        (0.0f64..=1.0).prop_map(Jitter::Proportional),
    ]
}

/// (base ms, max ms, exponential base) the builder accepts.
fn config() -> impl Strategy<Value = (u64, u64, f64)> {
    (0u64..5_000, 0u64..600_000, 1.0f64..10.0)
        .prop_map(|(base, extra, exp)| (base, base + extra, exp))
}

fn strategy(base: u64, max: u64, exp: f64, jitter: Jitter) -> RetryStrategy {
    builder(base, max, exp, jitter).build().unwrap()
}

fn builder(base: u64, max: u64, exp: f64, jitter: Jitter) -> strands_retry::RetryStrategyBuilder {
    RetryStrategy::builder()
        .base_delay(Duration::from_millis(base))
        .max_delay(Duration::from_millis(max))
        .exponential_base(exp)
        .jitter(jitter)
}

/// The cap before retry `attempt`: the delay with no jitter.
fn cap(base: u64, max: u64, exp: f64, attempt: u32) -> Duration {
    strategy(base, max, exp, Jitter::None).delay_for_attempt(attempt)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn delays_stay_within_the_bounds_of_their_kind(
        (base, max, exp) in config(),
        jitter in jitter(),
        attempt in prop_oneof![0u32..64, Just(u32::MAX), any::<u32>()],
        prev_ms in 0u64..1_000_000,
        u in 0.0f64..1.0,
    ) {
        let s = strategy(base, max, exp, jitter);
        let cap = cap(base, max, exp, attempt);
        prop_assert!(cap <= s.max_delay());
        // The formula, with any previous delay ...
        let prev = Duration::from_millis(prev_ms);
        let d = jitter.apply(cap, prev, s.base_delay(), s.max_delay(), u);
        let (lo, hi) = jitter.bounds(cap, prev, s.base_delay(), s.max_delay());
        prop_assert!(lo <= d && d <= hi, "{jitter:?}: {d:?} outside [{lo:?}, {hi:?}]");
        match jitter {
            Jitter::None => prop_assert_eq!(d, cap),
            Jitter::Full => prop_assert!(d <= cap),
            Jitter::Equal => prop_assert!(d >= cap / 2 && d <= cap),
            Jitter::Decorrelated => prop_assert!(d >= s.base_delay() && d <= s.max_delay()),
            Jitter::Proportional(f) => {
                prop_assert!(d >= cap);
                // cap plus at most f × cap (1 ns of float rounding allowed)
                prop_assert!(d <= cap + cap.mul_f64(f) + Duration::from_nanos(1));
            }
        }
        // ... is the strategy's, given the same sample ...
        let prev = if attempt == 0 { s.base_delay() } else { self::cap(base, max, exp, attempt - 1) };
        let fixed = builder(base, max, exp, jitter).random_source(RandomSource::fixed(u)).build().unwrap();
        prop_assert_eq!(fixed.delay_for_attempt(attempt), jitter.apply(cap, prev, s.base_delay(), s.max_delay(), u));
        // ... and the random path obeys the same bounds.
        let r = s.delay_for_attempt(attempt);
        let (lo, hi) = jitter.bounds(cap, prev, s.base_delay(), s.max_delay());
        prop_assert!(lo <= r && r <= hi, "{jitter:?}: random {r:?} outside [{lo:?}, {hi:?}]");
    }

    #[test]
    fn caps_never_decrease_with_attempt(
        (base, max, exp) in config(),
        a in any::<u32>(),
        b in any::<u32>(),
    ) {
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        prop_assert!(cap(base, max, exp, lo) <= cap(base, max, exp, hi));
    }

    #[test]
    fn apply_never_panics_on_any_input(
        f in any::<f64>(),
        u in any::<f64>(),
        cap in any::<u64>(),
        prev in any::<u64>(),
    ) {
        let cap = Duration::from_nanos(cap);
        let prev = Duration::from_nanos(prev);
        for j in [Jitter::None, Jitter::Full, Jitter::Equal, Jitter::Decorrelated, Jitter::Proportional(f)] {
            let _ = j.apply(cap, prev, Duration::from_millis(1), Duration::from_secs(60), u);
        }
    }
}
