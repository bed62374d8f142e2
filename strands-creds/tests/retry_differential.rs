//! One retry policy whichever loop runs the call, decided as botocore
//! decides it, call by call.
//!
//! Seeded random scripts of answers (200, 500 InternalError, 503 SlowDown,
//! 400 ThrottlingException, a read timeout, `x-amz-retry-after` on some
//! errors) are served in order, one answer per request, from a local
//! endpoint to four clients making the same 250 S3 ListBuckets calls:
//!
//! - (a) botocore, pinned: 1.44 (its standard mode is retry behavior 2.1)
//!   and 1.43 with `retries={"mode": "standard"}` (behavior 2.0), sleeps
//!   patched out, in `tests/differential/botocore_retries.py`;
//! - (b) strands' own loop, `execute_with_retry` around a client with SDK
//!   retries disabled;
//! - (c) a client from `AwsClientManager` built with the same strategy;
//! - (d) a plain aws-sdk client with aws-smithy-runtime's own standard mode
//!   and the same retry spec.
//!
//! The attempts of each call and the quota after it must be equal for (a),
//! (b) and (c), and on the scripts the quota must run dry, refill and run
//! dry again. (d) is run beside them and its first divergence printed:
//! ARCHITECTURE.md says why aws-smithy-runtime differs from botocore.
//!
//! `cargo xtask ci` installs both botocore releases (`target/botocore/`).
#![cfg(feature = "s3")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use aws_smithy_types::retry::{RetryConfig, RetrySpec};
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use strands_creds::AwsClientManager;
use strands_errors::{ErrorContext, error_handler};
use strands_retry::{RetryBehavior, RetryStrategy};
use strands_testkit::wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate, matchers};

/// The pinned botocore releases (as `cargo xtask ci` installs them).
const BOTOCORE_2_1: &str = "1.44.8";
const BOTOCORE_2_0: &str = "1.43.127";
const CALLS: usize = 250;
/// Every client's read (attempt) timeout; a "timeout" answer comes later.
const READ_TIMEOUT: Duration = Duration::from_millis(250);
const TIMEOUT_DELAY: Duration = Duration::from_millis(1200);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    Ok,
    InternalError,
    SlowDown,
    Throttling,
    Timeout,
}

/// One scripted answer, and the `x-amz-retry-after` it carries (ms).
#[derive(Debug, Clone, Copy)]
struct Step {
    answer: Answer,
    retry_after_ms: Option<u32>,
}

/// xorshift64*: a seeded script needs no more.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Storms (almost every answer an error) and calms (mostly 200) in turn,
/// by request: long enough that a 500-token quota runs dry in the first
/// storm, refills in the calm and runs dry again in the next storm.
fn script(seed: u64) -> Vec<Step> {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let phases: &[(usize, f64)] = &[(160, 0.96), (90, 0.05), (120, 0.96), (600, 0.05)];
    let mut out = Vec::new();
    for &(len, p_error) in phases {
        for _ in 0..len {
            let answer = if rng.unit() >= p_error {
                Answer::Ok
            } else {
                match rng.unit() {
                    u if u < 0.45 => Answer::InternalError,
                    u if u < 0.70 => Answer::SlowDown,
                    u if u < 0.95 => Answer::Throttling,
                    _ => Answer::Timeout,
                }
            };
            let retry_after_ms =
                (answer != Answer::Ok && answer != Answer::Timeout && rng.unit() < 0.2)
                    .then(|| 5 + u32::try_from(rng.next() % 40).unwrap());
            out.push(Step {
                answer,
                retry_after_ms,
            });
        }
    }
    out
}

/// Serves the script, one step per request, and counts the requests.
#[derive(Clone)]
struct Scripted {
    steps: Arc<Vec<Step>>,
    next: Arc<AtomicUsize>,
}

impl Scripted {
    fn served(&self) -> usize {
        self.next.load(Ordering::SeqCst)
    }
    fn rewind(&self) {
        self.next.store(0, Ordering::SeqCst);
    }
}

const LIST_BUCKETS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>o</ID><DisplayName>o</DisplayName></Owner><Buckets></Buckets></ListAllMyBucketsResult>"#;

fn s3_error(status: u16, code: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("content-type", "application/xml")
        .insert_header("x-amz-request-id", "REQ1")
        .set_body_string(format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message><RequestId>REQ1</RequestId></Error>"
        ))
}

impl Respond for Scripted {
    fn respond(&self, _request: &Request) -> ResponseTemplate {
        let i = self.next.fetch_add(1, Ordering::SeqCst);
        let step = self.steps.get(i).copied().unwrap_or(Step {
            answer: Answer::Ok,
            retry_after_ms: None,
        });
        let ok = || {
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/xml")
                .set_body_string(LIST_BUCKETS)
        };
        let t = match step.answer {
            Answer::Ok => ok(),
            Answer::Timeout => ok().set_delay(TIMEOUT_DELAY),
            Answer::InternalError => s3_error(
                500,
                "InternalError",
                "We encountered an internal error. Please try again.",
            ),
            Answer::SlowDown => s3_error(503, "SlowDown", "Please reduce your request rate."),
            Answer::Throttling => s3_error(400, "ThrottlingException", "Rate exceeded"),
        };
        match step.retry_after_ms {
            Some(ms) => t.insert_header("x-amz-retry-after", ms.to_string().as_str()),
            None => t,
        }
    }
}

/// What one call did: attempts made, the quota left after it, success.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Call {
    attempts: usize,
    quota: Option<u32>,
    ok: bool,
}

fn strategy(behavior: RetryBehavior) -> RetryStrategy {
    RetryStrategy::aws_standard(behavior)
        .base_delay(Duration::from_millis(1))
        .transient_base_delay(Duration::from_millis(1))
        .max_delay(Duration::from_millis(4))
        .build()
        .unwrap()
}

async fn manager(endpoint: &str, strategy: Option<RetryStrategy>) -> AwsClientManager {
    let mut b = AwsClientManager::builder()
        .region("us-east-1")
        .endpoint_url(endpoint)
        .credentials_provider(strands_testkit::test_credentials())
        .attempt_timeout(READ_TIMEOUT);
    b = match strategy {
        Some(s) => b.retry_strategy(s),
        None => b.disable_sdk_retries(),
    };
    b.build().await.unwrap()
}

/// (b) strands' own loop around a client that makes one attempt per call.
async fn strands_loop(ep: &str, script: &Scripted, behavior: RetryBehavior) -> Vec<Call> {
    let s = strategy(behavior);
    let m = manager(ep, None).await;
    let s3: aws_sdk_s3::Client = m.get_client();
    let mut out = Vec::new();
    for _ in 0..CALLS {
        let before = script.served();
        let r = s
            .execute_with_retry(|| async {
                s3.list_buckets()
                    .send()
                    .await
                    .map_err(|e| error_handler().handle_exception(e, ErrorContext::new()))
            })
            .await;
        out.push(Call {
            attempts: script.served() - before,
            quota: Some(s.budget().available()),
            ok: r.is_ok(),
        });
    }
    out
}

/// (c) a client from the manager, built with the same strategy.
async fn manager_client(ep: &str, script: &Scripted, behavior: RetryBehavior) -> Vec<Call> {
    let s = strategy(behavior);
    let m = manager(ep, Some(s.clone())).await;
    let s3: aws_sdk_s3::Client = m.get_client();
    let mut out = Vec::new();
    for _ in 0..CALLS {
        let before = script.served();
        let ok = s3.list_buckets().send().await.is_ok();
        out.push(Call {
            attempts: script.served() - before,
            quota: Some(s.budget().available()),
            ok,
        });
    }
    out
}

/// (d) a plain SDK client: aws-smithy-runtime's own standard mode with the
/// behavior's spec, its own classifiers and token bucket (in a partition
/// of its own, so runs do not share one).
async fn plain_sdk(ep: &str, script: &Scripted, behavior: RetryBehavior, seed: u64) -> Vec<Call> {
    use aws_smithy_runtime::client::retries::RetryPartition;
    let spec = match behavior {
        RetryBehavior::V2_0 => RetrySpec::v2_0(),
        _ => RetrySpec::v2_1(),
    };
    let rc = RetryConfig::standard()
        .with_retry_spec(spec)
        .with_initial_backoff(Duration::from_millis(1))
        .with_max_backoff(Duration::from_millis(4));
    let m = manager(ep, None).await;
    let partition = format!("plain-{}-{seed}", behavior.as_str());
    let s3 = m.client_with(|conf| {
        aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(conf)
                .retry_config(rc)
                .retry_partition(RetryPartition::new(partition))
                .build(),
        )
    });
    let mut out = Vec::new();
    for _ in 0..CALLS {
        let before = script.served();
        let ok = s3.list_buckets().send().await.is_ok();
        out.push(Call {
            attempts: script.served() - before,
            quota: None,
            ok,
        });
    }
    out
}

/// (a) botocore, in the test venv with the pinned release first on the path.
fn botocore(ep: &str, script: &Scripted, version: &str) -> Vec<Call> {
    let venv_python = strands_testkit::moto_server_path().with_file_name("python");
    let target = strands_testkit::moto_server_path()
        .ancestors()
        .nth(3)
        .map(PathBuf::from)
        .unwrap();
    let pin = target.join("botocore").join(version);
    assert!(
        pin.join("botocore").is_dir(),
        "botocore {version} is not installed at {}: run `cargo xtask install-moto`",
        pin.display()
    );
    let driver =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/differential/botocore_retries.py");
    let before = script.served();
    let out = Command::new(venv_python)
        .arg(driver)
        .args([
            ep,
            &CALLS.to_string(),
            &READ_TIMEOUT.as_secs_f64().to_string(),
        ])
        .env("PYTHONPATH", &pin)
        .env_remove("AWS_NEW_RETRIES_2026")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["version"], version,
        "the pinned botocore must be the one imported"
    );
    let calls: Vec<Call> = v["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| Call {
            attempts: usize::try_from(c["attempts"].as_u64().unwrap()).unwrap(),
            quota: c["quota"].as_u64().map(|q| u32::try_from(q).unwrap()),
            ok: c["ok"].as_bool().unwrap(),
        })
        .collect();
    // botocore's own count of its attempts is what reached the endpoint.
    assert_eq!(
        calls.iter().map(|c| c.attempts).sum::<usize>(),
        script.served() - before
    );
    calls
}

/// The first call where two runs differ, described; `None` if equal.
fn first_divergence(a: &[Call], b: &[Call], compare_quota: bool) -> Option<String> {
    a.iter().zip(b).enumerate().find_map(|(i, (x, y))| {
        let differs =
            x.attempts != y.attempts || x.ok != y.ok || (compare_quota && x.quota != y.quota);
        differs.then(|| format!("call {i}: {x:?} vs {y:?}"))
    })
}

/// Dry (too few tokens for a transient retry), then refilled past it,
/// then dry again: the quota's whole cycle happened.
fn ran_dry_refilled_and_dry_again(calls: &[Call], behavior: RetryBehavior) -> bool {
    let price = behavior
        .costs()
        .cost(strands_retry::RetryKind::Transient, false);
    let q: Vec<u32> = calls.iter().filter_map(|c| c.quota).collect();
    let Some(dry) = q.iter().position(|&t| t < price) else {
        return false;
    };
    let Some(refilled) = q[dry..].iter().position(|&t| t >= 3 * price) else {
        return false;
    };
    q[dry + refilled..].iter().any(|&t| t < price)
}

async fn differential(behavior: RetryBehavior, version: &str, seeds: &[u64]) {
    for &seed in seeds {
        let steps = script(seed);
        let scripted = Scripted {
            steps: Arc::new(steps),
            next: Arc::new(AtomicUsize::new(0)),
        };
        let server = MockServer::start().await;
        Mock::given(matchers::any())
            .respond_with(scripted.clone())
            .mount(&server)
            .await;
        let ep = server.uri();

        let ep2 = ep.clone();
        let s2 = scripted.clone();
        let v = version.to_owned();
        let a = tokio::task::spawn_blocking(move || botocore(&ep2, &s2, &v))
            .await
            .unwrap();
        scripted.rewind();
        let b = strands_loop(&ep, &scripted, behavior).await;
        scripted.rewind();
        let c = manager_client(&ep, &scripted, behavior).await;
        scripted.rewind();
        let d = plain_sdk(&ep, &scripted, behavior, seed).await;

        let name = format!("behavior {} seed {seed}", behavior.as_str());
        assert!(
            ran_dry_refilled_and_dry_again(&a, behavior),
            "{name}: the script must drain, refill and drain the quota: {:?}",
            a.iter().map(|c| c.quota).collect::<Vec<_>>()
        );
        assert_eq!(
            first_divergence(&a, &b, true),
            None,
            "{name}: botocore {version} and strands' own loop"
        );
        assert_eq!(
            first_divergence(&a, &c, true),
            None,
            "{name}: botocore {version} and a client from the manager"
        );
        let total = |r: &[Call]| r.iter().map(|c| c.attempts).sum::<usize>();
        println!(
            "{name}: attempts botocore {} / strands loop {} / manager client {} / plain aws-sdk {}; \
             plain aws-sdk's first divergence: {}",
            total(&a),
            total(&b),
            total(&c),
            total(&d),
            first_divergence(&a, &d, false).unwrap_or_else(|| "none".into())
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behavior_2_1_decides_as_botocore_1_44_call_by_call() {
    differential(RetryBehavior::V2_1, BOTOCORE_2_1, &[1, 2]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behavior_2_0_decides_as_botocore_1_43_standard_call_by_call() {
    differential(RetryBehavior::V2_0, BOTOCORE_2_0, &[3, 4]).await;
}
