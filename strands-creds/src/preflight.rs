//! One call before a deployment: are the credentials good, can the role be
//! assumed, is Lambda reachable and permitted? Every check runs (a failed
//! one does not hide the next), and the report says which failed and why,
//! as prose or as JSON for CI.

use crate::manager::AwsClientManager;
use serde_json::json;
use std::fmt;
use strands_errors::{DeploymentError, ErrorContext, error_handler};

/// One check's result.
#[derive(Debug)]
#[non_exhaustive]
pub struct PreflightCheck {
    /// `credentials`, `role` or `lambda`.
    pub name: &'static str,
    /// What was found, or why it failed.
    pub outcome: CheckOutcome,
}

/// The outcome of one check.
#[derive(Debug)]
#[non_exhaustive]
pub enum CheckOutcome {
    /// Passed, with what was seen.
    Ok(String),
    /// Not applicable (no role configured).
    Skipped(String),
    /// Failed, with the diagnostic.
    Failed(DeploymentError),
}

/// Every check, in order.
#[derive(Debug)]
#[must_use = "a preflight report says whether the deployment may go ahead"]
pub struct PreflightReport {
    /// The checks, in the order they ran.
    pub checks: Vec<PreflightCheck>,
}

impl PreflightReport {
    /// Whether no check failed.
    pub fn ok(&self) -> bool {
        !self
            .checks
            .iter()
            .any(|c| matches!(c.outcome, CheckOutcome::Failed(_)))
    }

    /// `{"ok": bool, "checks": [{"name", "status", "detail" | "error"}]}`,
    /// errors as `DeploymentError::to_dict()`.
    pub fn to_json(&self) -> serde_json::Value {
        let checks: Vec<_> = self
            .checks
            .iter()
            .map(|c| match &c.outcome {
                CheckOutcome::Ok(d) => json!({"name": c.name, "status": "ok", "detail": d}),
                CheckOutcome::Skipped(d) => {
                    json!({"name": c.name, "status": "skipped", "detail": d})
                }
                CheckOutcome::Failed(e) => {
                    json!({"name": c.name, "status": "failed", "error": e.to_dict()})
                }
            })
            .collect();
        json!({ "ok": self.ok(), "checks": checks })
    }
}

impl fmt::Display for PreflightReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in &self.checks {
            match &c.outcome {
                CheckOutcome::Ok(d) => writeln!(f, "  ✓ {:<12} {d}", c.name)?,
                CheckOutcome::Skipped(d) => writeln!(f, "  - {:<12} {d}", c.name)?,
                CheckOutcome::Failed(e) => {
                    writeln!(f, "  ✗ {:<12} {} [{}]", c.name, e.message(), e.code())?;
                    for (i, s) in e.suggestions().iter().enumerate() {
                        writeln!(f, "      {}. {s}", i + 1)?;
                    }
                }
            }
        }
        write!(
            f,
            "  preflight {}",
            if self.ok() { "passed" } else { "FAILED" }
        )
    }
}

fn outcome(r: Result<String, DeploymentError>) -> CheckOutcome {
    match r {
        Ok(s) => CheckOutcome::Ok(s),
        Err(e) => CheckOutcome::Failed(e),
    }
}

impl AwsClientManager {
    /// Check credentials (STS GetCallerIdentity), the role (AssumeRole, if
    /// one is configured) and Lambda (ListFunctions: reachable and
    /// permitted), all of them, and report.
    pub async fn preflight(&self) -> PreflightReport {
        let mut checks = Vec::new();
        let creds = match self.validate_credentials().await {
            Ok(id) => Ok(format!(
                "account {} as {}, from {}",
                id.account_id,
                id.user_arn,
                self.credential_source(&id.user_arn).await
            )),
            Err(e) => Err(e),
        };
        checks.push(PreflightCheck {
            name: "credentials",
            outcome: outcome(creds),
        });
        let role = if self.has_role() {
            outcome(
                self.assume_role()
                    .await
                    .map(|id| format!("assumed {}", id.user_arn)),
            )
        } else {
            CheckOutcome::Skipped("no role configured".to_owned())
        };
        checks.push(PreflightCheck {
            name: "role",
            outcome: role,
        });
        let lambda: aws_sdk_lambda::Client = self.get_client();
        let ctx = ErrorContext::new()
            .operation("preflight")
            .aws_service("lambda")
            .aws_operation("ListFunctions");
        // ListFunctions rather than GetAccountSettings: both need only read
        // access, and emulators (moto) implement ListFunctions.
        let lambda = lambda
            .list_functions()
            .max_items(50)
            .send()
            .await
            .map(|out| {
                let n = out.functions().len();
                let more = if out.next_marker().is_some() { "+" } else { "" };
                format!(
                    "reachable in {}; lambda:ListFunctions permitted ({n}{more} functions)",
                    self.region()
                )
            })
            .map_err(|e| error_handler().handle_exception(e, ctx));
        checks.push(PreflightCheck {
            name: "lambda",
            outcome: outcome(lambda),
        });
        PreflightReport { checks }
    }
}
