//! Who the credentials belong to: the answer of STS GetCallerIdentity (or
//! of AssumeRole, for an assumed role).

/// The account, ARN and unique id behind a set of credentials.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct CallerIdentity {
    /// The 12-digit account id.
    pub account_id: String,
    /// The caller's ARN (`arn:aws:iam::123456789012:user/alice`, or
    /// `arn:aws:sts::123456789012:assumed-role/ROLE/SESSION`).
    pub user_arn: String,
    /// The unique id (`AIDA...`, or `AROA...:SESSION`).
    pub user_id: String,
}
