//! The seed's `ErrorHandler`: turns whatever a call returned into a
//! [`DeploymentError`], and logs it.
//!
//! What it accepts is open: anything that implements [`IntoDeploymentError`].
//! We implement it for aws-sdk `SdkError<E, R>` (any service), for
//! `std::io::Error`, for `DeploymentError` (passed through unchanged) and for
//! `Box<dyn Error + Send + Sync>`; users implement it for their own errors.
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
//! `DeploymentError::cause()`.

use crate::category::{ErrorCategory, Severity};
use crate::classify::{Classification, Parsed, TransportFailure, classify_response};
use crate::context::ErrorContext;
use crate::deployment_error::DeploymentError;
use crate::wire::{CodeSource, RawResponse};
use aws_credential_types::provider::error::CredentialsError;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use std::convert::Infallible;
use std::error::Error;
use std::fmt;
use std::sync::OnceLock;
use std::time::Duration;
use strands_retry::{CircuitError, RetryKind, Retryable};

/// Anything [`ErrorHandler::handle_exception`] can read. Implement it for
/// your own error types to give them a category and suggestions.
pub trait IntoDeploymentError {
    /// Classify `self`, in `context`.
    fn into_deployment_error(self, context: ErrorContext) -> DeploymentError;
}

/// Turns errors into [`DeploymentError`]s and logs them. Stateless and
/// cheap: [`error_handler()`] is the shared instance, `ErrorHandler::new()`
/// an equal one.
#[derive(Debug, Default, Clone, Copy)]
pub struct ErrorHandler {
    _private: (),
}

/// The global handler (the seed's module-level `error_handler`).
pub fn error_handler() -> &'static ErrorHandler {
    static HANDLER: OnceLock<ErrorHandler> = OnceLock::new();
    HANDLER.get_or_init(ErrorHandler::new)
}

impl ErrorHandler {
    /// A handler.
    pub const fn new() -> Self {
        Self { _private: () }
    }

    /// Classify `error` in `context`: category, severity, message,
    /// suggestions, retry kind.
    #[must_use]
    pub fn handle_exception<E: IntoDeploymentError>(
        &self,
        error: E,
        context: ErrorContext,
    ) -> DeploymentError {
        error.into_deployment_error(context)
    }

    /// One tracing event at the severity's level (Critical and Error:
    /// `error`; Warning: `warn`; Info: `info`) with structured fields, and
    /// the full (redacted) source chain at `debug`.
    pub fn log_error(&self, e: &DeploymentError) {
        let ctx = e.context();
        let code = e.code();
        let category = e.category().as_str();
        let severity = e.severity().as_str();
        let retryable = e.retry_kind().is_retryable();
        macro_rules! event {
            ($lvl:expr) => {
                tracing::event!(
                    $lvl,
                    code = %code,
                    category,
                    severity,
                    retryable,
                    resource_id = ctx.resource_id.as_deref(),
                    operation = ctx.operation.as_deref(),
                    aws_service = ctx.aws_service.as_deref(),
                    aws_operation = ctx.aws_operation.as_deref(),
                    request_id = ctx.request_id.as_deref(),
                    suggestions = ?e.suggestions(),
                    "{}",
                    e.message()
                )
            };
        }
        match e.severity() {
            Severity::Critical | Severity::Error => event!(tracing::Level::ERROR),
            Severity::Warning => event!(tracing::Level::WARN),
            Severity::Info => event!(tracing::Level::INFO),
        }
        if tracing::enabled!(tracing::Level::DEBUG) {
            let mut chain = Vec::new();
            let mut cur = e.source();
            while let Some(s) = cur {
                chain.push(s.to_string());
                cur = s.source();
            }
            tracing::debug!(code = %code, source_chain = ?chain, "source chain of {code}");
        }
    }
}

impl IntoDeploymentError for DeploymentError {
    /// Passed through unchanged (its own context wins).
    fn into_deployment_error(self, _context: ErrorContext) -> DeploymentError {
        self
    }
}

/// A breaker's rejection becomes the one "circuit open" error (Network,
/// transient, with the time until the next trial as its retry hint); a
/// call that was made keeps its own error's conversion.
impl<E: IntoDeploymentError> IntoDeploymentError for CircuitError<E> {
    fn into_deployment_error(self, context: ErrorContext) -> DeploymentError {
        match self {
            CircuitError::Inner(e) => e.into_deployment_error(context),
            CircuitError::Open { retry_after } => {
                circuit_open_for(Some(retry_after).filter(|d| !d.is_zero()), context)
            }
        }
    }
}

impl<E: IntoDeploymentError> From<CircuitError<E>> for DeploymentError {
    fn from(e: CircuitError<E>) -> Self {
        e.into_deployment_error(ErrorContext::new())
    }
}

/// A retry or breaker configuration that cannot work: Configuration, its
/// help as the suggestion, the `ConfigError` (and its stable code) kept as
/// the cause.
impl IntoDeploymentError for strands_retry::ConfigError {
    fn into_deployment_error(self, context: ErrorContext) -> DeploymentError {
        let help = miette::Diagnostic::help(&self).map(|h| h.to_string());
        let url = miette::Diagnostic::url(&self).map(|u| u.to_string());
        DeploymentError::configuration(format!("Invalid retry configuration: {self}"))
            .with_suggestions(
                help.into_iter()
                    .chain(url.map(|u| format!("The rule and its fix: {u}"))),
            )
            .with_context(context)
            .with_cause(self)
    }
}

impl From<strands_retry::ConfigError> for DeploymentError {
    fn from(e: strands_retry::ConfigError) -> Self {
        e.into_deployment_error(ErrorContext::new())
    }
}

impl IntoDeploymentError for std::io::Error {
    fn into_deployment_error(self, context: ErrorContext) -> DeploymentError {
        use std::io::ErrorKind as K;
        let timeout = self.kind() == K::TimedOut;
        let kind = self.retry_kind();
        let what = if timeout {
            "The operation timed out"
        } else {
            "A network or I/O operation failed"
        };
        DeploymentError::network(format!("{what}: {self}"))
            .with_suggestions(network_suggestions(&context))
            .with_context(context)
            .with_retry(kind, None)
            .with_timeout(timeout)
            .with_cause(self)
    }
}

impl IntoDeploymentError for Box<dyn Error + Send + Sync + 'static> {
    /// Downcast to a type we know (DeploymentError, io::Error); else look
    /// for a credentials error in the chain; else Unknown, cause kept.
    fn into_deployment_error(self, context: ErrorContext) -> DeploymentError {
        let this = match self.downcast::<DeploymentError>() {
            Ok(e) => return *e,
            Err(this) => this,
        };
        let this = match this.downcast::<std::io::Error>() {
            Ok(e) => return e.into_deployment_error(context),
            Err(this) => this,
        };
        if let Some(ce) = find_in_chain::<CredentialsError>(this.as_ref()) {
            return credentials_error(ce, context).with_cause(this);
        }
        DeploymentError::new(ErrorCategory::Unknown, format!("Unexpected error: {this}"))
            .with_suggestions(["Run again with RUST_LOG=debug to see the full source chain"])
            .with_context(context)
            .with_cause(this)
    }
}

impl<E, R> IntoDeploymentError for SdkError<E, R>
where
    E: ProvideErrorMetadata + Error + Send + Sync + 'static,
    R: RawResponse + fmt::Debug + Send + Sync + 'static,
{
    fn into_deployment_error(self, mut context: ErrorContext) -> DeploymentError {
        // A credentials provider of ours (strands-creds) already said what
        // went wrong: keep its words.
        if let Some(inner) = find_in_chain::<DeploymentError>(&self) {
            return inner.to_detached();
        }
        // An interceptor with a breaker (strands-creds' retry layer) refused
        // to send the request.
        if let Some(open) = find_in_chain::<CircuitError<Infallible>>(&self) {
            return circuit_open(open, context).with_cause(self);
        }
        if let Some(ce) = find_in_chain::<CredentialsError>(&self) {
            return credentials_error(ce, context).with_cause(self);
        }
        let target = target_name(&context);
        let c = match &self {
            SdkError::TimeoutError(_) => {
                return transport_error(TransportFailure::TimedOut, &target, context)
                    .with_cause(self);
            }
            SdkError::DispatchFailure(d) => {
                let t = d
                    .as_connector_error()
                    .map_or(TransportFailure::Other, TransportFailure::of);
                return transport_error(t, &target, context).with_cause(self);
            }
            SdkError::ConstructionFailure(_) => {
                return DeploymentError::configuration(format!(
                    "The request to {target} could not be built"
                ))
                .with_suggestions([
                    "Check the client configuration: region, endpoint URL and the input's required fields",
                ])
                .with_context(context)
                .with_cause(self);
            }
            SdkError::ResponseError(r) => classify_response(r.raw(), Parsed::NOTHING),
            SdkError::ServiceError(s) => {
                classify_response(s.raw(), Parsed::sdk(s.err().code(), s.err().message()))
            }
            _ => match self.raw_response() {
                Some(raw) => classify_response(raw, Parsed::NOTHING),
                None => {
                    return DeploymentError::new(
                        ErrorCategory::Unknown,
                        format!("{target} failed"),
                    )
                    .with_suggestions(["Run with RUST_LOG=debug to see the full source chain"])
                    .with_context(context)
                    .with_cause(self);
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
            .with_cause_shown_as(self, line)
    }
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

/// "the CreateFunction operation" or "lambda" or "the AWS operation".
fn target_name(ctx: &ErrorContext) -> String {
    match (&ctx.aws_operation, &ctx.aws_service) {
        (Some(op), _) => format!("the {op} operation"),
        (None, Some(svc)) => format!("the {svc} service"),
        (None, None) => "the AWS operation".to_owned(),
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
            let mut suggestions = status_suggestions(c, ctx);
            suggestions.insert(
                0,
                format!(
                    "Look up {code} in the {} API reference for {}",
                    ctx.aws_service.as_deref().unwrap_or("service's"),
                    ctx.aws_operation.as_deref().unwrap_or("this operation")
                ),
            );
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
        .with_suggestions([
            "Retry: the body was cut short on the way, which usually passes".to_owned(),
            "If it persists, check proxies and load balancers between you and the endpoint"
                .to_owned(),
        ]),
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
                .with_suggestions(status_suggestions(c, ctx))
        }
    };
    e.with_retry(c.retry_kind, c.retry_after)
}

/// What to do when only the status speaks.
fn status_suggestions(c: &Classification, ctx: &ErrorContext) -> Vec<String> {
    let action = ctx
        .iam_action()
        .unwrap_or_else(|| "the required permission".to_owned());
    match (c.status, c.retry_kind) {
        (_, RetryKind::Throttling) => {
            vec!["Retry with backoff and jitter, and lower the request rate".into()]
        }
        (_, RetryKind::Transient) => {
            vec!["Retry with backoff: the server failed and this usually passes".into()]
        }
        (401, _) => vec![
            "Check the credentials: `aws sts get-caller-identity` with the same profile".into(),
            "Refresh them: `aws sso login`, or `aws configure` for access keys".into(),
        ],
        (403, _) => vec![
            "Check the credentials are valid: `aws sts get-caller-identity` with the same profile"
                .into(),
            format!("Grant `{action}` to the caller, and check SCPs and permission boundaries"),
        ],
        (404, _) => vec![
            "Check the resource name or ARN and the region".into(),
            "Check the endpoint URL: a wrong path also answers 404".into(),
        ],
        _ => vec!["Run with RUST_LOG=debug to see the response".into()],
    }
}

/// No response: timed out, unreachable, or refused by the HTTP client.
fn transport_error(t: TransportFailure, target: &str, context: ErrorContext) -> DeploymentError {
    let e = match t {
        TransportFailure::Refused => {
            DeploymentError::configuration(format!("The request to {target} could not be sent"))
                .with_suggestions([
                    "Check the endpoint URL (scheme, host, port) and the region",
                    "Run with RUST_LOG=debug to see why the HTTP client refused the request",
                ])
        }
        _ => {
            let what = match t {
                TransportFailure::TimedOut => "timed out",
                _ => "could not reach the endpoint",
            };
            DeploymentError::network(format!("The request to {target} {what}"))
                .with_suggestions(network_suggestions(&context))
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

/// The one `DeploymentError` of a call an open breaker kept home, from the
/// SDK path (an interceptor's refusal) and from `CircuitBreaker::call`.
fn circuit_open_for(retry_after: Option<Duration>, context: ErrorContext) -> DeploymentError {
    let target = target_name(&context);
    DeploymentError::network(format!(
        "The circuit breaker is open: {target} was not sent (recent calls kept failing)"
    ))
    .with_code("circuit_open")
    .with_retry(RetryKind::Transient, retry_after)
    .with_suggestions([
        format!(
            "Wait: the breaker lets a trial call through in {}",
            retry_after.map_or_else(|| "a moment".to_owned(), |d| format!("{:.1} s", d.as_secs_f64()))
        ),
        "Check the health of the service and the network path (the failures that opened it are in the log)".to_owned(),
    ])
    .with_context(context)
}

fn credentials_error(ce: &CredentialsError, context: ErrorContext) -> DeploymentError {
    let (message, kind, suggestions): (&str, RetryKind, &[&str]) = match ce {
        CredentialsError::CredentialsNotLoaded(_) => (
            "No AWS credentials found. Tried, in order: environment variables (AWS_ACCESS_KEY_ID), \
             the shared config and credentials files (~/.aws/config, ~/.aws/credentials), \
             web identity (AWS_WEB_IDENTITY_TOKEN_FILE), the ECS container endpoint and EC2 instance metadata",
            RetryKind::Permanent,
            &[
                "Set AWS_PROFILE to a profile in ~/.aws/config or ~/.aws/credentials",
                "Run `aws configure` to store access keys for the default profile",
                "For SSO: run `aws sso login --profile <name>` and set AWS_PROFILE",
            ],
        ),
        CredentialsError::ProviderTimedOut(_) => (
            "The credential provider timed out (instance metadata or the container endpoint did not answer)",
            RetryKind::Transient,
            &[
                "On EC2/ECS: check the instance role and that the metadata endpoint is reachable (IMDSv2 hop limit)",
                "Elsewhere: set AWS_PROFILE or AWS_ACCESS_KEY_ID so the chain does not wait for instance metadata",
            ],
        ),
        CredentialsError::InvalidConfiguration(_) => (
            "The credential configuration is invalid",
            RetryKind::Permanent,
            &[
                "Check the profile in ~/.aws/config: role_arn, source_profile and credential_source must form a chain without loops",
                "Run `aws configure list` to see which profile and files are used",
            ],
        ),
        _ => (
            "The credential provider failed",
            RetryKind::Permanent,
            &[
                "Run `aws sts get-caller-identity` with the same profile to see the provider's error",
                "For SSO: run `aws sso login`; for credential_process: run the command by hand",
            ],
        ),
    };
    DeploymentError::credential(message)
        .with_suggestions(suggestions.iter().copied())
        .with_context(context)
        .with_retry(kind, None)
}

fn network_suggestions(ctx: &ErrorContext) -> Vec<String> {
    let svc = ctx.aws_service.as_deref().unwrap_or("the service");
    vec![
        format!("Check network access to the {svc} endpoint (DNS, proxy, firewall, VPC endpoint)"),
        "Check the region and endpoint URL: a typo in the region ends in a DNS failure".to_owned(),
        "Retry with backoff: wrap the call in a RetryStrategy".to_owned(),
    ]
}

fn find_in_chain<'a, T: Error + 'static>(e: &'a (dyn Error + 'static)) -> Option<&'a T> {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if let Some(t) = err.downcast_ref::<T>() {
            return Some(t);
        }
        cur = err.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_are_network() {
        let e = ErrorHandler::new().handle_exception(
            std::io::Error::new(std::io::ErrorKind::TimedOut, "slow"),
            ErrorContext::new(),
        );
        assert_eq!(e.category(), ErrorCategory::Network);
        assert!(e.is_timeout());
        assert!(e.retry_kind().is_retryable());
    }

    #[test]
    fn boxed_errors_downcast() {
        let h = error_handler();
        let inner = DeploymentError::state("state file locked");
        let boxed: Box<dyn Error + Send + Sync> = Box::new(inner);
        let e = h.handle_exception(boxed, ErrorContext::new().resource_id("x"));
        assert_eq!(e.category(), ErrorCategory::State);
        assert!(
            e.context().resource_id.is_none(),
            "passed through unchanged"
        );
        let boxed: Box<dyn Error + Send + Sync> = Box::new(std::io::Error::other("reset"));
        assert_eq!(
            h.handle_exception(boxed, ErrorContext::new()).category(),
            ErrorCategory::Network
        );
        let boxed: Box<dyn Error + Send + Sync> = "something odd".into();
        let e = h.handle_exception(boxed, ErrorContext::new());
        assert_eq!(e.category(), ErrorCategory::Unknown);
        assert!(e.cause().is_some(), "the cause is kept");
        assert!(
            e.source().is_none(),
            "its text is in the message: not said twice"
        );
        let boxed: Box<dyn Error + Send + Sync> =
            Box::new(CredentialsError::not_loaded("no providers"));
        assert_eq!(
            h.handle_exception(boxed, ErrorContext::new()).category(),
            ErrorCategory::Credential
        );
    }
}
