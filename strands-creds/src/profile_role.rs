//! Role profiles with every key the AWS CLI honours.
//!
//! aws-config parses `~/.aws/config` (we never do) and assumes roles for
//! `role_arn` + `source_profile` / `credential_source`, but it ignores
//! `mfa_serial` (aws-sdk-rust #527: STS gets no code, a role that requires
//! MFA answers AccessDenied with no hint why) and `duration_seconds`, and its
//! STS calls do not go to the manager's endpoint URL. So strands performs
//! the AssumeRole of a role profile itself, hop by hop, with the role
//! provider `AssumeRoleConfig` already uses (single flight, refresh ahead):
//!
//! - the chain is walked from the profile down its `source_profile`s and
//!   checked before any request: a cycle, a missing source, a bad
//!   `duration_seconds`, `mfa_serial` or `credential_source` is a
//!   diagnostic naming the profile;
//! - the bottom of the chain (static keys, `credential_process`, SSO) is
//!   aws-config's profile provider for that profile, or the
//!   `credential_source` provider (Environment, Ec2InstanceMetadata,
//!   EcsContainer);
//! - every hop's STS client is built from the manager's config: its region,
//!   its endpoint URL, its HTTP client;
//! - the MFA code comes from the manager's `mfa_token` source if set, else
//!   a terminal prompt that names the serial (the CLI's words), else an
//!   error that names the profile and the serial and says how to give one.
//!
//! Profiles with `web_identity_token_file` stay with aws-config (it does
//! them fully). A key strands does not act on is named in a warning.

use crate::assume_role::{AssumeRoleConfig, BoxError, MfaFuture, MfaTokenSource};
use crate::client::{ClientLayer, ManagedClient};
use crate::error::CredsError;
use crate::role_provider::RoleProvider;
use aws_config::profile::ProfileFileCredentialsProvider;
use aws_config::provider_config::ProviderConfig;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_types::SdkConfig;
use std::fmt;
use std::sync::Arc;
use strands_errors::DeploymentError;

/// Keys that mean something only beside `role_arn` (aws-config's
/// profile type does not list a profile's keys, so these are the ones
/// checked by name).
const ROLE_KEYS: &[&str] = &[
    "source_profile",
    "credential_source",
    "role_session_name",
    "external_id",
    "duration_seconds",
    "mfa_serial",
];

/// Keys any of which gives a profile credentials.
const CREDENTIAL_KEYS: &[&str] = &[
    "aws_access_key_id",
    "credential_process",
    "sso_session",
    "sso_start_url",
    "role_arn",
    "web_identity_token_file",
    "login_session",
];

/// What profile `name` lacks, in words, when it has no key that gives
/// credentials; `None` when it has one (or does not exist).
pub(crate) fn missing_credentials(
    set: &aws_config::profile::ProfileSet,
    name: &str,
) -> Option<String> {
    let p = set.get_profile(name)?;
    CREDENTIAL_KEYS.iter().all(|k| p.get(k).is_none()).then(|| {
        "it has no aws_access_key_id, credential_process, sso_session, login_session or role_arn"
            .to_owned()
    })
}

/// Refuse, before any request, a chain that reaches an `aws login`
/// profile (`login_session`) in a build without the `login` feature:
/// aws-config would skip the key and report "no credentials".
pub(crate) fn check_login(
    set: &aws_config::profile::ProfileSet,
    profile: &str,
) -> Result<(), DeploymentError> {
    if cfg!(feature = "login") {
        return Ok(());
    }
    let mut name = profile.to_owned();
    let mut seen = Vec::new();
    while let Some(p) = set.get_profile(&name) {
        if p.get("login_session").is_some() {
            return Err(CredsError::LoginNotEnabled { profile: name }.into());
        }
        seen.push(name.clone());
        match p.get("source_profile") {
            Some(next) if !seen.iter().any(|s| s == next) => name = next.to_owned(),
            _ => break,
        }
    }
    Ok(())
}

/// Where the bottom of a chain gets its credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    /// aws-config's profile provider for this (non-role) profile.
    Profile(String),
    Environment,
    Ec2InstanceMetadata,
    EcsContainer,
}

/// One role to assume, with the profile that asked for it.
#[derive(Debug, Clone)]
struct Hop {
    profile: String,
    role_arn: String,
    session_name: Option<String>,
    external_id: Option<String>,
    duration_seconds: Option<i64>,
    mfa_serial: Option<String>,
}

/// A role profile's chain, checked: the source, then the hops in the order
/// they are assumed (the named profile last).
#[derive(Debug, Clone)]
pub(crate) struct RolePlan {
    source: Source,
    hops: Vec<Hop>,
}

fn invalid(profile: &str, why: String, help: &str) -> DeploymentError {
    CredsError::InvalidProfile {
        profile: profile.to_owned(),
        why,
        help: help.to_owned(),
    }
    .into()
}

/// The plan for `profile`, or `None` when it is not a role profile strands
/// takes over (no `role_arn`, or web identity).
pub(crate) fn plan(
    set: &aws_config::profile::ProfileSet,
    profile: &str,
) -> Result<Option<RolePlan>, DeploymentError> {
    let Some(p) = set.get_profile(profile) else {
        return Ok(None);
    };
    if p.get("role_arn").is_none() || p.get("web_identity_token_file").is_some() {
        return Ok(None);
    }
    let mut hops = Vec::new();
    let mut seen = vec![profile.to_owned()];
    let mut name = profile.to_owned();
    let source = loop {
        let Some(p) = set.get_profile(&name) else {
            let from = seen
                .get(seen.len().saturating_sub(2))
                .cloned()
                .unwrap_or_default();
            return Err(invalid(
                &from,
                format!(
                    "its source_profile `{name}` is not a profile in the config or credentials file"
                ),
                "Create that profile, or fix source_profile to name one that exists (`aws configure list-profiles`)",
            ));
        };
        if p.get("role_arn").is_none() {
            let stray: Vec<&str> = ROLE_KEYS
                .iter()
                .copied()
                .filter(|k| p.get(k).is_some())
                .collect();
            if !stray.is_empty() {
                tracing::warn!(
                    profile = %name,
                    keys = ?stray,
                    "profile keys ignored: they apply only to a profile with role_arn"
                );
            }
        }
        let Some(role_arn) = p.get("role_arn") else {
            break Source::Profile(name.clone());
        };
        // A web identity profile (GitHub Actions OIDC, EKS IRSA) holds its
        // own source, the token file: as the source of a role it is
        // resolved by aws-config (AssumeRoleWithWebIdentity), and strands
        // assumes the roles above it. The third way a role profile gets
        // its source, beside source_profile and credential_source.
        if p.get("web_identity_token_file").is_some() {
            break Source::Profile(name.clone());
        }
        hops.push(read_hop(&name, role_arn, p)?);
        match (p.get("source_profile"), p.get("credential_source")) {
            (Some(_), Some(_)) => {
                return Err(invalid(
                    &name,
                    "it sets both source_profile and credential_source".into(),
                    "Keep one: source_profile names a profile with credentials, credential_source names where they come from",
                ));
            }
            (None, None) => {
                return Err(invalid(
                    &name,
                    "it has role_arn but none of source_profile, credential_source or web_identity_token_file".into(),
                    "Add `source_profile = <a profile with credentials>`, `credential_source = Environment` or `web_identity_token_file = <path>`",
                ));
            }
            (None, Some(cs)) => break credential_source(&name, cs)?,
            (Some(next), None) => {
                // A profile that names itself uses its own static keys
                // as the source (the CLI allows exactly this loop).
                if next == name {
                    break Source::Profile(name.clone());
                }
                if seen.iter().any(|s| s == next) {
                    let mut chain = seen.clone();
                    chain.push(next.to_owned());
                    return Err(invalid(
                        profile,
                        format!("its source_profile chain loops: {}", chain.join(" → ")),
                        "Break the loop: the last profile of a chain must hold credentials (keys, credential_process or SSO) or a credential_source",
                    ));
                }
                seen.push(next.to_owned());
                name = next.to_owned();
            }
        }
    };
    hops.reverse();
    Ok(Some(RolePlan { source, hops }))
}

fn read_hop(
    profile: &str,
    role_arn: &str,
    p: &aws_config::profile::Profile,
) -> Result<Hop, DeploymentError> {
    let duration_seconds = match p.get("duration_seconds") {
        None => None,
        Some(d) => Some(
            d.trim()
                .parse::<i64>()
                .ok()
                .filter(|s| (900..=43_200).contains(s))
                .ok_or_else(|| {
                    invalid(
                        profile,
                        format!("duration_seconds `{d}` is not a number of seconds in 900..=43200"),
                        "Use 900 (15 minutes) to 43200 (12 hours); over an hour also needs the role's MaxSessionDuration raised",
                    )
                })?,
        ),
    };
    let hop = Hop {
        profile: profile.to_owned(),
        role_arn: role_arn.to_owned(),
        session_name: p.get("role_session_name").map(str::to_owned),
        external_id: p.get("external_id").map(str::to_owned),
        duration_seconds,
        mfa_serial: p.get("mfa_serial").map(str::to_owned),
    };
    // The same checks as a role given in code, with the profile named.
    hop.config(None, None).validate().map_err(|e| {
        invalid(
            profile,
            e.message().to_owned(),
            e.suggestions()
                .first()
                .map_or("Fix the profile in ~/.aws/config", String::as_str),
        )
    })?;
    Ok(hop)
}

fn credential_source(profile: &str, cs: &str) -> Result<Source, DeploymentError> {
    match cs {
        "Environment" => Ok(Source::Environment),
        "Ec2InstanceMetadata" => Ok(Source::Ec2InstanceMetadata),
        "EcsContainer" => Ok(Source::EcsContainer),
        other => Err(invalid(
            profile,
            format!(
                "credential_source `{other}` is not Environment, Ec2InstanceMetadata or EcsContainer"
            ),
            "Use one of the three (case matters), or source_profile instead",
        )),
    }
}

impl Hop {
    fn config(
        &self,
        mfa: Option<Arc<dyn MfaTokenSource>>,
        session_cache: Option<crate::session_cache::CacheDir>,
    ) -> AssumeRoleConfig {
        let mut c = AssumeRoleConfig::new(&self.role_arn);
        c.session_cache = session_cache;
        if let Some(n) = &self.session_name {
            c = c.session_name(n);
        }
        if let Some(d) = self.duration_seconds {
            c = c.duration_seconds(d);
        }
        if let Some(x) = &self.external_id {
            c = c.external_id(x);
        }
        if let Some(s) = &self.mfa_serial {
            c = c.mfa_serial(s);
            c.mfa_token = Some(Arc::new(ProfileMfa {
                profile: self.profile.clone(),
                serial: s.clone(),
                source: mfa,
            }));
        }
        c
    }
}

impl RolePlan {
    /// Where this chain's credentials come from, in words:
    /// "role Deploy, from ECS task credentials".
    pub(crate) fn describe(&self, set: &aws_config::profile::ProfileSet) -> String {
        use crate::sources::words;
        let source = match &self.source {
            Source::Profile(name) => words::profile(set, name),
            Source::Environment => "environment variables (AWS_ACCESS_KEY_ID)".to_owned(),
            Source::Ec2InstanceMetadata => "EC2 instance credentials".to_owned(),
            Source::EcsContainer => format!("{} credentials", words::container_kind()),
        };
        let roles: Vec<&str> = self
            .hops
            .iter()
            .rev()
            .map(|h| words::role_name(&h.role_arn))
            .collect();
        format!("role {}, from {source}", roles.join(" ← "))
    }

    /// The named profile's role credentials: the source, then each hop's
    /// role provider, each hop's STS client from `base` (the manager's
    /// region, endpoint and HTTP client) with the previous hop's
    /// credentials.
    pub(crate) fn provider(
        &self,
        base: &SdkConfig,
        imds: crate::sources::ImdsBounds,
        layer: Option<&ClientLayer>,
        mfa: Option<Arc<dyn MfaTokenSource>>,
        session_cache: Option<crate::session_cache::CacheDir>,
    ) -> SharedCredentialsProvider {
        let pc = ProviderConfig::without_region().with_region(base.region().cloned());
        let pc = match base.http_client() {
            Some(h) => pc.with_http_client(h),
            None => pc,
        };
        let pc = match base.time_source() {
            Some(t) => pc.with_time_source(t),
            None => pc,
        };
        let mut creds = match &self.source {
            Source::Profile(name) => SharedCredentialsProvider::new(
                ProfileFileCredentialsProvider::builder()
                    .profile_name(name)
                    .configure(&pc)
                    .build(),
            ),
            Source::Environment => SharedCredentialsProvider::new(
                aws_config::environment::EnvironmentVariableCredentialsProvider::new(),
            ),
            Source::Ec2InstanceMetadata => SharedCredentialsProvider::new(
                aws_config::imds::credentials::ImdsCredentialsProvider::builder()
                    .configure(&pc)
                    .imds_client(imds.client(&pc))
                    .build(),
            ),
            Source::EcsContainer => SharedCredentialsProvider::new(
                aws_config::ecs::EcsCredentialsProvider::builder()
                    .configure(&pc)
                    .build(),
            ),
        };
        for hop in &self.hops {
            let conf = base.to_builder().credentials_provider(creds).build();
            let sts = <aws_sdk_sts::Client as ManagedClient>::build(&conf, layer);
            let config = hop.config(mfa.clone(), session_cache.clone());
            creds = SharedCredentialsProvider::new(RoleProvider::new(sts, config));
        }
        creds
    }
}

/// The MFA code of a role profile: the manager's source, else the
/// terminal (the CLI's prompt), else an error that says what to do.
struct ProfileMfa {
    profile: String,
    serial: String,
    source: Option<Arc<dyn MfaTokenSource>>,
}

impl fmt::Debug for ProfileMfa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProfileMfa")
            .field("profile", &self.profile)
            .field("serial", &self.serial)
            .finish_non_exhaustive()
    }
}

impl MfaTokenSource for ProfileMfa {
    fn token(&self) -> MfaFuture {
        if let Some(s) = &self.source {
            return s.token();
        }
        let (profile, serial) = (self.profile.clone(), self.serial.clone());
        Box::pin(async move {
            tokio::task::spawn_blocking(move || prompt(&profile, &serial))
                .await
                .map_err(|e| -> BoxError { Box::new(e) })?
        })
    }
}

fn prompt(profile: &str, serial: &str) -> Result<String, BoxError> {
    crate::assume_role::ask_on_terminal(&format!("Enter MFA code for {serial}: ")).unwrap_or_else(
        || {
            Err(format!(
                "profile `{profile}` needs an MFA code for {serial}, and there is no terminal to ask on: \
                 give the manager a source (`.mfa_token(MfaToken::fixed(code))` or your own MfaTokenSource), \
                 or run from a terminal to be asked"
            )
            .into())
        },
    )
}
