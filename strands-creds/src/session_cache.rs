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
//! # Trust
//!
//! An entry is a set of credentials strands will act as, so it is used
//! only if nobody but the user could have put it there. On Unix:
//!
//! - the directory is a directory, not a symlink, owned by the effective
//!   user and writable by nobody else (no group or other write bit);
//! - the entry is a regular file (not a FIFO, device, socket or symlink:
//!   a symlink is refused, since the CLI never writes one and it could point
//!   anywhere), owned by the effective user, writable by nobody else, and
//!   at most 64 KiB (an STS response is under 4 KiB).
//!
//! Anything else is one warning naming the path and the rule it broke
//! (never the content), and the role is assumed afresh. strands writes only
//! into a directory that keeps the rules (creating it 0700 if missing) and
//! writes 0600 files, through a temp file renamed into place. Elsewhere
//! (Windows) the entry must be a regular file, not a link, within the size
//! bound; ownership is by ACL there and is not checked.
//!
//! # Never blocking
//!
//! The directory is opened once (`O_DIRECTORY | O_NOFOLLOW`) and the entry
//! relative to it (`O_NOFOLLOW | O_NONBLOCK`), so a FIFO opens at once and
//! is refused by `fstat` before anything is read; at most 64 KiB + 1 byte
//! is read. Even so, a disk can hang (a dead network mount): reads and
//! writes run on tokio's blocking pool, bounded by the manager's
//! `credentials_timeout`, so an async worker never waits on the cache.
//!
//! On by default for role profiles (the CLI caches every role profile, and
//! sharing its cache is the point); off for roles given in code, which the
//! CLI cannot have assumed, unless [`SessionCache::for_every_role`] says so.

use aws_credential_types::Credentials;
use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;
use sha1::{Digest, Sha1};
use std::fmt;
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

    pub(crate) fn for_profiles(&self, timeout: Duration) -> Option<CacheDir> {
        self.dir.clone().map(|path| CacheDir { path, timeout })
    }

    pub(crate) fn for_code_roles(&self, timeout: Duration) -> Option<CacheDir> {
        self.for_profiles(timeout).filter(|_| self.every_role)
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

/// The most an entry may hold: an STS response is under 4 KiB.
const MAX_ENTRY: u64 = 64 * 1024;

/// A session read from the cache: credentials, and who they are.
pub(crate) struct Cached {
    pub(crate) credentials: Credentials,
    pub(crate) expires: SystemTime,
    pub(crate) arn: String,
    pub(crate) role_id: String,
}

/// Where one role's sessions are cached, and how long the cache may take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CacheDir {
    pub(crate) path: PathBuf,
    /// The bound on any read or write: the manager's `credentials_timeout`.
    pub(crate) timeout: Duration,
}

/// Read `key`'s entry, off the async worker and bounded by the cache's
/// timeout; `None` (with a warning unless it is simply absent) when it is
/// missing, untrusted, malformed, too old, or not read in time.
pub(crate) async fn read(dir: &CacheDir, key: &CacheKey) -> Option<Cached> {
    let path = dir.path.clone();
    let name = format!("{}.json", key.file_name());
    let task = tokio::task::spawn_blocking(move || read_blocking(&path, &name));
    match tokio::time::timeout(dir.timeout, task).await {
        Ok(Ok(found)) => found,
        Ok(Err(_)) => None,
        Err(_) => {
            tracing::warn!(
                dir = %dir.path.display(),
                timeout = ?dir.timeout,
                "session cache not read in time; assuming the role instead"
            );
            None
        }
    }
}

/// [`read`] on the calling thread: the trust rules, the bounded read, the
/// parse and the 15-minute window.
pub(crate) fn read_blocking(dir: &Path, name: &str) -> Option<Cached> {
    let path = dir.join(name);
    let text = match trusted::read_entry(dir, name) {
        Ok(Some(t)) => t,
        Ok(None) => return None,
        Err(broken) => {
            tracing::warn!(
                file = %path.display(),
                rule = %broken,
                "session cache entry not trusted ({broken}); ignored, assuming the role instead"
            );
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
/// owner-only, into a directory that keeps the trust rules; off the async
/// worker and bounded by the cache's timeout. A failure is a warning: the
/// session works without it.
pub(crate) async fn write(
    dir: &CacheDir,
    key: &CacheKey,
    credentials: &Credentials,
    expires: SystemTime,
    arn: &str,
    role_id: &str,
) {
    let body = match entry_json(credentials, expires, arn, role_id) {
        Ok(b) => b,
        Err(e) => {
            tracing::warn!(error = %e, "could not format the session cache entry; sessions are not shared");
            return;
        }
    };
    let path = dir.path.clone();
    let name = key.file_name();
    let task = tokio::task::spawn_blocking(move || write_blocking(&path, &name, &body));
    if tokio::time::timeout(dir.timeout, task).await.is_err() {
        tracing::warn!(
            dir = %dir.path.display(),
            timeout = ?dir.timeout,
            "session cache not written in time; sessions are not shared"
        );
    }
}

/// The entry as botocore writes it: the STS response's shape.
fn entry_json(
    credentials: &Credentials,
    expires: SystemTime,
    arn: &str,
    role_id: &str,
) -> Result<String, aws_smithy_types::date_time::DateTimeFormatError> {
    let expiration = DateTime::from(expires).fmt(Format::DateTime)?;
    Ok(serde_json::json!({
        "Credentials": {
            "AccessKeyId": credentials.access_key_id(),
            "SecretAccessKey": credentials.secret_access_key(),
            "SessionToken": credentials.session_token().unwrap_or_default(),
            "Expiration": expiration,
            "AccountId": arn.split(':').nth(4).unwrap_or_default(),
        },
        "AssumedRoleUser": { "AssumedRoleId": role_id, "Arn": arn },
    })
    .to_string())
}

/// [`write`] on the calling thread.
pub(crate) fn write_blocking(dir: &Path, name: &str, body: &str) {
    match trusted::write_entry(dir, name, body.as_bytes()) {
        Ok(()) => {}
        Err(trusted::WriteError::Untrusted(broken)) => tracing::warn!(
            dir = %dir.display(),
            rule = %broken,
            "session cache directory not trusted ({broken}); sessions are not written there"
        ),
        Err(trusted::WriteError::Io(e)) => tracing::warn!(
            dir = %dir.display(),
            error = %e.kind(),
            "could not write the session cache; sessions are not shared"
        ),
    }
}

/// The trust rules, one function per question, and the only code that
/// opens a cache file.
mod trusted {
    use super::MAX_ENTRY;
    use std::fmt;
    use std::io::Read;
    use std::path::Path;

    /// Which rule a cache path broke.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub(crate) enum Broken {
        DirIsSymlink,
        DirNotDirectory,
        DirNotOwned,
        DirWritableByOthers,
        EntryIsSymlink,
        EntryNotRegular(&'static str),
        EntryNotOwned,
        EntryWritableByOthers,
        EntryTooLarge,
        Unreadable(std::io::ErrorKind),
    }

    impl fmt::Display for Broken {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                Self::DirIsSymlink => f.write_str("the directory is a symlink"),
                Self::DirNotDirectory => f.write_str("the directory is not a directory"),
                Self::DirNotOwned => f.write_str("the directory is owned by another user"),
                Self::DirWritableByOthers => {
                    f.write_str("the directory is writable by group or others")
                }
                Self::EntryIsSymlink => f.write_str("the entry is a symlink"),
                Self::EntryNotRegular(kind) => write!(f, "the entry is a {kind}, not a file"),
                Self::EntryNotOwned => f.write_str("the entry is owned by another user"),
                Self::EntryWritableByOthers => {
                    f.write_str("the entry is writable by group or others")
                }
                Self::EntryTooLarge => {
                    write!(f, "the entry is larger than {} KiB", MAX_ENTRY / 1024)
                }
                Self::Unreadable(kind) => write!(f, "it cannot be read ({kind})"),
            }
        }
    }

    /// Why a write did not happen.
    #[derive(Debug)]
    pub(crate) enum WriteError {
        Untrusted(Broken),
        Io(std::io::Error),
    }

    /// Read at most `MAX_ENTRY` bytes of an opened regular file.
    fn bounded(file: std::fs::File) -> Result<String, Broken> {
        let mut text = String::new();
        file.take(MAX_ENTRY + 1)
            .read_to_string(&mut text)
            .map_err(|e| Broken::Unreadable(e.kind()))?;
        if text.len() as u64 > MAX_ENTRY {
            return Err(Broken::EntryTooLarge);
        }
        Ok(text)
    }

    #[cfg(unix)]
    mod os {
        use super::{Broken, MAX_ENTRY};
        use rustix::fs::{FileType, Mode, OFlags, fstat, open, openat, renameat};
        use rustix::io::Errno;
        use std::os::fd::OwnedFd;
        use std::path::Path;

        const WRITABLE_BY_OTHERS: u32 = 0o022;

        fn euid() -> u32 {
            rustix::process::geteuid().as_raw()
        }

        /// Open `dir` without following a link, and check it.
        pub(super) fn open_dir(dir: &Path) -> Result<Option<OwnedFd>, Broken> {
            let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
            let fd = match open(dir, flags, Mode::empty()) {
                Ok(fd) => fd,
                Err(Errno::NOENT) => return Ok(None),
                Err(Errno::LOOP | Errno::NOTDIR) => {
                    let link =
                        std::fs::symlink_metadata(dir).is_ok_and(|m| m.file_type().is_symlink());
                    return Err(if link {
                        Broken::DirIsSymlink
                    } else {
                        Broken::DirNotDirectory
                    });
                }
                Err(e) => return Err(Broken::Unreadable(std::io::Error::from(e).kind())),
            };
            let st = fstat(&fd).map_err(|e| Broken::Unreadable(std::io::Error::from(e).kind()))?;
            if st.st_uid != euid() {
                return Err(Broken::DirNotOwned);
            }
            if (st.st_mode as u32) & WRITABLE_BY_OTHERS != 0 {
                return Err(Broken::DirWritableByOthers);
            }
            Ok(Some(fd))
        }

        /// The entry `name` in a checked directory: opened without
        /// following a link or blocking, checked by `fstat` before any read.
        pub(super) fn open_entry(
            dir: &OwnedFd,
            name: &str,
        ) -> Result<Option<std::fs::File>, Broken> {
            let flags = OFlags::RDONLY
                | OFlags::NOFOLLOW
                | OFlags::NONBLOCK
                | OFlags::NOCTTY
                | OFlags::CLOEXEC;
            let fd = match openat(dir, name, flags, Mode::empty()) {
                Ok(fd) => fd,
                Err(Errno::NOENT) => return Ok(None),
                Err(Errno::LOOP) => return Err(Broken::EntryIsSymlink),
                Err(e) => return Err(Broken::Unreadable(std::io::Error::from(e).kind())),
            };
            let st = fstat(&fd).map_err(|e| Broken::Unreadable(std::io::Error::from(e).kind()))?;
            let kind = match FileType::from_raw_mode(st.st_mode as _) {
                FileType::RegularFile => None,
                FileType::Fifo => Some("FIFO"),
                FileType::Socket => Some("socket"),
                FileType::CharacterDevice | FileType::BlockDevice => Some("device"),
                FileType::Directory => Some("directory"),
                FileType::Symlink => return Err(Broken::EntryIsSymlink),
                _ => Some("special file"),
            };
            if let Some(kind) = kind {
                return Err(Broken::EntryNotRegular(kind));
            }
            if st.st_uid != euid() {
                return Err(Broken::EntryNotOwned);
            }
            if (st.st_mode as u32) & WRITABLE_BY_OTHERS != 0 {
                return Err(Broken::EntryWritableByOthers);
            }
            if u64::try_from(st.st_size).unwrap_or(u64::MAX) > MAX_ENTRY {
                return Err(Broken::EntryTooLarge);
            }
            Ok(Some(std::fs::File::from(fd)))
        }

        /// Write `body` as `name` in a checked directory: a 0600 temp file
        /// created new (never through a link), synced, renamed into place.
        pub(super) fn write_in(dir: &OwnedFd, name: &str, body: &[u8]) -> std::io::Result<()> {
            use std::io::Write;
            let tmp = format!(".{name}.{}.tmp", std::process::id());
            let flags =
                OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
            let fd = openat(dir, tmp.as_str(), flags, Mode::from_raw_mode(0o600))?;
            let mut f = std::fs::File::from(fd);
            let written = f.write_all(body).and_then(|()| f.sync_all());
            drop(f);
            let done =
                written.and_then(|()| renameat(dir, tmp.as_str(), dir, name).map_err(Into::into));
            if done.is_err() {
                let _ = rustix::fs::unlinkat(dir, tmp.as_str(), rustix::fs::AtFlags::empty());
            }
            done
        }

        /// Create `dir` (and missing parents) owner-only.
        pub(super) fn create_private_dir(dir: &Path) -> std::io::Result<()> {
            use std::os::unix::fs::DirBuilderExt;
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
        }
    }

    /// The entry `name` in `dir` as text: `Ok(None)` if absent, `Err` with
    /// the rule it broke if it is not to be trusted.
    #[cfg(unix)]
    pub(crate) fn read_entry(dir: &Path, name: &str) -> Result<Option<String>, Broken> {
        let Some(dirfd) = os::open_dir(dir)? else {
            return Ok(None);
        };
        let Some(file) = os::open_entry(&dirfd, name)? else {
            return Ok(None);
        };
        bounded(file).map(Some)
    }

    /// Write `body` as `name` in `dir` (created owner-only if missing),
    /// only if the directory keeps the rules.
    #[cfg(unix)]
    pub(crate) fn write_entry(dir: &Path, name: &str, body: &[u8]) -> Result<(), WriteError> {
        os::create_private_dir(dir).map_err(WriteError::Io)?;
        let dirfd = os::open_dir(dir)
            .map_err(WriteError::Untrusted)?
            .ok_or_else(|| WriteError::Io(std::io::ErrorKind::NotFound.into()))?;
        os::write_in(&dirfd, &format!("{name}.json"), body).map_err(WriteError::Io)
    }

    /// Elsewhere: a regular file, not a link, within the bound.
    #[cfg(not(unix))]
    pub(crate) fn read_entry(dir: &Path, name: &str) -> Result<Option<String>, Broken> {
        let path = dir.join(name);
        let meta = match std::fs::symlink_metadata(&path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Broken::Unreadable(e.kind())),
        };
        if meta.file_type().is_symlink() {
            return Err(Broken::EntryIsSymlink);
        }
        if !meta.is_file() {
            return Err(Broken::EntryNotRegular("special file"));
        }
        if meta.len() > MAX_ENTRY {
            return Err(Broken::EntryTooLarge);
        }
        let file = std::fs::File::open(&path).map_err(|e| Broken::Unreadable(e.kind()))?;
        bounded(file).map(Some)
    }

    #[cfg(not(unix))]
    pub(crate) fn write_entry(dir: &Path, name: &str, body: &[u8]) -> Result<(), WriteError> {
        use std::io::Write;
        std::fs::create_dir_all(dir).map_err(WriteError::Io)?;
        let path = dir.join(format!("{name}.json"));
        let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        let res = (|| {
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&tmp)?;
            f.write_all(body)?;
            f.sync_all()?;
            drop(f);
            std::fs::rename(&tmp, &path)
        })();
        if res.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        res.map_err(WriteError::Io)
    }
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
