//! What a person sees when `build()` refuses: pinned with insta (the Python module's
//! plain layout and the miette report, no colour, width 80).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use strands_creds::{AssumeRoleConfig, AwsClientManager};
use strands_errors::DeploymentError;

fn report(e: &DeploymentError) -> String {
    strands_testkit::render_report(e)
}

async fn refused(b: strands_creds::AwsClientManagerBuilder) -> DeploymentError {
    b.endpoint_url("http://127.0.0.1:9")
        .credentials_provider(aws_credential_types::Credentials::new(
            "AKIAX", "y", None, None, "t",
        ))
        .build()
        .await
        .unwrap_err()
}

#[tokio::test]
async fn refusals_read_well() {
    let cases = [
        (
            "region_typo",
            refused(AwsClientManager::builder().region("us-est-1")).await,
        ),
        (
            "region_malformed",
            refused(AwsClientManager::builder().region("useast1")).await,
        ),
        (
            "role_arn",
            refused(AwsClientManager::builder().region("us-east-1").assume_role(
                AssumeRoleConfig::new("arn:aws:iam::123456789012:user/alice"),
            ))
            .await,
        ),
    ];
    for (name, e) in cases {
        insta::assert_snapshot!(format!("{name}_message"), e.to_user_message());
        insta::assert_snapshot!(format!("{name}_report"), report(&e));
    }
}
