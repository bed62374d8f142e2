//! `cargo xtask ci`: the one check, the same here, in `.ci/run` and in
//! GitHub Actions. Steps run cheapest first and the first failure stops the
//! run with one line naming the step.

use crate::cmd::{self, StepFailed, cargo};
use crate::{install, rust_version, tidy};
use std::path::Path;
use std::time::Instant;

/// The client features the tests exercise (S3 and IAM from the manager,
/// S3 through the facade): off by default for users, on for the check.
const TEST_FEATURES: &str = "strands-creds/s3,strands-creds/iam,strands-creds/login,strands-deploy-utils/s3,strands-deploy-utils/iam";

/// Every other client feature: compiled (not linked into tests) so a
/// feature nobody tests still builds.
const CLIENT_FEATURES: &str = "cloudwatchlogs,ecr,cloudformation,apigateway,apigatewayv2";

pub(crate) fn run(root: &Path) -> miette::Result<()> {
    let started = Instant::now();
    let step = |name: &str, f: &mut dyn FnMut() -> Result<(), StepFailed>| {
        println!("\nxtask ci: ==> {name}");
        let t = Instant::now();
        let out = f();
        match &out {
            Ok(()) => println!("xtask ci: <== {name} ok ({:.1?})", t.elapsed()),
            Err(e) => println!("xtask ci: FAILED: {e}"),
        }
        out
    };

    step("fmt", &mut || {
        cmd::run("fmt", root, cargo().args(["fmt", "--all", "--", "--check"]))
    })?;
    step("clippy", &mut || {
        cmd::run(
            "clippy",
            root,
            cargo().args([
                "clippy",
                "--workspace",
                "--all-targets",
                "--features",
                TEST_FEATURES,
                "--",
                "-D",
                "warnings",
            ]),
        )
    })?;
    step("tidy", &mut || tidy::check(root))?;
    let mut moto = None;
    step("install-moto", &mut || {
        moto = Some(install::ensure_moto(root)?);
        Ok(())
    })?;
    let moto = moto.unwrap_or_default();
    step("test", &mut || {
        let mut c = if cmd::succeeds(cargo().args(["nextest", "--version"])) {
            let mut c = cargo();
            c.args([
                "nextest",
                "run",
                "--workspace",
                "--features",
                TEST_FEATURES,
                "--no-fail-fast",
            ]);
            c
        } else {
            println!("xtask ci: cargo-nextest not installed, using cargo test");
            let mut c = cargo();
            c.args([
                "test",
                "--workspace",
                "--features",
                TEST_FEATURES,
                "--",
                "--nocapture",
            ]);
            c
        };
        cmd::run("test", root, c.env("STRANDS_MOTO_SERVER", &moto))
    })?;
    step("doctest", &mut || {
        cmd::run(
            "doctest",
            root,
            cargo().args(["test", "--workspace", "--features", TEST_FEATURES, "--doc"]),
        )
    })?;
    step("client-features", &mut || {
        cmd::run(
            "client-features",
            root,
            cargo().args([
                "check",
                "-p",
                "strands-creds",
                "--features",
                CLIENT_FEATURES,
            ]),
        )
    })?;
    step("doc", &mut || {
        cmd::run(
            "doc",
            root,
            cargo()
                .args([
                    "doc",
                    "--workspace",
                    "--no-deps",
                    "--features",
                    TEST_FEATURES,
                ])
                .env("RUSTDOCFLAGS", "-D warnings"),
        )
    })?;
    // The benches build and link, in the test profile and features: the
    // artifacts of the test step are reused, where `cargo bench --no-run`
    // built every dependency again in release (about 10 of a clean run's
    // 21 minutes). `cargo xtask bench` builds them in release to run them.
    step("bench-build", &mut || {
        cmd::run(
            "bench-build",
            root,
            cargo().args([
                "build",
                "--workspace",
                "--benches",
                "--features",
                TEST_FEATURES,
            ]),
        )
    })?;
    // The crates package: manifests, readmes, licenses and file lists. Not
    // verified by a second build: the steps above built and tested the
    // same sources (a verifying package rebuilds every crate, ~2.5 min).
    step("package", &mut || {
        cmd::run(
            "package",
            root,
            cargo().args([
                "package",
                "--workspace",
                "--exclude",
                "xtask",
                "--exclude",
                "strands-testkit",
                "--no-verify",
            ]),
        )
    })?;
    step("rust-version", &mut || rust_version::check(root))?;
    println!("\nxtask ci: all steps passed in {:.1?}", started.elapsed());
    Ok(())
}
