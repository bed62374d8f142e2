//! The AWS retry spec's published cases, through the public API only.
//!
//! `tests/spec/*.json` are the spec's YAML cases as smithy-kotlin copies
//! them (each file names repository, path and commit), turned into JSON and
//! otherwise unchanged; `dynamodb_v2_1.json` is botocore's DynamoDB case.
//! Each standard-mode case runs the real loop
//! (`execute_with_retry_blocking_using`) on `RetryStrategy::aws_standard`
//! with the spec's `given` applied through builder knobs, a response list
//! served in order, and `RandomSource::fixed(exponential_base)`: the spec
//! calls the random factor `exponential_base` and the growth
//! `exponential_power`, which strands calls `exponential_base`.
//!
//! After each response the case says the outcome, the quota left and the
//! delay; the loop's own sleeps and the budget are read, nothing is
//! computed here. A response list may hold several calls (the
//! multi-invocation case): a call ends where the loop returns.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use std::cell::RefCell;
use std::time::Duration;
use strands_retry::aws::{classify_code, classify_status, parse_retry_after};
use strands_retry::{
    AdaptiveRateLimiter, Cubic, ManualClock, RandomSource, RetryBehavior, RetryBudget, RetryKind,
    RetryStrategy, Retryable,
};

fn load(name: &str) -> Value {
    let path = format!("{}/tests/spec/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let v: Value = serde_json::from_str(&text).unwrap();
    let src = &v["source"];
    assert!(
        src["repository"].is_string() && src["path"].is_string() && src["commit"].is_string(),
        "{name} must name its source"
    );
    v
}

/// A service's answer, as the spec writes it.
#[derive(Debug, Clone)]
struct Answer {
    status: u16,
    code: Option<String>,
    retry_after: Option<Duration>,
}

impl std::fmt::Display for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HTTP {} {:?}", self.status, self.code)
    }
}
impl std::error::Error for Answer {}

impl Retryable for Answer {
    fn retry_kind(&self) -> RetryKind {
        match &self.code {
            Some(c) if classify_code(c).is_retryable() => classify_code(c),
            _ => classify_status(self.status),
        }
    }
    fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }
}

fn answer(r: &Value) -> Answer {
    let headers = r["headers"].as_object();
    Answer {
        status: r["status_code"].as_u64().unwrap() as u16,
        code: r["error_code"].as_str().map(str::to_owned),
        retry_after: headers.and_then(|h| {
            h.iter()
                .find_map(|(k, v)| parse_retry_after(k, v.as_str().unwrap_or("")))
        }),
    }
}

fn secs(v: &Value) -> Option<Duration> {
    v.as_f64().map(Duration::from_secs_f64)
}

fn strategy(given: &Value, behavior: RetryBehavior) -> (RetryStrategy, RetryBudget) {
    let mut b = match given["service"].as_str() {
        Some(svc) => RetryStrategy::aws_service_standard(svc, behavior),
        None => RetryStrategy::aws_standard(behavior),
    };
    if let Some(n) = given["max_attempts"].as_u64() {
        b = b.max_retries(n as u32 - 1);
    }
    if let Some(d) = secs(&given["max_backoff_time"]) {
        b = b.max_delay(d);
    }
    if let Some(p) = given["exponential_power"].as_f64() {
        b = b.exponential_base(p);
    }
    let random = given["exponential_base"].as_f64().unwrap_or(1.0);
    let budget = match given["initial_retry_tokens"].as_u64() {
        Some(n) => RetryBudget::new(n as u32).with_costs(behavior.costs()),
        None => RetryBudget::for_behavior(behavior),
    };
    let s = b
        .budget(budget.clone())
        .random_source(RandomSource::fixed(random))
        .long_polling(given["long_polling"].as_bool().unwrap_or(false))
        .build()
        .unwrap();
    (s, budget)
}

/// What the loop did after one response.
#[derive(Debug, PartialEq)]
struct Step {
    outcome: &'static str,
    quota: u32,
    delay: Option<Duration>,
}

/// Serve `responses` to the real loop, call after call, and say what it did
/// after each.
fn run(s: &RetryStrategy, budget: &RetryBudget, responses: &[Value]) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut next = 0;
    while next < responses.len() {
        let served = RefCell::new(0usize);
        let sleeps: RefCell<Vec<(usize, Duration, u32)>> = RefCell::new(Vec::new());
        let before = s.stats();
        let out: Result<(), Answer> = s.execute_with_retry_blocking_using(
            |d| {
                sleeps
                    .borrow_mut()
                    .push((*served.borrow(), d, budget.available()))
            },
            || {
                let i = next + *served.borrow();
                *served.borrow_mut() += 1;
                let r = &responses
                    .get(i)
                    .expect("the loop asked for more responses than the case has")["response"];
                let a = answer(r);
                if a.status < 300 { Ok(()) } else { Err(a) }
            },
        );
        let after = s.stats();
        let served = served.into_inner();
        let sleeps = sleeps.into_inner();
        for k in 0..served {
            let sleep_after = sleeps.iter().find(|(n, _, _)| *n == k + 1);
            let last = k + 1 == served;
            let outcome = match (&out, last) {
                (_, false) => "retry_request",
                (Ok(()), true) => "success",
                (Err(e), true) if !e.retry_kind().is_retryable() => "fail_request",
                (Err(_), true) if after.budget_refusals > before.budget_refusals => {
                    "retry_quota_exceeded"
                }
                (Err(_), true) => "max_attempts_exceeded",
            };
            let quota = match sleep_after {
                Some((_, _, q)) => *q,
                None => budget.available(),
            };
            steps.push(Step {
                outcome,
                quota,
                delay: sleep_after.map(|(_, d, _)| *d),
            });
        }
        next += served;
    }
    steps
}

fn close(a: Duration, b: Duration) -> bool {
    a.as_secs_f64().sub_abs(b.as_secs_f64()) < 1e-6
}

trait SubAbs {
    fn sub_abs(self, o: f64) -> f64;
}
impl SubAbs for f64 {
    fn sub_abs(self, o: f64) -> f64 {
        (self - o).abs()
    }
}

fn check_standard(file: &str, behavior: RetryBehavior) -> usize {
    let doc = load(file);
    let mut n = 0;
    for (group, cases) in doc["groups"].as_object().unwrap() {
        for (name, case) in cases.as_object().unwrap() {
            let Some(responses) = case["responses"].as_array() else {
                continue; // the multi-threaded case: its own test below
            };
            let (s, budget) = strategy(&case["given"], behavior);
            let steps = run(&s, &budget, responses);
            assert_eq!(steps.len(), responses.len(), "{group}/{name}: {steps:?}");
            for (i, (step, r)) in steps.iter().zip(responses).enumerate() {
                let want = &r["expected"];
                let at = format!("{file} {group}/{name}, response {i}: {step:?}");
                assert_eq!(step.outcome, want["outcome"].as_str().unwrap(), "{at}");
                if let Some(q) = want["retry_quota"].as_u64() {
                    assert_eq!(u64::from(step.quota), q, "{at}");
                }
                match secs(&want["delay"]) {
                    Some(d) => {
                        let got = step.delay.unwrap_or_else(|| panic!("{at}: no delay"));
                        assert!(close(got, d), "{at}: want {d:?}");
                    }
                    // No delay written: none may happen, except between
                    // retries of cases that leave the delay out (the
                    // long-polling ones write it only where it matters).
                    None if step.outcome != "retry_request" => {
                        assert_eq!(step.delay, None, "{at}: slept before giving up")
                    }
                    None => {}
                }
            }
            n += 1;
        }
    }
    n
}

#[test]
fn standard_mode_v2_0_matches_the_spec() {
    assert_eq!(check_standard("standard_v2_0", RetryBehavior::V2_0), 6);
}

#[test]
fn standard_mode_v2_1_matches_the_spec() {
    // 12 standard, 5 long-polling, 1 multi-invocation.
    assert_eq!(check_standard("standard_v2_1", RetryBehavior::V2_1), 18);
}

#[test]
fn dynamodb_v2_1_matches_botocore() {
    assert_eq!(check_standard("dynamodb_v2_1", RetryBehavior::V2_1), 1);
}

/// Threads share one budget: the quota after each step depends on how they
/// interleave, the final one does not.
#[test]
fn shared_budget_across_threads_ends_where_the_spec_says() {
    let doc = load("standard_v2_1");
    let case =
        &doc["groups"]["newStandardRetryMultiThreadedTestCases"]["Shared multi-threaded scenarios"];
    let (s, budget) = strategy(&case["given"], RetryBehavior::V2_1);
    std::thread::scope(|scope| {
        for thread in case["threads"].as_array().unwrap() {
            let s = s.clone();
            let budget = budget.clone();
            scope.spawn(move || run(&s, &budget, thread.as_array().unwrap()));
        }
    });
    assert_eq!(
        u64::from(budget.available()),
        case["expected_final_quota"].as_u64().unwrap()
    );
}

/// The spec's CUBIC vectors, on the very function the limiter uses. At a
/// throttle the maximum is the rate before the cut (the spec and the
/// production SDKs; aws-sdk-go-v2's copy records it after).
#[test]
fn adaptive_cubic_matches_the_spec() {
    let doc = load("adaptive");
    let cases = doc["groups"]["adaptiveRetryCubicTestCases"]
        .as_object()
        .unwrap();
    assert_eq!(cases.len(), 2);
    for (name, case) in cases {
        let given = &case["given"];
        let mut c = Cubic {
            last_max_rate: given["last_max_rate"].as_f64().unwrap(),
            last_throttle: given["last_throttle_time"].as_f64().unwrap(),
        };
        let mut last = c.last_max_rate;
        for (i, step) in case["cases"].as_array().unwrap().iter().enumerate() {
            let t = step["timestamp"].as_f64().unwrap();
            last = match step["response"].as_str().unwrap() {
                "success" => c.success(t),
                _ => c.throttle(last, t),
            };
            let want = step["calculated_rate"].as_f64().unwrap();
            assert!(last.sub_abs(want) < 5e-7, "{name} #{i}: {last} != {want}");
        }
    }
}

/// The spec's end-to-end vector from a fresh limiter: its initial state is
/// part of the case (a measured rate of 0).
#[test]
fn adaptive_end_to_end_matches_the_spec_from_the_initial_state() {
    let doc = load("adaptive");
    let case =
        &doc["groups"]["adaptiveRetryE2eTestCases"]["End-to-end test for client sending rates"];
    let clock = ManualClock::new();
    let limiter = AdaptiveRateLimiter::with_clock(clock.clone());
    for (i, step) in case["cases"].as_array().unwrap().iter().enumerate() {
        clock.set(Duration::from_secs_f64(step["timestamp"].as_f64().unwrap()));
        limiter.record(step["response"].as_str() == Some("throttle"));
        let (measured, fill) = (limiter.measured_rate(), limiter.bucket_fill_rate());
        let want_m = step["measured_tx_rate"].as_f64().unwrap();
        let want_f = step["new_token_bucket_rate"].as_f64().unwrap();
        assert!(
            measured.sub_abs(want_m) < 5e-7,
            "#{i}: measured {measured} != {want_m}"
        );
        assert!(fill.sub_abs(want_f) < 5e-7, "#{i}: fill {fill} != {want_f}");
    }
}
