//! Which AWS error codes and HTTP statuses are worth retrying: one table,
//! the union of the Python module's twelve codes and the AWS SDKs' throttling and
//! transient lists, so every strands crate classifies a code the same way.
//!
//! No AWS SDK types here: strands-errors and strands-creds look codes up in
//! this table; this crate only knows strings and numbers.

use crate::{RetryBehavior, RetryKind};
use std::time::Duration;

/// The AWS SDKs' standard mode: attempts per call, the first included.
pub(crate) const STANDARD_MAX_ATTEMPTS: u32 = 3;
/// The AWS SDKs' standard mode: the cap on any backoff.
pub(crate) const STANDARD_MAX_BACKOFF: Duration = Duration::from_secs(20);

/// A service's own retry defaults, where the spec gives it some.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub(crate) struct ServiceRetryDefaults {
    /// Attempts per call, the first included.
    pub(crate) max_attempts: u32,
    /// The transient base delay, when not the behavior's.
    pub(crate) transient_base_delay: Option<Duration>,
}

/// The retry defaults of the service `service_id` (lowercase, botocore's
/// service names) under `behavior`. Under 2.1 DynamoDB and DynamoDB
/// Streams make 4 attempts from a 25 ms base (botocore's
/// `test_dynamodb_base_backoff_and_increased_retries`; aws-sdk-go-v2's
/// retries-2026 preview); every other service, and every service under
/// 2.0, has the standard ones.
pub(crate) fn service_retry_defaults(
    service_id: &str,
    behavior: RetryBehavior,
) -> ServiceRetryDefaults {
    let dynamo = matches!(
        service_id.to_ascii_lowercase().as_str(),
        "dynamodb" | "dynamodbstreams" | "dynamodb streams"
    );
    if dynamo && behavior >= RetryBehavior::V2_1 {
        ServiceRetryDefaults {
            max_attempts: 4,
            transient_base_delay: Some(Duration::from_millis(25)),
        }
    } else {
        ServiceRetryDefaults {
            max_attempts: STANDARD_MAX_ATTEMPTS,
            transient_base_delay: None,
        }
    }
}

/// `(code, kind)`, sorted by code for binary search.
///
/// The one place a code's retry kind is written (strands-errors' code table
/// overrides it only for rows that depend on the service's message).
///
/// Sources: the Python module (RequestTimeout, ServiceUnavailable, ThrottlingException,
/// TooManyRequestsException, RequestLimitExceeded, Throttling, RequestThrottled,
/// ProvisionedThroughputExceededException, LimitExceededException,
/// InternalError, InternalFailure, ServiceException); botocore's standard
/// mode throttling and transient lists (`botocore/retries/standard.py`);
/// STS's `IDPCommunicationError` (botocore retries it for web identity);
/// Lambda's `ResourceNotReadyException`; the 5xx shapes newer services
/// model (`InternalServerException`, `ServiceUnavailableException`).
// Public for strands-errors, whose table of AWS codes reads each code's
// retry kind from here (one place for it); a user asks
// `is_retryable_code` or `classify_code`.
#[doc(hidden)]
pub const RETRYABLE_CODES: &[(&str, RetryKind)] = &[
    ("BandwidthLimitExceeded", RetryKind::Throttling),
    ("EC2ThrottledException", RetryKind::Throttling),
    ("IDPCommunicationError", RetryKind::Transient),
    ("InternalError", RetryKind::Transient),
    ("InternalFailure", RetryKind::Transient),
    ("InternalServerError", RetryKind::Transient),
    ("InternalServerException", RetryKind::Transient),
    ("LimitExceededException", RetryKind::Throttling),
    ("PriorRequestNotComplete", RetryKind::Throttling),
    (
        "ProvisionedThroughputExceededException",
        RetryKind::Throttling,
    ),
    ("RequestLimitExceeded", RetryKind::Throttling),
    ("RequestThrottled", RetryKind::Throttling),
    ("RequestThrottledException", RetryKind::Throttling),
    ("RequestTimeout", RetryKind::Transient),
    ("RequestTimeoutException", RetryKind::Transient),
    ("ResourceNotReadyException", RetryKind::Transient),
    ("ServiceException", RetryKind::Transient),
    ("ServiceUnavailable", RetryKind::Transient),
    ("ServiceUnavailableException", RetryKind::Transient),
    ("SlowDown", RetryKind::Throttling),
    ("ThrottledException", RetryKind::Throttling),
    ("Throttling", RetryKind::Throttling),
    ("ThrottlingException", RetryKind::Throttling),
    ("TooManyRequestsException", RetryKind::Throttling),
    ("TransactionInProgressException", RetryKind::Throttling),
];

/// The kind of an AWS error code; `Permanent` for codes not in the table.
pub fn classify_code(code: &str) -> RetryKind {
    RETRYABLE_CODES
        .binary_search_by(|(c, _)| (*c).cmp(code))
        .map_or(RetryKind::Permanent, |i| RETRYABLE_CODES[i].1)
}

/// Whether an AWS error code is worth retrying.
pub fn is_retryable_code(code: &str) -> bool {
    classify_code(code).is_retryable()
}

/// The kind of an HTTP status, for a response whose code no table knows:
/// 429 throttling; every 5xx transient except 501 (Not Implemented) and
/// 505 (HTTP Version Not Supported), which say the request itself will
/// never work; everything else permanent.
///
/// The AWS SDKs retry only 500, 502, 503 and 504. We also retry the rest
/// of the 5xx range (507, 509, 598 …) that proxies and load balancers in
/// front of a service answer while it is unwell: a deliberate difference,
/// bounded by the retry budget (ARCHITECTURE.md, "Where we differ").
pub const fn classify_status(status: u16) -> RetryKind {
    match status {
        429 => RetryKind::Throttling,
        501 | 505 => RetryKind::Permanent,
        500..=599 => RetryKind::Transient,
        _ => RetryKind::Permanent,
    }
}

/// Read a server's retry hint from one response header.
///
/// `x-amz-retry-after` is milliseconds (what the AWS SDKs read);
/// `Retry-After` is whole seconds (RFC 9110; the HTTP-date form is not
/// honoured, it needs a wall clock we do not trust across machines).
/// Header names are matched case-insensitively; bad values give `None`.
pub fn parse_retry_after(header: &str, value: &str) -> Option<Duration> {
    let value = value.trim();
    if header.eq_ignore_ascii_case("x-amz-retry-after") {
        value.parse::<u64>().ok().map(Duration::from_millis)
    } else if header.eq_ignore_ascii_case("retry-after") {
        value.parse::<u64>().ok().map(Duration::from_secs)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique() {
        for pair in RETRYABLE_CODES.windows(2) {
            assert!(pair[0].0 < pair[1].0, "{} !< {}", pair[0].0, pair[1].0);
        }
    }

    #[test]
    fn every_seed_code_is_retryable() {
        for code in [
            "RequestTimeout",
            "ServiceUnavailable",
            "ThrottlingException",
            "TooManyRequestsException",
            "RequestLimitExceeded",
            "Throttling",
            "RequestThrottled",
            "ProvisionedThroughputExceededException",
            "LimitExceededException",
            "InternalError",
            "InternalFailure",
            "ServiceException",
        ] {
            assert!(is_retryable_code(code), "{code}");
        }
    }

    #[test]
    fn every_sdk_throttling_code_is_throttling() {
        for code in [
            "Throttling",
            "ThrottlingException",
            "ThrottledException",
            "RequestThrottledException",
            "TooManyRequestsException",
            "ProvisionedThroughputExceededException",
            "TransactionInProgressException",
            "RequestLimitExceeded",
            "BandwidthLimitExceeded",
            "LimitExceededException",
            "RequestThrottled",
            "SlowDown",
            "PriorRequestNotComplete",
            "EC2ThrottledException",
        ] {
            assert_eq!(classify_code(code), RetryKind::Throttling, "{code}");
        }
        assert_eq!(
            classify_code("RequestTimeoutException"),
            RetryKind::Transient
        );
    }

    #[test]
    fn unknown_and_permanent_codes_are_not_retried() {
        for code in ["AccessDenied", "ValidationException", "", "throttling"] {
            assert_eq!(classify_code(code), RetryKind::Permanent, "{code}");
        }
    }

    #[test]
    fn statuses() {
        assert_eq!(classify_status(429), RetryKind::Throttling);
        for s in [500, 502, 503, 504, 507, 509, 599] {
            assert_eq!(classify_status(s), RetryKind::Transient, "{s}");
        }
        for s in [200, 400, 401, 403, 404, 409, 501, 505] {
            assert_eq!(classify_status(s), RetryKind::Permanent, "{s}");
        }
    }

    #[test]
    fn retry_after_headers() {
        assert_eq!(
            parse_retry_after("X-Amz-Retry-After", "1500"),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            parse_retry_after("Retry-After", " 3 "),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            parse_retry_after("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT"),
            None
        );
        assert_eq!(parse_retry_after("retry-after", "-1"), None);
        assert_eq!(parse_retry_after("x-other", "1"), None);
    }
}
