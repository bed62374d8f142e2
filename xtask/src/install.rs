//! What the tests need that cargo does not fetch: moto_server, in a Python
//! venv under `target/`, never a global install (a test must not pass on one
//! machine because of something installed there by hand).

use crate::cmd::{self, StepFailed};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Pinned, so every machine runs the emulator the tests were written against.
pub(crate) const MOTO_REQUIREMENT: &str = "moto[server]==5.2.5";

/// botocore's `crt` extra, pinned as botocore 1.44 pins it: its
/// `LoginProvider` (`login_session`, `aws login`) needs awscrt's EC keys.
const CRT_REQUIREMENT: &str = "awscrt==0.38.0";

/// The venv, relative to the workspace root.
const VENV: &str = "target/moto-venv";

/// The botocore releases the retry differential test holds strands
/// against, each in `target/botocore/<version>` (put on `PYTHONPATH` over
/// the venv's own): 1.44 is the first whose standard mode is retry
/// behavior 2.1, 1.43 the last whose standard mode is 2.0.
pub(crate) const BOTOCORE_PINS: &[&str] = &["1.44.8", "1.43.127"];

/// The AWS CLI the session-cache test shares sessions with, in
/// `target/awscli` (it vendors its botocore; run as `python -m awscli`).
pub(crate) const AWSCLI_REQUIREMENT: &str = "awscli==1.46.2";

/// Make sure `target/moto-venv/bin/moto_server` exists; install it if not.
pub(crate) fn ensure_moto(root: &Path) -> Result<PathBuf, StepFailed> {
    let venv = root.join(VENV);
    let bin = venv.join("bin/moto_server");
    let stamp = venv.join(".strands-moto");
    let want = format!("{MOTO_REQUIREMENT} {CRT_REQUIREMENT}");
    let installed = std::fs::read_to_string(&stamp).is_ok_and(|s| s.trim() == want);
    if bin.exists() && installed {
        println!("xtask: moto_server present at {}", bin.display());
        ensure_botocore_pins(root, &venv)?;
        return Ok(bin);
    }
    println!(
        "xtask: installing {MOTO_REQUIREMENT} and {CRT_REQUIREMENT} into {VENV} \
         (python3 -m venv, then pip); tests start it from there"
    );
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned());
    if !cmd::succeeds(Command::new(&python).arg("--version")) {
        return Err(StepFailed::new(
            "install-moto",
            format!(
                "`{python}` not found: install Python 3 (apt-get install python3 python3-venv)"
            ),
        ));
    }
    cmd::run(
        "install-moto",
        root,
        Command::new(&python)
            .args(["-m", "venv", "--clear"])
            .arg(&venv),
    )?;
    cmd::run(
        "install-moto",
        root,
        Command::new(venv.join("bin/python")).args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            MOTO_REQUIREMENT,
            CRT_REQUIREMENT,
        ]),
    )?;
    if !bin.exists() {
        return Err(StepFailed::new(
            "install-moto",
            format!("pip finished but {} is missing", bin.display()),
        ));
    }
    std::fs::write(&stamp, &want).map_err(|e| {
        StepFailed::new("install-moto", format!("writing {}: {e}", stamp.display()))
    })?;
    println!("xtask: installed moto_server at {}", bin.display());
    ensure_botocore_pins(root, &venv)?;
    Ok(bin)
}

/// Install each pinned botocore into `target/botocore/<version>`, without
/// dependencies (the venv has them), unless it is there already.
fn ensure_botocore_pins(root: &Path, venv: &Path) -> Result<(), StepFailed> {
    for version in BOTOCORE_PINS {
        let dir = root.join("target/botocore").join(version);
        ensure_pin(root, venv, &format!("botocore=={version}"), &dir, true)?;
    }
    ensure_pin(
        root,
        venv,
        AWSCLI_REQUIREMENT,
        &root.join("target/awscli"),
        false,
    )
}

/// `requirement` installed into `dir` (with its dependencies unless
/// `no_deps`), unless the stamp says it is there already.
fn ensure_pin(
    root: &Path,
    venv: &Path,
    requirement: &str,
    dir: &Path,
    no_deps: bool,
) -> Result<(), StepFailed> {
    let stamp = dir.join(".strands-pin");
    if std::fs::read_to_string(&stamp).is_ok_and(|s| s.trim() == requirement) {
        return Ok(());
    }
    println!("xtask: installing {requirement} into {}", dir.display());
    let _ = std::fs::remove_dir_all(dir);
    let mut c = Command::new(venv.join("bin/python"));
    c.args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
    ]);
    if no_deps {
        c.arg("--no-deps");
    }
    c.arg("--target").arg(dir).arg(requirement);
    cmd::run("install-moto", root, &mut c)?;
    std::fs::write(&stamp, requirement)
        .map_err(|e| StepFailed::new("install-moto", format!("writing {}: {e}", stamp.display())))
}
