//! Assumed-role sessions shared with the AWS CLI, on disk.
//!
//! The AWS CLI caches the session of every role profile it assumes in
//! `~/.aws/cli/cache`, so one MFA prompt serves a whole working session
//! across commands; aws-vault and granted users expect the same. strands
//! reads and writes the same files, in the CLI's own format, so a session
//! started by `aws` after its MFA prompt is reused by a strands tool, and
//! the reverse.
//!
//! The format is botocore's (`CachedCredentialFetcher` and
//! `JSONFileCache`): the file name is the SHA-1 of the AssumeRole
//! arguments as `json.dumps(args, sort_keys=True)` (RoleArn, and
//! RoleSessionName, ExternalId, SerialNumber, DurationSeconds when given;
//! a generated session name is left out), the content the STS response
//! (`Credentials` with `Expiration`, `AssumedRoleUser`). An entry is used
//! only while at least 15 minutes remain (botocore's window). Writes are
//! atomic (a temp file in the same directory, then a rename), the file
//! 0600 and the directory 0700. A corrupt, foreign or expired file is
//! ignored with a warning, never an error; nothing read from it reaches a
//! message, a Debug output or a log.
//!
//! On by default for role profiles (the CLI caches every role profile, and
//! sharing its cache is the point); off for roles given in code, which the
//! CLI cannot have assumed, unless [`SessionCache::for_every_role`] says so.

use aws_credential_types::Credentials;
use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;
use sha1::{Digest, Sha1};
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// How long an entry must still be valid to be used (botocore's window).
const MIN_REMAINING: Duration = Duration::from_secs(15 * 60);

/// Where assumed-role sessions are cached, and for which roles.
#[derive(Clone, PartialEq, Eq)]
#[must_use]
pub struct SessionCache {
    dir: Option<PathBuf>,
    every_role: bool,
}

impl fmt::Debug for SessionCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionCache")
            .field("dir", &self.dir)
            .field("every_role", &self.every_role)
            .finish()
    }
}

impl Default for SessionCache {
    /// The AWS CLI's cache, `~/.aws/cli/cache`, for role profiles.
    fn default() -> Self {
        Self {
            dir: home().map(|h| h.join(".aws").join("cli").join("cache")),
            every_role: false,
        }
    }
}

impl SessionCache {
    /// The AWS CLI's cache (`~/.aws/cli/cache`), for role profiles: the
    /// default.
    pub fn cli() -> Self {
        Self::default()
    }

    /// A cache in `dir`, for role profiles.
    pub fn dir(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: Some(dir.into()),
            every_role: false,
        }
    }

    /// No cache on disk: every process assumes its roles itself.
    pub fn off() -> Self {
        Self {
            dir: None,
            every_role: false,
        }
    }

    /// Also cache roles given in code (`AssumeRoleConfig`).
    pub fn for_every_role(mut self) -> Self {
        self.every_role = true;
        self
    }

    pub(crate) fn for_profiles(&self) -> Option<PathBuf> {
        self.dir.clone()
    }

    pub(crate) fn for_code_roles(&self) -> Option<PathBuf> {
        self.dir.clone().filter(|_| self.every_role)
    }
}

fn home() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .map(PathBuf::from)
}

/// The AssumeRole arguments that name a session, as botocore hashes them.
#[derive(Debug, Clone)]
pub(crate) struct CacheKey {
    pub(crate) role_arn: String,
    /// Only when the user chose it (a generated name is left out).
    pub(crate) session_name: Option<String>,
    pub(crate) external_id: Option<String>,
    pub(crate) serial_number: Option<String>,
    pub(crate) duration_seconds: Option<i64>,
}

impl CacheKey {
    /// botocore's file name: SHA-1 of `json.dumps(args, sort_keys=True)`.
    pub(crate) fn file_name(&self) -> String {
        // Keys in sorted order, Python's default separators.
        let mut fields: Vec<(&str, serde_json::Value)> = Vec::new();
        if let Some(d) = self.duration_seconds {
            fields.push(("DurationSeconds", d.into()));
        }
        if let Some(x) = &self.external_id {
            fields.push(("ExternalId", x.as_str().into()));
        }
        fields.push(("RoleArn", self.role_arn.as_str().into()));
        if let Some(n) = &self.session_name {
            fields.push(("RoleSessionName", n.as_str().into()));
        }
        if let Some(s) = &self.serial_number {
            fields.push(("SerialNumber", s.as_str().into()));
        }
        let body: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!("\"{k}\": {}", python_json(v)))
            .collect();
        let text = format!("{{{}}}", body.join(", "));
        let digest = Sha1::digest(text.as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// `json.dumps` of a string or number with `ensure_ascii=True`.
fn python_json(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => {
            let mut out = String::from("\"");
            for c in s.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                        let mut buf = [0u16; 2];
                        for unit in c.encode_utf16(&mut buf) {
                            out.push_str(&format!("\\u{unit:04x}"));
                        }
                    }
                    c => out.push(c),
                }
            }
            out.push('"');
            out
        }
        other => other.to_string(),
    }
}

/// A session read from the cache: credentials, and who they are.
pub(crate) struct Cached {
    pub(crate) credentials: Credentials,
    pub(crate) expires: SystemTime,
    pub(crate) arn: String,
    pub(crate) role_id: String,
}

/// Read `key`'s entry in `dir`, if it is there, well formed and has 15
/// minutes left. Anything else is a warning (naming the file, never its
/// content) and `None`.
pub(crate) fn read(dir: &Path, key: &CacheKey) -> Option<Cached> {
    let path = dir.join(format!("{}.json", key.file_name()));
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => {
            tracing::warn!(file = %path.display(), error = %e.kind(), "session cache entry unreadable; ignored");
            return None;
        }
    };
    let parsed = parse(&text);
    if parsed.is_none() {
        tracing::warn!(file = %path.display(), "session cache entry is not an AssumeRole response; ignored");
    }
    let c = parsed?;
    let left = c
        .expires
        .duration_since(SystemTime::now())
        .unwrap_or_default();
    if left < MIN_REMAINING {
        tracing::debug!(file = %path.display(), "session cache entry expires within 15 minutes; not used");
        return None;
    }
    Some(c)
}

fn parse(text: &str) -> Option<Cached> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    let c = v.get("Credentials")?;
    let s = |k: &str| c.get(k).and_then(serde_json::Value::as_str);
    let expires = parse_time(s("Expiration")?)?;
    let user = v.get("AssumedRoleUser");
    let u = |k: &str| {
        user.and_then(|u| u.get(k))
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    Some(Cached {
        credentials: Credentials::new(
            s("AccessKeyId")?,
            s("SecretAccessKey")?,
            Some(s("SessionToken")?.to_owned()),
            Some(expires),
            "strands-session-cache",
        ),
        expires,
        arn: u("Arn"),
        role_id: u("AssumedRoleId"),
    })
}

/// botocore writes `2026-11-29T15:00:00UTC` (strftime `%Z`); the CLI and
/// other tools write RFC 3339 (`Z`, `+00:00`, fractions).
fn parse_time(s: &str) -> Option<SystemTime> {
    let s = s.trim();
    let s = s
        .strip_suffix("UTC")
        .map(|t| format!("{t}Z"))
        .unwrap_or_else(|| s.replace("+00:00", "Z"));
    let t = DateTime::from_str(&s, Format::DateTime).ok()?;
    SystemTime::try_from(t).ok()
}

/// Write a session for `key` into `dir`: the STS response's shape, atomic,
/// owner-only. A failure is a warning: the session works without it.
pub(crate) fn write(
    dir: &Path,
    key: &CacheKey,
    credentials: &Credentials,
    expires: SystemTime,
    arn: &str,
    role_id: &str,
) {
    if let Err(e) = try_write(dir, key, credentials, expires, arn, role_id) {
        tracing::warn!(dir = %dir.display(), error = %e.kind(), "could not write the session cache; sessions are not shared");
    }
}

fn try_write(
    dir: &Path,
    key: &CacheKey,
    credentials: &Credentials,
    expires: SystemTime,
    arn: &str,
    role_id: &str,
) -> std::io::Result<()> {
    create_private_dir(dir)?;
    let expiration = DateTime::from(expires)
        .fmt(Format::DateTime)
        .map_err(std::io::Error::other)?;
    let body = serde_json::json!({
        "Credentials": {
            "AccessKeyId": credentials.access_key_id(),
            "SecretAccessKey": credentials.secret_access_key(),
            "SessionToken": credentials.session_token().unwrap_or_default(),
            "Expiration": expiration,
            "AccountId": arn.split(':').nth(4).unwrap_or_default(),
        },
        "AssumedRoleUser": { "AssumedRoleId": role_id, "Arn": arn },
    });
    let path = dir.join(format!("{}.json", key.file_name()));
    let tmp = dir.join(format!(".{}.{}.tmp", key.file_name(), std::process::id()));
    {
        let mut f = open_private(&tmp)?;
        f.write_all(body.to_string().as_bytes())?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, &path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

#[cfg(unix)]
fn open_private(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn open_private(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_follow_botocore() {
        // Python: hashlib.sha1(json.dumps({"RoleArn": …, "DurationSeconds":
        // 900, "SerialNumber": …, "ExternalId": "ext-é"}, sort_keys=True)
        // .encode()).hexdigest()
        let key = CacheKey {
            role_arn: "arn:aws:iam::123456789012:role/one".into(),
            session_name: None,
            external_id: Some("ext-é".into()),
            serial_number: Some("arn:aws:iam::123456789012:mfa/alice".into()),
            duration_seconds: Some(900),
        };
        assert_eq!(key.file_name(), "f0f6f8b9b5a89f4b012cc86e3b6dd1567de2dc5c");
    }

    #[test]
    fn times_in_every_written_form() {
        for t in [
            "2099-01-01T00:00:00UTC",
            "2099-01-01T00:00:00Z",
            "2099-01-01T00:00:00+00:00",
            "2099-01-01T00:00:00.123Z",
        ] {
            assert!(parse_time(t).is_some(), "{t}");
        }
        assert!(parse_time("tomorrow").is_none());
    }

    #[test]
    fn corrupt_and_foreign_files_are_ignored() {
        for text in ["", "{", "[]", r#"{"Credentials":{}}"#, r#"{"token":"x"}"#] {
            assert!(parse(text).is_none(), "{text}");
        }
    }
}
