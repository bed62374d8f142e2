//! Errors a person can act on.
//!
//! strands-errors is the diagnostic taxonomy of strands: every failure of a
//! deployment becomes a [`DeploymentError`] with an [`ErrorCategory`], a
//! [`Severity`], the [`ErrorContext`] it happened in and concrete
//! suggestions, rendered through `miette` or as the Python module's plain message.
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
//! Classifying what a call returned:
//!
//! ```
//! use strands_errors::{error_handler, ErrorCategory, ErrorContext};
//!
//! let io = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset by peer");
//! let e = error_handler().handle_exception(io, ErrorContext::new().aws_service("lambda"));
//! assert_eq!(e.category(), ErrorCategory::Network);
//! error_handler().log_error(&e); // one tracing event at the severity's level
//! ```
//!
//! One classification for every AWS failure, [`classify_response`]: it
//! reads every protocol's error shape (awsQuery, restXml, awsJson, restJson,
//! HTML and text, truncated bodies), looks the code up in one table of
//! advice and decides the retry kind in one function.

mod aws_codes;
mod category;
mod classify;
mod context;
mod deployment_error;
mod handler;
mod redact;
mod sdk_error;
mod wire;

pub use category::{Condition, ErrorCategory, Severity};
pub use classify::{Classification, Parsed, TransportFailure, classify_response};
pub use context::ErrorContext;
pub use deployment_error::{DeploymentError, codes};
pub use handler::{ErrorHandler, error_handler};
pub use wire::{CodeSource, RawResponse};

/// What the tests of strands-creds and of this crate walk to check the
/// SDK-layer classifier, the breaker and real SDK errors against the table:
/// not API, outside the semver promise.
#[doc(hidden)]
pub mod __private {
    /// Each row of the AWS code table as (code, message text it needs).
    pub fn table_rows() -> Vec<(&'static str, Option<&'static str>)> {
        crate::aws_codes::CODES
            .iter()
            .map(|r| (r.code, r.when))
            .collect()
    }
    /// The row for `code` (and `message`, for rows told apart by it):
    /// category, severity, retry kind, diagnostic code.
    pub fn lookup(
        code: &str,
        message: &str,
    ) -> Option<(
        crate::ErrorCategory,
        crate::Severity,
        strands_retry::RetryKind,
        String,
    )> {
        crate::aws_codes::lookup(code, message)
            .map(|r| (r.category, r.severity, r.retry_kind(), r.diagnostic_code()))
    }
    /// The one retry decision for a code, a message and a status.
    pub fn retry_kind(code: Option<&str>, message: &str, status: u16) -> strands_retry::RetryKind {
        crate::classify::retry_kind(code, message, status)
    }
}
