//! AwsClientManager against moto_server and local fault endpoints.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use aws_credential_types::Credentials;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use strands_creds::{AssumeRoleConfig, AwsClientManager, CallerIdentity, ManagedClient, MfaToken};
use strands_errors::ErrorCategory;
use strands_retry::{CircuitBreaker, RetryStrategy};
use strands_testkit::wiremock::ResponseTemplate;
use strands_testkit::{
    FaultEndpoint, MOTO_ACCOUNT_ID, MotoServer, TEST_ACCESS_KEY_ID, TEST_SECRET_ACCESS_KEY,
    aws_query_error,
};

const ROLE: &str = "arn:aws:iam::123456789012:role/DeploymentRole";

fn static_creds() -> Credentials {
    strands_testkit::test_credentials()
}

/// A manager in us-east-1 against a local endpoint, with the test keys.
fn at(endpoint: &str) -> strands_creds::AwsClientManagerBuilder {
    AwsClientManager::builder()
        .region("us-east-1")
        .endpoint_url(endpoint)
        .credentials_provider(static_creds())
}

/// A strategy with millisecond backoff, so tests count attempts quickly.
fn fast(retries: u32, max_ms: u64) -> RetryStrategy {
    RetryStrategy::builder()
        .max_retries(retries)
        .base_delay(Duration::from_millis(1))
        .max_delay(Duration::from_millis(max_ms))
        .build()
        .unwrap()
}

fn identity_xml() -> ResponseTemplate {
    strands_testkit::sts_identity()
}

#[tokio::test]
async fn validate_credentials_against_moto_and_cache_it() {
    let moto = MotoServer::start().unwrap();
    let m = at(moto.endpoint_url()).build().await.unwrap();
    let id: CallerIdentity = m.validate_credentials().await.unwrap();
    assert_eq!(id.account_id, MOTO_ACCOUNT_ID);
    assert_eq!(id.user_arn, "arn:aws:sts::123456789012:user/moto");
    assert!(!id.user_id.is_empty());

    // Lambda through the cached client: a real call.
    let lambda: aws_sdk_lambda::Client = m.get_client();
    let fns = lambda.list_functions().send().await.unwrap();
    assert!(fns.functions().is_empty());
}

#[tokio::test]
async fn identity_is_cached_until_clear_cache() {
    let ep = FaultEndpoint::start().await;
    ep.fail_then_succeed(0, identity_xml(), identity_xml())
        .await;
    let m = at(&ep.uri()).build().await.unwrap();
    let a = m.validate_credentials().await.unwrap();
    let b = m.validate_credentials().await.unwrap();
    assert_eq!(a, b);
    assert_eq!(a.user_arn, "arn:aws:iam::123456789012:user/alice");
    assert_eq!(
        ep.request_count().await,
        1,
        "second validation came from the cache"
    );
    m.clear_cache();
    m.validate_credentials().await.unwrap();
    assert_eq!(ep.request_count().await, 2);
}

/// A user's own client type: the trait is implementable, and the manager
/// builds each client type once.
#[derive(Clone)]
struct Counted(#[allow(dead_code)] aws_sdk_sts::Client);
static BUILT: AtomicUsize = AtomicUsize::new(0);
impl ManagedClient for Counted {
    fn build(config: &aws_types::SdkConfig, layer: Option<&strands_creds::ClientLayer>) -> Self {
        BUILT.fetch_add(1, Ordering::SeqCst);
        Counted(<aws_sdk_sts::Client as ManagedClient>::build(config, layer))
    }
}

#[tokio::test]
async fn clients_are_built_once_per_type_until_clear_cache() {
    let m = AwsClientManager::builder()
        .region("eu-west-1")
        .endpoint_url("http://127.0.0.1:9")
        .credentials_provider(static_creds())
        .build()
        .await
        .unwrap();
    let before = BUILT.load(Ordering::SeqCst);
    let _a: Counted = m.get_client();
    let _b: Counted = m.clone().get_client();
    assert_eq!(BUILT.load(Ordering::SeqCst) - before, 1);
    let made = AtomicUsize::new(0);
    for _ in 0..3 {
        let _: aws_sdk_lambda::Client = m.client_with(|c| {
            made.fetch_add(1, Ordering::SeqCst);
            aws_sdk_lambda::Client::new(c)
        });
    }
    assert_eq!(made.load(Ordering::SeqCst), 1);
    m.clear_cache();
    let _c: Counted = m.get_client();
    assert_eq!(BUILT.load(Ordering::SeqCst) - before, 2);
    let sts: aws_sdk_sts::Client = m.get_client();
    assert_eq!(sts.config().region().map(|r| r.as_ref()), Some("eu-west-1"));
}

fn counting_token(
    counter: Arc<AtomicUsize>,
) -> impl Fn() -> std::future::Ready<Result<String, std::io::Error>> + Send + Sync {
    move || {
        counter.fetch_add(1, Ordering::SeqCst);
        std::future::ready(Ok("123456".to_owned()))
    }
}

#[tokio::test]
async fn assume_role_with_mfa_then_every_client_acts_as_the_role() {
    let moto = MotoServer::builder().record(true).start().unwrap();
    let asked = Arc::new(AtomicUsize::new(0));
    let role = AssumeRoleConfig::new(ROLE)
        .session_name("strands-deployment")
        .duration_seconds(3600)
        .external_id("ext-1")
        .mfa_serial("arn:aws:iam::123456789012:mfa/alice")
        .mfa_token(counting_token(asked.clone()));
    let m = at(moto.endpoint_url())
        .assume_role(role)
        .build()
        .await
        .unwrap();
    assert_eq!(
        moto.count_action("AssumeRole") as u64,
        0,
        "build sends nothing"
    );
    let assumed = m.assume_role().await.unwrap();
    assert_eq!(
        assumed.user_arn,
        "arn:aws:sts::123456789012:assumed-role/DeploymentRole/strands-deployment"
    );
    assert_eq!(assumed.account_id, "123456789012");
    assert_eq!(
        asked.load(Ordering::SeqCst),
        1,
        "one MFA code per AssumeRole"
    );
    // GetCallerIdentity with the role's keys: moto answers the assumed role.
    let sts: aws_sdk_sts::Client = m.get_client();
    let out = sts.get_caller_identity().send().await.unwrap();
    assert_eq!(out.arn(), Some(assumed.user_arn.as_str()));
    let again = m.validate_credentials().await.unwrap();
    assert_eq!(again.user_arn, assumed.user_arn);
    assert_eq!(
        moto.count_action("AssumeRole") as u64,
        1,
        "the session is reused"
    );
    let creds = m.credentials().await.unwrap();
    assert_ne!(creds.access_key_id(), TEST_ACCESS_KEY_ID);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_tasks_make_one_sts_call_per_refresh() {
    let moto = MotoServer::builder().record(true).start().unwrap();
    let asked = Arc::new(AtomicUsize::new(0));
    // 900 s sessions renewed 899 s ahead: stale one second after issue.
    let role = AssumeRoleConfig::new(ROLE)
        .duration_seconds(900)
        .refresh_ahead(Duration::from_secs(899))
        .mfa_serial("GAHT12345678")
        .mfa_token(counting_token(asked.clone()));
    let m = at(moto.endpoint_url())
        .assume_role(role)
        .build()
        .await
        .unwrap();
    for round in 1..=2u64 {
        let tasks: Vec<_> = (0..1000)
            .map(|_| {
                let m = m.clone();
                tokio::spawn(
                    async move { m.credentials().await.map(|c| c.access_key_id().to_owned()) },
                )
            })
            .collect();
        let mut keys = std::collections::HashSet::new();
        for t in tasks {
            keys.insert(t.await.unwrap().unwrap());
        }
        assert_eq!(keys.len(), 1, "every task got the same session");
        assert_eq!(
            moto.count_action("AssumeRole") as u64,
            round,
            "one STS call in round {round}"
        );
        assert_eq!(
            asked.load(Ordering::SeqCst) as u64,
            round,
            "one MFA code per refresh"
        );
        tokio::time::sleep(Duration::from_millis(1100)).await;
    }
}

#[tokio::test]
async fn a_refresh_without_an_mfa_code_is_a_clear_error_not_a_loop() {
    let moto = MotoServer::builder().record(true).start().unwrap();
    // No token source at all: nothing is sent.
    let m = at(moto.endpoint_url())
        .assume_role(AssumeRoleConfig::new(ROLE).mfa_serial("GAHT12345678"))
        .build()
        .await
        .unwrap();
    let e = m.assume_role().await.unwrap_err();
    assert_eq!(e.code(), "strands::credential::mfa_token_unavailable");
    assert_eq!(e.category(), ErrorCategory::Credential);
    assert_eq!(moto.count_action("AssumeRole") as u64, 0);

    // A source that fails: asked once per attempt, never in a loop. A
    // client call through the role surfaces the same diagnostic.
    let asked = Arc::new(AtomicUsize::new(0));
    let a2 = asked.clone();
    let m = at(moto.endpoint_url())
        .assume_role(
            AssumeRoleConfig::new(ROLE)
                .mfa_serial("GAHT12345678")
                .mfa_token(move || {
                    a2.fetch_add(1, Ordering::SeqCst);
                    std::future::ready(Err::<String, _>(std::io::Error::other("no terminal")))
                }),
        )
        .build()
        .await
        .unwrap();
    let e = m.validate_credentials().await.unwrap_err();
    assert_eq!(
        e.code(),
        "strands::credential::mfa_token_unavailable",
        "{e:?}"
    );
    assert_eq!(asked.load(Ordering::SeqCst), 1, "asked once, no loop");
    assert_eq!(moto.count_action("AssumeRole") as u64, 0);
    // MfaToken::prompt() refuses without a terminal instead of hanging.
    let m = at(moto.endpoint_url())
        .assume_role(
            AssumeRoleConfig::new(ROLE)
                .mfa_serial("GAHT12345678")
                .mfa_token(MfaToken::prompt()),
        )
        .build()
        .await
        .unwrap();
    if !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        let e = m.assume_role().await.unwrap_err();
        assert_eq!(e.code(), "strands::credential::mfa_token_unavailable");
    }
}

#[tokio::test]
async fn local_checks_fail_before_any_request() {
    let ep = FaultEndpoint::start().await;
    let uri = ep.uri();
    let b = || {
        AwsClientManager::builder()
            .endpoint_url(uri.clone())
            .credentials_provider(static_creds())
    };
    let e = b().region("us-est-1").build().await.unwrap_err();
    assert_eq!(e.code(), "strands::configuration::invalid_region");
    assert!(
        e.message().contains("did you mean us-east-1?"),
        "{}",
        e.message()
    );
    let e = b()
        .region("us-east-1")
        .failover_regions(["eu-wst-1"])
        .build()
        .await
        .unwrap_err();
    assert!(e.message().contains("eu-west-1"), "{}", e.message());
    let e = b()
        .region("us-east-1")
        .endpoint_url("localhost:5000")
        .build()
        .await
        .unwrap_err();
    assert_eq!(e.code(), "strands::configuration::invalid_endpoint_url");
    let e = b()
        .region("us-east-1")
        .assume_role(AssumeRoleConfig::new(ROLE).duration_seconds(60))
        .build()
        .await
        .unwrap_err();
    assert_eq!(e.code(), "strands::validation::invalid_duration");
    let e = b()
        .region("us-east-1")
        .assume_role(AssumeRoleConfig::new("arn:aws:iam::123:role/x"))
        .build()
        .await
        .unwrap_err();
    assert_eq!(e.code(), "strands::validation::invalid_role_arn");
    // Each is a diagnostic with help.
    assert!(miette::Diagnostic::help(&e).is_some());
    assert_eq!(ep.request_count().await, 0);
}

#[tokio::test]
async fn debug_never_shows_a_secret() {
    let token = "FwoGZXIvYXdzEBYaDHqa0AP1/4t9Q2Xb7yLAAfCANARYTOKEN";
    let creds = Credentials::new(
        TEST_ACCESS_KEY_ID,
        TEST_SECRET_ACCESS_KEY,
        Some(token.into()),
        None,
        "canary",
    );
    let role = AssumeRoleConfig::new(ROLE)
        .external_id("ext-canary-1")
        .mfa_serial("GAHT12345678")
        .mfa_token(MfaToken::fixed("314159"));
    let builder = AwsClientManager::builder()
        .region("us-east-1")
        .endpoint_url("http://127.0.0.1:9")
        .credentials_provider(creds.clone())
        .assume_role(role.clone());
    let b = format!("{builder:?}");
    let m = builder.build().await.unwrap();
    let lambda: aws_sdk_lambda::Client = m.get_client();
    for out in [
        b,
        format!("{m:?}"),
        format!("{m:#?}"),
        format!("{role:?}"),
        format!("{creds:?}"),
        format!("{:?}", m.sdk_config()),
        format!("{:?}", lambda.config()),
    ] {
        for secret in [TEST_SECRET_ACCESS_KEY, token, "ext-canary-1", "314159"] {
            assert!(!out.contains(secret), "leaked {secret}: {out}");
        }
    }
}

#[tokio::test]
async fn the_strands_policy_is_the_one_retry_layer() {
    // Always throttled: 1 + max_retries HTTP attempts, not the SDK's 3 and
    // not 3 × (1 + max_retries).
    for retries in [1u32, 4] {
        let ep = FaultEndpoint::start().await;
        ep.fail_then_succeed(
            1000,
            aws_query_error(400, "Throttling", "Rate exceeded"),
            identity_xml(),
        )
        .await;
        let strategy = RetryStrategy::builder()
            .max_retries(retries)
            .base_delay(Duration::from_millis(1))
            .max_delay(Duration::from_millis(5))
            .count_calls(true)
            .build()
            .unwrap();
        let m = AwsClientManager::builder()
            .region("us-east-1")
            .endpoint_url(ep.uri())
            .credentials_provider(static_creds())
            .retry_strategy(strategy.clone())
            .build()
            .await
            .unwrap();
        let e = m.validate_credentials().await.unwrap_err();
        assert_eq!(e.category(), ErrorCategory::ResourceLimit, "{e:?}");
        assert_eq!(
            ep.request_count().await,
            1 + retries as usize,
            "retries = {retries}"
        );
        let stats = strategy.stats();
        assert_eq!(stats.calls, 1);
        assert_eq!(stats.retries, u64::from(retries));
        assert_eq!(stats.give_ups, 1);
    }

    // A bare 429 without a code: the SDK's status list leaves 429 out, the
    // strands table calls it throttling, and the strands classifier decides.
    let ep = FaultEndpoint::start().await;
    ep.fail_then_succeed(
        2,
        ResponseTemplate::new(429).set_body_string("slow"),
        identity_xml(),
    )
    .await;
    let m = at(&ep.uri())
        .retry_strategy(fast(3, 2))
        .build()
        .await
        .unwrap();
    m.validate_credentials().await.unwrap();
    assert_eq!(ep.request_count().await, 3);

    // A permanent error is sent once, even where the SDK would retry
    // nothing differently: strands' table decides.
    let ep = FaultEndpoint::start().await;
    ep.fail_then_succeed(
        1000,
        aws_query_error(403, "AccessDenied", "no"),
        identity_xml(),
    )
    .await;
    let m = at(&ep.uri())
        .retry_strategy(fast(4, 2))
        .build()
        .await
        .unwrap();
    assert_eq!(
        m.validate_credentials().await.unwrap_err().category(),
        ErrorCategory::Permission
    );
    assert_eq!(ep.request_count().await, 1);

    // 429 with x-amz-retry-after, then success: two attempts, the hint
    // honoured (capped by max_delay, here 20 ms).
    let ep = FaultEndpoint::start().await;
    let throttled = aws_query_error(429, "TooManyRequestsException", "slow down")
        .insert_header("x-amz-retry-after", "20");
    ep.fail_then_succeed(1, throttled, identity_xml()).await;
    let m = at(&ep.uri())
        .retry_strategy(fast(2, 20))
        .build()
        .await
        .unwrap();
    m.validate_credentials().await.unwrap();
    assert_eq!(ep.request_count().await, 2);
}

#[tokio::test]
async fn an_open_breaker_stops_requests_before_they_are_sent() {
    let ep = FaultEndpoint::start().await;
    ep.fail_then_succeed(1000, ResponseTemplate::new(503), identity_xml())
        .await;
    let breaker = CircuitBreaker::new(2, Duration::from_secs(60));
    let m = at(&ep.uri())
        .retry_strategy(fast(5, 2))
        .circuit_breaker(breaker.clone())
        .build()
        .await
        .unwrap();
    let e = m.validate_credentials().await.unwrap_err();
    assert_eq!(breaker.state(), strands_retry::CircuitState::Open);
    assert_eq!(
        ep.request_count().await,
        2,
        "the third attempt was stopped: {e:?}"
    );
    let e = m.validate_credentials().await.unwrap_err();
    assert_eq!(ep.request_count().await, 2, "nothing sent while open");
    assert!(e.retry_kind().is_retryable(), "{e:?}");
    assert_eq!(e.code(), "strands::network::circuit_open", "{e:?}");
}

#[tokio::test]
async fn failover_moves_to_the_next_region_when_the_first_is_unreachable() {
    let moto = MotoServer::start().unwrap();
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let m = AwsClientManager::builder()
        .region("us-east-1")
        .failover_regions(["us-west-2"])
        .endpoint_url_for("us-east-1", dead)
        .endpoint_url_for("us-west-2", moto.endpoint_url())
        .credentials_provider(static_creds())
        .retry_strategy(fast(1, 2))
        .build()
        .await
        .unwrap();
    assert_eq!(m.region(), "us-east-1");
    let id = m.validate_credentials().await.unwrap();
    assert_eq!(id.account_id, MOTO_ACCOUNT_ID);
    assert_eq!(m.region(), "us-west-2");
    let lambda: aws_sdk_lambda::Client = m.get_client();
    assert_eq!(
        lambda.config().region().map(|r| r.as_ref()),
        Some("us-west-2")
    );
    lambda.list_functions().send().await.unwrap();

    // An answer, even a 403, is not "unreachable": no failover.
    let ep = FaultEndpoint::start().await;
    ep.fail_then_succeed(
        1000,
        aws_query_error(403, "AccessDenied", "no"),
        identity_xml(),
    )
    .await;
    let m = AwsClientManager::builder()
        .region("us-east-1")
        .failover_regions(["us-west-2"])
        .endpoint_url_for("us-east-1", ep.uri())
        .endpoint_url_for("us-west-2", moto.endpoint_url())
        .credentials_provider(static_creds())
        .build()
        .await
        .unwrap();
    assert!(m.validate_credentials().await.is_err());
    assert_eq!(m.region(), "us-east-1");
}

#[tokio::test]
async fn preflight_reports_every_check() {
    let moto = MotoServer::start().unwrap();
    let m = at(moto.endpoint_url())
        .assume_role(AssumeRoleConfig::new(ROLE))
        .build()
        .await
        .unwrap();
    let report = m.preflight().await;
    assert!(report.ok(), "{report}");
    let j = report.to_json();
    assert_eq!(j["ok"], true);
    assert_eq!(j["checks"][1]["status"], "ok");
    assert!(
        j["checks"][1]["detail"]
            .as_str()
            .unwrap()
            .contains("assumed-role/DeploymentRole")
    );

    // Unknown keys in auth mode: every check runs, each failure explained.
    let moto = MotoServer::builder().auth_mode(true).start().unwrap();
    let m = AwsClientManager::builder()
        .region("us-east-1")
        .endpoint_url(moto.endpoint_url())
        .credentials_provider(Credentials::new(
            "AKIAUNKNOWNKEY000000",
            "x",
            None,
            None,
            "t",
        ))
        .build()
        .await
        .unwrap();
    let report = m.preflight().await;
    assert!(!report.ok());
    let j = report.to_json();
    assert_eq!(j["checks"][0]["status"], "failed");
    assert_eq!(j["checks"][0]["error"]["category"], "CREDENTIAL");
    assert_eq!(j["checks"][1]["status"], "skipped");
    assert_eq!(j["checks"][2]["status"], "failed", "{j:#}");
    assert!(report.to_string().contains("preflight FAILED"));
}
