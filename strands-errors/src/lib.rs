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
//! reads every protocol's error shape ([`wire`]), looks the code up in one
//! table ([`aws_codes::CODES`]) and decides the retry kind in one function
//! ([`classify::retry_kind`]).

pub mod aws_codes;
mod category;
pub mod classify;
mod context;
mod deployment_error;
mod handler;
pub mod redact;
mod sdk_error;
pub mod wire;

pub use category::{Condition, ErrorCategory, Severity};
pub use classify::{Classification, Parsed, TransportFailure, classify_response};
pub use context::ErrorContext;
pub use deployment_error::{DeploymentError, all_codes};
pub use handler::{ErrorHandler, IntoDeploymentError, error_handler};
pub use wire::{CodeSource, RawResponse};
