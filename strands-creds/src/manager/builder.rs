//! The builder and the chain: what aws-config is asked for, per region,
//! after the local checks pass.

use super::client_cache::ClientMap;
use super::local_checks::{check_endpoint_url, check_profile};
use super::{AwsClientManager, Inner, RegionState};
use crate::assume_role::{AssumeRoleConfig, MfaTokenSource};
use crate::client::{ClientLayer, ManagedClient};
use crate::credentials_cache::{CredentialsCache, FETCH_TIMEOUT, ProfileNote};
use crate::profile_role::{self, RolePlan};
use crate::region::check_region;
use crate::retry_layer::{Breakers, RetryLayer};
use crate::role_provider::RoleProvider;
use crate::session_cache::SessionCache;
use crate::sources::{self, ImdsBounds};
use crate::text::without_password;
use aws_config::default_provider::credentials::DefaultCredentialsChain;
use aws_config::profile::ProfileFileCredentialsProvider;
use aws_config::provider_config::ProviderConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use aws_smithy_runtime::client::identity::IdentityCache;
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use aws_smithy_types::retry::{RetryConfig, RetrySpec};
use aws_smithy_types::timeout::TimeoutConfig;
use aws_types::sdk_config::{SharedTimeSource, TimeSource};
use std::fmt;
use std::sync::atomic::{AtomicU64, AtomicUsize};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use strands_errors::DeploymentError;
use strands_retry::{CircuitBreaker, KeyedBreakers, RetryBehavior, RetryStrategy};

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
    breaker: Option<Breakers>,
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
    /// The one clock of every credential cache, aws-config's providers
    /// and the SDK's signing.
    time_source: Option<SharedTimeSource>,
    /// How long instance metadata may take, resolved at build.
    imds: Option<ImdsBounds>,
    /// Where a named profile's credentials come from, in words.
    source_words: Option<String>,
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

/// The default `max_pool_connections` (the Python module's).
pub const DEFAULT_MAX_POOL_CONNECTIONS: usize = 50;

impl AwsClientManagerBuilder {
    /// The clock credentials expire by: strands' credential caches and
    /// role sessions, aws-config's providers and the SDK's signing all
    /// read this one (a test's controllable clock runs a two-hour
    /// deployment in milliseconds). The system clock by default.
    pub fn time_source(mut self, clock: impl TimeSource + 'static) -> Self {
        self.time_source = Some(SharedTimeSource::new(clock));
        self
    }

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
    /// One breaker in front of every attempt of all the manager's clients
    /// (needs [`retry_strategy`](Self::retry_strategy); an open breaker
    /// stops a request before it is sent). A failing service opens it for
    /// every client; [`circuit_breaker_per_service`](Self::circuit_breaker_per_service)
    /// keeps them apart.
    pub fn circuit_breaker(mut self, breaker: CircuitBreaker) -> Self {
        self.breaker = Some(Breakers::Shared(breaker));
        self
    }
    /// One breaker per service and region, each configured as `template`
    /// and made on first use: a throttled Lambda in us-east-1 opens
    /// Lambda's circuit there and nowhere else, S3 and IAM go on.
    /// [`AwsClientManager::circuit_breaker`] reads each one.
    pub fn circuit_breaker_per_service(mut self, template: CircuitBreaker) -> Self {
        self.breaker = Some(Breakers::PerServiceAndRegion(KeyedBreakers::new(template)));
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
        let selected = self.profile.clone().or(env_profile.clone());
        if selected.is_none() {
            sources::check(None, None)?;
            self.imds = Some(ImdsBounds::resolve(None));
        }
        if let Some(p) = selected {
            let set = check_profile(&p).await?;
            profile_role::check_login(&set, &p)?;
            sources::check(Some(&set), Some(&p))?;
            self.imds = Some(ImdsBounds::resolve(set.get_profile(&p)));
            // strands assumes a role profile itself when the profile is
            // what the credentials come from: named in code, or by
            // AWS_PROFILE with no keys in the environment to win over it.
            let chosen = self.profile.is_some() || std::env::var_os("AWS_ACCESS_KEY_ID").is_none();
            if chosen && self.credentials_provider.is_none() {
                self.profile_role = profile_role::plan(&set, &p)?;
                self.source_words = Some(match &self.profile_role {
                    Some(plan) => plan.describe(&set),
                    None => sources::words::profile(&set, &p),
                });
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
                    return Err(crate::error::CredsError::NoRegion.into());
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
                _credential_metrics: crate::metrics::credential_fetches(
                    regions
                        .iter()
                        .filter_map(|r| Some((r.name.clone(), r.cache.clone()?)))
                        .collect(),
                ),
                regions,
                current: AtomicUsize::new(0),
                layer,
                profile: self.profile,
                source_words: self.source_words,
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
        if let Some(t) = &self.time_source {
            l = l.time_source(t.clone());
        }
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
        let pc = ProviderConfig::without_region()
            .with_region(Some(Region::new(region.to_owned())))
            .with_http_client(http.clone());
        let pc = match &self.time_source {
            Some(t) => pc.with_time_source(t.clone()),
            None => pc,
        };
        let imds = self.imds.unwrap_or_else(|| ImdsBounds::resolve(None));
        if self.profile.is_none() && self.credentials_provider.is_none() {
            // The default chain, with instance metadata bounded as botocore
            // bounds it (aws-config's own client makes 4 attempts).
            let mut chain = DefaultCredentialsChain::builder()
                .configure(pc.clone())
                .region(Region::new(region.to_owned()))
                .imds_client(imds.client(&pc));
            if std::env::var("AWS_PROFILE").is_ok_and(|p| p.is_empty()) {
                chain = chain.profile_name("default");
            }
            loader = loader.credentials_provider(chain.build().await);
        }
        if let (Some(p), None) = (&self.profile, &self.credentials_provider) {
            // The named profile alone: env keys must not win over it.
            let provider = ProfileFileCredentialsProvider::builder()
                .profile_name(p)
                .configure(&pc)
                .build();
            loader = loader.credentials_provider(provider);
        }
        let base = loader.load().await;
        // No strategy: the SDK's own loop, on the SDKs' default behavior.
        let base = match (layer, self.sdk_retries_disabled) {
            (None, false) => with_default_behavior(base),
            _ => base,
        };
        // A role profile: strands assumes each hop (MFA, duration, the
        // manager's endpoint), aws-config's role provider is not used.
        let base = match &self.profile_role {
            None => base,
            Some(plan) => {
                let provider = plan.provider(
                    &base,
                    imds,
                    layer,
                    self.mfa_token.clone(),
                    self.session_cache
                        .for_profiles(self.credentials_timeout.unwrap_or(FETCH_TIMEOUT)),
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
                base.time_source().unwrap_or_default(),
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
                cfg.session_cache = self
                    .session_cache
                    .for_code_roles(self.credentials_timeout.unwrap_or(FETCH_TIMEOUT));
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

/// The SDKs' default retry behavior for clients without a strands
/// strategy: aws-config 1.13 still resolves 2.0 unless
/// `AWS_NEW_RETRIES_2026=true`, where botocore 1.44, the AWS CLI 2.40 and
/// the Go SDK 1.48 follow 2.1 unless it is `false`. strands reads the
/// variable as they do ([`RetryBehavior::from_env`]) and sets the spec;
/// every other retry setting aws-config resolved (`AWS_RETRY_MODE`,
/// `AWS_MAX_ATTEMPTS`, a profile's `retry_mode` and `max_attempts`) stays.
fn with_default_behavior(config: SdkConfig) -> SdkConfig {
    let Some(rc) = config.retry_config() else {
        return config;
    };
    if rc.retry_spec().is_some() || RetryBehavior::from_env() != RetryBehavior::V2_1 {
        return config;
    }
    let rc = rc.clone().with_retry_spec(RetrySpec::v2_1());
    config.to_builder().retry_config(rc).build()
}

fn http_client(max_idle: usize) -> SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .pool_max_idle_per_host(max_idle)
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .build_https()
}
