//! The loops: call, ask the decision step, sleep, call again. Neither
//! decides anything itself, so the blocking and async loops cannot drift.

use super::RetryStrategy;
use super::decide::{RetryDecision, Run};
use crate::Retryable;
use crate::jitter::Jitter;
use crate::rate_limit::SendReason;
use crate::sleep::{DefaultSleeper, Sleeper};
use std::error::Error;
use std::future::Future;
use std::time::Duration;

impl RetryStrategy {
    /// Run `op` until it succeeds, fails permanently, or the strategy gives
    /// up; sleeps on the calling thread. The error is `op`'s own, unchanged.
    #[inline]
    pub fn execute_with_retry_blocking<T, E, F>(&self, op: F) -> Result<T, E>
    where
        F: FnMut() -> Result<T, E>,
        E: Retryable + Error,
    {
        self.execute_with_retry_blocking_using(std::thread::sleep, op)
    }

    /// [`execute_with_retry_blocking`](Self::execute_with_retry_blocking)
    /// with a custom sleep (e.g. a fake clock's `advance`).
    #[inline]
    pub fn execute_with_retry_blocking_using<T, E, F, S>(
        &self,
        mut sleep: S,
        mut op: F,
    ) -> Result<T, E>
    where
        F: FnMut() -> Result<T, E>,
        S: FnMut(Duration),
        E: Retryable + Error,
    {
        let i = &*self.inner;
        if i.plain {
            return match op() {
                Ok(v) => Ok(v),
                Err(e) => self.retry_blocking(self.run(None), e, sleep, op),
            };
        }
        let started = self.begin();
        if let Some(d) = self.pace(SendReason::Initial) {
            sleep(d);
        }
        match op() {
            Ok(v) => {
                self.on_first_try_success();
                Ok(v)
            }
            Err(e) => self.retry_blocking(self.run(started), e, sleep, op),
        }
    }

    /// Everything after a first failure, out of line: the success path
    /// stays a few instructions around the call.
    #[inline(never)]
    fn retry_blocking<T, E, F, S>(
        &self,
        mut run: Run,
        first: E,
        mut sleep: S,
        mut op: F,
    ) -> Result<T, E>
    where
        F: FnMut() -> Result<T, E>,
        S: FnMut(Duration),
        E: Retryable + Error,
    {
        let mut e = first;
        loop {
            match self.on_error(&mut run, &e) {
                RetryDecision::Retry(d) => sleep(d),
                RetryDecision::GiveUp => return Err(e),
                RetryDecision::GiveUpAfter(d) => {
                    sleep(d);
                    return Err(e);
                }
            }
            match op() {
                Ok(v) => {
                    self.on_success(&run);
                    return Ok(v);
                }
                Err(next) => e = next,
            }
        }
    }

    /// Run the future `op` returns until it succeeds, fails permanently, or
    /// the strategy gives up, sleeping with the default timer (tokio's with
    /// the `tokio` feature). The error is `op`'s own, unchanged.
    #[inline]
    pub fn execute_with_retry<T, E, F, Fut>(&self, op: F) -> impl Future<Output = Result<T, E>>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
        E: Retryable + Error,
    {
        self.execute_with_retry_using(DefaultSleeper::default(), op)
    }

    /// [`execute_with_retry`](Self::execute_with_retry) on any runtime:
    /// `sleeper` is anything implementing [`Sleeper`], including any
    /// `Fn(Duration) -> impl Future<Output = ()>`.
    pub async fn execute_with_retry_using<T, E, F, Fut, S>(
        &self,
        sleeper: S,
        mut op: F,
    ) -> Result<T, E>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
        S: Sleeper,
        E: Retryable + Error,
    {
        let i = &*self.inner;
        if i.plain {
            return match op().await {
                Ok(v) => Ok(v),
                Err(e) => Box::pin(self.retry_async(self.run(None), e, sleeper, op)).await,
            };
        }
        let started = self.begin();
        if let Some(d) = self.pace(SendReason::Initial) {
            // Boxed: a timer future can be large (tokio's is ~100 bytes), and
            // inline it would make every call's future that large, success
            // or not. The allocation happens only when a sleep does.
            Box::pin(sleeper.sleep(d)).await;
        }
        match op().await {
            Ok(v) => {
                self.on_first_try_success();
                Ok(v)
            }
            // Everything after a first failure is one boxed future: this
            // future, whose size every call pays to build and move, holds
            // only the first attempt. One allocation per failed call.
            Err(e) => Box::pin(self.retry_async(self.run(started), e, sleeper, op)).await,
        }
    }

    async fn retry_async<T, E, F, Fut, S>(
        &self,
        mut run: Run,
        first: E,
        sleeper: S,
        mut op: F,
    ) -> Result<T, E>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
        S: Sleeper,
        E: Retryable + Error,
    {
        let mut e = first;
        loop {
            match self.on_error(&mut run, &e) {
                RetryDecision::Retry(d) => sleeper.sleep(d).await,
                RetryDecision::GiveUp => return Err(e),
                RetryDecision::GiveUpAfter(d) => {
                    sleeper.sleep(d).await;
                    return Err(e);
                }
            }
            match op().await {
                Ok(v) => {
                    self.on_success(&run);
                    return Ok(v);
                }
                Err(next) => e = next,
            }
        }
    }
}

#[doc(hidden)]
/// Used by `#[with_retry]`: its arguments were checked at compile time, so
/// this never fails; an impossible value falls back to the default.
pub fn __macro_strategy(
    max_retries: Option<u32>,
    base_delay: Option<f64>,
    max_delay: Option<f64>,
    jitter: Option<Jitter>,
) -> RetryStrategy {
    let mut b = RetryStrategy::builder();
    if let Some(n) = max_retries {
        b = b.max_retries(n);
    }
    if let Some(d) = base_delay.and_then(|s| Duration::try_from_secs_f64(s).ok()) {
        b = b.base_delay(d);
    }
    if let Some(d) = max_delay.and_then(|s| Duration::try_from_secs_f64(s).ok()) {
        b = b.max_delay(d);
    }
    if let Some(j) = jitter {
        b = b.jitter(j);
    }
    b.build().unwrap_or_default()
}
