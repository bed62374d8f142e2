//! The one table that turns an AWS error code into something a person can
//! act on: category, severity, whether a retry can help, and concrete fixes.
//!
//! Why a table and not a `match`: the completeness and consistency tests
//! iterate it (every code has a category, a diagnostic code, a doc and a
//! suggestion), and `cargo xtask explain` documents each row. One row per
//! line, so a diff shows one code's change on one line.
//!
//! Whether a retry helps is not written here: strands-retry's
//! [`RETRYABLE_CODES`](strands_retry::aws::RETRYABLE_CODES) is the one source
//! (see `crate::classify`). A row overrides it only where the message tells
//! two failures of one code apart (`w(..)` rows below). A code can have several rows
//! when the service reuses it for different failures (Lambda's
//! `ResourceConflictException` means "already exists" or "update in
//! progress"); the first row whose `when` text occurs in the message wins,
//! and the row without `when` is the fallback.
//!
//! Suggestions are templates: `{action}` becomes the IAM action
//! (`lambda:CreateFunction`), `{resource}` the resource id, `{operation}`
//! the API operation and `{service}` the service, from the error's context.

use crate::category::{Condition, ErrorCategory, Severity};
use crate::context::ErrorContext;
use strands_retry::RetryKind;

/// One row: how to read one AWS error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct CodeRow {
    /// The AWS error code, as the service sends it.
    pub code: &'static str,
    /// Only when the service message contains this (ASCII case-insensitive).
    pub when: Option<&'static str>,
    /// The retry kind of this message's case; `None` (every row without
    /// `when`) means strands-retry's code table decides.
    pub retry_override: Option<RetryKind>,
    /// What kind of failure it is.
    pub category: ErrorCategory,
    /// How bad.
    pub severity: Severity,
    /// The headline, placed before the service's own message.
    pub meaning: &'static str,
    /// What to do, most likely fix first (templates, see the module doc).
    pub suggestions: &'static [&'static str],
    /// What it says about the resource, where it says something a program
    /// decides on (set with `.is(..)` on the row).
    pub condition: Option<Condition>,
}

impl CodeRow {
    /// The stable diagnostic code of this row
    /// (`strands::permission::access_denied`).
    pub fn diagnostic_code(&self) -> String {
        crate::category::diagnostic_code(self.category, Some(self.code))
    }

    /// The suggestions with the context filled in.
    pub fn render_suggestions(&self, ctx: &ErrorContext) -> Vec<String> {
        self.suggestions.iter().map(|s| fill(s, ctx)).collect()
    }

    /// The same row, saying `condition` about the resource.
    const fn is(mut self, condition: Condition) -> Self {
        self.condition = Some(condition);
        self
    }

    /// Whether a retry can help, for this row's message: its override, or
    /// strands-retry's table.
    pub fn retry_kind(&self) -> RetryKind {
        self.retry_override
            .unwrap_or_else(|| strands_retry::aws::classify_code(self.code))
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
pub(crate) fn lookup(code: &str, message: &str) -> Option<&'static CodeRow> {
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
use RetryKind::{Permanent as P, Transient as X};
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

const CLOCK: &[&str] = &[
    "Sync the system clock (`timedatectl set-ntp true`, or `chronyc makestep`): AWS rejects requests signed more than 15 minutes off",
    "In containers and VMs, check the host clock too",
];
const NOT_SIGNED: &[&str] = &[
    "Provide credentials: set AWS_PROFILE, run `aws configure`, or run `aws sso login`",
    "Check the endpoint URL: an unknown path on a real endpoint also answers this",
];

/// Every known code. Order matters only among rows of one code (the first
/// matching `when` wins).
#[rustfmt::skip]
pub(crate) static CODES: &[CodeRow] = &[
    // ---- Credential: who you are could not be established ----
    r("ExpiredToken", C::Credential, CRIT, "The security token has expired", EXPIRED),
    r("ExpiredTokenException", C::Credential, CRIT, "The security token has expired", EXPIRED),
    r("InvalidClientTokenId", C::Credential, CRIT, "The access key ID is not known to AWS", UNKNOWN_KEY),
    r("UnrecognizedClientException", C::Credential, CRIT, "The security token or access key is not valid", UNKNOWN_KEY),
    r("InvalidAccessKeyId", C::Credential, CRIT, "The access key ID does not exist", UNKNOWN_KEY),
    r("SignatureDoesNotMatch", C::Credential, CRIT, "The request signature does not match: wrong secret key or clock", BAD_SIGNATURE),
    r("IncompleteSignature", C::Credential, CRIT, "The request signature is incomplete", &["Set both the access key ID and the secret access key (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile)", "If you sign requests yourself, include every signed header the service requires"]),
    r("MissingAuthenticationToken", C::Credential, CRIT, "The request was not signed", NOT_SIGNED),
    r("MissingAuthenticationTokenException", C::Credential, CRIT, "The request was not signed", NOT_SIGNED),
    r("InvalidSignatureException", C::Credential, CRIT, "The request signature does not match: wrong secret key or clock", BAD_SIGNATURE),
    r("AuthFailure", C::Credential, CRIT, "AWS was not able to validate the credentials", UNKNOWN_KEY),
    r("InvalidToken", C::Credential, CRIT, "The session token is malformed or not valid", EXPIRED),
    r("TokenRefreshRequired", C::Credential, CRIT, "The session token must be refreshed", EXPIRED),
    r("RequestExpired", C::Credential, CRIT, "The request is too old: the clock is skewed", CLOCK),
    r("RequestTimeTooSkewed", C::Credential, CRIT, "The clock is skewed: the request time is too far from the server's", CLOCK),
    r("RequestInTheFuture", C::Credential, CRIT, "The clock is skewed: the request is dated in the future", CLOCK),
    r("InvalidIdentityToken", C::Credential, CRIT, "The web identity token was rejected", WEB_IDENTITY),
    r("IDPCommunicationError", C::Credential, WARN, "STS could not reach the identity provider", &["Retry: the identity provider did not answer STS in time", "Check that the OIDC issuer URL is reachable from the internet"]),
    r("IDPRejectedClaim", C::Credential, CRIT, "The identity provider rejected the token's claims", WEB_IDENTITY),
    // ---- Permission: who you are is known, what you asked for is not allowed ----
    r("AccessDenied", C::Permission, ERR, "Access denied - insufficient permissions", DENIED_QUERY),
    r("AccessDeniedException", C::Permission, ERR, "Access denied - insufficient permissions", DENIED),
    r("UnauthorizedOperation", C::Permission, ERR, "Not authorized to perform this operation", DENIED),
    r("AllAccessDisabled", C::Permission, CRIT, "All access to this resource has been disabled", &["Contact the account owner or AWS Support: the resource or account was suspended"]),
    r("RegionDisabledException", C::Permission, ERR, "STS is not activated in this region", &["Activate STS for the region: IAM console → Account settings → Security Token Service (STS) → Activate", "Or use a region where STS is active (us-east-1 always is)"]),
    r("KMSAccessDeniedException", C::Permission, ERR, "Lambda cannot use the KMS key", &["Allow the function's execution role kms:Decrypt on the key in the key policy", "Check that the key is enabled and in the function's region"]),
    w("InvalidParameterValueException", "cannot be assumed by Lambda", P, C::Permission, ERR, "Lambda cannot assume the execution role", &["Add lambda.amazonaws.com to the execution role's trust policy (`aws iam update-assume-role-policy --role-name ROLE --policy-document file://trust.json`)", "If the role was created seconds ago, wait about 10 seconds for IAM to propagate, then retry `{operation}`", "Check the role ARN passed to `{operation}` names the role you meant"]),
    r("OptInRequired", C::Configuration, ERR, "The account is not subscribed to this service or region", &["Enable the region for the account (Account settings → AWS Regions) or subscribe to the service"]),
    // ---- ResourceLimit: throttling (retryable) ----
    r("Throttling", C::ResourceLimit, WARN, "Request rate exceeded (throttled)", THROTTLED),
    r("ThrottlingException", C::ResourceLimit, WARN, "Request rate exceeded (throttled)", THROTTLED),
    r("ThrottledException", C::ResourceLimit, WARN, "Request rate exceeded (throttled)", THROTTLED),
    r("RequestThrottled", C::ResourceLimit, WARN, "Request rate exceeded (throttled)", THROTTLED),
    r("RequestThrottledException", C::ResourceLimit, WARN, "Request rate exceeded (throttled)", THROTTLED),
    r("TooManyRequestsException", C::ResourceLimit, WARN, "Too many requests (throttled)", &["Retry after the delay the service sent (Retry-After); wrap `{operation}` in a RetryStrategy", "For Lambda: check the account's concurrency and the function's reserved concurrency (`aws lambda get-account-settings`)", "Lower the request rate, or raise the quota in Service Quotas"]),
    r("ProvisionedThroughputExceededException", C::ResourceLimit, WARN, "Provisioned throughput exceeded", THROTTLED),
    r("TransactionInProgressException", C::ResourceLimit, WARN, "Another transaction is in progress", THROTTLED),
    r("RequestLimitExceeded", C::ResourceLimit, WARN, "Request limit exceeded (throttled)", THROTTLED),
    r("BandwidthLimitExceeded", C::ResourceLimit, WARN, "Bandwidth limit exceeded", THROTTLED),
    r("LimitExceededException", C::ResourceLimit, WARN, "A rate or count limit was exceeded", THROTTLED),
    r("SlowDown", C::ResourceLimit, WARN, "Slow down: request rate too high", THROTTLED),
    r("PriorRequestNotComplete", C::ResourceLimit, WARN, "A prior request has not completed", THROTTLED),
    r("EC2ThrottledException", C::ResourceLimit, WARN, "Lambda was throttled by EC2 while setting up the function's network", THROTTLED),
    // ---- ResourceLimit: quotas (a retry does not help) ----
    r("CodeStorageExceededException", C::ResourceLimit, ERR, "Lambda code storage quota exceeded", &["Delete unused function versions and layer versions (`aws lambda list-versions-by-function --function-name {resource}`)", "Request more code storage in Service Quotas (quota L-2ACBD22F)"]),
    r("ENILimitReachedException", C::ResourceLimit, ERR, "The VPC's network interface limit is reached", &["Delete unused network interfaces in the function's VPC, or raise the ENI quota in Service Quotas", "Share subnets and security groups between functions so they share interfaces"]),
    r("SubnetIPAddressLimitReachedException", C::ResourceLimit, ERR, "The function's subnets have no free IP addresses", &["Add subnets with free addresses to the function's VPC configuration"]),
    r("ServiceQuotaExceededException", C::ResourceLimit, ERR, "A service quota is exceeded", &["Delete resources you no longer need, or request a quota increase in Service Quotas for {service}"]),
    r("PackedPolicyTooLargeException", C::ResourceLimit, ERR, "The session policies and tags are too large", &["Pass fewer or shorter session policies and session tags to sts:AssumeRole", "Use managed policy ARNs instead of inline session policies"]),
    r("RequestTooLargeException", C::ResourceLimit, ERR, "The request payload is too large", &["Shrink the payload: Lambda accepts 6 MB synchronous and 256 KB asynchronous invocations; upload code through S3"]),
    // ---- Aws: the service failed; retryable ----
    r("InternalError", C::Aws, ERR, "The service had an internal error", SERVER),
    r("InternalFailure", C::Aws, ERR, "The service had an internal failure", SERVER),
    r("ServiceException", C::Aws, ERR, "The service had an internal error", SERVER),
    r("ServiceUnavailable", C::Aws, ERR, "The service is unavailable", SERVER),
    r("ServiceUnavailableException", C::Aws, ERR, "The service is unavailable", SERVER),
    r("InternalServerError", C::Aws, ERR, "The service had an internal error", SERVER),
    r("InternalServerException", C::Aws, ERR, "The service had an internal error", SERVER),
    r("RequestTimeout", C::Network, WARN, "The request timed out", TIMEOUT),
    r("RequestTimeoutException", C::Network, WARN, "The request timed out", TIMEOUT),
    w("ResourceConflictException", "in progress", X, C::Aws, WARN, "An update is in progress for the resource", &["Wait until the update finishes (`aws lambda wait function-updated-v2 --function-name {resource}`), then retry", "Serialise deployments of `{resource}`: one update at a time"]).is(Condition::InProgress),
    // ---- Validation: the request itself is wrong ----
    w("ResourceConflictException", "already exist", P, C::Validation, ERR, "The resource already exists", &["Update `{resource}` instead of creating it (UpdateFunctionCode / UpdateFunctionConfiguration)", "Or choose another name, or delete the existing resource first"]).is(Condition::AlreadyExists),
    r("ResourceConflictException", C::State, ERR, "The resource is in a state that conflicts with this request", &["Read the current state of `{resource}` and retry `{operation}` once it is stable"]),
    r("ValidationException", C::Validation, ERR, "The request failed validation", INVALID),
    r("ValidationError", C::Validation, ERR, "The request failed validation", INVALID),
    r("InvalidParameterValueException", C::Validation, ERR, "A parameter value is not valid", INVALID),
    r("InvalidParameterException", C::Validation, ERR, "A parameter is not valid", INVALID),
    r("InvalidRequestContentException", C::Validation, ERR, "The request body could not be parsed", &["Send valid JSON in the payload of `{operation}` (check quoting and encoding)"]),
    r("MalformedPolicyDocumentException", C::Validation, ERR, "The policy document is malformed", &["Validate the policy JSON (`aws accessanalyzer validate-policy --policy-type IDENTITY_POLICY --policy-document file://policy.json`)", "Check Version is \"2012-10-17\" and each statement has Effect, Action and Resource (or Principal for trust policies)"]),
    r("MalformedPolicyDocument", C::Validation, ERR, "The session policy is malformed", &["Validate the session policy JSON passed to sts:AssumeRole"]),
    r("ResourceNotFoundException", C::Validation, ERR, "The resource was not found", NOT_FOUND).is(Condition::NotFound),
    r("NoSuchEntity", C::Validation, ERR, "The IAM entity was not found", &["Check the role, user or policy name `{resource}` (IAM names are case-sensitive)", "Create it first (`aws iam create-role ...`) or fix the ARN"]).is(Condition::NotFound),
    r("NoSuchBucket", C::Validation, ERR, "The bucket does not exist", NOT_FOUND).is(Condition::NotFound),
    r("NoSuchKey", C::Validation, ERR, "The object does not exist", NOT_FOUND).is(Condition::NotFound),
    r("EntityAlreadyExists", C::Validation, WARN, "The IAM entity already exists", &["Reuse the existing entity `{resource}` instead of creating it (`aws iam get-role --role-name {resource}`)"]).is(Condition::AlreadyExists),
    r("BucketAlreadyExists", C::Validation, ERR, "The bucket name is taken by another account", &["Choose another bucket name: bucket names are global across all accounts"]),
    r("BucketAlreadyOwnedByYou", C::Validation, INFO, "You already own this bucket", &["Use the existing bucket `{resource}`; no action is needed"]).is(Condition::AlreadyExists),
    // ---- State, Dependency, Provisioning ----
    r("PreconditionFailedException", C::State, ERR, "The resource changed since it was read (revision mismatch)", &["Read `{resource}` again and retry `{operation}` with the current RevisionId"]),
    r("ResourceNotReadyException", C::State, WARN, "The function is not ready yet", &["Wait for the function to become Active (`aws lambda wait function-active-v2 --function-name {resource}`), then retry"]),
    r("DeleteConflict", C::Dependency, ERR, "The IAM entity still has attachments", &["Detach managed policies, delete inline policies and remove the role from instance profiles before deleting `{resource}`"]),
    r("InvalidZipFileException", C::Provisioning, ERR, "Lambda could not unzip the deployment package", &["Rebuild the zip: the handler file must be at the archive root, and the archive must not be empty", "Upload packages over 50 MB through S3 (S3Bucket / S3Key)"]),
    r("InvalidSubnetIDException", C::Configuration, ERR, "A subnet in the VPC configuration does not exist", &["Fix the subnet ids in the function's VPC configuration (`aws ec2 describe-subnets`)"]),
    r("InvalidSecurityGroupIDException", C::Configuration, ERR, "A security group in the VPC configuration does not exist", &["Fix the security group ids in the function's VPC configuration (`aws ec2 describe-security-groups`)"]),
];

/// A failure no row of [`CODES`] names: no AWS code (only a status), no
/// response at all, the credential chain, a breaker that kept the call home.
/// Their advice lives here, beside the code rows, so the table's tests see
/// every suggestion strands gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Situation {
    /// A code no row knows (`{code}` is that code).
    UnknownCode,
    /// No code; the status says throttled.
    Throttled,
    /// No code; the status says the server failed.
    ServerFailed,
    /// No code; HTTP 401.
    Unauthorized,
    /// No code; HTTP 403.
    Forbidden,
    /// No code; HTTP 404.
    NotFound,
    /// No code; any other status.
    OtherStatus,
    /// A response whose body was cut short or garbled.
    Unreadable,
    /// The HTTP client refused to send the request.
    Refused,
    /// Timed out or could not reach the endpoint (also an `io::Error`).
    Unreachable,
    /// The request could not be built.
    NotBuilt,
    /// The credential chain found nothing.
    NoCredentials,
    /// A credential provider timed out.
    CredentialsTimedOut,
    /// The credential configuration is invalid.
    CredentialsInvalid,
    /// A credential provider failed otherwise.
    CredentialsFailed,
    /// An open breaker kept the call home (`{wait}`: until its next trial).
    CircuitOpen,
    /// Anything else: an error type strands does not know.
    Unexpected,
}

/// The advice of each [`Situation`], one row per line (templates as in
/// [`CODES`], plus `{code}` and `{wait}` where the row says).
#[rustfmt::skip]
const SITUATIONS: &[(Situation, &[&str])] = &[
    (Situation::UnknownCode, &["Look up {code} in the API reference of {service}, under {operation}"]),
    (Situation::Throttled, &["Retry with backoff and jitter, and lower the request rate"]),
    (Situation::ServerFailed, &["Retry with backoff: the server failed and this usually passes"]),
    (Situation::Unauthorized, &["Check the credentials: `aws sts get-caller-identity` with the same profile", "Refresh them: `aws sso login`, or `aws configure` for access keys"]),
    (Situation::Forbidden, &["Check the credentials are valid: `aws sts get-caller-identity` with the same profile", "Grant `{action}` to the caller, and check SCPs and permission boundaries"]),
    (Situation::NotFound, &["Check the resource name or ARN and the region", "Check the endpoint URL: a wrong path also answers 404"]),
    (Situation::OtherStatus, &["Run with RUST_LOG=debug to see the response"]),
    (Situation::Unreadable, &["Retry: the body was cut short on the way, which usually passes", "If it persists, check proxies and load balancers between you and the endpoint"]),
    (Situation::Refused, &["Check the endpoint URL (scheme, host, port) and the region", "Run with RUST_LOG=debug to see why the HTTP client refused the request"]),
    (Situation::Unreachable, &["Check network access to the {service} endpoint (DNS, proxy, firewall, VPC endpoint)", "Check the region and endpoint URL: a typo in the region ends in a DNS failure", "Retry with backoff: wrap the call in a RetryStrategy"]),
    (Situation::NotBuilt, &["Check the client configuration: region, endpoint URL and the input's required fields"]),
    (Situation::NoCredentials, &["Set AWS_PROFILE to a profile in ~/.aws/config or ~/.aws/credentials", "Run `aws configure` to store access keys for the default profile", "For SSO: run `aws sso login --profile <name>` and set AWS_PROFILE"]),
    (Situation::CredentialsTimedOut, &["On EC2/ECS: check the instance role and that the metadata endpoint is reachable (IMDSv2 hop limit)", "Elsewhere: set AWS_PROFILE or AWS_ACCESS_KEY_ID so the chain does not wait for instance metadata"]),
    (Situation::CredentialsInvalid, &["Check the profile in ~/.aws/config: role_arn, source_profile and credential_source must form a chain without loops", "Run `aws configure list` to see which profile and files are used"]),
    (Situation::CredentialsFailed, &["Run `aws sts get-caller-identity` with the same profile to see the provider's error", "For SSO, run `aws sso login`; for a credential_process, run its command by hand"]),
    (Situation::CircuitOpen, &["Wait: the breaker lets a trial call through in {wait}", "Check the health of the service and the network path (the failures that opened it are in the log)"]),
    (Situation::Unexpected, &["Run again with RUST_LOG=debug to see the full source chain"]),
];

impl Situation {
    /// Every situation, for the table's tests.
    #[cfg(test)]
    const ALL: [Self; 17] = [
        Self::UnknownCode,
        Self::Throttled,
        Self::ServerFailed,
        Self::Unauthorized,
        Self::Forbidden,
        Self::NotFound,
        Self::OtherStatus,
        Self::Unreadable,
        Self::Refused,
        Self::Unreachable,
        Self::NotBuilt,
        Self::NoCredentials,
        Self::CredentialsTimedOut,
        Self::CredentialsInvalid,
        Self::CredentialsFailed,
        Self::CircuitOpen,
        Self::Unexpected,
    ];

    /// The situation's suggestions with the context filled in; `extra`
    /// fills the row's own placeholder (`{code}`, `{wait}`).
    pub(crate) fn suggestions(
        self,
        ctx: &ErrorContext,
        extra: Option<(&str, &str)>,
    ) -> Vec<String> {
        let rows = SITUATIONS
            .iter()
            .find(|(s, _)| *s == self)
            .map_or(&[][..], |(_, rows)| *rows);
        rows.iter()
            .map(|t| match extra {
                Some((key, value)) => fill(&t.replace(key, value), ctx),
                None => fill(t, ctx),
            })
            .collect()
    }
}

/// A row whose retry kind comes from strands-retry's table.
const fn r(
    code: &'static str,
    category: ErrorCategory,
    severity: Severity,
    meaning: &'static str,
    suggestions: &'static [&'static str],
) -> CodeRow {
    CodeRow {
        code,
        when: None,
        retry_override: None,
        category,
        severity,
        meaning,
        suggestions,
        condition: None,
    }
}

/// A row for one message of a reused code, with its own retry kind.
#[allow(clippy::too_many_arguments)]
const fn w(
    code: &'static str,
    when: &'static str,
    retry: RetryKind,
    category: ErrorCategory,
    severity: Severity,
    meaning: &'static str,
    suggestions: &'static [&'static str],
) -> CodeRow {
    CodeRow {
        code,
        when: Some(when),
        retry_override: Some(retry),
        category,
        severity,
        meaning,
        suggestions,
        condition: None,
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
    fn every_retryable_code_of_strands_retry_has_a_row() {
        for (code, kind) in strands_retry::aws::RETRYABLE_CODES {
            let rows: Vec<_> = CODES.iter().filter(|r| r.code == *code).collect();
            assert!(!rows.is_empty(), "{code} has no row");
            for r in rows {
                assert_eq!(r.retry_kind(), *kind, "{code}");
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
            // The retry kind is written once: only a message-specific
            // row may override strands-retry's table.
            assert_eq!(r.when.is_some(), r.retry_override.is_some(), "{}", r.code);
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
    fn every_situation_has_one_row_of_advice_with_known_placeholders() {
        for s in Situation::ALL {
            let rows: Vec<_> = SITUATIONS.iter().filter(|(x, _)| *x == s).collect();
            assert_eq!(rows.len(), 1, "{s:?}");
            assert!(!rows[0].1.is_empty(), "{s:?} has no suggestion");
            let own = match s {
                Situation::UnknownCode => Some(("{code}", "SomeCode")),
                Situation::CircuitOpen => Some(("{wait}", "1.0 s")),
                _ => None,
            };
            for text in s.suggestions(&ErrorContext::new(), own) {
                assert!(!text.contains('{'), "{s:?}: {text}");
            }
        }
        assert_eq!(SITUATIONS.len(), Situation::ALL.len());
    }

    #[test]
    fn message_picks_the_row() {
        let exists = lookup("ResourceConflictException", "Function already exist: f1");
        assert_eq!(exists.map(|r| r.category), Some(ErrorCategory::Validation));
        let busy = lookup(
            "ResourceConflictException",
            "The operation cannot be performed at this time. An update is in progress for resource: arn:…",
        );
        assert_eq!(busy.map(CodeRow::retry_kind), Some(RetryKind::Transient));
        assert_eq!(
            exists.and_then(|r| r.condition),
            Some(Condition::AlreadyExists)
        );
        assert_eq!(busy.and_then(|r| r.condition), Some(Condition::InProgress));
        for (code, msg) in [
            ("EntityAlreadyExists", "Role with name x already exists."),
            ("BucketAlreadyOwnedByYou", ""),
        ] {
            assert_eq!(
                lookup(code, msg).and_then(|r| r.condition),
                Some(Condition::AlreadyExists),
                "{code}"
            );
        }
        for code in [
            "ResourceNotFoundException",
            "NoSuchEntity",
            "NoSuchBucket",
            "NoSuchKey",
        ] {
            assert_eq!(
                lookup(code, "").and_then(|r| r.condition),
                Some(Condition::NotFound),
                "{code}"
            );
        }
        assert_eq!(
            lookup("ResourceConflictException", "something else").and_then(|r| r.condition),
            None
        );
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
