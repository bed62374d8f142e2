//! Credentials are fetched once per lifetime per manager: a
//! `credential_process` runs once per start, a role profile calls
//! AssumeRole once, a two-hop chain twice, however many callers arrive at
//! once. Counted where it happens: the process appends to a file, moto
//! records every request that reached it.
//!
//! Environment variables are process-wide, so the parent runs this binary
//! again as a child with the files and variables it needs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use strands_creds::{AwsClientManager, SessionCache};
use strands_testkit::MotoServer;

const CHILD: &str = "STRANDS_ONE_FETCH_CHILD";

fn write_profiles(dir: &Path, moto: &str) {
    let count = dir.join("proc-count");
    let process = format!(
        "sh -c 'echo run >> {}; printf \"{{\\\"Version\\\":1,\\\"AccessKeyId\\\":\\\"AKIAPROC000000000001\\\",\\\"SecretAccessKey\\\":\\\"s\\\",\\\"SessionToken\\\":\\\"t\\\",\\\"Expiration\\\":\\\"2099-01-01T00:00:00Z\\\"}}\"'",
        count.display()
    );
    let config = format!(
        "[profile proc]\nregion = us-east-1\ncredential_process = {process}\n\n\
         [profile base]\nregion = us-east-1\n\n\
         [profile role]\nregion = us-east-1\nrole_arn = arn:aws:iam::123456789012:role/one\nsource_profile = base\nendpoint_url = {moto}\n\n\
         [profile chain]\nregion = us-east-1\nrole_arn = arn:aws:iam::123456789012:role/two\nsource_profile = role\nendpoint_url = {moto}\n"
    );
    std::fs::write(dir.join("config"), config).unwrap();
    std::fs::write(
        dir.join("credentials"),
        "[base]\naws_access_key_id = AKIABASE000000000001\naws_secret_access_key = b\n",
    )
    .unwrap();
}

fn run_child(test: &str, dir: &Path, moto: &MotoServer) {
    strands_testkit::run_child_checks(
        test,
        CHILD,
        &[
            ("HOME", dir.as_os_str()),
            ("AWS_CONFIG_FILE", dir.join("config").as_os_str()),
            (
                "AWS_SHARED_CREDENTIALS_FILE",
                dir.join("credentials").as_os_str(),
            ),
            ("STRANDS_MOTO", moto.endpoint_url().as_ref()),
        ],
    );
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("strands-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_credential_process_runs_once_per_start_and_a_role_is_assumed_once_per_hop() {
    let moto = MotoServer::builder().record(true).start().unwrap();
    let dir = temp_dir("one-fetch");
    write_profiles(&dir, moto.endpoint_url());
    run_child("child_fetches_once", &dir, &moto);
    let runs = std::fs::read_to_string(dir.join("proc-count")).unwrap_or_default();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(runs.lines().count(), 1, "credential_process ran {runs:?}");
    // role: one AssumeRole; chain: two (one per hop).
    assert_eq!(
        moto.count_action("AssumeRole"),
        3,
        "{:?}",
        moto.recorded_actions()
    );
}

async fn manager(profile: &str) -> AwsClientManager {
    let moto = std::env::var("STRANDS_MOTO").unwrap();
    AwsClientManager::builder()
        .profile(profile)
        .endpoint_url(moto)
        // This test counts one manager's own fetches: no sharing on disk.
        .session_cache(SessionCache::off())
        .build()
        .await
        .unwrap()
}

/// Start, validate, use clients, validate again; then 1000 concurrent
/// callers on a fresh manager.
async fn exercise(m: AwsClientManager) {
    let id = m.validate_credentials().await.unwrap();
    assert_eq!(id.account_id, "123456789012");
    let sts: strands_creds::aws_sdk_sts::Client = m.get_client();
    sts.get_caller_identity().send().await.unwrap();
    m.validate_credentials().await.unwrap();
    let _lambda: strands_creds::aws_sdk_lambda::Client = m.get_client();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn child_fetches_once() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    exercise(manager("proc").await).await;
    exercise(manager("role").await).await;
    // 1000 concurrent callers on a fresh manager: still one fetch. (A
    // second manager is a second start: the process runs again; it is
    // the role chain's fetches that this one counts.)
    let m = manager("chain").await;
    let mut tasks = Vec::new();
    for i in 0..1000 {
        let m = m.clone();
        tasks.push(tokio::spawn(async move {
            if i % 2 == 0 {
                m.validate_credentials().await.map(|_| ())
            } else {
                let sts: strands_creds::aws_sdk_sts::Client = m.get_client();
                sts.get_caller_identity()
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| {
                        strands_errors::error_handler().handle_exception(e, Default::default())
                    })
            }
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    println!("child checks passed");
}
