//! One retry layer: the strands policy mapped onto the AWS SDK's own retry
//! loop, so a call is retried by exactly one loop.
//!
//! The SDK (aws-sdk-sts 1.124, aws-sdk-lambda 1.156) has no public door for
//! a whole custom `RetryStrategy` on a service config (`runtime_plugin` is
//! crate-private), so we use the four public levers:
//!
//! | strands knob | SDK lever |
//! |---|---|
//! | `max_retries`, `base_delay`, `max_delay` | `RetryConfig::standard()` (attempts = retries + 1, initial and max backoff) |
//! | `behavior`, `transient_base_delay`, `long_polling` | the config's `RetrySpec` (`v2_0()` or `v2_1()`, its non-throttling initial backoff, long polling) |
//! | `rate_limiter` | `RetryMode::Adaptive` (the SDK keeps its own limiter state, per manager) |
//! | strands-retry's code tables, `Retry-After`, `x-amz-retry-after` | a `ClassifyRetry` that runs last and decides: retryable with the server's delay, or forbidden |
//! | stats, `CircuitBreaker` | an `Intercept`: counts each attempt into the strategy's stats; an open breaker stops the request before it is sent |
//! | `RetryBudget` (size and prices) | one custom `RetryPartition` per manager, whose `TokenBucket` has the budget's capacity and prices (an unlimited budget: `TokenBucket::unlimited()`); its clients share it |
//!
//! The SDK's bucket is its own: it starts as the strands budget does and
//! follows the same rules, but SDK-path retries do not draw on the
//! `RetryBudget` value itself (`budget.available()` counts only strands
//! loops).
//!
//! Not mappable: an exponential base other than 2 and jitter other than
//! Full (the SDK's backoff is `rand × min(initial × 2^n, max)`, which is
//! strands' default), `max_elapsed`, `notify`, a fixed or seeded
//! `random_source`, and a first-try refund other than 1. `build()` logs one
//! warning naming every knob it could not carry over.
//!
//! Without `.retry_strategy(s)` strands sets no retry config at all: the
//! SDK's own resolution applies (`AWS_RETRY_MODE`, `AWS_MAX_ATTEMPTS`,
//! `AWS_NEW_RETRIES_2026`, a profile's `retry_mode` and `max_attempts`).
//!
//! Stacking: with `.retry_strategy(s)` on the manager, do not also wrap the
//! manager's clients in `#[with_retry]` or `s.execute_with_retry`: the
//! attempts would multiply (the SDK's inside yours). Choose one loop:
//! either this layer, or `#[with_retry]` around calls on a manager built
//! with `.disable_sdk_retries()` (one attempt per SDK call).

use aws_smithy_runtime::client::retries::{RetryPartition, TokenBucket};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextRef, InterceptorContext,
};
use aws_smithy_runtime_api::client::interceptors::context::{Error, Output};
use aws_smithy_runtime_api::client::orchestrator::{HttpResponse, OrchestratorError};
use aws_smithy_runtime_api::client::retries::RequestAttempts;
use aws_smithy_runtime_api::client::retries::classifiers::{
    ClassifyRetry, RetryAction, RetryClassifierPriority, SharedRetryClassifier,
};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};
use aws_smithy_types::retry::{ErrorKind, RetryConfig, RetrySpec};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use strands_errors::{Parsed, TransportFailure, classify_response};
use strands_retry::{
    CircuitBreaker, CircuitPermit, Jitter, RetryBehavior, RetryCosts, RetryKind, RetryStrategy,
};

static NEXT_PARTITION: AtomicU64 = AtomicU64::new(0);

/// The strands policy as the SDK's levers. Cheap to clone; clones share the
/// strategy's stats, the breaker and the partition.
#[derive(Debug, Clone)]
pub(crate) struct RetryLayer {
    strategy: RetryStrategy,
    breaker: Option<CircuitBreaker>,
    partition: RetryPartition,
}

impl RetryLayer {
    /// A layer for `strategy`, with an optional breaker in front of every
    /// attempt.
    pub(crate) fn new(strategy: RetryStrategy, breaker: Option<CircuitBreaker>) -> Self {
        let n = NEXT_PARTITION.fetch_add(1, Ordering::Relaxed);
        let partition = RetryPartition::custom(format!("strands-{n}"))
            .token_bucket(token_bucket(&strategy))
            .build();
        Self {
            strategy,
            breaker,
            partition,
        }
    }

    /// Attempts and backoff bounds.
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

    /// The classifier that decides what is retried.
    pub(crate) fn classifier(&self) -> SharedRetryClassifier {
        SharedRetryClassifier::new(StrandsClassifier)
    }

    /// The interceptor: stats and the breaker.
    pub(crate) fn interceptor(&self) -> StrandsInterceptor {
        StrandsInterceptor {
            strategy: self.strategy.clone(),
            breaker: self.breaker.clone(),
        }
    }

    /// The partition shared by the manager's clients (one token bucket).
    pub(crate) fn partition(&self) -> RetryPartition {
        self.partition.clone()
    }

    /// The strands knobs the SDK cannot carry, one line each.
    pub(crate) fn unmapped(&self) -> Vec<String> {
        let s = &self.strategy;
        let mut out = Vec::new();
        if s.has_notify() {
            out.push("notify (the SDK's retries call no strands hook; use an interceptor or the strategy's stats)".to_owned());
        }
        if !s.random_source().is_thread_local() {
            out.push(format!(
                "random_source {:?} (the SDK draws its own jitter)",
                s.random_source()
            ));
        }
        let refund = s.budget().costs().first_try_refund;
        if !s.budget().is_unlimited() && refund != RetryCosts::V2_0.first_try_refund {
            out.push(format!(
                "a first-try refund of {refund} (the SDK's bucket gives back 1)"
            ));
        }
        if (s.exponential_base() - 2.0).abs() > f64::EPSILON {
            out.push(format!(
                "exponential_base {} (the SDK's backoff doubles)",
                s.exponential_base()
            ));
        }
        if !matches!(s.jitter(), Jitter::Full) {
            out.push(format!(
                "jitter {:?} (the SDK uses Full jitter)",
                s.jitter()
            ));
        }
        if let Some(d) = s.max_elapsed() {
            out.push(format!(
                "max_elapsed {d:?} (use an operation timeout instead)"
            ));
        }
        out
    }
}

/// The SDK's token bucket for `strategy`'s budget: its size and prices.
///
/// The SDK prices an `ErrorKind::TransientError` (its name for a timeout
/// or a connection failure) at `timeout_retry_cost`, a `ServerError` at
/// `retry_cost` and a `ThrottlingError` at `throttling_retry_cost`; the
/// classifier below sorts strands' verdicts into those three.
fn token_bucket(strategy: &RetryStrategy) -> TokenBucket {
    let budget = strategy.budget();
    if budget.is_unlimited() {
        return TokenBucket::unlimited();
    }
    let c = budget.costs();
    TokenBucket::builder()
        .capacity(usize::try_from(budget.capacity()).unwrap_or(usize::MAX))
        .retry_cost(c.retry)
        .timeout_retry_cost(c.timeout_retry)
        .throttling_retry_cost(c.throttling_retry)
        .build()
}

/// Runs after the SDK's classifiers and overrides them: strands' tables
/// decide, so nothing the strands policy calls permanent is retried.
#[derive(Debug)]
struct StrandsClassifier;

impl ClassifyRetry for StrandsClassifier {
    fn classify_retry(&self, ctx: &InterceptorContext) -> RetryAction {
        let Some((kind, hint)) = attempt_verdict(ctx.output_or_error(), ctx.response()) else {
            return RetryAction::NoActionIndicated;
        };
        let kind = match kind {
            RetryKind::Throttling => ErrorKind::ThrottlingError,
            // No response: the SDK's "transient" (a timeout's price).
            RetryKind::Transient if ctx.response().is_none() => ErrorKind::TransientError,
            RetryKind::Transient => ErrorKind::ServerError,
            RetryKind::Permanent => return RetryAction::RetryForbidden,
        };
        // The hint goes as is: the SDK bounds it as the spec says (by the
        // max backoff under 2.0, to [t, t + 5 s] under 2.1).
        match hint {
            Some(d) => RetryAction::retryable_error_with_explicit_delay(kind, d),
            None => RetryAction::retryable_error(kind),
        }
    }

    fn name(&self) -> &'static str {
        "strands"
    }

    fn priority(&self) -> RetryClassifierPriority {
        RetryClassifierPriority::run_after(RetryClassifierPriority::transient_error_classifier())
    }
}

/// Counts attempts into the strategy's stats and puts the breaker in front
/// of every attempt.
#[derive(Debug, Clone)]
pub(crate) struct StrandsInterceptor {
    strategy: RetryStrategy,
    breaker: Option<CircuitBreaker>,
}

/// The breaker permit of the attempt in flight.
#[derive(Debug)]
struct PermitSlot(Mutex<Option<CircuitPermit>>);

impl Storable for PermitSlot {
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

    fn read_before_attempt(
        &self,
        _ctx: &BeforeTransmitInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.strategy.__record_attempt(attempt_of(cfg));
        if let Some(b) = &self.breaker {
            let permit = b.try_acquire().map_err(|e| -> BoxError { Box::new(e) })?;
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
        let Some(slot) = cfg.load::<PermitSlot>() else {
            return Ok(());
        };
        let permit = slot.0.lock().ok().and_then(|mut p| p.take());
        if let Some(permit) = permit {
            permit.record(attempt_failed(ctx));
        }
        Ok(())
    }

    fn read_after_execution(
        &self,
        ctx: &FinalizerInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let ok = matches!(ctx.output_or_error(), Some(Ok(_)));
        self.strategy.__record_outcome(ok, attempt_of(cfg) > 1);
        Ok(())
    }
}

/// Whether an attempt counts against the dependency's health: whatever a
/// retry could help with (timeouts, connection failures, throttling, 5xx,
/// a body cut short) does; a 404 does not. The same verdict as the
/// classifier's, so the breaker and the retry loop never disagree.
fn attempt_failed(ctx: &FinalizerInterceptorContextRef<'_>) -> bool {
    attempt_verdict(ctx.output_or_error(), ctx.response())
        .is_some_and(|(kind, _)| kind.is_retryable())
}

/// The verdict on one attempt: `None` for a success, else the retry kind
/// and the server's delay hint. Every decision is strands-errors' one
/// classification: [`TransportFailure`] when no response came back,
/// [`classify_response`] when one did.
pub(crate) fn attempt_verdict(
    outcome: Option<Result<&Output, &OrchestratorError<Error>>>,
    response: Option<&HttpResponse>,
) -> Option<(RetryKind, Option<Duration>)> {
    let Some(Err(err)) = outcome else {
        return None;
    };
    if err.is_timeout_error() {
        return Some((TransportFailure::TimedOut.retry_kind(), None));
    }
    if let Some(c) = err.as_connector_error() {
        return Some((TransportFailure::of(c).retry_kind(), None));
    }
    // No response: an interceptor stopped the request (an open breaker)
    // or it could not be built; retrying would not help.
    let Some(raw) = response else {
        return Some((RetryKind::Permanent, None));
    };
    let c = classify_response(raw, Parsed::NOTHING);
    Some((c.retry_kind, c.retry_after))
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
    use strands_errors::{ErrorContext, aws_codes, error_handler};

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
        let breaker = attempt_failed(&FinalizerInterceptorContextRef::from(&ctx));
        (handler, layer, breaker)
    }

    #[test]
    fn handler_classifier_and_breaker_agree_on_every_row_and_status() {
        let mut cases: Vec<(Option<&str>, &str)> = aws_codes::CODES
            .iter()
            .map(|r| (Some(r.code), r.when.unwrap_or("")))
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
                    strands_errors::classify::retry_kind(code, message, status),
                    "{code:?} {status}"
                );
                checked += 1;
            }
        }
        assert!(checked > 1000, "{checked}");
    }

    /// Every knob the SDK path cannot carry is named, and nothing else.
    #[test]
    fn unmapped_names_every_knob_the_sdk_cannot_carry() {
        use strands_retry::{RandomSource, RetryBudget, RetryCosts};
        let plain = RetryStrategy::aws_standard(RetryBehavior::V2_1)
            .build()
            .unwrap();
        assert!(RetryLayer::new(plain, None).unmapped().is_empty());
        let s = RetryStrategy::builder()
            .exponential_base(3.0)
            .jitter(Jitter::Equal)
            .max_elapsed(Duration::from_secs(9))
            .notify(|_| {})
            .random_source(RandomSource::seeded(1))
            .budget(RetryBudget::new(50).with_costs(RetryCosts::V2_1.with_first_try_refund(0)))
            .build()
            .unwrap();
        let knobs = RetryLayer::new(s, None).unmapped();
        let all = knobs.join("\n");
        for k in [
            "exponential_base",
            "jitter",
            "max_elapsed",
            "notify",
            "random_source",
            "first-try refund",
        ] {
            assert!(all.contains(k), "{k} missing from {all}");
        }
        assert_eq!(knobs.len(), 6, "{all}");
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
