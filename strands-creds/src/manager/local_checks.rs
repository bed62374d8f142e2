//! What the manager refuses before any request: an endpoint URL that does
//! not parse, a profile no config file has. (Region names: `region.rs`;
//! role configs: `AssumeRoleConfig::validate` and `profile_role.rs`.)

use crate::error::CredsError;
use strands_errors::DeploymentError;

pub(super) fn check_endpoint_url(url: &str) -> Result<(), DeploymentError> {
    let bad = |why: &'static str| -> DeploymentError {
        CredsError::InvalidEndpointUrl {
            url: url.to_owned(),
            why,
        }
        .into()
    };
    let uri: http::Uri = url.parse().map_err(|_| bad("does not parse as a URL"))?;
    match uri.scheme_str() {
        Some("http" | "https") => {}
        Some(_) => return Err(bad("has a scheme other than http or https")),
        None => return Err(bad("has no scheme (add http:// or https://)")),
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(bad("has no host"));
    }
    Ok(())
}

/// The profile must exist in the config or credentials file (honouring
/// AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE).
pub(super) async fn check_profile(
    name: &str,
) -> Result<aws_config::profile::ProfileSet, DeploymentError> {
    use aws_runtime::env_config::file::EnvConfigFiles;
    use aws_types::os_shim_internal::{Env, Fs};
    let files = ["AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"]
        .iter()
        .zip(["~/.aws/config", "~/.aws/credentials"])
        .map(|(var, default)| std::env::var(var).unwrap_or_else(|_| default.to_owned()))
        .collect::<Vec<_>>();
    let set =
        aws_config::profile::load(&Fs::real(), &Env::real(), &EnvConfigFiles::default(), None)
            .await
            .map_err(|e| CredsError::UnreadableConfigFiles {
                files: files.clone(),
                cause: e.to_string(),
            })?;
    if set.get_profile(name).is_some() {
        return Ok(set);
    }
    let mut found: Vec<String> = set.profiles().map(str::to_owned).collect();
    found.sort();
    Err(CredsError::UnknownProfile {
        profile: name.to_owned(),
        found,
        files,
    }
    .into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_urls() {
        assert!(check_endpoint_url("http://127.0.0.1:5000").is_ok());
        assert!(check_endpoint_url("https://sts.us-east-1.amazonaws.com").is_ok());
        for bad in ["127.0.0.1:5000", "ftp://x", "http://", "not a url", ""] {
            let e = check_endpoint_url(bad).unwrap_err();
            assert_eq!(
                e.code(),
                "strands::configuration::invalid_endpoint_url",
                "{bad}"
            );
        }
    }
}
