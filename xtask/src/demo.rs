//! `cargo xtask demo`: the seed's example, end to end, against a moto_server
//! the demo starts itself. No AWS account, no traffic beyond 127.0.0.1
//! (unless `--real` is asked for: then only read-only calls, to real AWS).
//!
//! Steps: validate credentials; get clients; assume DeploymentRole; a retry
//! strategy against a local endpoint that throttles twice; a circuit breaker
//! opening and recovering; three real errors from moto, as the seed's
//! message and as a miette report; the provisioner deploying a function
//! (created, then updated); the preflight report.

use crate::cmd::StepFailed;
use crate::install;
use crate::provisioner::{Deployed, FunctionSpec, LambdaProvisioner, demo_strategy};
use aws_credential_types::Credentials;
use serde_json::{Value, json};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use strands_creds::{AssumeRoleConfig, AwsClientManager, MfaToken};
use strands_errors::{DeploymentError, ErrorContext, error_handler};
use strands_retry::{CircuitBreaker, CircuitState, RetryEvent, RetryStrategy};
use strands_testkit::{FaultEndpoint, MotoServer, TEST_ACCESS_KEY_ID, TEST_SECRET_ACCESS_KEY};

/// Options of `cargo xtask demo`.
#[derive(Debug, clap::Args)]
pub(crate) struct DemoArgs {
    /// Print the structured results as JSON instead of prose.
    #[arg(long)]
    pub(crate) json: bool,
    /// Run the read-only steps (credentials, clients, preflight) against
    /// real AWS instead of the emulator.
    #[arg(long, requires = "region")]
    pub(crate) real: bool,
    /// The profile for `--real`.
    #[arg(long)]
    pub(crate) profile: Option<String>,
    /// The region for `--real`.
    #[arg(long)]
    pub(crate) region: Option<String>,
}

pub(crate) fn run(root: &Path, args: &DemoArgs) -> miette::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| StepFailed::new("demo", format!("tokio runtime: {e}")))?;
    let out = if args.real {
        rt.block_on(walk_real(args))
    } else {
        let bin = install::ensure_moto(root)?;
        rt.block_on(walk(&bin, args.json))
    };
    let out = out.map_err(miette::Report::new)?;
    if args.json {
        println!("{out:#}");
    }
    Ok(())
}

/// Prints one line per step unless JSON was asked for.
#[derive(Clone, Copy)]
struct Say {
    quiet: bool,
}

impl Say {
    fn line(self, step: &str, text: impl std::fmt::Display) {
        if !self.quiet {
            println!("[{step}] {text}");
        }
    }
    fn block(self, text: &str) {
        if !self.quiet {
            for l in text.lines() {
                println!("    {l}");
            }
        }
    }
}

fn test_creds() -> Credentials {
    Credentials::new(
        TEST_ACCESS_KEY_ID,
        TEST_SECRET_ACCESS_KEY,
        None,
        None,
        "strands-demo",
    )
}

fn harness(e: impl std::fmt::Display) -> DeploymentError {
    DeploymentError::dependency(format!("demo harness: {e}"))
        .with_suggestions(["Run `cargo xtask install-moto` and try again"])
}

/// The emulator walk. Returns the structured results.
pub(crate) async fn walk(moto_bin: &Path, quiet: bool) -> Result<Value, DeploymentError> {
    let say = Say { quiet };
    let moto = MotoServer::builder()
        .binary(moto_bin)
        .start()
        .map_err(harness)?;
    say.line("moto", format!("moto_server up at {}", moto.endpoint_url()));
    let base = || {
        AwsClientManager::builder()
            .region("us-east-1")
            .endpoint_url(moto.endpoint_url())
            .credentials_provider(test_creds())
    };
    let mut out = serde_json::Map::new();

    // 1. Credentials.
    let manager = base().build().await?;
    let id = manager.validate_credentials().await?;
    say.line(
        "credentials",
        format!("Account: {}  User: {}", id.account_id, id.user_arn),
    );
    out.insert("caller_identity".into(), json!(id));

    // 2. Clients, cached.
    let _lambda: aws_sdk_lambda::Client = manager.get_client();
    let _sts: aws_sdk_sts::Client = manager.get_client();
    say.line(
        "clients",
        "lambda and sts clients built once and cached (the next get_client is a ~10 ns hit)",
    );

    // 3. Assume DeploymentRole (with an MFA code from a fixed source).
    let role = AssumeRoleConfig::new("arn:aws:iam::123456789012:role/DeploymentRole")
        .session_name("strands-deployment")
        .mfa_serial("arn:aws:iam::123456789012:mfa/demo")
        .mfa_token(MfaToken::fixed("123456"));
    let as_role = base().assume_role(role).build().await?;
    let assumed = as_role.assume_role().await?;
    say.line("assume-role", format!("now acting as {}", assumed.user_arn));
    out.insert("assumed_role".into(), json!(assumed));

    // 4. Retry: a local endpoint throttles twice, then answers.
    out.insert("retry".into(), retry_step(say).await?);

    // 5. Circuit breaker: opens, rejects, recovers.
    out.insert("circuit_breaker".into(), breaker_step(say).await?);

    // 6. Three real errors from moto.
    out.insert("errors".into(), errors_step(say, &moto, moto_bin).await?);

    // 7. The provisioner: create, then update.
    let plain = base().disable_sdk_retries().build().await?;
    let provisioner = LambdaProvisioner::new(
        plain,
        demo_strategy()?,
        CircuitBreaker::new(5, Duration::from_secs(30)),
    );
    let spec = FunctionSpec {
        name: "strands-agent".into(),
        role_name: "strands-agent-role".into(),
        runtime: aws_sdk_lambda::types::Runtime::Python312,
        handler: "app.handler".into(),
        source: "def handler(event, context):\n    return {'ok': True}\n".into(),
    };
    let first = provisioner.deploy(&spec).await?;
    let second = provisioner.deploy(&spec).await?;
    let show = |d: &Deployed| match d {
        Deployed::Created { arn } => format!("created {arn}"),
        Deployed::Updated { arn } => format!("updated {arn} (ResourceConflictException → update)"),
    };
    say.line("provision", show(&first));
    say.line("provision", show(&second));
    out.insert("provision".into(), json!([show(&first), show(&second)]));

    // 8. Preflight.
    let report = as_role.preflight().await;
    say.line("preflight", "credentials, role, lambda:");
    say.block(&report.to_string());
    out.insert("preflight".into(), report.to_json());
    if !report.ok() {
        return Err(
            DeploymentError::provisioning("preflight failed against the emulator")
                .with_suggestions(["Read the preflight report above"]),
        );
    }

    drop(moto);
    say.line("moto", "moto_server stopped");
    Ok(Value::Object(out))
}

async fn retry_step(say: Say) -> Result<Value, DeploymentError> {
    let ep = FaultEndpoint::start().await;
    ep.throttle_then_succeed(
        2,
        None,
        strands_testkit::ok_json(r#"{"Configuration":{"FunctionName":"strands-agent"}}"#),
    )
    .await;
    let lambda_mgr = AwsClientManager::builder()
        .region("us-east-1")
        .endpoint_url(ep.uri())
        .credentials_provider(test_creds())
        .disable_sdk_retries()
        .build()
        .await?;
    let lambda: aws_sdk_lambda::Client = lambda_mgr.get_client();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let strategy = RetryStrategy::builder()
        .max_retries(5)
        .base_delay(Duration::from_millis(200))
        .max_delay(Duration::from_secs(2))
        .notify(move |ev: &RetryEvent<'_>| {
            let line = format!(
                "retry {} after {:?} ({:?}: {})",
                ev.attempt, ev.delay, ev.kind, ev.error
            );
            if let Ok(mut v) = log.lock() {
                v.push(line);
            }
        })
        .build()
        .map_err(|e| DeploymentError::configuration(e.to_string()))?;
    let ctx = || {
        ErrorContext::new()
            .resource_id("strands-agent")
            .aws_service("lambda")
            .aws_operation("GetFunction")
    };
    strategy
        .execute_with_retry(|| async {
            lambda
                .get_function()
                .function_name("strands-agent")
                .send()
                .await
                .map_err(|e| error_handler().handle_exception(e, ctx()))
        })
        .await?;
    let lines = seen.lock().map(|v| v.clone()).unwrap_or_default();
    for l in &lines {
        say.line("retry", l);
    }
    let requests = ep.request_count().await;
    say.line(
        "retry",
        format!("succeeded on attempt {requests} (the endpoint throttled twice)"),
    );
    Ok(json!({ "retries": lines, "http_requests": requests }))
}

async fn breaker_step(say: Say) -> Result<Value, DeploymentError> {
    let changes = Arc::new(Mutex::new(Vec::new()));
    let log = changes.clone();
    let breaker = CircuitBreaker::builder()
        .failure_threshold(3)
        .recovery_timeout(Duration::from_millis(300))
        .recovery_jitter(0.0)
        .on_state_change(move |from: CircuitState, to: CircuitState| {
            if let Ok(mut v) = log.lock() {
                v.push(format!("{from:?} → {to:?}"));
            }
        })
        .build()
        .map_err(|e| DeploymentError::configuration(e.to_string()))?;
    let down = || async { Err::<(), _>(std::io::Error::from(std::io::ErrorKind::ConnectionReset)) };
    for _ in 0..3 {
        let _ = breaker.call(down).await;
    }
    let rejected = breaker.call(down).await;
    let rejected = matches!(rejected, Err(strands_retry::CircuitError::Open { .. }));
    say.line(
        "breaker",
        format!(
            "3 failures: {:?}; next call rejected without calling: {rejected}",
            breaker.state()
        ),
    );
    tokio::time::sleep(Duration::from_millis(350)).await;
    let trial = breaker.call(|| async { Ok::<_, std::io::Error>(()) }).await;
    say.line(
        "breaker",
        format!(
            "after the recovery timeout a trial call {} → {:?}",
            if trial.is_ok() { "succeeded" } else { "failed" },
            breaker.state()
        ),
    );
    let changes = changes.lock().map(|v| v.clone()).unwrap_or_default();
    say.line("breaker", format!("state changes: {}", changes.join(", ")));
    Ok(json!({ "state_changes": changes, "rejected_while_open": rejected }))
}

fn report(e: &DeploymentError) -> String {
    let mut s = String::new();
    let _ = miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
        .with_width(88)
        .with_links(false)
        .render_report(&mut s, e);
    s
}

async fn errors_step(say: Say, moto: &MotoServer, bin: &Path) -> Result<Value, DeploymentError> {
    let manager = AwsClientManager::builder()
        .region("us-east-1")
        .endpoint_url(moto.endpoint_url())
        .credentials_provider(test_creds())
        .disable_sdk_retries()
        .build()
        .await?;
    let lambda: aws_sdk_lambda::Client = manager.get_client();
    let mut errors = Vec::new();

    // A function that does not exist.
    let ctx = ErrorContext::new()
        .resource_id("no-such-function")
        .aws_service("lambda")
        .aws_operation("GetFunction");
    if let Err(e) = lambda
        .get_function()
        .function_name("no-such-function")
        .send()
        .await
    {
        errors.push(error_handler().handle_exception(e, ctx));
    }
    // A function whose execution role does not exist.
    let ctx = ErrorContext::new()
        .resource_id("orphan-fn")
        .operation("create")
        .aws_service("lambda")
        .aws_operation("CreateFunction");
    let zip = LambdaProvisioner::package("def handler(e, c):\n    return 1\n")?;
    if let Err(e) = lambda
        .create_function()
        .function_name("orphan-fn")
        .runtime(aws_sdk_lambda::types::Runtime::Python312)
        .role("arn:aws:iam::123456789012:role/missing-role")
        .handler("app.handler")
        .code(
            aws_sdk_lambda::types::FunctionCode::builder()
                .zip_file(zip.into())
                .build(),
        )
        .send()
        .await
    {
        errors.push(error_handler().handle_exception(e, ctx));
    }
    // Unknown keys, with moto checking them.
    let strict = MotoServer::builder()
        .binary(bin)
        .auth_mode(true)
        .start()
        .map_err(harness)?;
    let unknown = AwsClientManager::builder()
        .region("us-east-1")
        .endpoint_url(strict.endpoint_url())
        .credentials_provider(Credentials::new(
            "AKIAUNKNOWNDEMOKEY00",
            "x",
            None,
            None,
            "demo",
        ))
        .disable_sdk_retries()
        .build()
        .await?;
    if let Err(e) = unknown.validate_credentials().await {
        errors.push(e);
    }
    drop(strict);

    let mut out = Vec::new();
    for e in &errors {
        say.line("error", e.code());
        say.block(&e.to_user_message());
        say.block(&report(e));
        error_handler().log_error(e);
        out.push(e.to_dict());
    }
    if errors.len() != 3 {
        return Err(DeploymentError::state(format!(
            "expected three errors from moto, got {}",
            errors.len()
        ))
        .with_suggestions(["moto's behaviour changed: check the pinned moto version"]));
    }
    Ok(Value::Array(out))
}

/// `--real`: read-only steps against real AWS.
async fn walk_real(args: &DemoArgs) -> Result<Value, DeploymentError> {
    let say = Say { quiet: args.json };
    let mut b = AwsClientManager::builder();
    if let Some(p) = &args.profile {
        b = b.profile(p);
    }
    if let Some(r) = &args.region {
        b = b.region(r);
    }
    let manager = b.build().await?;
    let id = manager.validate_credentials().await?;
    say.line(
        "credentials",
        format!("Account: {}  User: {}", id.account_id, id.user_arn),
    );
    let report = manager.preflight().await;
    say.block(&report.to_string());
    Ok(json!({ "caller_identity": id, "preflight": report.to_json() }))
}

#[cfg(test)]
mod tests {
    const REAL_CHILD: &str = "STRANDS_DEMO_REAL_CHILD";

    /// `--real` runs against whatever endpoint the profile names. Here the
    /// profile names moto (aws-config honours a profile's `endpoint_url`),
    /// so the real path is walked with no AWS account. Environment
    /// variables are process-wide, so a child runs it with its own.
    #[test]
    fn the_real_path_runs_through_a_profile() {
        let moto = strands_testkit::MotoServer::builder()
            .binary(strands_testkit::moto_server_path())
            .start()
            .unwrap();
        let dir = std::env::temp_dir().join(format!("strands-demo-real-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (config, credentials) = (dir.join("config"), dir.join("credentials"));
        std::fs::write(
            &config,
            format!(
                "[profile deployer]\nregion = us-east-1\nendpoint_url = {}\n",
                moto.endpoint_url()
            ),
        )
        .unwrap();
        std::fs::write(
            &credentials,
            format!(
                "[deployer]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
                strands_testkit::TEST_ACCESS_KEY_ID,
                strands_testkit::TEST_SECRET_ACCESS_KEY
            ),
        )
        .unwrap();
        let (passed, text) = strands_testkit::run_test_in_child(
            "demo::tests::child_walks_the_real_path",
            REAL_CHILD,
            &[
                ("HOME", dir.as_os_str()),
                ("AWS_CONFIG_FILE", config.as_os_str()),
                ("AWS_SHARED_CREDENTIALS_FILE", credentials.as_os_str()),
            ],
        )
        .unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        assert!(passed, "child failed:\n{text}");
        assert!(
            text.contains("real path checks passed"),
            "the child did not run:\n{text}"
        );
    }

    #[tokio::test]
    async fn child_walks_the_real_path() {
        if std::env::var_os(REAL_CHILD).is_none() {
            return;
        }
        let args = |profile: &str, region: &str| super::DemoArgs {
            json: true,
            real: true,
            profile: Some(profile.to_owned()),
            region: Some(region.to_owned()),
        };
        let out = super::walk_real(&args("deployer", "us-east-1"))
            .await
            .unwrap();
        assert_eq!(out["caller_identity"]["account_id"], "123456789012");
        assert_eq!(out["preflight"]["ok"], true, "{out:#}");
        // Local checks come first: a wrong profile or region sends nothing.
        let e = super::walk_real(&args("nope", "us-east-1"))
            .await
            .unwrap_err();
        assert_eq!(e.code(), "strands::configuration::unknown_profile");
        let e = super::walk_real(&args("deployer", "us-esat-1"))
            .await
            .unwrap_err();
        assert!(e.to_string().contains("us-east-1"), "{e}");
        println!("real path checks passed");
    }

    /// The demo's non-interactive path, as `cargo xtask demo --json` runs it.
    #[tokio::test]
    async fn the_demo_walks_to_the_end_against_moto() {
        let bin = strands_testkit::moto_server_path();
        let out = super::walk(&bin, true).await.unwrap();
        assert_eq!(out["caller_identity"]["account_id"], "123456789012");
        assert_eq!(
            out["assumed_role"]["user_arn"],
            "arn:aws:sts::123456789012:assumed-role/DeploymentRole/strands-deployment"
        );
        assert_eq!(out["retry"]["http_requests"], 3);
        assert_eq!(out["retry"]["retries"].as_array().unwrap().len(), 2);
        assert_eq!(out["circuit_breaker"]["rejected_while_open"], true);
        let errors = out["errors"].as_array().unwrap();
        let codes: Vec<&str> = errors.iter().map(|e| e["code"].as_str().unwrap()).collect();
        assert_eq!(
            codes,
            [
                "strands::validation::resource_not_found_exception",
                "strands::permission::invalid_parameter_value_exception",
                "strands::credential::invalid_client_token_id",
            ]
        );
        let prov = out["provision"].as_array().unwrap();
        assert!(prov[0].as_str().unwrap().starts_with("created"));
        assert!(prov[1].as_str().unwrap().starts_with("updated"));
        assert_eq!(out["preflight"]["ok"], true);
    }
}
