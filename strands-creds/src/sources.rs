//! The credential sources of the places deployments run (EC2 instance
//! metadata, ECS/EKS container endpoints, web identity token files):
//! what strands checks of them before any request, and how long instance
//! metadata may take.
//!
//! **Instance metadata is bounded as botocore bounds it**: 1 s per attempt
//! and 1 attempt, unless `AWS_METADATA_SERVICE_TIMEOUT` /
//! `AWS_METADATA_SERVICE_NUM_ATTEMPTS` or the profile's
//! `metadata_service_timeout` / `metadata_service_num_attempts` say
//! otherwise. aws-config's own IMDS client makes 4 attempts and reads
//! neither setting, so a laptop with no metadata service would wait for it
//! four times; strands hands aws-config a client built with these bounds.
//!
//! **Checked locally, before any request** (the SDKs find these only after
//! asking STS or the endpoint): a web identity token file (from
//! `AWS_WEB_IDENTITY_TOKEN_FILE` or a profile's `web_identity_token_file`)
//! that is missing or empty, a container authorization token file that is
//! missing, and a container endpoint the SDKs would refuse (plain `http`
//! to a host that is not loopback nor the ECS or EKS agent).

use crate::error::CredsError;
use std::time::Duration;
use strands_errors::DeploymentError;

/// botocore's defaults: one attempt of one second.
const IMDS_TIMEOUT: Duration = Duration::from_secs(1);
const IMDS_ATTEMPTS: u32 = 1;

/// How long instance metadata may take: per attempt, and attempts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct ImdsBounds {
    pub(crate) timeout: Duration,
    pub(crate) attempts: u32,
}

impl ImdsBounds {
    /// The bounds from the environment, else the profile, else botocore's
    /// defaults. A value that is not a positive number is ignored (botocore
    /// does the same for the attempts, and fails on a bad timeout; strands
    /// keeps the default and says so).
    pub(crate) fn resolve(profile: Option<&aws_config::profile::Profile>) -> Self {
        let read = |env: &str, key: &str| -> Option<String> {
            std::env::var(env)
                .ok()
                .or_else(|| profile.and_then(|p| p.get(key)).map(str::to_owned))
                .filter(|v| !v.trim().is_empty())
        };
        let timeout = read("AWS_METADATA_SERVICE_TIMEOUT", "metadata_service_timeout")
            .and_then(|v| match v.trim().parse::<f64>() {
                Ok(s) if s.is_finite() && s > 0.0 && s <= 3600.0 => Some(Duration::from_secs_f64(s)),
                _ => {
                    tracing::warn!(value = %v, "metadata_service_timeout is not a number of seconds; using 1");
                    None
                }
            })
            .unwrap_or(IMDS_TIMEOUT);
        let attempts = read(
            "AWS_METADATA_SERVICE_NUM_ATTEMPTS",
            "metadata_service_num_attempts",
        )
        .and_then(|v| match v.trim().parse::<u32>() {
            Ok(n) if (1..=10).contains(&n) => Some(n),
            _ => {
                tracing::warn!(value = %v, "metadata_service_num_attempts is not 1 to 10; using 1");
                None
            }
        })
        .unwrap_or(IMDS_ATTEMPTS);
        Self { timeout, attempts }
    }

    /// aws-config's IMDS client with these bounds.
    pub(crate) fn client(
        self,
        pc: &aws_config::provider_config::ProviderConfig,
    ) -> aws_config::imds::Client {
        aws_config::imds::Client::builder()
            .configure(pc)
            .connect_timeout(self.timeout)
            .read_timeout(self.timeout)
            .max_attempts(self.attempts)
            .build()
    }
}

/// The local checks of the sources the environment (and `profile`, with
/// the profiles it takes credentials from) points at.
pub(crate) fn check(
    set: Option<&aws_config::profile::ProfileSet>,
    profile: Option<&str>,
) -> Result<(), DeploymentError> {
    if let Ok(file) = std::env::var("AWS_WEB_IDENTITY_TOKEN_FILE")
        && !file.is_empty()
        && std::env::var_os("AWS_ACCESS_KEY_ID").is_none()
    {
        check_token_file("AWS_WEB_IDENTITY_TOKEN_FILE", &file)?;
    }
    if let (Some(set), Some(name)) = (set, profile) {
        let mut name = name.to_owned();
        let mut seen = Vec::new();
        while let Some(p) = set.get_profile(&name) {
            if let Some(file) = p.get("web_identity_token_file") {
                check_token_file(
                    &format!("web_identity_token_file of profile `{name}`"),
                    file,
                )?;
            }
            seen.push(name.clone());
            match p.get("source_profile") {
                Some(next) if !seen.iter().any(|s| s == next) => name = next.to_owned(),
                _ => break,
            }
        }
    }
    check_container_endpoint()
}

fn check_token_file(from: &str, file: &str) -> Result<(), DeploymentError> {
    let why = match std::fs::metadata(file) {
        Err(e) => Some(format!("cannot be read ({})", e.kind())),
        Ok(m) if !m.is_file() => Some("is not a file".to_owned()),
        Ok(m) if m.len() == 0 => Some("is empty".to_owned()),
        Ok(_) => None,
    };
    match why {
        None => Ok(()),
        Some(why) => Err(CredsError::WebIdentityToken {
            from: from.to_owned(),
            file: file.to_owned(),
            why,
        }
        .into()),
    }
}

/// A full URI the SDKs accept: https anywhere, or http to loopback, the
/// ECS agent (169.254.170.2) or the EKS Pod Identity agent
/// (169.254.170.23, fd00:ec2::23). A relative URI is always the ECS agent.
fn check_container_endpoint() -> Result<(), DeploymentError> {
    if std::env::var_os("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI").is_some() {
        return Ok(());
    }
    let Ok(uri) = std::env::var("AWS_CONTAINER_CREDENTIALS_FULL_URI") else {
        return Ok(());
    };
    let refused = |why: &str| -> DeploymentError {
        CredsError::ContainerEndpoint {
            uri: crate::text::without_password(&uri),
            why: why.to_owned(),
        }
        .into()
    };
    let Ok(parsed) = http::Uri::try_from(uri.as_str()) else {
        return Err(refused("is not a URL"));
    };
    let host = parsed.host().unwrap_or_default().trim_matches(['[', ']']);
    match parsed.scheme_str() {
        Some("https") => {}
        Some("http") => {
            let allowed = host == "localhost"
                || host == "169.254.170.2"
                || host == "169.254.170.23"
                || host.eq_ignore_ascii_case("fd00:ec2::23")
                || host
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback());
            if !allowed {
                return Err(refused(
                    "uses plain http to a host that is not loopback nor the ECS or EKS agent",
                ));
            }
        }
        _ => return Err(refused("is not an http or https URL")),
    }
    if let Ok(file) = std::env::var("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")
        && std::env::var_os("AWS_CONTAINER_AUTHORIZATION_TOKEN").is_none()
        && std::fs::metadata(&file).is_err()
    {
        return Err(refused(&format!(
            "needs the token in AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE ({file}), which cannot be read"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_botocores() {
        // (The environment of a unit test has no metadata settings.)
        let b = ImdsBounds::resolve(None);
        if std::env::var_os("AWS_METADATA_SERVICE_TIMEOUT").is_none()
            && std::env::var_os("AWS_METADATA_SERVICE_NUM_ATTEMPTS").is_none()
        {
            assert_eq!(b.timeout, Duration::from_secs(1));
            assert_eq!(b.attempts, 1);
        }
    }
}

/// Where credentials come from, in words a person recognises ("ECS task
/// role", "EKS Pod Identity", "SSO session corp → account 1111…, role
/// Deploy"): what preflight reports. Profiles are read before any request;
/// the default chain is read from the credentials it gave (aws-config tags
/// each with the feature that made it) and the environment.
pub(crate) mod words {
    use aws_credential_types::credential_feature::AwsCredentialFeature as F;

    /// Which container endpoint: EKS Pod Identity (its agent's address,
    /// or a token file), an ECS task (a relative URI), or another one.
    pub(crate) fn container_kind() -> &'static str {
        let full = std::env::var("AWS_CONTAINER_CREDENTIALS_FULL_URI").unwrap_or_default();
        if full.contains("169.254.170.23")
            || full.contains("fd00:ec2::23")
            || std::env::var_os("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE").is_some()
        {
            "EKS Pod Identity"
        } else if std::env::var_os("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI").is_some() {
            "ECS task"
        } else {
            "container endpoint"
        }
    }

    /// The role name of an ARN: `…:role/path/Deploy` and
    /// `…:assumed-role/Deploy/session` are both `Deploy`.
    pub(crate) fn role_name(arn: &str) -> &str {
        if let Some((_, rest)) = arn.split_once(":assumed-role/") {
            return rest.split('/').next().unwrap_or(rest);
        }
        arn.rsplit(['/', ':']).next().unwrap_or(arn)
    }

    /// What profile `name` itself holds.
    pub(crate) fn profile(set: &aws_config::profile::ProfileSet, name: &str) -> String {
        let Some(p) = set.get_profile(name) else {
            return format!("profile `{name}`");
        };
        let account = |p: &aws_config::profile::Profile| {
            let a = p.get("sso_account_id").unwrap_or("?");
            let short: String = a.chars().take(4).collect();
            if a.len() > 4 {
                format!("{short}…")
            } else {
                short
            }
        };
        if let Some(s) = p.get("sso_session") {
            format!(
                "SSO session {s} → account {}, role {}",
                account(p),
                p.get("sso_role_name").unwrap_or("?")
            )
        } else if let Some(u) = p.get("sso_start_url") {
            format!(
                "SSO ({u}) → account {}, role {}",
                account(p),
                p.get("sso_role_name").unwrap_or("?")
            )
        } else if p.get("login_session").is_some() {
            format!("`aws login` session (profile `{name}`)")
        } else if p.get("credential_process").is_some() {
            format!("credential_process of profile `{name}`")
        } else if let Some(arn) = p
            .get("role_arn")
            .filter(|_| p.get("web_identity_token_file").is_some())
        {
            format!("web identity (OIDC) → role {}", role_name(arn))
        } else {
            format!("access keys of profile `{name}`")
        }
    }

    /// The default chain's source, from the features of the credentials it
    /// gave and the caller's ARN.
    pub(crate) fn chain(features: &[F], caller_arn: &str) -> String {
        let has = |f: F| features.contains(&f);
        // The role is named when the caller is one (an emulator's caller
        // may be a user).
        let role = |what: &str| match caller_arn.contains(":assumed-role/") {
            true => format!("{what} {}", role_name(caller_arn)),
            false => what.to_owned(),
        };
        if has(F::CredentialsImds) {
            role("EC2 instance role")
        } else if has(F::CredentialsHttp) {
            match container_kind() {
                "ECS task" => "ECS task role".to_owned(),
                kind => kind.to_owned(),
            }
        } else if has(F::CredentialsEnvVarsStsWebIdToken)
            || has(F::CredentialsStsAssumeRoleWebId)
            || has(F::CredentialsProfileStsWebIdToken)
        {
            role("web identity (OIDC) → role")
        } else if has(F::CredentialsSso) || has(F::CredentialsProfileSso) {
            role("SSO → role")
        } else if has(F::CredentialsLogin) || has(F::CredentialsProfileLogin) {
            "`aws login` session".to_owned()
        } else if has(F::CredentialsProcess) || has(F::CredentialsProfileProcess) {
            "credential_process".to_owned()
        } else if has(F::CredentialsEnvVars) {
            "environment variables (AWS_ACCESS_KEY_ID)".to_owned()
        } else if has(F::CredentialsProfile) {
            "access keys of the default profile".to_owned()
        } else {
            "the default credential chain".to_owned()
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn role_names() {
            assert_eq!(role_name("arn:aws:iam::1:role/Deploy"), "Deploy");
            assert_eq!(
                role_name("arn:aws:sts::1:assumed-role/InstanceRole/i-0"),
                "InstanceRole"
            );
            assert_eq!(role_name("arn:aws:iam::1:role/path/Deploy"), "Deploy");
        }
    }
}
