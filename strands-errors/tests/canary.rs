//! A fake secret key and session token pushed through every constructor and
//! every `handle_exception` path must appear in no output: Display, Debug,
//! to_user_message, to_dict, serde, the miette report, the source chain, or
//! what `log_error` writes to tracing (at debug, with the chain).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use aws_credential_types::Credentials;
use aws_credential_types::provider::{ProvideCredentials, error::CredentialsError, future};
use aws_sdk_lambda::config::{BehaviorVersion, Region};
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use aws_smithy_types::retry::RetryConfig;
use std::error::Error;
use strands_errors::{DeploymentError, ErrorContext, error_handler};
use strands_testkit::SharedBuf;
use strands_testkit::{FaultEndpoint, aws_json_error, aws_query_error, wiremock};

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
fn token() -> String {
    "FwoGZXIvYXdzEBYaDHqa0AP1/4t9Q2Xb7yLAAf".repeat(4)
}
fn poison() -> String {
    format!(
        "aws_secret_access_key={SECRET} X-Amz-Signature=deadbeefcafe0123 Credential=AKIAIOSFODNN7EXAMPLE/20260101 aws_session_token={} bare {SECRET}",
        token()
    )
}

fn render_everything(e: &DeploymentError) -> Vec<String> {
    let mut graphical = String::new();
    miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
        .render_report(&mut graphical, e)
        .unwrap();
    let mut chain = String::new();
    let mut cur: Option<&dyn Error> = Some(e);
    while let Some(err) = cur {
        chain.push_str(&format!("{err} | {err:?} | "));
        cur = err.source();
    }
    vec![
        e.to_string(),
        format!("{e:?}"),
        format!("{e:#?}"),
        e.to_user_message(),
        e.to_dict().to_string(),
        serde_json::to_string(e).unwrap(),
        graphical,
        chain,
    ]
}

fn assert_clean(label: &str, text: &str) {
    for needle in [SECRET, token().as_str(), "deadbeefcafe0123"] {
        assert!(!text.contains(needle), "{label} leaked {needle}: {text}");
    }
}

#[derive(Debug)]
struct LeakyProvider;
impl ProvideCredentials for LeakyProvider {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::ready(Err(CredentialsError::provider_error(poison())))
    }
}

fn client(endpoint: String, creds: impl ProvideCredentials + 'static) -> aws_sdk_lambda::Client {
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .build_https();
    let conf = aws_sdk_lambda::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(creds)
        // The session token itself rides in a header of the request.
        .http_client(http)
        .retry_config(RetryConfig::disabled())
        .build();
    aws_sdk_lambda::Client::from_conf(conf)
}

#[tokio::test]
async fn no_secret_in_any_output_of_any_path() {
    let ctx = || {
        ErrorContext::new()
            .resource_id(poison())
            .operation(poison())
            .aws_service("lambda")
            .aws_operation("GetFunction")
            .request_id(poison())
            .additional_info("note", poison())
    };
    let creds = || {
        Credentials::new(
            "AKIAIOSFODNN7EXAMPLE",
            SECRET,
            Some(token()),
            None,
            "canary",
        )
    };
    let mut errors: Vec<(&str, DeploymentError)> = Vec::new();

    // Every constructor.
    type Ctor = fn(String) -> DeploymentError;
    let ctors: [(&str, Ctor); 9] = [
        ("configuration", DeploymentError::configuration),
        ("credential", DeploymentError::credential),
        ("permission", DeploymentError::permission),
        ("network", DeploymentError::network),
        ("state", DeploymentError::state),
        ("dependency", DeploymentError::dependency),
        ("provisioning", DeploymentError::provisioning),
        ("resource_limit", DeploymentError::resource_limit),
        ("validation", DeploymentError::validation),
    ];
    for (name, ctor) in ctors {
        errors.push((
            name,
            ctor(poison())
                .with_context(ctx())
                .with_suggestions([poison()])
                .with_cause(std::io::Error::other(poison()))
                .with_aws_code(poison()),
        ));
    }
    // io::Error and boxed errors.
    errors.push((
        "io",
        error_handler().handle_exception(std::io::Error::other(poison()), ctx()),
    ));
    let boxed: Box<dyn Error + Send + Sync> = poison().into();
    errors.push(("boxed", error_handler().handle_exception(boxed, ctx())));
    let boxed: Box<dyn Error + Send + Sync> = Box::new(CredentialsError::provider_error(poison()));
    errors.push((
        "boxed-credentials",
        error_handler().handle_exception(boxed, ctx()),
    ));

    // SdkError: a service error whose message and headers carry the secret.
    let ep = FaultEndpoint::start().await;
    let t = aws_json_error(403, "AccessDeniedException", &poison())
        .insert_header("x-amzn-requestid", poison().as_str());
    ep.fail_then_succeed(1, t, aws_json_error(500, "x", "x"))
        .await;
    let err = client(ep.uri(), creds())
        .get_function()
        .function_name("f")
        .send()
        .await
        .unwrap_err();
    errors.push(("sdk-service", error_handler().handle_exception(err, ctx())));
    // SdkError: the raw-body fallback (XML the JSON client cannot read).
    let ep = FaultEndpoint::start().await;
    ep.fail_then_succeed(
        1,
        aws_query_error(403, "InvalidClientTokenId", &poison()),
        aws_json_error(500, "x", "x"),
    )
    .await;
    let err = client(ep.uri(), creds())
        .get_function()
        .function_name("f")
        .send()
        .await
        .unwrap_err();
    errors.push((
        "sdk-raw",
        error_handler().handle_exception(err, ErrorContext::new()),
    ));
    // SdkError: status only.
    let ep = FaultEndpoint::start().await;
    ep.fail_then_succeed(
        1,
        wiremock::ResponseTemplate::new(500).set_body_string(poison()),
        aws_json_error(500, "x", "x"),
    )
    .await;
    let err = client(ep.uri(), creds())
        .get_function()
        .function_name("f")
        .send()
        .await
        .unwrap_err();
    errors.push((
        "sdk-status",
        error_handler().handle_exception(err, ErrorContext::new()),
    ));
    // SdkError: the credentials provider failed with the secret in its message.
    let err = client(ep.uri(), LeakyProvider)
        .get_function()
        .function_name("f")
        .send()
        .await
        .unwrap_err();
    errors.push((
        "sdk-credentials",
        error_handler().handle_exception(err, ctx()),
    ));

    // Capture only what we log: the SDK's own debug events print raw
    // response bodies (its concern, and a reason to keep it below debug in
    // production), so the subscriber is installed after the calls.
    let buf = SharedBuf::default();
    let writer = buf.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    for (label, e) in &errors {
        for out in render_everything(e) {
            assert_clean(label, &out);
        }
        error_handler().log_error(e);
    }
    let logged = buf.contents();
    assert!(
        logged.contains("source chain"),
        "debug chain was logged: {logged}"
    );
    assert!(logged.contains("AccessDeniedException"));
    assert_clean("tracing", &logged);
}

#[test]
fn log_error_uses_the_severity_level() {
    use strands_errors::Severity;
    let buf = SharedBuf::default();
    let writer = buf.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::with_default(subscriber, || {
        for (sev, msg) in [
            (Severity::Critical, "crit-msg"),
            (Severity::Error, "err-msg"),
            (Severity::Warning, "warn-msg"),
            (Severity::Info, "info-msg"),
        ] {
            let e = DeploymentError::state(msg)
                .with_severity(sev)
                .with_context(ErrorContext::new().resource_id("r-1"));
            error_handler().log_error(&e);
        }
    });
    let logged = buf.contents();
    let line = |m: &str| logged.lines().find(|l| l.contains(m)).unwrap().to_owned();
    assert!(line("crit-msg").contains("ERROR"));
    assert!(line("err-msg").contains("ERROR"));
    assert!(line("warn-msg").contains("WARN"));
    assert!(line("info-msg").contains("INFO"));
    assert!(line("info-msg").contains("resource_id=\"r-1\""), "{logged}");
    assert!(line("info-msg").contains("code=strands::state"), "{logged}");
    assert!(!logged.contains("source chain"), "debug is off at INFO");
}
