//! The seed's "Integration with Provisioners", in Rust: a Lambda
//! provisioner that creates the execution role in IAM first, packages the
//! handler with the `zip` crate, creates the function or updates it when it
//! already exists, inside a retry strategy and a circuit breaker, with every
//! failure turned into a `DeploymentError` with context.
//!
//! It is an example (the demo runs it), not a library: deployment tools own
//! their provisioning; strands gives them the credentials, the retries and
//! the errors.
//!
//! Loops: the manager given here must be built with
//! `.disable_sdk_retries()`, since the strategy below is the one retry loop.

use std::io::Write as _;
use std::time::Duration;
use strands_creds::AwsClientManager;
use strands_errors::{Condition, DeploymentError, ErrorContext, error_handler};
use strands_retry::{CircuitBreaker, CircuitError, RetryKind, RetryStrategy};

/// What to deploy.
#[derive(Debug, Clone)]
pub(crate) struct FunctionSpec {
    pub(crate) name: String,
    pub(crate) role_name: String,
    pub(crate) runtime: aws_sdk_lambda::types::Runtime,
    pub(crate) handler: String,
    /// The handler module's source, packaged as `app.py`.
    pub(crate) source: String,
}

/// What the provisioner did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Deployed {
    Created { arn: String },
    Updated { arn: String },
}

const TRUST_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

#[derive(Debug)]
pub(crate) struct LambdaProvisioner {
    manager: AwsClientManager,
    strategy: RetryStrategy,
    breaker: CircuitBreaker,
}

impl LambdaProvisioner {
    pub(crate) fn new(
        manager: AwsClientManager,
        strategy: RetryStrategy,
        breaker: CircuitBreaker,
    ) -> Self {
        Self {
            manager,
            strategy,
            breaker,
        }
    }

    /// Run `op` in the strategy, through the breaker; an open breaker is a
    /// retryable error whose hint is the breaker's remaining wait.
    async fn guarded<T, F, Fut>(&self, op: F) -> Result<T, DeploymentError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T, DeploymentError>>,
    {
        self.strategy
            .execute_with_retry(|| async {
                self.breaker.call(&op).await.map_err(|e| match e {
                    CircuitError::Inner(e) => e,
                    CircuitError::Open { retry_after } => DeploymentError::network(
                        "Lambda calls are paused: the circuit breaker is open",
                    )
                    .with_code("circuit_open")
                    .with_retry(RetryKind::Transient, Some(retry_after))
                    .with_suggestions([
                        "Wait for the breaker's recovery timeout, then deploy again",
                    ]),
                })
            })
            .await
    }

    /// The execution role: created with Lambda's trust policy, or reused.
    pub(crate) async fn ensure_role(&self, role_name: &str) -> Result<String, DeploymentError> {
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
    pub(crate) fn package(source: &str) -> Result<Vec<u8>, DeploymentError> {
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
    pub(crate) async fn deploy(&self, spec: &FunctionSpec) -> Result<Deployed, DeploymentError> {
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

/// The provisioner's default policy: the seed's decorator numbers, scaled
/// down for a demo.
pub(crate) fn demo_strategy() -> Result<RetryStrategy, DeploymentError> {
    RetryStrategy::builder()
        .max_retries(3)
        .base_delay(Duration::from_millis(100))
        .max_delay(Duration::from_secs(2))
        .build()
        .map_err(|e| DeploymentError::configuration(e.to_string()).with_cause(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_package_is_a_zip_with_the_handler_at_its_root() {
        let bytes = LambdaProvisioner::package("def handler(e, c):\n    return 1\n").unwrap();
        assert_eq!(&bytes[..4], b"PK\x03\x04");
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("app.py"));
        assert!(text.contains("def handler"));
    }
}
