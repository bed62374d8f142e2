//! The Python module's `ErrorHandler`: turns whatever a call returned into a
//! [`DeploymentError`] in the context it happened in, and logs it.
//!
//! There is one way into a `DeploymentError`: `From`. We implement it for
//! aws-sdk `SdkError<E, R>` (any service, in `sdk_error.rs`), for
//! `std::io::Error`, for strands-retry's `ConfigError` and `CircuitError<E>`
//! and for `Box<dyn Error + Send + Sync>`; users implement it for their own
//! errors. A conversion is made without knowing where the call happened,
//! so each of ours records how to say it again in a context: given one
//! ([`DeploymentError::with_context`], or the handler), its message and
//! suggestions name the operation, the resource and the IAM action. The
//! advice comes from the one table, `aws_codes.rs`.

use crate::aws_codes::Situation;
use crate::category::{ErrorCategory, Severity};
use crate::context::ErrorContext;
use crate::deployment_error::DeploymentError;
use aws_credential_types::provider::error::CredentialsError;
use std::error::Error;
use std::sync::OnceLock;
use std::time::Duration;
use strands_retry::{CircuitError, RetryKind, Retryable};

/// Turns errors into [`DeploymentError`]s and logs them. Stateless and
/// cheap: [`error_handler()`] is the shared instance, `ErrorHandler::new()`
/// an equal one.
#[derive(Debug, Default, Clone, Copy)]
pub struct ErrorHandler {
    _private: (),
}

/// The global handler (the Python module's module-level `error_handler`).
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
    /// suggestions, retry kind. Anything with a `From` conversion into
    /// [`DeploymentError`] is accepted; a `DeploymentError` that already
    /// says where it happened is passed through unchanged.
    #[must_use]
    pub fn handle_exception<E: Into<DeploymentError>>(
        &self,
        error: E,
        context: ErrorContext,
    ) -> DeploymentError {
        error.into().in_context(context)
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

/// A breaker's rejection becomes the one "circuit open" error (Network,
/// transient, with the time until the next trial as its retry hint); a
/// call that was made keeps its own error's conversion.
impl<E: Into<DeploymentError>> From<CircuitError<E>> for DeploymentError {
    fn from(e: CircuitError<E>) -> Self {
        match e {
            CircuitError::Inner(e) => e.into(),
            CircuitError::Open { retry_after } => circuit_open_for(
                Some(retry_after).filter(|d| !d.is_zero()),
                ErrorContext::new(),
            )
            .said_again_by(|e, ctx| Some(circuit_open_for(e.retry_after(), ctx))),
        }
    }
}

/// A retry or breaker configuration that cannot work: Configuration, its
/// help as the suggestion, the `ConfigError` (and its stable code) kept as
/// the cause.
impl From<strands_retry::ConfigError> for DeploymentError {
    fn from(e: strands_retry::ConfigError) -> Self {
        config_error(&e, ErrorContext::new())
            .with_cause(e)
            .said_again_by(|d, ctx| {
                let e = d.cause()?.downcast_ref::<strands_retry::ConfigError>()?;
                Some(config_error(e, ctx))
            })
    }
}

fn config_error(e: &strands_retry::ConfigError, context: ErrorContext) -> DeploymentError {
    let help = miette::Diagnostic::help(e).map(|h| h.to_string());
    let url = miette::Diagnostic::url(e).map(|u| u.to_string());
    DeploymentError::configuration(format!("Invalid retry configuration: {e}"))
        .with_suggestions(
            help.into_iter()
                .chain(url.map(|u| format!("The rule and its fix: {u}"))),
        )
        .with_context(context)
        .with_source_of(e)
}

impl From<std::io::Error> for DeploymentError {
    fn from(e: std::io::Error) -> Self {
        io_error(&e, ErrorContext::new())
            .with_cause(e)
            .said_again_by(|d, ctx| {
                let e = d.cause()?.downcast_ref::<std::io::Error>()?;
                Some(io_error(e, ctx))
            })
    }
}

fn io_error(e: &std::io::Error, context: ErrorContext) -> DeploymentError {
    use std::io::ErrorKind as K;
    let timeout = e.kind() == K::TimedOut;
    let what = if timeout {
        "The operation timed out"
    } else {
        "A network or I/O operation failed"
    };
    DeploymentError::network(format!("{what}: {e}"))
        .with_suggestions(Situation::Unreachable.suggestions(&context, None))
        .with_context(context)
        .with_retry(e.retry_kind(), None)
        .with_timeout(timeout)
        .with_source_of(e)
}

/// Downcast to a type we know (DeploymentError, io::Error); else look for a
/// credentials error in the chain; else Unknown, cause kept.
impl From<Box<dyn Error + Send + Sync + 'static>> for DeploymentError {
    fn from(this: Box<dyn Error + Send + Sync + 'static>) -> Self {
        let this = match this.downcast::<DeploymentError>() {
            Ok(e) => return *e,
            Err(this) => this,
        };
        let this = match this.downcast::<std::io::Error>() {
            Ok(e) => return (*e).into(),
            Err(this) => this,
        };
        boxed_error(this.as_ref(), ErrorContext::new())
            .with_cause(this)
            .said_again_by(|d, ctx| Some(boxed_error(d.cause()?, ctx)))
    }
}

fn boxed_error(e: &(dyn Error + Send + Sync + 'static), context: ErrorContext) -> DeploymentError {
    if let Some(ce) = find_in_chain::<CredentialsError>(e) {
        return credentials_error(ce, context).with_source_of(e);
    }
    DeploymentError::new(ErrorCategory::Unknown, format!("Unexpected error: {e}"))
        .with_suggestions(Situation::Unexpected.suggestions(&context, None))
        .with_context(context)
        .with_source_of(e)
}

/// The one `DeploymentError` of a call an open breaker kept home, from the
/// SDK path (an interceptor's refusal) and from `CircuitBreaker::call`.
pub(crate) fn circuit_open_for(
    retry_after: Option<Duration>,
    context: ErrorContext,
) -> DeploymentError {
    let target = target_name(&context);
    let wait = retry_after.map_or_else(
        || "a moment".to_owned(),
        |d| format!("{:.1} s", d.as_secs_f64()),
    );
    DeploymentError::network(format!(
        "The circuit breaker is open: {target} was not sent (recent calls kept failing)"
    ))
    .with_code("circuit_open")
    .with_retry(RetryKind::Transient, retry_after)
    .with_suggestions(Situation::CircuitOpen.suggestions(&context, Some(("{wait}", &wait))))
    .with_context(context)
}

pub(crate) fn credentials_error(ce: &CredentialsError, context: ErrorContext) -> DeploymentError {
    let (message, kind, situation): (&str, RetryKind, Situation) = match ce {
        CredentialsError::CredentialsNotLoaded(_) => (
            "No AWS credentials found. Tried, in order: environment variables (AWS_ACCESS_KEY_ID), \
             the shared config and credentials files (~/.aws/config, ~/.aws/credentials), \
             web identity (AWS_WEB_IDENTITY_TOKEN_FILE), the ECS container endpoint and EC2 instance metadata",
            RetryKind::Permanent,
            Situation::NoCredentials,
        ),
        CredentialsError::ProviderTimedOut(_) => (
            "The credential provider timed out (instance metadata or the container endpoint did not answer)",
            RetryKind::Transient,
            Situation::CredentialsTimedOut,
        ),
        CredentialsError::InvalidConfiguration(_) => (
            "The credential configuration is invalid",
            RetryKind::Permanent,
            Situation::CredentialsInvalid,
        ),
        _ => (
            "The credential provider failed",
            RetryKind::Permanent,
            Situation::CredentialsFailed,
        ),
    };
    DeploymentError::credential(message)
        .with_suggestions(situation.suggestions(&context, None))
        .with_context(context)
        .with_retry(kind, None)
}

/// "the CreateFunction operation" or "lambda" or "the AWS operation".
pub(crate) fn target_name(ctx: &ErrorContext) -> String {
    match (&ctx.aws_operation, &ctx.aws_service) {
        (Some(op), _) => format!("the {op} operation"),
        (None, Some(svc)) => format!("the {svc} service"),
        (None, None) => "the AWS operation".to_owned(),
    }
}

pub(crate) fn find_in_chain<'a, T: Error + 'static>(e: &'a (dyn Error + 'static)) -> Option<&'a T> {
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

    /// `From` is the one conversion; the handler (or `with_context`) says
    /// the converted error again where it happened, cause kept.
    #[test]
    fn a_converted_error_is_said_again_in_its_context() {
        let e: DeploymentError = CircuitError::<std::io::Error>::Open {
            retry_after: Duration::from_secs(3),
        }
        .into();
        assert!(e.message().contains("the AWS operation"), "{}", e.message());
        let ctx = ErrorContext::new()
            .aws_service("lambda")
            .aws_operation("Invoke");
        let e = e.with_context(ctx.clone());
        assert!(
            e.message().contains("the Invoke operation"),
            "{}",
            e.message()
        );
        assert_eq!(e.retry_after(), Some(Duration::from_secs(3)));
        assert_eq!(e.code(), "strands::network::circuit_open");

        let io = std::io::Error::new(std::io::ErrorKind::TimedOut, "slow");
        let e = error_handler().handle_exception(io, ctx.clone());
        assert!(
            e.suggestions()
                .iter()
                .any(|s| s.contains("lambda endpoint")),
            "{:?}",
            e.suggestions()
        );
        assert_eq!(
            e.cause()
                .and_then(|c| c.downcast_ref::<std::io::Error>())
                .map(|e| e.kind()),
            Some(std::io::ErrorKind::TimedOut),
            "the cause is kept"
        );
        // A builder call after the conversion is the user's word: the
        // context is attached, nothing said again.
        let e: DeploymentError = std::io::Error::other("reset").into();
        let e = e.with_suggestions(["mine"]).with_context(ctx);
        assert_eq!(e.suggestions(), ["mine"]);
        assert_eq!(e.context().aws_operation.as_deref(), Some("Invoke"));
    }

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
        let inner = DeploymentError::state("state file locked")
            .with_context(ErrorContext::new().resource_id("stack-1"));
        let boxed: Box<dyn Error + Send + Sync> = Box::new(inner);
        let e = h.handle_exception(boxed, ErrorContext::new().resource_id("x"));
        assert_eq!(e.category(), ErrorCategory::State);
        assert_eq!(
            e.context().resource_id.as_deref(),
            Some("stack-1"),
            "an error that says where it happened is passed through unchanged"
        );
        // One that does not say yet takes the handler's context.
        let bare: Box<dyn Error + Send + Sync> = Box::new(DeploymentError::state("locked"));
        let e = h.handle_exception(bare, ErrorContext::new().resource_id("x"));
        assert_eq!(e.context().resource_id.as_deref(), Some("x"));
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
