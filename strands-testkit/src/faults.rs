//! Faults moto cannot make: throttling, 5xx, slow answers, from a wiremock
//! server on 127.0.0.1. The response helpers speak the two error shapes AWS
//! uses (JSON with `__type` and XML `ErrorResponse`), so the SDK's own error
//! parsers run on them.

use std::time::Duration;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A local HTTP endpoint that misbehaves on purpose.
#[derive(Debug)]
pub struct FaultEndpoint {
    server: MockServer,
}

/// STS's answer to `GetCallerIdentity` for `arn:aws:iam::123456789012:user/alice`.
pub fn sts_identity() -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("content-type", "text/xml")
        .set_body_string(
            "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
             <GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/alice</Arn>\
             <UserId>AIDAEXAMPLE</UserId><Account>123456789012</Account></GetCallerIdentityResult>\
             <ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></GetCallerIdentityResponse>",
        )
}

/// A 200 with a JSON body.
pub fn ok_json(body: &str) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("content-type", "application/json")
        .set_body_string(body)
}

/// An AWS JSON-protocol error (Lambda, most newer services): body
/// `{"__type": CODE, "message": MSG}` and the `x-amzn-ErrorType` header.
pub fn aws_json_error(status: u16, code: &str, message: &str) -> ResponseTemplate {
    let body = serde_json::json!({ "__type": code, "message": message });
    ResponseTemplate::new(status)
        .insert_header("content-type", "application/json")
        .insert_header("x-amzn-ErrorType", code)
        .set_body_string(body.to_string())
}

/// An AWS query-protocol error (STS, IAM): `<ErrorResponse><Error>...`.
pub fn aws_query_error(status: u16, code: &str, message: &str) -> ResponseTemplate {
    let body = format!(
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error>\
         <Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>\
         <RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>"
    );
    ResponseTemplate::new(status)
        .insert_header("content-type", "text/xml")
        .set_body_string(body)
}

impl FaultEndpoint {
    /// Start an endpoint with no behaviour mounted (it answers 404).
    pub async fn start() -> Self {
        Self {
            server: MockServer::start().await,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// The underlying wiremock server, for custom matchers.
    pub fn server(&self) -> &MockServer {
        &self.server
    }

    /// Answer the first `n` requests with `fault`, every later one with `then`.
    pub async fn fail_then_succeed(&self, n: u64, fault: ResponseTemplate, then: ResponseTemplate) {
        if n > 0 {
            Mock::given(any())
                .respond_with(fault)
                .up_to_n_times(n)
                .with_priority(1)
                .mount(&self.server)
                .await;
        }
        Mock::given(any())
            .respond_with(then)
            .with_priority(2)
            .mount(&self.server)
            .await;
    }

    /// Throttle `n` times (HTTP 429, `Retry-After` in whole seconds when
    /// given, an AWS `ThrottlingException` body), then answer `then`.
    pub async fn throttle_then_succeed(
        &self,
        n: u64,
        retry_after: Option<Duration>,
        then: ResponseTemplate,
    ) {
        let mut fault = aws_json_error(429, "ThrottlingException", "Rate exceeded");
        if let Some(d) = retry_after {
            fault = fault.insert_header("retry-after", d.as_secs().to_string().as_str());
        }
        self.fail_then_succeed(n, fault, then).await;
    }

    /// Answer every request with `status` and an AWS error body.
    pub async fn always_status(&self, status: u16, code: &str) {
        Mock::given(any())
            .respond_with(aws_json_error(status, code, "injected fault"))
            .mount(&self.server)
            .await;
    }

    /// Answer every request with `then`, but only after `delay`.
    pub async fn delay(&self, delay: Duration, then: ResponseTemplate) {
        Mock::given(any())
            .respond_with(then.set_delay(delay))
            .mount(&self.server)
            .await;
    }

    /// How many requests reached the endpoint so far.
    pub async fn request_count(&self) -> usize {
        self.server
            .received_requests()
            .await
            .map_or(0, |requests| requests.len())
    }
}
