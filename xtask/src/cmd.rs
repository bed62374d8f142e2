//! Running child commands with one clear line when they fail.

use miette::Diagnostic;
use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;

/// A step of `cargo xtask` that did not pass.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("step `{step}` failed: {detail}")]
#[diagnostic(
    code(xtask::step_failed),
    help("the output above this line shows why; rerun the failing command alone to iterate")
)]
pub(crate) struct StepFailed {
    pub(crate) step: String,
    pub(crate) detail: String,
}

impl StepFailed {
    pub(crate) fn new(step: &str, detail: impl Into<String>) -> Self {
        Self {
            step: step.to_owned(),
            detail: detail.into(),
        }
    }
}

/// `cargo` as the one that started us (`$CARGO`), so a toolchain override holds.
pub(crate) fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// Run `cmd` in `dir`; an error names the step, the command line and the status.
pub(crate) fn run(step: &str, dir: &Path, cmd: &mut Command) -> Result<(), StepFailed> {
    cmd.current_dir(dir);
    let line = render(cmd);
    println!("xtask: $ {line}");
    let status = cmd
        .status()
        .map_err(|e| StepFailed::new(step, format!("could not start `{line}`: {e}")))?;
    if status.success() {
        Ok(())
    } else {
        Err(StepFailed::new(
            step,
            format!("`{line}` exited with {status}"),
        ))
    }
}

/// [`run`], keeping what the command printed on stdout (it is echoed too).
pub(crate) fn run_captured(
    step: &str,
    dir: &Path,
    cmd: &mut Command,
) -> Result<String, StepFailed> {
    cmd.current_dir(dir).stderr(std::process::Stdio::inherit());
    let line = render(cmd);
    println!("xtask: $ {line}");
    let out = cmd
        .output()
        .map_err(|e| StepFailed::new(step, format!("could not start `{line}`: {e}")))?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    print!("{text}");
    if out.status.success() {
        Ok(text)
    } else {
        Err(StepFailed::new(
            step,
            format!("`{line}` exited with {}", out.status),
        ))
    }
}

/// Whether `cmd` runs and exits 0 (used to probe for optional tools).
pub(crate) fn succeeds(cmd: &mut Command) -> bool {
    cmd.stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn render(cmd: &Command) -> String {
    std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(OsStr::to_string_lossy)
        .collect::<Vec<_>>()
        .join(" ")
}
