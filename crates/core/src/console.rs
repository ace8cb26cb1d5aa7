//! Links into the AWS console for a resource, so the operator who has found something in
//! sagescope lands on the same resource in the console with one key (`o`) or from an export.
//!
//! A console URL names the region and the resource but never the account: the console shows
//! whichever account the browser is signed in to. That is why the TUI says which account the
//! link is for when it copies one.

use crate::model::ResourceKind;

/// The console page of one SageMaker resource, from its kind, region and ARN.
///
/// The ARN rather than the name, because a Studio user profile's page needs its domain id,
/// which only the ARN (`…:user-profile/<domain-id>/<name>`) carries. `None` when the ARN does
/// not have the shape SageMaker gives that kind.
pub fn resource_url(kind: ResourceKind, region: &str, arn: &str) -> Option<String> {
    let path = arn_resource_path(arn, kind.arn_segment())?;
    let fragment = match kind {
        ResourceKind::Training => format!("jobs/{}", encode(path)),
        ResourceKind::Processing => format!("processing-jobs/{}", encode(path)),
        ResourceKind::Transform => format!("transform-jobs/{}", encode(path)),
        ResourceKind::Tuning => format!("hyper-tuning-jobs/{}", encode(path)),
        ResourceKind::Endpoint => format!("endpoints/{}", encode(path)),
        ResourceKind::Notebook => format!("notebook-instances/{}", encode(path)),
        ResourceKind::Model => format!("models/{}", encode(path)),
        ResourceKind::EndpointConfig => format!("endpointConfig/{}", encode(path)),
        ResourceKind::Domain => format!("studio/{}", encode(path)),
        // The domain's page lists its user profiles, spaces and apps; the ARN's path starts
        // with the domain id (`<domain-id>/<profile>`, `<domain-id>/<space>`,
        // `<domain-id>/<owner-type>/<owner>/<app-type>/<app>`).
        ResourceKind::UserProfile | ResourceKind::Space | ResourceKind::App => {
            let (domain, _rest) = path.split_once('/')?;
            format!("studio/{}", encode(domain))
        }
        // Pages that live in Studio rather than the console, and kinds whose console page is
        // not addressed by what the ARN holds (a component's page hangs off its endpoint's,
        // a cluster's off its id): no link is better than a wrong one.
        ResourceKind::InferenceComponent
        | ResourceKind::HyperPodCluster
        | ResourceKind::Pipeline
        | ResourceKind::ModelPackageGroup
        | ResourceKind::FeatureGroup
        | ResourceKind::Experiment => return None,
    };
    Some(format!(
        "{}/sagemaker/home?region={}#/{fragment}",
        console_origin(region),
        encode(region)
    ))
}

/// Cost Explorer's page, for rows that are money rather than a resource (the Spend pane).
/// Cost Explorer is a global service; its console lives in us-east-1 on the commercial
/// partition.
pub fn cost_explorer_url(region: &str) -> String {
    match partition(region) {
        Partition::Aws => {
            "https://us-east-1.console.aws.amazon.com/costmanagement/home#/cost-explorer".into()
        }
        _ => format!(
            "{}/costmanagement/home#/cost-explorer",
            console_origin(region)
        ),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Partition {
    Aws,
    China,
    GovCloud,
}

fn partition(region: &str) -> Partition {
    if region.starts_with("cn-") {
        Partition::China
    } else if region.starts_with("us-gov-") {
        Partition::GovCloud
    } else {
        Partition::Aws
    }
}

/// The console's scheme and host for a region: regional hosts on the commercial partition,
/// one host each for China and GovCloud.
fn console_origin(region: &str) -> String {
    match partition(region) {
        Partition::Aws => format!("https://{}.console.aws.amazon.com", encode(region)),
        Partition::China => "https://console.amazonaws.cn".into(),
        Partition::GovCloud => "https://console.amazonaws-us-gov.com".into(),
    }
}

/// What follows `<segment>/` in an ARN (`arn:partition:sagemaker:region:account:segment/path`).
fn arn_resource_path<'a>(arn: &'a str, segment: &str) -> Option<&'a str> {
    let resource = arn.splitn(6, ':').nth(5)?;
    let path = resource.strip_prefix(segment)?.strip_prefix('/')?;
    (!path.is_empty()).then_some(path)
}

/// Percent-encodes everything but RFC 3986's unreserved characters, so a name or region can
/// never change the URL's structure (SageMaker names are `[a-zA-Z0-9-]` today; the ARN comes
/// from AWS and is treated as data all the same).
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// Any ARN and region text: a link or none, never a panic, and what comes from the
        /// ARN or the region can never leave the URL's fragment or query (no raw `#`, `?`,
        /// `/`, `&` or space past the origin's path).
        #[test]
        fn any_arn_gives_a_safe_link_or_none(
            kind in proptest::sample::select(ResourceKind::ALL.to_vec()),
            region in "[a-z]{2}-[a-z]{4,7}-[0-9]|cn-north-1|us-gov-west-1|\\PC{0,12}",
            arn in "arn:aws:sagemaker:[a-z0-9-]{0,12}:[0-9]{0,12}:[a-z-]{0,30}/\\PC{0,20}|\\PC{0,40}",
        ) {
            if let Some(url) = resource_url(kind, &region, &arn) {
                let (_, fragment) = url.split_once("#/").expect("a fragment");
                let data = fragment.split_once('/').map_or("", |(_, d)| d);
                proptest::prop_assert!(
                    !data.contains(['#', '?', '&', ' ', '/']),
                    "{}", url
                );
            }
        }
    }

    #[test]
    fn each_job_kind_opens_its_own_console_page() {
        let cases = [
            (
                ResourceKind::Training,
                "arn:aws:sagemaker:eu-west-1:111111111111:training-job/bert-ft-7",
                "https://eu-west-1.console.aws.amazon.com/sagemaker/home?region=eu-west-1#/jobs/bert-ft-7",
            ),
            (
                ResourceKind::Processing,
                "arn:aws:sagemaker:eu-west-1:111111111111:processing-job/prep-3",
                "https://eu-west-1.console.aws.amazon.com/sagemaker/home?region=eu-west-1#/processing-jobs/prep-3",
            ),
            (
                ResourceKind::Transform,
                "arn:aws:sagemaker:eu-west-1:111111111111:transform-job/score-9",
                "https://eu-west-1.console.aws.amazon.com/sagemaker/home?region=eu-west-1#/transform-jobs/score-9",
            ),
            (
                ResourceKind::Tuning,
                "arn:aws:sagemaker:eu-west-1:111111111111:hyper-parameter-tuning-job/hpo-1",
                "https://eu-west-1.console.aws.amazon.com/sagemaker/home?region=eu-west-1#/hyper-tuning-jobs/hpo-1",
            ),
            (
                ResourceKind::Endpoint,
                "arn:aws:sagemaker:eu-west-1:111111111111:endpoint/churn-prod",
                "https://eu-west-1.console.aws.amazon.com/sagemaker/home?region=eu-west-1#/endpoints/churn-prod",
            ),
            (
                ResourceKind::Notebook,
                "arn:aws:sagemaker:eu-west-1:111111111111:notebook-instance/alice-nb",
                "https://eu-west-1.console.aws.amazon.com/sagemaker/home?region=eu-west-1#/notebook-instances/alice-nb",
            ),
            (
                ResourceKind::Domain,
                "arn:aws:sagemaker:eu-west-1:111111111111:domain/d-abc123",
                "https://eu-west-1.console.aws.amazon.com/sagemaker/home?region=eu-west-1#/studio/d-abc123",
            ),
            (
                ResourceKind::UserProfile,
                "arn:aws:sagemaker:eu-west-1:111111111111:user-profile/d-abc123/alice",
                "https://eu-west-1.console.aws.amazon.com/sagemaker/home?region=eu-west-1#/studio/d-abc123",
            ),
        ];
        for (kind, arn, expected) in cases {
            assert_eq!(
                resource_url(kind, "eu-west-1", arn).as_deref(),
                Some(expected),
                "{kind:?}"
            );
        }
    }

    #[test]
    fn china_and_govcloud_regions_use_their_partitions_console() {
        assert_eq!(
            resource_url(
                ResourceKind::Endpoint,
                "cn-north-1",
                "arn:aws-cn:sagemaker:cn-north-1:111111111111:endpoint/e"
            )
            .as_deref(),
            Some("https://console.amazonaws.cn/sagemaker/home?region=cn-north-1#/endpoints/e")
        );
        assert_eq!(
            resource_url(
                ResourceKind::Endpoint,
                "us-gov-west-1",
                "arn:aws-us-gov:sagemaker:us-gov-west-1:111111111111:endpoint/e"
            )
            .as_deref(),
            Some(
                "https://console.amazonaws-us-gov.com/sagemaker/home?region=us-gov-west-1#/endpoints/e"
            )
        );
    }

    #[test]
    fn an_arn_of_another_shape_gives_no_link() {
        assert_eq!(
            resource_url(ResourceKind::Training, "us-east-1", "nonsense"),
            None
        );
        assert_eq!(
            resource_url(
                ResourceKind::Training,
                "us-east-1",
                "arn:aws:sagemaker:us-east-1:111111111111:endpoint/e"
            ),
            None,
            "an endpoint ARN is not a training job's"
        );
        assert_eq!(
            resource_url(
                ResourceKind::UserProfile,
                "us-east-1",
                "arn:aws:sagemaker:us-east-1:111111111111:user-profile/no-slash"
            ),
            None
        );
    }

    #[test]
    fn characters_that_would_change_the_url_are_encoded() {
        let url = resource_url(
            ResourceKind::Training,
            "us-east-1",
            "arn:aws:sagemaker:us-east-1:111111111111:training-job/a#b?c d\u{1b}",
        )
        .expect("a training ARN");
        assert!(url.ends_with("#/jobs/a%23b%3Fc%20d%1B"), "{url}");
    }

    #[test]
    fn cost_explorer_lives_in_us_east_1_on_the_commercial_partition() {
        assert_eq!(
            cost_explorer_url("eu-west-1"),
            "https://us-east-1.console.aws.amazon.com/costmanagement/home#/cost-explorer"
        );
        assert_eq!(
            cost_explorer_url("cn-northwest-1"),
            "https://console.amazonaws.cn/costmanagement/home#/cost-explorer"
        );
    }
}
