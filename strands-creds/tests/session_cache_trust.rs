//! The session cache trusts only what its user wrote, and never blocks.
//!
//! Through the public API (`assume_role(..)` with
//! `SessionCache::dir(d).for_every_role()`) against moto, counting the
//! AssumeRole calls at moto's recorder: a good entry is used (no call); an
//! entry planted with someone else's identity is used only where nobody
//! but the user could have put it; every untrusted shape (a FIFO, a
//! symlink, a world-writable directory, a group-writable file, a file of
//! another user, a directory that is a symlink, an entry over the bound, a
//! truncated write) is one warning naming the path and the rule, and a
//! fresh AssumeRole, within a bound, never the planted identity, never a
//! secret in the log, and no write into a directory that breaks the rules.
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};
use strands_creds::{AssumeRoleConfig, AwsClientManager, SessionCache};
use strands_testkit::{MotoServer, SharedBuf};

const ROLE: &str = "arn:aws:iam::123456789012:role/deployer";
const PLANTED_ARN: &str = "arn:aws:sts::999999999999:assumed-role/planted/intruder";
const PLANTED_SECRET: &str = "PLANTEDsecretKEYthatMUSTneverBElogged0000";

async fn manager(moto: &MotoServer, dir: &Path) -> AwsClientManager {
    AwsClientManager::builder()
        .region("us-east-1")
        .endpoint_url(moto.endpoint_url())
        .credentials_provider(strands_testkit::test_credentials())
        .credentials_timeout(Duration::from_secs(5))
        .assume_role(AssumeRoleConfig::new(ROLE).session_name("trust-test"))
        .session_cache(SessionCache::dir(dir).for_every_role())
        .build()
        .await
        .unwrap()
}

/// The identity a fresh manager acts as, bounded: a hang fails the test.
async fn who(moto: &MotoServer, dir: &Path) -> String {
    let m = manager(moto, dir).await;
    tokio::time::timeout(Duration::from_secs(20), m.validate_credentials())
        .await
        .expect("validate_credentials hung on the session cache")
        .unwrap()
        .user_arn
}

/// An entry in botocore's format for someone else's identity.
fn planted() -> String {
    let expires = aws_smithy_types::DateTime::from(SystemTime::now() + Duration::from_secs(3600))
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap();
    serde_json::json!({
        "Credentials": {
            "AccessKeyId": "AKIAPLANTED000000001",
            "SecretAccessKey": PLANTED_SECRET,
            "SessionToken": "PLANTEDtoken",
            "Expiration": expires,
        },
        "AssumedRoleUser": { "AssumedRoleId": "AROAPLANTED:intruder", "Arn": PLANTED_ARN },
    })
    .to_string()
}

/// Replace whatever is at `entry` with a planted entry, 0600.
fn plant(entry: &Path) {
    let _ = std::fs::remove_file(entry);
    std::fs::write(entry, planted()).unwrap();
    chmod(entry, 0o600);
}

fn chmod(p: &Path, mode: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn run(cmd: &str, args: &[&std::ffi::OsStr]) {
    let st = std::process::Command::new(cmd).args(args).status().unwrap();
    assert!(st.success(), "{cmd} {args:?}");
}

fn is_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_entries_nobody_else_could_write_are_used() {
    let log = SharedBuf::default();
    let writer = log.clone();
    tracing::subscriber::set_global_default(
        tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish(),
    )
    .unwrap();
    let moto = MotoServer::builder().record(true).start().unwrap();
    let assumes = || moto.count_action("AssumeRole");
    let root = std::env::temp_dir().join(format!("strands-cache-trust-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    chmod(&root, 0o700);
    let dir = root.join("cache");

    // strands creates the directory 0700 and writes a 0600 entry ...
    let first = who(&moto, &dir).await;
    assert_eq!(assumes(), 1);
    assert!(first.contains("deployer"), "{first}");
    let mode = |p: &Path| std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700);
    let entries: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
    let entry = entries[0].clone();
    let name = entry.file_name().unwrap().to_owned();
    assert_eq!(mode(&entry), 0o600);
    // ... which the next process uses: no AssumeRole.
    assert_eq!(who(&moto, &dir).await, first);
    assert_eq!(assumes(), 1);

    // An entry in a directory that keeps the rules is the user's own: used.
    // (This is what makes the cases below able to fail: moto answers
    // GetCallerIdentity for the planted key as someone other than the
    // role, and no AssumeRole is made.)
    plant(&entry);
    let acting = who(&moto, &dir).await;
    assert!(!acting.contains("deployer"), "{acting}");
    assert_eq!(assumes(), 1);

    let mut expected = 1;
    let mut check = async |case: &str, dir: &Path, rule: &str| {
        let before = log.contents().len();
        let arn = who(&moto, dir).await;
        expected += 1;
        assert!(
            arn.contains("deployer"),
            "{case}: the planted identity was used: {arn}"
        );
        assert_eq!(assumes(), expected, "{case}: one fresh AssumeRole");
        let logged = log.contents()[before..].to_owned();
        assert!(
            logged.contains(rule) && logged.contains("not trusted"),
            "{case}: the warning must name the rule `{rule}`:\n{logged}"
        );
        assert!(!logged.contains(PLANTED_SECRET) && !logged.contains("PLANTEDtoken"));
    };

    // A group-writable entry.
    plant(&entry);
    chmod(&entry, 0o620);
    check("group-writable file", &dir, "writable by group or others").await;
    chmod(&entry, 0o600);

    // An entry of another user (the suite runs as root: chown to nobody).
    if is_root() {
        plant(&entry);
        run("chown", &["65534".as_ref(), entry.as_os_str()]);
        check("file of another user", &dir, "owned by another user").await;
        run("chown", &["0".as_ref(), entry.as_os_str()]);
    } else {
        println!("not root: the other-user case is not checked");
    }

    // A world-writable directory: not read, and not written into either.
    plant(&entry);
    chmod(&dir, 0o777);
    check("world-writable directory", &dir, "directory is writable").await;
    assert!(
        std::fs::read_to_string(&entry)
            .unwrap()
            .contains(PLANTED_ARN),
        "strands wrote into an untrusted directory"
    );
    assert!(
        log.contents().contains("sessions are not written there"),
        "no write into an untrusted directory"
    );
    chmod(&dir, 0o700);

    // A symlink at the entry's path, to a planted file of the user's own.
    let elsewhere = root.join("elsewhere.json");
    std::fs::write(&elsewhere, planted()).unwrap();
    chmod(&elsewhere, 0o600);
    std::fs::remove_file(&entry).unwrap();
    std::os::unix::fs::symlink(&elsewhere, &entry).unwrap();
    check("symlinked entry", &dir, "the entry is a symlink").await;
    std::fs::remove_file(&entry).unwrap();

    // A FIFO at the entry's path: refused at once, never waited on.
    run(
        "mkfifo",
        &["-m".as_ref(), "600".as_ref(), entry.as_os_str()],
    );
    check("FIFO", &dir, "the entry is a FIFO").await;
    std::fs::remove_file(&entry).unwrap();

    // An entry larger than the bound (valid JSON, padded).
    let _ = std::fs::remove_file(&entry);
    std::fs::write(&entry, format!("{}{}", planted(), " ".repeat(100 * 1024))).unwrap();
    chmod(&entry, 0o600);
    check("oversized entry", &dir, "larger than 64 KiB").await;

    // A directory that is a symlink to a good directory with a planted entry.
    let real = root.join("real");
    std::fs::create_dir(&real).unwrap();
    chmod(&real, 0o700);
    std::fs::write(real.join(&name), planted()).unwrap();
    chmod(&real.join(&name), 0o600);
    let linked = root.join("linked");
    std::os::unix::fs::symlink(&real, &linked).unwrap();
    check("symlinked directory", &linked, "the directory is a symlink").await;

    // A truncated write: not an AssumeRole response, ignored, replaced.
    let text = planted();
    std::fs::write(&entry, &text[..text.len() / 2]).unwrap();
    chmod(&entry, 0o600);
    let before = assumes();
    let arn = who(&moto, &dir).await;
    assert!(arn.contains("deployer"));
    assert_eq!(assumes(), before + 1);
    assert!(log.contents().contains("not an AssumeRole response"));
    // ... and the fresh session replaced it, atomically (no temp left).
    assert!(
        std::fs::read_to_string(&entry)
            .unwrap()
            .contains("deployer")
    );
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    assert!(!log.contents().contains(PLANTED_SECRET));
    let _ = std::fs::remove_dir_all(&root);
}
