//! The Python module's usage, in Rust: credentials checked before anything is sent,
//! clients cached and on one retry layer, a retried call, a circuit breaker,
//! and an error a person can act on.
//!
//! Everything comes from the standard AWS configuration, as for any SDK
//! program: `AWS_PROFILE`, `AWS_REGION`, the `~/.aws` files, and
//! `AWS_ENDPOINT_URL` (or a profile's `endpoint_url`) for an emulator.
//! `STRANDS_ROLE_ARN`, when set, is assumed after the caller is validated.
//!
//! ```sh
//! cargo xtask demo                       # against a moto_server it starts
//! cargo run -p strands-deploy-utils --features s3 --example quick_start
//! ```
//!
//! Only read-only calls are made (GetCallerIdentity, ListBuckets,
//! GetFunction, ListFunctions, the preflight's reads), so it is safe to run
//! against a real account.

use std::process::ExitCode;
use std::time::Duration;
use strands_deploy_utils::{
    AssumeRoleConfig, AwsClientManager, CircuitBreaker, Condition, DeploymentError, ErrorContext,
    RetryStrategy, aws_sdk_lambda, aws_sdk_s3, error_handler, with_retry,
};

/// The Python module's `@with_retry(max_retries=3, base_delay=2.0)` decorator.
#[with_retry(max_retries = 3, base_delay = 2.0)]
async fn get_function(
    lambda: &aws_sdk_lambda::Client,
    name: &str,
) -> Result<aws_sdk_lambda::operation::get_function::GetFunctionOutput, DeploymentError> {
    let context = ErrorContext::new()
        .resource_id(name)
        .resource_type("AWS::Lambda::Function")
        .aws_service("lambda")
        .aws_operation("GetFunction");
    lambda
        .get_function()
        .function_name(name)
        .send()
        .await
        .map_err(|e| error_handler().handle_exception(e, context))
}

async fn run() -> Result<(), DeploymentError> {
    // 1. Credentials: the profile and region are checked locally first; a
    //    wrong name fails here, naming what is wrong, before any request.
    let manager = AwsClientManager::builder()
        .retry_strategy(RetryStrategy::default()) // the SDK clients' one retry layer
        .circuit_breaker(CircuitBreaker::new(5, Duration::from_secs(30)))
        .build()
        .await?;
    let id = manager.validate_credentials().await?;
    println!(
        "[credentials] Account: {}  User: {}",
        id.account_id, id.user_arn
    );

    if let Ok(role_arn) = std::env::var("STRANDS_ROLE_ARN") {
        let as_role = AwsClientManager::builder()
            .assume_role(AssumeRoleConfig::new(role_arn).session_name("strands-quick-start"))
            .build()
            .await?;
        let assumed = as_role.assume_role().await?;
        println!("[assume-role] now acting as {}", assumed.user_arn);
    }

    // 2. The Python module's `client_manager.get_client('s3')`: built once, cached,
    //    carrying the manager's retry strategy and breaker.
    let s3 = manager.get_client::<aws_sdk_s3::Client>();
    let buckets =
        s3.list_buckets().send().await.map_err(|e| {
            error_handler().handle_exception(e, ErrorContext::new().aws_service("s3"))
        })?;
    println!("[s3] {} bucket(s)", buckets.buckets().len());

    // 3. A retried call whose error is not retryable: it fails at once, and
    //    the error says what to do.
    let lambda = manager.get_client::<aws_sdk_lambda::Client>();
    let name = std::env::var("STRANDS_FUNCTION_NAME").unwrap_or_else(|_| "strands-agent".into());
    match get_function(&lambda, &name).await {
        Ok(f) => println!(
            "[lambda] {name} exists: {}",
            f.configuration()
                .and_then(|c| c.function_arn())
                .unwrap_or("(no ARN)")
        ),
        Err(e) if e.condition() == Some(Condition::NotFound) => {
            println!("[lambda] {name} does not exist yet; what the error says:");
            error_handler().log_error(&e);
            for line in e.to_user_message().lines() {
                println!("    {line}");
            }
            println!("{:?}", miette::Report::new(e));
        }
        Err(e) => return Err(e),
    }

    // 4. A circuit breaker around anything else. Rejected or failed, the
    //    result converts into a DeploymentError keeping its cause.
    let breaker = CircuitBreaker::new(5, Duration::from_secs(60));
    let listed = breaker
        .call(|| async {
            let context = ErrorContext::new()
                .aws_service("lambda")
                .aws_operation("ListFunctions");
            lambda
                .list_functions()
                .send()
                .await
                .map_err(|e| error_handler().handle_exception(e, context))
        })
        .await
        .map_err(DeploymentError::from)?;
    println!(
        "[breaker] {} function(s) listed through a {:?} breaker",
        listed.functions().len(),
        breaker.state()
    );

    // 5. Preflight: every check, one report.
    let report = manager.preflight().await;
    println!("[preflight]");
    for line in report.to_string().lines() {
        println!("    {line}");
    }
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{:?}", miette::Report::new(e));
            ExitCode::FAILURE
        }
    }
}
