//! strands' numbers in the AWS SDK's own telemetry pipeline: the meter of
//! the global `TelemetryProvider` of `aws-smithy-observability`, the one
//! the SDK's clients already report `smithy.client.call.*` to. One
//! OpenTelemetry setup (`aws-smithy-observability-otel`) then shows the
//! SDK's metrics and strands' together.
//!
//! strands-retry knows nothing of this: the retry layer's interceptor
//! counts what it decides, and the strategy's budget, stats and breakers
//! are read when the pipeline collects (asynchronous instruments), so an
//! uncollected value costs nothing.
//!
//! Names follow the SDK's (`smithy.client.call.*`) under `strands.`;
//! attributes are OpenTelemetry's semantic conventions for RPC and cloud:
//! `rpc.service`, `rpc.method`, `cloud.region`.
//!
//! | instrument | kind | attributes |
//! |---|---|---|
//! | `strands.client.call.attempts` | counter | service, method, region |
//! | `strands.client.call.retries` | counter | service, method, region, `retry.kind` |
//! | `strands.circuit_breaker.rejections` | counter | service, method, region |
//! | `strands.circuit_breaker.state` | gauge (0 closed, 1 half-open, 2 open) | service, region (per-service breakers) |
//! | `strands.circuit_breaker.transitions` | counter | service, region, `from`, `to` (per-service breakers) |
//! | `strands.retry.budget.tokens` | gauge | |
//! | `strands.retry.budget.refusals` | counter | |
//! | `strands.credentials.fetches` | counter | `cloud.region` |
//!
//! A strategy used outside the SDK clients (`execute_with_retry`,
//! `#[with_retry]`, `Attempts`) is reported with [`StrategyMetrics`]: its
//! own counters (`RetryStats`), read when the pipeline collects, labelled
//! `strategy`:
//!
//! | instrument | kind |
//! |---|---|
//! | `strands.retry.calls` | counter (with `count_calls(true)`) |
//! | `strands.retry.attempts` | counter |
//! | `strands.retry.retries` | counter |
//! | `strands.retry.give_ups` | counter |
//! | `strands.retry.budget.refusals` | counter |
//! | `strands.retry.budget.tokens` | gauge |
//!
//! The instruments are made when the manager is built (or the strategy
//! registered), from the provider set then: set the global provider
//! first, as for the SDK's own clients.
//!
//! When the global provider is the SDK's no-op one (nobody configured
//! telemetry), no instrument is made and the interceptor records nothing:
//! no attribute map is built, nothing is allocated.
//!
//! A meter provider that panics never breaks a call: every recording is
//! caught (`catch_unwind`) and dropped. One that blocks blocks the call
//! that records (instruments are synchronous by their contract): use an
//! exporter that batches, as OpenTelemetry's periodic reader does.

use crate::credentials_cache::CredentialsCache;
use crate::retry_layer::Breakers;
use aws_smithy_observability::global::get_telemetry_provider;
use aws_smithy_observability::instruments::{AsyncMeasure, MonotonicCounter};
use aws_smithy_observability::{AttributeValue, Attributes};
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_types::config_bag::ConfigBag;
use aws_types::region::Region;
use std::fmt;
use std::sync::Arc;
use strands_retry::{CircuitState, KeyedBreakers, RetryKind, RetryStrategy};

const SCOPE: &str = "strands";

/// The meter of the configured provider, if one is configured.
fn meter() -> Option<aws_smithy_observability::meter::Meter> {
    let provider = get_telemetry_provider().ok()?;
    let mp = provider.meter_provider();
    (mp.provider_name() != "noop").then(|| mp.get_meter(SCOPE, None))
}

/// Handles of the asynchronous instruments: kept alive, their callbacks
/// run when the pipeline collects.
type Observed = Vec<Arc<dyn fmt::Debug + Send + Sync>>;

/// The retry layer's instruments.
pub(crate) struct CallMetrics {
    attempts: Arc<dyn MonotonicCounter>,
    retries: Arc<dyn MonotonicCounter>,
    rejections: Arc<dyn MonotonicCounter>,
    transitions: Arc<dyn MonotonicCounter>,
    _observed: Observed,
}

/// Run a recording; a panic in the user's meter provider is dropped.
fn guarded(f: impl FnOnce()) {
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
}

impl fmt::Debug for CallMetrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallMetrics").finish_non_exhaustive()
    }
}

fn state_value(s: CircuitState) -> f64 {
    match s {
        CircuitState::Closed => 0.0,
        CircuitState::HalfOpen => 1.0,
        _ => 2.0,
    }
}

impl CallMetrics {
    /// The instruments, or `None` when nobody configured telemetry.
    pub(crate) fn new(strategy: &RetryStrategy, breakers: Option<&Breakers>) -> Option<Self> {
        let meter = meter()?;
        let mut observed: Observed = Vec::new();
        let s = strategy.clone();
        let tokens: Arc<dyn AsyncMeasure<Value = f64>> = meter
            .create_gauge("strands.retry.budget.tokens", move |m| {
                guarded(|| m.record(f64::from(s.budget().available()), None, None));
            })
            .set_description("Tokens left in the retry budget")
            .build();
        observed.push(Arc::new(tokens));
        let s = strategy.clone();
        let refusals: Arc<dyn AsyncMeasure<Value = u64>> = meter
            .create_async_monotonic_counter("strands.retry.budget.refusals", move |m| {
                guarded(|| m.record(s.stats().budget_refusals, None, None));
            })
            .set_description("Retries the budget refused")
            .build();
        observed.push(Arc::new(refusals));
        if let Some(b) = breakers.cloned() {
            let state: Arc<dyn AsyncMeasure<Value = f64>> = meter
                .create_gauge("strands.circuit_breaker.state", move |m| match &b {
                    Breakers::Shared(one) => m.record(state_value(one.state()), None, None),
                    Breakers::PerServiceAndRegion(keyed) => {
                        for ((service, region), st) in keyed.states() {
                            let mut a = Attributes::new();
                            a.set("rpc.service", AttributeValue::String(service));
                            a.set("cloud.region", AttributeValue::String(region));
                            m.record(state_value(st), Some(&a), None);
                        }
                    }
                })
                .set_description("Circuit breaker state: 0 closed, 1 half-open, 2 open")
                .build();
            observed.push(Arc::new(state));
        }
        Some(Self {
            attempts: meter
                .create_monotonic_counter("strands.client.call.attempts")
                .set_description("Attempts of calls under the strands retry layer")
                .build(),
            retries: meter
                .create_monotonic_counter("strands.client.call.retries")
                .set_description("Retries the strands retry layer decided, by kind")
                .build(),
            rejections: meter
                .create_monotonic_counter("strands.circuit_breaker.rejections")
                .set_description("Attempts an open circuit breaker kept from being sent")
                .build(),
            transitions: meter
                .create_monotonic_counter("strands.circuit_breaker.transitions")
                .set_description("Circuit breaker state changes")
                .build(),
            _observed: observed,
        })
    }

    /// An attempt was made.
    pub(crate) fn attempt(&self, cfg: &ConfigBag) {
        guarded(|| self.attempts.add(1, Some(&call_attributes(cfg)), None));
    }

    /// A retry was decided, after an error of `kind`.
    pub(crate) fn retry(&self, cfg: &ConfigBag, kind: RetryKind) {
        guarded(|| {
            let mut a = call_attributes(cfg);
            a.set("retry.kind", AttributeValue::String(kind.to_string()));
            self.retries.add(1, Some(&a), None);
        });
    }

    /// An open breaker kept an attempt home.
    pub(crate) fn rejected(&self, cfg: &ConfigBag) {
        guarded(|| self.rejections.add(1, Some(&call_attributes(cfg)), None));
    }

    /// The per-service breakers, counting their state changes.
    pub(crate) fn observe(
        &self,
        keyed: KeyedBreakers<(String, String)>,
    ) -> KeyedBreakers<(String, String)> {
        let transitions = Arc::clone(&self.transitions);
        keyed.on_state_change(move |(service, region), from, to| {
            guarded(|| {
                let mut a = Attributes::new();
                a.set("rpc.service", AttributeValue::String(service.clone()));
                a.set("cloud.region", AttributeValue::String(region.clone()));
                a.set("from", AttributeValue::String(from.to_string()));
                a.set("to", AttributeValue::String(to.to_string()));
                transitions.add(1, Some(&a), None);
            });
        })
    }
}

/// `rpc.service`, `rpc.method` and `cloud.region` of the call whose
/// config bag this is.
fn call_attributes(cfg: &ConfigBag) -> Attributes {
    let mut a = Attributes::new();
    if let Some(m) = cfg.load::<Metadata>() {
        a.set(
            "rpc.service",
            AttributeValue::String(m.service().to_owned()),
        );
        a.set("rpc.method", AttributeValue::String(m.name().to_owned()));
    }
    if let Some(r) = cfg.load::<Region>() {
        a.set("cloud.region", AttributeValue::String(r.to_string()));
    }
    a
}

/// A retry strategy's own counters in the SDK's telemetry pipeline, for
/// the loops strands runs itself (`execute_with_retry`, `#[with_retry]`,
/// `Attempts`): read from its [`RetryStats`](strands_retry::RetryStats)
/// and budget when the pipeline collects, so the loops do no more work
/// than they already do. Labelled `strategy = name`. Reporting stops when
/// this is dropped; nothing is made when nobody configured telemetry.
///
/// ```no_run
/// use strands_creds::StrategyMetrics;
/// use strands_retry::RetryStrategy;
///
/// let strategy = RetryStrategy::builder().count_calls(true).build()?;
/// let _metrics = StrategyMetrics::register("deploy", &strategy);
/// # Ok::<(), strands_retry::ConfigError>(())
/// ```
#[must_use = "reporting stops when this is dropped"]
pub struct StrategyMetrics {
    _observed: Observed,
}

impl fmt::Debug for StrategyMetrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StrategyMetrics")
            .field("instruments", &self._observed.len())
            .finish()
    }
}

impl StrategyMetrics {
    /// Report `strategy` under `name`.
    pub fn register(name: &str, strategy: &RetryStrategy) -> Self {
        let Some(meter) = meter() else {
            return Self {
                _observed: Vec::new(),
            };
        };
        let mut observed: Observed = Vec::new();
        let label = || {
            let mut a = Attributes::new();
            a.set("strategy", AttributeValue::String(name.to_owned()));
            a
        };
        type Read = fn(&strands_retry::RetryStats) -> u64;
        let counters: [(&'static str, &'static str, Read); 5] = [
            (
                "strands.retry.calls",
                "Calls started (with count_calls)",
                |s| s.calls,
            ),
            ("strands.retry.attempts", "Attempts made", |s| s.attempts),
            ("strands.retry.retries", "Retries made", |s| s.retries),
            (
                "strands.retry.give_ups",
                "Calls that ended in an error",
                |s| s.give_ups,
            ),
            (
                "strands.retry.budget.refusals",
                "Retries the budget refused",
                |s| s.budget_refusals,
            ),
        ];
        for (metric, description, read) in counters {
            let s = strategy.clone();
            let a = label();
            let c: Arc<dyn AsyncMeasure<Value = u64>> = meter
                .create_async_monotonic_counter(metric, move |m| {
                    guarded(|| m.record(read(&s.stats()), Some(&a), None));
                })
                .set_description(description)
                .build();
            observed.push(Arc::new(c));
        }
        let s = strategy.clone();
        let a = label();
        let tokens: Arc<dyn AsyncMeasure<Value = f64>> = meter
            .create_gauge("strands.retry.budget.tokens", move |m| {
                guarded(|| m.record(f64::from(s.budget().available()), Some(&a), None));
            })
            .set_description("Tokens left in the retry budget")
            .build();
        observed.push(Arc::new(tokens));
        Self {
            _observed: observed,
        }
    }
}

/// `strands.credentials.fetches`: what each region's credential cache
/// fetched, read when the pipeline collects. `None` when nobody
/// configured telemetry.
pub(crate) fn credential_fetches(
    caches: Vec<(String, CredentialsCache)>,
) -> Option<Arc<dyn fmt::Debug + Send + Sync>> {
    let meter = meter()?;
    let fetches: Arc<dyn AsyncMeasure<Value = u64>> = meter
        .create_async_monotonic_counter("strands.credentials.fetches", move |m| {
            for (region, cache) in &caches {
                let mut a = Attributes::new();
                a.set("cloud.region", AttributeValue::String(region.clone()));
                m.record(cache.fetches(), Some(&a), None);
            }
        })
        .set_description("Credential fetches (first fetch and refreshes) of the manager's sources")
        .build();
    Some(Arc::new(fetches))
}
