//! The strategy's own unit tests: defaults, presets, invalid values.

use super::*;
use crate::error::ConfigError;

#[test]
fn defaults_are_the_python_modules() {
    let s = RetryStrategy::default();
    assert_eq!(s.max_retries(), 5);
    assert_eq!(s.base_delay(), Duration::from_secs(1));
    assert_eq!(s.max_delay(), Duration::from_secs(60));
    assert_eq!(s.exponential_base(), 2.0);
    assert_eq!(s.jitter(), Jitter::Full);
    assert!(s.budget().is_unlimited());
}

#[test]
fn caps_follow_the_python_modules_table_and_saturate() {
    let s = RetryStrategy::builder().jitter(false).build().unwrap();
    let secs: Vec<u64> = (0..8).map(|n| s.delay_for_attempt(n).as_secs()).collect();
    assert_eq!(secs, [1, 2, 4, 8, 16, 32, 60, 60]);
    assert_eq!(s.delay_for_attempt(u32::MAX), Duration::from_secs(60));
}

#[test]
fn invalid_values_are_errors() {
    let b = || RetryStrategy::builder();
    assert!(matches!(
        b().base_delay(Duration::from_secs(61)).build(),
        Err(ConfigError::BaseDelayExceedsMax { .. })
    ));
    for e in [0.5, f64::NAN, f64::INFINITY, -2.0] {
        assert!(matches!(
            b().exponential_base(e).build(),
            Err(ConfigError::InvalidExponentialBase { .. })
        ));
    }
    for f in [-0.1, 1.5, f64::NAN] {
        assert!(matches!(
            b().jitter(Jitter::Proportional(f)).build(),
            Err(ConfigError::InvalidJitter { .. })
        ));
    }
    assert!(b().exponential_base(1.0).build().is_ok());
}

#[test]
fn new_knobs_are_checked() {
    let b = || RetryStrategy::aws_standard(RetryBehavior::V2_1);
    assert!(matches!(
        b().transient_base_delay(Duration::from_secs(30)).build(),
        Err(ConfigError::BaseDelayExceedsMax { .. })
    ));
    for u in [-0.1, 1.01, f64::NAN] {
        assert!(matches!(
            b().random_source(RandomSource::fixed(u)).build(),
            Err(ConfigError::InvalidRandomSample { .. })
        ));
    }
    // A preset's base is clamped to a lower cap; the user's own is not.
    let s = b().max_delay(Duration::from_millis(200)).build().unwrap();
    assert_eq!(s.base_delay(), Duration::from_millis(200));
    assert!(
        b().max_delay(Duration::from_millis(200))
            .base_delay(Duration::from_secs(1))
            .build()
            .is_err()
    );
}

#[test]
fn aws_presets_are_the_sdks() {
    let s = RetryStrategy::aws_standard(RetryBehavior::V2_1)
        .build()
        .unwrap();
    assert_eq!(s.max_retries(), 2);
    assert_eq!(s.base_delay(), Duration::from_secs(1));
    assert_eq!(s.transient_base_delay(), Duration::from_millis(50));
    assert_eq!(s.max_delay(), Duration::from_secs(20));
    assert_eq!(s.budget().available(), 500);
    assert_eq!(s.budget().cost_of(RetryKind::Transient, false), 14);
    let d = RetryStrategy::aws_service_standard("dynamodb", RetryBehavior::V2_1)
        .build()
        .unwrap();
    assert_eq!(d.max_retries(), 3);
    assert_eq!(d.transient_base_delay(), Duration::from_millis(25));
    let old = RetryStrategy::aws_service_standard("dynamodb", RetryBehavior::V2_0)
        .build()
        .unwrap();
    assert_eq!(old.max_retries(), 2);
    assert_eq!(old.transient_base_delay(), Duration::from_secs(1));
    // The default follows the SDKs' default behavior (2.1 since
    // 2026-11-10; it was 2.0 before), but keeps the 1 s base for every
    // kind: the environment changes rules, not the user's numbers.
    let def = RetryStrategy::default();
    assert_eq!(def.behavior(), RetryBehavior::from_env());
    if std::env::var_os("AWS_NEW_RETRIES_2026").is_none() {
        assert_eq!(def.behavior(), RetryBehavior::V2_1);
    }
    assert_eq!(def.transient_base_delay(), Duration::from_secs(1));
    assert_eq!(def.base_delay(), Duration::from_secs(1));
    // Chosen in code, 2.1 brings its 50 ms transient base; 2.0 is one line.
    let chosen = RetryStrategy::builder()
        .behavior(RetryBehavior::V2_1)
        .build()
        .unwrap();
    assert_eq!(chosen.transient_base_delay(), Duration::from_millis(50));
    let old = RetryStrategy::builder()
        .behavior(RetryBehavior::V2_0)
        .build()
        .unwrap();
    assert_eq!(old.behavior(), RetryBehavior::V2_0);
}
