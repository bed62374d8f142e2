//! Two small text helpers the messages need, in a leaf module so the error
//! table and the checks that use them import one place, not each other.

/// `http://admin:pw@host/` → `http://admin:***@host/`: a URL's password
/// never reaches a message or a Debug output.
pub(crate) fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        // No scheme: the authority is everything before the first '/'.
        return mask_userinfo(url);
    };
    format!("{scheme}://{}", mask_userinfo(rest))
}

fn mask_userinfo(rest: &str) -> String {
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or_default();
            let masked = if userinfo.contains(':') {
                format!("{user}:***")
            } else {
                user.to_owned()
            };
            format!("{masked}@{host}{tail}")
        }
        None => rest.to_owned(),
    }
}

/// Levenshtein distance over bytes (region names are ASCII).
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// `2026-12-03T17:00:00Z`: how credential expiries are written for other
/// tools (`credential_process`'s `Expiration`, `AWS_CREDENTIAL_EXPIRATION`).
pub(crate) fn rfc3339(t: std::time::SystemTime) -> Option<String> {
    use aws_smithy_types::DateTime;
    use aws_smithy_types::date_time::Format;
    DateTime::from(t).fmt(Format::DateTime).ok()
}
