//! The names a user writes, as the crates' READMEs and rustdoc show them,
//! through the facade: this file compiling is the contract; the asserts
//! check what the docs promise, without a network.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;
use strands_deploy_utils::{
    AssumeRoleConfig, AwsClientManager, CircuitBreaker, CircuitError, CircuitState,
    DeploymentError, ErrorCategory, ErrorContext, ErrorHandler, Jitter, RetryBudget, RetryEvent,
    RetryKind, RetryStrategy, Retryable, Severity, error_handler,
};

#[strands_deploy_utils::with_retry(max_retries = 3, base_delay = 0.001)]
async fn flaky(n: &std::sync::atomic::AtomicU32) -> Result<u32, std::io::Error> {
    if n.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < 2 {
        Err(std::io::Error::from(std::io::ErrorKind::ConnectionReset))
    } else {
        Ok(7)
    }
}

#[tokio::test]
async fn the_api_md_names_compile_and_behave() {
    let strategy = RetryStrategy::builder()
        .max_retries(5)
        .base_delay(Duration::from_secs(1))
        .max_delay(Duration::from_secs(60))
        .exponential_base(2.0)
        .jitter(Jitter::Proportional(0.1))
        .build()
        .unwrap();
    assert_eq!(RetryStrategy::default().max_retries(), 5);
    let d = strategy.delay_for_attempt(0);
    assert!(d >= Duration::from_secs(1) && d <= Duration::from_millis(1100));
    assert!(
        RetryStrategy::builder()
            .base_delay(Duration::from_secs(9))
            .max_delay(Duration::from_secs(1))
            .build()
            .is_err()
    );
    assert!(strands_deploy_utils::aws::is_retryable_code(
        "ThrottlingException"
    ));
    let _ = RetryStrategy::builder()
        .max_elapsed(Duration::from_secs(120))
        .budget(RetryBudget::standard())
        .notify(|ev: &RetryEvent<'_>| {
            let _ = (ev.attempt, ev.delay, ev.kind);
        })
        .build()
        .unwrap();
    let n = std::sync::atomic::AtomicU32::new(0);
    assert_eq!(flaky(&n).await.unwrap(), 7);

    let breaker = CircuitBreaker::builder()
        .failure_threshold(5)
        .recovery_timeout(Duration::from_secs(60))
        .half_open_max_calls(1)
        .build()
        .unwrap();
    let r: Result<u32, CircuitError<std::io::Error>> = breaker.call(|| async { Ok(1) }).await;
    assert_eq!(r.unwrap(), 1);
    assert_eq!(breaker.state(), CircuitState::Closed);

    let context = ErrorContext::new()
        .resource_id("my-lambda-function")
        .resource_type("AWS::Lambda::Function")
        .operation("create")
        .aws_service("lambda")
        .aws_operation("CreateFunction");
    let io_err = std::io::Error::from(std::io::ErrorKind::TimedOut);
    let e: DeploymentError = ErrorHandler::new().handle_exception(io_err, ErrorContext::new());
    assert_eq!(e.category(), ErrorCategory::Network);
    assert!(e.is_timeout() && e.retry_kind() == RetryKind::Transient);
    let e = DeploymentError::configuration("Invalid agent configuration")
        .with_context(context.clone())
        .with_suggestions(["Check agent name is valid", "Verify runtime is supported"]);
    assert_eq!(e.severity(), Severity::Critical);
    assert_eq!(e.message(), "Invalid agent configuration");
    assert_eq!(e.suggestions().len(), 2);
    assert!(e.to_user_message().contains("Resource: my-lambda-function"));
    assert_eq!(e.to_dict()["category"], "CONFIGURATION");
    error_handler().log_error(&e);
    let passed = error_handler().handle_exception(e, context);
    assert_eq!(passed.category(), ErrorCategory::Configuration);

    let role = AssumeRoleConfig::new("arn:aws:iam::123456789012:role/DeploymentRole")
        .session_name("strands-deployment")
        .duration_seconds(3600)
        .external_id("ext-1")
        .mfa_serial("arn:aws:iam::123456789012:mfa/alice")
        .mfa_token(|| async { Ok::<_, std::io::Error>("123456".to_owned()) });
    let manager = AwsClientManager::builder()
        .region("us-east-1")
        .endpoint_url("http://127.0.0.1:9")
        .max_pool_connections(50)
        .retry_strategy(strategy)
        .failover_regions(["us-west-2"])
        .assume_role(role)
        .build()
        .await
        .unwrap();
    let _lambda: strands_deploy_utils::aws_sdk_lambda::Client = manager.get_client();
    let _sts = manager.get_client::<strands_deploy_utils::aws_sdk_sts::Client>();
    manager.clear_cache();
}
