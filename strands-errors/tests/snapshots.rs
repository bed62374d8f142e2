//! What a person sees: the Python module's plain message and miette's graphical
//! report (no colour, width 80), one error per category, pinned with insta.
//! Review changes with `cargo insta review` (or INSTA_UPDATE=always).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::http::{Response, StatusCode};
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::error::ErrorMetadata;
use strands_errors::{DeploymentError, ErrorCategory, ErrorContext, error_handler};

fn report(e: &DeploymentError) -> String {
    strands_testkit::render_report(e)
}

/// A service error as the SDK hands it over: code and message parsed,
/// the raw response kept.
fn service_error(status: u16, code: &str, message: &str) -> SdkError<ErrorMetadata, Response> {
    let meta = ErrorMetadata::builder().code(code).message(message).build();
    let mut raw = Response::new(StatusCode::try_from(status).unwrap(), SdkBody::from("{}"));
    raw.headers_mut()
        .insert("x-amzn-RequestId", "7f0b3c1e-0000-4000-8000-000000000001");
    SdkError::service_error(meta, raw)
}

fn lambda(op: &str, name: &str) -> ErrorContext {
    ErrorContext::new()
        .resource_id(name)
        .resource_type("AWS::Lambda::Function")
        .operation("create")
        .aws_service("lambda")
        .aws_operation(op)
}

fn one_per_category() -> Vec<(&'static str, DeploymentError)> {
    let h = error_handler();
    vec![
        (
            "configuration",
            DeploymentError::configuration("Invalid agent configuration")
                .with_context(ErrorContext::new().resource_id("agent-1"))
                .with_suggestions(["Check agent name is valid", "Verify runtime is supported"]),
        ),
        (
            "aws",
            h.handle_exception(
                service_error(500, "ServiceException", "Lambda was unable to complete the request"),
                lambda("CreateFunction", "strands-agent"),
            ),
        ),
        (
            "network",
            h.handle_exception(
                std::io::Error::new(std::io::ErrorKind::ConnectionReset, "connection reset by peer"),
                ErrorContext::new().aws_service("sts").operation("validate"),
            ),
        ),
        (
            "state",
            DeploymentError::state("State file is locked by another deployment")
                .with_context(ErrorContext::new().resource_id(".strands/state.json").operation("deploy"))
                .with_suggestions(["Wait for the other deployment to finish", "Remove the lock file if no deployment is running"]),
        ),
        (
            "dependency",
            DeploymentError::dependency("Execution role must exist before the function")
                .with_context(ErrorContext::new().resource_id("strands-agent").operation("create"))
                .with_suggestions(["Create the role `strands-agent-role` first"]),
        ),
        (
            "provisioning",
            DeploymentError::provisioning("Function did not become Active within 5 minutes")
                .with_context(lambda("CreateFunction", "strands-agent"))
                .with_cause(std::io::Error::other("state is Failed: InvalidImage"))
                .with_suggestions(["Read the function's StateReason (`aws lambda get-function --function-name strands-agent`)"]),
        ),
        (
            "credential",
            h.handle_exception(
                service_error(403, "ExpiredTokenException", "The security token included in the request is expired"),
                lambda("GetFunction", "strands-agent"),
            ),
        ),
        (
            "permission",
            h.handle_exception(
                service_error(
                    403,
                    "AccessDeniedException",
                    "User: arn:aws:iam::123456789012:user/dev is not authorized to perform: lambda:CreateFunction",
                ),
                lambda("CreateFunction", "strands-agent"),
            ),
        ),
        (
            "resource_limit",
            h.handle_exception(
                service_error(429, "TooManyRequestsException", "Rate exceeded"),
                lambda("Invoke", "strands-agent"),
            ),
        ),
        (
            "validation",
            h.handle_exception(
                service_error(409, "ResourceConflictException", "Function already exist: strands-agent"),
                lambda("CreateFunction", "strands-agent"),
            ),
        ),
        (
            "unknown",
            h.handle_exception(
                Box::<dyn std::error::Error + Send + Sync>::from("plugin returned an unexpected value"),
                ErrorContext::new().operation("deploy"),
            ),
        ),
    ]
}

#[test]
fn every_category_has_a_snapshot() {
    let all = one_per_category();
    let seen: Vec<ErrorCategory> = all.iter().map(|(_, e)| e.category()).collect();
    for c in ErrorCategory::ALL {
        assert!(seen.contains(&c), "{c:?} has no snapshot");
    }
    for (name, e) in &all {
        assert_eq!(e.category().as_str(), *name);
        insta::assert_snapshot!(format!("user_message_{name}"), e.to_user_message());
        insta::assert_snapshot!(format!("report_{name}"), report(e));
    }
}
