//! Never a secret in a message. Every string that enters a
//! `DeploymentError` (message, cause chain, suggestions, context values)
//! passes through [`clean`] first, so no output path (Display, Debug, the
//! plain message, `to_dict`, miette, tracing) can leak what it was given.
//!
//! Two rules, both linear in the text:
//!
//! 1. **By key**: the value after a key that names a secret
//!    (`aws_secret_access_key=`, `AWS_SECRET_KEY=`, `"SessionToken": "…"`,
//!    `X-Amz-Signature=`, `password:`): any key containing `secret`,
//!    `token`, `password`, `passwd`, `signature` or `credential`.
//! 2. **By shape**: a run of base64 characters (`A-Z a-z 0-9 / + =`, also
//!    URL-encoded `%2B %2F %3D`, JSON-escaped `\/`, and a line break after
//!    a line of 60 or more, as in a token wrapped at 76 columns) is a
//!    secret when it holds an STS session token prefix (`IQoJb3JpZ2luX2Vj`,
//!    `FwoGZXIvYXdzE`) at any length; when it is 100 or more long; or when
//!    it is 30 or more long, mixes upper and lower case, and does not read
//!    as words. "Reads as words" is CamelCase with vowels, digits and
//!    slashes (`ProvisionedThroughputExceededException`,
//!    `artifacts/build/20261129/bundle`): a random 30-character fragment of
//!    a key reads as words about once in 400 000, a 40-character secret key
//!    never did in 3 million draws. The price: a 30-character name made of
//!    short words (`MyLongRoleNameForLambdaExecution`) is redacted too.
//!
//! Access key ids (`AKIA…`, 20 characters) are not secret (they name a
//! key, AWS prints them) and stay visible; hex digests stay (no case mix).
//!
//! [`clean`] also drops control characters (a server's message must not
//! drive the user's terminal: ESC, OSC, C1) and bounds the text: at most
//! [`MAX_SCAN`] bytes are looked at and [`MAX_TEXT`] characters kept.

use regex::Regex;
use std::borrow::Cow;
use std::ops::Range;
use std::sync::LazyLock;

/// What replaces a secret.
pub(crate) const REDACTED: &str = "[REDACTED]";
/// The most characters of one text kept (message, one cause, one value).
pub(crate) const MAX_TEXT: usize = 4096;
/// The most bytes of one text looked at: the rest is cut before any work.
pub(crate) const MAX_SCAN: usize = 64 * 1024;

/// The STS session token prefixes (`IQoJb3JpZ2luX2Vj` is base64 of
/// `\x21\x0a\x09origin_ec`, `FwoGZXIvYXdzE` the older format's).
const TOKEN_PREFIXES: &[&str] = &["IQoJb3JpZ2luX2Vj", "FwoGZXIvYXdzE"];

static KEYED: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)(([a-z0-9_.-]*(?:secret|token|password|passwd|signature|credential)[a-z0-9_.-]*)(\\?["'])?[ \t]*([=:])[ \t]*(?:\\?["'])?)[^ \t\r\n"'\\,&;<>]+"#,
    )
    .ok()
});

/// Words that end a sentence's lead-in in prose ("Check the credentials:
/// run …"): before an unquoted `:` they are not keys. With `=` or in
/// quotes (`"token": "…"`) they are.
const PROSE_KEYS: &[&str] = &[
    "credential",
    "credentials",
    "token",
    "tokens",
    "signature",
    "signatures",
    "secret",
    "secrets",
];

fn is_key(c: &regex::Captures<'_>) -> bool {
    // `MfaToken::prompt()`: a Rust path, not a key and its value.
    let value = c.get(0).map_or("", |m| m.as_str())[c.get(1).map_or(0, |m| m.len())..].to_owned();
    if value.starts_with(':') {
        return false;
    }
    let quoted = c.get(3).is_some();
    let colon = c.get(4).is_some_and(|m| m.as_str() == ":");
    let key = c.get(2).map_or("", |m| m.as_str());
    quoted || !colon || !PROSE_KEYS.iter().any(|w| key.eq_ignore_ascii_case(w))
}

/// `text`, bounded, without control characters, redacted: what every
/// string entering a `DeploymentError` becomes.
pub(crate) fn clean(text: &str) -> String {
    let scanned = cut_bytes(text, MAX_SCAN);
    let visible: Cow<'_, str> = if scanned
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        Cow::Owned(
            scanned
                .chars()
                .filter(|&c| !c.is_control() || c == '\n' || c == '\t')
                .collect(),
        )
    } else {
        Cow::Borrowed(scanned)
    };
    let redacted = redact(&visible);
    let mut out: String = redacted.chars().take(MAX_TEXT).collect();
    if out.len() < redacted.len() || scanned.len() < text.len() {
        out.push_str(" […]");
    }
    out
}

/// S3's extended request id (`x-amz-id-2`, `<HostId>`): 56 to 100
/// base64 characters, which the shape rule would take for a secret. Such
/// a value is kept whole when it holds no session token prefix; anything
/// else goes through [`clean`].
pub(crate) fn clean_extended_request_id(text: &str) -> String {
    let n = text.len();
    let base64 = text
        .bytes()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'/' | b'+' | b'='));
    if (56..=100).contains(&n) && base64 && !TOKEN_PREFIXES.iter().any(|p| text.contains(p)) {
        text.to_owned()
    } else {
        clean(text)
    }
}

fn cut_bytes(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// `text` with every secret replaced by `[REDACTED]` (no bound, no
/// control-character filter: see [`clean`]).
pub(crate) fn redact(text: &str) -> Cow<'_, str> {
    let mut out = Cow::Borrowed(text);
    if let Some(re) = KEYED.as_ref()
        && re.is_match(&out)
    {
        out = Cow::Owned(
            re.replace_all(&out, |c: &regex::Captures<'_>| {
                if is_key(c) {
                    format!("{}{REDACTED}", &c[1])
                } else {
                    c[0].to_owned()
                }
            })
            .into_owned(),
        );
    }
    let runs = secret_runs(&out);
    if runs.is_empty() {
        return out;
    }
    let mut replaced = String::with_capacity(out.len());
    let mut at = 0;
    for r in runs {
        replaced.push_str(&out[at..r.start]);
        replaced.push_str(REDACTED);
        at = r.end;
    }
    replaced.push_str(&out[at..]);
    Cow::Owned(replaced)
}

/// The byte ranges of secret-shaped runs, in order.
fn secret_runs(text: &str) -> Vec<Range<usize>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let Some(w) = unit(b, i) else {
            i += 1;
            continue;
        };
        let start = i;
        let mut end = i + w;
        let mut line = 1;
        let mut units = 1;
        loop {
            if let Some(w) = unit(b, end) {
                end += w;
                line += 1;
                units += 1;
                continue;
            }
            // A token wrapped at 76 columns: a break after a long line.
            let brk = match (b.get(end), b.get(end + 1)) {
                (Some(b'\n'), _) => 1,
                (Some(b'\r'), Some(b'\n')) => 2,
                _ => 0,
            };
            if brk > 0 && line >= 60 && unit(b, end + brk).is_some() {
                end += brk;
                line = 0;
                continue;
            }
            break;
        }
        if is_secret(&text[start..end], units) {
            out.push(start..end);
        }
        i = end;
    }
    out
}

/// The width in bytes of one base64 unit at `i`: a character of the
/// alphabet, `%2B`/`%2F`/`%3D`, or `\/`.
fn unit(b: &[u8], i: usize) -> Option<usize> {
    let c = *b.get(i)?;
    if c.is_ascii_alphanumeric() || matches!(c, b'/' | b'+' | b'=') {
        return Some(1);
    }
    if c == b'%' {
        let hex = b.get(i + 1..i + 3)?;
        let v = [hex[0].to_ascii_uppercase(), hex[1].to_ascii_uppercase()];
        return matches!(&v, b"2B" | b"2F" | b"3D").then_some(3);
    }
    if c == b'\\' && b.get(i + 1) == Some(&b'/') {
        return Some(2);
    }
    None
}

fn is_secret(run: &str, units: usize) -> bool {
    if TOKEN_PREFIXES.iter().any(|p| run.contains(p)) {
        return true;
    }
    if units < 30 {
        return false;
    }
    if units >= 100 {
        return true;
    }
    let upper = run.bytes().any(|c| c.is_ascii_uppercase());
    let lower = run.bytes().any(|c| c.is_ascii_lowercase());
    upper && lower && !reads_as_words(run)
}

/// Two-letter words a CamelCase name may hold.
const TWO_LETTER: &[&str] = &[
    "An", "As", "At", "Be", "By", "Do", "If", "In", "Is", "It", "My", "No", "Of", "On", "Or", "To",
    "Up", "Us", "We",
];

fn is_vowel(c: u8) -> bool {
    matches!(
        c.to_ascii_lowercase(),
        b'a' | b'e' | b'i' | b'o' | b'u' | b'y'
    )
}

fn vowels(s: &[u8]) -> usize {
    s.iter().filter(|&&c| is_vowel(c)).count()
}

/// CamelCase words, acronyms of at most six letters, digit groups, split
/// by `/`; lowercase runs hold vowels like words do; words average 4.5
/// characters or more.
fn reads_as_words(run: &str) -> bool {
    let mut tokens = 0usize;
    for seg in run.split('/') {
        let s = seg.as_bytes();
        let mut i = 0;
        while i < s.len() {
            tokens += 1;
            let c = s[i];
            if c.is_ascii_uppercase() {
                let j = i + s[i..].iter().take_while(|c| c.is_ascii_uppercase()).count();
                let k = j + s[j..].iter().take_while(|c| c.is_ascii_lowercase()).count();
                let (u, l) = (j - i, k - j);
                let word = &s[j - 1..k];
                let ok = match l {
                    0 => (2..=6).contains(&u),
                    1 => u <= 6 && TWO_LETTER.iter().any(|w| w.as_bytes() == word),
                    _ => u <= 6 && vowels(word) * 5 > l,
                };
                if !ok {
                    return false;
                }
                i = k;
            } else if c.is_ascii_lowercase() {
                let j = i + s[i..].iter().take_while(|c| c.is_ascii_lowercase()).count();
                if j - i < 3 || vowels(&s[i..j]) * 5 < j - i {
                    return false;
                }
                i = j;
            } else if c.is_ascii_digit() {
                i += s[i..].iter().take_while(|c| c.is_ascii_digit()).count();
            } else {
                return false;
            }
        }
    }
    tokens > 0 && run.len() * 2 >= tokens * 9
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    /// A pattern that fails to compile would silently redact nothing.
    #[test]
    fn pattern_compiles() {
        assert!(KEYED.is_some());
    }

    #[test]
    fn keyed_values_signatures_and_bare_secrets_go() {
        let token = "IQoJb3JpZ2luX2VjE".repeat(8);
        for input in [
            format!("aws_secret_access_key = {SECRET}"),
            format!("AWS_SESSION_TOKEN: {token}"),
            "GET /?X-Amz-Signature=abcdef0123456789&x=1".to_owned(),
            "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/sts/aws4_request, Signature=fe5f80f77d5fa3beca038a248ff027".to_owned(),
            format!("the key {SECRET} leaked"),
            format!("token={token}"),
            format!("bare token {token} here"),
            "export AWS_SECRET_KEY=abc123shortbutkeyed".to_owned(),
            r#"{"SecretAccessKey": "abc123shortbutkeyed"}"#.to_owned(),
            r#"{"token": "abc123shortbutkeyed"}"#.to_owned(),
            "password: abc123shortbutkeyed".to_owned(),
        ] {
            let out = redact(&input);
            assert!(out.contains(REDACTED), "{input} -> {out}");
            for leak in [
                SECRET,
                token.as_str(),
                "fe5f80f77d5fa3beca038a248ff027",
                "abcdef0123456789",
                "abc123shortbutkeyed",
            ] {
                assert!(!out.contains(leak), "{out}");
            }
        }
    }

    #[test]
    fn shapes_the_hostile_review_found() {
        let frag = "FwoGZXIvYXdzEBcaDNvJ8K2e4t9s1rQ2hyKoAe7Qm3xP1v9Kq2LzR8wYtU";
        let encoded = SECRET.replace('/', "%2F");
        let escaped = SECRET.replace('/', "\\/");
        let long_token = format!("IQoJb3JpZ2luX2Vj{}", "aB3dE5fG7hJ9kL1mN0pQ".repeat(20));
        let wrapped: String = long_token
            .as_bytes()
            .chunks(76)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join("\n");
        let second = "Zq8Xv2Lp9Rt4Wm7Ns1Ky6Hb3Jc5Fd0Ga8Qe2Tu4Io9P";
        for (input, secret) in [
            (format!("token {frag} rest"), frag.to_owned()),
            (format!("k={encoded}"), encoded.clone()),
            (format!(r#"{{"k":"{escaped}"}}"#), escaped.clone()),
            (format!("wrapped:\n{wrapped}\nend"), long_token.clone()),
            (
                format!("AKIAIOSFODNN7EXAMPLE {SECRET} {second}"),
                second.to_owned(),
            ),
        ] {
            let out = redact(&input);
            assert!(!out.contains(&secret), "{input} -> {out}");
            for line in wrapped.lines() {
                assert!(!out.contains(line), "a wrapped line survived: {out}");
            }
            assert!(out.contains(REDACTED), "{out}");
        }
        assert!(redact(&format!("AKIAIOSFODNN7EXAMPLE {SECRET}")).contains("AKIAIOSFODNN7EXAMPLE"));
    }

    #[test]
    fn ordinary_text_arns_codes_and_key_ids_stay() {
        for s in [
            "User: arn:aws:iam::123456789012:user/alice is not authorized to perform lambda:CreateFunction",
            "access key AKIAIOSFODNN7EXAMPLE was rotated",
            "Function not found: arn:aws:lambda:us-east-1:123456789012:function:my-function",
            "ProvisionedThroughputExceededException: TransactionInProgressException",
            "SubnetIPAddressLimitReachedException from artifacts/agentbuild/20261129/bundle",
            "sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "Refresh the credentials: run `aws sso login`, or check the token: it may be old",
            "Use MfaToken::prompt() or AwsClientManagerBuilder::credentials_provider(..)",
        ] {
            assert_eq!(redact(s), s);
        }
        for row in crate::aws_codes::CODES {
            assert_eq!(redact(row.code), row.code);
        }
    }

    #[test]
    fn clean_drops_control_characters_and_bounds_the_text() {
        assert_eq!(
            clean("a\u{1b}[31mred\u{1b}]0;title\u{7}\u{9b}b"),
            "a[31mred]0;titleb"
        );
        let big = "word ".repeat(100_000);
        let out = clean(&big);
        assert!(out.chars().count() <= MAX_TEXT + 4, "{}", out.len());
        assert!(out.ends_with("[…]"));
    }
}
