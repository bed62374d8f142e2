//! One credential fetch per credentials lifetime, per manager.
//!
//! The manager's clients and `validate_credentials` (which needs the
//! expiry) read credentials through this one provider; it is the cache, so
//! the SDK's identity cache is switched off behind it. It used to be two
//! caches and a bypass: `validate_credentials` asked the raw provider again
//! for the expiry, which ran a `credential_process` twice per start, called
//! AssumeRole twice for a role profile and four times for a two-hop chain.
//!
//! Single flight, as in the role provider: fresh credentials are served
//! under a read lock; a stale read takes the fetch mutex, checks again, and
//! only then asks the inner provider. Credentials are refreshed
//! [`REFRESH_AHEAD`] before they expire; credentials without an expiry
//! (static keys) are fetched once. A fetch is bounded by
//! [`FETCH_TIMEOUT`]: a hung `credential_process` becomes an error that
//! names the source, not a wait forever.

use crate::error::CredsError;
use aws_credential_types::Credentials;
use aws_credential_types::provider::{
    self, ProvideCredentials, SharedCredentialsProvider, error::CredentialsError,
};
use aws_types::sdk_config::SharedTimeSource;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};
use strands_errors::DeploymentError;
use tokio::sync::{Mutex, RwLock};

/// How long before expiry credentials are fetched again (the AWS SDKs'
/// identity caches use a few minutes of buffer too).
pub(crate) const REFRESH_AHEAD: Duration = Duration::from_secs(5 * 60);

/// How long after a failed refresh, while the credentials held are still
/// valid, the next one is tried (aws-config's login provider waits 30 s
/// between refreshes too).
pub(crate) const RETRY_REFRESH_AFTER: Duration = Duration::from_secs(30);

/// The longest one fetch may take by default (a `credential_process`,
/// SSO, the container endpoint, instance metadata): 30 s, far above a
/// healthy source's milliseconds. `credentials_timeout(..)` changes it.
pub(crate) const FETCH_TIMEOUT: Duration = Duration::from_secs(30);

/// The named profile a cache reads, for its errors: its name, and what it
/// lacks when that is known before any fetch.
#[derive(Debug, Clone)]
pub(crate) struct ProfileNote {
    pub(crate) name: String,
    pub(crate) missing: Option<String>,
}

struct Inner {
    source: SharedCredentialsProvider,
    /// "profile `dev`", "the default chain": named in every error.
    describe: String,
    profile: Option<ProfileNote>,
    timeout: Duration,
    current: RwLock<Option<Credentials>>,
    /// The single flight; it holds when the next refresh may be tried
    /// after one failed while the credentials held were still valid.
    fetch: Mutex<Option<SystemTime>>,
    fetches: AtomicU64,
    /// The manager's clock (the SDK's time source).
    time: SharedTimeSource,
}

/// Credentials from `source`, fetched once per lifetime.
#[derive(Clone)]
pub(crate) struct CredentialsCache {
    inner: Arc<Inner>,
}

impl fmt::Debug for CredentialsCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialsCache")
            .field("source", &self.inner.describe)
            .field("fetches", &self.fetches())
            .finish_non_exhaustive()
    }
}

impl CredentialsCache {
    pub(crate) fn new(
        source: SharedCredentialsProvider,
        describe: impl Into<String>,
        profile: Option<ProfileNote>,
        timeout: Duration,
        time: SharedTimeSource,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                source,
                describe: describe.into(),
                profile,
                timeout,
                current: RwLock::new(None),
                fetch: Mutex::new(None),
                fetches: AtomicU64::new(0),
                time,
            }),
        }
    }

    /// Fetches made so far.
    pub(crate) fn fetches(&self) -> u64 {
        self.inner.fetches.load(Ordering::Relaxed)
    }

    /// The expiry of the credentials held now, without fetching.
    pub(crate) async fn expiry(&self) -> Option<SystemTime> {
        self.inner
            .current
            .read()
            .await
            .as_ref()
            .and_then(Credentials::expiry)
    }

    async fn fresh(&self) -> Option<Credentials> {
        let now = self.inner.time.now();
        let c = self.inner.current.read().await;
        let c = c.as_ref()?;
        let fresh = c
            .expiry()
            .is_none_or(|e| e.checked_sub(REFRESH_AHEAD).is_some_and(|at| now < at));
        fresh.then(|| c.clone())
    }

    /// The credentials held, if they have not expired at `now`.
    async fn still_valid(&self, now: SystemTime) -> Option<Credentials> {
        let c = self.inner.current.read().await;
        let c = c.as_ref()?;
        c.expiry().is_none_or(|e| now < e).then(|| c.clone())
    }

    /// Credentials, fetched in a single flight when due. A refresh that
    /// fails while the credentials held are still valid keeps them (as
    /// botocore does) and is tried again [`RETRY_REFRESH_AFTER`] later, not
    /// on every request; once they expire, the failure is the answer.
    pub(crate) async fn credentials(&self) -> Result<Credentials, CredentialsError> {
        if let Some(c) = self.fresh().await {
            return Ok(c);
        }
        let mut flight = self.inner.fetch.lock().await;
        if let Some(c) = self.fresh().await {
            return Ok(c);
        }
        let now = self.inner.time.now();
        if flight.is_some_and(|not_before| now < not_before)
            && let Some(c) = self.still_valid(now).await
        {
            return Ok(c);
        }
        self.inner.fetches.fetch_add(1, Ordering::Relaxed);
        let timeout = self.inner.timeout;
        let fetched = tokio::time::timeout(timeout, self.inner.source.provide_credentials()).await;
        if !matches!(fetched, Ok(Ok(_)))
            && let Some(c) = self.still_valid(now).await
        {
            tracing::warn!(
                source = %self.inner.describe,
                retry_in = ?RETRY_REFRESH_AFTER,
                "refreshing credentials failed; the current ones are still valid and stay in use"
            );
            *flight = Some(now + RETRY_REFRESH_AFTER);
            return Ok(c);
        }
        *flight = None;
        let c = match fetched {
            Ok(Ok(c)) => c,
            // Under a named profile, the error names it (the SDK's says
            // which providers of the default chain were tried).
            Ok(Err(e)) => match &self.inner.profile {
                // The default chain: a container endpoint that answered
                // without credentials is named (the chain's own error
                // says only "an error occurred while loading credentials").
                None => {
                    let cause = chain_text(&e);
                    let named = if container_failed(&cause) {
                        CredsError::ContainerCredentials { cause }
                    } else if let Some(imds) = imds_silent(&cause) {
                        CredsError::InstanceMetadataUnavailable { cause: imds }
                    } else {
                        return Err(e);
                    };
                    return Err(e.or_named(named.into()));
                }
                Some(p) => {
                    let cause = chain_text(&e);
                    let named = if sso_not_logged_in(&cause) {
                        CredsError::SsoLoginRequired {
                            profile: p.name.clone(),
                            cause,
                        }
                    } else if login_session_gone(&cause) {
                        CredsError::LoginRequired {
                            profile: p.name.clone(),
                            cause,
                        }
                    } else {
                        CredsError::ProfileCredentials {
                            profile: p.name.clone(),
                            cause,
                            missing: p.missing.clone(),
                        }
                    };
                    return Err(e.or_named(named.into()));
                }
            },
            Err(_) => {
                return Err(CredentialsError::provider_timed_out(timeout).or_named(
                    CredsError::CredentialsTimeout {
                        source_name: self.inner.describe.clone(),
                        timeout,
                    }
                    .into(),
                ));
            }
        };
        *self.inner.current.write().await = Some(c.clone());
        Ok(c)
    }
}

/// Whether aws-config's SSO provider failed for want of a logged-in
/// session: no cached token (`failed to load the cached SSO token`, the
/// cache file missing) or an expired one it could not refresh. Read from
/// its words: aws-config exposes no error kind for it.
fn sso_not_logged_in(cause: &str) -> bool {
    let c = cause.to_ascii_lowercase();
    c.contains("cached sso token")
        || (c.contains("sso") && (c.contains("expired") || c.contains("sso/cache")))
}

/// Whether aws-config's login provider failed for want of a live `aws
/// login` session: its cached token missing, expired, or not refreshed
/// (`cached Login token is expired`, `failed to refresh cached Login
/// token`, a missing file under `login/cache`). Read from its words, as
/// for SSO.
fn login_session_gone(cause: &str) -> bool {
    let c = cause.to_ascii_lowercase();
    c.contains("login token") || c.contains("login/cache")
}

/// Whether aws-config's container provider (ECS, EKS Pod Identity) got an
/// answer that was not credentials: a status (`Non-success status from
/// HTTP credential provider`) or a body it could not read.
fn container_failed(cause: &str) -> bool {
    if std::env::var_os("AWS_CONTAINER_CREDENTIALS_FULL_URI").is_some()
        || std::env::var_os("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI").is_some()
    {
        let c = cause.to_ascii_lowercase();
        [
            "http credential provider",
            "ecs provider",
            "in response but it was missing",
            "invalid json",
        ]
        .iter()
        .any(|w| c.contains(w))
    } else {
        false
    }
}

/// Whether the default chain ended at instance metadata that did not
/// answer (aws-config: `Ec2InstanceMetadata: … could not communicate with
/// IMDS: … timed out`); its own words, if so.
fn imds_silent(cause: &str) -> Option<String> {
    let line = cause.lines().find(|l| {
        l.to_ascii_lowercase()
            .contains("could not communicate with imds")
    })?;
    Some(
        line.split_once("could not communicate with IMDS")
            .map_or(line, |(_, rest)| rest)
            .trim_start_matches(':')
            .trim()
            .to_owned(),
    )
}

/// The Display of an error and its sources, each said once.
fn chain_text(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur = Some(e);
    while let Some(err) = cur {
        let t = err.to_string();
        let t = t.trim();
        if !t.is_empty() && !parts.iter().any(|p| p.contains(t)) {
            parts.retain(|p| !t.contains(p.as_str()));
            parts.push(t.to_owned());
        }
        cur = err.source();
    }
    parts.join(": ")
}

/// Carry a strands diagnostic through the SDK's credentials error (the
/// handler finds it in the chain and keeps its words).
trait OrNamed {
    fn or_named(self, named: DeploymentError) -> CredentialsError;
}

impl OrNamed for CredentialsError {
    fn or_named(self, named: DeploymentError) -> CredentialsError {
        CredentialsError::provider_error(named.with_cause(self))
    }
}

impl ProvideCredentials for CredentialsCache {
    fn provide_credentials<'a>(&'a self) -> provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        provider::future::ProvideCredentials::new(self.credentials())
    }
}
