//! The typed errors of strands-retry convert into `DeploymentError`
//! keeping their cause: a bad knob (`ConfigError`) and a breaker's
//! rejection or inner error (`CircuitError<E>`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;
use strands_errors::{DeploymentError, ErrorCategory, ErrorContext, error_handler};
use strands_retry::{
    CircuitBreaker, CircuitError, ConfigError, RetryKind, RetryStrategy, Retryable,
};

#[test]
fn a_config_error_is_a_configuration_error_with_its_help_and_cause() {
    let err = RetryStrategy::builder()
        .base_delay(Duration::from_secs(90))
        .build()
        .unwrap_err();
    let e: DeploymentError = err.clone().into();
    assert_eq!(e.category(), ErrorCategory::Configuration);
    assert!(e.message().contains("base_delay"), "{}", e.message());
    assert!(
        e.suggestions()
            .iter()
            .any(|s| s.contains("lower base_delay")),
        "{:?}",
        e.suggestions()
    );
    // The original, for downcasting (the displayed chain drops a link the
    // message already says).
    let cause = e.cause().expect("the cause is kept");
    assert_eq!(cause.downcast_ref::<ConfigError>(), Some(&err));
    assert!(matches!(err, ConfigError::BaseDelayExceedsMax { .. }));
}

#[test]
fn a_breaker_rejection_and_an_inner_error_convert() {
    let b = CircuitBreaker::new(1, Duration::from_secs(30));
    let first: Result<(), CircuitError<std::io::Error>> =
        b.call_blocking(|| Err(std::io::ErrorKind::ConnectionReset.into()));
    let inner: DeploymentError = first.unwrap_err().into();
    assert_eq!(inner.category(), ErrorCategory::Network);
    let rejected: Result<(), CircuitError<std::io::Error>> = b.call_blocking(|| Ok(()));
    let rejection = rejected.unwrap_err();
    let breaker_code = miette::Diagnostic::code(&rejection).unwrap().to_string();
    let open = error_handler().handle_exception(rejection, ErrorContext::new().resource_id("fn-1"));
    assert_eq!(open.category(), ErrorCategory::Network);
    assert_eq!(open.retry_kind(), RetryKind::Transient);
    assert!(
        open.retry_after()
            .is_some_and(|d| d > Duration::from_secs(25))
    );
    // One condition, one code: the breaker's and the converted error's.
    assert_eq!(open.code(), breaker_code);
    assert_eq!(open.code(), "strands::network::circuit_open");
}

/// A program decides by condition, not by code string: IAM's and Lambda's
/// "already exists" read the same, Lambda's "update in progress" (the same
/// AWS code as its "already exists") does not.
#[test]
fn conditions_come_from_the_table_through_the_handler() {
    use aws_smithy_runtime_api::client::result::SdkError;
    use aws_smithy_runtime_api::http::{Response, StatusCode};
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;
    use strands_errors::Condition;
    let handle = |status: u16, code: &str, message: &str| {
        let meta = ErrorMetadata::builder().code(code).message(message).build();
        let raw = Response::new(StatusCode::try_from(status).unwrap(), SdkBody::from(""));
        error_handler().handle_exception(SdkError::service_error(meta, raw), ErrorContext::new())
    };
    let iam = handle(
        409,
        "EntityAlreadyExists",
        "Role with name agent-exec already exists.",
    );
    let lambda = handle(
        409,
        "ResourceConflictException",
        "Function already exist: f1",
    );
    let busy = handle(
        409,
        "ResourceConflictException",
        "The operation cannot be performed at this time. An update is in progress for resource: f1",
    );
    let missing = handle(404, "ResourceNotFoundException", "Function not found: f1");
    assert_eq!(iam.condition(), Some(Condition::AlreadyExists));
    assert_eq!(lambda.condition(), Some(Condition::AlreadyExists));
    assert_eq!(busy.condition(), Some(Condition::InProgress));
    assert_eq!(busy.retry_kind(), RetryKind::Transient);
    assert_eq!(missing.condition(), Some(Condition::NotFound));
    assert_eq!(handle(400, "ValidationException", "bad").condition(), None);
}
