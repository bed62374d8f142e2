//! What kind of failure this is (the Python module's eleven categories) and how bad
//! it is (its four severities). The category decides the diagnostic code's
//! first segment (`strands::permission::...`) and the default severity.

use serde::Serialize;
use std::fmt;

/// What went wrong, in the Python module's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum ErrorCategory {
    /// Invalid configuration.
    Configuration,
    /// An AWS service error.
    Aws,
    /// Network connectivity.
    Network,
    /// State file errors.
    State,
    /// Resource dependency errors.
    Dependency,
    /// Resource creation or update failures.
    Provisioning,
    /// AWS credential issues.
    Credential,
    /// IAM permission errors.
    Permission,
    /// AWS service limits exceeded (throttling included).
    ResourceLimit,
    /// Input validation errors.
    Validation,
    /// Uncategorised.
    Unknown,
}

impl ErrorCategory {
    /// Every category, in the Python module's order.
    pub const ALL: [Self; 11] = [
        Self::Configuration,
        Self::Aws,
        Self::Network,
        Self::State,
        Self::Dependency,
        Self::Provisioning,
        Self::Credential,
        Self::Permission,
        Self::ResourceLimit,
        Self::Validation,
        Self::Unknown,
    ];

    /// The lowercase name used in diagnostic codes (`resource_limit`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Configuration => "configuration",
            Self::Aws => "aws",
            Self::Network => "network",
            Self::State => "state",
            Self::Dependency => "dependency",
            Self::Provisioning => "provisioning",
            Self::Credential => "credential",
            Self::Permission => "permission",
            Self::ResourceLimit => "resource_limit",
            Self::Validation => "validation",
            Self::Unknown => "unknown",
        }
    }

    /// The severity an error of this category has unless told otherwise:
    /// what stops a deployment is Critical, what fails one resource is Error,
    /// throttling is a Warning (it is retried).
    pub const fn default_severity(self) -> Severity {
        match self {
            Self::Configuration | Self::Credential | Self::Permission | Self::State => {
                Severity::Critical
            }
            Self::ResourceLimit => Severity::Warning,
            Self::Aws
            | Self::Network
            | Self::Dependency
            | Self::Provisioning
            | Self::Validation
            | Self::Unknown => Severity::Error,
        }
    }
}

impl fmt::Display for ErrorCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How bad it is, in the Python module's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Severity {
    /// Informational.
    Info,
    /// Non-fatal.
    Warning,
    /// A resource failed; the deployment can continue.
    Error,
    /// The deployment cannot continue.
    Critical,
}

impl Severity {
    /// The header word of the Python module's message layout.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Info => "INFO",
            Self::Warning => "WARNING",
            Self::Error => "ERROR",
            Self::Critical => "CRITICAL",
        }
    }

    /// The miette severity a report renders with.
    pub const fn to_miette(self) -> miette::Severity {
        match self {
            Self::Info => miette::Severity::Advice,
            Self::Warning => miette::Severity::Warning,
            Self::Error | Self::Critical => miette::Severity::Error,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the failure says about the resource, for code that must decide
/// (create or update? wait or give up?) without comparing AWS code strings:
/// `EntityAlreadyExists`, S3's `BucketAlreadyOwnedByYou` and Lambda's
/// "Function already exist" are all [`AlreadyExists`](Self::AlreadyExists).
/// Set by the code table (`aws_codes`); `None` where no row says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Condition {
    /// The resource is there already: update it, or reuse it.
    AlreadyExists,
    /// The resource is not there.
    NotFound,
    /// Another change to the resource is under way: wait, then retry.
    InProgress,
}
/// `strands::<category>[::<snake_case aws code>]`.
pub(crate) fn diagnostic_code(category: ErrorCategory, aws_code: Option<&str>) -> String {
    match aws_code {
        Some(c) => format!("strands::{category}::{}", snake_case(c)),
        None => format!("strands::{category}"),
    }
}

/// `AccessDeniedException` → `access_denied_exception`.
pub(crate) fn snake_case(code: &str) -> String {
    let mut out = String::with_capacity(code.len() + 8);
    let chars: Vec<char> = code.chars().collect();
    for (i, &ch) in chars.iter().enumerate() {
        if ch.is_ascii_uppercase() {
            let prev_lower =
                i > 0 && (chars[i - 1].is_ascii_lowercase() || chars[i - 1].is_ascii_digit());
            let next_lower = chars.get(i + 1).is_some_and(|c| c.is_ascii_lowercase());
            let prev_upper = i > 0 && chars[i - 1].is_ascii_uppercase();
            if i > 0 && (prev_lower || (prev_upper && next_lower)) {
                out.push('_');
            }
            out.push(ch.to_ascii_lowercase());
        } else if ch.is_ascii_alphanumeric() {
            out.push(ch);
        } else {
            out.push('_');
        }
    }
    out
}
