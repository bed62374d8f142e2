//! Real AWS error responses, as the SDKs' and Smithy's own test suites
//! publish them (`tests/corpus/*.http`, each naming its repository, path,
//! commit and test), served from a local socket to a real SDK client of
//! the matching protocol and handed to `error_handler().handle_exception`.
//!
//! | protocol | client |
//! |---|---|
//! | awsQuery | aws-sdk-sts |
//! | ec2Query | aws-sdk-sts: there is no small ec2Query client (aws-sdk-ec2 alone would double the build), and STS cannot parse `<Response><Errors>`, so these exercise the raw-response fallback the way an unknown shape does |
//! | restXml | aws-sdk-s3 (S3 parses `<Error>`; the `<ErrorResponse>` wrapper of other restXml services goes to the fallback) |
//! | awsJson 1.0 | aws-sdk-sqs (query-compatible: `x-amzn-query-error`) |
//! | awsJson 1.1 | aws-sdk-cloudwatchlogs |
//! | restJson1 | aws-sdk-lambda |
//!
//! Each file says what the source expects (code, message, request id) and
//! what strands decides (category, retry kind). The same response read
//! raw, without the SDK's parser, must classify the same way.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use aws_credential_types::Credentials;
use aws_sdk_lambda::config::{BehaviorVersion, Region};
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use aws_smithy_runtime_api::http::{Response, StatusCode};
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;
use strands_errors::{DeploymentError, ErrorContext, Parsed, classify_response, error_handler};
use strands_testkit::wiremock::{Mock, MockServer, ResponseTemplate, matchers::any};
use strands_testkit::{TEST_ACCESS_KEY_ID, TEST_SECRET_ACCESS_KEY};

#[derive(Debug)]
struct Case {
    file: String,
    source: String,
    client: String,
    expect: BTreeMap<String, String>,
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

fn load(path: &Path) -> Case {
    let text = std::fs::read_to_string(path).unwrap();
    let (head, body) = text.split_once("\n\n").unwrap_or((&text, ""));
    let mut case = Case {
        file: path.file_name().unwrap().to_string_lossy().into_owned(),
        source: String::new(),
        client: String::new(),
        expect: BTreeMap::new(),
        status: 0,
        headers: Vec::new(),
        body: body.to_owned(),
    };
    for line in head.lines() {
        if let Some(v) = line.strip_prefix("# source: ") {
            case.source = v.to_owned();
        } else if let Some(v) = line.strip_prefix("# client: ") {
            case.client = v.to_owned();
        } else if let Some(v) = line.strip_prefix("# expect ") {
            let (k, v) = v.split_once(": ").unwrap();
            case.expect.insert(k.to_owned(), v.to_owned());
        } else if let Some(v) = line.strip_prefix("HTTP/1.1 ") {
            case.status = v.trim().parse().unwrap();
        } else if !line.starts_with('#') {
            let (k, v) = line.split_once(": ").unwrap();
            case.headers.push((k.to_owned(), v.to_owned()));
        }
    }
    assert!(
        case.source.contains(" @ ") && case.status > 0,
        "{}: names no source commit or status",
        case.file
    );
    case
}

fn http() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

macro_rules! conf {
    ($svc:ident, $endpoint:expr) => {
        $svc::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url($endpoint)
            .credentials_provider(Credentials::new(
                TEST_ACCESS_KEY_ID,
                TEST_SECRET_ACCESS_KEY,
                None,
                None,
                "test",
            ))
            .http_client(http())
            .retry_config(RetryConfig::disabled())
            .timeout_config(
                TimeoutConfig::builder()
                    .operation_attempt_timeout(Duration::from_secs(5))
                    .build(),
            )
    };
}

fn ctx(service: &str, op: &str) -> ErrorContext {
    ErrorContext::new().aws_service(service).aws_operation(op)
}

/// One call of the case's client against `endpoint`, classified.
async fn call(client: &str, endpoint: &str) -> DeploymentError {
    let h = error_handler();
    match client {
        "sts" => {
            let c = aws_sdk_sts::Client::from_conf(conf!(aws_sdk_sts, endpoint).build());
            let err = c.get_caller_identity().send().await.unwrap_err();
            h.handle_exception(err, ctx("sts", "GetCallerIdentity"))
        }
        "s3" => {
            let c = aws_sdk_s3::Client::from_conf(
                conf!(aws_sdk_s3, endpoint).force_path_style(true).build(),
            );
            let err = c.list_buckets().send().await.unwrap_err();
            h.handle_exception(err, ctx("s3", "ListBuckets"))
        }
        "sqs" => {
            let c = aws_sdk_sqs::Client::from_conf(conf!(aws_sdk_sqs, endpoint).build());
            let err = c.list_queues().send().await.unwrap_err();
            h.handle_exception(err, ctx("sqs", "ListQueues"))
        }
        "logs" => {
            let c = aws_sdk_cloudwatchlogs::Client::from_conf(
                conf!(aws_sdk_cloudwatchlogs, endpoint).build(),
            );
            let err = c.describe_log_groups().send().await.unwrap_err();
            h.handle_exception(err, ctx("logs", "DescribeLogGroups"))
        }
        "lambda" => {
            let c = aws_sdk_lambda::Client::from_conf(conf!(aws_sdk_lambda, endpoint).build());
            let err = c.list_functions().send().await.unwrap_err();
            h.handle_exception(err, ctx("lambda", "ListFunctions"))
        }
        other => panic!("unknown client {other}"),
    }
}

fn expected<'a>(case: &'a Case, key: &str) -> Option<Option<&'a str>> {
    match case.expect.get(key).map(String::as_str) {
        None | Some("?") => None,
        Some("-") => Some(None),
        Some(v) => Some(Some(v)),
    }
}

/// What one case got wrong, in words; empty when it is right.
fn check(case: &Case, e: &DeploymentError) -> Vec<String> {
    let mut wrong = Vec::new();
    let mut want = |what: &str, got: Option<&str>, exp: Option<Option<&str>>| {
        if let Some(exp) = exp
            && got != exp
        {
            wrong.push(format!("{what}: got {got:?}, want {exp:?}"));
        }
    };
    want("code", e.aws_code(), expected(case, "code"));
    want(
        "request id",
        e.context().request_id.as_deref(),
        expected(case, "request_id"),
    );
    want(
        "extended request id",
        e.context()
            .additional_info
            .get("extended_request_id")
            .map(String::as_str),
        expected(case, "extended_request_id"),
    );
    want(
        "category",
        Some(e.category().as_str()),
        expected(case, "category"),
    );
    want(
        "retry",
        Some(e.retry_kind().as_str()),
        expected(case, "retry"),
    );
    // Compared with whitespace folded: strands folds runs of whitespace
    // in a service message to one space.
    let fold = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    if let Some(Some(m)) = expected(case, "message")
        && !e.message().contains(&fold(m))
    {
        wrong.push(format!("message {:?} lacks {m:?}", e.message()));
    }
    // The same response, read raw (no SDK parser), classifies the same.
    let mut raw = Response::new(
        StatusCode::try_from(case.status).unwrap(),
        SdkBody::from(case.body.clone()),
    );
    for (k, v) in &case.headers {
        raw.headers_mut().insert(k.clone(), v.clone());
    }
    let c = classify_response(&raw, Parsed::NOTHING);
    if c.retry_kind != e.retry_kind() || c.category != e.category() {
        wrong.push(format!(
            "raw reading differs: {:?}/{:?} vs {:?}/{:?}",
            c.category,
            c.retry_kind,
            e.category(),
            e.retry_kind()
        ));
    }
    wrong
}

#[tokio::test]
async fn every_published_error_response_is_read_and_classified() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "http"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 40,
        "the corpus holds {} responses",
        files.len()
    );
    let mut protocols = std::collections::BTreeSet::new();
    let mut failures = Vec::new();
    for path in &files {
        let case = load(path);
        protocols.insert(case.file.split('-').nth(1).unwrap().to_owned());
        let server = MockServer::start().await;
        let mut t = ResponseTemplate::new(case.status).set_body_string(case.body.clone());
        for (k, v) in &case.headers {
            t = t.insert_header(k.as_str(), v.as_str());
        }
        Mock::given(any()).respond_with(t).mount(&server).await;
        let e = call(&case.client, &server.uri()).await;
        let wrong = check(&case, &e);
        if !wrong.is_empty() {
            failures.push(format!(
                "{} ({})\n    {}\n    got: {e:?}",
                case.file,
                case.source,
                wrong.join("\n    ")
            ));
        }
    }
    assert_eq!(
        protocols.into_iter().collect::<Vec<_>>(),
        [
            "awsJson1_0",
            "awsJson1_1",
            "awsQuery",
            "ec2Query",
            "restJson1",
            "restXml"
        ]
    );
    assert!(
        failures.is_empty(),
        "{} of {} responses read wrong:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

/// One response served to one client, classified.
async fn serve(client: &str, status: u16, headers: &[(&str, &str)], body: &str) -> DeploymentError {
    let server = MockServer::start().await;
    let mut t = ResponseTemplate::new(status).set_body_string(body.to_owned());
    for (k, v) in headers {
        t = t.insert_header(*k, *v);
    }
    Mock::given(any()).respond_with(t).mount(&server).await;
    call(client, &server.uri()).await
}

/// Shapes real services send that no suite above holds, each served to a
/// real client: the SDK cannot read them, the raw-response reader can.
#[tokio::test]
async fn shapes_outside_the_suites() {
    // Route 53 names the error by its root element.
    let e = serve(
        "s3",
        400,
        &[("content-type", "text/xml")],
        "<?xml version=\"1.0\"?>\n<InvalidChangeBatch xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\"><Messages><Message>Tried to create resource record set duplicate.example.com. type A, but it already exists</Message></Messages><RequestId>b25f48e8-84fd-11e6-80d9-574e0c4664cb</RequestId></InvalidChangeBatch>",
    )
    .await;
    assert_eq!(e.aws_code(), Some("InvalidChangeBatch"), "{e:?}");
    assert!(e.message().contains("already exists"), "{e:?}");
    assert_eq!(
        e.context().request_id.as_deref(),
        Some("b25f48e8-84fd-11e6-80d9-574e0c4664cb")
    );
    // A 502 whose body is only a root element.
    let e = serve(
        "lambda",
        502,
        &[],
        "<ServiceUnavailableException><Message>Service unavailable</Message></ServiceUnavailableException>",
    )
    .await;
    assert_eq!(e.aws_code(), Some("ServiceUnavailableException"), "{e:?}");
    assert_eq!(e.retry_kind().as_str(), "transient");
    // XML from the front door of a JSON service.
    let e = serve(
        "logs",
        403,
        &[],
        "<UnrecognizedClientException>\n  <Message>The security token included in the request is invalid.</Message>\n</UnrecognizedClientException>",
    )
    .await;
    assert_eq!(e.aws_code(), Some("UnrecognizedClientException"), "{e:?}");
    assert_eq!(e.category().as_str(), "credential");
    // A 200 from S3 whose body was cut mid-XML: a transient failure. (Cut
    // between two elements, aws-sdk-s3's lenient reader returns a partial
    // success instead, which no error handler sees; cut inside a value,
    // as here, the SDK fails to read it.)
    let e = serve(
        "s3",
        200,
        &[("content-type", "application/xml")],
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListAllMyBucketsResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Owner><ID>bcaf1ffd86f4</ID></Owner><Buckets><Bucket><Name>artifacts</Name><CreationDate>2026-11-2",
    )
    .await;
    assert_eq!(e.retry_kind().as_str(), "transient", "{e:?}");
    assert_eq!(e.category().as_str(), "network", "{e:?}");
    // Clock skew and the other modelled auth errors are credential errors.
    for code in [
        "RequestTimeTooSkewed",
        "InvalidSignatureException",
        "MissingAuthenticationTokenException",
        "ExpiredTokenException",
        "UnrecognizedClientException",
    ] {
        let body = format!(r#"{{"__type":"{code}","message":"m"}}"#);
        let e = serve("lambda", 403, &[("x-amzn-ErrorType", code)], &body).await;
        assert_eq!(e.category().as_str(), "credential", "{code}: {e:?}");
        assert!(!e.suggestions().is_empty());
    }
}

/// The report of one Lambda error says the service's message once (it
/// used to say it four times: the botocore line, "service error", and the
/// SDK's own two links).
#[tokio::test]
async fn the_report_says_each_thing_once() {
    let msg = "Function not found: arn:aws:lambda:us-east-1:123456789012:function:my-fn";
    let body = format!(r#"{{"Type":"User","message":"{msg}"}}"#);
    let e = serve(
        "lambda",
        404,
        &[
            ("x-amzn-ErrorType", "ResourceNotFoundException"),
            ("x-amzn-RequestId", "7f0b3c1e-0000-4000-8000-000000000001"),
        ],
        &body,
    )
    .await;
    let report = strands_testkit::render_report(&e);
    let folded = report.split_whitespace().collect::<Vec<_>>().join(" ");
    assert_eq!(folded.matches("Function not found").count(), 1, "{report}");
    assert!(!report.contains("service error"), "{report}");
    insta::assert_snapshot!(report);
}

/// What is read and kept is bounded, whatever the server sends.
#[tokio::test]
async fn hostile_sizes_are_bounded() {
    let huge = "x".repeat(4 << 20);
    let body = format!(r#"{{"__type":"ValidationException","message":"{huge}"}}"#);
    let e = serve("lambda", 400, &[], &body).await;
    assert!(e.message().len() < 8 * 1024, "{}", e.message().len());
    assert!(e.to_user_message().len() < 16 * 1024);
    let base64ish = "QUJD".repeat(400_000);
    let e = serve("sts", 500, &[], &base64ish).await;
    assert!(e.message().len() < 8 * 1024);
    assert_eq!(e.retry_kind().as_str(), "transient");
}
