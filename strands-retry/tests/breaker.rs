//! The circuit breaker's state machine, in virtual time (nothing sleeps),
//! and once on the default (coarse) clock in real time.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::time::Duration;
use strands_retry::{
    CircuitBreaker, CircuitError, CircuitState, ConfigError, ManualClock, RetryKind, Retryable,
};

#[derive(Debug)]
struct E(RetryKind);
impl std::fmt::Display for E {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}
impl std::error::Error for E {}
impl Retryable for E {
    fn retry_kind(&self) -> RetryKind {
        self.0
    }
}

const RECOVERY: Duration = Duration::from_secs(60);

fn breaker(clock: &ManualClock, threshold: u32, trials: u32) -> CircuitBreaker {
    CircuitBreaker::builder()
        .failure_threshold(threshold)
        .recovery_timeout(RECOVERY)
        .half_open_max_calls(trials)
        .clock(clock.clone())
        .build()
        .unwrap()
}

fn fail(b: &CircuitBreaker) -> Result<(), CircuitError<E>> {
    b.call_blocking(|| Err::<(), _>(E(RetryKind::Transient)))
}

fn ok(b: &CircuitBreaker) -> Result<u32, CircuitError<E>> {
    b.call_blocking(|| Ok::<_, E>(7))
}

#[test]
fn opens_after_threshold_consecutive_failures_and_rejects_without_calling() {
    let clock = ManualClock::new();
    let b = breaker(&clock, 3, 1);
    fail(&b).unwrap_err();
    fail(&b).unwrap_err();
    ok(&b).unwrap(); // a success resets the count: failures must be consecutive
    fail(&b).unwrap_err();
    fail(&b).unwrap_err();
    assert_eq!(b.state(), CircuitState::Closed);
    fail(&b).unwrap_err();
    assert_eq!(b.state(), CircuitState::Open);
    let called = AtomicUsize::new(0);
    let r = b.call_blocking(|| {
        called.fetch_add(1, Ordering::Relaxed);
        Ok::<_, E>(())
    });
    assert_eq!(called.load(Ordering::Relaxed), 0);
    match r {
        Err(CircuitError::Open { retry_after }) => assert_eq!(retry_after, RECOVERY),
        other => panic!("expected Open, got {other:?}"),
    }
    clock.advance(Duration::from_secs(45));
    match fail(&b) {
        Err(CircuitError::Open { retry_after }) => assert_eq!(retry_after, Duration::from_secs(15)),
        other => panic!("expected Open, got {other:?}"),
    }
}

#[test]
fn permanent_errors_do_not_trip_it() {
    let clock = ManualClock::new();
    let b = breaker(&clock, 2, 1);
    for _ in 0..10 {
        let r = b.call_blocking(|| Err::<(), _>(E(RetryKind::Permanent)));
        assert!(matches!(
            r,
            Err(CircuitError::Inner(E(RetryKind::Permanent)))
        ));
    }
    assert_eq!(b.state(), CircuitState::Closed);
    // ... unless the caller's predicate says they count.
    for _ in 0..2 {
        let _ = b.call_blocking_with(|_: &E| true, || Err::<(), _>(E(RetryKind::Permanent)));
    }
    assert_eq!(b.state(), CircuitState::Open);
}

#[test]
fn half_open_trial_success_closes_failure_reopens() {
    let clock = ManualClock::new();
    let b = breaker(&clock, 1, 1);
    fail(&b).unwrap_err();
    assert_eq!(b.state(), CircuitState::Open);
    clock.advance(RECOVERY);
    assert_eq!(b.state(), CircuitState::HalfOpen);
    fail(&b).unwrap_err(); // the trial fails: open again, for a full period
    assert_eq!(b.state(), CircuitState::Open);
    clock.advance(RECOVERY - Duration::from_secs(1));
    assert!(ok(&b).unwrap_err().is_open());
    clock.advance(Duration::from_secs(1));
    assert_eq!(ok(&b).unwrap(), 7); // the trial succeeds: closed
    assert_eq!(b.state(), CircuitState::Closed);
    assert_eq!(ok(&b).unwrap(), 7);
}

/// `threads` threads race one call each into a half-open breaker allowing
/// `trials`; admitted calls park until every thread was admitted or
/// rejected, so no trial can decide the state early.
fn race(threads: usize, trials: u32) {
    let clock = ManualClock::new();
    let b = breaker(&clock, 1, trials);
    fail(&b).unwrap_err();
    clock.advance(RECOVERY);
    let admitted = Arc::new(AtomicUsize::new(0));
    let rejected = Arc::new(AtomicUsize::new(0));
    let gate = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let start = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (b, admitted, rejected, gate, start) = (
                b.clone(),
                admitted.clone(),
                rejected.clone(),
                gate.clone(),
                start.clone(),
            );
            std::thread::spawn(move || {
                start.wait();
                let r = b.call_blocking(|| {
                    admitted.fetch_add(1, Ordering::SeqCst);
                    while !gate.load(Ordering::SeqCst) {
                        std::thread::yield_now();
                    }
                    Ok::<_, E>(())
                });
                if matches!(r, Err(CircuitError::Open { .. })) {
                    rejected.fetch_add(1, Ordering::SeqCst);
                }
                r.is_ok()
            })
        })
        .collect();
    while admitted.load(Ordering::SeqCst) + rejected.load(Ordering::SeqCst) < threads {
        std::thread::yield_now();
    }
    assert_eq!(admitted.load(Ordering::SeqCst), trials as usize);
    assert_eq!(rejected.load(Ordering::SeqCst), threads - trials as usize);
    gate.store(true, Ordering::SeqCst);
    let ok = handles
        .into_iter()
        .map(|h| h.join().unwrap())
        .filter(|ok| *ok)
        .count();
    assert_eq!(ok, trials as usize);
    assert_eq!(b.state(), CircuitState::Closed);
}

#[test]
fn half_open_admits_exactly_one_with_two_threads_racing() {
    for _ in 0..300 {
        race(2, 1);
    }
}

#[test]
fn half_open_admits_exactly_n_of_many_racing_threads() {
    for _ in 0..50 {
        race(8, 3);
    }
}

#[tokio::test]
async fn a_cancelled_trial_gives_its_permit_back() {
    let clock = ManualClock::new();
    let b = breaker(&clock, 1, 1);
    fail(&b).unwrap_err();
    clock.advance(RECOVERY);
    {
        // Start a trial and drop it before it completes.
        let fut = b.call(std::future::pending::<Result<(), E>>);
        let mut fut = Box::pin(fut);
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        assert!(fut.as_mut().poll(&mut cx).is_pending());
    }
    // The permit came back: the next call is admitted as the trial.
    let r = b.call(|| async { Ok::<_, E>(1) }).await;
    assert_eq!(r.unwrap(), 1);
    assert_eq!(b.state(), CircuitState::Closed);
}

#[test]
fn state_changes_reach_the_callback() {
    let clock = ManualClock::new();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let b = {
        let seen = seen.clone();
        CircuitBreaker::builder()
            .failure_threshold(1)
            .recovery_timeout(RECOVERY)
            .clock(clock.clone())
            .on_state_change(move |from, to| seen.lock().unwrap().push((from, to)))
            .build()
            .unwrap()
    };
    fail(&b).unwrap_err();
    clock.advance(RECOVERY);
    ok(&b).unwrap();
    use CircuitState::*;
    assert_eq!(
        *seen.lock().unwrap(),
        [(Closed, Open), (Open, HalfOpen), (HalfOpen, Closed)]
    );
}

#[test]
fn recovery_jitter_spreads_reopen_times_within_bounds() {
    let mut waits = Vec::new();
    for _ in 0..200 {
        let clock = ManualClock::new();
        let b = CircuitBreaker::builder()
            .failure_threshold(1)
            .recovery_timeout(RECOVERY)
            .recovery_jitter(0.5)
            .clock(clock)
            .build()
            .unwrap();
        fail(&b).unwrap_err();
        match ok(&b) {
            Err(CircuitError::Open { retry_after }) => waits.push(retry_after),
            other => panic!("{other:?}"),
        }
    }
    assert!(
        waits
            .iter()
            .all(|w| *w >= RECOVERY && *w <= RECOVERY.mul_f64(1.5))
    );
    let distinct: std::collections::HashSet<_> = waits.iter().collect();
    assert!(distinct.len() > 100, "recovery times are not spread out");
}

#[test]
fn bad_configuration_is_an_error_and_new_treats_zero_as_one() {
    assert_eq!(
        CircuitBreaker::builder()
            .failure_threshold(0)
            .build()
            .unwrap_err(),
        ConfigError::InvalidFailureThreshold
    );
    assert_eq!(
        CircuitBreaker::builder()
            .half_open_max_calls(0)
            .build()
            .unwrap_err(),
        ConfigError::InvalidHalfOpenCalls
    );
    assert!(
        CircuitBreaker::builder()
            .recovery_jitter(2.0)
            .build()
            .is_err()
    );
    let b = CircuitBreaker::new(0, RECOVERY);
    fail(&b).unwrap_err();
    assert_eq!(b.state(), CircuitState::Open);
}

#[test]
fn an_open_rejection_is_a_transient_error_with_a_hint() {
    let clock = ManualClock::new();
    let b = breaker(&clock, 1, 1);
    fail(&b).unwrap_err();
    let e = ok(&b).unwrap_err();
    assert_eq!(e.retry_kind(), RetryKind::Transient);
    assert_eq!(e.retry_after(), Some(RECOVERY));
    let code = miette::Diagnostic::code(&e).unwrap().to_string();
    assert_eq!(code, "strands::network::circuit_open");
}

/// The owned permit (for SDK interceptors) follows the same state machine
/// as `call`, and an unrecorded trial permit goes back.
#[test]
fn owned_permits_drive_the_same_state_machine() {
    let clock = ManualClock::new();
    let b = breaker(&clock, 2, 1);
    b.try_acquire().unwrap().failure();
    b.try_acquire().unwrap().success(); // resets: failures must be consecutive
    b.try_acquire().unwrap().failure();
    assert_eq!(b.state(), CircuitState::Closed);
    b.try_acquire().unwrap().failure();
    assert_eq!(b.state(), CircuitState::Open);
    match b.try_acquire() {
        Err(CircuitError::Open { retry_after }) => assert!(retry_after <= RECOVERY),
        other => panic!("expected Open, got {other:?}"),
    }
    clock.advance(RECOVERY * 2);
    let trial = b.try_acquire().unwrap();
    assert_eq!(b.state(), CircuitState::HalfOpen);
    assert!(b.try_acquire().is_err(), "one trial at a time");
    drop(trial); // abandoned: the slot goes back, the state stays
    assert_eq!(b.state(), CircuitState::HalfOpen);
    b.try_acquire().unwrap().success();
    assert_eq!(b.state(), CircuitState::Closed);
}

/// The default clock is a coarse one (a tick behind at worst): the open
/// period still ends on time, give or take that tick, and the hint an open
/// breaker gives never exceeds the recovery timeout.
#[test]
fn the_default_coarse_clock_opens_and_recovers_in_real_time() {
    let recovery = Duration::from_millis(200);
    let b = CircuitBreaker::builder()
        .failure_threshold(1)
        .recovery_timeout(recovery)
        .recovery_jitter(0.0)
        .build()
        .unwrap();
    let opened = std::time::Instant::now();
    let _ = fail(&b);
    match ok(&b) {
        Err(CircuitError::Open { retry_after }) => {
            assert!(retry_after <= recovery, "{retry_after:?}");
            // A coarse tick is a few milliseconds (4 ms at HZ=250).
            assert!(
                retry_after + Duration::from_millis(50)
                    >= recovery.saturating_sub(opened.elapsed()),
                "{retry_after:?}"
            );
        }
        other => panic!("expected an open rejection, got {other:?}"),
    }
    if opened.elapsed() < recovery / 2 {
        // (Skipped only if this thread stalled for 100 ms.)
        assert_eq!(b.state(), CircuitState::Open);
    }
    std::thread::sleep((recovery + Duration::from_millis(50)).saturating_sub(opened.elapsed()));
    assert_eq!(b.state(), CircuitState::HalfOpen, "recovery plus 50 ms");
    assert_eq!(ok(&b).unwrap(), 7);
    assert_eq!(b.state(), CircuitState::Closed);
}

/// From the hostile review: a half-open breaker rejects with
/// `retry_after: 0` while its trials are in flight; that must send a
/// retrying caller back to its own backoff, not into an instant retry.
#[test]
fn a_half_open_rejection_leaves_the_delay_to_the_backoff() {
    let open = CircuitError::<E>::Open {
        retry_after: Duration::ZERO,
    };
    assert_eq!(open.retry_after(), None);
    let waiting = CircuitError::<E>::Open {
        retry_after: Duration::from_secs(3),
    };
    assert_eq!(waiting.retry_after(), Some(Duration::from_secs(3)));

    let delays = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = Arc::clone(&delays);
    let s = strands_retry::RetryStrategy::builder()
        .max_retries(1)
        .base_delay(Duration::from_millis(20))
        .jitter(strands_retry::Jitter::None)
        .notify(move |ev| seen.lock().unwrap().push(ev.delay))
        .build()
        .unwrap();
    let calls = AtomicUsize::new(0);
    let out: Result<(), CircuitError<E>> = s.execute_with_retry_blocking(|| {
        if calls.fetch_add(1, Ordering::Relaxed) == 0 {
            Err(CircuitError::Open {
                retry_after: Duration::ZERO,
            })
        } else {
            Ok(())
        }
    });
    out.unwrap();
    assert_eq!(*delays.lock().unwrap(), [Duration::from_millis(20)]);
}

/// Trials of one half-open round that fail at the same moment: the round
/// opens once and counts once, so each round doubles the open period once.
/// (A count taken before the deciding compare-and-swap doubled it once per
/// trial that lost the race.) Four threads finish their trials together,
/// round after round; every open period must be exactly twice the last.
#[test]
fn concurrent_failed_trials_of_one_round_double_the_open_period_once() {
    const TRIALS: usize = 4;
    let clock = ManualClock::new();
    let b = CircuitBreaker::builder()
        .failure_threshold(1)
        .half_open_max_calls(TRIALS as u32)
        .recovery_timeout(Duration::from_millis(1))
        .max_recovery_timeout(Duration::from_secs(1 << 20))
        .recovery_jitter(0.0)
        .clock(clock.clone())
        .build()
        .unwrap();
    let open_for = |b: &CircuitBreaker| match b.try_acquire() {
        Err(CircuitError::Open { retry_after }) => retry_after,
        Err(CircuitError::Inner(never)) => match never {},
        Ok(_) => panic!("not open"),
    };
    let barrier = std::sync::Barrier::new(TRIALS);
    for _ in 0..60 {
        // Closed, then open for the base period.
        b.try_acquire().unwrap().record(true);
        let mut expected = Duration::from_millis(1);
        for round in 0..6 {
            assert_eq!(open_for(&b), expected, "round {round}");
            clock.advance(expected);
            let permits: Vec<_> = (0..TRIALS).map(|_| b.try_acquire().unwrap()).collect();
            std::thread::scope(|s| {
                for p in permits {
                    let barrier = &barrier;
                    s.spawn(move || {
                        barrier.wait();
                        p.record(true);
                    });
                }
            });
            expected *= 2;
        }
        // A successful trial closes it and starts the count over.
        clock.advance(open_for(&b));
        b.try_acquire().unwrap().record(false);
        assert_eq!(b.state(), CircuitState::Closed);
    }
}

/// A growing open period: each failed trial doubles the wait up to the
/// cap; a successful trial starts over from `recovery_timeout`.
#[test]
fn failed_trials_double_the_open_period_up_to_the_cap() {
    let clock = ManualClock::new();
    let b = CircuitBreaker::builder()
        .failure_threshold(1)
        .recovery_timeout(Duration::from_secs(2))
        .max_recovery_timeout(Duration::from_secs(10))
        .clock(clock.clone())
        .build()
        .unwrap();
    let open_for = |b: &CircuitBreaker| match ok(b) {
        Err(CircuitError::Open { retry_after }) => retry_after,
        other => panic!("not open: {other:?}"),
    };
    fail(&b).unwrap_err();
    let mut seen = Vec::new();
    for _ in 0..5 {
        let wait = open_for(&b);
        seen.push(wait.as_secs());
        clock.advance(wait);
        fail(&b).unwrap_err(); // the trial fails: open again, longer
    }
    assert_eq!(seen, [2, 4, 8, 10, 10]);
    clock.advance(open_for(&b));
    ok(&b).unwrap(); // the trial succeeds: closed, and the next open starts over
    fail(&b).unwrap_err();
    assert_eq!(open_for(&b).as_secs(), 2);
    assert!(matches!(
        CircuitBreaker::builder()
            .recovery_timeout(Duration::from_secs(5))
            .max_recovery_timeout(Duration::from_secs(4))
            .build(),
        Err(ConfigError::MaxRecoveryBelowRecovery { .. })
    ));
}
