//! Reading an AWS error response off the wire, whatever its protocol.
//!
//! The SDK parses the error shape of its own protocol. This module reads
//! every shape, because what comes back is not always what the protocol
//! promises: a proxy answers HTML, a JSON service answers XML from its
//! front door, an emulator answers its own way, a body is cut short. One
//! reader, used by the classification (`crate::classify`) for the SDK
//! path, the SDK-layer retry classifier and the breaker alike.
//!
//! | protocol | code | message | request id |
//! |---|---|---|---|
//! | awsQuery | `<ErrorResponse><Error><Code>` | `<Message>` | `<RequestId>` |
//! | ec2Query | `<Response><Errors><Error><Code>` | `<Message>` | `<RequestID>` |
//! | restXml | `<Error><Code>`, or the root element's name (Route 53's `<InvalidChangeBatch>`) | `<Message>`, `<Messages><Message>` | `x-amz-request-id`, `<RequestId>`; `x-amz-id-2`, `<HostId>` |
//! | awsJson 1.0/1.1 | `x-amzn-query-error` (query-compatible services), `__type` (`ns#Code:url`), `code`, `x-amzn-ErrorType` | `message`, `Message`, `errorMessage` | `x-amzn-RequestId` |
//! | restJson1 | `x-amzn-ErrorType`, `code`, `__type` | as awsJson | `x-amzn-RequestId` |
//!
//! Bounded: at most [`MAX_BODY`] bytes of a body are read; a code, a request
//! id and a message are cut to [`MAX_CODE`], [`MAX_ID`] and [`MAX_MESSAGE`]
//! characters. Every step is linear in what is read.

use std::borrow::Cow;

/// How much of a body is read (64 KiB). AWS error bodies are a few hundred
/// bytes; a larger one is an HTML page or something worse.
pub(crate) const MAX_BODY: usize = 64 * 1024;
/// The longest code kept (AWS codes are under 64 characters).
pub(crate) const MAX_CODE: usize = 128;
/// The longest request id kept.
pub(crate) const MAX_ID: usize = 256;
/// The longest service message kept, in characters.
pub(crate) const MAX_MESSAGE: usize = 1024;

/// Where an error code was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CodeSource {
    /// The SDK's own parser of the protocol.
    Sdk,
    /// The `x-amzn-query-error` header of an awsQuery-compatible service.
    QueryErrorHeader,
    /// The response body, read by strands.
    Body,
    /// The `x-amzn-ErrorType` header.
    ErrorTypeHeader,
}

impl CodeSource {
    /// Words for a message: "the response body".
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sdk => "SDK",
            Self::QueryErrorHeader => "x-amzn-query-error header",
            Self::Body => "response body",
            Self::ErrorTypeHeader => "x-amzn-ErrorType header",
        }
    }
}

/// What a raw HTTP response offers the reader. Implemented for the SDK's
/// `HttpResponse`; implement it for another `R` of `SdkError<E, R>`.
pub trait RawResponse {
    /// The HTTP status code.
    fn status_code(&self) -> u16;
    /// A header value, name matched case-insensitively.
    fn header(&self, name: &str) -> Option<&str>;
    /// The body, if it was read into memory.
    fn body_bytes(&self) -> Option<&[u8]>;
}

impl RawResponse for aws_smithy_runtime_api::http::Response {
    fn status_code(&self) -> u16 {
        self.status().as_u16()
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers().get(name)
    }
    fn body_bytes(&self) -> Option<&[u8]> {
        self.body().bytes()
    }
}

/// What the body and headers of one response say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct WireFacts {
    pub(crate) code: Option<(String, CodeSource)>,
    pub(crate) message: Option<String>,
    pub(crate) request_id: Option<String>,
    pub(crate) extended_request_id: Option<String>,
}

/// Read code, message and request ids from `raw`.
pub(crate) fn read<R: RawResponse + ?Sized>(raw: &R) -> WireFacts {
    let bytes = raw.body_bytes().unwrap_or_default();
    let bytes = &bytes[..bytes.len().min(MAX_BODY)];
    let body = String::from_utf8_lossy(bytes);
    let body = body.trim_start_matches('\u{feff}').trim();
    let from_body = if body.starts_with('<') {
        read_xml(body)
    } else if body.starts_with('{') {
        read_json(body)
    } else {
        BodyFacts {
            message: plain_text(body),
            ..BodyFacts::default()
        }
    };
    // `Code;Sender`: exactly two parts, as botocore reads it; anything
    // else is ignored.
    let query =
        raw.header("x-amzn-query-error")
            .and_then(|v| match v.split(';').collect::<Vec<_>>()[..] {
                [code, _kind] => clean_code(code),
                _ => None,
            });
    let header = raw.header("x-amzn-ErrorType").and_then(clean_code);
    let code = query
        .map(|c| (c, CodeSource::QueryErrorHeader))
        .or_else(|| from_body.code.map(|c| (c, CodeSource::Body)))
        .or_else(|| header.map(|c| (c, CodeSource::ErrorTypeHeader)));
    let request_id = ["x-amzn-RequestId", "x-amz-request-id", "x-amzn-request-id"]
        .iter()
        .find_map(|h| clean_id(raw.header(h)?))
        .or(from_body.request_id);
    let extended_request_id = raw
        .header("x-amz-id-2")
        .and_then(clean_id)
        .or(from_body.host_id);
    WireFacts {
        code,
        message: from_body.message,
        request_id,
        extended_request_id,
    }
}

#[derive(Debug, Default)]
struct BodyFacts {
    code: Option<String>,
    message: Option<String>,
    request_id: Option<String>,
    host_id: Option<String>,
}

/// Element names that wrap an error rather than name it.
const XML_WRAPPERS: &[&str] = &["ErrorResponse", "Error", "Errors", "Response"];

/// Tokenise with xmlparser and keep what was read before any error, so a
/// truncated document still gives up its code.
fn read_xml(body: &str) -> BodyFacts {
    use xmlparser::{ElementEnd, Token, Tokenizer};
    let mut out = BodyFacts::default();
    let mut path: Vec<&str> = Vec::new();
    let mut root: Option<&str> = None;
    let mut text = String::new();
    let mut first_text = None;
    for token in Tokenizer::from(body) {
        let Ok(token) = token else { break };
        match token {
            Token::ElementStart { local, .. } => {
                let name = local.as_str();
                if path.is_empty() {
                    root = root.or(Some(name));
                }
                path.push(name);
                text.clear();
            }
            Token::Text { text: t } => {
                if first_text.is_none() {
                    first_text = clean_message(&unescape_xml(t.as_str()));
                }
                text.push_str(t.as_str());
            }
            Token::Cdata { text: t, .. } => text.push_str(t.as_str()),
            Token::ElementEnd { end, .. } => match end {
                ElementEnd::Open => {}
                ElementEnd::Close(..) | ElementEnd::Empty => {
                    let Some(name) = path.pop() else { break };
                    take_xml_field(&mut out, name, &text);
                    text.clear();
                }
            },
            _ => {}
        }
        if path.len() > 64 {
            break;
        }
    }
    if out.code.is_none()
        && let Some(r) = root.filter(|r| {
            // A root that names the error is a modelled shape: CamelCase.
            !XML_WRAPPERS.contains(r)
                && !r.ends_with("Result")
                && !r.ends_with("Response")
                && r.starts_with(|c: char| c.is_ascii_uppercase())
                && looks_like_code(r)
        })
    {
        out.code = clean_code(r);
    }
    // An HTML page from a proxy: its title, else its first text, is the
    // message.
    if out.message.is_none() && root.is_some_and(|r| r.eq_ignore_ascii_case("html")) {
        out.message = html_title(body).or(first_text);
    }
    out
}

fn take_xml_field(out: &mut BodyFacts, name: &str, raw_text: &str) {
    let slot = match name {
        "Code" => &mut out.code,
        "Message" | "message" => &mut out.message,
        "RequestId" | "RequestID" | "requestId" => &mut out.request_id,
        "HostId" => &mut out.host_id,
        _ => return,
    };
    if slot.is_some() {
        return;
    }
    let text = unescape_xml(raw_text);
    *slot = match name {
        "Code" => clean_code(&text),
        "Message" | "message" => clean_message(&text),
        _ => clean_id(&text),
    };
}

/// An error code names a shape: letters, digits, `.`, `_`, `-` (EC2's
/// `InvalidInstanceID.Malformed`; SimpleDB answers `1`).
fn looks_like_code(s: &str) -> bool {
    s.chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

fn html_title(body: &str) -> Option<String> {
    let lower = body.to_ascii_lowercase();
    let start = lower.find("<title>")? + "<title>".len();
    let end = lower[start..].find("</title>")? + start;
    clean_message(body.get(start..end)?)
}

fn read_json(body: &str) -> BodyFacts {
    let mut out = BodyFacts::default();
    match serde_json::from_str::<serde_json::Value>(body) {
        Ok(v) => {
            let field = |keys: &[&str]| keys.iter().find_map(|k| v.get(k)?.as_str());
            out.code = field(&["__type", "code", "Code"]).and_then(clean_code);
            out.message = field(&["message", "Message", "errorMessage"]).and_then(clean_message);
        }
        // Truncated or not quite JSON: look for the fields as text.
        Err(_) => {
            out.code = ["__type", "code", "Code"]
                .iter()
                .find_map(|k| json_string_field(body, k))
                .and_then(|c| clean_code(&c));
            out.message = ["message", "Message", "errorMessage"]
                .iter()
                .find_map(|k| json_string_field(body, k))
                .and_then(|m| clean_message(&m));
        }
    }
    out
}

/// `"key" : "value"` found by scanning, for bodies serde_json refuses.
fn json_string_field(body: &str, key: &str) -> Option<String> {
    let quoted = format!("\"{key}\"");
    let at = body.find(&quoted)? + quoted.len();
    let rest = body[at..].trim_start().strip_prefix(':')?.trim_start();
    let rest = rest.strip_prefix('"')?;
    let mut value = String::new();
    let mut chars = rest.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(value),
            '\\' => match chars.next()? {
                'n' => value.push('\n'),
                't' => value.push('\t'),
                other => value.push(other),
            },
            c => value.push(c),
        }
        if value.len() > MAX_MESSAGE * 4 {
            // A message that long is cut anyway; keep what we have.
            return Some(value);
        }
    }
    // The body ended inside the string: a cut code is no code.
    None
}

/// A body that is neither XML nor JSON: its first line, if it reads as text.
fn plain_text(body: &str) -> Option<String> {
    let line = body.lines().find(|l| !l.trim().is_empty())?;
    clean_message(line)
}

/// `aws.protocoltests#FooError:http://…` → `FooError`; trimmed; `None` when
/// empty or not shaped like a code.
pub(crate) fn clean_code(raw: &str) -> Option<String> {
    let s = raw.trim();
    let s = s.split(':').next().unwrap_or(s);
    let s = s.rsplit('#').next().unwrap_or(s).trim();
    (!s.is_empty() && s.len() <= MAX_CODE && looks_like_code(s)).then(|| s.to_owned())
}

fn clean_id(raw: &str) -> Option<String> {
    let s = raw.trim();
    (!s.is_empty()
        && s.len() <= MAX_ID
        && s.chars()
            .all(|c| c.is_ascii_graphic() && !matches!(c, '<' | '>' | '"')))
    .then(|| s.to_owned())
}

/// Whitespace runs folded to one space, control characters dropped, cut to
/// [`MAX_MESSAGE`] characters.
pub(crate) fn clean_message(raw: &str) -> Option<String> {
    let mut out = String::new();
    let mut space = false;
    let mut n = 0;
    for c in raw.chars() {
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if c.is_control() {
            continue;
        }
        if n >= MAX_MESSAGE {
            out.push('…');
            break;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(c);
        n += 1;
    }
    (!out.is_empty()).then_some(out)
}

fn unescape_xml(s: &str) -> Cow<'_, str> {
    if !s.contains('&') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(end) = rest.find(';').filter(|&e| e <= 10) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..end];
        let c = match entity {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "amp" => Some('&'),
            e => e
                .strip_prefix("#x")
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| e.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match c {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Raw {
        status: u16,
        headers: Vec<(&'static str, &'static str)>,
        body: &'static str,
    }

    impl RawResponse for Raw {
        fn status_code(&self) -> u16 {
            self.status
        }
        fn header(&self, name: &str) -> Option<&str> {
            self.headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| *v)
        }
        fn body_bytes(&self) -> Option<&[u8]> {
            Some(self.body.as_bytes())
        }
    }

    fn facts(headers: Vec<(&'static str, &'static str)>, body: &'static str) -> WireFacts {
        read(&Raw {
            status: 400,
            headers,
            body,
        })
    }

    #[test]
    fn query_ec2_and_s3_shapes() {
        let f = facts(
            vec![],
            "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidGreeting</Code><Message>Hi</Message></Error><RequestId>foo-id</RequestId></ErrorResponse>",
        );
        assert_eq!(f.code, Some(("InvalidGreeting".into(), CodeSource::Body)));
        assert_eq!(f.message.as_deref(), Some("Hi"));
        assert_eq!(f.request_id.as_deref(), Some("foo-id"));
        let f = facts(
            vec![],
            "<Response><Errors><Error><Code>InvalidInstanceID.Malformed</Code><Message>Invalid id: &quot;foobar&quot;</Message></Error></Errors><RequestID>dfb1</RequestID></Response>",
        );
        assert_eq!(f.code.unwrap().0, "InvalidInstanceID.Malformed");
        assert_eq!(f.message.as_deref(), Some("Invalid id: \"foobar\""));
        assert_eq!(f.request_id.as_deref(), Some("dfb1"));
        let f = facts(
            vec![("x-amz-request-id", "96380E1C"), ("x-amz-id-2", "uCyK+Q4Q")],
            "<Error><Code>NoSuchKey</Code><Message>gone</Message><RequestId>body-id</RequestId><HostId>body-host</HostId></Error>",
        );
        assert_eq!(f.request_id.as_deref(), Some("96380E1C"));
        assert_eq!(f.extended_request_id.as_deref(), Some("uCyK+Q4Q"));
    }

    #[test]
    fn root_element_codes_trimmed_codes_and_empty_codes() {
        let f = facts(
            vec![],
            "<?xml version=\"1.0\"?>\n<InvalidChangeBatch xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\"><Messages><Message>Tried to create resource record set duplicate.example.com. type A, but it already exists</Message></Messages></InvalidChangeBatch>",
        );
        assert_eq!(f.code.unwrap().0, "InvalidChangeBatch");
        assert!(f.message.unwrap().starts_with("Tried to create"));
        let f = facts(vec![], "<Error>\n\t<Code>\n\t\tcode-abc\n\t</Code></Error>");
        assert_eq!(f.code.unwrap().0, "code-abc");
        let f = facts(vec![], "<Error><Code/><Message>x</Message></Error>");
        assert_eq!(f.code, None);
        let f = facts(vec![], "<Error><Code>   </Code></Error>");
        assert_eq!(f.code, None);
    }

    #[test]
    fn json_shapes_and_headers() {
        let f = facts(
            vec![("x-amzn-RequestId", "rid")],
            r#"{"__type":"aws.protocoltests.restjson#FooError:http://internal.amazon.com/coral/com.amazon.coral.validate/","message":"m"}"#,
        );
        assert_eq!(f.code, Some(("FooError".into(), CodeSource::Body)));
        assert_eq!(f.request_id.as_deref(), Some("rid"));
        let f = facts(
            vec![(
                "x-amzn-query-error",
                "AWS.SimpleQueueService.NonExistentQueue;Sender",
            )],
            r#"{"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"Some user-visible message"}"#,
        );
        assert_eq!(
            f.code,
            Some((
                "AWS.SimpleQueueService.NonExistentQueue".into(),
                CodeSource::QueryErrorHeader
            ))
        );
        let f = facts(vec![("X-Amzn-Errortype", "FooError:http://x")], "");
        assert_eq!(
            f.code,
            Some(("FooError".into(), CodeSource::ErrorTypeHeader))
        );
        let f = facts(vec![], r#"{"__type":"Throttl"#);
        assert_eq!(f.code, None, "a cut string is no code");
        let f = facts(
            vec![],
            r#"{"__type":"ThrottlingException","message":"Rate exc"#,
        );
        assert_eq!(f.code.unwrap().0, "ThrottlingException");
    }

    #[test]
    fn xml_from_a_json_service_html_text_and_truncation() {
        let f = facts(
            vec![],
            "<UnrecognizedClientException>\n  <Message>The security token included in the request is invalid.</Message>\n</UnrecognizedClientException>",
        );
        assert_eq!(f.code.unwrap().0, "UnrecognizedClientException");
        let f = facts(
            vec![],
            "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
        );
        assert_eq!(f.code, None);
        assert_eq!(f.message.as_deref(), Some("502 Bad Gateway"));
        let f = facts(vec![], "upstream connect error\nreset reason: overflow");
        assert_eq!(f.message.as_deref(), Some("upstream connect error"));
        let f = facts(vec![], "<Error><Code>SlowDown</Code><Message>Please red");
        assert_eq!(f.code.unwrap().0, "SlowDown");
    }

    #[test]
    fn sizes_are_bounded() {
        let long = "x".repeat(10 * MAX_MESSAGE);
        let m = clean_message(&long).unwrap();
        assert!(m.chars().count() <= MAX_MESSAGE + 1);
        assert!(clean_code(&"A".repeat(MAX_CODE + 1)).is_none());
        assert_eq!(
            clean_message("a\u{1b}]0;pwned\u{7}b\u{9b}c").as_deref(),
            Some("a]0;pwnedbc")
        );
    }
}
