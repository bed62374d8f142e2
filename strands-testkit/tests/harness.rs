//! The harness itself: moto starts, answers, is isolated, and dies with its handle.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::TcpStream;
use std::time::Duration;
use strands_testkit::MotoServer;

fn answers(endpoint: &str) -> bool {
    ureq::get(&format!("{endpoint}/moto-api/")).call().is_ok()
}

fn port_open(port: u16) -> bool {
    TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(200)).is_ok()
}

#[test]
fn harness_moto_starts_on_loopback_and_stops_on_drop() {
    let moto = MotoServer::start().unwrap();
    assert!(moto.endpoint_url().starts_with("http://127.0.0.1:"));
    assert!(answers(moto.endpoint_url()));
    let port = moto.port();
    drop(moto);
    assert!(!port_open(port), "moto_server still listening after drop");
}

#[test]
fn harness_moto_is_killed_when_the_test_panics() {
    let (tx, rx) = std::sync::mpsc::channel();
    let joined = std::thread::spawn(move || {
        let moto = MotoServer::start().unwrap();
        tx.send(moto.port()).unwrap();
        panic!("a test failing while it holds the server");
    })
    .join();
    assert!(joined.is_err());
    let port = rx.recv().unwrap();
    assert!(!port_open(port), "moto_server outlived a panicking test");
}

#[test]
fn harness_servers_are_isolated_and_reset_clears_state() {
    let a = MotoServer::start().unwrap();
    let b = MotoServer::start().unwrap();
    assert_ne!(a.port(), b.port());
    // Create an IAM role through the query API on `a` only.
    let create = |endpoint: &str| {
        ureq::post(&format!("{endpoint}/"))
            .header(
                "authorization",
                "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0",
            )
            .send_form([
                ("Action", "CreateRole"),
                ("Version", "2010-05-08"),
                ("RoleName", "isolation-probe"),
                ("AssumeRolePolicyDocument", "{}"),
            ])
            .unwrap();
    };
    let list = |endpoint: &str| -> String {
        ureq::post(&format!("{endpoint}/"))
            .header(
                "authorization",
                "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0",
            )
            .send_form([("Action", "ListRoles"), ("Version", "2010-05-08")])
            .unwrap()
            .into_body()
            .read_to_string()
            .unwrap()
    };
    create(a.endpoint_url());
    assert!(list(a.endpoint_url()).contains("isolation-probe"));
    assert!(!list(b.endpoint_url()).contains("isolation-probe"));
    a.reset().unwrap();
    assert!(!list(a.endpoint_url()).contains("isolation-probe"));
}
