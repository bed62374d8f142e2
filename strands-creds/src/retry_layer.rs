//! One retry layer: the strands policy decides every retry of an SDK
//! client's call, the SDK's own retry loop only carries it out.
//!
//! The SDK (aws-sdk-sts 1.124, aws-sdk-lambda 1.156) has no public door for
//! a whole custom `RetryStrategy` on a service config (`runtime_plugin` is
//! crate-private), and its token bucket prices and refunds by rules of its
//! own (see ARCHITECTURE.md's deliberate differences). So the decision is
//! taken out of the SDK:
//!
//! - each call holds a strands [`Attempts`], the very decision step
//!   `execute_with_retry` runs (classification, retries left, the delay
//!   with the strategy's jitter, base and hint rules, `max_elapsed`, the
//!   strategy's [`RetryBudget`](strands_retry::RetryBudget), stats,
//!   `notify`);
//! - after each attempt the interceptor steps it with strands-errors' one
//!   classification of the attempt, and writes the outcome into the
//!   call's own `RetryConfig` (a per-request layer of the config bag):
//!   a retry after exactly strands' delay (initial and max backoff both
//!   the delay, a static exponential base), or no retry (max attempts
//!   reached);
//! - the SDK's token bucket is unlimited, so it never refuses what
//!   strands granted: the strategy's budget is the one quota, shared with
//!   its clones and its own loops (`budget.available()` sees every retry);
//! - the classifier runs last and agrees with the decision's kind
//!   (retryable or forbidden), so no SDK classifier overrides it;
//! - an open breaker stops the request before it is sent.
//!
//! Left to the SDK: with a `rate_limiter`, the SDK's adaptive mode paces
//! the first attempt of each call (an interceptor cannot wait), per
//! manager. Not carried: `long_polling`'s pause after a budget refusal
//! (the SDK gives up at once). `build()` warns once naming those.
//!
//! Without `.retry_strategy(s)` the SDK's own retry loop runs, on the SDKs'
//! default behavior (2.1, set explicitly: aws-config's own default is still
//! 2.0), with `AWS_RETRY_MODE`, `AWS_MAX_ATTEMPTS` and a profile's
//! `retry_mode` and `max_attempts` honoured.
//!
//! Stacking: with `.retry_strategy(s)` on the manager, do not also wrap the
//! manager's clients in `#[with_retry]` or `s.execute_with_retry`: the
//! attempts would multiply (the SDK's inside yours). Choose one loop:
//! either this layer, or `#[with_retry]` around calls on a manager built
//! with `.disable_sdk_retries()` (one attempt per SDK call).

use crate::metrics::CallMetrics;
use aws_smithy_runtime::client::retries::{RetryPartition, TokenBucket};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
    FinalizerInterceptorContextRef, InterceptorContext,
};
use aws_smithy_runtime_api::client::interceptors::context::{Error, Output};
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::orchestrator::{HttpResponse, OrchestratorError};
use aws_smithy_runtime_api::client::retries::RequestAttempts;
use aws_smithy_runtime_api::client::retries::classifiers::{
    ClassifyRetry, RetryAction, RetryClassifierPriority, SharedRetryClassifier,
};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};
use aws_smithy_types::retry::{ErrorKind, RetryConfig, RetrySpec};
use aws_types::region::Region;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use strands_errors::{Parsed, TransportFailure, classify_response};
use strands_retry::{
    Attempts, CircuitBreaker, CircuitPermit, KeyedBreakers, RetryBehavior, RetryDecision,
    RetryKind, RetryStrategy, Retryable,
};

static NEXT_PARTITION: AtomicU64 = AtomicU64::new(0);

/// The breakers in front of a manager's clients: one for all of them, or
/// one per service and region (a throttled Lambda in us-east-1 opens its
/// own circuit; S3, IAM and Lambda elsewhere go on).
#[derive(Debug, Clone)]
pub(crate) enum Breakers {
    Shared(CircuitBreaker),
    PerServiceAndRegion(KeyedBreakers<(String, String)>),
}

impl Breakers {
    /// The breaker of `service` (the SDK's service name, any case:
    /// `lambda`, `s3`, `sts`) in `region`.
    pub(crate) fn of(&self, service: &str, region: &str) -> CircuitBreaker {
        match self {
            Self::Shared(b) => b.clone(),
            Self::PerServiceAndRegion(k) => {
                k.get(&(service.to_ascii_lowercase(), region.to_owned()))
            }
        }
    }

    /// The breaker of the call whose config bag this is.
    fn of_call(&self, cfg: &ConfigBag) -> CircuitBreaker {
        match self {
            Self::Shared(b) => b.clone(),
            Self::PerServiceAndRegion(_) => self.of(
                cfg.load::<Metadata>().map_or("", Metadata::service),
                cfg.load::<Region>().map_or("", Region::as_ref),
            ),
        }
    }
}

/// The strands policy as the SDK's levers. Cheap to clone; clones share the
/// strategy (its budget and stats), the breaker and the partition.
#[derive(Debug, Clone)]
pub(crate) struct RetryLayer {
    strategy: RetryStrategy,
    breaker: Option<Breakers>,
    partition: RetryPartition,
    /// `None` when nobody configured telemetry.
    metrics: Option<Arc<CallMetrics>>,
}

impl RetryLayer {
    /// A layer for `strategy`, with an optional breaker in front of every
    /// attempt.
    pub(crate) fn new(strategy: RetryStrategy, breaker: Option<Breakers>) -> Self {
        let n = NEXT_PARTITION.fetch_add(1, Ordering::Relaxed);
        // Unlimited: the strategy's budget is the quota, drawn on by the
        // interceptor's decision; the SDK's bucket must never refuse (or
        // refund) on its own. The partition still keys the SDK's adaptive
        // rate limiter, one per manager.
        let partition = RetryPartition::custom(format!("strands-{n}"))
            .token_bucket(TokenBucket::unlimited())
            .build();
        let metrics = CallMetrics::new(&strategy, breaker.as_ref()).map(Arc::new);
        // Per-service breakers count their transitions (made from now on).
        let breaker = match (breaker, &metrics) {
            (Some(Breakers::PerServiceAndRegion(k)), Some(m)) => {
                Some(Breakers::PerServiceAndRegion(m.observe(k)))
            }
            (b, _) => b,
        };
        Self {
            strategy,
            breaker,
            partition,
            metrics,
        }
    }

    /// The clients' base retry config: the attempts, the behavior's spec
    /// and the adaptive mode; each call's interceptor then sets the delay
    /// strands decided, or stops the loop.
    pub(crate) fn retry_config(&self) -> RetryConfig {
        let s = &self.strategy;
        let spec = match s.behavior() {
            RetryBehavior::V2_0 => RetrySpec::v2_0(),
            _ => RetrySpec::v2_1(),
        }
        .with_non_throttling_initial_backoff(s.transient_base_delay())
        .with_long_polling(s.is_long_polling());
        let base = if s.rate_limiter().is_some() {
            RetryConfig::adaptive()
        } else {
            RetryConfig::standard()
        };
        base.with_max_attempts(s.max_retries().saturating_add(1))
            .with_initial_backoff(s.base_delay())
            .with_max_backoff(s.max_delay())
            .with_retry_spec(spec)
    }

    /// The classifier that says retryable or forbidden, as strands does.
    pub(crate) fn classifier(&self) -> SharedRetryClassifier {
        SharedRetryClassifier::new(StrandsClassifier)
    }

    /// The interceptor: the decision, the stats and the breaker.
    pub(crate) fn interceptor(&self) -> StrandsInterceptor {
        StrandsInterceptor {
            strategy: self.strategy.clone(),
            breaker: self.breaker.clone(),
            metrics: self.metrics.clone(),
        }
    }

    /// The breakers, if any.
    pub(crate) fn breakers(&self) -> Option<&Breakers> {
        self.breaker.as_ref()
    }

    /// The partition shared by the manager's clients.
    pub(crate) fn partition(&self) -> RetryPartition {
        self.partition.clone()
    }

    /// The strands knobs the SDK path does not carry, one line each.
    pub(crate) fn unmapped(&self) -> Vec<String> {
        let s = &self.strategy;
        let mut out = Vec::new();
        if s.is_long_polling() {
            out.push(
                "long_polling (after a budget refusal the SDK gives up without the pause)"
                    .to_owned(),
            );
        }
        if s.rate_limiter().is_some() {
            out.push(
                "rate_limiter (the SDK's adaptive mode paces the clients, with its own limiter per manager)"
                    .to_owned(),
            );
        }
        out
    }
}

/// Runs after the SDK's classifiers and overrides them: strands' one
/// classification says what is retryable. Whether a retry happens, and
/// after how long, the interceptor has already decided for this attempt.
#[derive(Debug)]
struct StrandsClassifier;

impl ClassifyRetry for StrandsClassifier {
    fn classify_retry(&self, ctx: &InterceptorContext) -> RetryAction {
        let Some(v) = attempt_verdict(ctx.output_or_error(), ctx.response()) else {
            return RetryAction::NoActionIndicated;
        };
        let kind = match v.kind {
            RetryKind::Throttling => ErrorKind::ThrottlingError,
            RetryKind::Transient if v.timeout => ErrorKind::TransientError,
            RetryKind::Transient => ErrorKind::ServerError,
            RetryKind::Permanent => return RetryAction::RetryForbidden,
        };
        // No explicit delay: the server's hint is already in strands' delay
        // (bounded as the strategy's behavior says), which the interceptor
        // wrote into this call's retry config.
        RetryAction::retryable_error(kind)
    }

    fn name(&self) -> &'static str {
        "strands"
    }

    fn priority(&self) -> RetryClassifierPriority {
        RetryClassifierPriority::run_after(RetryClassifierPriority::transient_error_classifier())
    }
}

/// Steps the call's [`Attempts`], and puts the breaker in front of every
/// attempt.
#[derive(Debug, Clone)]
pub(crate) struct StrandsInterceptor {
    strategy: RetryStrategy,
    breaker: Option<Breakers>,
    metrics: Option<Arc<CallMetrics>>,
}

/// The breaker permit of the attempt in flight.
#[derive(Debug)]
struct PermitSlot(Mutex<Option<CircuitPermit>>);

impl Storable for PermitSlot {
    type Storer = StoreReplace<Self>;
}

/// The call's decision state, from its first attempt to its last.
#[derive(Debug)]
struct CallSlot(Mutex<Option<Attempts>>);

impl Storable for CallSlot {
    type Storer = StoreReplace<Self>;
}

fn attempt_of(cfg: &ConfigBag) -> u32 {
    cfg.load::<RequestAttempts>()
        .map_or(1, RequestAttempts::attempts)
}

impl Intercept for StrandsInterceptor {
    fn name(&self) -> &'static str {
        "strands-retry-layer"
    }

    fn read_before_execution(
        &self,
        _ctx: &BeforeSerializationInterceptorContextRef<'_>,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        cfg.interceptor_state()
            .store_put(CallSlot(Mutex::new(Some(self.strategy.attempts()))));
        Ok(())
    }

    fn read_before_attempt(
        &self,
        _ctx: &BeforeTransmitInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(b) = &self.breaker {
            let permit = match b.of_call(cfg).try_acquire() {
                Ok(p) => p,
                Err(e) => {
                    if let Some(m) = &self.metrics {
                        m.rejected(cfg);
                    }
                    return Err(Box::new(e));
                }
            };
            cfg.interceptor_state()
                .store_put(PermitSlot(Mutex::new(Some(permit))));
        }
        Ok(())
    }

    fn read_after_attempt(
        &self,
        ctx: &FinalizerInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let verdict = attempt_verdict(ctx.output_or_error(), ctx.response());
        // An attempt stopped by an open breaker was never made.
        let sent = ctx.response().is_some()
            || !ctx
                .output_or_error()
                .and_then(Result::err)
                .is_some_and(OrchestratorError::is_interceptor_error);
        if let (Some(m), true) = (&self.metrics, sent) {
            m.attempt(cfg);
        }
        if let Some(slot) = cfg.load::<PermitSlot>() {
            let permit = slot.0.lock().ok().and_then(|mut p| p.take());
            if let Some(permit) = permit {
                permit.record(verdict.is_some_and(|v| v.kind.is_retryable()));
            }
        }
        let Some(slot) = cfg.load::<CallSlot>() else {
            return Ok(());
        };
        let Ok(mut call) = slot.0.lock() else {
            return Ok(());
        };
        let Some(v) = verdict else {
            if let Some(attempts) = call.take() {
                attempts.on_success();
            }
            return Ok(());
        };
        let Some(attempts) = call.as_mut() else {
            return Ok(());
        };
        let failed = FailedAttempt {
            verdict: v,
            error: ctx.output_or_error().and_then(Result::err),
        };
        let decision = attempts.on_error(&failed);
        if let (Some(m), RetryDecision::Retry(_)) = (&self.metrics, decision) {
            m.retry(cfg, v.kind);
        }
        if let RetryDecision::GiveUp | RetryDecision::GiveUpAfter(_) = decision {
            call.take();
        }
        drop(call);
        let current = cfg
            .load::<RetryConfig>()
            .cloned()
            .unwrap_or_else(RetryConfig::standard);
        let rc = carry_out(current, decision, attempt_of(cfg));
        cfg.interceptor_state().store_put(rc);
        Ok(())
    }
}

/// The SDK retry config that carries out `decision` after attempt number
/// `attempt`: a retry after exactly its delay, or no retry at all.
fn carry_out(current: RetryConfig, decision: RetryDecision, attempt: u32) -> RetryConfig {
    match decision {
        // The SDK's delay is `min(b × initial × 2^(n-1), max)` with `b` 1
        // under a static base: with both bounds the delay, it is the delay.
        RetryDecision::Retry(d) => {
            let spec = current
                .retry_spec()
                .cloned()
                .unwrap_or_else(RetrySpec::v2_1)
                .with_non_throttling_initial_backoff(d);
            current
                .with_initial_backoff(d)
                .with_max_backoff(d)
                .with_use_static_exponential_base(true)
                .with_retry_spec(spec)
        }
        _ => current.with_max_attempts(attempt.max(1)),
    }
}

/// One failed SDK attempt as strands-retry sees it.
struct FailedAttempt<'a> {
    verdict: Verdict,
    error: Option<&'a OrchestratorError<Error>>,
}

impl fmt::Debug for FailedAttempt<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FailedAttempt")
            .field("kind", &self.verdict.kind)
            .field("timeout", &self.verdict.timeout)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for FailedAttempt<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.error {
            Some(e) => fmt::Display::fmt(e, f),
            None => write!(f, "a {} error", self.verdict.kind.as_str()),
        }
    }
}

impl std::error::Error for FailedAttempt<'_> {}

impl Retryable for FailedAttempt<'_> {
    fn retry_kind(&self) -> RetryKind {
        self.verdict.kind
    }
    fn retry_after(&self) -> Option<Duration> {
        self.verdict.retry_after
    }
    fn is_timeout(&self) -> bool {
        self.verdict.timeout
    }
}

/// What strands-errors' classification says of one failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Verdict {
    /// How it is retried.
    pub(crate) kind: RetryKind,
    /// The server's delay hint.
    pub(crate) retry_after: Option<Duration>,
    /// No response: the attempt timed out.
    pub(crate) timeout: bool,
}

/// The verdict on one attempt: `None` for a success. Every decision is
/// strands-errors' one classification: [`TransportFailure`] when no
/// response came back, [`classify_response`] when one did. Whatever a
/// retry could help with (timeouts, connection failures, throttling, 5xx,
/// a body cut short) also counts against the breaker; a 404 does not, so
/// the breaker and the retry decision never disagree.
pub(crate) fn attempt_verdict(
    outcome: Option<Result<&Output, &OrchestratorError<Error>>>,
    response: Option<&HttpResponse>,
) -> Option<Verdict> {
    let Some(Err(err)) = outcome else {
        return None;
    };
    let transport = |t: TransportFailure| Verdict {
        kind: t.retry_kind(),
        retry_after: None,
        timeout: t == TransportFailure::TimedOut,
    };
    if err.is_timeout_error() {
        return Some(transport(TransportFailure::TimedOut));
    }
    if let Some(c) = err.as_connector_error() {
        return Some(transport(TransportFailure::of(c)));
    }
    // No response: an interceptor stopped the request (an open breaker)
    // or it could not be built; retrying would not help.
    let Some(raw) = response else {
        return Some(Verdict {
            kind: RetryKind::Permanent,
            retry_after: None,
            timeout: false,
        });
    };
    let c = classify_response(raw, Parsed::NOTHING);
    Some(Verdict {
        kind: c.retry_kind,
        retry_after: c.retry_after,
        timeout: false,
    })
}

#[cfg(test)]
mod tests {
    //! The three paths that decide about an AWS failure, the handler's
    //! `DeploymentError`, this layer's classifier and the breaker's
    //! accounting, agree on every table row and a grid of statuses.
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use aws_smithy_runtime_api::client::interceptors::context::Input;
    use aws_smithy_runtime_api::client::result::SdkError;
    use aws_smithy_runtime_api::client::retries::classifiers::RetryReason;
    use aws_smithy_runtime_api::http::{Response, StatusCode};
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;
    use strands_errors::{ErrorContext, error_handler};

    const STATUSES: &[u16] = &[
        400, 401, 403, 404, 408, 409, 413, 429, 500, 501, 502, 503, 504, 505, 507, 509, 599,
    ];

    fn response(status: u16, code: Option<&str>, message: &str) -> Response {
        let body = match code {
            Some(c) => serde_json::json!({ "__type": c, "message": message }).to_string(),
            None => String::new(),
        };
        let mut r = Response::new(StatusCode::try_from(status).unwrap(), SdkBody::from(body));
        if let Some(c) = code {
            r.headers_mut().insert("x-amzn-ErrorType", c.to_owned());
        }
        r
    }

    fn meta(code: Option<&str>, message: &str) -> ErrorMetadata {
        let mut b = ErrorMetadata::builder().message(message);
        if let Some(c) = code {
            b = b.code(c);
        }
        b.build()
    }

    /// The verdicts of the three paths for one response.
    fn verdicts(status: u16, code: Option<&str>, message: &str) -> (RetryKind, RetryKind, bool) {
        let err = SdkError::service_error(meta(code, message), response(status, code, message));
        let handler = error_handler()
            .handle_exception(err, ErrorContext::new())
            .retry_kind();

        let mut ctx = InterceptorContext::new(Input::doesnt_matter());
        ctx.set_response(response(status, code, message));
        ctx.set_output_or_error(Err(OrchestratorError::operation(Error::erase(meta(
            code, message,
        )))));
        let classifier = StrandsClassifier;
        let layer = match classifier.classify_retry(&ctx) {
            RetryAction::RetryIndicated(RetryReason::RetryableError { kind, .. }) => match kind {
                ErrorKind::ThrottlingError => RetryKind::Throttling,
                ErrorKind::ServerError => RetryKind::Transient,
                other => panic!("a response classified as {other:?}"),
            },
            _ => RetryKind::Permanent,
        };
        let breaker = attempt_verdict(ctx.output_or_error(), ctx.response())
            .is_some_and(|v| v.kind.is_retryable());
        (handler, layer, breaker)
    }

    #[test]
    fn handler_classifier_and_breaker_agree_on_every_row_and_status() {
        let mut cases: Vec<(Option<&str>, &str)> = strands_errors::__private::table_rows()
            .into_iter()
            .map(|(code, when)| (Some(code), when.unwrap_or("")))
            .collect();
        cases.extend([(Some("FooError"), ""), (Some("1"), "msg"), (None, "")]);
        let mut checked = 0;
        for (code, message) in cases {
            for &status in STATUSES {
                let (handler, layer, breaker) = verdicts(status, code, message);
                assert_eq!(handler, layer, "{code:?} {status} {message:?}");
                assert_eq!(
                    breaker,
                    handler.is_retryable(),
                    "breaker: {code:?} {status} {message:?}"
                );
                // ... and all three follow the one decision.
                assert_eq!(
                    handler,
                    strands_errors::__private::retry_kind(code, message, status),
                    "{code:?} {status}"
                );
                checked += 1;
            }
        }
        assert!(checked > 1000, "{checked}");
    }

    /// Every knob the SDK path cannot carry is named, and nothing else:
    /// jitter, base, deadline, notify, random source and refund are
    /// strands' own decision now, so they are carried.
    #[test]
    fn unmapped_names_every_knob_the_sdk_cannot_carry() {
        use strands_retry::{AdaptiveRateLimiter, RandomSource, RetryBudget, RetryCosts};
        let plain = RetryStrategy::builder()
            .exponential_base(3.0)
            .jitter(strands_retry::Jitter::Equal)
            .max_elapsed(Duration::from_secs(9))
            .notify(|_| {})
            .random_source(RandomSource::seeded(1))
            .budget(RetryBudget::new(50).with_costs(RetryCosts::V2_1.with_first_try_refund(0)))
            .build()
            .unwrap();
        assert!(RetryLayer::new(plain, None).unmapped().is_empty());
        let s = RetryStrategy::aws_standard(RetryBehavior::V2_1)
            .long_polling(true)
            .rate_limiter(AdaptiveRateLimiter::new())
            .build()
            .unwrap();
        let knobs = RetryLayer::new(s, None).unmapped();
        let all = knobs.join("\n");
        for k in ["long_polling", "rate_limiter"] {
            assert!(all.contains(k), "{k} missing from {all}");
        }
        assert_eq!(knobs.len(), 2, "{all}");
    }

    /// A retry is carried out after exactly strands' delay; a give-up
    /// stops the SDK's loop at the attempt just made.
    #[test]
    fn the_decision_becomes_the_call_s_retry_config() {
        let base = RetryConfig::standard()
            .with_max_attempts(6)
            .with_retry_spec(RetrySpec::v2_1());
        let d = Duration::from_millis(1234);
        let rc = carry_out(base.clone(), RetryDecision::Retry(d), 2);
        assert_eq!(rc.max_attempts(), 6);
        assert_eq!(rc.initial_backoff(), d);
        assert_eq!(rc.max_backoff(), d);
        assert!(rc.use_static_exponential_base());
        assert_eq!(rc.retry_spec().unwrap().non_throttling_initial_backoff(), d);
        assert_eq!(
            carry_out(base.clone(), RetryDecision::GiveUp, 3).max_attempts(),
            3
        );
        assert_eq!(
            carry_out(base, RetryDecision::GiveUpAfter(d), 0).max_attempts(),
            1
        );
    }

    #[test]
    fn the_issue_s_disagreements_are_gone() {
        // A 5xx with a code no table knows: transient everywhere.
        assert_eq!(
            verdicts(500, Some("FooError"), ""),
            (RetryKind::Transient, RetryKind::Transient, true)
        );
        // A 429 with an unknown code: throttling everywhere.
        assert_eq!(
            verdicts(429, Some("FooError"), ""),
            (RetryKind::Throttling, RetryKind::Throttling, true)
        );
        // Lambda's "update in progress" conflict: transient on the SDK
        // path too (it used to be forbidden there).
        assert_eq!(
            verdicts(
                409,
                Some("ResourceConflictException"),
                "An update is in progress for resource: arn:aws:lambda:us-east-1:1:function:f"
            ),
            (RetryKind::Transient, RetryKind::Transient, true)
        );
        assert_eq!(
            verdicts(404, Some("ResourceNotFoundException"), "nope"),
            (RetryKind::Permanent, RetryKind::Permanent, false)
        );
    }
}
