//! A fault in front of a real endpoint: a loopback HTTP/1.1 proxy that
//! answers some requests itself, the way a throttled or failing AWS service
//! answers them on the wire, and forwards every other request to the
//! endpoint behind it (moto_server), unchanged. Plain threads and std
//! sockets, so it needs no async runtime; one thread per connection,
//! keep-alive honoured, bodies by `Content-Length`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// An answer the proxy gives instead of forwarding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Canned {
    /// HTTP status.
    pub status: u16,
    /// Headers, besides `content-length`.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: String,
}

impl Canned {
    /// Lambda's throttle as it is on the wire: 429, `TooManyRequestsException`
    /// in `x-amzn-ErrorType` and the body, and a `Retry-After` in seconds.
    pub fn lambda_throttle(retry_after_secs: u32) -> Self {
        Self {
            status: 429,
            headers: vec![
                ("x-amzn-ErrorType".into(), "TooManyRequestsException".into()),
                ("content-type".into(), "application/json".into()),
                ("Retry-After".into(), retry_after_secs.to_string()),
                ("x-amzn-RequestId".into(), "demo-throttle".into()),
            ],
            body: format!(
                r#"{{"Type":"User","message":"Rate exceeded","reason":"CallerRateLimitExceeded","retryAfterSeconds":"{retry_after_secs}"}}"#
            ),
        }
    }

    /// Lambda's 503 `ServiceException`.
    pub fn lambda_unavailable() -> Self {
        Self {
            status: 503,
            headers: vec![
                ("x-amzn-ErrorType".into(), "ServiceException".into()),
                ("content-type".into(), "application/json".into()),
                ("x-amzn-RequestId".into(), "demo-unavailable".into()),
            ],
            body: r#"{"Type":"Service","message":"Service unavailable. Try again later."}"#.into(),
        }
    }
}

/// Lambda pushing back on `function`, as the demo and its test show it:
/// the first two ListFunctions throttled (429, `Retry-After: 1`), the first
/// three GetFunction of `function` unavailable (503).
pub fn lambda_pushback(function: &str) -> Vec<Fault> {
    vec![
        Fault {
            method: "GET".into(),
            path: "/2015-03-31/functions".into(),
            times: 2,
            answer: Canned::lambda_throttle(1),
        },
        Fault {
            method: "GET".into(),
            path: format!("/2015-03-31/functions/{function}"),
            times: 3,
            answer: Canned::lambda_unavailable(),
        },
    ]
}

/// Which requests get a canned answer: the first `times` whose method and
/// path (query and trailing `/` left out) are these.
#[derive(Debug, Clone)]
pub struct Fault {
    /// `GET`, `POST`, ...
    pub method: String,
    /// `/2015-03-31/functions` (ListFunctions), ...
    pub path: String,
    /// How many matching requests get the answer; the rest are forwarded.
    pub times: usize,
    /// The answer.
    pub answer: Canned,
}

#[derive(Debug)]
struct Shared {
    upstream: String,
    faults: Mutex<Vec<(Fault, usize)>>,
    answered: AtomicUsize,
    forwarded: AtomicUsize,
    stop: AtomicBool,
}

/// The running proxy; stops accepting when dropped.
#[derive(Debug)]
pub struct FaultProxy {
    port: u16,
    shared: Arc<Shared>,
}

impl FaultProxy {
    /// Listen on a free loopback port, in front of `upstream`
    /// (`http://127.0.0.1:PORT`).
    pub fn start(upstream: &str, faults: Vec<Fault>) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let shared = Arc::new(Shared {
            upstream: upstream.trim_end_matches('/').to_owned(),
            faults: Mutex::new(faults.into_iter().map(|f| (f, 0)).collect()),
            answered: AtomicUsize::new(0),
            forwarded: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
        });
        crate::loopback::serve_each(listener, &shared, |s| &s.stop, serve);
        Ok(Self { port, shared })
    }

    /// The URL to give clients (`AWS_ENDPOINT_URL`).
    pub fn endpoint_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Requests answered with a canned fault so far.
    pub fn answered(&self) -> usize {
        self.shared.answered.load(Ordering::SeqCst)
    }

    /// Requests forwarded to the endpoint behind so far.
    pub fn forwarded(&self) -> usize {
        self.shared.forwarded.load(Ordering::SeqCst)
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        crate::loopback::stop(&self.shared.stop, self.port);
    }
}

/// One request as read off the wire.
struct Request {
    line: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    fn matches(&self, method: &str, path: &str) -> bool {
        let mut parts = self.line.split_whitespace();
        let (m, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        let p = target.split('?').next().unwrap_or("").trim_end_matches('/');
        m.eq_ignore_ascii_case(method) && p == path.trim_end_matches('/')
    }
}

fn read_request(r: &mut BufReader<TcpStream>) -> Option<Request> {
    let mut line = String::new();
    if r.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let line = line.trim_end().to_owned();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if r.read_line(&mut h).ok()? == 0 {
            return None;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_owned(), v.trim().to_owned()));
        }
    }
    let len = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; len.min(16 * 1024 * 1024)];
    r.read_exact(&mut body).ok()?;
    Some(Request {
        line,
        headers,
        body,
    })
}

fn serve(conn: TcpStream, s: &Shared) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(30)));
    let Ok(write_half) = conn.try_clone() else {
        return;
    };
    let mut out = write_half;
    let mut r = BufReader::new(conn);
    while let Some(req) = read_request(&mut r) {
        let canned = {
            let mut faults = s
                .faults
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            faults
                .iter_mut()
                .find(|(f, n)| req.matches(&f.method, &f.path) && *n < f.times)
                .map(|(f, n)| {
                    *n += 1;
                    f.answer.clone()
                })
        };
        let answer = match canned {
            Some(c) => {
                s.answered.fetch_add(1, Ordering::SeqCst);
                c
            }
            None => {
                s.forwarded.fetch_add(1, Ordering::SeqCst);
                forward(&s.upstream, &req)
            }
        };
        if write_response(&mut out, &answer).is_err() {
            return;
        }
    }
}

fn forward(upstream: &str, req: &Request) -> Canned {
    let mut parts = req.line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or("GET"), parts.next().unwrap_or("/"));
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let url = format!("{upstream}{target}");
    let mut b = ureq::http::Request::builder().method(method).uri(&url);
    for (k, v) in &req.headers {
        let skip = ["host", "content-length", "connection", "transfer-encoding"];
        if !skip.iter().any(|s| k.eq_ignore_ascii_case(s)) {
            b = b.header(k, v);
        }
    }
    let Ok(request) = b.body(req.body.clone()) else {
        return bad_gateway("could not build the forwarded request");
    };
    match agent.run(request) {
        Ok(mut resp) => {
            let status = resp.status().as_u16();
            let headers = resp
                .headers()
                .iter()
                .filter(|(k, _)| {
                    !["content-length", "transfer-encoding", "connection"].contains(&k.as_str())
                })
                .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_owned()))
                .collect();
            let body = resp.body_mut().read_to_string().unwrap_or_default();
            Canned {
                status,
                headers,
                body,
            }
        }
        Err(e) => bad_gateway(&e.to_string()),
    }
}

fn bad_gateway(why: &str) -> Canned {
    Canned {
        status: 502,
        headers: vec![("content-type".into(), "text/plain".into())],
        body: format!("fault proxy: {why}"),
    }
}

fn write_response(out: &mut TcpStream, c: &Canned) -> std::io::Result<()> {
    let mut head = format!("HTTP/1.1 {} X\r\n", c.status);
    for (k, v) in &c.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!("content-length: {}\r\n\r\n", c.body.len()));
    out.write_all(head.as_bytes())?;
    out.write_all(c.body.as_bytes())?;
    out.flush()
}
