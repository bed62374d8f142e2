//! The sources of the places deployments run, failing: each failure is a
//! diagnostic with a stable code that names the source and says what to
//! do, found before any request where it can be, and never shows the
//! container token. Instance metadata that does not answer is bounded as
//! botocore bounds it; boto3 runs on the same environment and the silent
//! endpoint counts the connections each tool made.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::TcpListener;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use strands_creds::AwsClientManager;
use strands_testkit::{CredentialEndpoints, control};

const CHILD: &str = "STRANDS_SOURCE_FAILURES_CHILD";

/// A metadata endpoint that accepts connections and never answers; it
/// counts them.
fn silent_endpoint() -> (String, Arc<AtomicUsize>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://127.0.0.1:{}", l.local_addr().unwrap().port());
    let n = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&n);
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for c in l.incoming().flatten() {
            count.fetch_add(1, Ordering::SeqCst);
            held.push(c);
        }
    });
    (url, n)
}

/// A metadata endpoint that answers every request 500 (and counts them).
fn failing_endpoint() -> (String, Arc<AtomicUsize>) {
    use std::io::{Read, Write};
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://127.0.0.1:{}", l.local_addr().unwrap().port());
    let n = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&n);
    std::thread::spawn(move || {
        for mut c in l.incoming().flatten() {
            count.fetch_add(1, Ordering::SeqCst);
            let mut buf = [0u8; 4096];
            let _ = c.read(&mut buf);
            let _ = c.write_all(
                b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
        }
    });
    (url, n)
}

fn files(dir: &Path) -> Vec<(&'static str, std::ffi::OsString)> {
    std::fs::create_dir_all(dir.join("home")).unwrap();
    std::fs::write(dir.join("config"), "[default]\nregion = us-east-1\n").unwrap();
    std::fs::write(dir.join("empty-token"), "").unwrap();
    vec![
        ("HOME", dir.join("home").into()),
        ("AWS_CONFIG_FILE", dir.join("config").into()),
        ("AWS_SHARED_CREDENTIALS_FILE", dir.join("none").into()),
    ]
}

/// One case in a child process: the code strands gave, and its output.
fn strands(env: &[(&str, std::ffi::OsString)], expect: &str) -> String {
    let vars: Vec<(&str, &std::ffi::OsStr)> =
        env.iter().map(|(k, v)| (*k, v.as_os_str())).collect();
    let mut vars = vars;
    let e = std::ffi::OsString::from(expect);
    vars.push(("STRANDS_EXPECT", &e));
    strands_testkit::run_child_checks("child_source_failure", CHILD, &vars)
}

#[test]
fn each_source_failure_is_named() {
    let meta = CredentialEndpoints::start().unwrap();
    let dir = std::env::temp_dir().join(format!("strands-sources-{}", std::process::id()));
    let base = files(&dir);
    let with = |extra: &[(&'static str, std::ffi::OsString)]| {
        let mut v = base.clone();
        v.extend(extra.iter().cloned());
        v.push(("STRANDS_META", meta.url().into()));
        v
    };
    let container = meta.container_uri();
    let token = strands_testkit::CONTAINER_TOKEN;
    let mut out = String::new();
    // The container endpoint refuses the token.
    out += &strands(
        &with(&[
            (
                "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                container.clone().into(),
            ),
            (
                "AWS_CONTAINER_AUTHORIZATION_TOKEN",
                "stolen-or-stale-token".into(),
            ),
        ]),
        "strands::credential::container_credentials",
    );
    // It answers 500, then garbage.
    for status in [500, 200] {
        control::container_fault(&meta.url(), Some(status)).unwrap();
        out += &strands(
            &with(&[
                (
                    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                    container.clone().into(),
                ),
                ("AWS_CONTAINER_AUTHORIZATION_TOKEN", token.into()),
            ]),
            "strands::credential::container_credentials",
        );
    }
    control::container_fault(&meta.url(), None).unwrap();
    // Plain http to a host the SDKs refuse: before any request.
    out += &strands(
        &with(&[(
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            "http://10.0.0.7/v2/credentials".into(),
        )]),
        "strands::configuration::container_endpoint",
    );
    // A web identity token file missing, then empty: before any request.
    for file in [dir.join("no-such-token"), dir.join("empty-token")] {
        out += &strands(
            &with(&[
                ("AWS_WEB_IDENTITY_TOKEN_FILE", file.into()),
                ("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/ci".into()),
            ]),
            "strands::credential::web_identity_token",
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(!out.contains("stolen-or-stale-token"), "{out}");
    assert!(!out.contains(token), "{out}");
    println!("{out}");
}

/// Instance metadata that never answers: 1 attempt of 1 s by default,
/// `AWS_METADATA_SERVICE_NUM_ATTEMPTS` honoured, the same count of
/// connections as boto3 on the same environment.
#[test]
fn a_silent_instance_metadata_service_is_bounded_as_botocore_bounds_it() {
    let dir = std::env::temp_dir().join(format!("strands-imds-{}", std::process::id()));
    let base = files(&dir);
    for attempts in [None, Some("2")] {
        let (url, strands_conns) = silent_endpoint();
        let mut env = base.clone();
        env.push(("AWS_EC2_METADATA_DISABLED", "false".into()));
        env.push(("AWS_EC2_METADATA_SERVICE_ENDPOINT", url.clone().into()));
        env.push(("STRANDS_META", "http://127.0.0.1:9".into()));
        if let Some(n) = attempts {
            env.push(("AWS_METADATA_SERVICE_NUM_ATTEMPTS", n.into()));
        }
        strands(&env, "strands::credential::instance_metadata_unavailable");
        let strands_n = strands_conns.load(Ordering::SeqCst);

        let (url, boto_conns) = silent_endpoint();
        let mut cmd = Command::new(strands_testkit::moto_server_path().with_file_name("python"));
        for (k, _) in std::env::vars_os() {
            if k.to_string_lossy().starts_with("AWS_") {
                cmd.env_remove(k);
            }
        }
        for (k, v) in &base {
            cmd.env(k, v);
        }
        cmd.env("AWS_EC2_METADATA_DISABLED", "false")
            .env("AWS_EC2_METADATA_SERVICE_ENDPOINT", &url)
            .args([
                "-c",
                "import botocore.session; print('BOTO3', botocore.session.Session().get_credentials())",
            ]);
        if let Some(n) = attempts {
            cmd.env("AWS_METADATA_SERVICE_NUM_ATTEMPTS", n);
        }
        let out = cmd.output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("BOTO3 None"), "{text}");
        let boto_n = boto_conns.load(Ordering::SeqCst);
        // botocore: the token request, then `want` tries without a token
        // (IMDSv1), each up to the timeout. aws-config's client (built
        // with the same bounds) does not fall back to IMDSv1 and retries
        // error answers, not silence: one connection, one timeout. So a
        // silent service costs strands at most what it costs boto3.
        let want: usize = attempts.map_or(1, |n| n.parse().unwrap());
        assert_eq!(boto_n, 1 + want, "boto3, attempts {attempts:?}");
        assert!(
            (1..=want).contains(&strands_n),
            "strands made {strands_n} connections, attempts {attempts:?}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// An instance metadata service that answers 500: aws-config's client
/// would try each request 4 times; strands' is built with botocore's one
/// attempt, or `AWS_METADATA_SERVICE_NUM_ATTEMPTS`.
#[test]
fn a_failing_instance_metadata_service_is_tried_as_often_as_configured() {
    let dir = std::env::temp_dir().join(format!("strands-imds500-{}", std::process::id()));
    let base = files(&dir);
    for (attempts, want) in [(None, 1), (Some("3"), 3)] {
        let (url, conns) = failing_endpoint();
        let mut env = base.clone();
        env.push(("AWS_EC2_METADATA_DISABLED", "false".into()));
        env.push(("AWS_EC2_METADATA_SERVICE_ENDPOINT", url.into()));
        env.push(("STRANDS_META", "http://127.0.0.1:9".into()));
        if let Some(n) = attempts {
            env.push(("AWS_METADATA_SERVICE_NUM_ATTEMPTS", n.into()));
        }
        strands(&env, "strands::credential");
        assert_eq!(conns.load(Ordering::SeqCst), want, "attempts {attempts:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn child_source_failure() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let expect = std::env::var("STRANDS_EXPECT").unwrap();
    let e = match AwsClientManager::builder()
        .endpoint_url(std::env::var("STRANDS_META").unwrap())
        .build()
        .await
    {
        Err(e) => e,
        Ok(m) => m.validate_credentials().await.unwrap_err(),
    };
    let mut chain = Vec::new();
    let mut cur = e.cause().map(|c| c as &(dyn std::error::Error + 'static));
    while let Some(c) = cur {
        chain.push(c.to_string());
        cur = c.source();
    }
    assert!(
        e.code().starts_with(&expect),
        "{} is not {expect}: {e:?} {chain:?}",
        e.code()
    );
    assert!(!e.suggestions().is_empty());
    println!("{}", e.to_user_message());
    println!("{}", strands_testkit::render_report(&e));
    println!("{e:?}");
    println!("child checks passed");
}
