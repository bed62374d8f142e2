//! The client cache: one client per type, built on first use from the
//! current region's config and the manager's layer, cloned after.

use super::AwsClientManager;
use crate::client::ManagedClient;
use aws_types::SdkConfig;
use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::Ordering;

/// The client cache: keyed by `TypeId`, which is already a hash, so the
/// map skips SipHash (half the cost of a cache hit otherwise).
pub(super) type ClientMap =
    HashMap<TypeId, Box<dyn Any + Send + Sync>, BuildHasherDefault<TypeIdHasher>>;

#[derive(Default)]
pub(super) struct TypeIdHasher(u64);

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

impl AwsClientManager {
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
    pub(super) fn clients(&self) -> std::sync::MutexGuard<'_, ClientMap> {
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
}
