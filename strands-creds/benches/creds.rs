//! The client cache and the identity cache against what they save: a
//! cached `get_client` against a clone of a held client and against
//! `Client::new`; a cached `validate_credentials` against the STS round
//! trip to moto_server (skipped, with a note, when moto is not installed).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use aws_credential_types::Credentials;
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use strands_creds::AwsClientManager;
use strands_testkit::{MotoServer, TEST_ACCESS_KEY_ID, TEST_SECRET_ACCESS_KEY, moto_server_path};

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

async fn manager(endpoint: &str) -> AwsClientManager {
    AwsClientManager::builder()
        .region("us-east-1")
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new(
            TEST_ACCESS_KEY_ID,
            TEST_SECRET_ACCESS_KEY,
            None,
            None,
            "bench",
        ))
        .build()
        .await
        .unwrap()
}

fn clients(c: &mut Criterion) {
    let rt = rt();
    let m = rt.block_on(manager("http://127.0.0.1:9"));
    let held: aws_sdk_lambda::Client = m.get_client();
    let mut g = c.benchmark_group("lambda_client");
    g.bench_function("get_client_cached", |b| {
        b.iter(|| black_box(m.get_client::<aws_sdk_lambda::Client>()))
    });
    g.bench_function("clone_held", |b| b.iter(|| black_box(held.clone())));
    g.bench_function("client_new", |b| {
        b.iter(|| black_box(aws_sdk_lambda::Client::new(black_box(m.sdk_config()))))
    });
    g.finish();
}

fn identity(c: &mut Criterion) {
    if !moto_server_path().exists() {
        eprintln!(
            "validate_credentials bench skipped: moto_server not installed (cargo xtask install-moto)"
        );
        return;
    }
    let moto = MotoServer::start().unwrap();
    let rt = rt();
    let m = rt.block_on(manager(moto.endpoint_url()));
    rt.block_on(m.validate_credentials()).unwrap();
    let sts: aws_sdk_sts::Client = m.get_client();
    let mut g = c.benchmark_group("validate_credentials");
    g.bench_function("cached", |b| {
        b.iter(|| rt.block_on(m.validate_credentials()).unwrap())
    });
    g.bench_function("sts_round_trip", |b| {
        b.iter(|| rt.block_on(sts.get_caller_identity().send()).unwrap())
    });
    g.finish();
    drop(moto);
}

/// What strands adds to an SDK call: one Lambda GetFunction against a
/// local endpoint, from a client of a manager with a strands strategy (the
/// interceptor's decision step, the classifier, the unlimited partition)
/// and from a plain SDK client with the same retry settings (standard
/// mode, 3 attempts, 1 s / 20 s, retry behavior 2.1) on the same HTTP
/// client and timeouts.
fn sdk_call(c: &mut Criterion) {
    use aws_smithy_types::retry::{RetryConfig, RetrySpec};
    use strands_retry::{RetryBehavior, RetryStrategy};
    use strands_testkit::wiremock::{Mock, MockServer, matchers};
    let rt = rt();
    let server = rt.block_on(MockServer::start());
    rt.block_on(
        Mock::given(matchers::any())
            .respond_with(strands_testkit::ok_json(
                r#"{"Configuration":{"FunctionName":"f1"}}"#,
            ))
            .mount(&server),
    );
    let strategy = RetryStrategy::aws_standard(RetryBehavior::V2_1)
        .build()
        .unwrap();
    let strands = rt.block_on(async {
        AwsClientManager::builder()
            .region("us-east-1")
            .endpoint_url(server.uri())
            .credentials_provider(strands_testkit::test_credentials())
            .retry_strategy(strategy)
            .build()
            .await
            .unwrap()
    });
    let plain_manager = rt.block_on(manager(&server.uri()));
    let plain = plain_manager.client_with(|conf| {
        aws_sdk_lambda::Client::from_conf(
            aws_sdk_lambda::config::Builder::from(conf)
                .retry_config(RetryConfig::standard().with_retry_spec(RetrySpec::v2_1()))
                .build(),
        )
    });
    let ours: aws_sdk_lambda::Client = strands.get_client();
    let call = |c: &aws_sdk_lambda::Client| {
        rt.block_on(c.get_function().function_name("f1").send())
            .unwrap()
    };
    call(&ours);
    call(&plain);
    let mut g = c.benchmark_group("sdk_call");
    g.bench_function("manager_client", |b| b.iter(|| black_box(call(&ours))));
    g.bench_function("plain_sdk_client", |b| b.iter(|| black_box(call(&plain))));
    g.finish();
}

criterion_group!(benches, clients, identity, sdk_call);
criterion_main!(benches);
