//! Errors a person can act on.
//!
//! strands-errors is the diagnostic taxonomy of strands: every failure of a
//! deployment becomes a [`DeploymentError`] with an [`ErrorCategory`], a
//! [`Severity`], the [`ErrorContext`] it happened in and concrete
//! suggestions, rendered through `miette` or as the seed's plain message.
//! Every string that enters an error is redacted first: no output path can
//! leak a secret key, a session token or a signature.
//!
//! ```
//! use strands_errors::{DeploymentError, ErrorCategory, ErrorContext};
//!
//! let e = DeploymentError::configuration("Invalid agent configuration")
//!     .with_context(ErrorContext::new().resource_id("agent-1"))
//!     .with_suggestions(["Check agent name is valid", "Verify runtime is supported"]);
//! assert_eq!(e.category(), ErrorCategory::Configuration);
//! assert!(e.to_user_message().contains("1. Check agent name is valid"));
//! ```
//!
//! Status: the types above are built and tested. The AWS code table,
//! `ErrorHandler`/`handle_exception` (SdkError, io, boxed errors) and
//! `log_error` are the next step (see the open issue).

mod category;
mod context;
mod deployment_error;
pub mod redact;

pub use category::{ErrorCategory, Severity};
pub use context::ErrorContext;
pub use deployment_error::DeploymentError;
