//! The credential endpoints a deployment finds where it runs, on one
//! loopback port, each checking what the real one checks:
//!
//! - **a container credentials endpoint** (ECS tasks, CodeBuild, EKS Pod
//!   Identity): `GET /container/...` with the `Authorization` header equal
//!   to the token (`AWS_CONTAINER_AUTHORIZATION_TOKEN`, or the contents of
//!   `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`); anything else is 401;
//! - **IMDSv2** (EC2): `PUT /latest/api/token` with
//!   `X-aws-ec2-metadata-token-ttl-seconds` gives a session token; every
//!   `GET /latest/meta-data/...` must carry it as `X-aws-ec2-metadata-token`
//!   (401 otherwise); the role name, then its credentials document;
//! - **the SSO portal**: `GET /federation/credentials?role_name=..&account_id=..`
//!   with `x-amz-sso_bearer_token` equal to the cached access token;
//! - **STS** (`POST /`, the query protocol): `AssumeRole`, whose session
//!   expires `DurationSeconds` after this server's "now", and
//!   `GetCallerIdentity`. moto is the STS of every other test; this one
//!   exists because a long deployment runs on a test's clock, and moto
//!   dates sessions by its own. Every request signed with a session token
//!   this server issued and that had expired by its "now" is counted
//!   ([`CredentialEndpoints::stale_requests`]) and answered `ExpiredToken`,
//!   as STS would.
//!
//! A test in another process (the manager runs in a child, where the
//! environment points at these endpoints) moves the clock and reads the
//! counts through `/control/...` (see [`control`]).
//!
//! Each counts the credential documents it served, so a test can assert a
//! source was asked exactly once per start. The documents expire
//! [`CredentialEndpoints::expires_in`] after they are served.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The token a container endpoint expects in `Authorization`.
pub const CONTAINER_TOKEN: &str = "container-token-7f3a";
/// The access key a container endpoint hands out.
pub const CONTAINER_KEY: &str = "ASIACONTAINER0000001";
/// The instance profile's role name IMDS reports.
pub const IMDS_ROLE: &str = "InstanceRole";
/// The access key IMDS hands out.
pub const IMDS_KEY: &str = "ASIAINSTANCE00000001";
/// The bearer token an SSO portal expects (as cached by `aws sso login`).
pub const SSO_ACCESS_TOKEN: &str = "sso-access-token-5c1e";
/// The access key the SSO portal hands out.
pub const SSO_KEY: &str = "ASIASSOPORTAL0000001";

/// What each endpoint served so far.
#[derive(Debug, Default)]
struct Counts {
    container: AtomicUsize,
    imds_tokens: AtomicUsize,
    imds: AtomicUsize,
    sso: AtomicUsize,
    assume_role: AtomicUsize,
    stale: AtomicUsize,
    refused: AtomicUsize,
}

#[derive(Debug)]
struct Shared {
    counts: Counts,
    imds_token: String,
    expires_in: Mutex<Duration>,
    /// Where "now" is for the documents' `Expiration` (a test's clock).
    now: Mutex<Option<SystemTime>>,
    stop: AtomicBool,
    /// The container endpoint's answer instead of credentials, if set.
    container_fault: Mutex<Option<(u16, String)>>,
    /// Every session token handed out, with its expiry.
    issued: Mutex<std::collections::HashMap<String, SystemTime>>,
}

/// The running endpoints; stop accepting when dropped.
#[derive(Debug)]
pub struct CredentialEndpoints {
    port: u16,
    shared: Arc<Shared>,
}

impl CredentialEndpoints {
    /// Listen on a free loopback port.
    pub fn start() -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let shared = Arc::new(Shared {
            counts: Counts::default(),
            imds_token: format!("imds-session-{port}"),
            expires_in: Mutex::new(Duration::from_secs(3600)),
            now: Mutex::new(None),
            stop: AtomicBool::new(false),
            container_fault: Mutex::new(None),
            issued: Mutex::new(std::collections::HashMap::new()),
        });
        crate::loopback::serve_each(listener, &shared, |s| &s.stop, serve);
        Ok(Self { port, shared })
    }

    /// `http://127.0.0.1:PORT`: IMDS's endpoint
    /// (`AWS_EC2_METADATA_SERVICE_ENDPOINT`) and the SSO portal's.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The container endpoint (`AWS_CONTAINER_CREDENTIALS_FULL_URI`).
    pub fn container_uri(&self) -> String {
        format!("{}/container/v2/credentials/task", self.url())
    }

    /// How long each document served from now on is valid.
    pub fn expires_in(&self, d: Duration) {
        if let Ok(mut e) = self.shared.expires_in.lock() {
            *e = d;
        }
    }

    /// The time documents are dated from (the test's clock), instead of
    /// the system's.
    pub fn set_now(&self, now: SystemTime) {
        if let Ok(mut n) = self.shared.now.lock() {
            *n = Some(now);
        }
    }

    /// Make the container endpoint answer `status` with `body` instead of
    /// credentials (`None`: credentials again).
    pub fn container_fault(&self, fault: Option<(u16, &str)>) {
        if let Ok(mut f) = self.shared.container_fault.lock() {
            *f = fault.map(|(s, b)| (s, b.to_owned()));
        }
    }

    /// Credential documents the container endpoint served.
    pub fn container_served(&self) -> usize {
        self.shared.counts.container.load(Ordering::SeqCst)
    }
    /// Credential documents IMDS served.
    pub fn imds_served(&self) -> usize {
        self.shared.counts.imds.load(Ordering::SeqCst)
    }
    /// IMDSv2 session tokens handed out.
    pub fn imds_tokens(&self) -> usize {
        self.shared.counts.imds_tokens.load(Ordering::SeqCst)
    }
    /// Role credentials the SSO portal served.
    pub fn sso_served(&self) -> usize {
        self.shared.counts.sso.load(Ordering::SeqCst)
    }
    /// Every credential document served, by any endpoint.
    pub fn served(&self) -> usize {
        self.container_served() + self.imds_served() + self.sso_served()
    }
    /// Requests refused for a missing or wrong token.
    pub fn refused(&self) -> usize {
        self.shared.counts.refused.load(Ordering::SeqCst)
    }
    /// AssumeRole calls answered.
    pub fn assume_role_calls(&self) -> usize {
        self.shared.counts.assume_role.load(Ordering::SeqCst)
    }
    /// STS requests signed with a session token that had expired.
    pub fn stale_requests(&self) -> usize {
        self.shared.counts.stale.load(Ordering::SeqCst)
    }
}

/// The endpoints' control routes, for a test in another process:
/// `PUT /control/now/<unix seconds>`, `PUT /control/container-fault/<status>`,
/// `PUT /control/container-ok`, and `GET /control/counts` (JSON:
/// `container`, `imds`, `sso`, `assume_role`, `stale`, `refused`).
pub mod control {
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    fn agent() -> ureq::Agent {
        crate::loopback_agent(Duration::from_secs(5))
    }

    /// Date documents and sessions from `now` on.
    pub fn set_now(url: &str, now: SystemTime) -> Result<(), ureq::Error> {
        let secs = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        agent()
            .put(&format!("{url}/control/now/{secs}"))
            .send_empty()
            .map(|_| ())
    }

    /// Make the container endpoint answer `status` (`None`: credentials).
    pub fn container_fault(url: &str, status: Option<u16>) -> Result<(), ureq::Error> {
        let path = match status {
            Some(s) => format!("{url}/control/container-fault/{s}"),
            None => format!("{url}/control/container-ok"),
        };
        agent().put(&path).send_empty().map(|_| ())
    }

    /// What the endpoints served so far.
    pub fn counts(url: &str) -> Result<serde_json::Value, ureq::Error> {
        let text = agent()
            .get(&format!("{url}/control/counts"))
            .call()?
            .body_mut()
            .read_to_string()?;
        Ok(serde_json::from_str(&text).unwrap_or_default())
    }
}

impl Drop for CredentialEndpoints {
    fn drop(&mut self) {
        crate::loopback::stop(&self.shared.stop, self.port);
    }
}

struct Request {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn read_request(conn: &TcpStream) -> Option<Request> {
    conn.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut r = BufReader::new(conn);
    let mut line = String::new();
    r.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let path = parts.next()?.to_owned();
    let mut headers = Vec::new();
    let mut length = 0usize;
    loop {
        let mut h = String::new();
        if r.read_line(&mut h).ok()? == 0 {
            break;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse().unwrap_or(0);
            }
            headers.push((k.trim().to_owned(), v.trim().to_owned()));
        }
    }
    let mut body = vec![0; length.min(64 * 1024)];
    r.read_exact(&mut body).ok()?;
    Some(Request {
        method,
        path,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

fn respond(conn: TcpStream, status: u16, content_type: &str, body: &str) {
    respond_with(conn, status, content_type, "", body);
}

fn respond_with(mut conn: TcpStream, status: u16, content_type: &str, extra: &str, body: &str) {
    let reason = match status {
        200 => "OK",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        _ => "Error",
    };
    let _ = write!(
        conn,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = conn.flush();
}

fn serve(conn: TcpStream, s: &Shared) {
    let Some(req) = read_request(&conn) else {
        return;
    };
    let now = s
        .now
        .lock()
        .ok()
        .and_then(|n| *n)
        .unwrap_or_else(SystemTime::now);
    let expires_in = s
        .expires_in
        .lock()
        .map(|e| *e)
        .unwrap_or(Duration::from_secs(3600));
    let expiration = now + expires_in;
    let refuse = |conn| {
        s.counts.refused.fetch_add(1, Ordering::SeqCst);
        respond(conn, 401, "text/plain", "Unauthorized");
    };
    let path = req.path.split('?').next().unwrap_or("");
    let issue = |token: String, expires: SystemTime| {
        if let Ok(mut m) = s.issued.lock() {
            m.insert(token, expires);
        }
    };
    match (req.method.as_str(), path) {
        ("PUT", p) if p.starts_with("/control/now/") => {
            let secs: u64 = p.trim_start_matches("/control/now/").parse().unwrap_or(0);
            if let Ok(mut n) = s.now.lock() {
                *n = Some(UNIX_EPOCH + Duration::from_secs(secs));
            }
            respond(conn, 200, "text/plain", "");
        }
        ("PUT", p) if p.starts_with("/control/container-fault/") => {
            let status: u16 = p
                .trim_start_matches("/control/container-fault/")
                .parse()
                .unwrap_or(500);
            if let Ok(mut f) = s.container_fault.lock() {
                *f = Some((status, r#"{"message":"injected fault"}"#.to_owned()));
            }
            respond(conn, 200, "text/plain", "");
        }
        ("PUT", "/control/container-ok") => {
            if let Ok(mut f) = s.container_fault.lock() {
                *f = None;
            }
            respond(conn, 200, "text/plain", "");
        }
        ("GET", "/control/counts") => {
            let c = &s.counts;
            let body = serde_json::json!({
                "container": c.container.load(Ordering::SeqCst),
                "imds": c.imds.load(Ordering::SeqCst),
                "sso": c.sso.load(Ordering::SeqCst),
                "assume_role": c.assume_role.load(Ordering::SeqCst),
                "stale": c.stale.load(Ordering::SeqCst),
                "refused": c.refused.load(Ordering::SeqCst),
            });
            respond(conn, 200, "application/json", &body.to_string());
        }
        ("POST", "/") => sts(conn, &req, s, now),
        ("GET", p) if p.starts_with("/container/") => {
            if req.header("authorization") != Some(CONTAINER_TOKEN) {
                return refuse(conn);
            }
            if let Some((status, body)) = s.container_fault.lock().ok().and_then(|f| f.clone()) {
                return respond(conn, status, "application/json", &body);
            }
            let n = s.counts.container.fetch_add(1, Ordering::SeqCst) + 1;
            issue(format!("container-session-{n}"), expiration);
            let body = serde_json::json!({
                "AccessKeyId": CONTAINER_KEY,
                "SecretAccessKey": format!("container-secret-{n}"),
                "Token": format!("container-session-{n}"),
                "Expiration": rfc3339(expiration),
                "RoleArn": "arn:aws:iam::123456789012:role/TaskRole",
            });
            respond(conn, 200, "application/json", &body.to_string());
        }
        ("PUT", "/latest/api/token") => {
            if req.header("x-aws-ec2-metadata-token-ttl-seconds").is_none() {
                return respond(conn, 400, "text/plain", "Missing TTL");
            }
            s.counts.imds_tokens.fetch_add(1, Ordering::SeqCst);
            // IMDS says how long the session token lives; the SDKs
            // require it.
            let ttl = req
                .header("x-aws-ec2-metadata-token-ttl-seconds")
                .unwrap_or("21600")
                .to_owned();
            respond_with(
                conn,
                200,
                "text/plain",
                &format!("X-aws-ec2-metadata-token-ttl-seconds: {ttl}\r\n"),
                &s.imds_token,
            );
        }
        ("GET", p) if p.starts_with("/latest/") => {
            if req.header("x-aws-ec2-metadata-token") != Some(s.imds_token.as_str()) {
                return refuse(conn);
            }
            match p {
                "/latest/meta-data/iam/security-credentials/"
                | "/latest/meta-data/iam/security-credentials" => {
                    respond(conn, 200, "text/plain", IMDS_ROLE);
                }
                p if p == format!("/latest/meta-data/iam/security-credentials/{IMDS_ROLE}") => {
                    let n = s.counts.imds.fetch_add(1, Ordering::SeqCst) + 1;
                    issue(format!("instance-session-{n}"), expiration);
                    let body = serde_json::json!({
                        "Code": "Success",
                        "LastUpdated": rfc3339(now),
                        "Type": "AWS-HMAC",
                        "AccessKeyId": IMDS_KEY,
                        "SecretAccessKey": format!("instance-secret-{n}"),
                        "Token": format!("instance-session-{n}"),
                        "Expiration": rfc3339(expiration),
                    });
                    respond(conn, 200, "text/plain", &body.to_string());
                }
                _ => respond(conn, 404, "text/plain", "Not Found"),
            }
        }
        ("GET", "/federation/credentials") => {
            if req.header("x-amz-sso_bearer_token") != Some(SSO_ACCESS_TOKEN) {
                return respond(
                    conn,
                    401,
                    "application/json",
                    r#"{"message":"Session token not found or invalid"}"#,
                );
            }
            let n = s.counts.sso.fetch_add(1, Ordering::SeqCst) + 1;
            issue(format!("sso-session-{n}"), expiration);
            let millis = expiration
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_millis())
                .unwrap_or(0);
            let body = serde_json::json!({
                "roleCredentials": {
                    "accessKeyId": SSO_KEY,
                    "secretAccessKey": format!("sso-secret-{n}"),
                    "sessionToken": format!("sso-session-{n}"),
                    "expiration": millis,
                }
            });
            respond(conn, 200, "application/json", &body.to_string());
        }
        _ => respond(conn, 404, "text/plain", "Not Found"),
    }
}

/// One form field of a query-protocol body (values here need no decoding
/// beyond `%3A` and `%2F`, which ARNs carry).
fn form_field(body: &str, key: &str) -> Option<String> {
    body.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == key).then(|| v.replace("%3A", ":").replace("%2F", "/"))
    })
}

const STS_NS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// STS, on this server's clock: AssumeRole and GetCallerIdentity.
fn sts(conn: TcpStream, req: &Request, s: &Shared, now: SystemTime) {
    if let Some(token) = req.header("x-amz-security-token") {
        let expired = s
            .issued
            .lock()
            .ok()
            .and_then(|m| m.get(token).copied())
            .is_some_and(|exp| exp <= now);
        if expired {
            s.counts.stale.fetch_add(1, Ordering::SeqCst);
            let body = format!(
                "<ErrorResponse xmlns=\"{STS_NS}\"><Error><Type>Sender</Type><Code>ExpiredToken</Code><Message>The security token included in the request is expired</Message></Error><RequestId>stale</RequestId></ErrorResponse>"
            );
            return respond(conn, 400, "text/xml", &body);
        }
    }
    match form_field(&req.body, "Action").as_deref() {
        Some("AssumeRole") => {
            let n = s.counts.assume_role.fetch_add(1, Ordering::SeqCst) + 1;
            let secs: u64 = form_field(&req.body, "DurationSeconds")
                .and_then(|d| d.parse().ok())
                .unwrap_or(3600);
            let expires = now + Duration::from_secs(secs);
            let role = form_field(&req.body, "RoleArn").unwrap_or_default();
            let role_name = role.rsplit('/').next().unwrap_or("role").to_owned();
            let session = form_field(&req.body, "RoleSessionName").unwrap_or_default();
            let token = format!("role-session-{n}");
            if let Ok(mut m) = s.issued.lock() {
                m.insert(token.clone(), expires);
            }
            let body = format!(
                "<AssumeRoleResponse xmlns=\"{STS_NS}\"><AssumeRoleResult><Credentials>\
                 <AccessKeyId>ASIAROLESESSION00001</AccessKeyId><SecretAccessKey>role-secret-{n}</SecretAccessKey>\
                 <SessionToken>{token}</SessionToken><Expiration>{}</Expiration></Credentials>\
                 <AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/{role_name}/{session}</Arn>\
                 <AssumedRoleId>AROAEXAMPLE:{session}</AssumedRoleId></AssumedRoleUser></AssumeRoleResult>\
                 <ResponseMetadata><RequestId>assume-{n}</RequestId></ResponseMetadata></AssumeRoleResponse>",
                rfc3339(expires)
            );
            respond(conn, 200, "text/xml", &body);
        }
        Some("GetCallerIdentity") => {
            let body = format!(
                "<GetCallerIdentityResponse xmlns=\"{STS_NS}\"><GetCallerIdentityResult>\
                 <Arn>arn:aws:sts::123456789012:assumed-role/Caller/session</Arn><UserId>AROAEXAMPLE:session</UserId>\
                 <Account>123456789012</Account></GetCallerIdentityResult>\
                 <ResponseMetadata><RequestId>whoami</RequestId></ResponseMetadata></GetCallerIdentityResponse>"
            );
            respond(conn, 200, "text/xml", &body);
        }
        _ => respond(conn, 400, "text/plain", "Unknown action"),
    }
}

/// `2026-12-03T17:00:00Z`.
pub fn rfc3339(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Howard Hinnant's civil_from_days.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_rfc3339() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        assert_eq!(
            rfc3339(UNIX_EPOCH + Duration::from_secs(1_796_317_200)),
            "2026-12-03T17:00:00Z"
        );
    }
}
