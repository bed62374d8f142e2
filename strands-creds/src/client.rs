//! Clients the manager can build: `get_client::<T>()` works for any `T`
//! that implements [`ManagedClient`]. strands implements it for the STS and
//! Lambda clients; for another service either wrap its client in a newtype
//! of yours and implement the trait (the orphan rule forbids implementing it
//! on `aws_sdk_s3::Client` directly), or use `client_with(Client::new)`,
//! which gets the manager's region, credentials, endpoint and retry
//! *config* but not the classifier and interceptor (those sit on each
//! service's own config builder, out of reach of a generic `&SdkConfig`).

use crate::retry_layer::RetryLayer;
use aws_types::SdkConfig;

/// A client the manager can build and cache.
pub trait ManagedClient: Clone + Send + Sync + 'static {
    /// Build one from the manager's config and, when the manager has a
    /// strands retry policy, its layer (apply `retry_partition`,
    /// `retry_classifier` and `interceptor` from it).
    fn build(config: &SdkConfig, layer: Option<&RetryLayer>) -> Self;
}

macro_rules! managed {
    ($($krate:ident),*) => {$(
        impl ManagedClient for $krate::Client {
            fn build(config: &SdkConfig, layer: Option<&RetryLayer>) -> Self {
                let mut b = $krate::config::Builder::from(config);
                if let Some(l) = layer {
                    b = b
                        .retry_partition(l.partition())
                        .retry_classifier(l.classifier())
                        .interceptor(l.interceptor());
                }
                Self::from_conf(b.build())
            }
        }
    )*};
}

managed!(aws_sdk_sts, aws_sdk_lambda);
