//! The Python module's "Integration with Provisioners", in Rust: a Lambda
//! provisioner that creates the execution role in IAM first, packages the
//! handler with the `zip` crate, creates the function or updates it when it
//! already exists, inside a retry strategy and a circuit breaker, with every
//! failure turned into a `DeploymentError` with context.
//!
//! It is an example, not a library: deployment tools own their
//! provisioning; strands gives them the credentials, the retries and the
//! errors. Create-or-update is decided by the error's
//! [`Condition`](strands_deploy_utils::Condition), never by an AWS code
//! string: Lambda answers `ResourceConflictException` both for "already
//! exists" (update instead) and for "an update is in progress" (retryable:
//! the strategy waits it out).
//!
//! The configuration is the standard one (`AWS_PROFILE`, `AWS_REGION`,
//! `AWS_ENDPOINT_URL` for an emulator). It **creates resources**: an IAM
//! role and a Lambda function named by `STRANDS_FUNCTION_NAME` (default
//! `strands-agent`).
//!
//! ```sh
//! cargo xtask demo      # against a moto_server it starts
//! cargo run -p strands-deploy-utils --features iam --example lambda_provisioner
//! ```

use std::io::Write as _;
use std::process::ExitCode;
use std::time::Duration;
use strands_deploy_utils::{
    AwsClientManager, CircuitBreaker, Condition, DeploymentError, ErrorContext, RetryStrategy,
    aws_sdk_iam, aws_sdk_lambda, error_handler,
};

/// What to deploy.
#[derive(Debug, Clone)]
struct FunctionSpec {
    name: String,
    role_name: String,
    runtime: aws_sdk_lambda::types::Runtime,
    handler: String,
    /// The handler module's source, packaged as `app.py`.
    source: String,
}

/// What the provisioner did.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Deployed {
    Created { arn: String },
    Updated { arn: String },
}

const TRUST_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

#[derive(Debug)]
struct LambdaProvisioner {
    manager: AwsClientManager,
    strategy: RetryStrategy,
    breaker: CircuitBreaker,
}

impl LambdaProvisioner {
    fn new(manager: AwsClientManager, strategy: RetryStrategy, breaker: CircuitBreaker) -> Self {
        Self {
            manager,
            strategy,
            breaker,
        }
    }

    /// Run `op` in the strategy, through the breaker. An open breaker
    /// converts into a retryable `circuit_open` error whose hint is the
    /// breaker's remaining wait, so the strategy sleeps that long.
    async fn guarded<T, F, Fut>(&self, op: F) -> Result<T, DeploymentError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T, DeploymentError>>,
    {
        self.strategy
            .execute_with_retry(|| async {
                self.breaker.call(&op).await.map_err(DeploymentError::from)
            })
            .await
    }

    /// The execution role: created with Lambda's trust policy, or reused.
    async fn ensure_role(&self, role_name: &str) -> Result<String, DeploymentError> {
        let iam = self.manager.get_client::<aws_sdk_iam::Client>();
        let ctx = || {
            ErrorContext::new()
                .resource_id(role_name)
                .resource_type("AWS::IAM::Role")
                .operation("create")
                .aws_service("iam")
                .aws_operation("CreateRole")
        };
        let created = self
            .guarded(|| async {
                iam.create_role()
                    .role_name(role_name)
                    .assume_role_policy_document(TRUST_POLICY)
                    .send()
                    .await
                    .map_err(|e| error_handler().handle_exception(e, ctx()))
            })
            .await;
        match created {
            Ok(out) => Ok(out.role().map(|r| r.arn().to_owned()).unwrap_or_default()),
            Err(e) if e.condition() == Some(Condition::AlreadyExists) => {
                let ctx = ctx().aws_operation("GetRole");
                let out = iam
                    .get_role()
                    .role_name(role_name)
                    .send()
                    .await
                    .map_err(|e| error_handler().handle_exception(e, ctx))?;
                Ok(out.role().map(|r| r.arn().to_owned()).unwrap_or_default())
            }
            Err(e) => Err(e),
        }
    }

    /// A zip with the handler at its root.
    fn package(source: &str) -> Result<Vec<u8>, DeploymentError> {
        let fail = |e: &dyn std::fmt::Display| {
            DeploymentError::provisioning(format!("Could not build the deployment package: {e}"))
                .with_suggestions(["Check the handler source is valid UTF-8 and disk is not full"])
        };
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        zip.start_file("app.py", opts).map_err(|e| fail(&e))?;
        zip.write_all(source.as_bytes()).map_err(|e| fail(&e))?;
        Ok(zip.finish().map_err(|e| fail(&e))?.into_inner())
    }

    /// Create the function, or update its code when it already exists.
    async fn deploy(&self, spec: &FunctionSpec) -> Result<Deployed, DeploymentError> {
        let role_arn = self.ensure_role(&spec.role_name).await?;
        let package = Self::package(&spec.source)?;
        let lambda: aws_sdk_lambda::Client = self.manager.get_client();
        let ctx = |op: &str| {
            ErrorContext::new()
                .resource_id(&spec.name)
                .resource_type("AWS::Lambda::Function")
                .operation("deploy")
                .aws_service("lambda")
                .aws_operation(op)
        };
        let created = self
            .guarded(|| async {
                lambda
                    .create_function()
                    .function_name(&spec.name)
                    .runtime(spec.runtime.clone())
                    .role(&role_arn)
                    .handler(&spec.handler)
                    .timeout(30)
                    .code(
                        aws_sdk_lambda::types::FunctionCode::builder()
                            .zip_file(package.clone().into())
                            .build(),
                    )
                    .send()
                    .await
                    .map_err(|e| error_handler().handle_exception(e, ctx("CreateFunction")))
            })
            .await;
        match created {
            Ok(out) => Ok(Deployed::Created {
                arn: out.function_arn().unwrap_or_default().to_owned(),
            }),
            // "Function already exist": update instead of create. An
            // update in progress (the same AWS code) is InProgress, not
            // this: the retry strategy around the call waits it out.
            Err(e) if e.condition() == Some(Condition::AlreadyExists) => {
                let out = self
                    .guarded(|| async {
                        lambda
                            .update_function_code()
                            .function_name(&spec.name)
                            .zip_file(package.clone().into())
                            .send()
                            .await
                            .map_err(|e| {
                                error_handler().handle_exception(e, ctx("UpdateFunctionCode"))
                            })
                    })
                    .await?;
                Ok(Deployed::Updated {
                    arn: out.function_arn().unwrap_or_default().to_owned(),
                })
            }
            Err(e) => Err(e),
        }
    }
}

/// The provisioner's policy: the Python module's decorator numbers, scaled down so
/// a demo does not sit in a sleep.
fn strategy() -> Result<RetryStrategy, DeploymentError> {
    RetryStrategy::builder()
        .max_retries(3)
        .base_delay(Duration::from_millis(100))
        .max_delay(Duration::from_secs(2))
        .build()
        .map_err(|e| DeploymentError::configuration(e.to_string()).with_cause(e))
}

async fn run() -> Result<(), DeploymentError> {
    // Loops: the strategy below is the one retry loop, so the SDK clients
    // make one attempt each.
    let manager = AwsClientManager::builder()
        .disable_sdk_retries()
        .build()
        .await?;
    let provisioner = LambdaProvisioner::new(
        manager,
        strategy()?,
        CircuitBreaker::new(5, Duration::from_secs(30)),
    );
    let name = std::env::var("STRANDS_FUNCTION_NAME").unwrap_or_else(|_| "strands-agent".into());
    let spec = FunctionSpec {
        role_name: format!("{name}-role"),
        name,
        runtime: aws_sdk_lambda::types::Runtime::Python312,
        handler: "app.handler".into(),
        source: "def handler(event, context):\n    return {'ok': True}\n".into(),
    };
    // Twice: the second run finds the function and updates its code.
    for _ in 0..2 {
        match provisioner.deploy(&spec).await? {
            Deployed::Created { arn } => println!("[provision] created {arn}"),
            Deployed::Updated { arn } => println!("[provision] updated {arn} (it already existed)"),
        }
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
