//! Credentials you can trust.
//!
//! strands-creds is the only strands crate that talks to AWS: it resolves and
//! validates credentials with aws-config, assumes roles through STS (with
//! MFA, which aws-config lacks), and hands out SDK clients built once and
//! cached, with the strands retry policy as their one retry layer.
//!
//! ```no_run
//! # async fn demo() -> Result<(), strands_errors::DeploymentError> {
//! use strands_creds::{AssumeRoleConfig, AwsClientManager, CallerIdentity};
//!
//! let manager = AwsClientManager::builder()
//!     .profile("default")   // wins over AWS_ACCESS_KEY_ID, checked before any request
//!     .region("us-east-1")  // a typo is an error with "did you mean"
//!     .build()
//!     .await?;
//! let id: CallerIdentity = manager.validate_credentials().await?;
//! println!("Account: {} User: {}", id.account_id, id.user_arn);
//! let lambda: aws_sdk_lambda::Client = manager.get_client(); // cached, cheap clone
//! # Ok(()) }
//! ```
//!
//! Where things are: `manager/` (the manager; `builder.rs` the resolution
//! order and the chain, `local_checks.rs` what is refused before any
//! request, `client_cache.rs`, `identity_cache.rs` the validated caller and
//! failover), `client.rs` (`get_client` for each SDK crate,
//! `managed_client!`), `assume_role.rs` (the role config and MFA token
//! sources), `role_provider.rs` (AssumeRole with single-flight refresh),
//! `retry_layer.rs` (the strands policy on the SDK's retry levers),
//! `credentials_cache.rs` (one fetch per credentials lifetime), `region.rs`
//! (region names), `error.rs` (the codes of local checks).

mod assume_role;
mod child_env;
mod client;
mod credentials_cache;
mod error;
mod identity;
mod manager;
mod metrics;
mod preflight;
mod profile_role;
mod region;
mod retry_layer;
mod role_provider;
mod session_cache;
mod sources;
mod text;

#[cfg(feature = "apigateway")]
pub use aws_sdk_apigateway;
#[cfg(feature = "apigatewayv2")]
pub use aws_sdk_apigatewayv2;
#[cfg(feature = "cloudformation")]
pub use aws_sdk_cloudformation;
#[cfg(feature = "cloudwatchlogs")]
pub use aws_sdk_cloudwatchlogs;
#[cfg(feature = "ecr")]
pub use aws_sdk_ecr;
#[cfg(feature = "iam")]
pub use aws_sdk_iam;
/// The SDK crates the manager builds clients of, re-exported so your
/// versions match the manager's (each service past STS and Lambda behind
/// its own feature).
pub use aws_sdk_lambda;
#[cfg(feature = "s3")]
pub use aws_sdk_s3;
pub use aws_sdk_sts;

/// What [`managed_client!`] expands to needs, from here so your crate
/// needs no aws-types of its own.
#[doc(hidden)]
pub mod __private {
    pub use aws_types::SdkConfig;
}

pub use assume_role::{AssumeRoleConfig, MfaFuture, MfaToken, MfaTokenSource};
pub use child_env::ChildEnv;
pub use client::{ClientLayer, ManagedClient};
pub use error::codes;
pub use identity::CallerIdentity;
pub use manager::{
    AwsClientManager, AwsClientManagerBuilder, DEFAULT_ATTEMPT_TIMEOUT,
    DEFAULT_MAX_POOL_CONNECTIONS, DEFAULT_OPERATION_TIMEOUT,
};
pub use metrics::StrategyMetrics;
pub use preflight::{CheckOutcome, PreflightCheck, PreflightReport};
pub use region::KNOWN_REGIONS;
pub use session_cache::SessionCache;
