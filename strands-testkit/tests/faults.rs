//! Each fault helper, seen from a plain HTTP client.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;
use strands_testkit::{FaultEndpoint, ResetListener, ok_json};

fn client(timeout: Duration) -> ureq::Agent {
    strands_testkit::loopback_agent(timeout)
}

// The helpers are async (wiremock), the client blocking: run it off the runtime.
async fn status_of(uri: String) -> Result<(u16, Option<String>), String> {
    tokio::task::spawn_blocking(move || {
        client(Duration::from_secs(5))
            .get(&uri)
            .call()
            .map(|r| {
                let retry_after = r
                    .headers()
                    .get("retry-after")
                    .map(|v| v.to_str().unwrap().to_owned());
                (r.status().as_u16(), retry_after)
            })
            .map_err(|e| e.to_string())
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_throttle_n_times_then_succeed() {
    let ep = FaultEndpoint::start().await;
    ep.throttle_then_succeed(2, Some(Duration::from_secs(1)), ok_json("{}"))
        .await;
    let mut seen = Vec::new();
    for _ in 0..4 {
        seen.push(status_of(ep.uri()).await.unwrap());
    }
    let statuses: Vec<u16> = seen.iter().map(|s| s.0).collect();
    assert_eq!(statuses, [429, 429, 200, 200]);
    assert_eq!(seen[0].1.as_deref(), Some("1"));
    assert_eq!(ep.request_count().await, 4);
    eprintln!(
        "[strands-testkit] fault endpoint {} throttled 2 then succeeded",
        ep.uri()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_always_5xx() {
    let ep = FaultEndpoint::start().await;
    ep.always_status(503, "ServiceUnavailable").await;
    for _ in 0..3 {
        assert_eq!(status_of(ep.uri()).await.unwrap().0, 503);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_delay_trips_a_client_timeout() {
    let ep = FaultEndpoint::start().await;
    ep.delay(Duration::from_secs(3), ok_json("{}")).await;
    let uri = ep.uri();
    let err = tokio::task::spawn_blocking(move || {
        client(Duration::from_millis(300))
            .get(&uri)
            .call()
            .unwrap_err()
    })
    .await
    .unwrap();
    assert!(
        matches!(err, ureq::Error::Timeout(_)),
        "expected a timeout, got {err}"
    );
}

#[test]
fn faults_reset_listener_resets_connections() {
    let listener = ResetListener::start().unwrap();
    let err = client(Duration::from_secs(5))
        .get(&listener.uri())
        .call()
        .unwrap_err();
    let text = err.to_string().to_lowercase();
    assert!(
        text.contains("reset") || text.contains("closed") || text.contains("broken"),
        "expected a reset, got {err}"
    );
    assert_eq!(listener.accepted(), 1);
    eprintln!(
        "[strands-testkit] reset listener {} reset 1 connection: {err}",
        listener.uri()
    );
}
