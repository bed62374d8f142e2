//! strands' circuit breaker against recloser and failsafe, in one run:
//! a closed call on one thread and with 2 threads contending, and the
//! rejection of an open breaker.
#![allow(missing_docs, clippy::unwrap_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use failsafe::CircuitBreaker as _;
use std::hint::black_box;
use std::io;
use std::time::{Duration, Instant};
use strands_retry::CircuitBreaker;

#[inline(never)]
fn op(x: u64) -> Result<u64, io::Error> {
    Ok(black_box(x))
}

fn recloser() -> recloser::Recloser {
    recloser::Recloser::custom()
        .error_rate(0.5)
        .closed_len(10)
        .open_wait(Duration::from_secs(3600))
        .build()
}

fn closed(c: &mut Criterion) {
    let ours = CircuitBreaker::new(5, Duration::from_secs(60));
    let rc = recloser();
    let fs = failsafe::Config::new().build();
    let mut g = c.benchmark_group("breaker_closed");
    g.bench_function("direct", |b| b.iter(|| op(black_box(1))));
    g.bench_function("strands", |b| {
        b.iter(|| ours.call_blocking(|| op(black_box(1))))
    });
    g.bench_function("recloser", |b| b.iter(|| rc.call(|| op(black_box(1)))));
    g.bench_function("failsafe", |b| b.iter(|| fs.call(|| op(black_box(1)))));
    g.finish();
}

/// Per-call time with 2 threads calling the same breaker at once.
fn contended<F: Fn() + Sync>(iters: u64, call: F) -> Duration {
    let start = std::sync::Barrier::new(2);
    let elapsed = std::thread::scope(|s| {
        let handles: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(|| {
                    start.wait();
                    let t = Instant::now();
                    for _ in 0..iters {
                        call();
                    }
                    t.elapsed()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).max()
    });
    elapsed.unwrap_or_default()
}

fn closed_contended(c: &mut Criterion) {
    let ours = CircuitBreaker::new(5, Duration::from_secs(60));
    let rc = recloser();
    let fs = failsafe::Config::new().build();
    let mut g = c.benchmark_group("breaker_closed_2threads");
    g.bench_function("strands", |b| {
        b.iter_custom(|n| {
            contended(n, || {
                let _ = black_box(ours.call_blocking(|| op(black_box(1))));
            })
        })
    });
    g.bench_function("recloser", |b| {
        b.iter_custom(|n| {
            contended(n, || {
                let _ = black_box(rc.call(|| op(black_box(1))));
            })
        })
    });
    g.bench_function("failsafe", |b| {
        b.iter_custom(|n| {
            contended(n, || {
                let _ = black_box(fs.call(|| op(black_box(1))));
            })
        })
    });
    g.finish();
}

fn open(c: &mut Criterion) {
    let ours = CircuitBreaker::new(1, Duration::from_secs(3600));
    let _ = ours.call_blocking(|| Err::<(), _>(io::Error::from(io::ErrorKind::TimedOut)));
    assert!(ours.call_blocking(|| op(1)).unwrap_err().is_open());
    let rc = recloser();
    for _ in 0..100 {
        let _ = rc.call(|| Err::<(), _>(()));
    }
    assert!(matches!(rc.call(|| op(1)), Err(recloser::Error::Rejected)));
    let mut g = c.benchmark_group("breaker_open_rejection");
    g.bench_function("strands", |b| {
        b.iter(|| ours.call_blocking(|| op(black_box(1))))
    });
    g.bench_function("recloser", |b| b.iter(|| rc.call(|| op(black_box(1)))));
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = closed, closed_contended, open
}
criterion_main!(benches);
