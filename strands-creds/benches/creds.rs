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

criterion_group!(benches, clients, identity);
criterion_main!(benches);
