//! The one classification of an AWS failure: what came back (status,
//! headers, body, and the SDK's parsed code and message when it has them)
//! in; code, message, request id, category, severity, retry kind and the
//! server's retry hint out.
//!
//! Every path that decides about an AWS failure calls this module:
//! [`ErrorHandler`](crate::ErrorHandler) building a `DeploymentError`,
//! strands-creds' SDK-layer retry classifier, and the breaker's failure
//! accounting. They used to hold four copies of the decision, and the
//! copies disagreed (a 500 with an unknown code was retried by one and
//! called permanent by another); `tests/agree.rs` in strands-creds walks
//! every table row and a grid of statuses through all three paths.
//!
//! The retry kind of a code is written down once: strands-retry's
//! [`RETRYABLE_CODES`](strands_retry::aws::RETRYABLE_CODES) (users ask
//! `strands_retry::aws::is_retryable_code`). A row of
//! [`aws_codes`] overrides it only where the service
//! reuses a code and the message tells the cases apart (Lambda's
//! `ResourceConflictException`: "already exists" is permanent, "update in
//! progress" passes). A code neither table knows is classified by its HTTP
//! status ([`strands_retry::aws::classify_status`]): a 5xx is transient,
//! a 429 throttling, whatever the code says.

use crate::aws_codes::{self, CodeRow};
use crate::category::{ErrorCategory, Severity};
use crate::wire::{self, CodeSource, RawResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use std::time::Duration;
use strands_retry::RetryKind;

/// What the SDK made of the response, when it made anything.
#[derive(Debug, Clone, Copy, Default)]
#[non_exhaustive]
pub struct Parsed<'a> {
    /// The code the SDK's protocol parser read (`ProvideErrorMetadata::code`).
    pub code: Option<&'a str>,
    /// The message it read.
    pub message: Option<&'a str>,
}

impl<'a> Parsed<'a> {
    /// Nothing parsed: classify from the raw response alone.
    pub const NOTHING: Self = Self {
        code: None,
        message: None,
    };

    /// The SDK's code and message.
    pub const fn sdk(code: Option<&'a str>, message: Option<&'a str>) -> Self {
        Self { code, message }
    }
}

/// Everything a caller needs to decide about one AWS error response.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Classification {
    /// The HTTP status.
    pub status: u16,
    /// The AWS error code, trimmed (`ThrottlingException`), if any was found.
    pub code: Option<String>,
    /// Where the code was found.
    pub code_source: Option<CodeSource>,
    /// The service's message, whitespace folded, control characters
    /// dropped, at most 1024 characters. Not yet redacted:
    /// `DeploymentError` redacts everything it is given.
    pub message: Option<String>,
    /// The request id (`x-amzn-RequestId`, `x-amz-request-id`, `<RequestId>`, `<RequestID>`).
    pub request_id: Option<String>,
    /// S3's extended request id (`x-amz-id-2`, `<HostId>`).
    pub extended_request_id: Option<String>,
    /// What kind of failure.
    pub category: ErrorCategory,
    /// How bad.
    pub severity: Severity,
    /// Whether and how a retry can help.
    pub retry_kind: RetryKind,
    /// The server's hint (`x-amz-retry-after` in ms, `Retry-After` in s),
    /// kept only when a retry can help.
    pub retry_after: Option<Duration>,
    /// The table row that matched, if any.
    pub row: Option<&'static CodeRow>,
    /// A 2xx the SDK could not read (truncated or garbled).
    pub unreadable: bool,
}

/// Classify one AWS error response.
pub fn classify_response<R: RawResponse + ?Sized>(raw: &R, parsed: Parsed<'_>) -> Classification {
    let status = raw.status_code();
    let facts = wire::read(raw);
    let success = (200..300).contains(&status);
    // Some SDKs take the first part of a malformed `x-amzn-query-error`
    // (`Code;Sender;400`) as the code; botocore ignores the header then,
    // and so do we: the body's code wins over such an SDK code.
    let malformed_query = raw
        .header("x-amzn-query-error")
        .filter(|v| v.split(';').count() != 2)
        .map(|v| v.split(';').next().unwrap_or(v).trim());
    let sdk_code = parsed
        .code
        .filter(|c| malformed_query.is_none_or(|q| q != c.trim()))
        .and_then(wire::clean_code)
        .map(|c| (c, CodeSource::Sdk));
    // The query-compatibility header names the code the service documents
    // (`AWS.SimpleQueueService.NonExistentQueue`); it wins over the SDK's
    // shape name, as in the SDKs' own awsQueryCompatible support.
    let (code, code_source) = match facts.code {
        Some((c, CodeSource::QueryErrorHeader)) => (Some(c), Some(CodeSource::QueryErrorHeader)),
        other => match sdk_code.or(other) {
            Some((c, s)) => (Some(c), Some(s)),
            None => (None, None),
        },
    };
    // A 2xx that reached an error path without a code is a success body
    // the SDK could not read (cut short or garbled): `ResponseError`, or
    // an unhandled service error from the output parser. (S3's "200 with
    // an <Error> body" has a code and is classified by it.)
    let unreadable = success && code.is_none();
    let message = parsed
        .message
        .and_then(wire::clean_message)
        .or(facts.message)
        .filter(|_| !unreadable);
    let msg = message.as_deref().unwrap_or("");
    let row = code.as_deref().and_then(|c| aws_codes::lookup(c, msg));
    let retry_kind = if unreadable {
        RetryKind::Transient
    } else {
        retry_kind(code.as_deref(), msg, status)
    };
    let category = match row {
        Some(r) => r.category,
        None if unreadable => ErrorCategory::Network,
        None => status_category(status, retry_kind),
    };
    let severity = match row {
        Some(r) => r.severity,
        None if retry_kind == RetryKind::Throttling => Severity::Warning,
        None => category.default_severity(),
    };
    let retry_after = if retry_kind.is_retryable() {
        retry_after(raw)
    } else {
        None
    };
    Classification {
        status,
        code,
        code_source,
        message,
        request_id: facts.request_id,
        extended_request_id: facts.extended_request_id,
        category,
        severity,
        retry_kind,
        retry_after,
        row,
        unreadable,
    }
}

/// The retry kind of an AWS error: the one decision. A message-dependent
/// row of the code table first, then strands-retry's code table, then,
/// for a code neither knows (or no code), the HTTP status.
pub(crate) fn retry_kind(code: Option<&str>, message: &str, status: u16) -> RetryKind {
    if let Some(code) = code {
        let row = aws_codes::lookup(code, message);
        if let Some(kind) = row.and_then(|r| r.retry_override) {
            return kind;
        }
        let kind = strands_retry::aws::classify_code(code);
        if kind.is_retryable() || row.is_some() {
            return kind;
        }
    }
    strands_retry::aws::classify_status(status)
}

/// The category of a response whose code no row knows.
fn status_category(status: u16, kind: RetryKind) -> ErrorCategory {
    match (status, kind) {
        (_, RetryKind::Throttling) => ErrorCategory::ResourceLimit,
        (401, _) => ErrorCategory::Credential,
        (403, _) => ErrorCategory::Permission,
        (404, _) => ErrorCategory::Validation,
        _ => ErrorCategory::Aws,
    }
}

/// The server's hint: `x-amz-retry-after` (ms) first, then `Retry-After` (s).
pub(crate) fn retry_after<R: RawResponse + ?Sized>(raw: &R) -> Option<Duration> {
    ["x-amz-retry-after", "retry-after"]
        .iter()
        .find_map(|h| strands_retry::aws::parse_retry_after(h, raw.header(h)?))
}

/// Why a request got no response: the one reading of the HTTP client's
/// error, used by the handler, the SDK-layer classifier, the breaker and
/// region failover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportFailure {
    /// Connect or read timed out.
    TimedOut,
    /// The endpoint could not be reached: DNS, refused, reset.
    Unreachable,
    /// The HTTP client refused to send it (bad URL, bad header): a
    /// configuration error, not the network's.
    Refused,
    /// Anything else the client reported (TLS, protocol).
    Other,
}

impl TransportFailure {
    /// Read a connector error.
    // A smithy type in the signature: strands-creds reads its SDK's
    // connector errors through here; users meet TransportFailure in
    // classifications, never build one.
    #[doc(hidden)]
    pub fn of(e: &ConnectorError) -> Self {
        if e.is_timeout() {
            Self::TimedOut
        } else if e.is_io() {
            Self::Unreachable
        } else if e.is_user() {
            Self::Refused
        } else {
            Self::Other
        }
    }

    /// Everything but [`Refused`](Self::Refused) is worth a retry.
    pub const fn retry_kind(self) -> RetryKind {
        match self {
            Self::Refused => RetryKind::Permanent,
            _ => RetryKind::Transient,
        }
    }

    /// Whether the region looks down (time-out or unreachable): the
    /// failover rule.
    pub const fn is_unreachable(self) -> bool {
        matches!(self, Self::TimedOut | Self::Unreachable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_codes_fall_back_to_the_status() {
        assert_eq!(retry_kind(Some("FooError"), "", 500), RetryKind::Transient);
        assert_eq!(retry_kind(Some("1"), "", 503), RetryKind::Transient);
        assert_eq!(retry_kind(Some("FooError"), "", 429), RetryKind::Throttling);
        assert_eq!(retry_kind(Some("FooError"), "", 400), RetryKind::Permanent);
        assert_eq!(retry_kind(None, "", 502), RetryKind::Transient);
        assert_eq!(retry_kind(None, "", 501), RetryKind::Permanent);
    }

    #[test]
    fn known_codes_win_over_the_status() {
        assert_eq!(
            retry_kind(Some("ThrottlingException"), "", 400),
            RetryKind::Throttling
        );
        assert_eq!(
            retry_kind(Some("AccessDenied"), "", 500),
            RetryKind::Permanent
        );
        assert_eq!(
            retry_kind(
                Some("ResourceConflictException"),
                "An update is in progress for resource: arn:aws:lambda:…",
                409
            ),
            RetryKind::Transient
        );
        assert_eq!(
            retry_kind(
                Some("ResourceConflictException"),
                "Function already exist: f",
                409
            ),
            RetryKind::Permanent
        );
    }
}
