//! The validated caller and the role: `validate_credentials` (cached
//! until the credentials change), `assume_role`, and the region failover
//! that a transport failure of GetCallerIdentity triggers.

use super::{AwsClientManager, CachedIdentity};
use crate::error::CredsError;
use crate::identity::CallerIdentity;
use std::sync::atomic::Ordering;
use std::time::SystemTime;
use strands_errors::{DeploymentError, ErrorContext, TransportFailure, error_handler};

impl AwsClientManager {
    /// STS GetCallerIdentity, cached until the credentials change (an
    /// assume_role, clear_cache, a failover, or the credentials' expiry).
    pub async fn validate_credentials(&self) -> Result<CallerIdentity, DeploymentError> {
        let mut cache = self.inner.identity.lock().await;
        let (idx, _) = self.current();
        if let Some(c) = cache.as_ref() {
            let now = self.inner.regions[idx]
                .config
                .time_source()
                .map_or_else(SystemTime::now, |t| t.now());
            let live = c.expires.is_none_or(|e| now < e);
            if c.region == idx && c.epoch == self.inner.epoch.load(Ordering::Acquire) && live {
                return Ok(c.identity.clone());
            }
        }
        let epoch = self.inner.epoch.load(Ordering::Acquire);
        let (identity, idx) = self.get_caller_identity().await?;
        let state = &self.inner.regions[idx];
        // The expiry of the credentials the call just used: read from the
        // cache that served them, never a second fetch.
        let expires = match (&state.role, &state.cache) {
            (Some(r), _) => r.session().await.map(|(_, e)| e),
            (None, Some(c)) => c.expiry().await,
            (None, None) => None,
        };
        *cache = Some(CachedIdentity {
            identity: identity.clone(),
            region: idx,
            epoch,
            expires,
        });
        Ok(identity)
    }

    /// GetCallerIdentity in the current region, failing over on dispatch
    /// failures and timeouts (never on an answer, even a 4xx).
    async fn get_caller_identity(&self) -> Result<(CallerIdentity, usize), DeploymentError> {
        loop {
            let (idx, state) = self.current();
            let sts = self.get_client::<aws_sdk_sts::Client>();
            let ctx = ErrorContext::new()
                .operation("validate_credentials")
                .aws_service("sts")
                .aws_operation("GetCallerIdentity")
                .additional_info("region", &state.name);
            match sts.get_caller_identity().send().await {
                Ok(out) => {
                    let id = CallerIdentity {
                        account_id: out.account().unwrap_or_default().to_owned(),
                        user_arn: out.arn().unwrap_or_default().to_owned(),
                        user_id: out.user_id().unwrap_or_default().to_owned(),
                    };
                    return Ok((id, idx));
                }
                Err(e) => {
                    // strands-errors' one reading of a transport failure.
                    let unreachable = match &e {
                        aws_sdk_sts::error::SdkError::TimeoutError(_) => true,
                        aws_sdk_sts::error::SdkError::DispatchFailure(d) => d
                            .as_connector_error()
                            .is_some_and(|c| TransportFailure::of(c).is_unreachable()),
                        _ => false,
                    };
                    let err = error_handler().handle_exception(e, ctx);
                    if unreachable && self.fail_over(idx, &err) {
                        continue;
                    }
                    return Err(err);
                }
            }
        }
    }

    /// Move from region `from` to the next one, if there is one and nobody
    /// moved already. Says so in a tracing event.
    fn fail_over(&self, from: usize, why: &DeploymentError) -> bool {
        let to = from + 1;
        if to >= self.inner.regions.len() {
            return false;
        }
        if self
            .inner
            .current
            .compare_exchange(from, to, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            self.clients().clear();
            tracing::warn!(
                from = %self.inner.regions[from].name,
                to = %self.inner.regions[to].name,
                reason = %why,
                "region unreachable; failing over"
            );
        }
        true
    }

    /// STS AssumeRole now, with the configured role; every client from the
    /// manager acts as the role from here on (they already use its provider;
    /// this starts a fresh session). Asks the MFA source for a code if the
    /// role needs one.
    pub async fn assume_role(&self) -> Result<CallerIdentity, DeploymentError> {
        let (idx, state) = self.current();
        let Some(role) = &state.role else {
            return Err(CredsError::NoRoleConfigured.into());
        };
        let mut cache = self.inner.identity.lock().await;
        let identity = role.refresh_now().await?;
        let expires = role.session().await.map(|(_, e)| e);
        *cache = Some(CachedIdentity {
            identity: identity.clone(),
            region: idx,
            epoch: self.inner.epoch.load(Ordering::Acquire),
            expires,
        });
        Ok(identity)
    }
}
