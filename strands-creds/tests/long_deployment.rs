//! A two-hour deployment on credentials that expire every 15 minutes, run
//! on a controllable clock (the manager's `time_source`, which aws-config,
//! the SDK's signing and strands' own caches all read), not by sleeping.
//!
//! Three sources, each on its local endpoint (strands-testkit's
//! `CredentialEndpoints`, which dates what it serves by the same clock):
//! ECS container credentials with a 15-minute `Expiration`, a role profile
//! of `duration_seconds = 900` whose source is the container, and an SSO
//! role. Every minute of the two hours, 8 tasks make a signed STS call at
//! once. Each source must be refreshed ahead of expiry (never is a
//! credential served within 5 minutes of its end), once per expiry (12
//! refreshes in 120 minutes, however many tasks ask at the moment one is
//! due), and no request may ever be signed with an expired session (the
//! endpoint counts those and answers `ExpiredToken`, as STS does).
//!
//! Then a refresh that fails while the credentials held are still valid:
//! they stay in use until they expire (botocore's rule), the failing
//! source is asked again at most every 30 s of the clock, and after the
//! expiry the failure is the answer.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use aws_types::sdk_config::TimeSource;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use strands_creds::AwsClientManager;
use strands_testkit::{CredentialEndpoints, control};

const CHILD: &str = "STRANDS_LONG_DEPLOYMENT_CHILD";

/// The test's clock.
#[derive(Debug, Clone)]
struct Clock(Arc<Mutex<SystemTime>>);

impl TimeSource for Clock {
    fn now(&self) -> SystemTime {
        *self.0.lock().unwrap()
    }
}

impl Clock {
    fn starting_now() -> Self {
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        Self(Arc::new(Mutex::new(
            UNIX_EPOCH + Duration::from_secs(secs / 60 * 60),
        )))
    }

    /// Move to `start + minutes`, here and at the endpoints.
    fn at(&self, start: SystemTime, minutes: u64, url: &str) {
        let t = start + Duration::from_secs(minutes * 60);
        *self.0.lock().unwrap() = t;
        control::set_now(url, t).unwrap();
    }
}

fn sso_token(home: &std::path::Path) {
    use sha1::Digest;
    let name: String = sha1::Sha1::digest(b"corp")
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let dir = home.join(".aws/sso/cache");
    std::fs::create_dir_all(&dir).unwrap();
    let doc = serde_json::json!({
        "startUrl": "https://corp.awsapps.com/start",
        "region": "us-east-1",
        "accessToken": strands_testkit::SSO_ACCESS_TOKEN,
        "expiresAt": strands_testkit::rfc3339(SystemTime::now() + Duration::from_secs(12 * 3600)),
    });
    std::fs::write(dir.join(format!("{name}.json")), doc.to_string()).unwrap();
}

#[test]
fn a_two_hour_deployment_refreshes_each_source_once_per_expiry() {
    let meta = CredentialEndpoints::start().unwrap();
    meta.expires_in(Duration::from_secs(15 * 60));
    let dir = std::env::temp_dir().join(format!("strands-long-{}", std::process::id()));
    let home = dir.join("home");
    std::fs::create_dir_all(home.join(".aws")).unwrap();
    sso_token(&home);
    std::fs::write(
        dir.join("config"),
        "[default]\nregion = us-east-1\n\n\
         [profile deploy]\nregion = us-east-1\nrole_arn = arn:aws:iam::123456789012:role/Deploy\n\
         credential_source = EcsContainer\nduration_seconds = 900\n\n\
         [profile corp]\nregion = us-east-1\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Deploy\n\n\
         [sso-session corp]\nsso_region = us-east-1\nsso_start_url = https://corp.awsapps.com/start\n",
    )
    .unwrap();
    std::fs::write(dir.join("credentials"), "").unwrap();
    let url = meta.url();
    let container = meta.container_uri();
    let text = strands_testkit::run_child_checks(
        "child_long_deployment",
        CHILD,
        &[
            ("HOME", home.as_os_str()),
            ("AWS_CONFIG_FILE", dir.join("config").as_os_str()),
            (
                "AWS_SHARED_CREDENTIALS_FILE",
                dir.join("credentials").as_os_str(),
            ),
            ("AWS_CONTAINER_CREDENTIALS_FULL_URI", container.as_ref()),
            (
                "AWS_CONTAINER_AUTHORIZATION_TOKEN",
                strands_testkit::CONTAINER_TOKEN.as_ref(),
            ),
            ("AWS_ENDPOINT_URL_SSO", url.as_ref()),
            ("STRANDS_META", url.as_ref()),
        ],
    );
    let _ = std::fs::remove_dir_all(&dir);
    println!("{text}");
    assert_eq!(
        meta.stale_requests(),
        0,
        "a request used an expired session"
    );
}

/// Two hours, a minute at a time, 8 signed calls at once each minute.
/// Returns how many times the source was asked.
async fn run_two_hours(
    m: &AwsClientManager,
    clock: &Clock,
    url: &str,
    served: impl Fn(&serde_json::Value) -> u64,
) -> u64 {
    let start = clock.now();
    let before = served(&control::counts(url).unwrap());
    for minute in 0..120 {
        clock.at(start, minute, url);
        let sts = m.get_client::<aws_sdk_sts::Client>();
        let calls = (0..8).map(|_| {
            let sts = sts.clone();
            tokio::spawn(async move { sts.get_caller_identity().send().await })
        });
        for c in futures_join(calls).await {
            c.unwrap_or_else(|e| panic!("minute {minute}: {e:?}"));
        }
        // Never a credential within REFRESH_AHEAD of its end.
        let c = m.credentials().await.unwrap();
        let left = c.expiry().unwrap().duration_since(clock.now()).unwrap();
        assert!(
            left > Duration::from_secs(5 * 60),
            "minute {minute}: {left:?} left"
        );
    }
    served(&control::counts(url).unwrap()) - before
}

async fn futures_join<T: Send + 'static>(
    handles: impl Iterator<Item = tokio::task::JoinHandle<T>>,
) -> Vec<T> {
    let mut out = Vec::new();
    for h in handles.collect::<Vec<_>>() {
        out.push(h.await.unwrap());
    }
    out
}

fn n(v: &serde_json::Value, k: &str) -> u64 {
    v[k].as_u64().unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn child_long_deployment() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let url = std::env::var("STRANDS_META").unwrap();
    let manager = |profile: Option<&str>, clock: &Clock| {
        let mut b = AwsClientManager::builder()
            .time_source(clock.clone())
            .endpoint_url(&url);
        if let Some(p) = profile {
            b = b.profile(p);
        }
        b.build()
    };

    // ECS container credentials, 15 minutes each: fetched at 0, 10, .., 110.
    let clock = Clock::starting_now();
    let m = manager(None, &clock).await.unwrap();
    let asked = run_two_hours(&m, &clock, &url, |v| n(v, "container")).await;
    assert_eq!(asked, 12, "container credentials fetched {asked} times");
    println!("container: 12 fetches in two hours");

    // A role session of 900 s from the container: renewed at 0, 10, .., 110.
    let clock = Clock::starting_now();
    let m = manager(Some("deploy"), &clock).await.unwrap();
    let asked = run_two_hours(&m, &clock, &url, |v| n(v, "assume_role")).await;
    assert_eq!(asked, 12, "AssumeRole called {asked} times");
    println!("role of 900 s: 12 AssumeRole calls in two hours");

    // An SSO role, 15 minutes each.
    let clock = Clock::starting_now();
    let m = manager(Some("corp"), &clock).await.unwrap();
    let asked = run_two_hours(&m, &clock, &url, |v| n(v, "sso")).await;
    assert_eq!(asked, 12, "SSO role credentials fetched {asked} times");
    println!("SSO role: 12 fetches in two hours");

    // A refresh that fails while the credentials are still valid.
    let clock = Clock::starting_now();
    let start = clock.now();
    clock.at(start, 0, &url);
    let m = manager(None, &clock).await.unwrap();
    let first = m.credentials().await.unwrap();
    let expires = first.expiry().unwrap();
    control::container_fault(&url, Some(500)).unwrap();
    let attempts0 = n(&control::counts(&url).unwrap(), "container");
    for minute in [10, 11, 12, 13, 14] {
        clock.at(start, minute, &url);
        // Many tasks, one attempt: the rest are served the held ones.
        for _ in 0..4 {
            let c = m.credentials().await.unwrap();
            assert_eq!(c.session_token(), first.session_token(), "minute {minute}");
        }
        m.validate_credentials().await.unwrap();
    }
    // The failing endpoint answered no document (the count is of served
    // ones); the held credentials served every call until their end.
    assert_eq!(n(&control::counts(&url).unwrap(), "container"), attempts0);
    clock.at(start, 15, &url);
    assert!(clock.now() >= expires);
    let e = m.credentials().await.unwrap_err();
    assert!(e.code().starts_with("strands::credential"), "{}", e.code());
    // The endpoint recovers: the next call fetches.
    control::container_fault(&url, None).unwrap();
    clock.at(start, 16, &url);
    let again = m.credentials().await.unwrap();
    assert_ne!(again.session_token(), first.session_token());
    println!("a failed refresh kept the valid credentials until their expiry");
    println!("child checks passed");
}
