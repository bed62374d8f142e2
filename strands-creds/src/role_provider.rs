//! Role assumption with MFA and single-flight refresh.
//!
//! aws-config's `AssumeRoleProvider` cannot send an MFA serial and code, so
//! this provider calls STS AssumeRole itself. Clients built by the manager
//! use it as their credentials provider with the SDK's identity cache off:
//! this provider is the cache, so "refresh ahead of expiry" means exactly
//! what [`AssumeRoleConfig::refresh_ahead`] says.
//!
//! Single flight: a read lock serves fresh credentials; a stale read takes
//! the refresh mutex, checks again (another task may have refreshed while
//! it waited), and only then calls STS. However many tasks arrive at once,
//! one STS call is made per refresh.

use crate::assume_role::AssumeRoleConfig;
use crate::credentials_cache::RETRY_REFRESH_AFTER;
use crate::error::CredsError;
use crate::identity::CallerIdentity;
use aws_credential_types::Credentials;
use aws_credential_types::provider::{self, ProvideCredentials, error::CredentialsError};
use aws_types::sdk_config::SharedTimeSource;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;
use strands_errors::{DeploymentError, ErrorContext, error_handler};
use tokio::sync::{Mutex, RwLock};

#[derive(Clone)]
struct Session {
    credentials: Credentials,
    expires: SystemTime,
    identity: CallerIdentity,
}

struct Inner {
    sts: aws_sdk_sts::Client,
    config: AssumeRoleConfig,
    current: RwLock<Option<Session>>,
    /// The single flight; it holds when the next renewal may be tried
    /// after one failed while the session was still valid.
    refresh: Mutex<Option<SystemTime>>,
    sts_calls: AtomicU64,
    /// The STS client's clock (the manager's time source).
    time: SharedTimeSource,
}

/// Credentials of an assumed role, renewed ahead of expiry.
#[derive(Clone)]
pub(crate) struct RoleProvider {
    inner: Arc<Inner>,
}

impl fmt::Debug for RoleProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RoleProvider")
            .field("config", &self.inner.config)
            .field("sts_calls", &self.inner.sts_calls.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl RoleProvider {
    /// `sts` is a client with the source credentials (the chain or profile).
    pub(crate) fn new(sts: aws_sdk_sts::Client, config: AssumeRoleConfig) -> Self {
        let time = sts.config().time_source().unwrap_or_default();
        Self {
            inner: Arc::new(Inner {
                sts,
                config,
                current: RwLock::new(None),
                refresh: Mutex::new(None),
                sts_calls: AtomicU64::new(0),
                time,
            }),
        }
    }

    /// The current session's identity and expiry, if there is one.
    pub(crate) async fn session(&self) -> Option<(CallerIdentity, SystemTime)> {
        let s = self.inner.current.read().await;
        s.as_ref().map(|s| (s.identity.clone(), s.expires))
    }

    async fn fresh(&self) -> Option<Credentials> {
        let now = self.inner.time.now();
        let s = self.inner.current.read().await;
        let s = s.as_ref()?;
        let renew_at = s
            .expires
            .checked_sub(self.inner.config.refresh_ahead)
            .unwrap_or(SystemTime::UNIX_EPOCH);
        (now < renew_at).then(|| s.credentials.clone())
    }

    /// The session's credentials, if it has not expired at `now`.
    async fn still_valid(&self, now: SystemTime) -> Option<Credentials> {
        let s = self.inner.current.read().await;
        let s = s.as_ref()?;
        (now < s.expires).then(|| s.credentials.clone())
    }

    /// Credentials, renewed in a single flight when due. A renewal that
    /// fails while the session is still valid keeps it (as botocore does)
    /// and is tried again [`RETRY_REFRESH_AFTER`] later; once the session
    /// has expired, the failure is the answer.
    pub(crate) async fn credentials(&self) -> Result<Credentials, DeploymentError> {
        if let Some(c) = self.fresh().await {
            return Ok(c);
        }
        let mut flight = self.inner.refresh.lock().await;
        if let Some(c) = self.fresh().await {
            return Ok(c);
        }
        let now = self.inner.time.now();
        if flight.is_some_and(|not_before| now < not_before)
            && let Some(c) = self.still_valid(now).await
        {
            return Ok(c);
        }
        match self.assume(true).await {
            Ok(s) => {
                *flight = None;
                Ok(s.credentials)
            }
            Err(e) => match self.still_valid(now).await {
                Some(c) => {
                    tracing::warn!(
                        role_arn = %self.inner.config.role_arn,
                        code = %e.code(),
                        retry_in = ?RETRY_REFRESH_AFTER,
                        "renewing the role session failed; the current one is still valid and stays in use"
                    );
                    *flight = Some(now + RETRY_REFRESH_AFTER);
                    Ok(c)
                }
                None => Err(e),
            },
        }
    }

    /// Assume the role now, whatever the current session's age.
    pub(crate) async fn refresh_now(&self) -> Result<CallerIdentity, DeploymentError> {
        let _flight = self.inner.refresh.lock().await;
        // A fresh session, as asked: the session cache is not read.
        Ok(self.assume(false).await?.identity)
    }

    /// A session from the AWS CLI's cache, if this role uses it and a
    /// current one is there (no STS call, no MFA prompt).
    async fn cached_session(&self) -> Option<Session> {
        let c = &self.inner.config;
        let dir = c.session_cache.as_ref()?;
        let cached = crate::session_cache::read(dir, &c.cache_key()).await?;
        // An entry that is no longer fresh for our own refresh window is
        // still used until then; the next refresh goes to STS.
        let identity = CallerIdentity {
            account_id: cached.arn.split(':').nth(4).unwrap_or_default().to_owned(),
            user_arn: cached.arn.clone(),
            user_id: cached.role_id.clone(),
        };
        tracing::info!(role_arn = %c.role_arn, "assumed-role session read from the session cache");
        let session = Session {
            credentials: cached.credentials,
            expires: cached.expires,
            identity,
        };
        *self.inner.current.write().await = Some(session.clone());
        Some(session)
    }

    /// A session: from the session cache when it holds a current one, else
    /// one STS AssumeRole call; the caller holds the refresh lock.
    async fn assume(&self, use_cache: bool) -> Result<Session, DeploymentError> {
        if use_cache
            && self.inner.current.read().await.is_none()
            && let Some(s) = self.cached_session().await
        {
            return Ok(s);
        }
        let c = &self.inner.config;
        let mut req = self
            .inner
            .sts
            .assume_role()
            .role_arn(&c.role_arn)
            .role_session_name(&c.session_name)
            .duration_seconds(i32::try_from(c.duration_seconds).unwrap_or(3600))
            .set_external_id(c.external_id.clone());
        if let Some(serial) = &c.mfa_serial {
            // One code per call, asked for once: an error ends this refresh.
            let code = match &c.mfa_token {
                None => Err(CredsError::MfaTokenUnavailable {
                    role_arn: c.role_arn.clone(),
                    cause: None,
                }),
                Some(src) => src
                    .token()
                    .await
                    .map_err(|e| CredsError::MfaTokenUnavailable {
                        role_arn: c.role_arn.clone(),
                        cause: Some(e),
                    }),
            }?;
            req = req.serial_number(serial).token_code(code);
        }
        self.inner.sts_calls.fetch_add(1, Ordering::Relaxed);
        let ctx = || {
            ErrorContext::new()
                .resource_id(&c.role_arn)
                .resource_type("AWS::IAM::Role")
                .operation("assume_role")
                .aws_service("sts")
                .aws_operation("AssumeRole")
        };
        let out = req
            .send()
            .await
            .map_err(|e| error_handler().handle_exception(e, ctx()))?;
        let (Some(creds), Some(user)) = (out.credentials(), out.assumed_role_user()) else {
            return Err(DeploymentError::from(CredsError::IncompleteStsAnswer).with_context(ctx()));
        };
        let expires =
            SystemTime::try_from(*creds.expiration()).unwrap_or_else(|_| self.inner.time.now());
        let credentials = Credentials::new(
            creds.access_key_id(),
            creds.secret_access_key(),
            Some(creds.session_token().to_owned()),
            Some(expires),
            "strands-assume-role",
        );
        let arn = user.arn().to_owned();
        let identity = CallerIdentity {
            account_id: arn.split(':').nth(4).unwrap_or_default().to_owned(),
            user_arn: arn,
            user_id: user.assumed_role_id().to_owned(),
        };
        let session = Session {
            credentials,
            expires,
            identity,
        };
        tracing::info!(
            role_arn = %c.role_arn,
            session = %c.session_name,
            "assumed role; session renews {:?} before expiry",
            c.refresh_ahead
        );
        if let Some(dir) = &c.session_cache {
            crate::session_cache::write(
                dir,
                &c.cache_key(),
                &session.credentials,
                session.expires,
                &session.identity.user_arn,
                &session.identity.user_id,
            )
            .await;
        }
        *self.inner.current.write().await = Some(session.clone());
        Ok(session)
    }
}

impl ProvideCredentials for RoleProvider {
    fn provide_credentials<'a>(&'a self) -> provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        provider::future::ProvideCredentials::new(async move {
            self.credentials()
                .await
                .map_err(CredentialsError::provider_error)
        })
    }
}
