//! The one error type of a deployment: what went wrong (category), how bad
//! (severity), where (context), why (cause), and what to do (suggestions).
//! Every string is redacted on the way in, so every way out is safe.

use crate::category::{Condition, ErrorCategory, Severity};
use crate::context::ErrorContext;
use crate::redact::clean;
use serde::Serialize;
use std::error::Error;
use std::fmt;
use std::sync::OnceLock;
use std::time::Duration;
use strands_retry::{RetryKind, Retryable};

type Cause = Box<dyn Error + Send + Sync + 'static>;

/// The most links of a cause chain shown (each at most
/// [`MAX_TEXT`](crate::redact::MAX_TEXT) long).
const MAX_CHAIN: usize = 16;

/// One link of a cause chain, redacted. `source()` hands these out instead
/// of the original errors, because renderers (miette, anyhow, tracing) walk
/// the chain and print each link's Display: the originals are not redacted.
#[derive(Debug, Clone)]
struct RedactedSource {
    text: String,
    next: Option<Box<RedactedSource>>,
}

impl RedactedSource {
    /// The redacted chain of `e` and its sources, each thing said once: a
    /// link whose text an earlier link (or the error's own message)
    /// already holds is left out, as wrappers that repeat their source are
    /// common (`dispatch failure` → `io error` → the io error's text).
    fn chain(e: &(dyn Error + 'static), message: &str) -> Option<Box<Self>> {
        let mut texts: Vec<String> = Vec::new();
        let mut cur = Some(e);
        while let Some(err) = cur {
            let text = clean(&err.to_string());
            let said = text.is_empty()
                || message.contains(text.as_str())
                || texts.iter().any(|t| t.contains(text.as_str()));
            if !said {
                texts.push(text);
            }
            cur = err.source();
            if texts.len() >= MAX_CHAIN {
                break;
            }
        }
        let mut next = None;
        for text in texts.into_iter().rev() {
            next = Some(Box::new(Self { text, next }));
        }
        next
    }
}

impl fmt::Display for RedactedSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Error for RedactedSource {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.next.as_deref().map(|n| n as &(dyn Error + 'static))
    }
}

/// A failure a person can act on. One pointer wide: the fields live in a
/// box, so `Result<T, DeploymentError>` stays small on the happy path.
pub struct DeploymentError {
    r: Box<Repr>,
}

struct Repr {
    category: ErrorCategory,
    severity: Severity,
    message: String,
    context: ErrorContext,
    suggestions: Vec<String>,
    cause: Option<Cause>,
    source: Option<Box<RedactedSource>>,
    aws_code: Option<String>,
    /// A library's own stable code under the category (`unknown_profile`).
    own_code: Option<&'static str>,
    retry_kind: RetryKind,
    retry_after: Option<Duration>,
    timeout: bool,
    condition: Option<Condition>,
    /// [`DeploymentError::code`], made on first read (reset by the
    /// builders that change it), so reading it never allocates twice.
    code: OnceLock<String>,
    /// How the conversion that made this error says it again in a context
    /// (see [`DeploymentError::with_context`]); dropped by every builder
    /// that changes what the conversion said.
    said_again: Option<SayAgain>,
}

/// A conversion, run again on the error it made (its cause, its retry
/// hint) in another context.
pub(crate) type SayAgain = fn(&DeploymentError, ErrorContext) -> Option<DeploymentError>;

macro_rules! constructors {
    ($($(#[$doc:meta])* $name:ident => $cat:ident,)*) => {
        $(
            $(#[$doc])*
            pub fn $name(message: impl Into<String>) -> Self {
                Self::new(ErrorCategory::$cat, message)
            }
        )*
    };
}

impl DeploymentError {
    /// An error of `category` with its default severity, not retryable.
    pub fn new(category: ErrorCategory, message: impl Into<String>) -> Self {
        Self::from_repr(Repr {
            category,
            severity: category.default_severity(),
            message: clean(&message.into()),
            context: ErrorContext::default(),
            suggestions: Vec::new(),
            cause: None,
            source: None,
            aws_code: None,
            own_code: None,
            retry_kind: RetryKind::Permanent,
            retry_after: None,
            timeout: false,
            condition: None,
            code: OnceLock::new(),
            said_again: None,
        })
    }

    fn from_repr(r: Repr) -> Self {
        Self { r: Box::new(r) }
    }

    constructors! {
        /// Invalid configuration (the Python module's `ConfigurationError`).
        configuration => Configuration,
        /// AWS credential issues (`CredentialError`).
        credential => Credential,
        /// IAM permission errors (`PermissionError`).
        permission => Permission,
        /// Network connectivity (`NetworkError`).
        network => Network,
        /// State file errors (`StateError`).
        state => State,
        /// Resource dependency errors (`DependencyError`).
        dependency => Dependency,
        /// Resource creation or update failures (`ProvisioningError`).
        provisioning => Provisioning,
        /// AWS service limits exceeded.
        resource_limit => ResourceLimit,
        /// Input validation errors.
        validation => Validation,
    }

    /// Where it happened (values are redacted). An error just converted
    /// from a call's failure (an `SdkError`, an `io::Error`, …) is said
    /// again in this context: its message names the operation, its
    /// suggestions the IAM action and the resource, and what the failure
    /// itself carried (the request id) is kept where `context` has none.
    #[must_use]
    pub fn with_context(mut self, context: ErrorContext) -> Self {
        if let Some(again) = self.r.said_again
            && let Some(mut e) = again(&self, context.clone())
        {
            e.r.cause = self.r.cause.take();
            e.r.said_again = Some(again);
            return e;
        }
        self.r.context = redact_context(context);
        self
    }

    /// The handler's step: an error that does not say where it happened
    /// yet (just converted, or built without a context) takes `context`;
    /// one that does is passed through unchanged.
    pub(crate) fn in_context(self, context: ErrorContext) -> Self {
        if self.r.said_again.is_some() || self.r.context.is_empty() {
            self.with_context(context)
        } else {
            self
        }
    }

    /// Record how the conversion that made this error says it again.
    pub(crate) fn said_again_by(mut self, again: SayAgain) -> Self {
        self.r.said_again = Some(again);
        self
    }

    /// Show `e`'s redacted chain as the cause (the original is attached
    /// by the conversion, with [`holding`](Self::holding)).
    pub(crate) fn with_source_of(mut self, e: &(dyn Error + 'static)) -> Self {
        self.r.source = RedactedSource::chain(e, &self.r.message);
        self
    }

    /// Show the cause as one line of our own words (the SDK's chain
    /// repeats the message and adds "service error").
    pub(crate) fn shown_as(mut self, shown: String) -> Self {
        self.r.source = Some(Box::new(RedactedSource {
            text: clean(&shown),
            next: None,
        }));
        self
    }

    /// Keep `cause` for downcasting without changing what is shown.
    pub(crate) fn holding(mut self, cause: impl Into<Cause>) -> Self {
        self.r.cause = Some(cause.into());
        self
    }

    /// Actionable fixes, in order (redacted).
    #[must_use]
    pub fn with_suggestions<I, S>(mut self, suggestions: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.r.said_again = None;
        self.r.suggestions = suggestions.into_iter().map(|s| clean(&s.into())).collect();
        self
    }

    /// The underlying error. `source()` and every rendering show a
    /// redacted copy of its chain; the original stays reachable through
    /// [`cause`](Self::cause) for downcasting.
    #[must_use]
    pub fn with_cause(mut self, cause: impl Into<Cause>) -> Self {
        self.r.said_again = None;
        let cause = cause.into();
        self.r.source = RedactedSource::chain(cause.as_ref(), &self.r.message);
        self.r.cause = Some(cause);
        self
    }

    /// A copy with everything but the original cause (its redacted chain
    /// is kept, so renderings are identical). For when the error sits
    /// behind a shared reference, e.g. inside another error's source chain.
    #[must_use]
    pub fn to_detached(&self) -> Self {
        Self::from_repr(Repr {
            category: self.r.category,
            severity: self.r.severity,
            message: self.r.message.clone(),
            context: self.r.context.clone(),
            suggestions: self.r.suggestions.clone(),
            cause: None,
            source: self.r.source.clone(),
            aws_code: self.r.aws_code.clone(),
            own_code: self.r.own_code,
            retry_kind: self.r.retry_kind,
            retry_after: self.r.retry_after,
            timeout: self.r.timeout,
            condition: self.r.condition,
            code: self.r.code.clone(),
            said_again: None,
        })
    }

    /// The original cause, for downcasting. Its own Display and Debug are
    /// not redacted: do not print it; print this error instead.
    pub fn cause(&self) -> Option<&(dyn Error + Send + Sync + 'static)> {
        self.r.cause.as_deref()
    }

    fn cause_text(&self) -> Option<&str> {
        self.r.source.as_deref().map(|s| s.text.as_str())
    }

    /// Override the category's default severity.
    #[must_use]
    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.r.said_again = None;
        self.r.severity = severity;
        self
    }

    /// How a retry loop should treat it (Permanent unless said otherwise),
    /// and the server's delay hint if it sent one.
    #[must_use]
    pub fn with_retry(mut self, kind: RetryKind, retry_after: Option<Duration>) -> Self {
        self.r.said_again = None;
        self.r.retry_kind = kind;
        self.r.retry_after = retry_after;
        self
    }

    /// Whether it was a timeout (a retry after one costs a budget 10, not 5).
    #[must_use]
    pub fn with_timeout(mut self, timeout: bool) -> Self {
        self.r.said_again = None;
        self.r.timeout = timeout;
        self
    }

    /// A stable code of your own under the category: `with_code("unknown_profile")`
    /// on a Configuration error reads `strands::configuration::unknown_profile`.
    /// It wins over the AWS code in [`code`](Self::code). Give each such code
    /// a page in `docs/diagnostics`.
    #[must_use]
    pub fn with_code(mut self, code: &'static str) -> Self {
        self.r.said_again = None;
        self.r.own_code = Some(code);
        self.r.code = OnceLock::new();
        self
    }

    /// What the failure says about the resource (set from the code table).
    #[must_use]
    pub fn with_condition(mut self, condition: Condition) -> Self {
        self.r.said_again = None;
        self.r.condition = Some(condition);
        self
    }

    /// What the failure says about the resource: `AlreadyExists`,
    /// `NotFound`, `InProgress` (non-exhaustive), for a program that must
    /// decide without comparing AWS code strings.
    pub fn condition(&self) -> Option<Condition> {
        self.r.condition
    }

    /// The AWS error code this came from (`AccessDenied`).
    #[must_use]
    pub fn with_aws_code(mut self, code: impl Into<String>) -> Self {
        self.r.said_again = None;
        self.r.aws_code = Some(clean(&code.into()));
        self.r.code = OnceLock::new();
        self
    }

    /// What went wrong.
    pub fn category(&self) -> ErrorCategory {
        self.r.category
    }
    /// How bad it is.
    pub fn severity(&self) -> Severity {
        self.r.severity
    }
    /// The message (redacted).
    pub fn message(&self) -> &str {
        &self.r.message
    }
    /// Where it happened.
    pub fn context(&self) -> &ErrorContext {
        &self.r.context
    }
    /// Actionable fixes.
    pub fn suggestions(&self) -> &[String] {
        &self.r.suggestions
    }
    /// The AWS error code, if it came from one.
    pub fn aws_code(&self) -> Option<&str> {
        self.r.aws_code.as_deref()
    }

    /// The stable diagnostic code: `strands::<category>::<aws_code>` when an
    /// AWS code is known (`strands::permission::access_denied`), else
    /// `strands::<category>`.
    pub fn code(&self) -> &str {
        self.r.code.get_or_init(|| match self.r.own_code {
            Some(own) => format!("strands::{}::{own}", self.r.category),
            None => diagnostic_code(self.r.category, self.r.aws_code.as_deref()),
        })
    }

    /// Where the explanation of [`code`](Self::code) lives (also shown by
    /// `cargo xtask explain CODE`). Codes outside the table link to their
    /// category's page.
    pub fn url(&self) -> String {
        let known = self.r.aws_code.as_deref().and_then(|c| {
            crate::aws_codes::CODES
                .iter()
                .find(|r| r.code == c && r.category == self.r.category)
        });
        let code = match known {
            _ if self.r.own_code.is_some() => self.code().to_owned(),
            Some(_) => self.code().to_owned(),
            None => diagnostic_code(self.r.category, None),
        };
        format!("{DOCS_BASE}{}.md", code.replace("::", "--"))
    }

    /// How a retry loop treats it.
    pub fn retry_kind(&self) -> RetryKind {
        self.r.retry_kind
    }

    /// The Python module's layout: header with severity and message, Resource,
    /// Operation, Cause, then the numbered suggested fixes.
    pub fn to_user_message(&self) -> String {
        use fmt::Write as _;
        let icon = match self.r.severity {
            Severity::Critical | Severity::Error => "❌",
            Severity::Warning => "⚠️",
            Severity::Info => "ℹ️",
        };
        let mut out = format!("{icon} {}: {}", self.r.severity, self.r.message);
        if let Some(r) = &self.r.context.resource_id {
            let _ = write!(out, "\n   Resource: {r}");
        }
        if let Some(o) = &self.r.context.operation {
            let _ = write!(out, "\n   Operation: {o}");
        }
        if let Some(c) = self.cause_text() {
            let _ = write!(out, "\n   Cause: {c}");
        }
        if !self.r.suggestions.is_empty() {
            out.push_str("\n\n💡 Suggested fixes:");
            for (i, s) in self.r.suggestions.iter().enumerate() {
                let _ = write!(out, "\n   {}. {s}", i + 1);
            }
        }
        out
    }

    /// Structured data: message, category, severity, context, cause,
    /// suggestions, code, request_id, retryable.
    pub fn to_dict(&self) -> serde_json::Value {
        serde_json::json!({
            "message": self.r.message,
            "category": self.r.category,
            "severity": self.r.severity,
            "context": self.r.context,
            "cause": self.cause_text(),
            "suggestions": self.r.suggestions,
            "code": self.code(),
            "aws_code": self.r.aws_code,
            "request_id": self.r.context.request_id,
            "retryable": self.r.retry_kind.is_retryable(),
        })
    }
}

use crate::category::diagnostic_code;
/// Where `docs/diagnostics` is published for this release (one place, in
/// strands-retry).
use strands_retry::DOCS_BASE;

/// Every diagnostic code this crate's errors carry, each with its page in
/// `docs/diagnostics`: one per category and one per row of the AWS code
/// table. Every strands crate has this function, meaning the same: no code
/// is listed by two crates (an open breaker's
/// `strands::network::circuit_open` is strands-retry's, reused here).
pub fn codes() -> Vec<String> {
    let mut out: Vec<String> = ErrorCategory::ALL
        .iter()
        .map(|c| diagnostic_code(*c, None))
        .collect();
    out.extend(crate::aws_codes::CODES.iter().map(|r| r.diagnostic_code()));
    out
}

fn redact_context(mut c: ErrorContext) -> ErrorContext {
    let r = |v: &mut Option<String>| {
        if let Some(s) = v {
            *s = clean(s);
        }
    };
    r(&mut c.resource_id);
    r(&mut c.resource_type);
    r(&mut c.operation);
    r(&mut c.aws_service);
    r(&mut c.aws_operation);
    r(&mut c.request_id);
    for (k, v) in &mut c.additional_info {
        *v = if k == "extended_request_id" {
            crate::redact::clean_extended_request_id(v)
        } else {
            clean(v)
        };
    }
    c
}

impl fmt::Display for DeploymentError {
    /// The message only: the cause is `source()`, never repeated here.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.r.message)
    }
}

impl fmt::Debug for DeploymentError {
    /// Redacted fields only: the cause's own Debug (a raw HTTP response, a
    /// request with headers) is never printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeploymentError")
            .field("code", &self.code())
            .field("category", &self.r.category)
            .field("severity", &self.r.severity)
            .field("message", &self.r.message)
            .field("context", &self.r.context)
            .field("cause", &self.cause_text())
            .field("suggestions", &self.r.suggestions)
            .field("retry_kind", &self.r.retry_kind)
            .field("retry_after", &self.r.retry_after)
            .field("timeout", &self.r.timeout)
            .finish()
    }
}

impl Error for DeploymentError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.r
            .source
            .as_deref()
            .map(|c| c as &(dyn Error + 'static))
    }
}

impl miette::Diagnostic for DeploymentError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code()))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.r.severity.to_miette())
    }
    fn url<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(DeploymentError::url(self)))
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        if self.r.suggestions.is_empty() {
            return None;
        }
        let text = self
            .r
            .suggestions
            .iter()
            .enumerate()
            .map(|(i, s)| format!("{}. {s}", i + 1))
            .collect::<Vec<_>>()
            .join("\n");
        Some(Box::new(text))
    }
}

impl Retryable for DeploymentError {
    fn retry_kind(&self) -> RetryKind {
        self.r.retry_kind
    }
    fn retry_after(&self) -> Option<Duration> {
        self.r.retry_after
    }
    fn is_timeout(&self) -> bool {
        self.r.timeout
    }
}

impl Serialize for DeploymentError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_dict().serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::category::snake_case;

    #[test]
    fn snake_case_codes() {
        assert_eq!(snake_case("AccessDenied"), "access_denied");
        assert_eq!(
            snake_case("AccessDeniedException"),
            "access_denied_exception"
        );
        assert_eq!(
            snake_case("EC2ThrottledException"),
            "ec2_throttled_exception"
        );
        assert_eq!(
            snake_case("ENILimitReachedException"),
            "eni_limit_reached_exception"
        );
    }

    #[test]
    fn every_code_has_an_explanation_page() {
        let missing = strands_testkit::codes_without_explanation(codes());
        assert!(
            missing.is_empty(),
            "no docs/diagnostics page for {missing:?}"
        );
    }

    #[test]
    fn seed_layout_and_dict() {
        let e = DeploymentError::permission(
            "Access denied - insufficient permissions: User is not authorized to perform lambda:CreateFunction",
        )
        .with_context(
            ErrorContext::new()
                .resource_id("my-lambda-function")
                .operation("create")
                .aws_service("lambda")
                .aws_operation("CreateFunction"),
        )
        .with_cause(std::io::Error::other(
            "An error occurred (AccessDenied) when calling the CreateFunction operation",
        ))
        .with_aws_code("AccessDenied")
        .with_severity(Severity::Error)
        .with_suggestions([
            "Check IAM policies attached to your user/role",
            "Verify you have the required permissions for this operation",
        ]);
        assert_eq!(
            e.to_user_message(),
            "❌ ERROR: Access denied - insufficient permissions: User is not authorized to perform lambda:CreateFunction\n   Resource: my-lambda-function\n   Operation: create\n   Cause: An error occurred (AccessDenied) when calling the CreateFunction operation\n\n💡 Suggested fixes:\n   1. Check IAM policies attached to your user/role\n   2. Verify you have the required permissions for this operation"
        );
        let d = e.to_dict();
        assert_eq!(d["category"], "PERMISSION");
        assert_eq!(d["severity"], "ERROR");
        assert_eq!(d["code"], "strands::permission::access_denied");
        assert_eq!(d["context"]["resource_id"], "my-lambda-function");
        assert_eq!(d["retryable"], false);
        assert_eq!(
            e.context().iam_action().as_deref(),
            Some("lambda:CreateFunction")
        );
        assert!(e.source().is_some());
        assert_eq!(e.to_string(), e.message());
    }

    #[test]
    fn secrets_never_leave_through_any_output() {
        let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        let token = "FwoGZXIvYXdzEBYaDH".repeat(7);
        let make = || {
            DeploymentError::credential(format!("bad key {secret}"))
                .with_context(
                    ErrorContext::new()
                        .resource_id(format!("aws_session_token={token}"))
                        .additional_info("secret", secret),
                )
                .with_cause(std::io::Error::other(format!(
                    "X-Amz-Signature=deadbeef {token}"
                )))
                .with_suggestions([format!("aws_secret_access_key = {secret}")])
        };
        let e = make();
        let report = format!("{:?}", miette::Report::new(make()));
        // Whatever renderer is active, a chain walk sees only redacted text.
        let mut chain = String::new();
        let mut cur: Option<&dyn Error> = Some(&e);
        while let Some(err) = cur {
            chain.push_str(&format!("{err} | {err:?} | "));
            cur = err.source();
        }
        for out in [
            e.to_string(),
            format!("{e:?}"),
            e.to_user_message(),
            e.to_dict().to_string(),
            serde_json::to_string(&e).unwrap_or_default(),
            report,
            chain,
        ] {
            assert!(!out.contains(secret), "{out}");
            assert!(!out.contains(&token), "{out}");
            assert!(!out.contains("deadbeef"), "{out}");
        }
    }
}
