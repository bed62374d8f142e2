//! `#[with_retry]` on async and sync functions, and its compile errors.
#![allow(clippy::unwrap_used)]

use std::sync::atomic::{AtomicU32, Ordering};
use strands_retry::with_retry;

static ASYNC_CALLS: AtomicU32 = AtomicU32::new(0);
static SYNC_CALLS: AtomicU32 = AtomicU32::new(0);
static PERMANENT_CALLS: AtomicU32 = AtomicU32::new(0);

#[with_retry(
    max_retries = 3,
    base_delay = 0.001,
    max_delay = 0.002,
    jitter = "equal"
)]
async fn flaky_async(succeed_on: u32, label: &str) -> Result<String, std::io::Error> {
    let n = ASYNC_CALLS.fetch_add(1, Ordering::SeqCst) + 1;
    if n < succeed_on {
        return Err(std::io::ErrorKind::ConnectionReset.into());
    }
    Ok(format!("{label} after {n}"))
}

#[with_retry(max_retries = 2, base_delay = 0, max_delay = 0, jitter = false)]
fn flaky_sync(succeed_on: u32) -> Result<u32, std::io::Error> {
    let n = SYNC_CALLS.fetch_add(1, Ordering::SeqCst) + 1;
    if n < succeed_on {
        Err(std::io::ErrorKind::TimedOut.into())
    } else {
        Ok(n)
    }
}

#[with_retry(max_retries = 5, base_delay = 0)]
fn not_found() -> Result<(), std::io::Error> {
    PERMANENT_CALLS.fetch_add(1, Ordering::SeqCst);
    Err(std::io::ErrorKind::NotFound.into())
}

struct Provisioner {
    calls: AtomicU32,
}

impl Provisioner {
    #[with_retry(max_retries = 1, base_delay = 0, jitter = "proportional(0.1)")]
    async fn create(&self, name: &str) -> Result<String, std::io::Error> {
        if self.calls.fetch_add(1, Ordering::SeqCst) == 0 {
            return Err(std::io::ErrorKind::ConnectionRefused.into());
        }
        Ok(name.to_uppercase())
    }
}

#[tokio::test]
async fn async_fn_is_retried() {
    assert_eq!(flaky_async(3, "made").await.unwrap(), "made after 3");
}

#[test]
fn sync_fn_is_retried_and_gives_up() {
    assert_eq!(flaky_sync(2).unwrap(), 2);
    SYNC_CALLS.store(0, Ordering::SeqCst);
    let e = flaky_sync(10).unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::TimedOut);
    assert_eq!(
        SYNC_CALLS.load(Ordering::SeqCst),
        3,
        "1 attempt + 2 retries"
    );
}

#[test]
fn permanent_errors_run_once() {
    not_found().unwrap_err();
    assert_eq!(PERMANENT_CALLS.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn methods_with_self_work() {
    let p = Provisioner {
        calls: AtomicU32::new(0),
    };
    assert_eq!(p.create("fn-a").await.unwrap(), "FN-A");
    assert_eq!(p.calls.load(Ordering::SeqCst), 2);
}

#[test]
fn bad_arguments_are_compile_errors_with_spans() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
