//! An aws-sdk `SdkError<E, R>` (any service) as a [`DeploymentError`].
//!
//! Reading an `SdkError`, in order:
//! 1. A credentials error anywhere in the source chain is a Credential
//!    error, whatever the variant (the SDK reports "no credentials" as a
//!    dispatch failure).
//! 2. No response: [`TransportFailure`] says timed out, unreachable
//!    (Network, retryable) or refused by the HTTP client (Configuration).
//! 3. A response: [`classify_response`] (the one classification, shared
//!    with strands-creds' retry layer and breaker) reads the SDK's code and
//!    message, or every protocol's shape from the raw response when the SDK
//!    could not; the message says where the code came from when it was not
//!    the SDK.
//!
//! The report says each thing once: the cause shown under the message is
//! botocore's one line (`An error occurred (CODE) when calling the OP
//! operation (HTTP 404)`), not the SDK's chain, which repeats the message
//! and adds "service error"; the `SdkError` itself stays reachable through
//! `DeploymentError::cause()`. Every suggestion comes from the one table
//! (`aws_codes.rs`: a code's row, or a [`Situation`]).

use crate::aws_codes::Situation;
use crate::category::ErrorCategory;
use crate::classify::{Classification, Parsed, TransportFailure, classify_response};
use crate::context::ErrorContext;
use crate::deployment_error::DeploymentError;
use crate::handler::{circuit_open_for, credentials_error, find_in_chain, target_name};
use crate::wire::{CodeSource, RawResponse};
use aws_credential_types::provider::error::CredentialsError;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use std::convert::Infallible;
use std::error::Error;
use std::fmt;
use strands_retry::{CircuitError, RetryKind};

impl<E, R> From<SdkError<E, R>> for DeploymentError
where
    E: ProvideErrorMetadata + Error + Send + Sync + 'static,
    R: RawResponse + fmt::Debug + Send + Sync + 'static,
{
    fn from(e: SdkError<E, R>) -> Self {
        sdk_error(&e, ErrorContext::new())
            .holding(e)
            .said_again_by(|d, ctx| {
                let e = d.cause()?.downcast_ref::<SdkError<E, R>>()?;
                Some(sdk_error(e, ctx))
            })
    }
}

/// The reading of an `SdkError` in `context`; the caller attaches the
/// error itself as the cause.
fn sdk_error<E, R>(e: &SdkError<E, R>, mut context: ErrorContext) -> DeploymentError
where
    E: ProvideErrorMetadata + Error + Send + Sync + 'static,
    R: RawResponse + fmt::Debug + Send + Sync + 'static,
{
    // A credentials provider of ours (strands-creds) already said what
    // went wrong: keep its words.
    if let Some(inner) = find_in_chain::<DeploymentError>(e) {
        return inner.to_detached();
    }
    // An interceptor with a breaker (strands-creds' retry layer) refused
    // to send the request.
    if let Some(open) = find_in_chain::<CircuitError<Infallible>>(e) {
        return circuit_open(open, context).with_source_of(e);
    }
    if let Some(ce) = find_in_chain::<CredentialsError>(e) {
        return credentials_error(ce, context).with_source_of(e);
    }
    let target = target_name(&context);
    let c = match e {
        SdkError::TimeoutError(_) => {
            return transport_error(TransportFailure::TimedOut, &target, context).with_source_of(e);
        }
        SdkError::DispatchFailure(d) => {
            let t = d
                .as_connector_error()
                .map_or(TransportFailure::Other, TransportFailure::of);
            return transport_error(t, &target, context).with_source_of(e);
        }
        SdkError::ConstructionFailure(_) => {
            return DeploymentError::configuration(format!(
                "The request to {target} could not be built"
            ))
            .with_suggestions(Situation::NotBuilt.suggestions(&context, None))
            .with_context(context)
            .with_source_of(e);
        }
        SdkError::ResponseError(r) => classify_response(r.raw(), Parsed::NOTHING),
        SdkError::ServiceError(s) => {
            classify_response(s.raw(), Parsed::sdk(s.err().code(), s.err().message()))
        }
        _ => match e.raw_response() {
            Some(raw) => classify_response(raw, Parsed::NOTHING),
            None => {
                return DeploymentError::new(ErrorCategory::Unknown, format!("{target} failed"))
                    .with_suggestions(Situation::Unexpected.suggestions(&context, None))
                    .with_context(context)
                    .with_source_of(e);
            }
        },
    };
    if context.request_id.is_none() {
        context.request_id.clone_from(&c.request_id);
    }
    if let Some(id) = &c.extended_request_id {
        context
            .additional_info
            .entry("extended_request_id".to_owned())
            .or_insert_with(|| id.clone());
    }
    let line = botocore_line(&c, &target);
    from_classification(&c, &target, &context)
        .with_context(context)
        .shown_as(line)
}

/// `An error occurred (CODE) when calling the OP operation (HTTP 404)`:
/// botocore's words, without the message (the error's own message already
/// says it; a report says each thing once).
fn botocore_line(c: &Classification, target: &str) -> String {
    match &c.code {
        Some(code) => format!(
            "An error occurred ({code}) when calling {target} (HTTP {})",
            c.status
        ),
        None => format!(
            "An error occurred (HTTP {}) when calling {target}",
            c.status
        ),
    }
}

/// A classified response as a `DeploymentError` (context not yet attached).
fn from_classification(c: &Classification, target: &str, ctx: &ErrorContext) -> DeploymentError {
    let message = c.message.as_deref().unwrap_or("");
    let from = match (&c.code, c.code_source) {
        (Some(code), Some(src)) if src != CodeSource::Sdk => {
            format!(" [code {code} read from the {}]", src.as_str())
        }
        _ => String::new(),
    };
    let e = match (c.row, c.code.as_deref()) {
        (Some(row), _) => {
            let detail = if message.is_empty() {
                format!(" ({} from {target})", row.code)
            } else {
                format!(": {message}")
            };
            let e = DeploymentError::new(row.category, format!("{}{detail}{from}", row.meaning))
                .with_severity(row.severity)
                .with_aws_code(row.code)
                .with_suggestions(row.render_suggestions(ctx));
            match row.condition {
                Some(c) => e.with_condition(c),
                None => e,
            }
        }
        (None, Some(code)) => {
            let detail = if message.is_empty() {
                String::new()
            } else {
                format!(": {message}")
            };
            let mut suggestions = Situation::UnknownCode.suggestions(ctx, Some(("{code}", code)));
            suggestions.extend(status_situation(c).suggestions(ctx, None));
            DeploymentError::new(
                c.category,
                format!(
                    "{target} failed with {code} (HTTP {}){detail}{from}",
                    c.status
                ),
            )
            .with_severity(c.severity)
            .with_aws_code(code)
            .with_suggestions(suggestions)
        }
        (None, None) if c.unreadable => DeploymentError::network(format!(
            "The response from {target} could not be read (HTTP {}, body cut short or garbled)",
            c.status
        ))
        .with_suggestions(Situation::Unreadable.suggestions(ctx, None)),
        (None, None) => {
            let head = format!(
                "HTTP {} from {target} (no error code in the response; classified by status)",
                c.status
            );
            let text = if message.is_empty() {
                head
            } else {
                format!("{head}: {message}")
            };
            DeploymentError::new(c.category, text)
                .with_severity(c.severity)
                .with_suggestions(status_situation(c).suggestions(ctx, None))
        }
    };
    e.with_retry(c.retry_kind, c.retry_after)
}

/// Which advice applies when only the status speaks.
fn status_situation(c: &Classification) -> Situation {
    match (c.status, c.retry_kind) {
        (_, RetryKind::Throttling) => Situation::Throttled,
        (_, RetryKind::Transient) => Situation::ServerFailed,
        (401, _) => Situation::Unauthorized,
        (403, _) => Situation::Forbidden,
        (404, _) => Situation::NotFound,
        _ => Situation::OtherStatus,
    }
}

/// No response: timed out, unreachable, or refused by the HTTP client.
fn transport_error(t: TransportFailure, target: &str, context: ErrorContext) -> DeploymentError {
    let e = match t {
        TransportFailure::Refused => {
            DeploymentError::configuration(format!("The request to {target} could not be sent"))
                .with_suggestions(Situation::Refused.suggestions(&context, None))
        }
        _ => {
            let what = match t {
                TransportFailure::TimedOut => "timed out",
                _ => "could not reach the endpoint",
            };
            DeploymentError::network(format!("The request to {target} {what}"))
                .with_suggestions(Situation::Unreachable.suggestions(&context, None))
        }
    };
    e.with_context(context)
        .with_retry(t.retry_kind(), None)
        .with_timeout(t == TransportFailure::TimedOut)
}

fn circuit_open(e: &CircuitError<Infallible>, context: ErrorContext) -> DeploymentError {
    let retry_after = match e {
        CircuitError::Open { retry_after } => Some(*retry_after),
        CircuitError::Inner(never) => match *never {},
    };
    circuit_open_for(retry_after, context)
}
