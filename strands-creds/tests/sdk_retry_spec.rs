//! The SDK path follows the strategy: with `.retry_strategy(s)` strands
//! decides each retry of a client's call on the strategy's own budget
//! (its behavior, prices, attempts); without a strategy the SDK's own loop
//! runs on the SDKs' default behavior (2.1 unless
//! `AWS_NEW_RETRIES_2026=false`) with `AWS_MAX_ATTEMPTS` and a profile's
//! `max_attempts` honoured. Counted on a wiremock endpoint: the requests
//! that reached it are the SDK's attempts, a second call shows what the
//! budget has left, and `budget.available()` shows the same.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use aws_credential_types::Credentials;
use std::time::Duration;
use strands_creds::AwsClientManager;
use strands_retry::{RetryBehavior, RetryBudget, RetryStrategy};
use strands_testkit::wiremock::ResponseTemplate;
use strands_testkit::{FaultEndpoint, aws_json_error, ok_json};

const CHILD: &str = "STRANDS_SDK_RETRY_SPEC_CHILD";
const FUNCTION: &str = r#"{"Configuration":{"FunctionName":"f1"}}"#;

fn creds() -> Credentials {
    strands_testkit::test_credentials()
}

/// The AWS standard mode under `behavior`, fast, with a budget of `tokens`.
fn strategy(behavior: RetryBehavior, tokens: Option<u32>) -> RetryStrategy {
    let budget = match tokens {
        Some(n) => RetryBudget::new(n).with_costs(behavior.costs()),
        None => RetryBudget::unlimited(),
    };
    RetryStrategy::aws_standard(behavior)
        .max_retries(4)
        .base_delay(Duration::from_millis(2))
        .transient_base_delay(Duration::from_millis(2))
        .max_delay(Duration::from_millis(10))
        .budget(budget)
        .build()
        .unwrap()
}

async fn manager(endpoint: &str, s: Option<RetryStrategy>) -> AwsClientManager {
    let mut b = AwsClientManager::builder()
        .region("us-east-1")
        .endpoint_url(endpoint)
        .credentials_provider(creds());
    if let Some(s) = s {
        b = b.retry_strategy(s);
    }
    b.build().await.unwrap()
}

async fn call(m: &AwsClientManager) -> bool {
    let lambda: aws_sdk_lambda::Client = m.get_client();
    lambda
        .get_function()
        .function_name("f1")
        .send()
        .await
        .is_ok()
}

fn server_error() -> ResponseTemplate {
    aws_json_error(500, "ServiceException", "injected")
}

fn throttled() -> ResponseTemplate {
    aws_json_error(400, "ThrottlingException", "Rate exceeded")
}

/// (name, behavior, budget, fault, attempts of the first call, of the second)
type Case = (
    &'static str,
    RetryBehavior,
    Option<u32>,
    ResponseTemplate,
    usize,
    usize,
);

#[tokio::test]
async fn the_strategy_s_behavior_and_budget_reach_the_sdk() {
    let cases: Vec<Case> = vec![
        // 2.0: a retry after a 5xx costs 5, so 10 tokens pay for two.
        (
            "2.0 5xx",
            RetryBehavior::V2_0,
            Some(10),
            server_error(),
            3,
            1,
        ),
        // 2.1: it costs 14, so 10 tokens pay for none.
        (
            "2.1 5xx",
            RetryBehavior::V2_1,
            Some(10),
            server_error(),
            1,
            1,
        ),
        // 2.1: a throttling retry costs 5: two, then the bucket is empty.
        (
            "2.1 throttling",
            RetryBehavior::V2_1,
            Some(10),
            throttled(),
            3,
            1,
        ),
        // 2.1 with 28 tokens: two 5xx retries, nothing left.
        (
            "2.1 5xx, 28 tokens",
            RetryBehavior::V2_1,
            Some(28),
            server_error(),
            3,
            1,
        ),
        // Unlimited: max_retries alone bounds it, call after call.
        ("unlimited", RetryBehavior::V2_1, None, server_error(), 5, 5),
    ];
    for (name, behavior, tokens, fault, first, second) in cases {
        let ep = FaultEndpoint::start().await;
        ep.fail_then_succeed(1000, fault, ok_json(FUNCTION)).await;
        let s = strategy(behavior, tokens);
        let budget = s.budget().clone();
        let m = manager(&ep.uri(), Some(s)).await;
        assert!(!call(&m).await, "{name}");
        assert_eq!(ep.request_count().await, first, "{name}: first call");
        if let Some(n) = tokens {
            // The strategy's own budget paid for the SDK's retries.
            let cost = budget.costs().cost(
                if name.contains("throttling") {
                    strands_retry::RetryKind::Throttling
                } else {
                    strands_retry::RetryKind::Transient
                },
                false,
            );
            let spent = u32::try_from(first - 1).unwrap() * cost;
            assert_eq!(budget.available(), n - spent, "{name}: budget");
        }
        assert!(!call(&m).await, "{name}");
        assert_eq!(
            ep.request_count().await,
            first + second,
            "{name}: second call"
        );
    }
}

/// A 503 as the strategy's own loop sees it.
#[derive(Debug)]
struct Unavailable;
impl std::fmt::Display for Unavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("503 Service Unavailable")
    }
}
impl std::error::Error for Unavailable {}
impl strands_retry::Retryable for Unavailable {
    fn retry_kind(&self) -> strands_retry::RetryKind {
        strands_retry::RetryKind::Transient
    }
}

/// A success after retries gives back its last retry's cost; a first-try
/// success gives 1.
#[tokio::test]
async fn a_success_refunds_its_last_retry_on_the_sdk_path() {
    let ep = FaultEndpoint::start().await;
    // Two 5xx then success: 10 tokens spent, 5 back (the last retry's).
    ep.fail_then_succeed(2, server_error(), ok_json(FUNCTION))
        .await;
    let s = strategy(RetryBehavior::V2_0, Some(10));
    let budget = s.budget().clone();
    let m = manager(&ep.uri(), Some(s.clone())).await;
    assert!(call(&m).await);
    assert_eq!(ep.request_count().await, 3);
    assert_eq!(budget.available(), 5);
    // The strategy's own loop draws on the same budget: a 5xx retry there
    // takes the last 5 tokens...
    let mut attempts = s.attempts();
    assert!(matches!(
        attempts.on_error(&Unavailable),
        strands_retry::RetryDecision::Retry(_)
    ));
    assert_eq!(budget.available(), 0);
    attempts.on_success();
    assert_eq!(budget.available(), 5, "its success gives them back");
    ep.server().reset().await;
    ep.fail_then_succeed(1000, server_error(), ok_json(FUNCTION))
        .await;
    // 5 tokens left: one retry.
    assert!(!call(&m).await);
    assert_eq!(ep.request_count().await, 2);
}

/// The SDK sees the strategy's spec: 2.1 with its transient base delay.
#[tokio::test]
async fn the_clients_carry_the_matching_retry_spec() {
    use aws_smithy_types::retry::RetrySpec;
    let ep = FaultEndpoint::start().await;
    for (behavior, want) in [
        (RetryBehavior::V2_0, RetrySpec::V2_0),
        (RetryBehavior::V2_1, RetrySpec::V2_1),
    ] {
        let m = manager(&ep.uri(), Some(strategy(behavior, Some(500)))).await;
        let lambda: aws_sdk_lambda::Client = m.get_client();
        let rc = lambda.config().retry_config().unwrap();
        let spec = rc.retry_spec().unwrap();
        assert!(spec.is_at_least(want), "{behavior:?}");
        if behavior == RetryBehavior::V2_0 {
            assert!(!spec.is_at_least(RetrySpec::V2_1));
        }
        assert_eq!(
            spec.non_throttling_initial_backoff(),
            Duration::from_millis(2)
        );
        assert_eq!(rc.max_attempts(), 5);
    }
}

/// No strategy: the SDK's own resolution applies, on the SDKs' default
/// behavior. Run in children with the variables and a profile: unset and
/// `true` give 2.1, `false` gives 2.0.
#[test]
fn without_a_strategy_the_sdk_s_own_settings_apply() {
    let dir = std::env::temp_dir().join(format!("strands-sdk-retry-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("config"),
        "[default]\nregion = us-east-1\nmax_attempts = 4\n\n[profile two]\nregion = us-east-1\nmax_attempts = 2\n",
    )
    .unwrap();
    for new_retries in ["true", "false", "unset"] {
        let mut env = vec![
            ("AWS_CONFIG_FILE", dir.join("config").into_os_string()),
            ("STRANDS_TEST_NEW_RETRIES", new_retries.into()),
        ];
        if new_retries != "unset" {
            env.push(("AWS_NEW_RETRIES_2026", new_retries.into()));
        }
        let env: Vec<_> = env.iter().map(|(k, v)| (*k, v.as_os_str())).collect();
        strands_testkit::run_child_checks("child_sdk_settings_apply", CHILD, &env);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn child_sdk_settings_apply() {
    use aws_smithy_types::retry::RetrySpec;
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let new_retries = std::env::var("STRANDS_TEST_NEW_RETRIES").unwrap();
    let want_v2_1 = new_retries != "false";
    for (profile, want) in [(None, 4usize), (Some("two"), 2)] {
        let ep = FaultEndpoint::start().await;
        ep.fail_then_succeed(1000, server_error(), ok_json(FUNCTION))
            .await;
        let mut b = AwsClientManager::builder()
            .endpoint_url(ep.uri())
            .credentials_provider(creds());
        if let Some(p) = profile {
            b = b.profile(p);
        }
        let m = b.build().await.unwrap();
        let lambda: aws_sdk_lambda::Client = m.get_client();
        let rc = lambda.config().retry_config().unwrap();
        assert_eq!(
            rc.retry_spec()
                .is_some_and(|s| s.is_at_least(RetrySpec::V2_1)),
            want_v2_1,
            "AWS_NEW_RETRIES_2026={new_retries}: {rc:?}"
        );
        assert!(!call(&m).await);
        assert_eq!(ep.request_count().await, want, "profile {profile:?}");
    }
    println!("child checks passed");
}
