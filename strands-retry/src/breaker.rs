//! A circuit breaker stops calling a dependency that keeps failing, so the
//! dependency gets room to recover and callers fail fast instead of waiting
//! on timeouts (the Python module's "prevents cascading failures").
//!
//! Closed → Open after `failure_threshold` consecutive failures; Open
//! rejects without calling until `recovery_timeout` (plus optional jitter,
//! so a fleet of breakers does not probe in lockstep) has passed; then
//! HalfOpen admits exactly `half_open_max_calls` trial calls and rejects the
//! rest (recloser and failsafe let every call through here, which is how a
//! recovering service gets flattened again). The first trial to finish
//! decides: success closes, failure reopens.
//!
//! With [`max_recovery_timeout`](CircuitBreakerBuilder::max_recovery_timeout)
//! each failed trial doubles the next open period, up to that cap: a blip
//! is probed again in seconds, a long outage costs one probe per cap. The
//! fleet simulation (`cargo xtask bench`, "breaker sweep") measured the
//! trade-off between outage load and time to recover that chose the
//! defaults.
//!
//! The whole state lives in one `AtomicU64`, so every transition is one
//! compare-and-swap and the closed path is one load: no lock anywhere.
//!
//! ```text
//! Closed   : 0
//! Open     : 0b01 | reopen_at_nanos << 2
//! HalfOpen : 0b10 | permits_left << 2 (30 bits) | generation << 32
//! ```

use crate::clock::{Clock, ClockSource, saturating_nanos};
use crate::error::{ConfigError, DOCS_BASE};
use crate::rng::RandomSource;
use crate::{RetryKind, Retryable};
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

/// The open period strands chooses when the user does not: the fleet
/// simulation's sweep (`strands-retry/examples/fleet.rs`, "(a')") found
/// three of twelve settings with both a 10-minute outage at most 0.1x the
/// calls of a no-retry fleet and 99 % of requests succeeding within 15 s
/// of recovery: 2 s doubling to 10 s (0.097x, 11 s), 1 s doubling to 10 s
/// (0.098x, 11 s) and a fixed 10 s (0.094x, 11 s). 2 s doubling re-probes
/// a blip after 2 s, where a fixed 10 s waits 10. The Python module's fixed 60 s
/// costs 0.022x but takes 70 s.
pub(crate) const DEFAULT_RECOVERY_TIMEOUT: Duration = Duration::from_secs(2);
/// See [`DEFAULT_RECOVERY_TIMEOUT`].
pub(crate) const DEFAULT_MAX_RECOVERY_TIMEOUT: Duration = Duration::from_secs(10);
/// Each open period is stretched by up to this share, so a fleet that
/// opened together does not probe together.
pub(crate) const DEFAULT_RECOVERY_JITTER: f64 = 0.2;

const TAG: u64 = 0b11;
const CLOSED: u64 = 0;
const OPEN: u64 = 0b01;
const HALF_OPEN: u64 = 0b10;
const PERMIT_ONE: u64 = 1 << 2;
const PERMIT_MASK: u64 = ((1 << 30) - 1) << 2;
/// half_open_max_calls fits the 30-bit permit field.
const MAX_HALF_OPEN_CALLS: u32 = (1 << 30) - 1;

/// The breaker's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CircuitState {
    /// Calls pass; consecutive failures are counted.
    Closed,
    /// Calls are rejected without being made.
    Open,
    /// A limited number of trial calls test the dependency.
    HalfOpen,
}

impl fmt::Display for CircuitState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Closed => "closed",
            Self::Open => "open",
            Self::HalfOpen => "half-open",
        })
    }
}

/// The result of a call through a breaker.
#[derive(Debug)]
pub enum CircuitError<E> {
    /// Rejected without calling.
    Open {
        /// How long until the breaker admits a trial call (zero when the
        /// trial calls are already in flight).
        retry_after: Duration,
    },
    /// The call was made and failed with its own error.
    Inner(E),
}

impl<E> CircuitError<E> {
    /// The operation's error, if the call was made.
    pub fn into_inner(self) -> Option<E> {
        match self {
            Self::Inner(e) => Some(e),
            Self::Open { .. } => None,
        }
    }

    /// Whether the call was rejected without being made.
    pub fn is_open(&self) -> bool {
        matches!(self, Self::Open { .. })
    }
}

impl<E: fmt::Display> fmt::Display for CircuitError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Open { retry_after } => write!(
                f,
                "circuit breaker is open: call rejected without being made (next trial in {retry_after:?})"
            ),
            Self::Inner(e) => e.fmt(f),
        }
    }
}

impl<E: Error + 'static> Error for CircuitError<E> {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            Self::Open { .. } => None,
            Self::Inner(e) => e.source(),
        }
    }
}

impl<E: Error + 'static> miette::Diagnostic for CircuitError<E> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.is_open()
            .then(|| Box::new(crate::error::CIRCUIT_OPEN) as Box<dyn fmt::Display>)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.is_open().then(|| {
            Box::new(
                "the dependency failed repeatedly, so calls are paused to let it recover; \
                 check its health, then retry after the delay shown",
            ) as Box<dyn fmt::Display>
        })
    }
    fn url<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.is_open().then(|| {
            Box::new(format!("{DOCS_BASE}strands--network--circuit_open.md"))
                as Box<dyn fmt::Display>
        })
    }
}

/// A rejection is transient, with the time left as the server-style hint,
/// so a retry loop around a breaker waits the open period out.
impl<E: Retryable> Retryable for CircuitError<E> {
    fn retry_kind(&self) -> RetryKind {
        match self {
            Self::Open { .. } => RetryKind::Transient,
            Self::Inner(e) => e.retry_kind(),
        }
    }
    /// An open breaker's wait. A rejection while half-open trials are in
    /// flight says 0 ("any moment now"): as a hint that would make a
    /// retry loop spin without sleeping, so it gives no hint and the
    /// caller's own backoff applies.
    fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Open { retry_after } => Some(*retry_after).filter(|d| !d.is_zero()),
            Self::Inner(e) => e.retry_after(),
        }
    }
    fn is_timeout(&self) -> bool {
        matches!(self, Self::Inner(e) if e.is_timeout())
    }
}

type OnChange = Arc<dyn Fn(CircuitState, CircuitState) + Send + Sync>;

/// A lock-free circuit breaker. Cheap to clone (one `Arc`); clones share
/// the state.
#[derive(Clone)]
pub struct CircuitBreaker {
    inner: Arc<Inner>,
}

struct Inner {
    word: AtomicU64,
    failures: AtomicU32,
    generation: AtomicU32,
    failure_threshold: u32,
    recovery_timeout: Duration,
    max_recovery_timeout: Duration,
    /// Trials failed in a row since the circuit last closed.
    failed_trials: AtomicU32,
    recovery_jitter: f64,
    random: RandomSource,
    half_open_max_calls: u32,
    clock: ClockSource,
    on_change: Option<OnChange>,
}

impl fmt::Debug for CircuitBreaker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CircuitBreaker")
            .field("state", &self.state())
            .field("failures", &self.inner.failures.load(Ordering::Relaxed))
            .field("failure_threshold", &self.inner.failure_threshold)
            .field("recovery_timeout", &self.inner.recovery_timeout)
            .field("max_recovery_timeout", &self.inner.max_recovery_timeout)
            .field("half_open_max_calls", &self.inner.half_open_max_calls)
            .finish()
    }
}

/// Builds a [`CircuitBreaker`].
///
/// # Default
///
/// 5 consecutive failures (the Python module's), 1 trial call, the coarse
/// system clock, and an open period measured rather than inherited: 2 s,
/// doubled per failed trial up to 10 s, each stretched by up to 20 % (the
/// fleet simulation's sweep chose it: a 10-minute outage at about a tenth
/// of the calls of a fleet without retries, recovered within about 11 s).
/// Setting `recovery_timeout` alone gives a fixed period without jitter,
/// as the Python module's `CircuitBreaker(5, 60.0)` does;
/// [`CircuitBreaker::new`] is that.
#[must_use = "a builder does nothing until `build` is called"]
pub struct CircuitBreakerBuilder {
    failure_threshold: u32,
    /// `None`: strands' measured default (see `# Default`).
    recovery_timeout: Option<Duration>,
    max_recovery_timeout: Option<Duration>,
    recovery_jitter: Option<f64>,
    random: RandomSource,
    half_open_max_calls: u32,
    clock: Option<ClockSource>,
    on_change: Option<OnChange>,
}

impl fmt::Debug for CircuitBreakerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CircuitBreakerBuilder")
            .field("failure_threshold", &self.failure_threshold)
            .field("recovery_timeout", &self.recovery_timeout)
            .field("max_recovery_timeout", &self.max_recovery_timeout)
            .field("recovery_jitter", &self.recovery_jitter)
            .field("half_open_max_calls", &self.half_open_max_calls)
            .finish_non_exhaustive()
    }
}

impl Default for CircuitBreakerBuilder {
    fn default() -> Self {
        Self {
            failure_threshold: 5,
            recovery_timeout: None,
            max_recovery_timeout: None,
            recovery_jitter: None,
            random: RandomSource::thread_local(),
            half_open_max_calls: 1,
            clock: None,
            on_change: None,
        }
    }
}

impl CircuitBreakerBuilder {
    /// Consecutive failures that open the circuit (5; 0 is an error).
    pub fn failure_threshold(mut self, n: u32) -> Self {
        self.failure_threshold = n;
        self
    }
    /// How long the circuit stays open before a trial (2 s by default,
    /// doubling to 10 s; given alone, a fixed period without jitter).
    pub fn recovery_timeout(mut self, d: Duration) -> Self {
        self.recovery_timeout = Some(d);
        self
    }
    /// Double the open period after each failed trial, up to `max` (10 s
    /// by default; with only `recovery_timeout` given, no doubling).
    /// `build` rejects a `max` below `recovery_timeout`.
    pub fn max_recovery_timeout(mut self, max: Duration) -> Self {
        self.max_recovery_timeout = Some(max);
        self
    }
    /// Stretch each open period by a random `[0, f]` share of itself, so
    /// breakers that opened together do not all probe at once (0.2 by
    /// default; 0.0 when `recovery_timeout` is given).
    pub fn recovery_jitter(mut self, f: f64) -> Self {
        self.recovery_jitter = Some(f);
        self
    }
    /// Where the recovery jitter draws its samples (a seeded source makes
    /// a simulation of many breakers reproducible).
    pub fn random_source(mut self, source: RandomSource) -> Self {
        self.random = source;
        self
    }
    /// Trial calls admitted while half-open (1; 0 is an error).
    pub fn half_open_max_calls(mut self, n: u32) -> Self {
        self.half_open_max_calls = n;
        self
    }
    /// The clock recovery is measured on (virtual time in tests).
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Some(ClockSource::custom(clock));
        self
    }
    /// Called on every state change with `(from, to)`.
    pub fn on_state_change(
        mut self,
        f: impl Fn(CircuitState, CircuitState) + Send + Sync + 'static,
    ) -> Self {
        self.on_change = Some(Arc::new(f));
        self
    }
    /// Check every value and build.
    pub fn build(self) -> Result<CircuitBreaker, ConfigError> {
        if self.failure_threshold == 0 {
            return Err(ConfigError::InvalidFailureThreshold);
        }
        if self.half_open_max_calls == 0 {
            return Err(ConfigError::InvalidHalfOpenCalls);
        }
        if let Some(f) = self.recovery_jitter
            && !(0.0..=1.0).contains(&f)
        {
            return Err(ConfigError::InvalidRecoveryJitter { value: f });
        }
        if let Some(u) = self.random.fixed_value()
            && !(0.0..=1.0).contains(&u)
        {
            return Err(ConfigError::InvalidRandomSample { value: u });
        }
        let (recovery, max, _) = self.open_period();
        if max < recovery {
            return Err(ConfigError::MaxRecoveryBelowRecovery { recovery, max });
        }
        Ok(self.build_unchecked())
    }

    /// (recovery_timeout, max_recovery_timeout, recovery_jitter) as given,
    /// or strands' default when the open period was left to it: 2 s
    /// doubling to 10 s, +0-20 % jitter. A `recovery_timeout` given alone
    /// is a fixed period without jitter, as in the Python module.
    fn open_period(&self) -> (Duration, Duration, f64) {
        match self.recovery_timeout {
            None => (
                DEFAULT_RECOVERY_TIMEOUT,
                self.max_recovery_timeout
                    .unwrap_or(DEFAULT_MAX_RECOVERY_TIMEOUT),
                self.recovery_jitter.unwrap_or(DEFAULT_RECOVERY_JITTER),
            ),
            Some(r) => (
                r,
                self.max_recovery_timeout.unwrap_or(r),
                self.recovery_jitter.unwrap_or(0.0),
            ),
        }
    }

    fn build_unchecked(self) -> CircuitBreaker {
        let (recovery, max, jitter) = self.open_period();
        CircuitBreaker {
            inner: Arc::new(Inner {
                word: AtomicU64::new(CLOSED),
                failures: AtomicU32::new(0),
                generation: AtomicU32::new(0),
                failure_threshold: self.failure_threshold.max(1),
                recovery_timeout: recovery,
                max_recovery_timeout: max.max(recovery),
                failed_trials: AtomicU32::new(0),
                random: self.random,
                recovery_jitter: if (0.0..=1.0).contains(&jitter) {
                    jitter
                } else {
                    0.0
                },
                half_open_max_calls: self.half_open_max_calls.clamp(1, MAX_HALF_OPEN_CALLS),
                clock: self.clock.unwrap_or_else(ClockSource::coarse),
                on_change: self.on_change,
            }),
        }
    }
}

/// How a call was let through.
#[derive(Debug, Clone, Copy)]
enum Admission {
    Closed,
    Trial { generation: u32 },
}

/// A half-open trial in flight. If the call is abandoned (its future
/// dropped) the permit goes back, so a cancelled trial cannot wedge the
/// breaker half-open forever.
#[must_use = "dropping a trial permit without recording the outcome returns it"]
struct TrialPermit<'a> {
    breaker: &'a Inner,
    generation: u32,
    done: bool,
}

impl<'a> TrialPermit<'a> {
    fn new(breaker: &'a Inner, generation: u32) -> Self {
        Self {
            breaker,
            generation,
            done: false,
        }
    }

    /// Record the trial's outcome (and keep the permit from going back).
    fn finish<T, E>(
        mut self,
        out: Result<T, E>,
        is_failure: impl FnOnce(&E) -> bool,
    ) -> Result<T, CircuitError<E>> {
        self.done = true;
        self.breaker.trial_outcome(self.generation, out, is_failure)
    }
}

impl Drop for TrialPermit<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.breaker.return_permit(self.generation);
        }
    }
}

impl CircuitBreaker {
    /// A closed breaker with this one's configuration (threshold, open
    /// period, jitter, random source, clock, state-change callback, then
    /// `also`) and a state of its own: what [`KeyedBreakers`] makes for
    /// each new key.
    fn sibling(&self, also: Option<OnChange>) -> Self {
        let i = &self.inner;
        let on_change = match (i.on_change.clone(), also) {
            (None, None) => None,
            (Some(f), None) | (None, Some(f)) => Some(f),
            (Some(f), Some(g)) => Some(Arc::new(move |from, to| {
                f(from, to);
                g(from, to);
            }) as OnChange),
        };
        CircuitBreaker {
            inner: Arc::new(Inner {
                word: AtomicU64::new(CLOSED),
                failures: AtomicU32::new(0),
                generation: AtomicU32::new(0),
                failure_threshold: i.failure_threshold,
                recovery_timeout: i.recovery_timeout,
                max_recovery_timeout: i.max_recovery_timeout,
                failed_trials: AtomicU32::new(0),
                random: i.random.clone(),
                recovery_jitter: i.recovery_jitter,
                half_open_max_calls: i.half_open_max_calls,
                clock: i.clock.clone(),
                on_change,
            }),
        }
    }
}

/// One [`CircuitBreaker`] per key (a service and region, a host, a
/// tenant), each made on first use with one configuration: a failing
/// dependency opens its own circuit and no other. Cheap to clone; clones
/// share the breakers.
///
/// ```
/// use std::time::Duration;
/// use strands_retry::{CircuitBreaker, CircuitState, KeyedBreakers};
///
/// let breakers = KeyedBreakers::new(CircuitBreaker::new(2, Duration::from_secs(30)));
/// let lambda = breakers.get(&("lambda", "us-east-1"));
/// for _ in 0..2 {
///     let _ = lambda.call_blocking(|| Err::<(), _>(std::io::Error::from(std::io::ErrorKind::TimedOut)));
/// }
/// assert_eq!(lambda.state(), CircuitState::Open);
/// assert_eq!(breakers.get(&("s3", "us-east-1")).state(), CircuitState::Closed);
/// assert_eq!(breakers.get(&("lambda", "eu-west-1")).state(), CircuitState::Closed);
/// ```
#[derive(Clone)]
pub struct KeyedBreakers<K> {
    template: CircuitBreaker,
    map: Arc<std::sync::RwLock<std::collections::HashMap<K, CircuitBreaker>>>,
    observer: Option<KeyObserver<K>>,
}

type KeyObserver<K> = Arc<dyn Fn(&K, CircuitState, CircuitState) + Send + Sync>;

impl<K> fmt::Debug for KeyedBreakers<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.map.read().map_or(0, |m| m.len());
        f.debug_struct("KeyedBreakers")
            .field("template", &self.template)
            .field("keys", &n)
            .finish()
    }
}

impl<K: std::hash::Hash + Eq + Clone + Send + Sync + 'static> KeyedBreakers<K> {
    /// Breakers configured as `template` (whose own state is not used).
    pub fn new(template: CircuitBreaker) -> Self {
        Self {
            template,
            map: Arc::default(),
            observer: None,
        }
    }

    /// Also call `f` with the key on every state change of a breaker made
    /// from now on (the template's own callback still runs): a metrics
    /// pipeline's transitions counter, labelled by key.
    #[must_use]
    pub fn on_state_change(
        mut self,
        f: impl Fn(&K, CircuitState, CircuitState) + Send + Sync + 'static,
    ) -> Self {
        self.observer = Some(Arc::new(f));
        self
    }

    fn make(&self, key: &K) -> CircuitBreaker {
        let also = self.observer.clone().map(|f| {
            let key = key.clone();
            Arc::new(move |from, to| f(&key, from, to)) as OnChange
        });
        self.template.sibling(also)
    }

    /// The breaker of `key`, made closed on first use. A read lock on the
    /// hot path; the write lock only when a key is new.
    pub fn get(&self, key: &K) -> CircuitBreaker {
        if let Ok(m) = self.map.read()
            && let Some(b) = m.get(key)
        {
            return b.clone();
        }
        match self.map.write() {
            Ok(mut m) => m
                .entry(key.clone())
                .or_insert_with(|| self.make(key))
                .clone(),
            // A panic elsewhere poisoned the map: a fresh breaker still
            // protects this call.
            Err(_) => self.make(key),
        }
    }

    /// Every key seen so far, with its breaker's state.
    pub fn states(&self) -> Vec<(K, CircuitState)> {
        self.map.read().map_or_else(
            |_| Vec::new(),
            |m| m.iter().map(|(k, b)| (k.clone(), b.state())).collect(),
        )
    }
}

impl CircuitBreaker {
    /// The Python module's constructor: `failure_threshold` consecutive failures
    /// open the circuit for `recovery_timeout`. A threshold of 0 acts as 1
    /// (use the builder to have it rejected instead).
    pub fn new(failure_threshold: u32, recovery_timeout: Duration) -> Self {
        CircuitBreakerBuilder::default()
            .failure_threshold(failure_threshold.max(1))
            .recovery_timeout(recovery_timeout)
            .build_unchecked()
    }

    /// A builder with the Python module's defaults.
    pub fn builder() -> CircuitBreakerBuilder {
        CircuitBreakerBuilder::default()
    }

    /// The current state. An open circuit whose recovery time has passed
    /// reports `HalfOpen`: the next call will be a trial.
    pub fn state(&self) -> CircuitState {
        let w = self.inner.word.load(Ordering::Acquire);
        match w & TAG {
            CLOSED => CircuitState::Closed,
            OPEN if self.inner.now_nanos() >= w >> 2 => CircuitState::HalfOpen,
            OPEN => CircuitState::Open,
            _ => CircuitState::HalfOpen,
        }
    }

    /// Consecutive failures counted while closed.
    pub fn consecutive_failures(&self) -> u32 {
        self.inner.failures.load(Ordering::Relaxed)
    }

    /// Close the circuit and forget the failures.
    pub fn reset(&self) {
        let old = self.inner.word.swap(CLOSED, Ordering::AcqRel);
        self.inner.failures.store(0, Ordering::Release);
        self.inner.failed_trials.store(0, Ordering::Release);
        self.inner.changed(state_of(old), CircuitState::Closed);
    }

    /// Call `op` through the breaker (async). Errors whose `retry_kind()`
    /// is not `Permanent` count as failures: a 404 says nothing about the
    /// dependency's health and must not open the circuit.
    #[inline]
    pub async fn call<T, E, F, Fut>(&self, op: F) -> Result<T, CircuitError<E>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
        E: Retryable,
    {
        self.call_with(is_failure::<E>, op).await
    }

    /// [`call`](Self::call) with your own predicate for what counts as a
    /// failure.
    pub async fn call_with<T, E, F, Fut, P>(
        &self,
        is_failure: P,
        op: F,
    ) -> Result<T, CircuitError<E>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
        P: FnOnce(&E) -> bool,
    {
        match self.inner.admit()? {
            Admission::Closed => self.inner.closed_outcome(op().await, is_failure),
            Admission::Trial { generation } => {
                let permit = TrialPermit::new(&self.inner, generation);
                let out = op().await;
                permit.finish(out, is_failure)
            }
        }
    }

    /// Call `op` through the breaker on this thread. Same counting rule as
    /// [`call`](Self::call).
    #[inline]
    pub fn call_blocking<T, E, F>(&self, op: F) -> Result<T, CircuitError<E>>
    where
        F: FnOnce() -> Result<T, E>,
        E: Retryable,
    {
        self.call_blocking_with(is_failure::<E>, op)
    }

    /// [`call_blocking`](Self::call_blocking) with your own failure predicate.
    #[inline]
    pub fn call_blocking_with<T, E, F, P>(&self, is_failure: P, op: F) -> Result<T, CircuitError<E>>
    where
        F: FnOnce() -> Result<T, E>,
        P: FnOnce(&E) -> bool,
    {
        match self.inner.admit()? {
            Admission::Closed => self.inner.closed_outcome(op(), is_failure),
            Admission::Trial { generation } => {
                let permit = TrialPermit::new(&self.inner, generation);
                let out = op();
                permit.finish(out, is_failure)
            }
        }
    }
}

impl CircuitBreaker {
    /// Admission for one call whose start and end you see in two places
    /// (an SDK interceptor's before- and after-attempt hooks), where a
    /// closure cannot wrap the call. Record the outcome on the permit; a
    /// permit dropped unrecorded gives a half-open trial slot back and
    /// counts as nothing.
    pub fn try_acquire(&self) -> Result<CircuitPermit, CircuitError<std::convert::Infallible>> {
        let trial = match self.inner.admit()? {
            Admission::Closed => None,
            Admission::Trial { generation } => Some(generation),
        };
        Ok(CircuitPermit {
            inner: Arc::clone(&self.inner),
            trial,
            done: false,
        })
    }
}

/// One admitted call, from [`CircuitBreaker::try_acquire`].
#[must_use = "record the call's outcome with `success()` or `failure()`"]
pub struct CircuitPermit {
    inner: Arc<Inner>,
    trial: Option<u32>,
    done: bool,
}

impl CircuitPermit {
    /// The call succeeded (or failed in a way that says nothing about the
    /// dependency's health).
    pub fn success(self) {
        self.record(false);
    }

    /// The call failed in a way that counts against the dependency.
    pub fn failure(self) {
        self.record(true);
    }

    /// Record the outcome: `failed` counts towards opening the circuit.
    pub fn record(mut self, failed: bool) {
        self.done = true;
        let out: Result<(), ()> = if failed { Err(()) } else { Ok(()) };
        let _ = match self.trial {
            None => self.inner.closed_outcome(out, |_| true),
            Some(generation) => self.inner.trial_outcome(generation, out, |_| true),
        };
    }
}

impl Drop for CircuitPermit {
    fn drop(&mut self) {
        if let (false, Some(generation)) = (self.done, self.trial) {
            self.inner.return_permit(generation);
        }
    }
}

impl std::fmt::Debug for CircuitPermit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CircuitPermit")
            .field("trial", &self.trial.is_some())
            .finish()
    }
}

/// The default failure predicate: anything not `Permanent`.
pub(crate) fn is_failure<E: Retryable>(e: &E) -> bool {
    e.retry_kind().is_retryable()
}

fn state_of(word: u64) -> CircuitState {
    match word & TAG {
        CLOSED => CircuitState::Closed,
        OPEN => CircuitState::Open,
        _ => CircuitState::HalfOpen,
    }
}

impl Inner {
    #[inline]
    fn now_nanos(&self) -> u64 {
        self.clock.now_nanos()
    }

    #[inline]
    fn admit<E>(&self) -> Result<Admission, CircuitError<E>> {
        let w = self.word.load(Ordering::Acquire);
        if w == CLOSED {
            Ok(Admission::Closed)
        } else {
            self.admit_slow(w)
        }
    }

    #[cold]
    fn admit_slow<E>(&self, mut w: u64) -> Result<Admission, CircuitError<E>> {
        loop {
            match w & TAG {
                CLOSED => return Ok(Admission::Closed),
                OPEN => {
                    let reopen_at = w >> 2;
                    let now = self.now_nanos();
                    if now < reopen_at {
                        return Err(CircuitError::Open {
                            retry_after: Duration::from_nanos(reopen_at - now),
                        });
                    }
                    let generation = self
                        .generation
                        .fetch_add(1, Ordering::AcqRel)
                        .wrapping_add(1);
                    let permits = u64::from(self.half_open_max_calls - 1);
                    let next = HALF_OPEN | (permits << 2) | (u64::from(generation) << 32);
                    match self
                        .word
                        .compare_exchange(w, next, Ordering::AcqRel, Ordering::Acquire)
                    {
                        Ok(_) => {
                            self.changed(CircuitState::Open, CircuitState::HalfOpen);
                            return Ok(Admission::Trial { generation });
                        }
                        Err(actual) => w = actual,
                    }
                }
                _ => {
                    if w & PERMIT_MASK == 0 {
                        return Err(CircuitError::Open {
                            retry_after: Duration::ZERO,
                        });
                    }
                    match self.word.compare_exchange(
                        w,
                        w - PERMIT_ONE,
                        Ordering::AcqRel,
                        Ordering::Acquire,
                    ) {
                        Ok(_) => {
                            return Ok(Admission::Trial {
                                generation: (w >> 32) as u32,
                            });
                        }
                        Err(actual) => w = actual,
                    }
                }
            }
        }
    }

    #[inline]
    fn closed_outcome<T, E>(
        &self,
        out: Result<T, E>,
        is_failure: impl FnOnce(&E) -> bool,
    ) -> Result<T, CircuitError<E>> {
        match out {
            Ok(v) => {
                // A write only when there is something to clear: the closed
                // success path stays read-only, so threads sharing a
                // breaker do not bounce its cache line.
                if self.failures.load(Ordering::Relaxed) != 0 {
                    self.failures.store(0, Ordering::Relaxed);
                }
                Ok(v)
            }
            Err(e) => {
                if is_failure(&e) {
                    self.record_closed_failure();
                }
                Err(CircuitError::Inner(e))
            }
        }
    }

    #[cold]
    fn record_closed_failure(&self) {
        let n = self
            .failures
            .fetch_add(1, Ordering::AcqRel)
            .saturating_add(1);
        if n >= self.failure_threshold
            && self
                .word
                .compare_exchange(
                    CLOSED,
                    self.open_word(),
                    Ordering::AcqRel,
                    Ordering::Acquire,
                )
                .is_ok()
        {
            self.failures.store(0, Ordering::Release);
            self.changed(CircuitState::Closed, CircuitState::Open);
        }
    }

    fn trial_outcome<T, E>(
        &self,
        generation: u32,
        out: Result<T, E>,
        is_failure: impl FnOnce(&E) -> bool,
    ) -> Result<T, CircuitError<E>> {
        let failed = match &out {
            Ok(_) => false,
            Err(e) => is_failure(e),
        };
        let mut w = self.word.load(Ordering::Acquire);
        if w & TAG != HALF_OPEN || (w >> 32) as u32 != generation {
            return out.map_err(CircuitError::Inner);
        }
        // A failed trial opens for one doubling more than the last open
        // period; the count moves only if this trial's outcome is the one
        // that decides (several trials of one round may finish).
        let target = if failed {
            self.open_word_after(self.failed_trials.load(Ordering::Acquire).saturating_add(1))
        } else {
            CLOSED
        };
        // Only the trial round that is still current may decide.
        while w & TAG == HALF_OPEN && (w >> 32) as u32 == generation {
            match self
                .word
                .compare_exchange(w, target, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => {
                    if failed {
                        self.failed_trials.fetch_add(1, Ordering::AcqRel);
                    } else {
                        self.failed_trials.store(0, Ordering::Release);
                    }
                    self.failures.store(0, Ordering::Release);
                    self.changed(CircuitState::HalfOpen, state_of(target));
                    break;
                }
                Err(actual) => w = actual,
            }
        }
        out.map_err(CircuitError::Inner)
    }

    fn return_permit(&self, generation: u32) {
        let mut w = self.word.load(Ordering::Acquire);
        while w & TAG == HALF_OPEN && (w >> 32) as u32 == generation {
            match self
                .word
                .compare_exchange(w, w + PERMIT_ONE, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => break,
                Err(actual) => w = actual,
            }
        }
    }

    /// The open state until `now + wait`: `recovery_timeout` doubled per
    /// failed trial, capped by `max_recovery_timeout`, then jittered.
    fn open_word(&self) -> u64 {
        self.open_word_after(self.failed_trials.load(Ordering::Acquire))
    }

    /// The open state after `failed_trials` failed trials in a row.
    fn open_word_after(&self, failed_trials: u32) -> u64 {
        let doublings = failed_trials.min(31);
        let mut wait = self
            .recovery_timeout
            .saturating_mul(1 << doublings)
            .min(self.max_recovery_timeout);
        if self.recovery_jitter > 0.0 {
            wait = wait.saturating_add(crate::jitter::scale(
                wait,
                self.recovery_jitter * self.random.sample().clamp(0.0, 1.0),
            ));
        }
        let reopen_at = self.now_nanos().saturating_add(saturating_nanos(wait));
        OPEN | (reopen_at.min(u64::MAX >> 2) << 2)
    }

    fn changed(&self, from: CircuitState, to: CircuitState) {
        if from == to {
            return;
        }
        tracing::warn!(
            target: "strands_retry::breaker",
            from = %from,
            to = %to,
            "circuit breaker {from} -> {to}"
        );
        if let Some(f) = &self.on_change {
            f(from, to);
        }
    }
}
