//! The strands facade: credentials you can trust, retries that don't make an
//! outage worse, and errors a person can act on, in one dependency.
//!
//! | feature  | crate            | what it gives                                   |
//! |----------|------------------|-------------------------------------------------|
//! | `retry`  | strands-retry    | `RetryStrategy`, `RetryBudget`, `CircuitBreaker`, `#[with_retry]` |
//! | `errors` | strands-errors   | `DeploymentError`, `ErrorHandler`, `ErrorContext` |
//! | `creds`  | strands-creds    | `AwsClientManager`, `AssumeRoleConfig`, `CallerIdentity` |
//!
//! All features are on by default. This crate re-exports; it has no logic.
//!
//! The Python module's usage, in Rust:
//!
//! ```no_run
//! use std::time::Duration;
//! use strands_deploy_utils::{
//!     error_handler, AwsClientManager, CircuitBreaker, DeploymentError, ErrorContext,
//!     RetryStrategy,
//! };
//!
//! # async fn run() -> Result<(), DeploymentError> {
//! // 1. Credentials: profile, region, checked before any request.
//! let manager = AwsClientManager::builder()
//!     .profile("default")
//!     .region("us-east-1")
//!     .retry_strategy(RetryStrategy::default()) // the SDK clients' one retry layer
//!     .build()
//!     .await?;
//! let id = manager.validate_credentials().await?;
//! println!("Account: {} User: {}", id.account_id, id.user_arn);
//!
//! // 2. Clients, cached.
//! let lambda: strands_deploy_utils::aws_sdk_lambda::Client = manager.get_client();
//!
//! // 3. Errors a person can act on.
//! let context = ErrorContext::new()
//!     .resource_id("my-lambda-function")
//!     .aws_service("lambda")
//!     .aws_operation("GetFunction");
//! match lambda.get_function().function_name("my-lambda-function").send().await {
//!     Ok(_) => {}
//!     Err(e) => {
//!         let e = error_handler().handle_exception(e, context);
//!         error_handler().log_error(&e);
//!         eprintln!("{}", e.to_user_message());
//!     }
//! }
//!
//! // 4. A circuit breaker around anything else.
//! let breaker = CircuitBreaker::new(5, Duration::from_secs(60));
//! let _ = breaker.call(|| async { Ok::<_, std::io::Error>(()) }).await;
//! # Ok(()) }
//! ```

#[cfg(feature = "retry")]
pub use strands_retry::{
    self, AdaptiveRateLimiter, Attempts, CircuitBreaker, CircuitBreakerBuilder, CircuitError,
    CircuitPermit, CircuitState, Clock, ConfigError, DefaultSleeper, Jitter, KeyedBreakers,
    RandomSource, RetryBehavior, RetryBudget, RetryCosts, RetryDecision, RetryEvent, RetryKind,
    RetryStats, RetryStrategy, RetryStrategyBuilder, Retryable, Sleeper, SystemClock,
    ThreadSleeper, TokioSleeper, aws, with_retry,
};

#[cfg(feature = "test-util")]
pub use strands_retry::ManualClock;

#[cfg(feature = "errors")]
pub use strands_errors::{
    self, Condition, DeploymentError, ErrorCategory, ErrorContext, ErrorHandler, Severity,
    error_handler,
};

#[cfg(feature = "apigateway")]
pub use strands_creds::aws_sdk_apigateway;
#[cfg(feature = "apigatewayv2")]
pub use strands_creds::aws_sdk_apigatewayv2;
#[cfg(feature = "cloudformation")]
pub use strands_creds::aws_sdk_cloudformation;
#[cfg(feature = "cloudwatchlogs")]
pub use strands_creds::aws_sdk_cloudwatchlogs;
#[cfg(feature = "ecr")]
pub use strands_creds::aws_sdk_ecr;
#[cfg(feature = "iam")]
pub use strands_creds::aws_sdk_iam;
#[cfg(feature = "s3")]
pub use strands_creds::aws_sdk_s3;
#[cfg(feature = "creds")]
pub use strands_creds::{
    self, AssumeRoleConfig, AwsClientManager, AwsClientManagerBuilder, CallerIdentity,
    CheckOutcome, ChildEnv, ClientLayer, ManagedClient, MfaToken, MfaTokenSource, PreflightCheck,
    PreflightReport, SessionCache, StrategyMetrics, aws_sdk_lambda, aws_sdk_sts, managed_client,
};
