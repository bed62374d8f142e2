//! Credentials for the tools a deployment runs (`sam`, `cdk`, `terraform`,
//! `docker` through an ECR login, `aws` itself): the environment a child
//! process needs, from the manager's one chain, fresh at the moment it is
//! asked. The child gets the manager's role, MFA session and session cache
//! without resolving anything itself, as `aws-vault exec` does.
//!
//! The values are never logged: `Debug` shows the variable names and the
//! expiry only.

use crate::manager::AwsClientManager;
use std::fmt;
use std::time::SystemTime;
use strands_errors::DeploymentError;

/// Variables a child must not read beside the credentials given: a
/// profile would have the child resolve again (and prompt for MFA again).
const REMOVED: &[&str] = &["AWS_PROFILE", "AWS_DEFAULT_PROFILE"];

/// The environment a child process needs for the manager's credentials:
/// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN` (for
/// temporary credentials), `AWS_REGION` and `AWS_DEFAULT_REGION`, and
/// `AWS_CREDENTIAL_EXPIRATION` (RFC 3339) when they expire.
///
/// ```no_run
/// # async fn f(manager: strands_creds::AwsClientManager) -> Result<(), strands_errors::DeploymentError> {
/// let env = manager.child_env().await?;
/// let mut cmd = std::process::Command::new("sam");
/// env.apply_to(&mut cmd);
/// cmd.args(["deploy", "--no-confirm-changeset"]);
/// // For tokio: `tokio::process::Command::from(cmd)`.
/// # Ok(()) }
/// ```
#[must_use = "the environment does nothing until applied to a command"]
pub struct ChildEnv {
    vars: Vec<(&'static str, String)>,
    expires: Option<SystemTime>,
}

impl fmt::Debug for ChildEnv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.vars.iter().map(|(k, _)| *k).collect();
        f.debug_struct("ChildEnv")
            .field("vars", &names)
            .field("expires", &self.expires)
            .finish()
    }
}

impl ChildEnv {
    /// Set the variables on `cmd`, and remove the ones that would make the
    /// child resolve credentials again (`AWS_PROFILE`).
    pub fn apply_to<'a>(
        &self,
        cmd: &'a mut std::process::Command,
    ) -> &'a mut std::process::Command {
        for k in REMOVED {
            cmd.env_remove(k);
        }
        for (k, v) in &self.vars {
            cmd.env(k, v);
        }
        cmd
    }

    /// When the credentials expire (`None`: long-term keys). A child that
    /// runs longer needs a new environment, or `credential_process`.
    pub fn expires(&self) -> Option<SystemTime> {
        self.expires
    }

    /// The variables' names, in the order they are set.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.vars.iter().map(|(k, _)| *k)
    }
}

impl AwsClientManager {
    /// The manager's credentials as a `credential_process` document
    /// (Version 1; `Expiration` when they expire), for a tool that reads
    /// `credential_process = …` from a profile (the AWS CLI, boto3,
    /// terraform): strands' chain, MFA and session cache behind it.
    pub async fn credential_process_json(&self) -> Result<String, DeploymentError> {
        let c = self.credentials().await?;
        let mut doc = serde_json::json!({
            "Version": 1,
            "AccessKeyId": c.access_key_id(),
            "SecretAccessKey": c.secret_access_key(),
        });
        if let Some(t) = c.session_token() {
            doc["SessionToken"] = t.into();
        }
        if let Some(e) = c.expiry().and_then(crate::text::rfc3339) {
            doc["Expiration"] = e.into();
        }
        Ok(doc.to_string())
    }

    /// The environment a child process needs for this manager's
    /// credentials, fetched now (refreshed first if they are due).
    pub async fn child_env(&self) -> Result<ChildEnv, DeploymentError> {
        let c = self.credentials().await?;
        let mut vars = vec![
            ("AWS_ACCESS_KEY_ID", c.access_key_id().to_owned()),
            ("AWS_SECRET_ACCESS_KEY", c.secret_access_key().to_owned()),
        ];
        if let Some(t) = c.session_token() {
            vars.push(("AWS_SESSION_TOKEN", t.to_owned()));
        }
        vars.push(("AWS_REGION", self.region().to_owned()));
        vars.push(("AWS_DEFAULT_REGION", self.region().to_owned()));
        if let Some(e) = c.expiry().and_then(crate::text::rfc3339) {
            vars.push(("AWS_CREDENTIAL_EXPIRATION", e));
        }
        Ok(ChildEnv {
            vars,
            expires: c.expiry(),
        })
    }
}
