//! The fault matrix through a Lambda client from the manager: each fault is
//! retried or failed with the right category, in bounded time, never a hang.
//! Also: what reaches STS on AssumeRole, and moto's auth mode.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use aws_credential_types::Credentials;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};
use strands_creds::{AssumeRoleConfig, AwsClientManager, MfaToken};
use strands_errors::{DeploymentError, ErrorCategory, ErrorContext, error_handler};
use strands_retry::RetryStrategy;
use strands_testkit::wiremock::ResponseTemplate;
use strands_testkit::{FaultEndpoint, MotoServer, ResetListener, aws_json_error, ok_json};

const RETRIES: u32 = 2;
const ATTEMPT_TIMEOUT: Duration = Duration::from_millis(300);
/// Far above what any case needs (3 attempts × 300 ms + backoff), far below
/// a hang.
const BOUND: Duration = Duration::from_secs(5);

fn creds() -> Credentials {
    strands_testkit::test_credentials()
}

async fn manager(endpoint: &str) -> AwsClientManager {
    AwsClientManager::builder()
        .region("us-east-1")
        .endpoint_url(endpoint)
        .credentials_provider(creds())
        .attempt_timeout(ATTEMPT_TIMEOUT)
        .retry_strategy(
            RetryStrategy::builder()
                .max_retries(RETRIES)
                .base_delay(Duration::from_millis(5))
                .max_delay(Duration::from_millis(20))
                .build()
                .unwrap(),
        )
        .build()
        .await
        .unwrap()
}

async fn get_function(m: &AwsClientManager) -> Result<(), DeploymentError> {
    let lambda: aws_sdk_lambda::Client = m.get_client();
    let ctx = ErrorContext::new()
        .resource_id("f1")
        .aws_service("lambda")
        .aws_operation("GetFunction");
    lambda
        .get_function()
        .function_name("f1")
        .send()
        .await
        .map(|_| ())
        .map_err(|e| error_handler().handle_exception(e, ctx))
}

const FUNCTION: &str = r#"{"Configuration":{"FunctionName":"f1"}}"#;

/// HTTP faults from wiremock: the first two answers fail, the third
/// succeeds, so a retried fault ends in success after three requests and a
/// permanent one fails after one.
#[tokio::test]
async fn http_faults_are_retried_or_failed_by_category() {
    let cases: Vec<(&str, ResponseTemplate, Option<ErrorCategory>)> = vec![
        (
            "400 Throttling",
            aws_json_error(400, "Throttling", "slow"),
            None,
        ),
        (
            "400 ThrottlingException",
            aws_json_error(400, "ThrottlingException", "slow"),
            None,
        ),
        (
            "429 Retry-After",
            aws_json_error(429, "TooManyRequestsException", "slow")
                .insert_header("retry-after", "0"),
            None,
        ),
        ("500", ResponseTemplate::new(500), None),
        ("502", ResponseTemplate::new(502), None),
        ("503", ResponseTemplate::new(503), None),
        ("504", ResponseTemplate::new(504), None),
        (
            "read timeout",
            ok_json(FUNCTION).set_delay(Duration::from_secs(3)),
            None,
        ),
        (
            "403 AccessDenied",
            aws_json_error(403, "AccessDeniedException", "no"),
            Some(ErrorCategory::Permission),
        ),
        (
            "404 ResourceNotFound",
            aws_json_error(404, "ResourceNotFoundException", "no"),
            Some(ErrorCategory::Validation),
        ),
    ];
    for (name, fault, permanent) in cases {
        let ep = FaultEndpoint::start().await;
        ep.fail_then_succeed(u64::from(RETRIES), fault, ok_json(FUNCTION))
            .await;
        let m = manager(&ep.uri()).await;
        let t = Instant::now();
        let out = get_function(&m).await;
        assert!(t.elapsed() < BOUND, "{name} took {:?}", t.elapsed());
        match permanent {
            None => {
                out.unwrap_or_else(|e| panic!("{name}: {e:?}"));
                assert_eq!(ep.request_count().await, 1 + RETRIES as usize, "{name}");
            }
            Some(cat) => {
                let e = out.unwrap_err();
                assert_eq!(e.category(), cat, "{name}: {e:?}");
                assert_eq!(ep.request_count().await, 1, "{name}: not retried");
            }
        }
    }
}

/// Faults that never heal: the call ends after 1 + RETRIES attempts with
/// the right category.
#[tokio::test]
async fn lasting_faults_end_with_the_right_category() {
    // Throttled for good.
    let ep = FaultEndpoint::start().await;
    ep.fail_then_succeed(
        1000,
        aws_json_error(400, "ThrottlingException", "slow"),
        ok_json(FUNCTION),
    )
    .await;
    let e = get_function(&manager(&ep.uri()).await).await.unwrap_err();
    assert_eq!(e.category(), ErrorCategory::ResourceLimit);
    assert!(e.retry_kind().is_retryable());
    assert_eq!(ep.request_count().await, 1 + RETRIES as usize);

    // Connection refused.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let t = Instant::now();
    let e = get_function(&manager(&format!("http://127.0.0.1:{port}")).await)
        .await
        .unwrap_err();
    assert_eq!(e.category(), ErrorCategory::Network, "{e:?}");
    assert!(t.elapsed() < BOUND);

    // Connection reset after the request was read.
    let reset = ResetListener::start().unwrap();
    let e = get_function(&manager(&reset.uri()).await)
        .await
        .unwrap_err();
    assert_eq!(e.category(), ErrorCategory::Network, "{e:?}");
    assert_eq!(
        reset.accepted(),
        1 + RETRIES as usize,
        "each attempt reconnected"
    );

    // Malformed 200: the SDK cannot parse it; a body garbled or cut on
    // the way is transient (as the SDKs' own classifiers say), so it is
    // retried like any transient failure, and ends as Network.
    let ep = FaultEndpoint::start().await;
    ep.fail_then_succeed(0, ok_json(FUNCTION), ok_json("{not json"))
        .await;
    let e = get_function(&manager(&ep.uri()).await).await.unwrap_err();
    assert_eq!(e.category(), ErrorCategory::Network, "{e:?}");
    assert_eq!(ep.request_count().await, 1 + RETRIES as usize);
}

/// A server that sends the headers and then the body one byte a second:
/// the attempt timeout ends each attempt; the call fails as a timeout.
#[tokio::test]
async fn a_slow_body_times_out_instead_of_hanging() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(1 + RETRIES as usize) {
            let Ok(mut s) = stream else { continue };
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf);
                let body = FUNCTION.as_bytes();
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                    body.len()
                );
                let _ = s.write_all(head.as_bytes());
                for b in body {
                    if s.write_all(&[*b]).is_err() {
                        return;
                    }
                    std::thread::sleep(Duration::from_secs(1));
                }
            });
        }
    });
    let t = Instant::now();
    let e = get_function(&manager(&format!("http://{addr}")).await)
        .await
        .unwrap_err();
    assert!(t.elapsed() < BOUND, "{:?}", t.elapsed());
    assert_eq!(e.category(), ErrorCategory::Network, "{e:?}");
    assert!(strands_retry::Retryable::is_timeout(&e), "{e:?}");
}

#[tokio::test]
async fn external_id_mfa_serial_and_code_reach_sts() {
    let ep = FaultEndpoint::start().await;
    let body = "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleResult>\
        <Credentials><AccessKeyId>ASIAROLEKEY000000001</AccessKeyId><SecretAccessKey>rolesecret</SecretAccessKey>\
        <SessionToken>roletoken</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>\
        <AssumedRoleUser><AssumedRoleId>AROAEXAMPLE:strands-deployment</AssumedRoleId>\
        <Arn>arn:aws:sts::123456789012:assumed-role/DeploymentRole/strands-deployment</Arn></AssumedRoleUser>\
        </AssumeRoleResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></AssumeRoleResponse>";
    ep.fail_then_succeed(
        0,
        ResponseTemplate::new(500),
        ResponseTemplate::new(200)
            .insert_header("content-type", "text/xml")
            .set_body_string(body),
    )
    .await;
    let m = AwsClientManager::builder()
        .region("us-east-1")
        .endpoint_url(ep.uri())
        .credentials_provider(creds())
        .assume_role(
            AssumeRoleConfig::new("arn:aws:iam::123456789012:role/DeploymentRole")
                .external_id("ext-1")
                .duration_seconds(1800)
                .mfa_serial("arn:aws:iam::123456789012:mfa/alice")
                .mfa_token(MfaToken::fixed("123456")),
        )
        .build()
        .await
        .unwrap();
    let id = m.assume_role().await.unwrap();
    assert_eq!(id.user_id, "AROAEXAMPLE:strands-deployment");
    let reqs = ep.server().received_requests().await.unwrap();
    assert_eq!(reqs.len(), 1);
    let sent = String::from_utf8_lossy(&reqs[0].body).into_owned();
    for field in [
        "Action=AssumeRole",
        "RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2FDeploymentRole",
        "RoleSessionName=strands-deployment",
        "DurationSeconds=1800",
        "ExternalId=ext-1",
        "SerialNumber=arn%3Aaws%3Aiam%3A%3A123456789012%3Amfa%2Falice",
        "TokenCode=123456",
    ] {
        assert!(sent.contains(field), "{field} missing from {sent}");
    }
    // The role's keys sign the next call.
    let auth = |r: &strands_testkit::wiremock::Request| {
        r.headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let lambda: aws_sdk_lambda::Client = m.get_client();
    let _ = lambda.list_functions().send().await;
    let reqs = ep.server().received_requests().await.unwrap();
    assert!(
        auth(&reqs[1]).contains("Credential=ASIAROLEKEY000000001/"),
        "{}",
        auth(&reqs[1])
    );
}

#[tokio::test]
async fn moto_auth_mode_unknown_keys_is_a_credential_error_with_the_fix() {
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
    let e = m.validate_credentials().await.unwrap_err();
    assert_eq!(e.category(), ErrorCategory::Credential, "{e:?}");
    assert_eq!(e.aws_code(), Some("InvalidClientTokenId"));
    assert!(
        e.suggestions().iter().any(|s| s.contains("aws configure")),
        "{:?}",
        e.suggestions()
    );
}
