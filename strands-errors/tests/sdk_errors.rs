//! Real SdkErrors from aws-sdk-sts and aws-sdk-lambda, against moto_server
//! and a wiremock endpoint, through `handle_exception`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use aws_credential_types::Credentials;
use aws_credential_types::provider::{ProvideCredentials, error::CredentialsError, future};
use aws_sdk_lambda::config::{BehaviorVersion, Region};
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;
use std::time::Duration;
use strands_errors::{DeploymentError, ErrorCategory, ErrorContext, ErrorHandler, error_handler};
use strands_retry::{RetryKind, Retryable};
use strands_testkit::{
    FaultEndpoint, MotoServer, ResetListener, TEST_ACCESS_KEY_ID, TEST_SECRET_ACCESS_KEY,
    aws_json_error, aws_query_error,
};

fn http() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

fn creds(key: &str) -> Credentials {
    Credentials::new(key, TEST_SECRET_ACCESS_KEY, None, None, "test")
}

/// One client constructor per service, no SDK retries (the tests count
/// what one call returns), a short operation timeout (2 s: moto's first
/// Lambda call imports its Lambda module, slow on a loaded 2-core box).
macro_rules! client {
    ($svc:ident, $endpoint:expr, $creds:expr) => {{
        let conf = $svc::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url($endpoint)
            .credentials_provider($creds)
            .http_client(http())
            .retry_config(RetryConfig::disabled())
            .timeout_config(
                TimeoutConfig::builder()
                    .operation_attempt_timeout(Duration::from_secs(2))
                    .build(),
            )
            .build();
        $svc::Client::from_conf(conf)
    }};
}

fn sts_ctx() -> ErrorContext {
    ErrorContext::new()
        .aws_service("sts")
        .aws_operation("GetCallerIdentity")
}

fn lambda_ctx(name: &str) -> ErrorContext {
    ErrorContext::new()
        .resource_id(name)
        .aws_service("lambda")
        .aws_operation("GetFunction")
}

#[tokio::test]
async fn moto_lambda_missing_function_is_resource_not_found() {
    let moto = MotoServer::start().unwrap();
    let lambda = client!(
        aws_sdk_lambda,
        moto.endpoint_url(),
        creds(TEST_ACCESS_KEY_ID)
    );
    let err = lambda
        .get_function()
        .function_name("no-such-fn")
        .send()
        .await
        .unwrap_err();
    let e = error_handler().handle_exception(err, lambda_ctx("no-such-fn"));
    assert_eq!(e.aws_code(), Some("ResourceNotFoundException"), "{e:?}");
    assert_eq!(e.category(), ErrorCategory::Validation);
    assert_eq!(
        e.code(),
        "strands::validation::resource_not_found_exception"
    );
    assert_eq!(e.retry_kind(), RetryKind::Permanent);
    assert!(!e.message().contains("read from the"), "{}", e.message());
    assert!(
        e.suggestions()[0].contains("no-such-fn"),
        "{:?}",
        e.suggestions()
    );
    let cause = e.to_user_message();
    assert!(
        cause.contains(
            "An error occurred (ResourceNotFoundException) when calling the GetFunction operation"
        ),
        "{cause}"
    );
}

#[tokio::test]
async fn moto_auth_mode_sts_unknown_key_is_credential_via_the_raw_body() {
    let moto = MotoServer::builder().auth_mode(true).start().unwrap();
    let sts = client!(
        aws_sdk_sts,
        moto.endpoint_url(),
        creds("AKIAUNKNOWNKEY000000")
    );
    let err = sts.get_caller_identity().send().await.unwrap_err();
    // The SDK itself could not read a code from moto's error shape.
    use aws_smithy_types::error::metadata::ProvideErrorMetadata;
    assert_eq!(err.code(), None, "the SDK read the code itself: {err:?}");
    let e = error_handler().handle_exception(err, sts_ctx());
    assert_eq!(e.aws_code(), Some("InvalidClientTokenId"));
    assert_eq!(e.category(), ErrorCategory::Credential);
    assert!(
        e.message().contains("read from the response body"),
        "{}",
        e.message()
    );
    assert!(e.context().request_id.is_some());
}

#[tokio::test]
async fn moto_auth_mode_lambda_xml_body_is_still_classified() {
    let moto = MotoServer::builder().auth_mode(true).start().unwrap();
    let lambda = client!(
        aws_sdk_lambda,
        moto.endpoint_url(),
        creds("AKIAUNKNOWNKEY000000")
    );
    let err = lambda
        .get_function()
        .function_name("f")
        .send()
        .await
        .unwrap_err();
    // The JSON client cannot parse moto's XML: no code from the SDK.
    use aws_smithy_types::error::metadata::ProvideErrorMetadata;
    assert_eq!(err.code(), None, "the SDK read the code itself: {err:?}");
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(403));
    let e = error_handler().handle_exception(err, lambda_ctx("f"));
    // The body still names the code, so we read it there rather than stop
    // at the status (the status-only path is tested against wiremock).
    assert_eq!(e.aws_code(), Some("InvalidClientTokenId"), "{e:?}");
    assert_eq!(e.category(), ErrorCategory::Credential);
    assert!(
        e.message().contains("read from the response body"),
        "{}",
        e.message()
    );
}

/// Each code answered by a local endpoint in its service's own shape comes
/// back with the table's category, retry kind and diagnostic code.
#[tokio::test]
async fn wiremock_codes_follow_the_table() {
    let lambda_cases = [
        (
            403,
            "AccessDeniedException",
            "User is not authorized to perform lambda:GetFunction",
        ),
        (429, "TooManyRequestsException", "Rate exceeded"),
        (
            400,
            "CodeStorageExceededException",
            "Code storage limit exceeded",
        ),
        (
            409,
            "ResourceConflictException",
            "Function already exist: f1",
        ),
        (
            409,
            "ResourceConflictException",
            "An update is in progress for resource: arn:aws:lambda:us-east-1:123456789012:function:f1",
        ),
        (
            400,
            "InvalidParameterValueException",
            "The role defined for the function cannot be assumed by Lambda.",
        ),
        (400, "InvalidParameterValueException", "Unsupported runtime"),
        (500, "ServiceException", "internal"),
        (502, "ENILimitReachedException", "ENI limit"),
        (
            403,
            "ExpiredTokenException",
            "The security token included in the request is expired",
        ),
        (
            403,
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
        ),
        (
            400,
            "InvalidRequestContentException",
            "Could not parse request body",
        ),
        (400, "ValidationException", "1 validation error detected"),
    ];
    for (status, code, msg) in lambda_cases {
        let ep = FaultEndpoint::start().await;
        ep.fail_then_succeed(
            1000,
            aws_json_error(status, code, msg),
            aws_json_error(500, "x", "x"),
        )
        .await;
        let lambda = client!(aws_sdk_lambda, ep.uri(), creds(TEST_ACCESS_KEY_ID));
        let err = lambda
            .get_function()
            .function_name("f1")
            .send()
            .await
            .unwrap_err();
        let e = ErrorHandler::new().handle_exception(err, lambda_ctx("f1"));
        check_against_table(&e, code, msg);
    }
    let sts_cases = [
        (
            403,
            "ExpiredToken",
            "The security token included in the request is expired",
        ),
        (
            403,
            "AccessDenied",
            "User is not authorized to perform sts:AssumeRole",
        ),
        (
            403,
            "RegionDisabledException",
            "STS is not activated in this region",
        ),
        (
            400,
            "PackedPolicyTooLargeException",
            "Packed policy too large",
        ),
        (400, "Throttling", "Rate exceeded"),
        (
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match",
        ),
        (400, "RequestExpired", "Request has expired"),
        (
            400,
            "InvalidIdentityToken",
            "Couldn't retrieve verification key",
        ),
        (400, "MalformedPolicyDocument", "Syntax errors in policy"),
    ];
    for (status, code, msg) in sts_cases {
        let ep = FaultEndpoint::start().await;
        ep.fail_then_succeed(
            1000,
            aws_query_error(status, code, msg),
            aws_json_error(500, "x", "x"),
        )
        .await;
        let sts = client!(aws_sdk_sts, ep.uri(), creds(TEST_ACCESS_KEY_ID));
        let err = sts.get_caller_identity().send().await.unwrap_err();
        let e = error_handler().handle_exception(err, sts_ctx());
        check_against_table(&e, code, msg);
    }
}

fn check_against_table(e: &DeploymentError, code: &str, msg: &str) {
    let (category, severity, retry_kind, diagnostic_code) =
        strands_errors::__private::lookup(code, msg).unwrap();
    assert_eq!(e.aws_code(), Some(code), "{e:?}");
    assert_eq!(e.category(), category, "{code}: {e:?}");
    assert_eq!(e.severity(), severity, "{code}");
    assert_eq!(e.retry_kind(), retry_kind, "{code}");
    assert_eq!(e.code(), diagnostic_code, "{code}");
    let page = format!("{}.md", diagnostic_code.replace("::", "--"));
    assert!(e.url().ends_with(&page), "{}", e.url());
    assert!(e.message().contains(msg), "{code}: {}", e.message());
    assert!(!e.suggestions().is_empty(), "{code}");
    assert_eq!(
        e.to_dict()["retryable"],
        serde_json::Value::Bool(retry_kind.is_retryable())
    );
}

#[tokio::test]
async fn retry_after_and_header_and_status_fallbacks() {
    // Retry-After from a throttled Lambda call reaches Retryable::retry_after.
    let ep = FaultEndpoint::start().await;
    ep.throttle_then_succeed(
        1000,
        Some(Duration::from_secs(3)),
        aws_json_error(500, "x", "x"),
    )
    .await;
    let lambda = client!(aws_sdk_lambda, ep.uri(), creds(TEST_ACCESS_KEY_ID));
    let err = lambda
        .get_function()
        .function_name("f")
        .send()
        .await
        .unwrap_err();
    let e = error_handler().handle_exception(err, lambda_ctx("f"));
    assert_eq!(e.retry_kind(), RetryKind::Throttling);
    assert_eq!(e.retry_after(), Some(Duration::from_secs(3)));

    // Only the x-amzn-ErrorType header names the code (HTML body).
    let ep = FaultEndpoint::start().await;
    let t = strands_testkit::wiremock::ResponseTemplate::new(403)
        .insert_header("x-amzn-ErrorType", "AccessDeniedException:http://internal")
        .set_body_string("<html>denied</html>");
    ep.fail_then_succeed(1000, t, aws_json_error(500, "x", "x"))
        .await;
    let lambda = client!(aws_sdk_lambda, ep.uri(), creds(TEST_ACCESS_KEY_ID));
    let err = lambda
        .get_function()
        .function_name("f")
        .send()
        .await
        .unwrap_err();
    let e = error_handler().handle_exception(err, lambda_ctx("f"));
    assert_eq!(e.aws_code(), Some("AccessDeniedException"), "{e:?}");

    // Nothing but a status.
    for (status, category, kind) in [
        (401, ErrorCategory::Credential, RetryKind::Permanent),
        (403, ErrorCategory::Permission, RetryKind::Permanent),
        (404, ErrorCategory::Validation, RetryKind::Permanent),
        (429, ErrorCategory::ResourceLimit, RetryKind::Throttling),
        (503, ErrorCategory::Aws, RetryKind::Transient),
    ] {
        let ep = FaultEndpoint::start().await;
        let t = strands_testkit::wiremock::ResponseTemplate::new(status).set_body_string("nope");
        ep.fail_then_succeed(1000, t, aws_json_error(500, "x", "x"))
            .await;
        let sts = client!(aws_sdk_sts, ep.uri(), creds(TEST_ACCESS_KEY_ID));
        let err = sts.get_caller_identity().send().await.unwrap_err();
        let e = error_handler().handle_exception(err, sts_ctx());
        assert_eq!(e.category(), category, "{status}: {e:?}");
        assert_eq!(e.retry_kind(), kind, "{status}");
        assert!(
            e.message().contains("classified by status"),
            "{}",
            e.message()
        );
    }
}

#[tokio::test]
async fn dispatch_failures_and_timeouts_are_network() {
    // Connection reset.
    let reset = ResetListener::start().unwrap();
    let sts = client!(aws_sdk_sts, reset.uri(), creds(TEST_ACCESS_KEY_ID));
    let err = sts.get_caller_identity().send().await.unwrap_err();
    let e = error_handler().handle_exception(err, sts_ctx());
    assert_eq!(e.category(), ErrorCategory::Network, "{e:?}");
    assert!(e.retry_kind().is_retryable());

    // Nobody listening.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let sts = client!(
        aws_sdk_sts,
        format!("http://127.0.0.1:{port}"),
        creds(TEST_ACCESS_KEY_ID)
    );
    let err = sts.get_caller_identity().send().await.unwrap_err();
    let e = error_handler().handle_exception(err, sts_ctx());
    assert_eq!(e.category(), ErrorCategory::Network, "{e:?}");

    // Slower than the 2 s attempt timeout.
    let ep = FaultEndpoint::start().await;
    ep.delay(Duration::from_secs(10), aws_json_error(500, "x", "x"))
        .await;
    let sts = client!(aws_sdk_sts, ep.uri(), creds(TEST_ACCESS_KEY_ID));
    let err = sts.get_caller_identity().send().await.unwrap_err();
    let e = error_handler().handle_exception(err, sts_ctx());
    assert_eq!(e.category(), ErrorCategory::Network, "{e:?}");
    assert!(e.is_timeout(), "{e:?}");
    assert!(e.retry_kind().is_retryable());
}

#[derive(Debug)]
struct NoCredentials;

impl ProvideCredentials for NoCredentials {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::ready(Err(CredentialsError::not_loaded(
            "no providers in chain provided credentials",
        )))
    }
}

#[tokio::test]
async fn missing_credentials_name_the_chain_and_the_fixes() {
    let ep = FaultEndpoint::start().await;
    let sts = client!(aws_sdk_sts, ep.uri(), NoCredentials);
    let err = sts.get_caller_identity().send().await.unwrap_err();
    let e = error_handler().handle_exception(err, sts_ctx());
    assert_eq!(e.category(), ErrorCategory::Credential, "{e:?}");
    assert!(
        e.message().contains("environment variables"),
        "{}",
        e.message()
    );
    let fixes = e.suggestions().join("\n");
    for needle in ["AWS_PROFILE", "aws configure", "aws sso login"] {
        assert!(fixes.contains(needle), "{needle}: {fixes}");
    }
    assert_eq!(ep.request_count().await, 0, "nothing was sent");
}
