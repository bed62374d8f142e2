//! `AwsClientManager`: the seed's AWS client manager on aws-config.
//!
//! Resolution order (the seed's): an assumed role if configured (sourced
//! from what follows); else the explicit profile; else the standard chain
//! (environment keys, the shared profile, web identity, the container
//! endpoint, instance metadata). aws-config's default chain would let
//! `AWS_ACCESS_KEY_ID` win over a named profile; a named profile here is the
//! profile provider alone, so the profile wins, as in boto3. Without a named
//! profile the default profile is read before the container and instance
//! roles (as every AWS SDK does), not after as the seed's list reads: the
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

use crate::assume_role::AssumeRoleConfig;
use crate::assume_role::MfaTokenSource;
use crate::client::{ClientLayer, ManagedClient};
use crate::credentials_cache::{CredentialsCache, FETCH_TIMEOUT, ProfileNote};
use crate::error::CredsError;
use crate::identity::CallerIdentity;
use crate::profile_role::{self, RolePlan};
use crate::region::check_region;
use crate::retry_layer::RetryLayer;
use crate::role_provider::RoleProvider;
use crate::session_cache::SessionCache;
use aws_config::profile::ProfileFileCredentialsProvider;
use aws_config::provider_config::ProviderConfig;
use aws_config::{BehaviorVersion, Region};
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use aws_smithy_runtime::client::identity::IdentityCache;
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;
use aws_types::SdkConfig;
use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use strands_errors::{DeploymentError, ErrorContext, TransportFailure, error_handler};
use strands_retry::{CircuitBreaker, RetryStrategy};

/// The default bound of one attempt of any call: 60 s (a Lambda code
/// upload of tens of MB over a slow link fits; a silent endpoint does not
/// hold a caller longer). `attempt_timeout(..)` changes it.
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(60);
/// The default bound of a whole call, retries included: 5 minutes.
/// `operation_timeout(..)` changes it.
pub const DEFAULT_OPERATION_TIMEOUT: Duration = Duration::from_secs(300);

/// Configuration of an [`AwsClientManager`]; `build().await` checks it.
#[derive(Default)]
#[must_use]
pub struct AwsClientManagerBuilder {
    profile: Option<String>,
    region: Option<String>,
    endpoint_url: Option<String>,
    region_endpoints: Vec<(String, String)>,
    assume_role: Option<AssumeRoleConfig>,
    max_pool_connections: Option<usize>,
    retry_strategy: Option<RetryStrategy>,
    breaker: Option<CircuitBreaker>,
    sdk_retries_disabled: bool,
    failover_regions: Vec<String>,
    credentials_provider: Option<SharedCredentialsProvider>,
    attempt_timeout: Option<Duration>,
    operation_timeout: Option<Duration>,
    mfa_token: Option<Arc<dyn MfaTokenSource>>,
    credentials_timeout: Option<Duration>,
    session_cache: SessionCache,
    /// The role chain of the selected profile, when strands assumes it.
    profile_role: Option<RolePlan>,
    /// What the explicit profile lacks, found at build.
    profile_note: Option<ProfileNote>,
}

impl fmt::Debug for AwsClientManagerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwsClientManagerBuilder")
            .field("profile", &self.profile)
            .field("region", &self.region)
            .field(
                "endpoint_url",
                &self.endpoint_url.as_deref().map(without_password),
            )
            .field("assume_role", &self.assume_role)
            .field("failover_regions", &self.failover_regions)
            .field(
                "credentials_provider",
                &self.credentials_provider.as_ref().map(|_| "<provider>"),
            )
            .finish_non_exhaustive()
    }
}

/// The default `max_pool_connections` (the seed's).
pub const DEFAULT_MAX_POOL_CONNECTIONS: usize = 50;

impl AwsClientManagerBuilder {
    /// A named profile; it wins over environment keys.
    pub fn profile(mut self, name: impl Into<String>) -> Self {
        self.profile = Some(name.into());
        self
    }
    /// The longest one credentials fetch may take (a `credential_process`,
    /// SSO, instance metadata); 30 s by default. A source that takes
    /// longer fails with an error that names it.
    pub fn credentials_timeout(mut self, d: Duration) -> Self {
        self.credentials_timeout = Some(d);
        self
    }
    /// Where assumed-role sessions are shared on disk: by default the AWS
    /// CLI's cache (`~/.aws/cli/cache`) for role profiles, so a session
    /// the CLI started after its MFA prompt is reused here, and the
    /// reverse. `SessionCache::dir(..)` moves it, `.for_every_role()`
    /// adds roles given in code, `SessionCache::off()` turns it off.
    pub fn session_cache(mut self, cache: SessionCache) -> Self {
        self.session_cache = cache;
        self
    }
    /// Where MFA codes for role profiles with `mfa_serial` come from.
    /// Without it, strands asks on the terminal (`Enter MFA code for
    /// arn:…:`), as the AWS CLI does; with no terminal, the role's
    /// credentials fail with an error that names the profile and serial.
    pub fn mfa_token(mut self, source: impl MfaTokenSource + 'static) -> Self {
        self.mfa_token = Some(Arc::new(source));
        self
    }
    /// The primary region (else `AWS_REGION` or the profile's).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }
    /// One endpoint for every service (an emulator, a proxy).
    /// `AWS_ENDPOINT_URL` works too.
    pub fn endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.endpoint_url = Some(url.into());
        self
    }
    /// An endpoint for one region only (a regional VPC endpoint); wins over
    /// [`endpoint_url`](Self::endpoint_url) in that region.
    pub fn endpoint_url_for(mut self, region: impl Into<String>, url: impl Into<String>) -> Self {
        self.region_endpoints.push((region.into(), url.into()));
        self
    }
    /// Assume this role; every client acts as it.
    pub fn assume_role(mut self, role: AssumeRoleConfig) -> Self {
        self.assume_role = Some(role);
        self
    }
    /// Idle connections kept per host (default 50). See the module doc for
    /// what the Rust HTTP stack can and cannot bound.
    pub fn max_pool_connections(mut self, n: usize) -> Self {
        self.max_pool_connections = Some(n);
        self
    }
    /// The strands policy becomes the clients' one retry layer.
    pub fn retry_strategy(mut self, strategy: RetryStrategy) -> Self {
        self.retry_strategy = Some(strategy);
        self
    }
    /// A breaker in front of every attempt of the manager's clients (needs
    /// [`retry_strategy`](Self::retry_strategy); an open breaker stops a
    /// request before it is sent).
    pub fn circuit_breaker(mut self, breaker: CircuitBreaker) -> Self {
        self.breaker = Some(breaker);
        self
    }
    /// One attempt per SDK call, for callers who retry themselves
    /// (`#[with_retry]`), so the two loops do not stack.
    pub fn disable_sdk_retries(mut self) -> Self {
        self.sdk_retries_disabled = true;
        self
    }
    /// Regions to move to, in order, when the current one is unreachable.
    pub fn failover_regions<I, S>(mut self, regions: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.failover_regions = regions.into_iter().map(Into::into).collect();
        self
    }
    /// Give up on one attempt after this long (a read that stalls, a body
    /// that trickles); [`DEFAULT_ATTEMPT_TIMEOUT`] (60 s) otherwise.
    /// `BehaviorVersion::latest()` alone bounds only the connect (3.1 s),
    /// so a stalled read would wait forever.
    pub fn attempt_timeout(mut self, d: Duration) -> Self {
        self.attempt_timeout = Some(d);
        self
    }
    /// Give up on a whole call (all attempts and backoff) after this long;
    /// [`DEFAULT_OPERATION_TIMEOUT`] (5 minutes) otherwise.
    pub fn operation_timeout(mut self, d: Duration) -> Self {
        self.operation_timeout = Some(d);
        self
    }
    /// Explicit source credentials (they replace the profile and the chain;
    /// an assumed role is still sourced from them).
    pub fn credentials_provider(mut self, p: impl ProvideCredentials + 'static) -> Self {
        self.credentials_provider = Some(SharedCredentialsProvider::new(p));
        self
    }

    /// Check everything that can be checked locally, then load the config.
    /// No request is sent.
    pub async fn build(mut self) -> Result<AwsClientManager, DeploymentError> {
        if let Some(role) = &self.assume_role {
            role.validate()?;
        }
        for url in self
            .endpoint_url
            .iter()
            .chain(self.region_endpoints.iter().map(|(_, u)| u))
        {
            check_endpoint_url(url)?;
        }
        let env_profile = std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty());
        if let Some(p) = self.profile.clone().or(env_profile.clone()) {
            let set = check_profile(&p).await?;
            // strands assumes a role profile itself when the profile is
            // what the credentials come from: named in code, or by
            // AWS_PROFILE with no keys in the environment to win over it.
            let chosen = self.profile.is_some() || std::env::var_os("AWS_ACCESS_KEY_ID").is_none();
            if chosen && self.credentials_provider.is_none() {
                self.profile_role = profile_role::plan(&set, &p)?;
            }
            if self.profile.is_some() {
                self.profile_note = Some(ProfileNote {
                    missing: profile_role::missing_credentials(&set, &p),
                    name: p.clone(),
                });
            }
        }
        for r in self.region.iter().chain(&self.failover_regions) {
            check_region(r)?;
        }
        let http = http_client(
            self.max_pool_connections
                .unwrap_or(DEFAULT_MAX_POOL_CONNECTIONS),
        );
        let layer = self
            .retry_strategy
            .clone()
            .map(|s| ClientLayer(RetryLayer::new(s, self.breaker.clone())));
        if let Some(ClientLayer(l)) = &layer {
            let knobs = l.unmapped();
            if !knobs.is_empty() {
                tracing::warn!(
                    knobs = %knobs.join("; "),
                    "{} strands retry knob(s) have no AWS SDK equivalent; the SDK's behaviour applies to them",
                    knobs.len()
                );
            }
        } else if self.breaker.is_some() {
            tracing::warn!("circuit_breaker without retry_strategy is ignored");
        }

        // The primary region: given, or what aws-config finds (env, profile).
        let primary = match &self.region {
            Some(r) => r.clone(),
            None => {
                let conf = self.loader(&http, None, None).load().await;
                let Some(r) = conf.region() else {
                    return Err(DeploymentError::configuration("No AWS region configured")
                        .with_code("invalid_region")
                        .with_suggestions([
                            "Set one: .region(\"us-east-1\"), AWS_REGION=us-east-1, or `region = us-east-1` in the profile",
                        ]));
                };
                check_region(r.as_ref())?;
                r.to_string()
            }
        };
        let mut regions = Vec::new();
        for name in std::iter::once(primary).chain(self.failover_regions.iter().cloned()) {
            regions.push(self.region_state(&http, &name, layer.as_ref()).await);
        }
        Ok(AwsClientManager {
            inner: Arc::new(Inner {
                regions,
                current: AtomicUsize::new(0),
                layer,
                profile: self.profile,
                clients: Mutex::new(ClientMap::default()),
                identity: tokio::sync::Mutex::new(None),
                epoch: AtomicU64::new(0),
            }),
        })
    }

    fn loader(
        &self,
        http: &SharedHttpClient,
        region: Option<&str>,
        retry: Option<RetryConfig>,
    ) -> aws_config::ConfigLoader {
        let mut l = aws_config::defaults(BehaviorVersion::latest()).http_client(http.clone());
        if let Some(r) = region {
            l = l.region(Region::new(r.to_owned()));
        }
        if let Some(p) = &self.profile {
            l = l.profile_name(p);
        } else if std::env::var("AWS_PROFILE").is_ok_and(|p| p.is_empty()) {
            // Set but empty: unset, as the check above reads it (aws-config
            // would look for a profile named "").
            l = l.profile_name("default");
        }
        let endpoint = region
            .and_then(|r| self.region_endpoints.iter().find(|(rr, _)| rr == r))
            .map(|(_, u)| u)
            .or(self.endpoint_url.as_ref());
        if let Some(u) = endpoint {
            l = l.endpoint_url(u);
        }
        if let Some(rc) = retry {
            l = l.retry_config(rc);
        }
        if let Some(p) = &self.credentials_provider {
            l = l.credentials_provider(p.clone());
        }
        // Every call is bounded, given timeouts or not: a deployment tool
        // must never hang on an endpoint that accepts and never answers.
        l = l.timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_millis(3100))
                .operation_attempt_timeout(self.attempt_timeout.unwrap_or(DEFAULT_ATTEMPT_TIMEOUT))
                .operation_timeout(self.operation_timeout.unwrap_or(DEFAULT_OPERATION_TIMEOUT))
                .build(),
        );
        l
    }

    async fn region_state(
        &self,
        http: &SharedHttpClient,
        region: &str,
        layer: Option<&ClientLayer>,
    ) -> RegionState {
        let retry = if self.sdk_retries_disabled {
            Some(RetryConfig::disabled())
        } else {
            layer.map(|l| l.0.retry_config())
        };
        let mut loader = self.loader(http, Some(region), retry);
        if let (Some(p), None) = (&self.profile, &self.credentials_provider) {
            // The named profile alone: env keys must not win over it.
            let pc = ProviderConfig::without_region()
                .with_region(Some(Region::new(region.to_owned())))
                .with_http_client(http.clone());
            let provider = ProfileFileCredentialsProvider::builder()
                .profile_name(p)
                .configure(&pc)
                .build();
            loader = loader.credentials_provider(provider);
        }
        let base = loader.load().await;
        // A role profile: strands assumes each hop (MFA, duration, the
        // manager's endpoint), aws-config's role provider is not used.
        let base = match &self.profile_role {
            None => base,
            Some(plan) => {
                let provider = plan.provider(
                    &base,
                    layer,
                    self.mfa_token.clone(),
                    self.session_cache.for_profiles(),
                );
                base.to_builder().credentials_provider(provider).build()
            }
        };
        // One fetch per credentials lifetime: this cache is the clients'
        // provider and where validate_credentials reads the expiry.
        let describe = match &self.profile {
            Some(p) => format!("profile `{p}`"),
            None if self.credentials_provider.is_some() => "the given credentials provider".into(),
            None => "the default credential chain".into(),
        };
        let cache = base.credentials_provider().map(|p| {
            CredentialsCache::new(
                p,
                describe,
                self.profile_note.clone(),
                self.credentials_timeout.unwrap_or(FETCH_TIMEOUT),
            )
        });
        let base = match &cache {
            None => base,
            Some(c) => base
                .to_builder()
                .credentials_provider(SharedCredentialsProvider::new(c.clone()))
                .identity_cache(IdentityCache::no_cache())
                .build(),
        };
        let role = self.assume_role.clone().map(|mut cfg| {
            if cfg.session_cache.is_none() {
                cfg.session_cache = self.session_cache.for_code_roles();
            }
            let sts = <aws_sdk_sts::Client as ManagedClient>::build(&base, layer);
            RoleProvider::new(sts, cfg)
        });
        let config = match &role {
            None => base,
            Some(r) => base
                .to_builder()
                .credentials_provider(SharedCredentialsProvider::new(r.clone()))
                // The role provider is the cache (it renews ahead of expiry).
                .identity_cache(IdentityCache::no_cache())
                .build(),
        };
        RegionState {
            name: region.to_owned(),
            config,
            role,
            cache,
        }
    }
}

fn http_client(max_idle: usize) -> SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .pool_max_idle_per_host(max_idle)
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

/// `http://admin:pw@host/` → `http://admin:***@host/`: a URL's password
/// never reaches a message or a Debug output.
pub(crate) fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        // No scheme: the authority is everything before the first '/'.
        return mask_userinfo(url);
    };
    format!("{scheme}://{}", mask_userinfo(rest))
}

fn mask_userinfo(rest: &str) -> String {
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or_default();
            let masked = if userinfo.contains(':') {
                format!("{user}:***")
            } else {
                user.to_owned()
            };
            format!("{masked}@{host}{tail}")
        }
        None => rest.to_owned(),
    }
}

fn check_endpoint_url(url: &str) -> Result<(), DeploymentError> {
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
async fn check_profile(name: &str) -> Result<aws_config::profile::ProfileSet, DeploymentError> {
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
            .map_err(|e| {
                DeploymentError::configuration(format!(
                    "The AWS config files could not be read: {e}"
                ))
                .with_code("unknown_profile")
                .with_suggestions([format!("Check the syntax of {}", files.join(" and "))])
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

/// The client cache: keyed by `TypeId`, which is already a hash, so the
/// map skips SipHash (half the cost of a cache hit otherwise).
type ClientMap = HashMap<TypeId, Box<dyn Any + Send + Sync>, BuildHasherDefault<TypeIdHasher>>;

#[derive(Default)]
struct TypeIdHasher(u64);

impl Hasher for TypeIdHasher {
    fn write(&mut self, bytes: &[u8]) {
        // Not reached for TypeId (it writes a u64); kept correct anyway.
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 ^= n;
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

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
    current: AtomicUsize,
    layer: Option<ClientLayer>,
    profile: Option<String>,
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

    /// A client, built once per region and cached; clones are cheap.
    pub fn get_client<T: ManagedClient>(&self) -> T {
        let (_, state) = self.current();
        self.cached(|| T::build(&state.config, self.inner.layer.as_ref()))
    }

    /// Any SDK client from the manager's config (`client_with(aws_sdk_s3::Client::new)`),
    /// cached by type.
    ///
    /// The client gets what an `SdkConfig` can carry: region, credentials,
    /// endpoint, timeouts and the strategy's retry config (attempts,
    /// backoff, retry behavior). It cannot carry the strands classifier,
    /// the stats and breaker interceptor or the manager's retry partition:
    /// those sit on each service's own config builder. With a
    /// `retry_strategy` set, this logs a warning naming the type once per
    /// build; [`get_client`](Self::get_client) with a strands client
    /// feature, or [`managed_client!`](crate::managed_client) for any other
    /// crate, gets the whole layer.
    pub fn client_with<T, F>(&self, make: F) -> T
    where
        T: Clone + Send + Sync + 'static,
        F: FnOnce(&SdkConfig) -> T,
    {
        let (_, state) = self.current();
        self.cached(|| {
            if self.inner.layer.is_some() {
                tracing::warn!(
                    client = std::any::type_name::<T>(),
                    "client_with: this client retries by the SDK's classifier, and the circuit \
                     breaker and retry stats do not see it; use get_client with a strands client \
                     feature, or strands_creds::managed_client!, for the whole strands layer"
                );
            }
            make(&state.config)
        })
    }

    /// The client cache. A panic while it was held cannot leave it
    /// half-written (inserts are single calls), so a poisoned lock is used.
    fn clients(&self) -> std::sync::MutexGuard<'_, ClientMap> {
        self.inner
            .clients
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn cached<T: Clone + Send + Sync + 'static>(&self, make: impl FnOnce() -> T) -> T {
        let mut map = self.clients();
        if let Some(c) = map
            .get(&TypeId::of::<T>())
            .and_then(|b| b.downcast_ref::<T>())
        {
            return c.clone();
        }
        let c = make();
        map.insert(TypeId::of::<T>(), Box::new(c.clone()));
        c
    }

    /// Drop the cached clients and the validated identity.
    pub fn clear_cache(&self) {
        self.clients().clear();
        // The identity cache sits behind an async lock; bumping the epoch
        // makes whatever it holds stale without waiting for it.
        self.inner.epoch.fetch_add(1, Ordering::AcqRel);
    }

    /// STS GetCallerIdentity, cached until the credentials change (an
    /// assume_role, clear_cache, a failover, or the credentials' expiry).
    pub async fn validate_credentials(&self) -> Result<CallerIdentity, DeploymentError> {
        let mut cache = self.inner.identity.lock().await;
        let (idx, _) = self.current();
        if let Some(c) = cache.as_ref() {
            let live = c.expires.is_none_or(|e| SystemTime::now() < e);
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

    /// Whether the manager was built with a role to assume.
    pub fn has_role(&self) -> bool {
        self.current().1.role.is_some()
    }

    /// STS AssumeRole calls made so far in the current region (for tests
    /// and the demo: the single-flight refresh makes one per renewal).
    pub fn assume_role_calls(&self) -> u64 {
        self.current()
            .1
            .role
            .as_ref()
            .map_or(0, RoleProvider::sts_calls)
    }

    /// Current credentials of the clients (the role's if one is assumed).
    /// Their `Debug` redacts the secret.
    pub async fn credentials(&self) -> Result<aws_credential_types::Credentials, DeploymentError> {
        let state = self.current().1;
        if let Some(r) = &state.role {
            return r.credentials().await;
        }
        let Some(p) = state.config.credentials_provider() else {
            return Err(
                DeploymentError::credential("No credentials provider configured").with_suggestions(
                    ["Set AWS_PROFILE, run `aws configure`, or run `aws sso login`"],
                ),
            );
        };
        p.provide_credentials().await.map_err(|e| {
            let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(e);
            error_handler()
                .handle_exception(boxed, ErrorContext::new().operation("resolve_credentials"))
        })
    }
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
