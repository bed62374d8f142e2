//! What strands-creds can refuse or report itself, as values. Each
//! variant's message is its `Display`; its code (`strands::<category>::<name>`)
//! and its advice come from [`ROWS`], the one table, and are made into a
//! [`DeploymentError`] by the one conversion, `From`.

use strands_errors::{DeploymentError, ErrorCategory};

#[derive(Debug, thiserror::Error)]
pub(crate) enum CredsError {
    #[error("AWS profile `{profile}` not found; profiles found: {}; files read: {}", nearest(profile, found), files.join(", "))]
    UnknownProfile {
        profile: String,
        found: Vec<String>,
        files: Vec<String>,
    },
    /// The AWS config files could not be parsed.
    #[error("The AWS config files could not be read: {cause}")]
    UnreadableConfigFiles { files: Vec<String>, cause: String },
    #[error("Region `{region}` {}{}", if *malformed { "is not a region name (expected like us-east-1)" } else { "is not a known region" }, suggestion.as_deref().map(|s| format!("; did you mean {s}?")).unwrap_or_default())]
    InvalidRegion {
        region: String,
        suggestion: Option<String>,
        malformed: bool,
    },
    #[error("No AWS region configured")]
    NoRegion,
    #[error("Endpoint URL `{}` {why}", crate::text::without_password(url))]
    InvalidEndpointUrl { url: String, why: &'static str },
    #[error("assume_role() was called but the manager has no role configured")]
    NoRoleConfigured,
    /// A profile strands cannot use as written (a role chain's loop, a
    /// missing source, a bad value), found before any request.
    #[error("AWS profile `{profile}` cannot be used: {why}")]
    InvalidProfile {
        profile: String,
        why: String,
        help: String,
    },
    #[error("Role ARN `{arn}` is not valid: {why}")]
    InvalidRoleArn { arn: String, why: String },
    #[error(
        "Role session name `{name}` is not valid: it must be 2 to 64 characters of letters, digits and +=,.@_-"
    )]
    InvalidSessionName { name: String },
    #[error("Role session duration {seconds} s is out of range: STS accepts 900 to 43200 seconds")]
    InvalidDuration { seconds: i64 },
    #[error(
        "External ID is not valid ({len} characters): it must be 2 to 1224 characters of letters, digits and +=,.@:/_-"
    )]
    InvalidExternalId { len: usize },
    #[error(
        "MFA serial `{serial}` is not valid: expected an ARN like arn:aws:iam::123456789012:mfa/NAME or a hardware serial like GAHT12345678"
    )]
    InvalidMfaSerial { serial: String },
    /// Renewing this long before expiry would renew on every request.
    #[error("refresh_ahead of {} s is not shorter than the {duration_seconds} s session: every request would assume the role again", ahead.as_secs())]
    InvalidRefreshAhead {
        ahead: std::time::Duration,
        duration_seconds: i64,
    },
    /// The named profile's credentials could not be loaded.
    #[error("No credentials from profile `{profile}`{}: {cause}", missing.as_ref().map(|m| format!(" ({m})")).unwrap_or_default())]
    ProfileCredentials {
        profile: String,
        cause: String,
        missing: Option<String>,
    },
    /// The source's own words say why (a profile's source names the
    /// profile and the serial): they lead the message.
    #[error("Assuming {role_arn} needs an MFA code and none was available{}", cause.as_ref().map(|c| format!(": {c}")).unwrap_or_default())]
    MfaTokenUnavailable {
        role_arn: String,
        cause: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// An SSO profile whose cached token is missing or expired: the one
    /// thing to do is log in again.
    #[error(
        "Profile `{profile}` uses AWS IAM Identity Center (SSO), and its session is not logged in or has expired: {cause}"
    )]
    SsoLoginRequired { profile: String, cause: String },
    /// An `aws login` profile whose cached session is missing, expired, or
    /// could not be refreshed: the one thing to do is sign in again.
    #[error(
        "Profile `{profile}` uses an `aws login` session, and it is missing or has expired: {cause}"
    )]
    LoginRequired { profile: String, cause: String },
    /// A `login_session` profile in a build without the `login` feature.
    #[error(
        "Profile `{profile}` uses an `aws login` session (login_session), and this build of strands-creds has no `login` feature"
    )]
    LoginNotEnabled { profile: String },
    /// A web identity token file (GitHub Actions OIDC, EKS IRSA) that is
    /// missing or empty, found before any request.
    #[error("The web identity token file `{file}` ({from}) {why}")]
    WebIdentityToken {
        from: String,
        file: String,
        why: String,
    },
    /// A container credentials endpoint the SDKs would refuse, found
    /// before any request.
    #[error(
        "The container credentials endpoint `{uri}` (AWS_CONTAINER_CREDENTIALS_FULL_URI) {why}"
    )]
    ContainerEndpoint { uri: String, why: String },
    /// The container credentials endpoint answered, but not with
    /// credentials (a refused token, a 5xx, garbage).
    #[error(
        "The container credentials endpoint (ECS task role or EKS Pod Identity) did not give credentials: {cause}"
    )]
    ContainerCredentials { cause: String },
    /// The default chain found nothing, and instance metadata, its last
    /// source, did not answer (not on EC2, or a hop limit of 1 in a
    /// container).
    #[error(
        "No AWS credentials found, and EC2 instance metadata, the last source tried, did not answer: {cause}"
    )]
    InstanceMetadataUnavailable { cause: String },
    /// A credential source that did not answer within the manager's
    /// `credentials_timeout`.
    #[error("The credential source ({source_name}) did not answer within {:.1} s", timeout.as_secs_f64())]
    CredentialsTimeout {
        source_name: String,
        timeout: std::time::Duration,
    },
    /// STS answered AssumeRole without the credentials it must carry.
    #[error("STS AssumeRole answered without credentials")]
    IncompleteStsAnswer,
    /// The SDK configuration has no credentials provider at all.
    #[error("No credentials provider configured")]
    NoCredentialsProvider,
}

/// The nearest few profiles by edit distance, and a count: a file with
/// 20 000 profiles must not make a 229 KB message.
fn nearest(profile: &str, found: &[String]) -> String {
    if found.is_empty() {
        return "none".to_owned();
    }
    if found.len() <= 5 {
        return found.join(", ");
    }
    let probe: String = profile.chars().take(64).collect();
    let mut near: Vec<&String> = found.iter().collect();
    near.sort_by_key(|f| {
        let f: String = f.chars().take(64).collect();
        crate::text::edit_distance(&probe, &f)
    });
    let shown: Vec<&str> = near.iter().take(5).map(|s| s.as_str()).collect();
    format!("{} found, the nearest: {}", found.len(), shown.join(", "))
}

/// One row of the table: a condition's name (the code's last segment), its
/// category (the code's middle one) and what to do, most likely fix first.
/// Advice is a template: `{profile}`, `{suggestion}`, `{help}` and
/// `{files}` come from the error; an advice line whose value the error
/// does not have is left out.
struct Row {
    name: &'static str,
    category: ErrorCategory,
    advice: &'static [&'static str],
}

const PROFILE_FILES: &str = "Profiles live in ~/.aws/config and ~/.aws/credentials; AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE move them";

use ErrorCategory::{Configuration as CONF, Credential as CRED, Validation as VAL};

/// The one table of strands-creds' own conditions, one row per line.
#[rustfmt::skip]
const ROWS: &[Row] = &[
    Row { name: "unknown_profile", category: CONF, advice: &["Create it: `aws configure --profile {profile}` (or `aws configure sso --profile {profile}`)", "Or pick one of the profiles found, with .profile(..) or AWS_PROFILE", PROFILE_FILES] },
    Row { name: "unreadable_config_files", category: CONF, advice: &["Check the syntax of {files}: `aws configure list` reads the same files", PROFILE_FILES] },
    Row { name: "invalid_region", category: CONF, advice: &["Use `{suggestion}`: .region(\"{suggestion}\") or AWS_REGION={suggestion}", "List the regions enabled for the account: `aws account list-regions`"] },
    Row { name: "no_region", category: CONF, advice: &["Set one: .region(\"us-east-1\"), AWS_REGION=us-east-1, or `region = us-east-1` in the profile"] },
    Row { name: "invalid_endpoint_url", category: CONF, advice: &["Give an absolute URL with scheme and host, e.g. http://127.0.0.1:5000 or https://sts.us-east-1.amazonaws.com"] },
    Row { name: "no_role_configured", category: CONF, advice: &["Configure one: AwsClientManager::builder().assume_role(AssumeRoleConfig::new(\"arn:aws:iam::ACCOUNT:role/NAME\"))"] },
    Row { name: "invalid_profile", category: CONF, advice: &["{help}", PROFILE_FILES] },
    Row { name: "invalid_role_arn", category: VAL, advice: &["Use the form arn:aws:iam::123456789012:role/NAME (partition aws, aws-cn or aws-us-gov; a 12-digit account)", "Copy it from `aws iam get-role --role-name NAME --query Role.Arn`"] },
    Row { name: "invalid_session_name", category: VAL, advice: &["Use a name like `strands-deployment`"] },
    Row { name: "invalid_duration", category: VAL, advice: &["Use 900..=43200 (15 minutes to 12 hours); durations over 1 hour also need the role's MaxSessionDuration raised"] },
    Row { name: "invalid_external_id", category: VAL, advice: &["Use the external ID the role's owner gave you, exactly"] },
    Row { name: "invalid_mfa_serial", category: VAL, advice: &["Find it with `aws iam list-mfa-devices --query MFADevices[].SerialNumber`"] },
    Row { name: "invalid_refresh_ahead", category: VAL, advice: &["Keep refresh_ahead well under duration_seconds: the default, 5 minutes, suits sessions of 15 minutes and more"] },
    Row { name: "profile_credentials", category: CRED, advice: &["Give profile `{profile}` credentials: `aws configure --profile {profile}` (keys), credential_process, `aws configure sso --profile {profile}`, or role_arn with source_profile", "Check them by hand: `aws sts get-caller-identity --profile {profile}`"] },
    Row { name: "mfa_token_unavailable", category: CRED, advice: &["Give the MFA source: AssumeRoleConfig::mfa_token(..) for a role in code, AwsClientManagerBuilder::mfa_token(..) for a role profile; MfaToken::prompt() asks on the terminal", "Sessions with MFA cannot refresh on their own: when one expires, a new code is needed"] },
    Row { name: "sso_login_required", category: CRED, advice: &["Log in: `aws sso login --profile {profile}`, then run this again", "Check it: `aws sts get-caller-identity --profile {profile}`"] },
    Row { name: "login_required", category: CRED, advice: &["Sign in again: `aws login --profile {profile}`, then run this again", "Check it: `aws sts get-caller-identity --profile {profile}`"] },
    Row { name: "login_not_enabled", category: CONF, advice: &["Turn on the `login` feature: strands-deploy-utils = { version = \"0.1\", features = [\"login\"] } (or strands-creds' `login`)", "Or hand the session over as a process: credential_process = aws configure export-credentials --profile {profile} --format process"] },
    Row { name: "web_identity_token", category: CRED, advice: &["Point AWS_WEB_IDENTITY_TOKEN_FILE (or the profile's web_identity_token_file) at the token your platform writes: GitHub Actions needs `permissions: id-token: write` and an OIDC step (aws-actions/configure-aws-credentials); EKS mounts it at /var/run/secrets/eks.amazonaws.com/serviceaccount/token", "An empty file means the token was not written yet: run the step that fetches it first"] },
    Row { name: "container_endpoint", category: CONF, advice: &["Use the URI the platform sets: ECS sets AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, EKS Pod Identity sets http://169.254.170.23/v1/credentials; any other host needs https", "For a local test endpoint use http://127.0.0.1:PORT"] },
    Row { name: "container_credentials", category: CRED, advice: &["A refused token (401, 403): check AWS_CONTAINER_AUTHORIZATION_TOKEN or the file in AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE is the one the agent gave this task or pod", "An error status or garbage: check the ECS task role or the EKS Pod Identity association, and that the agent is running (`curl -H \"Authorization: $(cat $AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE)\" $AWS_CONTAINER_CREDENTIALS_FULL_URI`)"] },
    Row { name: "instance_metadata_unavailable", category: CRED, advice: &["Not on EC2: give credentials another way (AWS_PROFILE, `aws configure`, `aws sso login`) and set AWS_EC2_METADATA_DISABLED=true so the chain does not wait for instance metadata", "On EC2: check the instance has an instance profile; in a container, IMDSv2 needs a hop limit of 2 (`aws ec2 modify-instance-metadata-options --http-put-response-hop-limit 2`)", "A slow metadata service: AWS_METADATA_SERVICE_TIMEOUT and AWS_METADATA_SERVICE_NUM_ATTEMPTS raise the bound (1 s, 1 attempt)"] },
    Row { name: "credentials_timeout", category: CRED, advice: &["If it runs a credential_process, run that command by hand: it must print JSON and exit", "For SSO: run `aws sso login` with the same profile; for a container or instance role, check its endpoint"] },
    Row { name: "incomplete_sts_answer", category: CRED, advice: &["Check the endpoint URL points at STS"] },
    Row { name: "no_credentials_provider", category: CRED, advice: &["Set AWS_PROFILE, run `aws configure`, or run `aws sso login`"] },
];

impl CredsError {
    /// This variant's condition name: its row in [`ROWS`].
    fn name(&self) -> &'static str {
        match self {
            Self::UnknownProfile { .. } => "unknown_profile",
            Self::UnreadableConfigFiles { .. } => "unreadable_config_files",
            Self::InvalidRegion { .. } => "invalid_region",
            Self::NoRegion => "no_region",
            Self::InvalidEndpointUrl { .. } => "invalid_endpoint_url",
            Self::NoRoleConfigured => "no_role_configured",
            Self::InvalidProfile { .. } => "invalid_profile",
            Self::InvalidRoleArn { .. } => "invalid_role_arn",
            Self::InvalidSessionName { .. } => "invalid_session_name",
            Self::InvalidDuration { .. } => "invalid_duration",
            Self::InvalidExternalId { .. } => "invalid_external_id",
            Self::InvalidMfaSerial { .. } => "invalid_mfa_serial",
            Self::InvalidRefreshAhead { .. } => "invalid_refresh_ahead",
            Self::ProfileCredentials { .. } => "profile_credentials",
            Self::MfaTokenUnavailable { .. } => "mfa_token_unavailable",
            Self::SsoLoginRequired { .. } => "sso_login_required",
            Self::LoginRequired { .. } => "login_required",
            Self::LoginNotEnabled { .. } => "login_not_enabled",
            Self::WebIdentityToken { .. } => "web_identity_token",
            Self::ContainerEndpoint { .. } => "container_endpoint",
            Self::ContainerCredentials { .. } => "container_credentials",
            Self::InstanceMetadataUnavailable { .. } => "instance_metadata_unavailable",
            Self::CredentialsTimeout { .. } => "credentials_timeout",
            Self::IncompleteStsAnswer => "incomplete_sts_answer",
            Self::NoCredentialsProvider => "no_credentials_provider",
        }
    }

    /// The values this error gives its row's advice.
    fn value(&self, key: &str) -> Option<String> {
        match (self, key) {
            (
                Self::UnknownProfile { profile, .. }
                | Self::ProfileCredentials { profile, .. }
                | Self::SsoLoginRequired { profile, .. }
                | Self::LoginRequired { profile, .. }
                | Self::LoginNotEnabled { profile },
                "{profile}",
            ) => Some(profile.clone()),
            (Self::InvalidRegion { suggestion, .. }, "{suggestion}") => suggestion.clone(),
            (Self::InvalidProfile { help, .. }, "{help}") => Some(help.clone()),
            (Self::UnreadableConfigFiles { files, .. }, "{files}") => Some(files.join(" and ")),
            _ => None,
        }
    }

    /// The row's advice with this error's values; a line needing a value
    /// the error does not have is left out.
    fn advice(&self, row: &Row) -> Vec<String> {
        row.advice
            .iter()
            .filter_map(|line| {
                let mut out = (*line).to_owned();
                for key in ["{profile}", "{suggestion}", "{help}", "{files}"] {
                    if out.contains(key) {
                        out = out.replace(key, &self.value(key)?);
                    }
                }
                Some(out)
            })
            .collect()
    }
}

fn row_named(name: &str) -> Option<&'static Row> {
    ROWS.iter().find(|r| r.name == name)
}

/// Every diagnostic code this crate's errors carry, each with its page in
/// `docs/diagnostics`. Every strands crate has this function, meaning the
/// same: no code is listed by two crates.
pub fn codes() -> Vec<String> {
    ROWS.iter()
        .map(|r| format!("strands::{}::{}", r.category, r.name))
        .collect()
}

/// The one conversion: the message is the variant's `Display`, the code
/// and advice its row's, the cause (where there is one) kept.
impl From<CredsError> for DeploymentError {
    fn from(mut e: CredsError) -> Self {
        let message = e.to_string();
        let Some(row) = row_named(e.name()) else {
            // Unreachable: a test checks every variant has its row.
            return DeploymentError::new(ErrorCategory::Unknown, message);
        };
        let out = DeploymentError::new(row.category, message)
            .with_code(row.name)
            .with_suggestions(e.advice(row));
        match &mut e {
            CredsError::MfaTokenUnavailable { cause, .. } => match cause.take() {
                Some(c) => out.with_cause(c),
                None => out,
            },
            _ => out,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strands_errors::ErrorCategory;

    #[test]
    fn every_code_has_an_explanation_page() {
        let missing = strands_testkit::codes_without_explanation(codes());
        assert!(
            missing.is_empty(),
            "no docs/diagnostics page for {missing:?}"
        );
    }

    /// An advice line whose value the error lacks is left out, not shown
    /// with a placeholder.
    #[test]
    fn advice_is_filled_from_the_error() {
        let with: DeploymentError = CredsError::InvalidRegion {
            region: "us-est-1".into(),
            suggestion: Some("us-east-1".into()),
            malformed: false,
        }
        .into();
        assert!(with.suggestions()[0].contains("AWS_REGION=us-east-1"));
        let without: DeploymentError = CredsError::InvalidRegion {
            region: "zz".into(),
            suggestion: None,
            malformed: true,
        }
        .into();
        assert_eq!(without.suggestions().len(), 1);
        assert!(without.suggestions().iter().all(|s| !s.contains('{')));
    }

    #[test]
    fn every_variant_has_a_listed_code_and_help() {
        let all: Vec<DeploymentError> = vec![
            CredsError::UnknownProfile {
                profile: "p".into(),
                found: vec![],
                files: vec![],
            }
            .into(),
            CredsError::InvalidRegion {
                region: "x".into(),
                suggestion: None,
                malformed: true,
            }
            .into(),
            CredsError::InvalidEndpointUrl {
                url: "x".into(),
                why: "is bad",
            }
            .into(),
            CredsError::NoRoleConfigured.into(),
            CredsError::InvalidProfile {
                profile: "p".into(),
                why: "loops".into(),
                help: "fix it".into(),
            }
            .into(),
            CredsError::InvalidRoleArn {
                arn: "x".into(),
                why: "bad".into(),
            }
            .into(),
            CredsError::InvalidSessionName { name: "x".into() }.into(),
            CredsError::InvalidDuration { seconds: 1 }.into(),
            CredsError::InvalidExternalId { len: 1 }.into(),
            CredsError::InvalidMfaSerial { serial: "x".into() }.into(),
            CredsError::MfaTokenUnavailable {
                role_arn: "x".into(),
                cause: None,
            }
            .into(),
            CredsError::InvalidRefreshAhead {
                ahead: std::time::Duration::from_secs(900),
                duration_seconds: 900,
            }
            .into(),
            CredsError::ProfileCredentials {
                profile: "p".into(),
                cause: "not loaded".into(),
                missing: None,
            }
            .into(),
            CredsError::SsoLoginRequired {
                profile: "p".into(),
                cause: "failed to load the cached SSO token".into(),
            }
            .into(),
            CredsError::UnreadableConfigFiles {
                files: vec!["~/.aws/config".into()],
                cause: "bad".into(),
            }
            .into(),
            CredsError::NoRegion.into(),
            CredsError::CredentialsTimeout {
                source_name: "profile `p`".into(),
                timeout: std::time::Duration::from_secs(5),
            }
            .into(),
            CredsError::IncompleteStsAnswer.into(),
            CredsError::NoCredentialsProvider.into(),
            CredsError::LoginRequired {
                profile: "p".into(),
                cause: "cached Login token is expired".into(),
            }
            .into(),
            CredsError::LoginNotEnabled {
                profile: "p".into(),
            }
            .into(),
            CredsError::WebIdentityToken {
                from: "AWS_WEB_IDENTITY_TOKEN_FILE".into(),
                file: "/t".into(),
                why: "is empty".into(),
            }
            .into(),
            CredsError::ContainerEndpoint {
                uri: "http://10.0.0.1/".into(),
                why: "is refused".into(),
            }
            .into(),
            CredsError::ContainerCredentials {
                cause: "HTTP 401".into(),
            }
            .into(),
            CredsError::InstanceMetadataUnavailable {
                cause: "timed out".into(),
            }
            .into(),
        ];
        // Every row is a variant's, every variant has its own row.
        assert_eq!(all.len(), ROWS.len());
        let mut seen = std::collections::HashSet::new();
        for e in all {
            assert!(seen.insert(e.code().to_owned()), "{} twice", e.code());
            assert!(codes().iter().any(|c| c == e.code()), "{}", e.code());
            assert!(!e.suggestions().is_empty());
            assert_ne!(e.category(), ErrorCategory::Unknown);
            assert!(
                e.url()
                    .ends_with(&format!("{}.md", e.code().replace("::", "--")))
            );
        }
    }
}
