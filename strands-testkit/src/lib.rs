//! Test support for strands, never shipped: real parts, really started.
//!
//! Tests that talk to AWS talk to a [`MotoServer`], a `moto_server` process
//! this crate starts on a free `127.0.0.1` port, waits for, and kills when
//! the handle drops (also while a test panics). Faults that moto cannot make
//! (throttling, 5xx, slow answers, connection resets) come from a
//! [`FaultEndpoint`] (wiremock) or a [`ResetListener`] (a raw TCP listener).
//! Nothing here ever talks to an address other than `127.0.0.1`.
//!
//! `moto_server` is found at `$STRANDS_MOTO_SERVER`, else in the venv that
//! `cargo xtask ci` installs under `target/moto-venv`; never on `PATH`, so a
//! test cannot pass on one machine by accident of a global install.

mod faults;
mod loopback;
mod metadata;
mod moto;
mod proxy;
mod reset;

pub use faults::{FaultEndpoint, aws_json_error, aws_query_error, ok_json, sts_identity};
pub use metadata::{
    CONTAINER_KEY, CONTAINER_TOKEN, CredentialEndpoints, IMDS_KEY, IMDS_ROLE, SSO_ACCESS_TOKEN,
    SSO_KEY, control, rfc3339,
};
pub use moto::{HarnessError, MotoBuilder, MotoServer, moto_server_path};
pub use proxy::{Canned, Fault, FaultProxy, lambda_pushback};
pub use reset::ResetListener;
/// wiremock, re-exported so tests mount their own responses with one import.
pub use ureq;
pub use wiremock;

/// A blocking HTTP client for tests: no proxy (a proxy from the environment
/// must never see loopback traffic), statuses returned rather than raised,
/// and a whole-request timeout.
pub fn loopback_agent(timeout: std::time::Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .proxy(None)
        .http_status_as_error(false)
        .timeout_global(Some(timeout))
        .build()
        .into()
}

/// The AWS CLI as a person runs it: `python -m awscli` from `target/awscli`
/// (as `cargo xtask ci` installs it), with every `AWS_*` variable of this
/// machine removed. Add the arguments and the test's environment.
pub fn aws_cli() -> std::process::Command {
    let awscli = moto_server_path()
        .ancestors()
        .nth(3)
        .map(|t| t.join("awscli"))
        .unwrap_or_default();
    let mut cmd = std::process::Command::new(moto_server_path().with_file_name("python"));
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("AWS_") {
            cmd.env_remove(k);
        }
    }
    cmd.args(["-m", "awscli"]).env("PYTHONPATH", awscli);
    cmd
}

/// An example's binary, `target/<profile>/examples/<name>`, next to the
/// running test's own (`target/<profile>/deps/…`): `cargo test` and
/// nextest build the examples of the package under test.
pub fn example_bin(name: &str) -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap_or_default();
    let dir = exe
        .parent()
        .and_then(std::path::Path::parent)
        .map(std::path::Path::to_path_buf)
        .unwrap_or_default();
    let bin = dir
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "{} is not built: run the tests with `cargo test` (which builds the examples) and the s3,iam features",
        bin.display()
    );
    bin
}

/// The access key id the harness hands to clients (moto accepts any key
/// unless it runs in auth mode).
pub const TEST_ACCESS_KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";
/// The secret key that goes with [`TEST_ACCESS_KEY_ID`]: a documented
/// example value, also used as a canary in redaction tests.
pub const TEST_SECRET_ACCESS_KEY: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

/// The diagnostic codes of `codes` that have no explanation page in
/// `docs/diagnostics/` (`strands::network::circuit_open` →
/// `strands--network--circuit_open.md`), the page `cargo xtask explain` prints
/// and every diagnostic's URL points at. Each library's tests call it on
/// its own code list, so the build tool needs none of them.
pub fn codes_without_explanation<I, S>(codes: I) -> Vec<String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/diagnostics");
    codes
        .into_iter()
        .map(|c| c.as_ref().to_owned())
        .filter(|c| !dir.join(format!("{}.md", c.replace("::", "--"))).exists())
        .collect()
}

/// [`TEST_ACCESS_KEY_ID`] and [`TEST_SECRET_ACCESS_KEY`] as credentials
/// for `.credentials_provider(..)`, no session token.
pub fn test_credentials() -> aws_credential_types::Credentials {
    aws_credential_types::Credentials::new(
        TEST_ACCESS_KEY_ID,
        TEST_SECRET_ACCESS_KEY,
        None,
        None,
        "test",
    )
}
/// The account moto reports for unknown keys.
pub const MOTO_ACCOUNT_ID: &str = "123456789012";

/// miette's graphical report as the snapshot tests pin it: no colour, no
/// hyperlinks, width 80.
pub fn render_report(diagnostic: &dyn miette::Diagnostic) -> String {
    let mut out = String::new();
    let handler =
        miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
            .with_width(80)
            .with_links(false);
    if let Err(e) = handler.render_report(&mut out, diagnostic) {
        out.push_str(&format!("<report failed: {e}>"));
    }
    out
}

/// Run one test of the current test binary again, in a child process with
/// its own environment: environment variables are process-wide (and
/// `set_var` is unsafe), so a test that needs `AWS_CONFIG_FILE` and friends
/// gets them this way. Every inherited `AWS_*` variable is removed first;
/// `marker` is set to "1" so the child test knows to run. Returns whether
/// the child passed, and its stdout and stderr.
pub fn run_test_in_child(
    test: &str,
    marker: &str,
    env: &[(&str, &std::ffi::OsStr)],
) -> std::io::Result<(bool, String)> {
    let mut cmd = std::process::Command::new(std::env::current_exe()?);
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("AWS_") {
            cmd.env_remove(k);
        }
    }
    cmd.args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(marker, "1")
        .env("AWS_EC2_METADATA_DISABLED", "true");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output()?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok((out.status.success(), text))
}

/// [`run_test_in_child`], then insist the child passed and printed
/// `child checks passed` (a child that returned early because the marker
/// was missing passes without checking anything). Returns its output.
pub fn run_child_checks(test: &str, marker: &str, env: &[(&str, &std::ffi::OsStr)]) -> String {
    match run_test_in_child(test, marker, env) {
        Ok((true, text)) if text.contains("child checks passed") => text,
        Ok((true, text)) => panic!("the child did not run its checks:\n{text}"),
        Ok((false, text)) => panic!("child failed:\n{text}"),
        Err(e) => panic!("could not start the child test: {e}"),
    }
}

/// A writer whose clones share one buffer: give a clone to a tracing
/// subscriber (`with_writer(move || buf.clone())`) and read what was
/// logged with [`contents`](Self::contents).
#[derive(Debug, Clone, Default)]
pub struct SharedBuf(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl SharedBuf {
    /// Everything written so far, as text (invalid UTF-8 replaced).
    pub fn contents(&self) -> String {
        let bytes = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

impl std::io::Write for SharedBuf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
