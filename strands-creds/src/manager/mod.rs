//! `AwsClientManager`: the Python module's AWS client manager on aws-config.
//!
//! Resolution order (the Python module's): an assumed role if configured (sourced
//! from what follows); else the explicit profile; else the standard chain
//! (environment keys, the shared profile, web identity, the container
//! endpoint, instance metadata). aws-config's default chain would let
//! `AWS_ACCESS_KEY_ID` win over a named profile; a named profile here is the
//! profile provider alone, so the profile wins, as in boto3. Without a named
//! profile the default profile is read before the container and instance
//! roles (as every AWS SDK does), not after as the Python module's list reads: the
//! other order makes every laptop wait for an instance-metadata timeout.
//!
//! `build()` checks locally, before any request: the profile exists, the
//! region is known, the endpoint URL parses, the role config is valid.
//! `load()` in aws-config never fails and surfaces these only at the first
//! call, as a DNS error or a chain of "not loaded".
//!
//! `max_pool_connections`: the Rust HTTP stack (hyper through
//! aws-smithy-http-client) has no hard cap on concurrent connections like
//! botocore's; the value bounds the *idle* connections kept per host
//! (`pool_max_idle_per_host`). To bound concurrency itself, bound the
//! callers (a semaphore or a `buffer_unordered(n)`).
//!
//! The jobs, one module each: `builder.rs` (configuration and the chain:
//! what aws-config is asked for, per region), `local_checks.rs` (what is
//! refused before any request), `client_cache.rs` (one client per type and
//! region), `identity_cache.rs` (the validated caller, the role, and the
//! failover that moves every client to the next region). This file holds
//! the manager's state and its plain accessors.

mod builder;
mod client_cache;
mod identity_cache;
mod local_checks;

pub use builder::{
    AwsClientManagerBuilder, DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_MAX_POOL_CONNECTIONS,
    DEFAULT_OPERATION_TIMEOUT,
};

use crate::client::ClientLayer;
use crate::credentials_cache::CredentialsCache;
use crate::identity::CallerIdentity;
use crate::role_provider::RoleProvider;
use aws_credential_types::provider::ProvideCredentials as _;
use aws_types::SdkConfig;
use client_cache::ClientMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;
use strands_errors::{DeploymentError, ErrorContext, error_handler};
use strands_retry::CircuitBreaker;

struct RegionState {
    name: String,
    config: SdkConfig,
    role: Option<RoleProvider>,
    /// The source credentials, fetched once per lifetime.
    cache: Option<CredentialsCache>,
}

struct CachedIdentity {
    identity: CallerIdentity,
    region: usize,
    epoch: u64,
    expires: Option<SystemTime>,
}

struct Inner {
    regions: Vec<RegionState>,
    /// `strands.credentials.fetches`, kept alive while the manager is.
    _credential_metrics: Option<Arc<dyn fmt::Debug + Send + Sync>>,
    current: AtomicUsize,
    layer: Option<ClientLayer>,
    profile: Option<String>,
    /// Where a profile's credentials come from, in words (the default
    /// chain's is read from its credentials).
    source_words: Option<String>,
    clients: Mutex<ClientMap>,
    identity: tokio::sync::Mutex<Option<CachedIdentity>>,
    epoch: AtomicU64,
}

/// Credentials, roles and cached clients for one deployment. Cheap to
/// clone (an `Arc`); clones share the caches.
#[derive(Clone)]
pub struct AwsClientManager {
    inner: Arc<Inner>,
}

impl fmt::Debug for AwsClientManager {
    /// Names and regions only: credentials never appear.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let regions: Vec<&str> = self.inner.regions.iter().map(|r| r.name.as_str()).collect();
        f.debug_struct("AwsClientManager")
            .field("profile", &self.inner.profile)
            .field("regions", &regions)
            .field("current_region", &self.region())
            .field("assume_role", &self.inner.regions[0].role)
            .field("retry_layer", &self.inner.layer.is_some())
            .finish_non_exhaustive()
    }
}

impl AwsClientManager {
    /// Start configuring a manager.
    pub fn builder() -> AwsClientManagerBuilder {
        AwsClientManagerBuilder::default()
    }

    fn current(&self) -> (usize, &RegionState) {
        let i = self
            .inner
            .current
            .load(Ordering::Acquire)
            .min(self.inner.regions.len() - 1);
        (i, &self.inner.regions[i])
    }

    /// The region the clients use now (changes on failover).
    pub fn region(&self) -> &str {
        &self.current().1.name
    }

    /// The SDK config of the current region (credentials, region, endpoint,
    /// retry config).
    pub fn sdk_config(&self) -> &SdkConfig {
        &self.current().1.config
    }

    /// Whether the manager was built with a role to assume.
    pub fn has_role(&self) -> bool {
        self.current().1.role.is_some()
    }

    /// The breaker in front of `service`'s clients (the SDK's service
    /// name, any case: `lambda`, `s3`, `sts`, `cloudwatchlogs`) in `region`: the one shared breaker,
    /// or that service and region's own
    /// ([`circuit_breaker_per_service`](AwsClientManagerBuilder::circuit_breaker_per_service)).
    /// `None` without a breaker.
    pub fn circuit_breaker(&self, service: &str, region: &str) -> Option<CircuitBreaker> {
        let layer = self.inner.layer.as_ref()?;
        Some(layer.0.breakers()?.of(service, region))
    }

    /// Where the credentials come from, in words a person recognises:
    /// "ECS task role", "EKS Pod Identity", "EC2 instance role
    /// InstanceRole", "SSO session corp → account 1111…, role Deploy",
    /// "role Deploy, from ECS task credentials", "`aws login` session".
    /// Read from the profile before any request, or (the default chain)
    /// from the credentials it gave; `caller_arn` names an instance or
    /// web identity role.
    pub(crate) async fn credential_source(&self, caller_arn: &str) -> String {
        if let Some(w) = &self.inner.source_words {
            return w.clone();
        }
        let state = self.current().1;
        let Some(cache) = &state.cache else {
            return "the given credentials provider".to_owned();
        };
        match cache.credentials().await {
            Ok(c) => {
                let features = c
                    .get_property::<Vec<aws_credential_types::credential_feature::AwsCredentialFeature>>()
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                crate::sources::words::chain(features, caller_arn)
            }
            Err(_) => "the default credential chain".to_owned(),
        }
    }

    /// Current credentials of the clients (the role's if one is assumed).
    /// Their `Debug` redacts the secret.
    pub async fn credentials(&self) -> Result<aws_credential_types::Credentials, DeploymentError> {
        let state = self.current().1;
        if let Some(r) = &state.role {
            return r.credentials().await;
        }
        let Some(p) = state.config.credentials_provider() else {
            return Err(crate::error::CredsError::NoCredentialsProvider.into());
        };
        p.provide_credentials().await.map_err(|e| {
            let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(e);
            error_handler()
                .handle_exception(boxed, ErrorContext::new().operation("resolve_credentials"))
        })
    }
}
