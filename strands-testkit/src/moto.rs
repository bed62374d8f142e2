//! A `moto_server` per test: the strongest isolation, and cheap (it answers
//! in well under a second), so no test can see another's state.

use std::fmt;
use std::fs::File;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a fresh moto_server may take to answer before we give up.
const READY_TIMEOUT: Duration = Duration::from_secs(30);
/// Ports are picked by binding port 0 and releasing it; another process can
/// take it in between, so a start that loses that race tries again.
const START_ATTEMPTS: usize = 3;

/// Why the harness could not give a test its server.
#[derive(Debug)]
pub enum HarnessError {
    /// `moto_server` is not installed where the harness looks.
    NotInstalled(PathBuf),
    /// Spawning or talking to the process failed.
    Io(std::io::Error),
    /// The server exited or did not answer in time.
    NotReady(String),
    /// An admin call (`/moto-api/...`) failed.
    Admin(String),
}

impl fmt::Display for HarnessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotInstalled(p) => write!(
                f,
                "moto_server not found at {}: run `cargo xtask ci` (it installs moto[server] \
                 into target/moto-venv) or set STRANDS_MOTO_SERVER",
                p.display()
            ),
            Self::Io(e) => write!(f, "moto_server: {e}"),
            Self::NotReady(why) => write!(f, "moto_server did not become ready: {why}"),
            Self::Admin(why) => write!(f, "moto admin call failed: {why}"),
        }
    }
}

impl std::error::Error for HarnessError {}

impl From<std::io::Error> for HarnessError {
    fn from(e: std::io::Error) -> Self {
        Self::Io(e)
    }
}

/// Where `moto_server` is expected: `$STRANDS_MOTO_SERVER`, else
/// `<workspace>/target/moto-venv/bin/moto_server`.
pub fn moto_server_path() -> PathBuf {
    if let Some(p) = std::env::var_os("STRANDS_MOTO_SERVER") {
        return PathBuf::from(p);
    }
    workspace_root().join("target/moto-venv/bin/moto_server")
}

fn workspace_root() -> PathBuf {
    // strands-testkit -> workspace root
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(1)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Options for a [`MotoServer`].
#[derive(Debug, Clone, Default)]
#[must_use = "a builder does nothing until `start` is called"]
pub struct MotoBuilder {
    record: bool,
    auth: bool,
    account_id: Option<String>,
    lambda_docker: bool,
    binary: Option<PathBuf>,
}

impl MotoBuilder {
    /// Auth mode (`INITIAL_NO_AUTH_ACTION_COUNT=0`): moto checks keys,
    /// signatures and IAM policies, so tests get real auth errors.
    pub fn auth_mode(mut self, on: bool) -> Self {
        self.auth = on;
        self
    }

    /// Record every request (`MOTO_ENABLE_RECORDING`), for
    /// [`MotoServer::recorded_actions`]: what reached the server, asserted.
    pub fn record(mut self, on: bool) -> Self {
        self.record = on;
        self
    }

    /// The account moto reports (`MOTO_ACCOUNT_ID`); 123456789012 otherwise.
    pub fn account_id(mut self, id: impl Into<String>) -> Self {
        self.account_id = Some(id.into());
        self
    }

    /// The `moto_server` executable to run; [`moto_server_path`] otherwise.
    pub fn binary(mut self, path: impl Into<PathBuf>) -> Self {
        self.binary = Some(path.into());
        self
    }

    /// Start the server and wait until it answers. Lambda is configured to
    /// run without Docker (no engine runs on these machines).
    pub fn start(self) -> Result<MotoServer, HarnessError> {
        let bin = self.binary.clone().unwrap_or_else(moto_server_path);
        if !bin.exists() {
            return Err(HarnessError::NotInstalled(bin));
        }
        let mut last = HarnessError::NotReady("not started".into());
        for _ in 0..START_ATTEMPTS {
            match self.spawn_once(&bin) {
                Ok(server) => return Ok(server),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    fn spawn_once(&self, bin: &Path) -> Result<MotoServer, HarnessError> {
        let port = free_port()?;
        let log_dir = workspace_root().join("target/moto-logs");
        std::fs::create_dir_all(&log_dir)?;
        let log_path = log_dir.join(format!("moto-{port}.log"));
        let log = File::create(&log_path)?;
        let mut cmd = Command::new(bin);
        cmd.args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            // moto must never reach for real AWS or a real credential file.
            .env("AWS_ACCESS_KEY_ID", crate::TEST_ACCESS_KEY_ID)
            .env("AWS_SECRET_ACCESS_KEY", crate::TEST_SECRET_ACCESS_KEY)
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env_remove("AWS_PROFILE");
        if self.auth {
            cmd.env("INITIAL_NO_AUTH_ACTION_COUNT", "0");
        }
        if let Some(id) = &self.account_id {
            cmd.env("MOTO_ACCOUNT_ID", id);
        }
        let record_path = log_dir.join(format!("moto-{port}.rec"));
        if self.record {
            let _ = std::fs::remove_file(&record_path);
            cmd.env("MOTO_ENABLE_RECORDING", "True")
                .env("MOTO_RECORDER_FILEPATH", &record_path);
        }
        let child = cmd.spawn()?;
        let mut server = MotoServer {
            child,
            port,
            endpoint: format!("http://127.0.0.1:{port}"),
            log_path,
            record_path,
        };
        server.wait_ready()?;
        if !self.lambda_docker {
            server.post_admin("config", r#"{"lambda":{"use_docker":false}}"#)?;
        }
        eprintln!(
            "[strands-testkit] moto_server started: pid {} on {}{}",
            server.child.id(),
            server.endpoint,
            if self.auth { " (auth mode)" } else { "" }
        );
        Ok(server)
    }
}

fn free_port() -> Result<u16, HarnessError> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

fn agent() -> ureq::Agent {
    crate::loopback_agent(Duration::from_secs(5))
}

/// A running `moto_server`, killed when dropped.
#[derive(Debug)]
pub struct MotoServer {
    child: Child,
    port: u16,
    endpoint: String,
    log_path: PathBuf,
    record_path: PathBuf,
}

impl MotoServer {
    /// Options: auth mode, account id.
    pub fn builder() -> MotoBuilder {
        MotoBuilder::default()
    }

    /// Start a server with the defaults (no auth, Lambda without Docker).
    pub fn start() -> Result<Self, HarnessError> {
        MotoBuilder::default().start()
    }

    /// `http://127.0.0.1:PORT`: give it to clients as their endpoint URL.
    pub fn endpoint_url(&self) -> &str {
        &self.endpoint
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The process id, for tests that check the process is gone.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The query-protocol actions that reached the server, in order
    /// (`AssumeRole`, `GetCallerIdentity`), from its recording (start it
    /// with [`MotoBuilder::record`]). JSON-protocol calls are listed by
    /// their `X-Amz-Target` (`AWSLambda.GetFunction` style) when present.
    pub fn recorded_actions(&self) -> Vec<String> {
        self.recorded_requests()
            .into_iter()
            .map(|(a, _)| a)
            .collect()
    }

    /// Each recorded request's action (as [`recorded_actions`](Self::recorded_actions))
    /// and its body, decoded.
    pub fn recorded_requests(&self) -> Vec<(String, String)> {
        let text = std::fs::read_to_string(&self.record_path).unwrap_or_default();
        text.lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter_map(|v| {
                let body = v.get("body")?.as_str().unwrap_or_default();
                let body =
                    if v.get("body_encoded").and_then(serde_json::Value::as_bool) == Some(true) {
                        String::from_utf8(aws_smithy_types::base64::decode(body).ok()?).ok()?
                    } else {
                        body.to_owned()
                    };
                let action = body
                    .split('&')
                    .find_map(|kv| kv.strip_prefix("Action="))
                    .map(str::to_owned);
                let action = action.or_else(|| {
                    let h = v.get("headers")?.as_object()?;
                    h.iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case("x-amz-target"))
                        .and_then(|(_, t)| t.as_str().map(str::to_owned))
                })?;
                Some((action, body))
            })
            .collect()
    }

    /// How many times `action` reached the server.
    pub fn count_action(&self, action: &str) -> usize {
        self.recorded_actions()
            .iter()
            .filter(|a| a.as_str() == action)
            .count()
    }

    /// Clear all of moto's state (`POST /moto-api/reset`).
    pub fn reset(&self) -> Result<(), HarnessError> {
        self.post_admin("reset", "")
    }

    fn post_admin(&self, what: &str, body: &str) -> Result<(), HarnessError> {
        let url = format!("{}/moto-api/{what}", self.endpoint);
        let resp = agent()
            .post(&url)
            .header("content-type", "application/json")
            .send(body)
            .map_err(|e| HarnessError::Admin(format!("{url}: {e}")))?;
        if resp.status().is_success() {
            Ok(())
        } else {
            Err(HarnessError::Admin(format!(
                "{url}: HTTP {}",
                resp.status()
            )))
        }
    }

    fn wait_ready(&mut self) -> Result<(), HarnessError> {
        let url = format!("{}/moto-api/", self.endpoint);
        let agent = agent();
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait()? {
                let log = std::fs::read_to_string(&self.log_path).unwrap_or_default();
                return Err(HarnessError::NotReady(format!(
                    "exited with {status}; log: {}",
                    log.lines().rev().take(5).collect::<Vec<_>>().join(" | ")
                )));
            }
            if matches!(agent.get(&url).call(), Ok(r) if r.status().is_success()) {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(HarnessError::NotReady(format!(
                    "no answer on {url} within {READY_TIMEOUT:?}"
                )));
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        let pid = self.child.id();
        // kill() fails only if the process is already gone: nothing to do then.
        let _ = self.child.kill();
        let _ = self.child.wait();
        eprintln!("[strands-testkit] moto_server stopped: pid {pid}");
    }
}
