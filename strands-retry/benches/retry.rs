//! strands-retry against backon, in one run: the success path (blocking and
//! async) and the cost of retries with a zero-duration sleeper. The async
//! paths run in two harnesses: one poll with a no-op waker (the loop
//! alone), and a multi-thread tokio runtime (what a user runs).
#![allow(missing_docs, clippy::unwrap_used)]

use backon::{BlockingRetryable, ExponentialBuilder, Retryable as _};
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::io;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};
use strands_retry::RetryStrategy;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap()
}

/// `iters` awaits of `f()` inside one `block_on` of a multi-thread runtime.
fn on_tokio<F, Fut>(rt: &tokio::runtime::Runtime, iters: u64, mut f: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future,
{
    rt.block_on(async {
        let t = Instant::now();
        for _ in 0..iters {
            black_box(f().await);
        }
        t.elapsed()
    })
}

fn ready<F: std::future::Future>(f: F) -> F::Output {
    let mut cx = Context::from_waker(Waker::noop());
    match pin!(f).poll(&mut cx) {
        Poll::Ready(v) => v,
        Poll::Pending => unreachable!("zero-duration sleeps are ready at once"),
    }
}

#[inline(never)]
fn op(x: u64) -> Result<u64, io::Error> {
    Ok(black_box(x))
}

fn success(c: &mut Criterion) {
    let strategy = RetryStrategy::default();
    let backoff = ExponentialBuilder::default().with_jitter();

    let mut g = c.benchmark_group("success_blocking");
    g.bench_function("direct", |b| b.iter(|| op(black_box(1))));
    g.bench_function("strands", |b| {
        b.iter(|| strategy.execute_with_retry_blocking(|| op(black_box(1))))
    });
    g.bench_function("backon", |b| {
        b.iter(|| (|| op(black_box(1))).retry(backoff).call())
    });
    g.finish();

    let mut g = c.benchmark_group("success_async");
    g.bench_function("direct", |b| b.iter(|| ready(async { op(black_box(1)) })));
    g.bench_function("strands", |b| {
        b.iter(|| ready(strategy.execute_with_retry(|| async { op(black_box(1)) })))
    });
    g.bench_function("backon", |b| {
        b.iter(|| {
            ready(
                (|| async { op(black_box(1)) })
                    .retry(backoff)
                    .sleep(|_| std::future::ready(())),
            )
        })
    });
    g.finish();

    let rt = runtime();
    let mut g = c.benchmark_group("success_async_tokio");
    g.bench_function("direct", |b| {
        b.iter_custom(|n| on_tokio(&rt, n, || async { op(black_box(1)) }))
    });
    g.bench_function("strands", |b| {
        b.iter_custom(|n| {
            on_tokio(&rt, n, || {
                strategy.execute_with_retry(|| async { op(black_box(1)) })
            })
        })
    });
    g.bench_function("backon", |b| {
        b.iter_custom(|n| on_tokio(&rt, n, || (|| async { op(black_box(1)) }).retry(backoff)))
    });
    g.finish();
}

/// Five failures then a success: the whole loop, zero-duration sleeps.
fn retries(c: &mut Criterion) {
    let strategy = RetryStrategy::builder().max_retries(5).build().unwrap();
    let backoff = ExponentialBuilder::default()
        .with_max_times(5)
        .with_jitter();
    let flaky = || {
        let mut n = 0u32;
        move || {
            n += 1;
            if n <= 5 {
                Err(io::Error::from(io::ErrorKind::ConnectionReset))
            } else {
                Ok(black_box(n))
            }
        }
    };
    let mut g = c.benchmark_group("retry_5_failures");
    g.bench_function("strands", |b| {
        b.iter(|| {
            strategy
                .execute_with_retry_blocking_using(
                    |d| {
                        black_box(d);
                    },
                    flaky(),
                )
                .unwrap()
        })
    });
    g.bench_function("backon", |b| {
        b.iter(|| {
            flaky()
                .retry(backoff)
                .sleep(|d| {
                    black_box(d);
                })
                .call()
                .unwrap()
        })
    });
    g.finish();

    let rt = runtime();
    let flaky_async = || {
        let mut n = 0u32;
        move || {
            n += 1;
            let out = if n <= 5 {
                Err(io::Error::from(io::ErrorKind::ConnectionReset))
            } else {
                Ok(black_box(n))
            };
            std::future::ready(out)
        }
    };
    let mut g = c.benchmark_group("retry_5_failures_async_tokio");
    g.bench_function("strands", |b| {
        b.iter_custom(|n| {
            on_tokio(&rt, n, || {
                strategy.execute_with_retry_using(|_| std::future::ready(()), flaky_async())
            })
        })
    });
    g.bench_function("backon", |b| {
        b.iter_custom(|n| {
            on_tokio(&rt, n, || {
                flaky_async()
                    .retry(backoff)
                    .sleep(|_| std::future::ready(()))
            })
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = success, retries
}
criterion_main!(benches);
