//! boto3 as the oracle: each configuration shape is resolved by boto3 (the
//! client the Python original used, in the test venv next to moto) and by
//! strands, on the same files and environment, against one moto_server,
//! and the answers must agree: the same caller ARN, the same access key,
//! the same region; or both fail. Where strands differs on purpose the
//! scenario says so, and the difference itself is asserted.
//!
//! moto records every request, so the AssumeRole parameters each tool
//! sent (MFA serial and code, duration, external id) are compared too.
//! Where deployments run, each source has its local endpoint
//! ([`CredentialEndpoints`]: an ECS/EKS container endpoint, IMDSv2, the SSO
//! portal), which checks the token a real one checks and counts what it
//! served: each tool must ask its source exactly once per start.
//!
//! Nothing leaves 127.0.0.1: `AWS_ENDPOINT_URL` points both at moto,
//! `AWS_EC2_METADATA_DISABLED=true` (IMDS scenarios point
//! `AWS_EC2_METADATA_SERVICE_ENDPOINT` at the local one), and `HOME` holds
//! a decoy `~/.aws` that must never be read.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use strands_creds::{AwsClientManager, MfaToken};
use strands_testkit::{CredentialEndpoints, MotoServer};

const CHILD: &str = "STRANDS_DIFFERENTIAL_CHILD";

/// What must hold between the two answers.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    /// Same access key, same region, same ARN.
    Same,
    /// Both fail (boto3 and strands each with their own error).
    BothFail,
    /// strands refuses on purpose where boto3 goes on (documented in
    /// ARCHITECTURE.md, "Where strands-creds differs from boto3").
    StrandsRefuses,
    /// Same credentials, but strands reads the region from a variable
    /// boto3 ignores (AWS_REGION): the regions are asserted as given.
    RegionDiffers(&'static str, &'static str),
    /// boto3 fails where strands goes on, on purpose (documented).
    StrandsAccepts,
}

/// `arn:aws:sts::1:assumed-role/ROLE/SESSION` → `…/ROLE/`: each tool has
/// its own default session name (`botocore-session-<time>`,
/// `strands-deployment`); a `role_session_name` in the profile makes them
/// equal, and that scenario compares the whole ARN.
fn role_part(arn: &Value) -> String {
    let a = arn.as_str().unwrap_or_default();
    match a.split_once(":assumed-role/") {
        Some((head, rest)) => format!(
            "{head}:assumed-role/{}/",
            rest.split('/').next().unwrap_or_default()
        ),
        None => a.to_owned(),
    }
}

struct Scenario {
    name: &'static str,
    config: &'static str,
    credentials: &'static str,
    env: &'static [(&'static str, &'static str)],
    profile: Option<&'static str>,
    mfa: Option<&'static str>,
    expect: Expect,
    /// AssumeRole parameters both tools must have sent.
    assume_role_params: &'static [&'static str],
}

const KEYS: &str = "[default]\naws_access_key_id = AKIADEFAULT000000001\naws_secret_access_key = d\n\n\
[dev]\naws_access_key_id = AKIADEV0000000000001\naws_secret_access_key = v\n\n\
[base]\naws_access_key_id = AKIABASE000000000001\naws_secret_access_key = b\n";

/// What preflight says the credentials came from, per scenario.
const SOURCE_WORDS: &[(&str, &str)] = &[
    ("default profile", "access keys of the default profile"),
    ("env keys", "environment variables (AWS_ACCESS_KEY_ID)"),
    (
        "ECS task: container credentials, full URI and token",
        "container endpoint",
    ),
    (
        "EKS Pod Identity: container credentials, token file",
        "EKS Pod Identity",
    ),
    ("EC2 instance role over IMDSv2", "EC2 instance role"),
    (
        "SSO with sso_session, a cached token",
        "SSO session corp → account 1111…, role Deploy",
    ),
    (
        "SSO with the legacy sso_start_url keys, a cached token",
        "SSO (https://legacy.awsapps.com/start) → account 1111…, role Deploy",
    ),
    (
        "role from ECS container credentials (credential_source = EcsContainer)",
        "role Deploy, from container endpoint credentials",
    ),
    (
        "role from the EC2 instance (credential_source = Ec2InstanceMetadata)",
        "role Deploy, from EC2 instance credentials",
    ),
    (
        "role from an SSO profile (source_profile = corp)",
        "role Deploy, from SSO session corp → account 1111…, role Deploy",
    ),
    (
        "an `aws login` session (login_session), a cached token",
        "`aws login` session (profile `console`)",
    ),
];

/// IMDS on, at the local endpoint (every other scenario has it off).
const IMDS_ON: &[(&str, &str)] = &[
    ("AWS_EC2_METADATA_DISABLED", "false"),
    ("AWS_EC2_METADATA_SERVICE_ENDPOINT", "{meta}"),
];

/// `aws login` was run (its session is in `~/.aws/login/cache`).
const LOGIN: &[(&str, &str)] = &[("STRANDS_DIFF_LOGGED_IN", "1")];

const LOGIN_PROFILE: &str =
    "[profile console]\nregion = us-east-1\nlogin_session = arn:aws:iam::123456789012:user/Admin\n";

/// With the `login` feature strands resolves an `aws login` profile as
/// botocore's `LoginProvider` does; without it, it refuses before any
/// request (`strands::configuration::login_not_enabled`).
const LOGIN_EXPECT: Expect = if cfg!(feature = "login") {
    Expect::Same
} else {
    Expect::StrandsRefuses
};

/// The access key of the cached `aws login` session.
const LOGIN_KEY: &str = "ASIALOGINSESSION0001";

/// `aws login`'s cache entry, `~/.aws/login/cache/<sha256 of the
/// session>.json`, with an unexpired access token: both tools use it as
/// is (the DPoP key, a P-256 key made for this test, signs only refreshes).
fn write_login_token(home: &Path, session: &str) {
    use sha2::Digest;
    let name = sha2::Sha256::digest(session.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>();
    let dir = home.join(".aws/login/cache");
    std::fs::create_dir_all(&dir).unwrap();
    let expires = strands_testkit::rfc3339(
        std::time::SystemTime::now() + std::time::Duration::from_secs(3600),
    );
    let doc = serde_json::json!({
        "accessToken": {
            "accessKeyId": LOGIN_KEY,
            "secretAccessKey": "login-secret",
            "sessionToken": "login-session-token",
            "accountId": "123456789012",
            "expiresAt": expires,
        },
        "tokenType": "aws_sigv4",
        "refreshToken": "login-refresh-token",
        "idToken": "login-id-token",
        "clientId": "arn:aws:signin:::devtools/same-device",
        "dpopKey": "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIAqs0sIC0OdUe+Ypw0IPyslchjiKIzqrFf58mq5G5m98oAoGCCqGSM49\nAwEHoUQDQgAEIUXt3bjKflJiNRXDY07jJH/07n8pA16c8ATte8Fc5JWMZyyF+QNs\n2Vj5JDu6hygv+2Jt9EoE5RQlsu/gACUwLw==\n-----END EC PRIVATE KEY-----\n",
    });
    std::fs::write(dir.join(format!("{name}.json")), doc.to_string()).unwrap();
}

/// The SSO portal at the local endpoint (the token is in the cache).
const SSO_PORTAL: &[(&str, &str)] = &[("AWS_ENDPOINT_URL_SSO", "{meta}")];

const ENV_KEYS: &[(&str, &str)] = &[
    ("AWS_ACCESS_KEY_ID", "AKIAENVKEY0000000001"),
    ("AWS_SECRET_ACCESS_KEY", "e"),
];

fn scenarios() -> Vec<Scenario> {
    let s = |name, config, credentials, env, profile, expect| Scenario {
        name,
        config,
        credentials,
        env,
        profile,
        mfa: None,
        expect,
        assume_role_params: &[],
    };
    vec![
        s(
            "default profile",
            "[default]\nregion = us-east-1\n",
            KEYS,
            &[],
            None,
            Expect::Same,
        ),
        s(
            "env keys",
            "",
            "",
            &[
                ("AWS_ACCESS_KEY_ID", "AKIAENVKEY0000000001"),
                ("AWS_SECRET_ACCESS_KEY", "e"),
                ("AWS_DEFAULT_REGION", "us-west-2"),
            ],
            None,
            Expect::Same,
        ),
        s(
            "env keys and an explicit profile",
            "[profile dev]\nregion = eu-west-1\n",
            KEYS,
            &[
                ("AWS_ACCESS_KEY_ID", "AKIAENVKEY0000000001"),
                ("AWS_SECRET_ACCESS_KEY", "e"),
            ],
            Some("dev"),
            Expect::Same,
        ),
        s(
            "AWS_PROFILE and env keys",
            "[profile dev]\nregion = eu-west-1\n",
            KEYS,
            &[
                ("AWS_PROFILE", "dev"),
                ("AWS_ACCESS_KEY_ID", "AKIAENVKEY0000000001"),
                ("AWS_SECRET_ACCESS_KEY", "e"),
            ],
            None,
            Expect::Same,
        ),
        s(
            "AWS_PROFILE alone",
            "[profile dev]\nregion = eu-west-1\n",
            KEYS,
            &[("AWS_PROFILE", "dev")],
            None,
            Expect::Same,
        ),
        s(
            "[profile x] in config, keys in credentials",
            "[profile dev]\nregion = ap-southeast-2\n",
            KEYS,
            &[],
            Some("dev"),
            Expect::Same,
        ),
        s(
            "keys in the config file",
            "[profile cfgkeys]\nregion = us-east-1\naws_access_key_id = AKIACONFIGKEYS000001\naws_secret_access_key = c\n",
            "",
            &[],
            Some("cfgkeys"),
            Expect::Same,
        ),
        s(
            "source_profile and role_arn",
            "[profile role]\nregion = us-east-1\nrole_arn = arn:aws:iam::123456789012:role/one\nsource_profile = base\n",
            KEYS,
            &[],
            Some("role"),
            Expect::Same,
        ),
        s(
            "a two-hop chain",
            "[profile role]\nrole_arn = arn:aws:iam::123456789012:role/one\nsource_profile = base\n\n[profile chain]\nregion = us-east-1\nrole_arn = arn:aws:iam::123456789012:role/two\nsource_profile = role\n",
            KEYS,
            &[],
            Some("chain"),
            Expect::Same,
        ),
        s(
            "credential_source = Environment",
            "[profile envrole]\nregion = us-east-1\nrole_arn = arn:aws:iam::123456789012:role/env\ncredential_source = Environment\n",
            "",
            ENV_KEYS,
            Some("envrole"),
            Expect::Same,
        ),
        s(
            "credential_process",
            "[profile proc]\nregion = us-east-1\ncredential_process = printf '{\"Version\":1,\"AccessKeyId\":\"AKIAPROCESS000000001\",\"SecretAccessKey\":\"p\"}'\n",
            "",
            &[],
            Some("proc"),
            Expect::Same,
        ),
        s(
            "web identity from a profile (web_identity_token_file)",
            "[profile ci]\nregion = us-east-1\nrole_arn = arn:aws:iam::123456789012:role/ci-oidc\nweb_identity_token_file = {cfg}/token\n",
            "",
            &[],
            Some("ci"),
            Expect::Same,
        ),
        Scenario {
            name: "a web identity profile as the source of a role (CI's cross-account deploy role)",
            config: "[profile ci]\nregion = us-east-1\nrole_arn = arn:aws:iam::123456789012:role/ci-oidc\nweb_identity_token_file = {cfg}/token\n\n[profile deploy]\nregion = us-east-1\nrole_arn = arn:aws:iam::123456789012:role/cross-deploy\nsource_profile = ci\n",
            credentials: "",
            env: &[],
            profile: Some("deploy"),
            mfa: None,
            expect: Expect::Same,
            assume_role_params: &["cross-deploy"],
        },
        Scenario {
            name: "mfa_serial (the same code given to both)",
            config: "[profile mfa]\nregion = us-east-1\nrole_arn = arn:aws:iam::123456789012:role/mfa\nsource_profile = base\nmfa_serial = arn:aws:iam::123456789012:mfa/alice\n",
            credentials: KEYS,
            env: &[],
            profile: Some("mfa"),
            mfa: Some("123456"),
            expect: Expect::Same,
            assume_role_params: &[
                "SerialNumber=arn%3Aaws%3Aiam%3A%3A123456789012%3Amfa%2Falice",
                "TokenCode=123456",
            ],
        },
        Scenario {
            name: "duration_seconds, external_id and role_session_name",
            config: "[profile long]\nregion = us-east-1\nrole_arn = arn:aws:iam::123456789012:role/long\nsource_profile = base\nduration_seconds = 7200\nexternal_id = ext-42\nrole_session_name = diff-session\n",
            credentials: KEYS,
            env: &[],
            profile: Some("long"),
            mfa: None,
            expect: Expect::Same,
            assume_role_params: &[
                "DurationSeconds=7200",
                "ExternalId=ext-42",
                "RoleSessionName=diff-session",
            ],
        },
        s(
            "region from the profile",
            "[profile dev]\nregion = sa-east-1\n",
            KEYS,
            &[],
            Some("dev"),
            Expect::Same,
        ),
        s(
            "region from AWS_DEFAULT_REGION",
            "[default]\n",
            KEYS,
            &[("AWS_DEFAULT_REGION", "eu-central-1")],
            None,
            Expect::Same,
        ),
        s(
            "AWS_DEFAULT_REGION over the profile's region",
            "[default]\nregion = us-east-1\n",
            KEYS,
            &[("AWS_DEFAULT_REGION", "eu-north-1")],
            None,
            Expect::Same,
        ),
        s(
            "region from AWS_REGION (boto3 reads only AWS_DEFAULT_REGION)",
            "[default]\nregion = us-east-1\n",
            KEYS,
            &[("AWS_REGION", "eu-west-3")],
            None,
            Expect::RegionDiffers("eu-west-3", "us-east-1"),
        ),
        s(
            "an unknown profile",
            "[default]\nregion = us-east-1\n",
            KEYS,
            &[],
            Some("nope"),
            Expect::BothFail,
        ),
        s(
            "an empty credentials file",
            "[default]\nregion = us-east-1\n",
            "",
            &[],
            None,
            Expect::BothFail,
        ),
        s(
            "a profile without credentials",
            "[profile bare]\nregion = us-east-1\n",
            "",
            &[],
            Some("bare"),
            Expect::BothFail,
        ),
        s(
            "an SSO profile with no cached token",
            "[profile sso]\nregion = us-east-1\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Dev\n\n[sso-session corp]\nsso_region = us-east-1\nsso_start_url = https://example.awsapps.com/start\n",
            "",
            &[],
            Some("sso"),
            Expect::BothFail,
        ),
        // ---- Where deployments run: each source on its local endpoint ----
        s(
            "ECS task: container credentials, full URI and token",
            "[default]\nregion = us-east-1\n",
            "",
            &[
                ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "{container}"),
                (
                    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
                    strands_testkit::CONTAINER_TOKEN,
                ),
            ],
            None,
            Expect::Same,
        ),
        s(
            "EKS Pod Identity: container credentials, token file",
            "[default]\nregion = us-east-1\n",
            "",
            &[
                ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "{container}"),
                ("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "{cfg}/pod-token"),
            ],
            None,
            Expect::Same,
        ),
        s(
            "EC2 instance role over IMDSv2",
            "[default]\nregion = us-east-1\n",
            "",
            IMDS_ON,
            None,
            Expect::Same,
        ),
        s(
            "SSO with sso_session, a cached token",
            "[profile corp]\nregion = us-east-1\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Deploy\n\n[sso-session corp]\nsso_region = us-east-1\nsso_start_url = https://corp.awsapps.com/start\n",
            "",
            SSO_PORTAL,
            Some("corp"),
            Expect::Same,
        ),
        s(
            "SSO with the legacy sso_start_url keys, a cached token",
            "[profile legacy]\nregion = us-east-1\nsso_start_url = https://legacy.awsapps.com/start\nsso_region = us-east-1\nsso_account_id = 111122223333\nsso_role_name = Deploy\n",
            "",
            SSO_PORTAL,
            Some("legacy"),
            Expect::Same,
        ),
        s(
            "role from ECS container credentials (credential_source = EcsContainer)",
            "[profile deploy]\nregion = us-east-1\nrole_arn = arn:aws:iam::123456789012:role/Deploy\ncredential_source = EcsContainer\n",
            "",
            &[
                ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "{container}"),
                (
                    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
                    strands_testkit::CONTAINER_TOKEN,
                ),
            ],
            Some("deploy"),
            Expect::Same,
        ),
        s(
            "role from the EC2 instance (credential_source = Ec2InstanceMetadata)",
            "[profile deploy]\nregion = us-east-1\nrole_arn = arn:aws:iam::123456789012:role/Deploy\ncredential_source = Ec2InstanceMetadata\n",
            "",
            IMDS_ON,
            Some("deploy"),
            Expect::Same,
        ),
        s(
            "role from an SSO profile (source_profile = corp)",
            "[profile deploy]\nregion = us-east-1\nrole_arn = arn:aws:iam::123456789012:role/Deploy\nsource_profile = corp\n\n[profile corp]\nregion = us-east-1\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Deploy\n\n[sso-session corp]\nsso_region = us-east-1\nsso_start_url = https://corp.awsapps.com/start\n",
            "",
            SSO_PORTAL,
            Some("deploy"),
            Expect::Same,
        ),
        s(
            "an `aws login` session (login_session), a cached token",
            LOGIN_PROFILE,
            "",
            LOGIN,
            Some("console"),
            LOGIN_EXPECT,
        ),
        s(
            "role from an `aws login` profile (source_profile = console)",
            "[profile deploy]\nregion = us-east-1\nrole_arn = arn:aws:iam::123456789012:role/Deploy\nsource_profile = console\n\n[profile console]\nregion = us-east-1\nlogin_session = arn:aws:iam::123456789012:user/Admin\n",
            "",
            LOGIN,
            Some("deploy"),
            LOGIN_EXPECT,
        ),
        s(
            "a container endpoint given the wrong token",
            "[default]\nregion = us-east-1\n",
            "",
            &[
                ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "{container}"),
                ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "not-the-token"),
            ],
            None,
            Expect::BothFail,
        ),
        s(
            "a source_profile loop",
            "[profile a]\nregion = us-east-1\nrole_arn = arn:aws:iam::123456789012:role/a\nsource_profile = b\n\n[profile b]\nrole_arn = arn:aws:iam::123456789012:role/b\nsource_profile = a\n",
            "",
            &[],
            Some("a"),
            Expect::BothFail,
        ),
        s(
            "a misspelt region",
            "[default]\nregion = us-est-1\n",
            KEYS,
            &[],
            None,
            Expect::StrandsRefuses,
        ),
        s(
            "AWS_PROFILE set but empty (boto3: profile \"\" not found)",
            "[default]\nregion = us-east-1\n",
            KEYS,
            &[("AWS_PROFILE", "")],
            None,
            Expect::StrandsAccepts,
        ),
    ]
}

fn python() -> PathBuf {
    strands_testkit::moto_server_path().with_file_name("python")
}

/// The answer of one tool: `{"ok": true, "arn", "key", "region"}` or
/// `{"ok": false, "error"}`.
fn answer(text: &str, marker: &str) -> Value {
    let line = text
        .lines()
        .find_map(|l| l.split_once(marker).map(|(_, rest)| rest))
        .unwrap_or_else(|| panic!("no {marker:?} line in:\n{text}"));
    serde_json::from_str(line.trim()).unwrap()
}

/// Whether the scenario's source is one of the local credential endpoints
/// (each must be asked exactly once per start).
fn uses_endpoints(sc: &Scenario) -> bool {
    sc.env
        .iter()
        .any(|(_, v)| v.contains("{container}") || v.contains("{meta}"))
}

/// `aws sso login`'s cache entry: `~/.aws/sso/cache/<sha1 of key>.json`,
/// keyed by the sso-session name or, for the legacy keys, the start URL.
fn write_sso_token(home: &Path, key: &str, start_url: &str) {
    use sha1::Digest;
    let name = sha1::Sha1::digest(key.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>();
    let dir = home.join(".aws/sso/cache");
    std::fs::create_dir_all(&dir).unwrap();
    let expires = strands_testkit::rfc3339(
        std::time::SystemTime::now() + std::time::Duration::from_secs(8 * 3600),
    );
    let doc = serde_json::json!({
        "startUrl": start_url,
        "region": "us-east-1",
        "accessToken": strands_testkit::SSO_ACCESS_TOKEN,
        "expiresAt": expires,
    });
    std::fs::write(dir.join(format!("{name}.json")), doc.to_string()).unwrap();
}

fn setup(dir: &Path, sc: &Scenario, meta: &CredentialEndpoints) -> Vec<(String, String)> {
    let cfg = dir.join("cfg");
    let home = dir.join("home");
    std::fs::create_dir_all(&cfg).unwrap();
    std::fs::create_dir_all(home.join(".aws")).unwrap();
    // A web identity token, as GitHub Actions' OIDC step writes one.
    std::fs::write(
        cfg.join("token"),
        "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOnN0cmFuZHMifQ.c2ln",
    )
    .unwrap();
    std::fs::write(
        cfg.join("config"),
        sc.config.replace("{cfg}", &cfg.display().to_string()),
    )
    .unwrap();
    std::fs::write(cfg.join("credentials"), sc.credentials).unwrap();
    // EKS Pod Identity's token file.
    std::fs::write(cfg.join("pod-token"), strands_testkit::CONTAINER_TOKEN).unwrap();
    if sc.env.iter().any(|(k, _)| *k == "STRANDS_DIFF_LOGGED_IN") {
        write_login_token(&home, "arn:aws:iam::123456789012:user/Admin");
    }
    // `aws sso login` was run only where the portal is up.
    if sc.env.iter().any(|(k, _)| *k == "AWS_ENDPOINT_URL_SSO") {
        write_sso_token(&home, "corp", "https://corp.awsapps.com/start");
        write_sso_token(
            &home,
            "https://legacy.awsapps.com/start",
            "https://legacy.awsapps.com/start",
        );
    }
    // A decoy: a tool that ignores AWS_CONFIG_FILE finds this key.
    std::fs::write(
        home.join(".aws/credentials"),
        "[default]\naws_access_key_id = AKIADECOY00000000001\naws_secret_access_key = x\n",
    )
    .unwrap();
    let mut env = vec![
        ("HOME".to_owned(), home.display().to_string()),
        (
            "AWS_CONFIG_FILE".to_owned(),
            cfg.join("config").display().to_string(),
        ),
        (
            "AWS_SHARED_CREDENTIALS_FILE".to_owned(),
            cfg.join("credentials").display().to_string(),
        ),
        ("AWS_EC2_METADATA_DISABLED".to_owned(), "true".to_owned()),
    ];
    for (k, v) in sc.env {
        let v = v
            .replace("{cfg}", &cfg.display().to_string())
            .replace("{container}", &meta.container_uri())
            .replace("{meta}", &meta.url());
        env.retain(|(old, _)| old != k);
        env.push(((*k).to_owned(), v));
    }
    env
}

fn run_boto3(env: &[(String, String)], moto: &str, sc: &Scenario) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/differential/boto3_resolve.py");
    let mut cmd = Command::new(python());
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("AWS_") {
            cmd.env_remove(k);
        }
    }
    cmd.arg(script)
        .arg(sc.profile.unwrap_or(""))
        .arg(sc.mfa.unwrap_or(""))
        .env("AWS_ENDPOINT_URL", moto)
        .env("AWS_MAX_ATTEMPTS", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    answer(&format!("BOTO3 {text}"), "BOTO3 ")
}

fn run_strands(env: &[(String, String)], moto: &str, sc: &Scenario) -> Value {
    let mut vars: Vec<(&str, &std::ffi::OsStr)> =
        env.iter().map(|(k, v)| (k.as_str(), v.as_ref())).collect();
    vars.push(("AWS_ENDPOINT_URL", moto.as_ref()));
    vars.push(("AWS_MAX_ATTEMPTS", "1".as_ref()));
    vars.push(("STRANDS_DIFF_PROFILE", sc.profile.unwrap_or("").as_ref()));
    vars.push(("STRANDS_DIFF_MFA", sc.mfa.unwrap_or("").as_ref()));
    let (_, text) = strands_testkit::run_test_in_child("child_resolve", CHILD, &vars).unwrap();
    answer(&text, "STRANDS_RESULT ")
}

#[test]
fn boto3_and_strands_resolve_the_same_configurations() {
    let moto = MotoServer::builder().record(true).start().unwrap();
    let meta = CredentialEndpoints::start().unwrap();
    let scenarios = scenarios();
    assert!(scenarios.len() >= 30);
    let mut wrong = Vec::new();
    for (i, sc) in scenarios.iter().enumerate() {
        let dir = std::env::temp_dir().join(format!("strands-diff-{}-{i}", std::process::id()));
        let env = setup(&dir, sc, &meta);
        let before = moto.recorded_requests().len();
        let served0 = meta.served();
        let b = run_boto3(&env, moto.endpoint_url(), sc);
        let mid = moto.recorded_requests().len();
        let served1 = meta.served();
        let s = run_strands(&env, moto.endpoint_url(), sc);
        let served2 = meta.served();
        // Each start asks its source once, whichever tool starts.
        let asked = usize::from(uses_endpoints(sc) && sc.expect == Expect::Same);
        for (who, n) in [("boto3", served1 - served0), ("strands", served2 - served1)] {
            if n != asked {
                wrong.push(format!(
                    "{}: {who} asked the credential endpoint {n} times, not {asked}",
                    sc.name
                ));
            }
        }
        let all = moto.recorded_requests();
        let _ = std::fs::remove_dir_all(&dir);
        let ok = |v: &Value| v["ok"].as_bool() == Some(true);
        let verdict = match sc.expect {
            Expect::Same => {
                let assumed = b["arn"]
                    .as_str()
                    .is_some_and(|a| a.contains(":assumed-role/"));
                ok(&b)
                    && ok(&s)
                    && b["region"] == s["region"]
                    && if assumed {
                        // Assumed-role keys are fresh per session.
                        role_part(&b["arn"]) == role_part(&s["arn"])
                            && (sc.config.contains("role_session_name") == (b["arn"] == s["arn"]))
                    } else {
                        b["arn"] == s["arn"] && b["key"] == s["key"]
                    }
            }
            Expect::StrandsAccepts => !ok(&b) && ok(&s),
            Expect::BothFail => !ok(&b) && !ok(&s),
            Expect::StrandsRefuses => ok(&b) && !ok(&s),
            Expect::RegionDiffers(strands, boto3) => {
                ok(&b)
                    && ok(&s)
                    && b["key"] == s["key"]
                    && s["region"] == strands
                    && b["region"] == boto3
            }
        };
        // The AssumeRole parameters each tool sent.
        for p in sc.assume_role_params {
            for (who, reqs) in [("boto3", &all[before..mid]), ("strands", &all[mid..])] {
                let sent = reqs
                    .iter()
                    .any(|(a, body)| a == "AssumeRole" && body.contains(p));
                if !sent {
                    wrong.push(format!("{}: {who} did not send {p}", sc.name));
                }
            }
        }
        if let Some((_, words)) = SOURCE_WORDS.iter().find(|(n, _)| *n == sc.name)
            && ok(&s)
            && s["source"] != *words
        {
            wrong.push(format!(
                "{}: preflight says {}, not {words:?}",
                sc.name, s["source"]
            ));
        }
        println!("{:<60} boto3 {b}\n{:<60} strands {s}", sc.name, "");
        if !verdict {
            wrong.push(format!(
                "{} ({:?}):\n  boto3:   {b}\n  strands: {s}",
                sc.name, sc.expect
            ));
        }
    }
    // The endpoints checked what real ones check: the wrong container
    // token was refused for each tool, and every IMDS start made the
    // IMDSv2 token handshake (two scenarios, two tools).
    assert!(meta.refused() >= 2, "refused {}", meta.refused());
    assert!(
        meta.imds_tokens() >= 4,
        "IMDS tokens {}",
        meta.imds_tokens()
    );
    assert!(
        wrong.is_empty(),
        "{} disagreements:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[tokio::test]
async fn child_resolve() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let mut b = AwsClientManager::builder();
    if let Some(p) = var("STRANDS_DIFF_PROFILE") {
        b = b.profile(p);
    }
    if let Some(code) = var("STRANDS_DIFF_MFA") {
        b = b.mfa_token(MfaToken::fixed(code));
    }
    let result = async {
        let m = b.build().await?;
        let id = m.validate_credentials().await?;
        let c = m.credentials().await?;
        // Where preflight says the credentials came from.
        let report = m.preflight().await.to_json();
        let source = report["checks"]
            .as_array()
            .and_then(|cs| cs.iter().find(|c| c["name"] == "credentials"))
            .and_then(|c| c["detail"].as_str())
            .and_then(|d| d.split_once(", from ").map(|(_, s)| s.to_owned()))
            .unwrap_or_default();
        Ok::<_, strands_errors::DeploymentError>(serde_json::json!({
            "ok": true,
            "arn": id.user_arn,
            "key": c.access_key_id(),
            "region": m.region(),
            "source": source,
        }))
    }
    .await;
    let out = result.unwrap_or_else(|e| serde_json::json!({ "ok": false, "error": e.code() }));
    println!("STRANDS_RESULT {out}");
}
