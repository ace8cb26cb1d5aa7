//! The real [`PriceListSource`]: the AWS Price List API through the official SDK. SDK types
//! stop here; what leaves is the `PriceList` documents as text.

use aws_sdk_pricing::Client;
use aws_sdk_pricing::types::{Filter, FilterType};
use futures::future::BoxFuture;

use sagescope_core::pricing::live::{
    PRICE_LIST_REGIONS, PriceListError, PriceListSource, ProductPage,
};

/// The Price List's service code for SageMaker.
const SERVICE_CODE: &str = "AmazonSageMaker";

/// The Price List API with one account's credentials.
#[derive(Debug, Clone)]
pub struct PriceList {
    client: Client,
}

impl PriceList {
    /// The API is served from us-east-1 and ap-south-1 only, whatever the profile's region;
    /// us-east-1 it is.
    pub fn new(config: &aws_config::SdkConfig) -> Self {
        let conf = aws_sdk_pricing::config::Builder::from(config)
            .region(aws_config::Region::new(PRICE_LIST_REGIONS[0]))
            .build();
        PriceList {
            client: Client::from_conf(conf),
        }
    }
}

fn term_match(field: &str, value: &str) -> Result<Filter, PriceListError> {
    Filter::builder()
        .r#type(FilterType::TermMatch)
        .field(field)
        .value(value)
        .build()
        .map_err(|e| PriceListError {
            operation: "GetProducts",
            message: e.to_string(),
        })
}

impl PriceListSource for PriceList {
    fn products<'a>(
        &'a self,
        region: &'a str,
        instance_type: &'a str,
        next_token: Option<String>,
    ) -> BoxFuture<'a, Result<ProductPage, PriceListError>> {
        Box::pin(async move {
            let out = self
                .client
                .get_products()
                .service_code(SERVICE_CODE)
                .filters(term_match("regionCode", region)?)
                .filters(term_match("instanceName", instance_type)?)
                .format_version("aws_v1")
                .max_results(100)
                .set_next_token(next_token)
                .send()
                .await
                .map_err(|e| PriceListError {
                    operation: "GetProducts",
                    message: super::errors::sdk_message(&e),
                })?;
            Ok(ProductPage {
                documents: out.price_list().to_vec(),
                next_token: out
                    .next_token()
                    .filter(|t| !t.is_empty())
                    .map(str::to_string),
            })
        })
    }
}
