//! The real [`TrailSource`]: CloudTrail's event history (`LookupEvents`) through the official
//! SDK. SDK types stop here; what leaves is each event's record as JSON text.

use aws_sdk_cloudtrail::Client;
use aws_sdk_cloudtrail::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_cloudtrail::primitives::DateTime as SdkTime;
use aws_sdk_cloudtrail::types::{LookupAttribute, LookupAttributeKey};
use aws_smithy_types::retry::RetryConfig;
use chrono::{DateTime, Utc};
use futures::future::BoxFuture;

use sagescope_engine::creators::lookup::{TrailError, TrailPage, TrailSource};

/// LookupEvents' largest page.
const PAGE_EVENTS: i32 = 50;

/// CloudTrail in one region of one account.
#[derive(Debug, Clone)]
pub struct CloudTrail {
    client: Client,
}

impl CloudTrail {
    pub fn new(config: &aws_config::SdkConfig, region: &str) -> Self {
        // One attempt per call: the lookup pass paces and retries a throttled call itself,
        // so every request it counts is one the quota sees.
        let conf = aws_sdk_cloudtrail::config::Builder::from(config)
            .region(aws_config::Region::new(region.to_string()))
            .retry_config(RetryConfig::standard().with_max_attempts(1))
            .build();
        CloudTrail {
            client: Client::from_conf(conf),
        }
    }
}

impl TrailSource for CloudTrail {
    fn lookup<'a>(
        &'a self,
        event_name: &'a str,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        next_token: Option<String>,
    ) -> BoxFuture<'a, Result<TrailPage, TrailError>> {
        Box::pin(async move {
            let attribute = LookupAttribute::builder()
                .attribute_key(LookupAttributeKey::EventName)
                .attribute_value(event_name)
                .build()
                .map_err(|e| TrailError::Other(e.to_string()))?;
            let out = self
                .client
                .lookup_events()
                .lookup_attributes(attribute)
                .start_time(SdkTime::from_secs(start.timestamp()))
                .end_time(SdkTime::from_secs(end.timestamp()))
                .max_results(PAGE_EVENTS)
                .set_next_token(next_token)
                .send()
                .await
                .map_err(|e| classify(&e))?;
            Ok(TrailPage {
                records: out
                    .events()
                    .iter()
                    .filter_map(|event| event.cloud_trail_event().map(str::to_string))
                    .collect(),
                next_token: out.next_token().map(str::to_string),
            })
        })
    }
}

fn classify<E: ProvideErrorMetadata + std::error::Error + 'static, R: std::fmt::Debug>(
    err: &SdkError<E, R>,
) -> TrailError {
    let code = err.as_service_error().and_then(|e| e.code()).unwrap_or("");
    match code {
        "ThrottlingException" | "Throttling" | "TooManyRequestsException" => TrailError::Throttled,
        "AccessDeniedException" | "AccessDenied" | "UnauthorizedOperation" => {
            TrailError::Denied(super::errors::sdk_message(err))
        }
        _ => TrailError::Other(super::errors::sdk_message(err)),
    }
}
