//! Clients the manager can build: `get_client::<T>()` works for any `T`
//! that implements [`ManagedClient`], and every client it builds carries
//! the manager's one retry layer (the strands classifier, the stats and
//! breaker interceptor, the manager's retry partition).
//!
//! strands implements the trait for the SDK clients a deployment of an
//! agent touches, one cargo feature each (STS and Lambda always; `s3`,
//! `iam`, `cloudwatchlogs`, `ecr`, `cloudformation`, `apigateway`,
//! `apigatewayv2`). For any other `aws-sdk-*` crate, one line in your own
//! crate: `strands_creds::managed_client!(pub Dynamo = aws_sdk_dynamodb);`
//! then `manager.get_client::<Dynamo>()`.
//!
//! Why a macro that declares a type: the orphan rule forbids your crate
//! from implementing strands' trait for `aws_sdk_dynamodb::Client` (both
//! are foreign to you), and strands cannot name every SDK crate. A marker
//! type parameter on the trait would satisfy the rule but make
//! `get_client::<T>()` take two type arguments. The macro expands in your
//! crate, against *your* version of the SDK crate, into a newtype (which
//! derefs to the client) and its impl; the layer is applied by the same
//! code strands uses for its own clients ([`__build_client!`]).

use crate::retry_layer::RetryLayer;
use aws_smithy_runtime::client::retries::RetryPartition;
use aws_smithy_runtime_api::client::interceptors::SharedInterceptor;
use aws_smithy_runtime_api::client::retries::classifiers::SharedRetryClassifier;
use aws_types::SdkConfig;

/// The manager's retry layer as a client builder needs it. Opaque: the
/// [`managed_client!`](crate::managed_client) macro applies it.
#[derive(Debug, Clone)]
pub struct ClientLayer(pub(crate) RetryLayer);

impl ClientLayer {
    #[doc(hidden)]
    pub fn __partition(&self) -> RetryPartition {
        self.0.partition()
    }
    #[doc(hidden)]
    pub fn __classifier(&self) -> SharedRetryClassifier {
        self.0.classifier()
    }
    #[doc(hidden)]
    pub fn __interceptor(&self) -> SharedInterceptor {
        SharedInterceptor::new(self.0.interceptor())
    }
}

/// A client the manager can build and cache.
pub trait ManagedClient: Clone + Send + Sync + 'static {
    /// Build one from the manager's config and, when the manager has a
    /// strands retry policy, its layer. [`managed_client!`](crate::managed_client)
    /// writes this for any `aws-sdk-*` crate.
    fn build(config: &SdkConfig, layer: Option<&ClientLayer>) -> Self;
}

/// An SDK client of `$krate` from `config`, with `layer` applied: the one
/// place a client gets the strands layer (used by strands' own impls and
/// by [`managed_client!`](crate::managed_client) in your crate).
#[doc(hidden)]
#[macro_export]
macro_rules! __build_client {
    ($krate:ident, $config:expr, $layer:expr) => {{
        let mut b = $krate::config::Builder::from($config);
        if let ::core::option::Option::Some(l) = $layer {
            b = b
                .retry_partition(l.__partition())
                .retry_classifier(l.__classifier())
                .interceptor(l.__interceptor());
        }
        $krate::Client::from_conf(b.build())
    }};
}

/// Make any `aws-sdk-*` crate's client a [`ManagedClient`] from your own
/// crate, with the manager's retry layer:
///
/// ```ignore
/// strands_creds::managed_client!(
///     /// DynamoDB, built and cached by the manager.
///     pub Dynamo = aws_sdk_dynamodb
/// );
/// let table = manager.get_client::<Dynamo>().describe_table().table_name("t").send().await?;
/// ```
///
/// Declares `Dynamo`, a newtype around `aws_sdk_dynamodb::Client` that
/// derefs to it and converts into it. The SDK crate is the one your crate
/// depends on, at the version you pin.
#[macro_export]
macro_rules! managed_client {
    ($(#[$meta:meta])* $vis:vis $name:ident = $krate:ident) => {
        $(#[$meta])*
        #[derive(Clone, Debug)]
        $vis struct $name(pub $krate::Client);

        impl ::core::ops::Deref for $name {
            type Target = $krate::Client;
            fn deref(&self) -> &$krate::Client {
                &self.0
            }
        }

        impl ::core::convert::From<$name> for $krate::Client {
            fn from(c: $name) -> Self {
                c.0
            }
        }

        impl $crate::ManagedClient for $name {
            fn build(
                config: &$crate::__private::SdkConfig,
                layer: ::core::option::Option<&$crate::ClientLayer>,
            ) -> Self {
                $name($crate::__build_client!($krate, config, layer))
            }
        }
    };
}

macro_rules! managed {
    ($($(#[$cfg:meta])* $krate:ident),* $(,)?) => {$(
        $(#[$cfg])*
        impl ManagedClient for $krate::Client {
            fn build(config: &SdkConfig, layer: Option<&ClientLayer>) -> Self {
                crate::__build_client!($krate, config, layer)
            }
        }
    )*};
}

managed!(
    aws_sdk_sts,
    aws_sdk_lambda,
    #[cfg(feature = "s3")]
    aws_sdk_s3,
    #[cfg(feature = "iam")]
    aws_sdk_iam,
    #[cfg(feature = "cloudwatchlogs")]
    aws_sdk_cloudwatchlogs,
    #[cfg(feature = "ecr")]
    aws_sdk_ecr,
    #[cfg(feature = "cloudformation")]
    aws_sdk_cloudformation,
    #[cfg(feature = "apigateway")]
    aws_sdk_apigateway,
    #[cfg(feature = "apigatewayv2")]
    aws_sdk_apigatewayv2,
);
