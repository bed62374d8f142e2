//! Sleeping is the only thing a retry loop needs from a runtime, so it is
//! a tiny trait (backon's shape): any `Fn(Duration) -> impl Future` is a
//! [`Sleeper`], and the default is the tokio timer with the `tokio` feature,
//! or a helper thread per sleep without it.

use std::future::Future;
use std::time::Duration;

/// Something that can wait asynchronously.
pub trait Sleeper {
    /// The future `sleep` returns.
    type Sleep: Future<Output = ()>;
    /// Wait for `d`.
    fn sleep(&self, d: Duration) -> Self::Sleep;
}

impl<F, Fut> Sleeper for F
where
    F: Fn(Duration) -> Fut,
    Fut: Future<Output = ()>,
{
    type Sleep = Fut;
    #[inline]
    fn sleep(&self, d: Duration) -> Fut {
        self(d)
    }
}

/// The tokio timer (`tokio::time::sleep`): honours paused test time.
#[cfg(feature = "tokio")]
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioSleeper;

#[cfg(feature = "tokio")]
impl Sleeper for TokioSleeper {
    type Sleep = tokio::time::Sleep;
    #[inline]
    fn sleep(&self, d: Duration) -> Self::Sleep {
        tokio::time::sleep(d)
    }
}

/// The sleeper `execute_with_retry` uses: [`TokioSleeper`] with the `tokio`
/// feature, [`ThreadSleeper`] without.
#[cfg(feature = "tokio")]
pub type DefaultSleeper = TokioSleeper;
/// The sleeper `execute_with_retry` uses: [`TokioSleeper`] with the `tokio`
/// feature, [`ThreadSleeper`] without.
#[cfg(not(feature = "tokio"))]
pub type DefaultSleeper = ThreadSleeper;

pub use thread::{ThreadSleep, ThreadSleeper};

mod thread {
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::{Arc, Mutex};
    use std::task::{Context, Poll, Waker};
    use std::time::{Duration, Instant};

    /// A runtime-free timer: each sleep parks a helper thread that wakes
    /// the task. Correct anywhere, but a thread per sleep: give a runtime's
    /// own timer as the [`Sleeper`](super::Sleeper) where there is one.
    #[derive(Debug, Clone, Copy, Default)]
    pub struct ThreadSleeper;

    impl super::Sleeper for ThreadSleeper {
        type Sleep = ThreadSleep;
        fn sleep(&self, d: Duration) -> ThreadSleep {
            ThreadSleep {
                deadline: Instant::now() + d,
                waker: None,
            }
        }
    }

    /// The future of [`ThreadSleeper`].
    #[derive(Debug)]
    pub struct ThreadSleep {
        deadline: Instant,
        waker: Option<Arc<Mutex<Waker>>>,
    }

    impl Future for ThreadSleep {
        type Output = ();
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            let now = Instant::now();
            if now >= self.deadline {
                return Poll::Ready(());
            }
            match &self.waker {
                Some(w) => {
                    if let Ok(mut w) = w.lock() {
                        w.clone_from(cx.waker());
                    }
                }
                None => {
                    let shared = Arc::new(Mutex::new(cx.waker().clone()));
                    let remaining = self.deadline - now;
                    let for_thread = Arc::clone(&shared);
                    std::thread::spawn(move || {
                        std::thread::sleep(remaining);
                        if let Ok(w) = for_thread.lock() {
                            w.wake_by_ref();
                        }
                    });
                    self.waker = Some(shared);
                }
            }
            Poll::Pending
        }
    }
}
