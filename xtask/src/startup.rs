//! Process-level bench: process start to first validated identity,
//! strands (`build` + `validate_credentials`) against plain aws-config +
//! `GetCallerIdentity`, on environment keys, on a `credential_process`
//! profile whose process takes 200 ms, on ECS container credentials and on
//! IMDSv2 (local endpoints that check the token as the real ones do). Release build, one moto_server,
//! runs alternated (a, b, a, b, ...) so drift hits both; medians compared.
//! The goal: at most 1.10× on each.

use crate::cmd::{self, StepFailed, cargo};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use strands_testkit::MotoServer;

const RUNS: usize = 15;

/// One measured scenario.
pub(crate) struct Startup {
    pub(crate) scenario: &'static str,
    pub(crate) strands: Duration,
    pub(crate) aws_config: Duration,
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

pub(crate) fn run(root: &Path) -> Result<Vec<Startup>, StepFailed> {
    cmd::run(
        "startup",
        root,
        cargo().args([
            "build",
            "--release",
            "-p",
            "strands-creds",
            "--example",
            "first_identity",
        ]),
    )?;
    let bin = root.join("target/release/examples/first_identity");
    let moto =
        MotoServer::start().map_err(|e| StepFailed::new("startup", format!("moto_server: {e}")))?;
    let dir = std::env::temp_dir().join(format!("strands-startup-{}", std::process::id()));
    std::fs::create_dir_all(&dir)
        .map_err(|e| StepFailed::new("startup", format!("{}: {e}", dir.display())))?;
    let config = dir.join("config");
    std::fs::write(
        &config,
        "[profile proc]\nregion = us-east-1\ncredential_process = sh -c 'sleep 0.2; printf \"{\\\"Version\\\":1,\\\"AccessKeyId\\\":\\\"AKIAPROCESS000000001\\\",\\\"SecretAccessKey\\\":\\\"p\\\"}\"'\n",
    )
    .map_err(|e| StepFailed::new("startup", e.to_string()))?;
    let meta = strands_testkit::CredentialEndpoints::start()
        .map_err(|e| StepFailed::new("startup", format!("credential endpoints: {e}")))?;
    let scenarios: [(&str, Vec<(&str, String)>); 4] = [
        (
            "environment keys",
            vec![
                ("AWS_ACCESS_KEY_ID", "AKIAENVKEY0000000001".into()),
                ("AWS_SECRET_ACCESS_KEY", "e".into()),
                ("AWS_REGION", "us-east-1".into()),
            ],
        ),
        (
            "credential_process taking 200 ms",
            vec![("AWS_PROFILE", "proc".into())],
        ),
        (
            "ECS container credentials",
            vec![
                ("AWS_CONTAINER_CREDENTIALS_FULL_URI", meta.container_uri()),
                (
                    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
                    strands_testkit::CONTAINER_TOKEN.into(),
                ),
                ("AWS_REGION", "us-east-1".into()),
            ],
        ),
        (
            "EC2 instance role (IMDSv2)",
            vec![
                ("AWS_EC2_METADATA_DISABLED", "false".into()),
                ("AWS_EC2_METADATA_SERVICE_ENDPOINT", meta.url()),
                ("AWS_REGION", "us-east-1".into()),
            ],
        ),
    ];
    let mut out = Vec::new();
    for (scenario, vars) in scenarios {
        let once = |mode: &str| -> Result<Duration, StepFailed> {
            let mut c = Command::new(&bin);
            for (k, _) in std::env::vars_os() {
                if k.to_string_lossy().starts_with("AWS_") {
                    c.env_remove(k);
                }
            }
            c.arg(mode)
                .env("HOME", &dir)
                .env("AWS_CONFIG_FILE", &config)
                .env("AWS_SHARED_CREDENTIALS_FILE", dir.join("credentials"))
                .env("AWS_ENDPOINT_URL", moto.endpoint_url())
                .env("AWS_EC2_METADATA_DISABLED", "true");
            for (k, v) in &vars {
                c.env(k, v);
            }
            let t = Instant::now();
            let o = c
                .output()
                .map_err(|e| StepFailed::new("startup", e.to_string()))?;
            let took = t.elapsed();
            if !o.status.success() {
                return Err(StepFailed::new(
                    "startup",
                    format!(
                        "{mode} ({scenario}) failed: {}",
                        String::from_utf8_lossy(&o.stderr)
                    ),
                ));
            }
            Ok(took)
        };
        // Warm the page cache and moto.
        once("strands")?;
        once("aws-config")?;
        let (mut s, mut a) = (Vec::new(), Vec::new());
        for _ in 0..RUNS {
            s.push(once("strands")?);
            a.push(once("aws-config")?);
        }
        out.push(Startup {
            scenario,
            strands: median(s),
            aws_config: median(a),
        });
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(out)
}

/// The table, in markdown (printed, and kept for `docs/BENCHMARKS.md`).
pub(crate) fn print(rows: &[Startup]) -> String {
    use std::fmt::Write as _;
    let mut t = format!(
        "Process start to first validated identity (release, median of {RUNS} alternated runs, one moto):\n\n"
    );
    t.push_str("| credentials | strands | aws-config + GetCallerIdentity | ratio | goal | met |\n");
    t.push_str("|---|---|---|---|---|---|\n");
    for r in rows {
        let ratio = r.strands.as_secs_f64() / r.aws_config.as_secs_f64();
        let _ = writeln!(
            t,
            "| {} | {:.1} ms | {:.1} ms | {ratio:.3}× | ≤ 1.10× | {} |",
            r.scenario,
            r.strands.as_secs_f64() * 1e3,
            r.aws_config.as_secs_f64() * 1e3,
            if ratio <= 1.10 { "yes" } else { "NO" }
        );
    }
    println!("\n{t}");
    t
}
