//! The seed's `ErrorHandler`: turns whatever a call returned into a
//! [`DeploymentError`], and logs it.
//!
//! What it accepts is open: anything that implements [`IntoDeploymentError`].
//! We implement it for aws-sdk `SdkError<E, R>` (any service), for
//! `std::io::Error`, for `DeploymentError` (passed through unchanged) and for
//! `Box<dyn Error + Send + Sync>`; users implement it for their own errors.
//!
//! Reading an `SdkError`, in order:
//! 1. A credentials error anywhere in the source chain is a Credential
//!    error, whatever the variant (the SDK reports "no credentials" as a
//!    dispatch failure).
//! 2. Timeouts, dispatch and io failures are Network (retryable); a request
//!    that could not be built is Configuration.
//! 3. A response: the code from the SDK's error metadata; when the SDK could
//!    not read one (AWS-compatible endpoints answer in other shapes), from
//!    the raw body (`<Code>`, JSON `__type` or `code`), then the
//!    `x-amzn-ErrorType` header, then the HTTP status. The code goes through
//!    the [`aws_codes`](crate::aws_codes) table; the message says where the
//!    code came from when it was not the SDK.

use crate::aws_codes::{self, CodeRow};
use crate::category::{ErrorCategory, Severity};
use crate::context::ErrorContext;
use crate::deployment_error::DeploymentError;
use aws_credential_types::provider::error::CredentialsError;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use std::convert::Infallible;
use std::error::Error;
use std::fmt;
use std::sync::OnceLock;
use strands_retry::{CircuitError, RetryKind, Retryable};

/// Anything [`ErrorHandler::handle_exception`] can read. Implement it for
/// your own error types to give them a category and suggestions.
pub trait IntoDeploymentError {
    /// Classify `self`, in `context`.
    fn into_deployment_error(self, context: ErrorContext) -> DeploymentError;
}

/// Turns errors into [`DeploymentError`]s and logs them. Stateless and
/// cheap: [`error_handler()`] is the shared instance, `ErrorHandler::new()`
/// an equal one.
#[derive(Debug, Default, Clone, Copy)]
pub struct ErrorHandler {
    _private: (),
}

/// The global handler (the seed's module-level `error_handler`).
pub fn error_handler() -> &'static ErrorHandler {
    static HANDLER: OnceLock<ErrorHandler> = OnceLock::new();
    HANDLER.get_or_init(ErrorHandler::new)
}

impl ErrorHandler {
    /// A handler.
    pub const fn new() -> Self {
        Self { _private: () }
    }

    /// Classify `error` in `context`: category, severity, message,
    /// suggestions, retry kind.
    #[must_use]
    pub fn handle_exception<E: IntoDeploymentError>(
        &self,
        error: E,
        context: ErrorContext,
    ) -> DeploymentError {
        error.into_deployment_error(context)
    }

    /// One tracing event at the severity's level (Critical and Error:
    /// `error`; Warning: `warn`; Info: `info`) with structured fields, and
    /// the full (redacted) source chain at `debug`.
    pub fn log_error(&self, e: &DeploymentError) {
        let ctx = e.context();
        let code = e.code();
        let category = e.category().as_str();
        let severity = e.severity().as_str();
        let retryable = e.retry_kind().is_retryable();
        macro_rules! event {
            ($lvl:expr) => {
                tracing::event!(
                    $lvl,
                    code = %code,
                    category,
                    severity,
                    retryable,
                    resource_id = ctx.resource_id.as_deref(),
                    operation = ctx.operation.as_deref(),
                    aws_service = ctx.aws_service.as_deref(),
                    aws_operation = ctx.aws_operation.as_deref(),
                    request_id = ctx.request_id.as_deref(),
                    suggestions = ?e.suggestions(),
                    "{}",
                    e.message()
                )
            };
        }
        match e.severity() {
            Severity::Critical | Severity::Error => event!(tracing::Level::ERROR),
            Severity::Warning => event!(tracing::Level::WARN),
            Severity::Info => event!(tracing::Level::INFO),
        }
        if tracing::enabled!(tracing::Level::DEBUG) {
            let mut chain = Vec::new();
            let mut cur = e.source();
            while let Some(s) = cur {
                chain.push(s.to_string());
                cur = s.source();
            }
            tracing::debug!(code = %code, source_chain = ?chain, "source chain of {code}");
        }
    }
}

impl IntoDeploymentError for DeploymentError {
    /// Passed through unchanged (its own context wins).
    fn into_deployment_error(self, _context: ErrorContext) -> DeploymentError {
        self
    }
}

impl IntoDeploymentError for std::io::Error {
    fn into_deployment_error(self, context: ErrorContext) -> DeploymentError {
        use std::io::ErrorKind as K;
        let timeout = self.kind() == K::TimedOut;
        let kind = self.retry_kind();
        let what = if timeout {
            "The operation timed out"
        } else {
            "A network or I/O operation failed"
        };
        DeploymentError::network(format!("{what}: {self}"))
            .with_suggestions(network_suggestions(&context))
            .with_context(context)
            .with_retry(kind, None)
            .with_timeout(timeout)
            .with_cause(self)
    }
}

impl IntoDeploymentError for Box<dyn Error + Send + Sync + 'static> {
    /// Downcast to a type we know (DeploymentError, io::Error); else look
    /// for a credentials error in the chain; else Unknown, cause kept.
    fn into_deployment_error(self, context: ErrorContext) -> DeploymentError {
        let this = match self.downcast::<DeploymentError>() {
            Ok(e) => return *e,
            Err(this) => this,
        };
        let this = match this.downcast::<std::io::Error>() {
            Ok(e) => return e.into_deployment_error(context),
            Err(this) => this,
        };
        if let Some(ce) = find_in_chain::<CredentialsError>(this.as_ref()) {
            return credentials_error(ce, context).with_cause(this);
        }
        DeploymentError::new(ErrorCategory::Unknown, format!("Unexpected error: {this}"))
            .with_suggestions(["Run again with RUST_LOG=debug to see the full source chain"])
            .with_context(context)
            .with_cause(this)
    }
}

/// What a raw HTTP response offers the fallback reader. Implemented for the
/// SDK's `HttpResponse`; implement it for another `R` of `SdkError<E, R>`.
pub trait RawResponse {
    /// The HTTP status code.
    fn status_code(&self) -> u16;
    /// A header value, name matched case-insensitively.
    fn header(&self, name: &str) -> Option<&str>;
    /// The body, if it was read into memory.
    fn body_bytes(&self) -> Option<&[u8]>;
}

impl RawResponse for aws_smithy_runtime_api::http::Response {
    fn status_code(&self) -> u16 {
        self.status().as_u16()
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers().get(name)
    }
    fn body_bytes(&self) -> Option<&[u8]> {
        self.body().bytes()
    }
}

/// Where the error code came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CodeSource {
    Sdk,
    Body,
    Header,
}

impl CodeSource {
    fn as_str(self) -> &'static str {
        match self {
            Self::Sdk => "sdk",
            Self::Body => "response body",
            Self::Header => "x-amzn-ErrorType header",
        }
    }
}

impl<E, R> IntoDeploymentError for SdkError<E, R>
where
    E: ProvideErrorMetadata + Error + Send + Sync + 'static,
    R: RawResponse + fmt::Debug + Send + Sync + 'static,
{
    fn into_deployment_error(self, mut context: ErrorContext) -> DeploymentError {
        // A credentials provider of ours (strands-creds) already said what
        // went wrong: keep its words.
        if let Some(inner) = find_in_chain::<DeploymentError>(&self) {
            return inner.to_detached();
        }
        // An interceptor with a breaker (strands-creds' retry layer) refused
        // to send the request.
        if let Some(open) = find_in_chain::<CircuitError<Infallible>>(&self) {
            return circuit_open(open, context).with_cause(self);
        }
        if let Some(ce) = find_in_chain::<CredentialsError>(&self) {
            return credentials_error(ce, context).with_cause(self);
        }
        let target = target_name(&context);
        let (raw, meta_code, meta_message) = match &self {
            SdkError::TimeoutError(_) => {
                return DeploymentError::network(format!("The request to {target} timed out"))
                    .with_suggestions(network_suggestions(&context))
                    .with_context(context)
                    .with_retry(RetryKind::Transient, None)
                    .with_timeout(true)
                    .with_cause(self);
            }
            SdkError::DispatchFailure(d) => {
                let (timeout, user) = (d.is_timeout(), d.is_user());
                if user {
                    return DeploymentError::configuration(format!(
                        "The request to {target} could not be sent"
                    ))
                    .with_suggestions([
                        "Check the endpoint URL (scheme, host, port) and the region",
                        "Run with RUST_LOG=debug to see why the HTTP client refused the request",
                    ])
                    .with_context(context)
                    .with_cause(self);
                }
                let what = if timeout {
                    "timed out"
                } else {
                    "could not reach the endpoint"
                };
                return DeploymentError::network(format!("The request to {target} {what}"))
                    .with_suggestions(network_suggestions(&context))
                    .with_context(context)
                    .with_retry(RetryKind::Transient, None)
                    .with_timeout(timeout)
                    .with_cause(self);
            }
            SdkError::ConstructionFailure(_) => {
                return DeploymentError::configuration(format!(
                    "The request to {target} could not be built"
                ))
                .with_suggestions([
                    "Check the client configuration: region, endpoint URL and the input's required fields",
                ])
                .with_context(context)
                .with_cause(self);
            }
            SdkError::ResponseError(r) => (Some(r.raw()), None, None),
            SdkError::ServiceError(s) => (
                Some(s.raw()),
                s.err().code().map(str::to_owned),
                s.err().message().map(str::to_owned),
            ),
            _ => (self.raw_response(), None, None),
        };
        let Some(raw) = raw else {
            return DeploymentError::new(ErrorCategory::Unknown, format!("{target} failed"))
                .with_suggestions(["Run with RUST_LOG=debug to see the full source chain"])
                .with_context(context)
                .with_cause(self);
        };
        if context.request_id.is_none() {
            context.request_id = request_id(raw);
        }
        let retry_after = ["x-amz-retry-after", "retry-after"]
            .iter()
            .find_map(|h| strands_retry::aws::parse_retry_after(h, raw.header(h)?));
        let body = raw.body_bytes().map(String::from_utf8_lossy);
        let body = body.as_deref().unwrap_or("");
        let found = match meta_code {
            Some(c) => Some((c, CodeSource::Sdk)),
            None => code_from_body(body)
                .map(|c| (c, CodeSource::Body))
                .or_else(|| code_from_header(raw).map(|c| (c, CodeSource::Header))),
        };
        let message = meta_message
            .or_else(|| message_from_body(body))
            .unwrap_or_default();
        let status = raw.status_code();
        let e = match found {
            Some((code, source)) => from_code(&code, source, &message, &target, &context),
            None => from_status(status, &message, &target, &context),
        };
        let e = e.with_context(context);
        let e = if e.retry_kind().is_retryable() {
            let kind = e.retry_kind();
            e.with_retry(kind, retry_after)
        } else {
            e
        };
        let text = botocore_line(e.aws_code(), &target, &message, status);
        e.with_cause(AwsCallError {
            text,
            source: Box::new(self),
        })
    }
}

/// The SdkError, with botocore's one-line description as its Display (the
/// SDK's own Display is one phrase per variant: "service error").
#[derive(Debug)]
struct AwsCallError {
    text: String,
    source: Box<dyn Error + Send + Sync>,
}

impl fmt::Display for AwsCallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Error for AwsCallError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(self.source.as_ref())
    }
}

/// `An error occurred (CODE) when calling the OP operation: MESSAGE`.
fn botocore_line(code: Option<&str>, target: &str, message: &str, status: u16) -> String {
    let code = code.map_or_else(|| format!("HTTP {status}"), str::to_owned);
    if message.is_empty() {
        format!("An error occurred ({code}) when calling {target}")
    } else {
        format!("An error occurred ({code}) when calling {target}: {message}")
    }
}

/// "the CreateFunction operation" or "lambda" or "the AWS operation".
fn target_name(ctx: &ErrorContext) -> String {
    match (&ctx.aws_operation, &ctx.aws_service) {
        (Some(op), _) => format!("the {op} operation"),
        (None, Some(svc)) => format!("the {svc} service"),
        (None, None) => "the AWS operation".to_owned(),
    }
}

fn from_code(
    code: &str,
    source: CodeSource,
    message: &str,
    target: &str,
    ctx: &ErrorContext,
) -> DeploymentError {
    let from = if source == CodeSource::Sdk {
        String::new()
    } else {
        format!(" [code {code} read from the {}]", source.as_str())
    };
    let detail = if message.is_empty() {
        format!(" ({code} from {target})")
    } else {
        format!(": {message}")
    };
    match aws_codes::lookup(code, message) {
        Some(row) => from_row(row, &format!("{}{detail}{from}", row.meaning), ctx),
        None => {
            // Not in our table: an AWS service error, retryable when
            // strands-retry's code table says so.
            let kind = strands_retry::aws::classify_code(code);
            DeploymentError::new(
                ErrorCategory::Aws,
                format!("{target} failed with {code}{detail}{from}"),
            )
            .with_aws_code(code)
            .with_retry(kind, None)
            .with_suggestions([
                format!(
                    "Look up {code} in the {} API reference for {}",
                    ctx.aws_service.as_deref().unwrap_or("service's"),
                    ctx.aws_operation.as_deref().unwrap_or("this operation")
                ),
                "Run with RUST_LOG=debug to see the full source chain".to_owned(),
            ])
        }
    }
}

fn from_row(row: &CodeRow, message: &str, ctx: &ErrorContext) -> DeploymentError {
    DeploymentError::new(row.category, message)
        .with_severity(row.severity)
        .with_aws_code(row.code)
        .with_retry(row.retry, None)
        .with_suggestions(row.render_suggestions(ctx))
}

/// No code anywhere: the HTTP status is all we have.
fn from_status(status: u16, message: &str, target: &str, ctx: &ErrorContext) -> DeploymentError {
    let head = format!(
        "HTTP {status} from {target} (no error code in the response; classified by status)"
    );
    let text = if message.is_empty() {
        head
    } else {
        format!("{head}: {message}")
    };
    let action = ctx
        .iam_action()
        .unwrap_or_else(|| "the required permission".to_owned());
    let (category, kind, suggestions): (_, _, Vec<String>) = match status {
        401 => (
            ErrorCategory::Credential,
            RetryKind::Permanent,
            vec![
                "Check the credentials: `aws sts get-caller-identity` with the same profile".into(),
                "Refresh them: `aws sso login`, or `aws configure` for access keys".into(),
            ],
        ),
        403 => (
            ErrorCategory::Permission,
            RetryKind::Permanent,
            vec![
                "Check the credentials are valid: `aws sts get-caller-identity` with the same profile".into(),
                format!("Grant `{action}` to the caller, and check SCPs and permission boundaries"),
            ],
        ),
        404 => (
            ErrorCategory::Validation,
            RetryKind::Permanent,
            vec![
                "Check the resource name or ARN and the region".into(),
                "Check the endpoint URL: a wrong path also answers 404".into(),
            ],
        ),
        429 => (
            ErrorCategory::ResourceLimit,
            RetryKind::Throttling,
            vec!["Retry with backoff and jitter, and lower the request rate".into()],
        ),
        s if s >= 500 => (
            ErrorCategory::Aws,
            RetryKind::Transient,
            vec!["Retry with backoff: the server failed and this usually passes".into()],
        ),
        _ => (
            ErrorCategory::Aws,
            RetryKind::Permanent,
            vec!["Run with RUST_LOG=debug to see the response".into()],
        ),
    };
    DeploymentError::new(category, text)
        .with_retry(kind, None)
        .with_suggestions(suggestions)
}

fn circuit_open(e: &CircuitError<Infallible>, context: ErrorContext) -> DeploymentError {
    let retry_after = match e {
        CircuitError::Open { retry_after } => Some(*retry_after),
        CircuitError::Inner(never) => match *never {},
    };
    let target = target_name(&context);
    DeploymentError::network(format!(
        "The circuit breaker is open: {target} was not sent (recent calls kept failing)"
    ))
    .with_code("circuit_open")
    .with_retry(RetryKind::Transient, retry_after)
    .with_suggestions([
        format!(
            "Wait: the breaker lets a trial call through in {}",
            retry_after.map_or_else(|| "a moment".to_owned(), |d| format!("{:.1} s", d.as_secs_f64()))
        ),
        "Check the health of the service and the network path (the failures that opened it are in the log)".to_owned(),
    ])
    .with_context(context)
}

fn credentials_error(ce: &CredentialsError, context: ErrorContext) -> DeploymentError {
    let (message, kind, suggestions): (&str, RetryKind, &[&str]) = match ce {
        CredentialsError::CredentialsNotLoaded(_) => (
            "No AWS credentials found. Tried, in order: environment variables (AWS_ACCESS_KEY_ID), \
             the shared config and credentials files (~/.aws/config, ~/.aws/credentials), \
             web identity (AWS_WEB_IDENTITY_TOKEN_FILE), the ECS container endpoint and EC2 instance metadata",
            RetryKind::Permanent,
            &[
                "Set AWS_PROFILE to a profile in ~/.aws/config or ~/.aws/credentials",
                "Run `aws configure` to store access keys for the default profile",
                "For SSO: run `aws sso login --profile <name>` and set AWS_PROFILE",
            ],
        ),
        CredentialsError::ProviderTimedOut(_) => (
            "The credential provider timed out (instance metadata or the container endpoint did not answer)",
            RetryKind::Transient,
            &[
                "On EC2/ECS: check the instance role and that the metadata endpoint is reachable (IMDSv2 hop limit)",
                "Elsewhere: set AWS_PROFILE or AWS_ACCESS_KEY_ID so the chain does not wait for instance metadata",
            ],
        ),
        CredentialsError::InvalidConfiguration(_) => (
            "The credential configuration is invalid",
            RetryKind::Permanent,
            &[
                "Check the profile in ~/.aws/config: role_arn, source_profile and credential_source must form a chain without loops",
                "Run `aws configure list` to see which profile and files are used",
            ],
        ),
        _ => (
            "The credential provider failed",
            RetryKind::Permanent,
            &[
                "Run `aws sts get-caller-identity` with the same profile to see the provider's error",
                "For SSO: run `aws sso login`; for credential_process: run the command by hand",
            ],
        ),
    };
    DeploymentError::credential(message)
        .with_suggestions(suggestions.iter().copied())
        .with_context(context)
        .with_retry(kind, None)
}

fn network_suggestions(ctx: &ErrorContext) -> Vec<String> {
    let svc = ctx.aws_service.as_deref().unwrap_or("the service");
    vec![
        format!("Check network access to the {svc} endpoint (DNS, proxy, firewall, VPC endpoint)"),
        "Check the region and endpoint URL: a typo in the region ends in a DNS failure".to_owned(),
        "Retry with backoff: wrap the call in a RetryStrategy".to_owned(),
    ]
}

fn find_in_chain<'a, T: Error + 'static>(e: &'a (dyn Error + 'static)) -> Option<&'a T> {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if let Some(t) = err.downcast_ref::<T>() {
            return Some(t);
        }
        cur = err.source();
    }
    None
}

fn request_id(raw: &dyn RawResponse) -> Option<String> {
    ["x-amzn-requestid", "x-amz-request-id"]
        .iter()
        .find_map(|h| raw.header(h))
        .map(str::to_owned)
        .or_else(|| {
            let body = String::from_utf8_lossy(raw.body_bytes()?).into_owned();
            xml_tag(&body, "RequestId")
        })
}

/// The AWS error code of a raw error response, read the way
/// `handle_exception` reads it when the SDK could not: the body's `<Code>`,
/// JSON `__type` or `code`, then the `x-amzn-ErrorType` header.
pub fn read_error_code<R: RawResponse + ?Sized>(raw: &R) -> Option<String> {
    let body = raw.body_bytes().map(String::from_utf8_lossy);
    code_from_body(body.as_deref().unwrap_or("")).or_else(|| {
        raw.header("x-amzn-ErrorType")
            .map(sanitize_code)
            .filter(|c| !c.is_empty())
    })
}

/// The code from an XML `<Code>` element or a JSON `__type` / `code`.
fn code_from_body(body: &str) -> Option<String> {
    if let Some(c) = xml_tag(body, "Code") {
        return Some(c);
    }
    let v: serde_json::Value = serde_json::from_str(body).ok()?;
    ["__type", "code", "Code"]
        .iter()
        .find_map(|k| v.get(k)?.as_str())
        .map(sanitize_code)
        .filter(|c| !c.is_empty())
}

fn message_from_body(body: &str) -> Option<String> {
    if let Some(m) = xml_tag(body, "Message") {
        return Some(m);
    }
    let v: serde_json::Value = serde_json::from_str(body).ok()?;
    ["message", "Message", "errorMessage"]
        .iter()
        .find_map(|k| v.get(k)?.as_str())
        .map(str::to_owned)
}

/// `x-amzn-ErrorType: AccessDeniedException:http://internal.amazon.com/...`
fn code_from_header<R: RawResponse + ?Sized>(raw: &R) -> Option<String> {
    let c = sanitize_code(raw.header("x-amzn-ErrorType")?);
    (!c.is_empty()).then_some(c)
}

/// `aws.protocoltests#FooError:http://…` → `FooError`.
fn sanitize_code(raw: &str) -> String {
    let s = raw.split(':').next().unwrap_or(raw);
    let s = s.rsplit('#').next().unwrap_or(s);
    s.trim().to_owned()
}

/// The text of the first `<tag>…</tag>`, if short and plain.
fn xml_tag(body: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let start = body.find(&open)? + open.len();
    let end = body[start..].find(&format!("</{tag}>"))? + start;
    let text = body[start..end].trim();
    (!text.is_empty() && !text.contains('<')).then(|| unescape_xml(text))
}

fn unescape_xml(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_codes() {
        let xml = "<ErrorResponse><Errors><Error><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error></Errors><RequestId>abc</RequestId></ErrorResponse>";
        assert_eq!(code_from_body(xml).as_deref(), Some("InvalidClientTokenId"));
        assert_eq!(
            message_from_body(xml).as_deref(),
            Some("The security token included in the request is invalid.")
        );
        assert_eq!(xml_tag(xml, "RequestId").as_deref(), Some("abc"));
        let json = r#"{"__type":"com.amazonaws.lambda#ResourceNotFoundException:http://x","message":"nope"}"#;
        assert_eq!(
            code_from_body(json).as_deref(),
            Some("ResourceNotFoundException")
        );
        assert_eq!(code_from_body(r#"{"code":"Foo"}"#).as_deref(), Some("Foo"));
        assert_eq!(code_from_body("<html>oops</html>"), None);
        assert_eq!(code_from_body(""), None);
    }

    #[test]
    fn io_errors_are_network() {
        let e = ErrorHandler::new().handle_exception(
            std::io::Error::new(std::io::ErrorKind::TimedOut, "slow"),
            ErrorContext::new(),
        );
        assert_eq!(e.category(), ErrorCategory::Network);
        assert!(e.is_timeout());
        assert!(e.retry_kind().is_retryable());
    }

    #[test]
    fn boxed_errors_downcast() {
        let h = error_handler();
        let inner = DeploymentError::state("state file locked");
        let boxed: Box<dyn Error + Send + Sync> = Box::new(inner);
        let e = h.handle_exception(boxed, ErrorContext::new().resource_id("x"));
        assert_eq!(e.category(), ErrorCategory::State);
        assert!(
            e.context().resource_id.is_none(),
            "passed through unchanged"
        );
        let boxed: Box<dyn Error + Send + Sync> = Box::new(std::io::Error::other("reset"));
        assert_eq!(
            h.handle_exception(boxed, ErrorContext::new()).category(),
            ErrorCategory::Network
        );
        let boxed: Box<dyn Error + Send + Sync> = "something odd".into();
        let e = h.handle_exception(boxed, ErrorContext::new());
        assert_eq!(e.category(), ErrorCategory::Unknown);
        assert!(e.source().is_some());
        let boxed: Box<dyn Error + Send + Sync> =
            Box::new(CredentialsError::not_loaded("no providers"));
        assert_eq!(
            h.handle_exception(boxed, ErrorContext::new()).category(),
            ErrorCategory::Credential
        );
    }
}
