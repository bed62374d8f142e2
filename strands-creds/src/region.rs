//! Region names, checked before any request. aws-config never validates a
//! region: a typo such as `us-est-1` ends in a DNS failure minutes of retries
//! later. We check the shape, then the list of regions we know, and offer
//! the nearest known name.
//!
//! A well-formed region we do not know and that is not one edit or two from
//! a known one is accepted with a warning: AWS adds regions faster than this
//! list is released, and refusing a real new region would be worse than
//! letting DNS answer.

use crate::error::CredsError;
use crate::text::edit_distance;
use strands_errors::DeploymentError;

/// The public regions of the aws, aws-cn and aws-us-gov partitions.
pub const KNOWN_REGIONS: &[&str] = &[
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "cn-north-1",
    "cn-northwest-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-gov-east-1",
    "us-gov-west-1",
    "us-west-1",
    "us-west-2",
];

/// Check `region` locally.
/// The longest region name accepted (today's longest is 14 characters);
/// a longer one is refused before any work, and shown cut.
const MAX_REGION_LEN: usize = 32;

pub(crate) fn check_region(region: &str) -> Result<(), DeploymentError> {
    if KNOWN_REGIONS.contains(&region) {
        return Ok(());
    }
    if region.len() > MAX_REGION_LEN {
        let shown: String = region.chars().take(MAX_REGION_LEN).collect();
        return Err(CredsError::InvalidRegion {
            region: format!("{shown}… ({} characters)", region.chars().count()),
            suggestion: None,
            malformed: true,
        }
        .into());
    }
    let nearest = nearest(region);
    if !well_formed(region) {
        return Err(CredsError::InvalidRegion {
            region: region.to_owned(),
            suggestion: nearest.map(str::to_owned),
            malformed: true,
        }
        .into());
    }
    match nearest {
        Some(n) if edit_distance(region, n) <= 2 => Err(CredsError::InvalidRegion {
            region: region.to_owned(),
            suggestion: Some(n.to_owned()),
            malformed: false,
        }
        .into()),
        _ => {
            tracing::warn!(
                region,
                "region is not in strands' list of known regions; using it as given"
            );
            Ok(())
        }
    }
}

/// `xx-name-N` or `xx-gov-name-N` (lowercase letters, a digit suffix).
fn well_formed(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    let Some((last, rest)) = parts.split_last() else {
        return false;
    };
    (2..=4).contains(&rest.len())
        && !last.is_empty()
        && last.chars().all(|c| c.is_ascii_digit())
        && rest
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && rest[0].len() == 2
}

/// The known region closest to `region`, if any is within 4 edits.
fn nearest(region: &str) -> Option<&'static str> {
    let lower = region.to_ascii_lowercase();
    KNOWN_REGIONS
        .iter()
        .map(|k| (edit_distance(&lower, k), *k))
        .filter(|(d, _)| *d <= 4)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

#[cfg(test)]
mod tests {
    use super::*;
    use strands_errors::ErrorCategory;

    #[test]
    fn known_regions_pass_and_typos_get_a_suggestion() {
        assert!(check_region("us-east-1").is_ok());
        assert!(check_region("us-gov-west-1").is_ok());
        let e = check_region("us-est-1").unwrap_err();
        assert_eq!(e.category(), ErrorCategory::Configuration);
        assert_eq!(e.code(), "strands::configuration::invalid_region");
        assert!(
            e.message().contains("did you mean us-east-1?"),
            "{}",
            e.message()
        );
        let e = check_region("US-EAST-1").unwrap_err();
        assert!(e.message().contains("us-east-1"), "{}", e.message());
        assert!(check_region("").is_err());
        assert!(check_region("east").is_err());
        assert!(check_region("us-east-1 ").is_err());
    }

    #[test]
    fn unknown_but_well_formed_far_regions_pass() {
        assert!(check_region("zz-newplace-9").is_ok());
    }

    #[test]
    fn shapes() {
        assert!(well_formed("ap-southeast-7"));
        assert!(well_formed("us-gov-east-1"));
        assert!(!well_formed("us-east"));
        assert!(!well_formed("USEAST1"));
        assert_eq!(edit_distance("us-est-1", "us-east-1"), 1);
    }
}
