//! The workspace's `rust-version` is the toolchain every ci step built
//! with: a manifest that promises an older compiler than was ever used is
//! a promise nobody checked. This machine has one toolchain, so the
//! promise is that one; the check fails if the two drift apart.

use crate::cmd::StepFailed;
use std::path::Path;
use std::process::Command;

pub(crate) fn check(root: &Path) -> Result<(), StepFailed> {
    let fail = |why: String| StepFailed::new("rust-version", why);
    let manifest = std::fs::read_to_string(root.join("Cargo.toml"))
        .map_err(|e| fail(format!("reading Cargo.toml: {e}")))?;
    let declared = manifest
        .lines()
        .find_map(|l| l.trim().strip_prefix("rust-version = "))
        .map(|v| v.trim_matches('"').to_owned())
        .ok_or_else(|| fail("no rust-version in [workspace.package]".into()))?;
    let out = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
        .arg("--version")
        .output()
        .map_err(|e| fail(format!("rustc --version: {e}")))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let used = text
        .split_whitespace()
        .nth(1)
        .ok_or_else(|| fail(format!("unreadable rustc version: {text}")))?;
    if used != declared {
        return Err(fail(format!(
            "rust-version is {declared} but the steps built with rustc {used}: set rust-version to the toolchain that builds and tests it"
        )));
    }
    println!("xtask ci: rust-version {declared} is the toolchain every step built with");
    Ok(())
}
