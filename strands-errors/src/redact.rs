//! Never a secret in a message. Every string that enters a
//! `DeploymentError` (message, cause, suggestions, context values) passes
//! through [`redact`] first, so no output path (Display, Debug, the seed's
//! message, `to_dict`, miette, tracing) can leak what it was given.
//!
//! What counts as a secret: values after a secret-bearing key
//! (`aws_secret_access_key=`, `aws_session_token:`, `X-Amz-Security-Token=`),
//! SigV4 signatures and credential scopes (`Signature=`, `X-Amz-Signature=`,
//! `Credential=`), and bare strings shaped like a secret key (40 base64
//! characters) or a session token (100 or more). Access key ids are not
//! secret (they name a key, AWS prints them) and stay visible.

use regex::Regex;
use std::borrow::Cow;
use std::sync::LazyLock;

/// What replaces a secret.
pub const REDACTED: &str = "[REDACTED]";

static KEYED: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)((?:aws_secret_access_key|secret_access_key|secretaccesskey|aws_session_token|session_token|sessiontoken|x-amz-security-token|x-amz-signature|signature|credential)["']?[ \t]*[=:][ \t]*["']?)[^ \t\r\n"',&;]+"#,
    )
    .ok()
});

static BARE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    // A secret key is 40 base64 characters; a session token is much longer.
    // Bounded by non-base64 characters so ARNs and words are left alone.
    Regex::new(
        r"(?:^|[^A-Za-z0-9/+=])([A-Za-z0-9/+]{40}|[A-Za-z0-9/+=]{100,})(?:$|[^A-Za-z0-9/+=])",
    )
    .ok()
});

/// `text` with every secret replaced by `[REDACTED]`.
pub fn redact(text: &str) -> Cow<'_, str> {
    let mut out = Cow::Borrowed(text);
    if let Some(re) = KEYED.as_ref()
        && re.is_match(&out)
    {
        out = Cow::Owned(
            re.replace_all(&out, format!("${{1}}{REDACTED}"))
                .into_owned(),
        );
    }
    if let Some(re) = BARE.as_ref()
        && re.is_match(&out)
    {
        let replaced = re
            .replace_all(&out, |c: &regex::Captures<'_>| {
                let whole = &c[0];
                let secret = &c[1];
                whole.replacen(secret, REDACTED, 1)
            })
            .into_owned();
        out = Cow::Owned(replaced);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    /// A pattern that fails to compile would silently redact nothing.
    #[test]
    fn patterns_compile() {
        assert!(KEYED.is_some());
        assert!(BARE.is_some());
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
        ] {
            let out = redact(&input);
            assert!(out.contains(REDACTED), "{input} -> {out}");
            assert!(!out.contains(SECRET), "{out}");
            assert!(!out.contains(&token), "{out}");
            assert!(!out.contains("fe5f80f77d5fa3beca038a248ff027"), "{out}");
            assert!(!out.contains("abcdef0123456789"), "{out}");
        }
    }

    #[test]
    fn ordinary_text_arns_and_key_ids_stay() {
        for s in [
            "User: arn:aws:iam::123456789012:user/alice is not authorized to perform lambda:CreateFunction",
            "access key AKIAIOSFODNN7EXAMPLE was rotated",
            "Function not found: arn:aws:lambda:us-east-1:123456789012:function:my-function",
        ] {
            assert_eq!(redact(s), s);
        }
    }
}
