//! The role to assume, checked locally, and where its MFA codes come from.
//!
//! aws-config's `AssumeRoleProvider` has no MFA (awslabs/aws-sdk-rust#527), so
//! strands calls STS AssumeRole itself (see `role_provider.rs`) and asks an
//! [`MfaTokenSource`] for a fresh code each time the session is renewed.

use crate::error::CredsError;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use strands_errors::DeploymentError;

/// An error from an MFA token source (crate-private: the public signature
/// spells it out, so a user sees the standard boxed error, not our alias).
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A boxed future of an MFA code, or of the error that kept the source
/// from giving one.
pub type MfaFuture =
    Pin<Box<dyn Future<Output = Result<String, Box<dyn std::error::Error + Send + Sync>>> + Send>>;

/// Where MFA codes come from. Implemented for async closures
/// (`|| async { Ok::<_, std::io::Error>(code) }`), for [`MfaToken`], and for
/// your own types.
pub trait MfaTokenSource: Send + Sync {
    /// A current six-digit code. Called once per AssumeRole call, never in a
    /// loop: an error ends the refresh with a Credential error.
    fn token(&self) -> MfaFuture;
}

impl<F, Fut, T, E> MfaTokenSource for F
where
    F: Fn() -> Fut + Send + Sync,
    Fut: Future<Output = Result<T, E>> + Send + 'static,
    T: Into<String>,
    E: Into<BoxError>,
{
    fn token(&self) -> MfaFuture {
        let fut = self();
        Box::pin(async move { fut.await.map(Into::into).map_err(Into::into) })
    }
}

/// Ready-made token sources.
#[derive(Clone)]
pub struct MfaToken {
    kind: MfaKind,
}

#[derive(Clone)]
enum MfaKind {
    Static(String),
    Prompt,
}

impl MfaToken {
    /// Always the same code: for tests and one-shot scripts (a code is
    /// valid once, so a second AssumeRole with it fails at STS).
    pub fn fixed(code: impl Into<String>) -> Self {
        Self {
            kind: MfaKind::Static(code.into()),
        }
    }

    /// Ask on the terminal (stderr prompt, stdin line), on a blocking
    /// thread. Fails when stdin is not a terminal, so CI never hangs.
    pub fn prompt() -> Self {
        Self {
            kind: MfaKind::Prompt,
        }
    }
}

impl fmt::Debug for MfaToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            MfaKind::Static(_) => f.write_str("MfaToken::fixed(** redacted **)"),
            MfaKind::Prompt => f.write_str("MfaToken::prompt()"),
        }
    }
}

impl MfaTokenSource for MfaToken {
    fn token(&self) -> MfaFuture {
        match &self.kind {
            MfaKind::Static(code) => {
                let code = code.clone();
                Box::pin(async move { Ok(code) })
            }
            MfaKind::Prompt => Box::pin(async {
                tokio::task::spawn_blocking(read_code_from_terminal)
                    .await
                    .map_err(|e| -> BoxError { Box::new(e) })?
            }),
        }
    }
}

fn read_code_from_terminal() -> Result<String, BoxError> {
    ask_on_terminal("MFA code: ")
        .ok_or_else(|| "stdin is not a terminal: cannot prompt for an MFA code".into())
        .and_then(|r| r)
}

/// Ask on the terminal: `None` when stdin is not one. The prompt goes to
/// the terminal itself (`/dev/tty`), not to stderr: run as a
/// `credential_process`, stderr is the calling tool's pipe, and a prompt
/// there would never be seen (botocore's own prompt does the same). The
/// code is read from stdin, the terminal the person types on.
pub(crate) fn ask_on_terminal(prompt: &str) -> Option<Result<String, BoxError>> {
    use std::io::{IsTerminal, Write};
    if !std::io::stdin().is_terminal() {
        return None;
    }
    let shown = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/tty")
        .and_then(|mut tty| {
            tty.write_all(prompt.as_bytes())?;
            tty.flush()
        });
    if shown.is_err() {
        eprint!("{prompt}");
        let _ = std::io::stderr().flush();
    }
    let mut line = String::new();
    Some(
        std::io::stdin()
            .read_line(&mut line)
            .map(|_| line.trim().to_owned())
            .map_err(Into::into),
    )
}

/// The role to assume: `AssumeRoleConfig::new(arn)` and builder methods.
/// Checked by [`validate`](Self::validate) (and by the manager's `build()`)
/// before any request.
#[derive(Clone)]
#[must_use]
pub struct AssumeRoleConfig {
    pub(crate) role_arn: String,
    pub(crate) session_name: String,
    pub(crate) duration_seconds: i64,
    pub(crate) external_id: Option<String>,
    pub(crate) mfa_serial: Option<String>,
    pub(crate) mfa_token: Option<Arc<dyn MfaTokenSource>>,
    pub(crate) refresh_ahead: Duration,
    /// Whether the session name was chosen (a default one is left out of
    /// the session cache's key, as botocore leaves out its generated one).
    pub(crate) session_name_chosen: bool,
    /// Whether the duration was chosen (botocore hashes only what was sent).
    pub(crate) duration_chosen: bool,
    /// The AWS CLI's session cache directory, when this role uses it.
    pub(crate) session_cache: Option<crate::session_cache::CacheDir>,
}

impl AssumeRoleConfig {
    /// The role's ARN; session name `strands-deployment`, one hour, renewed
    /// five minutes before expiry.
    pub fn new(role_arn: impl Into<String>) -> Self {
        Self {
            role_arn: role_arn.into(),
            session_name: "strands-deployment".to_owned(),
            duration_seconds: 3600,
            external_id: None,
            mfa_serial: None,
            mfa_token: None,
            refresh_ahead: Duration::from_secs(300),
            session_name_chosen: false,
            duration_chosen: false,
            session_cache: None,
        }
    }

    /// The role session name (2..=64 of `[\w+=,.@-]`), shown in CloudTrail.
    pub fn session_name(mut self, name: impl Into<String>) -> Self {
        self.session_name = name.into();
        self.session_name_chosen = true;
        self
    }

    /// Session length in seconds, 900..=43200.
    pub fn duration_seconds(mut self, seconds: i64) -> Self {
        self.duration_seconds = seconds;
        self.duration_chosen = true;
        self
    }

    /// The external ID the role's trust policy asks for.
    pub fn external_id(mut self, id: impl Into<String>) -> Self {
        self.external_id = Some(id.into());
        self
    }

    /// The MFA device: an ARN (`arn:aws:iam::123456789012:mfa/alice`) or a
    /// hardware serial.
    pub fn mfa_serial(mut self, serial: impl Into<String>) -> Self {
        self.mfa_serial = Some(serial.into());
        self
    }

    /// Where MFA codes come from: an async closure, [`MfaToken::fixed`],
    /// [`MfaToken::prompt`] or your own [`MfaTokenSource`].
    pub fn mfa_token(mut self, source: impl MfaTokenSource + 'static) -> Self {
        self.mfa_token = Some(Arc::new(source));
        self
    }

    /// Renew the session this long before it expires (default 5 minutes).
    pub fn refresh_ahead(mut self, ahead: Duration) -> Self {
        self.refresh_ahead = ahead;
        self
    }

    /// The role ARN.
    pub fn role_arn(&self) -> &str {
        &self.role_arn
    }

    pub(crate) fn cache_key(&self) -> crate::session_cache::CacheKey {
        crate::session_cache::CacheKey {
            role_arn: self.role_arn.clone(),
            session_name: self.session_name_chosen.then(|| self.session_name.clone()),
            external_id: self.external_id.clone(),
            serial_number: self.mfa_serial.clone(),
            duration_seconds: self.duration_chosen.then_some(self.duration_seconds),
        }
    }

    /// Check every field locally; the first problem is the error.
    pub fn validate(&self) -> Result<(), DeploymentError> {
        check_role_arn(&self.role_arn)?;
        let name_ok = (2..=64).contains(&self.session_name.len())
            && self
                .session_name
                .chars()
                .all(|c| is_word(c) || "+=,.@-".contains(c));
        if !name_ok {
            return Err(CredsError::InvalidSessionName {
                name: self.session_name.clone(),
            }
            .into());
        }
        if !(900..=43_200).contains(&self.duration_seconds) {
            return Err(CredsError::InvalidDuration {
                seconds: self.duration_seconds,
            }
            .into());
        }
        if self.refresh_ahead >= Duration::from_secs(self.duration_seconds.unsigned_abs()) {
            return Err(CredsError::InvalidRefreshAhead {
                ahead: self.refresh_ahead,
                duration_seconds: self.duration_seconds,
            }
            .into());
        }
        if let Some(id) = &self.external_id {
            let ok = (2..=1224).contains(&id.len())
                && id.chars().all(|c| is_word(c) || "+=,.@:/-".contains(c));
            if !ok {
                return Err(CredsError::InvalidExternalId { len: id.len() }.into());
            }
        }
        if let Some(serial) = &self.mfa_serial
            && !valid_mfa_serial(serial)
        {
            return Err(CredsError::InvalidMfaSerial {
                serial: serial.clone(),
            }
            .into());
        }
        Ok(())
    }
}

impl fmt::Debug for AssumeRoleConfig {
    /// The external ID and the token source are not shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AssumeRoleConfig")
            .field("role_arn", &self.role_arn)
            .field("session_name", &self.session_name)
            .field("duration_seconds", &self.duration_seconds)
            .field(
                "external_id",
                &self.external_id.as_ref().map(|_| "** redacted **"),
            )
            .field("mfa_serial", &self.mfa_serial)
            .field("mfa_token", &self.mfa_token.as_ref().map(|_| "<source>"))
            .field("refresh_ahead", &self.refresh_ahead)
            .field("session_cache", &self.session_cache)
            .finish()
    }
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

const PARTITIONS: &[&str] = &[
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
];

/// `arn:<partition>:iam::<12 digits>:<kind>/<path and name>`.
fn iam_arn_parts(arn: &str) -> Result<(&str, &str), String> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, partition, service, region, account, resource] = parts.as_slice() else {
        return Err("expected six ':'-separated fields".into());
    };
    if *prefix != "arn" {
        return Err("it must start with `arn:`".into());
    }
    if !PARTITIONS.contains(partition) {
        return Err(format!("unknown partition `{partition}`"));
    }
    if *service != "iam" {
        return Err(format!("service is `{service}`, expected `iam`"));
    }
    if !region.is_empty() {
        return Err("IAM ARNs have no region (`arn:aws:iam::...`)".into());
    }
    if account.len() != 12 || !account.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!("account `{account}` is not 12 digits"));
    }
    let (kind, name) = resource
        .split_once('/')
        .ok_or_else(|| "the resource must be `role/NAME`".to_owned())?;
    Ok((kind, name))
}

fn check_role_arn(arn: &str) -> Result<(), DeploymentError> {
    let bad = |why: String| -> DeploymentError {
        CredsError::InvalidRoleArn {
            arn: arn.to_owned(),
            why,
        }
        .into()
    };
    let (kind, name) = iam_arn_parts(arn).map_err(bad)?;
    if kind != "role" {
        return Err(bad(format!("resource type is `{kind}`, expected `role`")));
    }
    let leaf = name.rsplit('/').next().unwrap_or(name);
    let ok = (1..=64).contains(&leaf.len())
        && name.len() <= 512
        && name.chars().all(|c| is_word(c) || "+=,.@-/".contains(c));
    if !ok {
        return Err(bad(format!("role name `{name}` is not valid")));
    }
    Ok(())
}

fn valid_mfa_serial(serial: &str) -> bool {
    if serial.starts_with("arn:") {
        return matches!(iam_arn_parts(serial), Ok(("mfa", name)) if !name.is_empty());
    }
    (9..=256).contains(&serial.len())
        && serial.chars().all(|c| is_word(c) || "+=/:,.@-".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(c: &AssumeRoleConfig) -> String {
        c.validate()
            .map_or_else(|e| e.code().to_owned(), |()| "ok".into())
    }

    #[test]
    fn each_field_is_checked() {
        let good = AssumeRoleConfig::new("arn:aws:iam::123456789012:role/DeploymentRole")
            .session_name("strands-deployment")
            .duration_seconds(3600)
            .external_id("ext-1")
            .mfa_serial("arn:aws:iam::123456789012:mfa/alice");
        assert_eq!(code(&good), "ok");
        assert_eq!(code(&good.clone().mfa_serial("GAHT12345678")), "ok");
        assert_eq!(
            code(&AssumeRoleConfig::new(
                "arn:aws-cn:iam::123456789012:role/path/to/R"
            )),
            "ok"
        );
        for arn in [
            "DeploymentRole",
            "arn:aws:iam::12345:role/R",
            "arn:aws:s3:::bucket/x",
            "arn:aws:iam::123456789012:user/alice",
            "arn:azure:iam::123456789012:role/R",
            "arn:aws:iam:us-east-1:123456789012:role/R",
            "arn:aws:iam::123456789012:role/",
        ] {
            assert_eq!(
                code(&AssumeRoleConfig::new(arn)),
                "strands::validation::invalid_role_arn",
                "{arn}"
            );
        }
        for name in ["x", "has space", &"a".repeat(65)] {
            assert_eq!(
                code(&good.clone().session_name(name)),
                "strands::validation::invalid_session_name"
            );
        }
        for d in [0, 899, 43_201, -1] {
            assert_eq!(
                code(&good.clone().duration_seconds(d)),
                "strands::validation::invalid_duration"
            );
        }
        for id in ["x", "has space", &"a".repeat(1225)] {
            assert_eq!(
                code(&good.clone().external_id(id)),
                "strands::validation::invalid_external_id"
            );
        }
        for s in [
            "short",
            "arn:aws:iam::123456789012:role/NotMfa",
            "has space 123",
        ] {
            assert_eq!(
                code(&good.clone().mfa_serial(s)),
                "strands::validation::invalid_mfa_serial"
            );
        }
    }

    #[test]
    fn debug_hides_the_external_id_and_code() {
        let c = AssumeRoleConfig::new("arn:aws:iam::123456789012:role/R")
            .external_id("super-secret-ext")
            .mfa_token(MfaToken::fixed("123456"));
        let d = format!("{c:?}");
        assert!(!d.contains("super-secret-ext"), "{d}");
        assert!(!d.contains("123456\""), "{d}");
        assert!(!format!("{:?}", MfaToken::fixed("654321")).contains("654321"));
    }

    #[tokio::test]
    async fn closures_and_fixed_tokens_are_sources() {
        let c = AssumeRoleConfig::new("arn:aws:iam::123456789012:role/R")
            .mfa_token(|| async { Ok::<_, std::io::Error>("111222") });
        let t = c.mfa_token.as_ref().unwrap().token().await.unwrap();
        assert_eq!(t, "111222");
        assert_eq!(MfaToken::fixed("9").token().await.unwrap(), "9");
    }
}
