//! What strands-creds can refuse before any request, as values. Each
//! variant becomes a [`DeploymentError`] with a stable code under its
//! category (`strands::configuration::unknown_profile`) and help that says
//! what to do; [`CODES`] lists them for `cargo xtask explain`.

use strands_errors::DeploymentError;

/// Every diagnostic code strands-creds produces itself.
pub const CODES: &[&str] = &[
    "strands::configuration::unknown_profile",
    "strands::configuration::invalid_profile",
    "strands::configuration::invalid_region",
    "strands::configuration::invalid_endpoint_url",
    "strands::configuration::no_role_configured",
    "strands::validation::invalid_role_arn",
    "strands::validation::invalid_session_name",
    "strands::validation::invalid_duration",
    "strands::validation::invalid_external_id",
    "strands::validation::invalid_mfa_serial",
    "strands::credential::mfa_token_unavailable",
    "strands::validation::invalid_refresh_ahead",
    "strands::credential::profile_credentials",
    "strands::credential::sso_login_required",
];

#[derive(Debug)]
pub(crate) enum CredsError {
    UnknownProfile {
        profile: String,
        found: Vec<String>,
        files: Vec<String>,
    },
    InvalidRegion {
        region: String,
        suggestion: Option<String>,
        malformed: bool,
    },
    InvalidEndpointUrl {
        url: String,
        why: &'static str,
    },
    NoRoleConfigured,
    /// A profile strands cannot use as written (a role chain's loop, a
    /// missing source, a bad value), found before any request.
    InvalidProfile {
        profile: String,
        why: String,
        help: String,
    },
    InvalidRoleArn {
        arn: String,
        why: String,
    },
    InvalidSessionName {
        name: String,
    },
    InvalidDuration {
        seconds: i64,
    },
    InvalidExternalId {
        len: usize,
    },
    InvalidMfaSerial {
        serial: String,
    },
    /// Renewing this long before expiry would renew on every request.
    InvalidRefreshAhead {
        ahead: std::time::Duration,
        duration_seconds: i64,
    },
    /// The named profile's credentials could not be loaded.
    ProfileCredentials {
        profile: String,
        cause: String,
        missing: Option<String>,
    },
    MfaTokenUnavailable {
        role_arn: String,
        cause: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// An SSO profile whose cached token is missing or expired: the one
    /// thing to do is log in again.
    SsoLoginRequired {
        profile: String,
        cause: String,
    },
}

impl From<CredsError> for DeploymentError {
    fn from(e: CredsError) -> Self {
        use CredsError as E;
        match e {
            E::UnknownProfile {
                profile,
                found,
                files,
            } => {
                // The nearest few by edit distance, and a count: a file
                // with 20 000 profiles must not make a 229 KB message.
                let found = if found.is_empty() {
                    "none".to_owned()
                } else if found.len() <= 5 {
                    found.join(", ")
                } else {
                    let probe: String = profile.chars().take(64).collect();
                    let mut near: Vec<&String> = found.iter().collect();
                    near.sort_by_key(|f| {
                        let f: String = f.chars().take(64).collect();
                        crate::text::edit_distance(&probe, &f)
                    });
                    let shown: Vec<&str> = near.iter().take(5).map(|s| s.as_str()).collect();
                    format!("{} found, the nearest: {}", found.len(), shown.join(", "))
                };
                DeploymentError::configuration(format!(
                    "AWS profile `{profile}` not found; profiles found: {found}; files read: {}",
                    files.join(", ")
                ))
                .with_code("unknown_profile")
                .with_suggestions([
                    format!("Create it: `aws configure --profile {profile}` (or `aws configure sso --profile {profile}`)"),
                    "Or pick one of the profiles found, with .profile(..) or AWS_PROFILE".to_owned(),
                    "Profiles live in ~/.aws/config and ~/.aws/credentials; AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE move them".to_owned(),
                ])
            }
            E::InvalidRegion {
                region,
                suggestion,
                malformed,
            } => {
                let shape = if malformed {
                    "is not a region name (expected like us-east-1)"
                } else {
                    "is not a known region"
                };
                let hint = suggestion
                    .as_deref()
                    .map(|s| format!("; did you mean {s}?"))
                    .unwrap_or_default();
                let mut fixes = Vec::new();
                if let Some(s) = &suggestion {
                    fixes.push(format!("Use `{s}`: .region(\"{s}\") or AWS_REGION={s}"));
                }
                fixes.push("List the regions enabled for the account: `aws account list-regions`".to_owned());
                DeploymentError::configuration(format!("Region `{region}` {shape}{hint}"))
                    .with_code("invalid_region")
                    .with_suggestions(fixes)
            }
            E::InvalidEndpointUrl { url, why } => {
                let url = crate::text::without_password(&url);
                DeploymentError::configuration(format!("Endpoint URL `{url}` {why}"))
                    .with_code("invalid_endpoint_url")
                    .with_suggestions([
                        "Give an absolute URL with scheme and host, e.g. http://127.0.0.1:5000 or https://sts.us-east-1.amazonaws.com",
                    ])
            }
            E::InvalidProfile { profile, why, help } => {
                DeploymentError::configuration(format!("AWS profile `{profile}` cannot be used: {why}"))
                    .with_code("invalid_profile")
                    .with_suggestions([
                        help,
                        "Profiles live in ~/.aws/config and ~/.aws/credentials; AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE move them".to_owned(),
                    ])
            }
            E::NoRoleConfigured => DeploymentError::configuration(
                "assume_role() was called but the manager has no role configured",
            )
            .with_code("no_role_configured")
            .with_suggestions([
                "Configure one: AwsClientManager::builder().assume_role(AssumeRoleConfig::new(\"arn:aws:iam::ACCOUNT:role/NAME\"))",
            ]),
            E::InvalidRoleArn { arn, why } => {
                DeploymentError::validation(format!("Role ARN `{arn}` is not valid: {why}"))
                    .with_code("invalid_role_arn")
                    .with_suggestions([
                        "Use the form arn:aws:iam::123456789012:role/NAME (partition aws, aws-cn or aws-us-gov; a 12-digit account)",
                        "Copy it from `aws iam get-role --role-name NAME --query Role.Arn`",
                    ])
            }
            E::InvalidSessionName { name } => DeploymentError::validation(format!(
                "Role session name `{name}` is not valid: it must be 2 to 64 characters of letters, digits and +=,.@_-"
            ))
            .with_code("invalid_session_name")
            .with_suggestions(["Use a name like `strands-deployment`"]),
            E::InvalidDuration { seconds } => DeploymentError::validation(format!(
                "Role session duration {seconds} s is out of range: STS accepts 900 to 43200 seconds"
            ))
            .with_code("invalid_duration")
            .with_suggestions([
                "Use 900..=43200 (15 minutes to 12 hours); durations over 1 hour also need the role's MaxSessionDuration raised",
            ]),
            E::InvalidExternalId { len } => DeploymentError::validation(format!(
                "External ID is not valid ({len} characters): it must be 2 to 1224 characters of letters, digits and +=,.@:/_-"
            ))
            .with_code("invalid_external_id")
            .with_suggestions(["Use the external ID the role's owner gave you, exactly"]),
            E::InvalidMfaSerial { serial } => DeploymentError::validation(format!(
                "MFA serial `{serial}` is not valid: expected an ARN like arn:aws:iam::123456789012:mfa/NAME or a hardware serial like GAHT12345678"
            ))
            .with_code("invalid_mfa_serial")
            .with_suggestions(["Find it with `aws iam list-mfa-devices --query MFADevices[].SerialNumber`"]),
            E::InvalidRefreshAhead {
                ahead,
                duration_seconds,
            } => DeploymentError::validation(format!(
                "refresh_ahead of {} s is not shorter than the {duration_seconds} s session: every request would assume the role again",
                ahead.as_secs()
            ))
            .with_code("invalid_refresh_ahead")
            .with_suggestions([
                "Keep refresh_ahead well under duration_seconds: the default, 5 minutes, suits sessions of 15 minutes and more",
            ]),
            E::ProfileCredentials {
                profile,
                cause,
                missing,
            } => {
                let missing = missing.map(|m| format!(" ({m})")).unwrap_or_default();
                DeploymentError::credential(format!(
                    "No credentials from profile `{profile}`{missing}: {cause}"
                ))
                .with_code("profile_credentials")
                .with_suggestions([
                    format!("Give profile `{profile}` credentials: `aws configure --profile {profile}` (keys), credential_process, `aws configure sso --profile {profile}`, or role_arn with source_profile"),
                    format!("Check them by hand: `aws sts get-caller-identity --profile {profile}`"),
                ])
            }
            E::SsoLoginRequired { profile, cause } => DeploymentError::credential(format!(
                "Profile `{profile}` uses AWS IAM Identity Center (SSO), and its session is not logged in or has expired: {cause}"
            ))
            .with_code("sso_login_required")
            .with_suggestions([
                format!("Log in: `aws sso login --profile {profile}`, then run this again"),
                format!("Check it: `aws sts get-caller-identity --profile {profile}`"),
            ]),
            E::MfaTokenUnavailable { role_arn, cause } => {
                // The source's own words say why (a profile's source names
                // the profile and the serial): they lead the message.
                let why = cause
                    .as_ref()
                    .map(|c| format!(": {c}"))
                    .unwrap_or_default();
                let e = DeploymentError::credential(format!(
                    "Assuming {role_arn} needs an MFA code and none was available{why}"
                ))
                .with_code("mfa_token_unavailable")
                .with_suggestions([
                    "Give the MFA source: AssumeRoleConfig::mfa_token(..) for a role in code, AwsClientManagerBuilder::mfa_token(..) for a role profile; MfaToken::prompt() asks on the terminal",
                    "Sessions with MFA cannot refresh on their own: when one expires, a new code is needed",
                ]);
                match cause {
                    Some(c) => e.with_cause(c),
                    None => e,
                }
            }
        }
    }
}

/// Check a category used here is the one the code list says.
#[cfg(test)]
mod tests {
    use super::*;
    use strands_errors::ErrorCategory;

    #[test]
    fn every_code_has_an_explanation_page() {
        let missing = strands_testkit::codes_without_explanation(CODES.iter());
        assert!(
            missing.is_empty(),
            "no docs/diagnostics page for {missing:?}"
        );
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
        ];
        assert_eq!(all.len(), CODES.len());
        for e in all {
            assert!(CODES.contains(&e.code()), "{}", e.code());
            assert!(!e.suggestions().is_empty());
            assert_ne!(e.category(), ErrorCategory::Unknown);
            assert!(
                e.url()
                    .ends_with(&format!("{}.md", e.code().replace("::", "--")))
            );
        }
    }
}
