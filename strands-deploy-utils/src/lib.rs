//! The strands facade: one dependency for AWS deployment tools.
//!
//! | feature  | crate            | what it gives                                   |
//! |----------|------------------|-------------------------------------------------|
//! | `retry`  | strands-retry    | `RetryStrategy`, `RetryBudget`, `CircuitBreaker` |
//! | `errors` | strands-errors   | `DeploymentError`, `ErrorHandler`, `ErrorContext` |
//! | `creds`  | strands-creds    | `AwsClientManager`, `AssumeRoleConfig`          |
//!
//! All features are on by default. This crate re-exports; it has no logic.

#[cfg(feature = "creds")]
pub use strands_creds;
#[cfg(feature = "errors")]
pub use strands_errors;
#[cfg(feature = "retry")]
pub use strands_retry;
