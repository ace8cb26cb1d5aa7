//! Live prices from the AWS Price List API (`pricing:GetProducts`, service code
//! `AmazonSageMaker`), read on first need and cached for days.
//!
//! Each (region, instance type) the jobs run on is asked once per [`MAX_AGE_DAYS`]: one
//! `GetProducts` filtered by `regionCode` and `instanceName` answers every component of that
//! type (training, hosting, ...), usually on one page. An answer with no SageMaker instance
//! price is remembered too, so an unpriced type is not asked again every refresh. The Price
//! List API is free of charge; what it costs is a request per new instance type.

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;
use futures::future::BoxFuture;
use serde_json::Value;

use super::{Component, LivePrice};

/// How long a price read from the Price List is trusted: AWS changes SageMaker prices rarely.
pub const MAX_AGE_DAYS: i64 = 7;

/// When each (region, instance type) was last asked of the Price List.
pub type Asked = HashMap<(String, String), NaiveDate>;

/// The only regions the Price List API is served from.
pub const PRICE_LIST_REGIONS: [&str; 2] = ["us-east-1", "ap-south-1"];

/// One page of `GetProducts`: the `PriceList` documents as AWS sends them, JSON text each.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProductPage {
    pub documents: Vec<String>,
    pub next_token: Option<String>,
}

/// Why the Price List could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("AWS Price List ({operation}): {message}")]
pub struct PriceListError {
    pub operation: &'static str,
    pub message: String,
}

/// The Price List API: one `GetProducts` page per call.
pub trait PriceListSource: Send + Sync {
    /// SageMaker products of `instance_type` in `region` (`regionCode`), one page.
    fn products<'a>(
        &'a self,
        region: &'a str,
        instance_type: &'a str,
        next_token: Option<String>,
    ) -> BoxFuture<'a, Result<ProductPage, PriceListError>>;
}

/// The on-demand hourly price one `PriceList` document holds, if it is a SageMaker instance
/// price of a component sagescope bills by: `product.attributes` names the instance, region
/// and component; `terms.OnDemand.*.priceDimensions.*` the `Hrs` price in USD.
pub fn parse_document(document: &str, fetched: NaiveDate) -> Option<LivePrice> {
    let doc: Value = serde_json::from_str(document).ok()?;
    let attributes = doc.pointer("/product/attributes")?;
    let text = |key: &str| attributes.get(key).and_then(Value::as_str);
    let component = Component::parse(text("component")?)?;
    let (instance_type, region) = (text("instanceName")?, text("regionCode")?);
    let term = doc
        .pointer("/terms/OnDemand")?
        .as_object()?
        .values()
        .next()?;
    let usd_per_hour = term
        .get("priceDimensions")?
        .as_object()?
        .values()
        .find(|d| d.get("unit").and_then(Value::as_str) == Some("Hrs"))?
        .pointer("/pricePerUnit/USD")?
        .as_str()?
        .parse::<f64>()
        .ok()
        .filter(|usd| usd.is_finite() && *usd >= 0.0)?;
    let effective = term
        .get("effectiveDate")
        .and_then(Value::as_str)
        .and_then(|d| d.get(..10))
        .and_then(|d| d.parse().ok());
    Some(LivePrice {
        region: region.to_string(),
        instance_type: instance_type.to_string(),
        component,
        usd_per_hour,
        effective,
        fetched,
    })
}

/// What reading the Price List produced.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PriceRead {
    /// (region, instance type) pairs answered (with or without a price).
    pub asked: Vec<(String, String)>,
    pub prices: Vec<LivePrice>,
    /// `GetProducts` requests made.
    pub requests: usize,
    /// The first failure; the pairs not asked stay on the bundled table until next time.
    pub error: Option<PriceListError>,
}

/// The (region, instance type) pairs `jobs` run on that were not asked within
/// [`MAX_AGE_DAYS`] of `today` (`asked` holds when each pair was last asked).
pub fn wanted<'j>(
    jobs: impl Iterator<Item = &'j crate::model::Job>,
    asked: &Asked,
    today: NaiveDate,
) -> Vec<(String, String)> {
    let pairs: BTreeSet<(String, String)> = jobs
        .filter(|job| Component::of(job.kind).is_some())
        .filter_map(|job| {
            let instance_type = job.instance_type.as_deref()?;
            // Instance groups are `a, b`; Studio Classic's `system` is free.
            (instance_type.starts_with("ml.") && !instance_type.contains(','))
                .then(|| (job.region.to_string(), instance_type.to_string()))
        })
        .collect();
    pairs
        .into_iter()
        .filter(|pair| {
            asked
                .get(pair)
                .is_none_or(|at| (today - *at).num_days() >= MAX_AGE_DAYS)
        })
        .collect()
}

/// Asks the Price List for every pair in `wanted`, all pages, stopping at the first failure.
pub async fn read(
    source: &dyn PriceListSource,
    wanted: &[(String, String)],
    today: NaiveDate,
) -> PriceRead {
    let mut read = PriceRead::default();
    for (region, instance_type) in wanted {
        let mut token: Option<String> = None;
        loop {
            read.requests += 1;
            match source.products(region, instance_type, token.clone()).await {
                Ok(page) => {
                    read.prices.extend(
                        page.documents
                            .iter()
                            .filter_map(|doc| parse_document(doc, today))
                            .filter(|p| p.region == *region && p.instance_type == *instance_type),
                    );
                    match page.next_token {
                        Some(next) if token.as_deref() != Some(next.as_str()) => {
                            token = Some(next);
                        }
                        _ => break,
                    }
                }
                Err(err) => {
                    read.error = Some(err);
                    return read;
                }
            }
        }
        read.asked.push((region.clone(), instance_type.clone()));
    }
    read
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().expect("date")
    }

    /// A document as AWS's GetProducts documentation shows them (a product and its terms).
    fn document(component: &str, unit: &str, usd: &str) -> String {
        serde_json::json!({
            "product": {
                "productFamily": "ML Instance",
                "attributes": {
                    "servicecode": "AmazonSageMaker",
                    "instanceName": "ml.p5.48xlarge",
                    "regionCode": "us-east-1",
                    "location": "US East (N. Virginia)",
                    "component": component,
                    "usagetype": "USE1-Train:ml.p5.48xlarge"
                },
                "sku": "SKU1"
            },
            "serviceCode": "AmazonSageMaker",
            "terms": {"OnDemand": {"SKU1.JRTCKXETXF": {
                "priceDimensions": {"SKU1.JRTCKXETXF.6YS6EN2CT7": {
                    "unit": unit, "endRange": "Inf", "beginRange": "0", "appliesTo": [],
                    "description": "per hour", "rateCode": "SKU1.JRTCKXETXF.6YS6EN2CT7",
                    "pricePerUnit": {"USD": usd}
                }},
                "sku": "SKU1", "effectiveDate": "2026-11-01T00:00:00Z",
                "offerTermCode": "JRTCKXETXF", "termAttributes": {}
            }}},
            "version": "20261101000000",
            "publicationDate": "2026-11-01T00:00:00Z"
        })
        .to_string()
    }

    #[test]
    fn an_on_demand_instance_hour_is_read_with_its_component_and_date() {
        let price = parse_document(
            &document("Training", "Hrs", "55.0400000000"),
            day("2026-12-02"),
        )
        .expect("a price");
        assert_eq!(price.component, Component::Training);
        assert_eq!(price.usd_per_hour, 55.04);
        assert_eq!(price.instance_type, "ml.p5.48xlarge");
        assert_eq!(price.effective, Some(day("2026-11-01")));
        assert_eq!(price.fetched, day("2026-12-02"));
    }

    #[test]
    fn storage_unknown_components_and_garbage_are_not_prices() {
        let today = day("2026-12-02");
        assert_eq!(
            parse_document(&document("Training", "GB-Mo", "0.14"), today),
            None
        );
        assert_eq!(
            parse_document(&document("Training-Plan", "Hrs", "1"), today),
            None
        );
        assert_eq!(
            parse_document(&document("Hosting", "Hrs", "cheap"), today),
            None
        );
        assert_eq!(parse_document("not json", today), None);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        #[test]
        fn any_text_is_a_price_or_none(text in "\\PC*") {
            let _ = parse_document(&text, day("2026-12-02"));
        }

        /// Any JSON, with the document's own keys likely: no panic, and a price read is
        /// finite and not negative.
        #[test]
        fn any_json_is_a_price_or_none(doc in crate::testing::json_value(&[
            "product", "attributes", "component", "Training", "Hosting", "instanceName",
            "regionCode", "terms", "OnDemand", "priceDimensions", "unit", "Hrs",
            "pricePerUnit", "USD", "effectiveDate", "2026-11-01T00:00:00Z", "-1", "1.5",
        ])) {
            if let Some(price) = parse_document(&doc.to_string(), day("2026-12-02")) {
                proptest::prop_assert!(price.usd_per_hour.is_finite() && price.usd_per_hour >= 0.0);
            }
        }

        /// The price is read exactly when it is a non-negative amount; the effective date
        /// when its first ten characters are a date, whatever follows (multi-byte text too).
        #[test]
        fn a_price_reads_back_exactly(
            usd in "[0-9]{1,4}\\.[0-9]{1,10}|-[0-9]\\.[0-9]|NaN|\\PC{0,8}",
            effective in "2026-11-01T\\PC{0,8}|\\PC{0,12}",
        ) {
            let mut doc: Value = serde_json::from_str(&document("Hosting", "Hrs", &usd))
                .expect("the test document is JSON");
            doc["terms"]["OnDemand"]["SKU1.JRTCKXETXF"]["effectiveDate"] = Value::from(effective.as_str());
            let price = parse_document(&doc.to_string(), day("2026-12-02"));
            let expected = usd.parse::<f64>().ok().filter(|u| u.is_finite() && *u >= 0.0);
            proptest::prop_assert_eq!(price.as_ref().map(|p| p.usd_per_hour), expected);
            if let Some(price) = price {
                let date = effective.get(..10).and_then(|d| d.parse::<NaiveDate>().ok());
                proptest::prop_assert_eq!(price.effective, date);
            }
        }
    }

    #[test]
    fn each_pair_is_asked_once_per_week() {
        use crate::model::{Job, JobStatus, ResourceKind, Tags};
        let job = |kind, instance: &str| Job {
            account_id: "1".into(),
            account_name: "a".into(),
            region: "us-east-1".into(),
            kind,
            name: "n".into(),
            arn: "arn".into(),
            status: JobStatus::from("Completed"),
            created_at: chrono::Utc::now(),
            ended_at: None,
            last_modified_at: None,
            instance_type: Some(instance.into()),
            instance_count: Some(1),
            failure_reason: None,
            tags: Tags::new(),
            app: None,
            billing: None,
            streamed_at: None,
            created_by: None,
            compute: None,
        };
        let jobs = [
            job(ResourceKind::Training, "ml.p5.48xlarge"),
            job(ResourceKind::Endpoint, "ml.p5.48xlarge"),
            job(ResourceKind::Processing, "ml.g6.xlarge"),
            job(ResourceKind::App, "system"),
            job(ResourceKind::Model, "ml.m5.large"),
        ];
        let today = day("2026-12-02");
        let mut asked = HashMap::new();
        let pair = |t: &str| ("us-east-1".to_string(), t.to_string());
        assert_eq!(
            wanted(jobs.iter(), &asked, today),
            vec![pair("ml.g6.xlarge"), pair("ml.p5.48xlarge")]
        );
        asked.insert(pair("ml.g6.xlarge"), day("2026-11-30"));
        asked.insert(pair("ml.p5.48xlarge"), day("2026-11-25"));
        assert_eq!(
            wanted(jobs.iter(), &asked, today),
            vec![pair("ml.p5.48xlarge")],
            "asked 7 days ago: stale"
        );
    }
}
