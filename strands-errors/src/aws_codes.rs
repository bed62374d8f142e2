//! The one table that turns an AWS error code into something a person can
//! act on: category, severity, whether a retry can help, and concrete fixes.
//!
//! Why a table and not a `match`: the completeness and consistency tests
//! iterate it (every code has a category, a diagnostic code, a doc and a
//! suggestion; every code strands-retry retries has a row that agrees), and
//! `cargo xtask explain` documents each row. A code can have several rows
//! when the service reuses it for different failures (Lambda's
//! `ResourceConflictException` means "already exists" or "update in
//! progress"); the first row whose `when` text occurs in the message wins,
//! and the row without `when` is the fallback.
//!
//! Suggestions are templates: `{action}` becomes the IAM action
//! (`lambda:CreateFunction`), `{resource}` the resource id, `{operation}`
//! the API operation and `{service}` the service, from the error's context.

use crate::category::{ErrorCategory, Severity};
use crate::context::ErrorContext;
use strands_retry::RetryKind;

/// One row: how to read one AWS error code.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct CodeRow {
    /// The AWS error code, as the service sends it.
    pub code: &'static str,
    /// Only when the service message contains this (ASCII case-insensitive).
    pub when: Option<&'static str>,
    /// What kind of failure it is.
    pub category: ErrorCategory,
    /// How bad.
    pub severity: Severity,
    /// Whether a retry can help.
    pub retry: RetryKind,
    /// The headline, placed before the service's own message.
    pub meaning: &'static str,
    /// What to do, most likely fix first (templates, see the module doc).
    pub suggestions: &'static [&'static str],
}

impl CodeRow {
    /// The stable diagnostic code of this row
    /// (`strands::permission::access_denied`).
    pub fn diagnostic_code(&self) -> String {
        crate::deployment_error::diagnostic_code(self.category, Some(self.code))
    }

    /// The suggestions with the context filled in.
    pub fn render_suggestions(&self, ctx: &ErrorContext) -> Vec<String> {
        self.suggestions.iter().map(|s| fill(s, ctx)).collect()
    }
}

/// Fill a suggestion template from the context; missing values read as
/// words ("the required permission") rather than leaving a placeholder.
pub(crate) fn fill(template: &str, ctx: &ErrorContext) -> String {
    if !template.contains('{') {
        return template.to_owned();
    }
    let action = ctx
        .iam_action()
        .unwrap_or_else(|| "the required permission".to_owned());
    let operation = ctx
        .aws_operation
        .as_deref()
        .or(ctx.operation.as_deref())
        .unwrap_or("the operation");
    template
        .replace("{action}", &action)
        .replace(
            "{resource}",
            ctx.resource_id.as_deref().unwrap_or("the resource"),
        )
        .replace("{operation}", operation)
        .replace(
            "{service}",
            ctx.aws_service.as_deref().unwrap_or("the service"),
        )
}

/// The row for `code` given the service's `message`, if the code is known.
pub fn lookup(code: &str, message: &str) -> Option<&'static CodeRow> {
    let mut fallback = None;
    for row in CODES.iter().filter(|r| r.code == code) {
        match row.when {
            Some(w) if contains_ignore_case(message, w) => return Some(row),
            Some(_) => {}
            None => fallback = fallback.or(Some(row)),
        }
    }
    fallback
}

fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    let n = needle.len();
    n == 0
        || haystack
            .as_bytes()
            .windows(n)
            .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

use ErrorCategory as C;
use RetryKind::{Permanent as P, Throttling as T, Transient as X};
use Severity::{Critical as CRIT, Error as ERR, Info as INFO, Warning as WARN};

const EXPIRED: &[&str] = &[
    "Refresh the credentials: run `aws sso login` for an SSO profile, or assume the role again",
    "For temporary keys in the environment, get new ones (`aws sts get-session-token`) and export AWS_SESSION_TOKEN again",
    "Long-running jobs: let the SDK refresh credentials (a profile or role) instead of exporting fixed keys",
];
const UNKNOWN_KEY: &[&str] = &[
    "Run `aws configure list` to see which access key is used and where it came from",
    "If the key was rotated or deleted, create a new one in IAM and update the profile (`aws configure`)",
    "Check the partition and region: keys of aws-cn or aws-us-gov do not work elsewhere, and opt-in regions must be enabled",
];
const BAD_SIGNATURE: &[&str] = &[
    "Check that the secret access key belongs to the access key ID (`aws configure`; no trailing spaces)",
    "Sync the system clock (NTP): signatures carry the time",
];
const WEB_IDENTITY: &[&str] = &[
    "Check AWS_WEB_IDENTITY_TOKEN_FILE points to a current token (tokens expire; EKS and CI rotate them)",
    "Check the IAM OIDC provider: its audience and thumbprint must match the token's issuer",
    "Check the role's trust policy allows sts:AssumeRoleWithWebIdentity for this subject",
];
const DENIED: &[&str] = &[
    "Grant `{action}` on `{resource}` to the caller (`aws sts get-caller-identity` shows who that is)",
    "Check service control policies and permission boundaries: an explicit deny there wins over any allow",
    "Check the resource policy of `{resource}` if it has one",
];
/// STS, IAM and S3 say `AccessDenied`; for STS it is usually AssumeRole.
const DENIED_QUERY: &[&str] = &[
    "Grant `{action}` on `{resource}` to the caller (`aws sts get-caller-identity` shows who that is)",
    "For sts:AssumeRole: the role's trust policy must name your principal, and your policy must allow sts:AssumeRole on the role ARN",
    "Check service control policies and permission boundaries: an explicit deny there wins over any allow",
];
const THROTTLED: &[&str] = &[
    "Retry with backoff and jitter: wrap `{operation}` in a RetryStrategy (Full jitter spreads clients apart)",
    "Lower the request rate of `{operation}`, or raise the quota in Service Quotas (`aws service-quotas list-service-quotas --service-code {service}`)",
];
const SERVER: &[&str] = &[
    "Retry with backoff: this is a server-side failure and usually passes",
    "If it persists, check the AWS Health Dashboard for {service} in this region",
];
const TIMEOUT: &[&str] = &[
    "Retry with backoff: the request did not complete in time",
    "Check the network path to the endpoint (proxy, VPC endpoint, DNS) and raise the operation timeout if the call is large",
];
const NOT_FOUND: &[&str] = &[
    "Check the name or ARN `{resource}` and the region: resources are regional",
    "Create `{resource}` first, or list what exists (`aws {service} list-…`)",
];
const INVALID: &[&str] = &[
    "Fix the request parameters of `{operation}`: the service message says which value it rejected",
    "Check the values against the API reference of {service} (lengths, patterns, allowed values)",
];

/// Every known code. Order matters only among rows of one code (the first
/// matching `when` wins).
pub static CODES: &[CodeRow] = &[
    // ---- Credential: who you are could not be established ----
    row(
        "ExpiredToken",
        None,
        C::Credential,
        CRIT,
        P,
        "The security token has expired",
        EXPIRED,
    ),
    row(
        "ExpiredTokenException",
        None,
        C::Credential,
        CRIT,
        P,
        "The security token has expired",
        EXPIRED,
    ),
    row(
        "InvalidClientTokenId",
        None,
        C::Credential,
        CRIT,
        P,
        "The access key ID is not known to AWS",
        UNKNOWN_KEY,
    ),
    row(
        "UnrecognizedClientException",
        None,
        C::Credential,
        CRIT,
        P,
        "The security token or access key is not valid",
        UNKNOWN_KEY,
    ),
    row(
        "InvalidAccessKeyId",
        None,
        C::Credential,
        CRIT,
        P,
        "The access key ID does not exist",
        UNKNOWN_KEY,
    ),
    row(
        "SignatureDoesNotMatch",
        None,
        C::Credential,
        CRIT,
        P,
        "The request signature does not match: wrong secret key or clock",
        BAD_SIGNATURE,
    ),
    row(
        "IncompleteSignature",
        None,
        C::Credential,
        CRIT,
        P,
        "The request signature is incomplete",
        &[
            "Set both the access key ID and the secret access key (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile)",
            "If you sign requests yourself, include every signed header the service requires",
        ],
    ),
    row(
        "MissingAuthenticationToken",
        None,
        C::Credential,
        CRIT,
        P,
        "The request was not signed",
        &[
            "Provide credentials: set AWS_PROFILE, run `aws configure`, or run `aws sso login`",
            "Check the endpoint URL: an unknown path on a real endpoint also answers this",
        ],
    ),
    row(
        "RequestExpired",
        None,
        C::Credential,
        CRIT,
        P,
        "The request is too old: the clock is skewed",
        &[
            "Sync the system clock (`timedatectl set-ntp true`, or `chronyc makestep`): AWS rejects requests signed more than 15 minutes off",
            "In containers and VMs, check the host clock too",
        ],
    ),
    row(
        "InvalidIdentityToken",
        None,
        C::Credential,
        CRIT,
        P,
        "The web identity token was rejected",
        WEB_IDENTITY,
    ),
    row(
        "IDPRejectedClaim",
        None,
        C::Credential,
        CRIT,
        P,
        "The identity provider rejected the token's claims",
        WEB_IDENTITY,
    ),
    // ---- Permission: who you are is known, what you asked for is not allowed ----
    row(
        "AccessDenied",
        None,
        C::Permission,
        ERR,
        P,
        "Access denied - insufficient permissions",
        DENIED_QUERY,
    ),
    row(
        "AccessDeniedException",
        None,
        C::Permission,
        ERR,
        P,
        "Access denied - insufficient permissions",
        DENIED,
    ),
    row(
        "UnauthorizedOperation",
        None,
        C::Permission,
        ERR,
        P,
        "Not authorized to perform this operation",
        DENIED,
    ),
    row(
        "AllAccessDisabled",
        None,
        C::Permission,
        CRIT,
        P,
        "All access to this resource has been disabled",
        &["Contact the account owner or AWS Support: the resource or account was suspended"],
    ),
    row(
        "RegionDisabledException",
        None,
        C::Permission,
        ERR,
        P,
        "STS is not activated in this region",
        &[
            "Activate STS for the region: IAM console → Account settings → Security Token Service (STS) → Activate",
            "Or use a region where STS is active (us-east-1 always is)",
        ],
    ),
    row(
        "KMSAccessDeniedException",
        None,
        C::Permission,
        ERR,
        P,
        "Lambda cannot use the KMS key",
        &[
            "Allow the function's execution role kms:Decrypt on the key in the key policy",
            "Check that the key is enabled and in the function's region",
        ],
    ),
    row(
        "InvalidParameterValueException",
        Some("cannot be assumed by Lambda"),
        C::Permission,
        ERR,
        P,
        "Lambda cannot assume the execution role",
        &[
            "Add lambda.amazonaws.com to the execution role's trust policy (`aws iam update-assume-role-policy --role-name ROLE --policy-document file://trust.json`)",
            "If the role was created seconds ago, wait about 10 seconds for IAM to propagate, then retry `{operation}`",
            "Check the role ARN passed to `{operation}` names the role you meant",
        ],
    ),
    row(
        "OptInRequired",
        None,
        C::Configuration,
        ERR,
        P,
        "The account is not subscribed to this service or region",
        &[
            "Enable the region for the account (Account settings → AWS Regions) or subscribe to the service",
        ],
    ),
    // ---- ResourceLimit: throttling (retryable) ----
    row(
        "Throttling",
        None,
        C::ResourceLimit,
        WARN,
        T,
        "Request rate exceeded (throttled)",
        THROTTLED,
    ),
    row(
        "ThrottlingException",
        None,
        C::ResourceLimit,
        WARN,
        T,
        "Request rate exceeded (throttled)",
        THROTTLED,
    ),
    row(
        "ThrottledException",
        None,
        C::ResourceLimit,
        WARN,
        T,
        "Request rate exceeded (throttled)",
        THROTTLED,
    ),
    row(
        "RequestThrottled",
        None,
        C::ResourceLimit,
        WARN,
        T,
        "Request rate exceeded (throttled)",
        THROTTLED,
    ),
    row(
        "RequestThrottledException",
        None,
        C::ResourceLimit,
        WARN,
        T,
        "Request rate exceeded (throttled)",
        THROTTLED,
    ),
    row(
        "TooManyRequestsException",
        None,
        C::ResourceLimit,
        WARN,
        T,
        "Too many requests (throttled)",
        &[
            "Retry after the delay the service sent (Retry-After); wrap `{operation}` in a RetryStrategy",
            "For Lambda: check the account's concurrency and the function's reserved concurrency (`aws lambda get-account-settings`)",
            "Lower the request rate, or raise the quota in Service Quotas",
        ],
    ),
    row(
        "ProvisionedThroughputExceededException",
        None,
        C::ResourceLimit,
        WARN,
        T,
        "Provisioned throughput exceeded",
        THROTTLED,
    ),
    row(
        "TransactionInProgressException",
        None,
        C::ResourceLimit,
        WARN,
        T,
        "Another transaction is in progress",
        THROTTLED,
    ),
    row(
        "RequestLimitExceeded",
        None,
        C::ResourceLimit,
        WARN,
        T,
        "Request limit exceeded (throttled)",
        THROTTLED,
    ),
    row(
        "BandwidthLimitExceeded",
        None,
        C::ResourceLimit,
        WARN,
        T,
        "Bandwidth limit exceeded",
        THROTTLED,
    ),
    row(
        "LimitExceededException",
        None,
        C::ResourceLimit,
        WARN,
        T,
        "A rate or count limit was exceeded",
        THROTTLED,
    ),
    row(
        "SlowDown",
        None,
        C::ResourceLimit,
        WARN,
        T,
        "Slow down: request rate too high",
        THROTTLED,
    ),
    row(
        "PriorRequestNotComplete",
        None,
        C::ResourceLimit,
        WARN,
        T,
        "A prior request has not completed",
        THROTTLED,
    ),
    row(
        "EC2ThrottledException",
        None,
        C::ResourceLimit,
        WARN,
        T,
        "Lambda was throttled by EC2 while setting up the function's network",
        THROTTLED,
    ),
    // ---- ResourceLimit: quotas (a retry does not help) ----
    row(
        "CodeStorageExceededException",
        None,
        C::ResourceLimit,
        ERR,
        P,
        "Lambda code storage quota exceeded",
        &[
            "Delete unused function versions and layer versions (`aws lambda list-versions-by-function --function-name {resource}`)",
            "Request more code storage in Service Quotas (quota L-2ACBD22F)",
        ],
    ),
    row(
        "ENILimitReachedException",
        None,
        C::ResourceLimit,
        ERR,
        P,
        "The VPC's network interface limit is reached",
        &[
            "Delete unused network interfaces in the function's VPC, or raise the ENI quota in Service Quotas",
            "Share subnets and security groups between functions so they share interfaces",
        ],
    ),
    row(
        "SubnetIPAddressLimitReachedException",
        None,
        C::ResourceLimit,
        ERR,
        P,
        "The function's subnets have no free IP addresses",
        &["Add subnets with free addresses to the function's VPC configuration"],
    ),
    row(
        "ServiceQuotaExceededException",
        None,
        C::ResourceLimit,
        ERR,
        P,
        "A service quota is exceeded",
        &[
            "Delete resources you no longer need, or request a quota increase in Service Quotas for {service}",
        ],
    ),
    row(
        "PackedPolicyTooLargeException",
        None,
        C::ResourceLimit,
        ERR,
        P,
        "The session policies and tags are too large",
        &[
            "Pass fewer or shorter session policies and session tags to sts:AssumeRole",
            "Use managed policy ARNs instead of inline session policies",
        ],
    ),
    row(
        "RequestTooLargeException",
        None,
        C::ResourceLimit,
        ERR,
        P,
        "The request payload is too large",
        &[
            "Shrink the payload: Lambda accepts 6 MB synchronous and 256 KB asynchronous invocations; upload code through S3",
        ],
    ),
    // ---- Aws: the service failed; retryable ----
    row(
        "InternalError",
        None,
        C::Aws,
        ERR,
        X,
        "The service had an internal error",
        SERVER,
    ),
    row(
        "InternalFailure",
        None,
        C::Aws,
        ERR,
        X,
        "The service had an internal failure",
        SERVER,
    ),
    row(
        "ServiceException",
        None,
        C::Aws,
        ERR,
        X,
        "The service had an internal error",
        SERVER,
    ),
    row(
        "ServiceUnavailable",
        None,
        C::Aws,
        ERR,
        X,
        "The service is unavailable",
        SERVER,
    ),
    row(
        "RequestTimeout",
        None,
        C::Network,
        WARN,
        X,
        "The request timed out",
        TIMEOUT,
    ),
    row(
        "RequestTimeoutException",
        None,
        C::Network,
        WARN,
        X,
        "The request timed out",
        TIMEOUT,
    ),
    row(
        "ResourceConflictException",
        Some("in progress"),
        C::Aws,
        WARN,
        X,
        "An update is in progress for the resource",
        &[
            "Wait until the update finishes (`aws lambda wait function-updated-v2 --function-name {resource}`), then retry",
            "Serialise deployments of `{resource}`: one update at a time",
        ],
    ),
    // ---- Validation: the request itself is wrong ----
    row(
        "ResourceConflictException",
        Some("already exist"),
        C::Validation,
        ERR,
        P,
        "The resource already exists",
        &[
            "Update `{resource}` instead of creating it (UpdateFunctionCode / UpdateFunctionConfiguration)",
            "Or choose another name, or delete the existing resource first",
        ],
    ),
    row(
        "ResourceConflictException",
        None,
        C::State,
        ERR,
        P,
        "The resource is in a state that conflicts with this request",
        &["Read the current state of `{resource}` and retry `{operation}` once it is stable"],
    ),
    row(
        "ValidationException",
        None,
        C::Validation,
        ERR,
        P,
        "The request failed validation",
        INVALID,
    ),
    row(
        "ValidationError",
        None,
        C::Validation,
        ERR,
        P,
        "The request failed validation",
        INVALID,
    ),
    row(
        "InvalidParameterValueException",
        None,
        C::Validation,
        ERR,
        P,
        "A parameter value is not valid",
        INVALID,
    ),
    row(
        "InvalidParameterException",
        None,
        C::Validation,
        ERR,
        P,
        "A parameter is not valid",
        INVALID,
    ),
    row(
        "InvalidRequestContentException",
        None,
        C::Validation,
        ERR,
        P,
        "The request body could not be parsed",
        &["Send valid JSON in the payload of `{operation}` (check quoting and encoding)"],
    ),
    row(
        "MalformedPolicyDocumentException",
        None,
        C::Validation,
        ERR,
        P,
        "The policy document is malformed",
        &[
            "Validate the policy JSON (`aws accessanalyzer validate-policy --policy-type IDENTITY_POLICY --policy-document file://policy.json`)",
            "Check Version is \"2012-10-17\" and each statement has Effect, Action and Resource (or Principal for trust policies)",
        ],
    ),
    row(
        "MalformedPolicyDocument",
        None,
        C::Validation,
        ERR,
        P,
        "The session policy is malformed",
        &["Validate the session policy JSON passed to sts:AssumeRole"],
    ),
    row(
        "ResourceNotFoundException",
        None,
        C::Validation,
        ERR,
        P,
        "The resource was not found",
        NOT_FOUND,
    ),
    row(
        "NoSuchEntity",
        None,
        C::Validation,
        ERR,
        P,
        "The IAM entity was not found",
        &[
            "Check the role, user or policy name `{resource}` (IAM names are case-sensitive)",
            "Create it first (`aws iam create-role ...`) or fix the ARN",
        ],
    ),
    row(
        "NoSuchBucket",
        None,
        C::Validation,
        ERR,
        P,
        "The bucket does not exist",
        NOT_FOUND,
    ),
    row(
        "NoSuchKey",
        None,
        C::Validation,
        ERR,
        P,
        "The object does not exist",
        NOT_FOUND,
    ),
    row(
        "EntityAlreadyExists",
        None,
        C::Validation,
        WARN,
        P,
        "The IAM entity already exists",
        &[
            "Reuse the existing entity `{resource}` instead of creating it (`aws iam get-role --role-name {resource}`)",
        ],
    ),
    row(
        "BucketAlreadyExists",
        None,
        C::Validation,
        ERR,
        P,
        "The bucket name is taken by another account",
        &["Choose another bucket name: bucket names are global across all accounts"],
    ),
    row(
        "BucketAlreadyOwnedByYou",
        None,
        C::Validation,
        INFO,
        P,
        "You already own this bucket",
        &["Use the existing bucket `{resource}`; no action is needed"],
    ),
    // ---- State, Dependency, Provisioning ----
    row(
        "PreconditionFailedException",
        None,
        C::State,
        ERR,
        P,
        "The resource changed since it was read (revision mismatch)",
        &["Read `{resource}` again and retry `{operation}` with the current RevisionId"],
    ),
    row(
        "ResourceNotReadyException",
        None,
        C::State,
        WARN,
        X,
        "The function is not ready yet",
        &[
            "Wait for the function to become Active (`aws lambda wait function-active-v2 --function-name {resource}`), then retry",
        ],
    ),
    row(
        "DeleteConflict",
        None,
        C::Dependency,
        ERR,
        P,
        "The IAM entity still has attachments",
        &[
            "Detach managed policies, delete inline policies and remove the role from instance profiles before deleting `{resource}`",
        ],
    ),
    row(
        "InvalidZipFileException",
        None,
        C::Provisioning,
        ERR,
        P,
        "Lambda could not unzip the deployment package",
        &[
            "Rebuild the zip: the handler file must be at the archive root, and the archive must not be empty",
            "Upload packages over 50 MB through S3 (S3Bucket / S3Key)",
        ],
    ),
    row(
        "InvalidSubnetIDException",
        None,
        C::Configuration,
        ERR,
        P,
        "A subnet in the VPC configuration does not exist",
        &["Fix the subnet ids in the function's VPC configuration (`aws ec2 describe-subnets`)"],
    ),
    row(
        "InvalidSecurityGroupIDException",
        None,
        C::Configuration,
        ERR,
        P,
        "A security group in the VPC configuration does not exist",
        &[
            "Fix the security group ids in the function's VPC configuration (`aws ec2 describe-security-groups`)",
        ],
    ),
];

#[allow(clippy::too_many_arguments)]
const fn row(
    code: &'static str,
    when: Option<&'static str>,
    category: ErrorCategory,
    severity: Severity,
    retry: RetryKind,
    meaning: &'static str,
    suggestions: &'static [&'static str],
) -> CodeRow {
    CodeRow {
        code,
        when,
        category,
        severity,
        retry,
        meaning,
        suggestions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn at_least_forty_codes() {
        let codes: HashSet<&str> = CODES.iter().map(|r| r.code).collect();
        assert!(codes.len() >= 40, "{}", codes.len());
    }

    #[test]
    fn every_retryable_code_of_strands_retry_has_a_row_that_agrees() {
        for (code, kind) in strands_retry::aws::RETRYABLE_CODES {
            let rows: Vec<_> = CODES.iter().filter(|r| r.code == *code).collect();
            assert!(!rows.is_empty(), "{code} has no row");
            for r in rows {
                assert_eq!(r.retry, *kind, "{code}");
                if *kind == RetryKind::Throttling {
                    assert_eq!(r.category, ErrorCategory::ResourceLimit, "{code}");
                    assert_eq!(r.severity, Severity::Warning, "{code}");
                }
            }
        }
    }

    #[test]
    fn rows_are_consistent() {
        let mut diag = HashSet::new();
        let mut fallbacks = HashSet::new();
        for r in CODES {
            assert!(!r.suggestions.is_empty(), "{} has no suggestion", r.code);
            assert!(!r.meaning.is_empty());
            assert!(
                diag.insert(r.diagnostic_code()),
                "two rows share {}",
                r.diagnostic_code()
            );
            if r.when.is_none() {
                assert!(fallbacks.insert(r.code), "{} has two fallbacks", r.code);
            }
            for s in r.suggestions {
                // Templates use only the placeholders `fill` knows.
                let filled = fill(s, &ErrorContext::new());
                assert!(!filled.contains('{'), "{}: {s}", r.code);
            }
            // A row the retry table does not list may still be retryable
            // (a message-specific row), but never the other way round.
            if strands_retry::aws::is_retryable_code(r.code) {
                assert!(r.retry.is_retryable(), "{}", r.code);
            }
        }
        // Rows of one code with `when` come before its fallback.
        for (i, r) in CODES.iter().enumerate() {
            if r.when.is_some() {
                assert!(
                    !CODES[..i]
                        .iter()
                        .any(|p| p.code == r.code && p.when.is_none()),
                    "{}: conditional row after the fallback",
                    r.code
                );
            }
        }
    }

    #[test]
    fn message_picks_the_row() {
        let exists = lookup("ResourceConflictException", "Function already exist: f1");
        assert_eq!(exists.map(|r| r.category), Some(ErrorCategory::Validation));
        let busy = lookup(
            "ResourceConflictException",
            "The operation cannot be performed at this time. An update is in progress for resource: arn:…",
        );
        assert_eq!(busy.map(|r| r.retry), Some(RetryKind::Transient));
        let role = lookup(
            "InvalidParameterValueException",
            "The role defined for the function cannot be assumed by Lambda.",
        );
        assert_eq!(role.map(|r| r.category), Some(ErrorCategory::Permission));
        let other = lookup("InvalidParameterValueException", "Runtime is not supported");
        assert_eq!(other.map(|r| r.category), Some(ErrorCategory::Validation));
        assert!(lookup("NoSuchCode", "").is_none());
    }

    #[test]
    fn templates_use_the_context() {
        let ctx = ErrorContext::new()
            .resource_id("fn-1")
            .aws_service("lambda")
            .aws_operation("CreateFunction");
        let row = lookup("AccessDeniedException", "").unwrap();
        let s = row.render_suggestions(&ctx);
        assert!(
            s[0].contains("`lambda:CreateFunction` on `fn-1`"),
            "{}",
            s[0]
        );
        let bare = row.render_suggestions(&ErrorContext::new());
        assert!(bare[0].contains("the required permission"), "{}", bare[0]);
    }
}
