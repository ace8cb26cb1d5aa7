//! The decoding itself: the envelope's fields, then the detail read through the [`Shape`] of
//! its detail-type.

use chrono::{DateTime, NaiveDateTime, Utc};
use compact_str::CompactString;
use serde_json::{Map, Value};

use super::{
    Decoded, MAX_ARN_CHARS, MAX_FAILURE_CHARS, MAX_MESSAGE_BYTES, MAX_NAME_CHARS, MAX_STATUS_CHARS,
    MAX_TAG_KEY_CHARS, MAX_TAG_VALUE_CHARS, MAX_TAGS, SKIP_ECHO_CHARS, Skip, StreamChange,
};
use crate::model::{JobStatus, ResourceKind, Tags};

type Object = Map<String, Value>;

/// The longest event id kept (EventBridge's are 36-character UUIDs).
const MAX_EVENT_ID_CHARS: usize = 128;
/// The longest instance type kept (`ml.p4de.24xlarge` is 16); a longer one is dropped.
const MAX_INSTANCE_TYPE_CHARS: usize = 64;
/// Epoch numbers at or above this are milliseconds, below it seconds: 10^11 ms is March 1973
/// (before SageMaker), 10^11 s the year 5138. Events carry milliseconds; the API's own wire
/// format is seconds, which an event copied from a Describe answer would carry.
const MILLIS_FROM: i64 = 100_000_000_000;

/// How one detail-type's `detail` names what a row needs. The detail resembles the kind's
/// Describe answer, so the names are the API's.
struct Shape {
    detail_type: &'static str,
    kind: ResourceKind,
    name: &'static str,
    arn: &'static str,
    status: &'static str,
    failure: &'static str,
    /// The field saying when the resource finished, for kinds that finish.
    ended: Option<&'static str>,
    instances: Instances,
}

/// Where a detail says what the resource runs on.
enum Instances {
    /// `InstanceType` and `InstanceCount` in the object at this path (the detail itself when
    /// empty).
    At(&'static [&'static str]),
    /// Endpoints: the first production variant's `InstanceType`, the sum of the variants'
    /// `CurrentInstanceCount`.
    Variants,
    /// HyperPod clusters: instance groups of different types, so no one type or count.
    Mixed,
}

/// The detail-types that are a row's state.
const SHAPES: [Shape; 7] = [
    Shape {
        detail_type: "SageMaker Training Job State Change",
        kind: ResourceKind::Training,
        name: "TrainingJobName",
        arn: "TrainingJobArn",
        status: "TrainingJobStatus",
        failure: "FailureReason",
        ended: Some("TrainingEndTime"),
        instances: Instances::At(&["ResourceConfig"]),
    },
    Shape {
        detail_type: "SageMaker Processing Job State Change",
        kind: ResourceKind::Processing,
        name: "ProcessingJobName",
        arn: "ProcessingJobArn",
        status: "ProcessingJobStatus",
        // `ExitMessage` is what the container said on the way out, failed or not.
        failure: "FailureReason",
        ended: Some("ProcessingEndTime"),
        instances: Instances::At(&["ProcessingResources", "ClusterConfig"]),
    },
    Shape {
        detail_type: "SageMaker Transform Job State Change",
        kind: ResourceKind::Transform,
        name: "TransformJobName",
        arn: "TransformJobArn",
        status: "TransformJobStatus",
        failure: "FailureReason",
        ended: Some("TransformEndTime"),
        instances: Instances::At(&["TransformResources"]),
    },
    Shape {
        detail_type: "SageMaker HyperParameter Tuning Job State Change",
        kind: ResourceKind::Tuning,
        name: "HyperParameterTuningJobName",
        arn: "HyperParameterTuningJobArn",
        status: "HyperParameterTuningJobStatus",
        failure: "FailureReason",
        ended: Some("HyperParameterTuningEndTime"),
        instances: Instances::At(&["TrainingJobDefinition", "ResourceConfig"]),
    },
    Shape {
        detail_type: "SageMaker Endpoint State Change",
        kind: ResourceKind::Endpoint,
        name: "EndpointName",
        arn: "EndpointArn",
        status: "EndpointStatus",
        failure: "FailureReason",
        ended: None,
        instances: Instances::Variants,
    },
    Shape {
        detail_type: "SageMaker Notebook Instance State Change",
        kind: ResourceKind::Notebook,
        name: "NotebookInstanceName",
        arn: "NotebookInstanceArn",
        status: "NotebookInstanceStatus",
        failure: "FailureReason",
        ended: None,
        instances: Instances::At(&[]),
    },
    Shape {
        detail_type: "SageMaker HyperPod Cluster State Change",
        kind: ResourceKind::HyperPodCluster,
        name: "ClusterName",
        arn: "ClusterArn",
        status: "ClusterStatus",
        failure: "FailureMessage",
        ended: None,
        instances: Instances::Mixed,
    },
];

/// SageMaker's other detail-types (EventBridge's "Amazon SageMaker AI events" reference),
/// which say nothing about a row's state: a rule forwarding all of `aws.sagemaker` delivers
/// them, and dropping them is no error. Endpoint deployment events repeat the endpoint's
/// status, which its own "Endpoint State Change" also reports.
const IGNORED: &[&str] = &[
    "AWS API Call via CloudTrail",
    "SageMaker Endpoint Config State Change",
    "SageMaker Model State Change",
    "SageMaker Notebook Lifecycle Config State Change",
    "SageMaker Algorithm State Change",
    "SageMaker Model Package State Change",
    "SageMaker Feature Group State Change",
    "SageMaker Image State Change",
    "SageMaker Image Version State Change",
    "SageMaker Endpoint Deployment State Change",
    "SageMaker Model Card State Change",
    "SageMaker Model Card Export Job State Change",
    "SageMaker Monitoring Schedule State Change",
    "SageMaker HyperPod Cluster Node Health Event",
    "SageMaker HyperPod Cluster Event",
    "SageMaker A2I HumanLoop Status Change",
    "SageMaker Human Loop Finished",
    "SageMaker Human Loop Step Execution Finished",
    "SageMaker Human Task Accepted",
    "SageMaker Human Task Created",
    "SageMaker Human Task Declined",
    "SageMaker Human Task Expired",
    "SageMaker Human Task Returned",
    "SageMaker Human Task Submitted",
    "SageMaker Ground Truth Labeling Job State Change",
    "SageMaker Model Building Pipeline Execution Status Change",
    "SageMaker Model Building Pipeline Execution Step Status Change",
    "SageMaker Ground Truth Labeling Job Task Status Change",
    "SageMaker Evaluation Job Status Change",
    "SageMaker Tracking Server Creating",
    "SageMaker Tracking Server Created",
    "SageMaker Tracking Server Create Failed",
    "SageMaker Tracking Server Updating",
    "SageMaker Tracking Server Updated",
    "SageMaker Tracking Server Update Failed",
    "SageMaker Tracking Server Deleting",
    "SageMaker Tracking Server Deleted",
    "SageMaker Tracking Server Delete Failed",
    "SageMaker Tracking Server Starting",
    "SageMaker Tracking Server Started",
    "SageMaker Tracking Server Start Failed",
    "SageMaker Tracking Server Stopping",
    "SageMaker Tracking Server Stopped",
    "SageMaker Tracking Server Stop Failed",
    "SageMaker Tracking Server Maintenance In Progress",
    "SageMaker Tracking Server Maintenance Complete",
    "SageMaker Tracking Server Maintenance Failed",
    "SageMaker MLFlow Tracking Server Creating Run",
    "SageMaker MLFlow Tracking Server Creating RegisteredModel",
    "SageMaker MLFlow Tracking Server Creating ModelVersion",
    "SageMaker MLFlow Tracking Server Transitioning ModelVersion Stage",
    "SageMaker MLFlow Tracking Server Setting Registered Model Alias",
];

/// Decodes one log event's message: an EventBridge event's JSON envelope.
pub fn decode(message: &str) -> Result<Decoded, Skip> {
    if message.len() > MAX_MESSAGE_BYTES {
        return Err(Skip::TooLarge(message.len()));
    }
    let event: Value = serde_json::from_str(message).map_err(|_| malformed(None, "not JSON"))?;
    decode_event(&event)
}

/// Decodes a parsed envelope, whatever its size (the size is [`decode`]'s check).
pub(super) fn decode_event(event: &Value) -> Result<Decoded, Skip> {
    let Value::Object(envelope) = event else {
        return Err(malformed(None, "not a JSON object"));
    };
    // Which service and kind first: a foreign or ignored event is dropped whatever the rest
    // of it holds.
    let source = required_str(envelope, "source")?;
    if source != "aws.sagemaker" {
        return Err(Skip::OtherSource(echo(source)));
    }
    let detail_type = required_str(envelope, "detail-type")?;
    let Some(shape) = SHAPES.iter().find(|s| s.detail_type == detail_type) else {
        return match IGNORED.iter().copied().find(|known| *known == detail_type) {
            Some(known) => Ok(Decoded::Ignored(known)),
            None => Err(Skip::UnknownDetailType(echo(detail_type))),
        };
    };

    let event_id = bounded_str(envelope, "id", MAX_EVENT_ID_CHARS)?.to_string();
    let time = event_time(envelope)?;
    let account_id = account(envelope)?;
    let region = region(envelope)?;
    let detail = match get(envelope, "detail") {
        None => return Err(Skip::MissingField("detail")),
        Some(Value::Object(detail)) => detail,
        Some(_) => return Err(malformed(Some("detail"), "is not an object")),
    };

    let name = bounded_str(detail, shape.name, MAX_NAME_CHARS)?.to_string();
    let status = status(detail, shape.status)?;
    let arn = arn(detail, shape.arn)?;
    let (instance_type, instance_count) = instances(detail, &shape.instances);
    Ok(Decoded::Change(StreamChange {
        event_id,
        time,
        account_id,
        region,
        kind: shape.kind,
        name,
        arn,
        status,
        failure_reason: get(detail, shape.failure)
            .and_then(Value::as_str)
            .filter(|reason| !reason.is_empty())
            .map(|reason| prefix_chars(reason, MAX_FAILURE_CHARS).to_string()),
        instance_type,
        instance_count,
        created_at: get(detail, "CreationTime").and_then(time_of),
        ended_at: shape
            .ended
            .and_then(|field| get(detail, field))
            .and_then(time_of),
        last_modified_at: get(detail, "LastModifiedTime").and_then(time_of),
        tags: get(detail, "Tags").and_then(tags),
    }))
}

pub(crate) fn malformed(field: Option<&'static str>, why: &'static str) -> Skip {
    Skip::Malformed { field, why }
}

/// Outside text a [`Skip`] may hold, cut to [`SKIP_ECHO_CHARS`].
pub(crate) fn echo(text: &str) -> String {
    prefix_chars(text, SKIP_ECHO_CHARS).to_string()
}

/// A field's value; JSON `null` counts as absent (real events carry `"FailureReason": null`).
pub(crate) fn get<'a>(object: &'a Object, field: &str) -> Option<&'a Value> {
    object.get(field).filter(|value| !value.is_null())
}

pub(crate) fn required_str<'a>(object: &'a Object, field: &'static str) -> Result<&'a str, Skip> {
    match get(object, field) {
        None => Err(Skip::MissingField(field)),
        Some(Value::String(text)) => Ok(text.as_str()),
        Some(_) => Err(malformed(Some(field), "is not a string")),
    }
}

/// A required string that is not empty and at most `max` characters.
pub(crate) fn bounded_str<'a>(
    object: &'a Object,
    field: &'static str,
    max: usize,
) -> Result<&'a str, Skip> {
    let text = required_str(object, field)?;
    if text.is_empty() {
        return Err(Skip::BadValue {
            field,
            why: "is empty",
        });
    }
    if text.chars().nth(max).is_some() {
        return Err(Skip::BadValue {
            field,
            why: "is too long",
        });
    }
    Ok(text)
}

fn event_time(envelope: &Object) -> Result<DateTime<Utc>, Skip> {
    match get(envelope, "time") {
        None => Err(Skip::MissingField("time")),
        Some(value @ (Value::String(_) | Value::Number(_))) => {
            time_of(value).ok_or(Skip::BadValue {
                field: "time",
                why: "is not an RFC 3339 time or epoch milliseconds",
            })
        }
        Some(_) => Err(malformed(Some("time"), "is not a string")),
    }
}

fn account(envelope: &Object) -> Result<String, Skip> {
    let account = required_str(envelope, "account")?;
    if is_account_id(account) {
        Ok(account.to_string())
    } else {
        Err(Skip::BadValue {
            field: "account",
            why: "is not 12 digits",
        })
    }
}

fn region(envelope: &Object) -> Result<String, Skip> {
    let region = required_str(envelope, "region")?;
    if is_region(region) {
        Ok(region.to_string())
    } else {
        Err(Skip::BadValue {
            field: "region",
            why: "is not 1 to 32 of a-z, 0-9 and -",
        })
    }
}

/// An AWS account id: exactly 12 ASCII digits.
pub(crate) fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

/// A region's spelling: 1 to 32 of `a-z`, `0-9` and `-`.
pub(crate) fn is_region(text: &str) -> bool {
    let allowed = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-';
    (1..=32).contains(&text.len()) && text.bytes().all(allowed)
}

/// The status in the API's spelling. Events have carried UPPER_SNAKE (`IN_SERVICE`) where the
/// API says `InService`; every AWS status is whole words run together, so each word is
/// capitalised and the underscores dropped. A status already in mixed case is kept as given.
fn status(detail: &Object, field: &'static str) -> Result<JobStatus, Skip> {
    let raw = required_str(detail, field)?;
    let bad = |why| Err(Skip::BadValue { field, why });
    if !raw.bytes().all(|b| b.is_ascii_alphabetic() || b == b'_') {
        return bad("has characters other than letters and underscores");
    }
    if raw.len() > MAX_STATUS_CHARS {
        return bad("is too long");
    }
    if !raw.contains('_') && raw.bytes().any(|b| b.is_ascii_lowercase()) {
        return Ok(JobStatus::from(raw));
    }
    let mut spelled = CompactString::default();
    for word in raw.split('_') {
        let mut letters = word.chars();
        if let Some(first) = letters.next() {
            spelled.push(first.to_ascii_uppercase());
            spelled.extend(letters.map(|c| c.to_ascii_lowercase()));
        }
    }
    if spelled.is_empty() {
        return bad("has no letters");
    }
    Ok(JobStatus::from(spelled.as_str()))
}

/// The ARN when it is a plausible SageMaker one (`arn:aws[-a-z]*:sagemaker:<region>:<12
/// digits>:<resource>`), `None` when it is absent or another thing; one longer than any ARN
/// is a forged event.
pub(crate) fn arn(detail: &Object, field: &'static str) -> Result<Option<String>, Skip> {
    let Some(Value::String(arn)) = get(detail, field) else {
        return Ok(None);
    };
    if arn.chars().nth(MAX_ARN_CHARS).is_some() {
        return Err(Skip::BadValue {
            field,
            why: "is too long",
        });
    }
    Ok(is_sagemaker_arn(arn).then(|| arn.clone()))
}

/// Whether `arn` reads `arn:aws[-a-z]*:sagemaker:<region>:<12 digits>:<resource>`.
pub(crate) fn is_sagemaker_arn(arn: &str) -> bool {
    let mut parts = arn.splitn(6, ':');
    parts.next() == Some("arn")
        && parts.next().is_some_and(|partition| {
            partition.starts_with("aws")
                && partition
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'-')
        })
        && parts.next() == Some("sagemaker")
        && parts.next().is_some_and(|region| {
            region
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
        && parts.next().is_some_and(is_account_id)
        && parts.next().is_some_and(|resource| !resource.is_empty())
}

fn instances(detail: &Object, instances: &Instances) -> (Option<CompactString>, Option<u32>) {
    match instances {
        Instances::At(path) => {
            let mut at = Some(detail);
            for field in *path {
                at = at
                    .and_then(|object| get(object, field))
                    .and_then(Value::as_object);
            }
            let Some(config) = at else {
                return (None, None);
            };
            (
                get(config, "InstanceType").and_then(instance_type),
                get(config, "InstanceCount").and_then(count),
            )
        }
        Instances::Variants => {
            let variants: &[Value] = get(detail, "ProductionVariants")
                .and_then(Value::as_array)
                .map_or(&[], Vec::as_slice);
            let kind = variants
                .first()
                .and_then(Value::as_object)
                .and_then(|variant| get(variant, "InstanceType"))
                .and_then(instance_type);
            let total = variants
                .iter()
                .filter_map(Value::as_object)
                .filter_map(|variant| get(variant, "CurrentInstanceCount"))
                .filter_map(count)
                .fold(None, |sum: Option<u32>, n| {
                    Some(sum.unwrap_or(0).saturating_add(n))
                });
            (kind, total)
        }
        Instances::Mixed => (None, None),
    }
}

fn instance_type(value: &Value) -> Option<CompactString> {
    let text = value.as_str()?;
    let fits = !text.is_empty() && text.chars().nth(MAX_INSTANCE_TYPE_CHARS).is_none();
    fits.then(|| CompactString::from(text))
}

/// A count: a JSON integer, a whole float (`1.0`, as one published sample has) or digits.
fn count(value: &Value) -> Option<u32> {
    match value {
        Value::Number(n) => match n.as_u64() {
            Some(whole) => u32::try_from(whole).ok(),
            None => n
                .as_f64()
                .filter(|f| f.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(f))
                // Whole and in range, so the conversion is exact.
                .map(|f| f as u32),
        },
        Value::String(digits) if is_digits(digits) => digits.parse().ok(),
        _ => None,
    }
}

fn is_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// A time as events spell it: epoch milliseconds as a JSON number (integer or float) or as a
/// string of digits, or ISO 8601 text (RFC 3339, or without an offset, read as UTC).
pub(crate) fn time_of(value: &Value) -> Option<DateTime<Utc>> {
    match value {
        Value::Number(n) => match n.as_i64() {
            Some(whole) => epoch(whole),
            None => n.as_f64().and_then(epoch_float),
        },
        Value::String(text) => {
            let text = text.trim();
            if is_digits(text) {
                return text.parse().ok().and_then(epoch);
            }
            if let Some((whole, fraction)) = text.split_once('.')
                && is_digits(whole)
                && is_digits(fraction)
            {
                return text.parse().ok().and_then(epoch_float);
            }
            iso(text)
        }
        _ => None,
    }
}

fn epoch(number: i64) -> Option<DateTime<Utc>> {
    match number {
        0..MILLIS_FROM => DateTime::from_timestamp(number, 0),
        MILLIS_FROM.. => DateTime::from_timestamp_millis(number),
        // Before 1970: not a SageMaker time.
        _ => None,
    }
}

fn epoch_float(number: f64) -> Option<DateTime<Utc>> {
    if !number.is_finite() || number < 0.0 {
        return None;
    }
    // To the millisecond, the precision SageMaker keeps (a float of seconds is never exact).
    // The conversion saturates, and a number past any date is refused.
    let millis = if number >= MILLIS_FROM as f64 {
        number.round()
    } else {
        (number * 1000.0).round()
    };
    DateTime::from_timestamp_millis(millis as i64)
}

fn iso(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Some(time.with_timezone(&Utc));
    }
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .map(|naive| naive.and_utc())
}

/// Tags as events carry them: an object of keys to values (the published samples), or the
/// API's list of `{"Key": .., "Value": ..}`. Pairs that are not strings are left out; at most
/// [`MAX_TAGS`] are kept, keys and values cut to AWS's lengths.
fn tags(value: &Value) -> Option<Tags> {
    let bound = |(key, value): (&str, &str)| {
        (
            prefix_chars(key, MAX_TAG_KEY_CHARS).to_string(),
            prefix_chars(value, MAX_TAG_VALUE_CHARS).to_string(),
        )
    };
    match value {
        Value::Object(map) => Some(
            map.iter()
                .filter_map(|(key, value)| Some((key.as_str(), value.as_str()?)))
                .take(MAX_TAGS)
                .map(bound)
                .collect(),
        ),
        Value::Array(items) => Some(
            items
                .iter()
                .filter_map(|item| {
                    let pair = item.as_object()?;
                    let key = get(pair, "Key")?.as_str()?;
                    let value = match get(pair, "Value") {
                        None => "",
                        Some(value) => value.as_str()?,
                    };
                    Some((key, value))
                })
                .take(MAX_TAGS)
                .map(bound)
                .collect(),
        ),
        _ => None,
    }
}

/// The start of `text`, at most `max` characters, cut on a character boundary.
pub(crate) fn prefix_chars(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((end, _)) => text.get(..end).unwrap_or(text),
        None => text,
    }
}
