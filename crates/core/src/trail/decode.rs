//! The decoding itself: which calls attribute what ([`CALLS`]), the record's fields, and the
//! principal read from `userIdentity`.
//!
//! Field names are CloudTrail's: its own in camelCase (`eventName`, `recipientAccountId`), and
//! the API's request and response members with their first letter lowered
//! (`requestParameters.trainingJobName`, `responseElements.trainingJobArn`), as the SageMaker
//! developer guide's CloudTrail samples show.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::{
    Action, Attribution, Identity, MAX_ARN_CHARS, MAX_NAME_CHARS, MAX_PRINCIPAL_CHARS, Principal,
    Skip,
};
use crate::model::{ResourceKind, arn_leaf};
use crate::stream::MAX_MESSAGE_BYTES;
use crate::stream::decode::{
    arn, bounded_str, echo, get, is_account_id, is_region, is_sagemaker_arn, malformed,
    required_str, time_of,
};
use Action::{Create, Delete, Stop};
use Name::{App, Field, PipelineOfExecution};
use ResourceKind as K;

type Object = Map<String, Value>;

/// SageMaker's `eventSource`.
const EVENT_SOURCE: &str = "sagemaker.amazonaws.com";
/// The detail-type EventBridge gives the CloudTrail records it carries.
const API_CALL: &str = "AWS API Call via CloudTrail";
/// The longest event id kept (CloudTrail's are 36-character GUIDs).
const MAX_EVENT_ID_CHARS: usize = 128;
/// The tag SageMaker Pipelines puts on the jobs a pipeline execution starts.
const PIPELINE_EXECUTION_TAG: &str = "sagemaker:pipeline-execution-arn";
/// At most this many request tags are looked at (AWS allows 50 on a resource).
const MAX_TAGS: usize = 50;
/// Where the role IAM Identity Center provisions for a permission set lives.
const SSO_ROLE_PATH: &str = ":role/aws-reserved/sso.amazonaws.com/";
/// The name Identity Center gives those roles: `AWSReservedSSO_<permission set>_<hex>`.
const SSO_ROLE_PREFIX: &str = "AWSReservedSSO_";

/// Where a call's request names its resource.
enum Name {
    /// A request parameter holding the name (or, where the API allows it, the ARN).
    Field(&'static str),
    /// `CreateApp` and `DeleteApp`: `spaceName` or `userProfileName`, `appType`, `appName`,
    /// joined as sagescope lists an app.
    App,
    /// `StopPipelineExecution`: the pipeline's name, read from `pipelineExecutionArn`
    /// (`...:pipeline/<name>/execution/<id>`).
    PipelineOfExecution,
}

/// One call that attributes a resource: its `eventName`, what it does to which kind, where
/// the request names the resource and which response element holds its ARN.
struct Call {
    event: &'static str,
    action: Action,
    kind: ResourceKind,
    name: Name,
    arn: Option<&'static str>,
}

const fn call(
    event: &'static str,
    action: Action,
    kind: ResourceKind,
    name: Name,
    arn: Option<&'static str>,
) -> Call {
    Call {
        event,
        action,
        kind,
        name,
        arn,
    }
}

/// The calls that say who created, stopped or deleted a resource sagescope lists. Every
/// other SageMaker call (Describe, List, Update, AddTags, ...) attributes nothing. The
/// request and response members are the API's (botocore's SageMaker model); transform jobs
/// cannot be deleted, and only the kinds that run can be stopped.
#[rustfmt::skip]
const CALLS: &[Call] = &[
    call("CreateTrainingJob", Create, K::Training, Field("trainingJobName"), Some("trainingJobArn")),
    call("CreateProcessingJob", Create, K::Processing, Field("processingJobName"), Some("processingJobArn")),
    call("CreateTransformJob", Create, K::Transform, Field("transformJobName"), Some("transformJobArn")),
    call("CreateHyperParameterTuningJob", Create, K::Tuning, Field("hyperParameterTuningJobName"), Some("hyperParameterTuningJobArn")),
    call("CreateEndpoint", Create, K::Endpoint, Field("endpointName"), Some("endpointArn")),
    call("CreateNotebookInstance", Create, K::Notebook, Field("notebookInstanceName"), Some("notebookInstanceArn")),
    call("CreateApp", Create, K::App, App, Some("appArn")),
    call("CreateInferenceComponent", Create, K::InferenceComponent, Field("inferenceComponentName"), Some("inferenceComponentArn")),
    call("CreateCluster", Create, K::HyperPodCluster, Field("clusterName"), Some("clusterArn")),
    call("CreateModel", Create, K::Model, Field("modelName"), Some("modelArn")),
    call("CreatePipeline", Create, K::Pipeline, Field("pipelineName"), Some("pipelineArn")),
    call("CreateEndpointConfig", Create, K::EndpointConfig, Field("endpointConfigName"), Some("endpointConfigArn")),
    call("CreateDomain", Create, K::Domain, Field("domainName"), Some("domainArn")),
    call("CreateUserProfile", Create, K::UserProfile, Field("userProfileName"), Some("userProfileArn")),
    call("CreateSpace", Create, K::Space, Field("spaceName"), Some("spaceArn")),
    call("CreateModelPackageGroup", Create, K::ModelPackageGroup, Field("modelPackageGroupName"), Some("modelPackageGroupArn")),
    call("CreateFeatureGroup", Create, K::FeatureGroup, Field("featureGroupName"), Some("featureGroupArn")),
    call("CreateExperiment", Create, K::Experiment, Field("experimentName"), Some("experimentArn")),
    call("StopTrainingJob", Stop, K::Training, Field("trainingJobName"), None),
    call("StopProcessingJob", Stop, K::Processing, Field("processingJobName"), None),
    call("StopTransformJob", Stop, K::Transform, Field("transformJobName"), None),
    call("StopHyperParameterTuningJob", Stop, K::Tuning, Field("hyperParameterTuningJobName"), None),
    call("StopNotebookInstance", Stop, K::Notebook, Field("notebookInstanceName"), None),
    call("StopPipelineExecution", Stop, K::Pipeline, PipelineOfExecution, None),
    call("DeleteTrainingJob", Delete, K::Training, Field("trainingJobName"), None),
    call("DeleteProcessingJob", Delete, K::Processing, Field("processingJobName"), None),
    call("DeleteHyperParameterTuningJob", Delete, K::Tuning, Field("hyperParameterTuningJobName"), None),
    call("DeleteEndpoint", Delete, K::Endpoint, Field("endpointName"), None),
    call("DeleteNotebookInstance", Delete, K::Notebook, Field("notebookInstanceName"), None),
    call("DeleteApp", Delete, K::App, App, None),
    call("DeleteInferenceComponent", Delete, K::InferenceComponent, Field("inferenceComponentName"), None),
    call("DeleteCluster", Delete, K::HyperPodCluster, Field("clusterName"), Some("clusterArn")),
    call("DeleteModel", Delete, K::Model, Field("modelName"), None),
    call("DeletePipeline", Delete, K::Pipeline, Field("pipelineName"), Some("pipelineArn")),
    call("DeleteEndpointConfig", Delete, K::EndpointConfig, Field("endpointConfigName"), None),
    call("DeleteDomain", Delete, K::Domain, Field("domainId"), None),
    call("DeleteUserProfile", Delete, K::UserProfile, Field("userProfileName"), None),
    call("DeleteSpace", Delete, K::Space, Field("spaceName"), None),
    call("DeleteModelPackageGroup", Delete, K::ModelPackageGroup, Field("modelPackageGroupName"), None),
    call("DeleteFeatureGroup", Delete, K::FeatureGroup, Field("featureGroupName"), None),
    call("DeleteExperiment", Delete, K::Experiment, Field("experimentName"), Some("experimentArn")),
];

/// Every `eventName` that attributes a resource, with what it does to which kind: for a
/// `LookupEvents` filter or an EventBridge rule's pattern.
pub fn event_names() -> impl Iterator<Item = (&'static str, Action, ResourceKind)> {
    CALLS.iter().map(|c| (c.event, c.action, c.kind))
}

/// Decodes one CloudTrail record: `LookupEvents`' `CloudTrailEvent` once parsed, or an Athena
/// row rebuilt with CloudTrail's field names (`requestParameters` and `responseElements` may
/// then be JSON text, as Athena's CloudTrail tables keep them). `Ok(None)` for a SageMaker
/// call that attributes nothing or that failed (`errorCode`); a record of another service is
/// [`Skip::OtherSource`].
pub fn decode_record(record: &Value) -> Result<Option<Attribution>, Skip> {
    decode_with(record, None)
}

/// Decodes one message of the stream's log group: an EventBridge envelope (`source`
/// `aws.sagemaker`) whose `detail` is the CloudTrail record of an "AWS API Call via
/// CloudTrail". The group also carries SageMaker's state changes, which the stream's decoder
/// reads: any other SageMaker detail-type is `Ok(None)` here.
pub fn decode_eventbridge(message: &str) -> Result<Option<Attribution>, Skip> {
    if message.len() > MAX_MESSAGE_BYTES {
        return Err(Skip::TooLarge(message.len()));
    }
    let event: Value = serde_json::from_str(message).map_err(|_| malformed(None, "not JSON"))?;
    let Value::Object(envelope) = &event else {
        return Err(malformed(None, "not a JSON object"));
    };
    let source = required_str(envelope, "source")?;
    if source != "aws.sagemaker" {
        return Err(Skip::OtherSource(echo(source)));
    }
    if required_str(envelope, "detail-type")? != API_CALL {
        return Ok(None);
    }
    let detail = match get(envelope, "detail") {
        None => return Err(Skip::MissingField("detail")),
        Some(detail @ Value::Object(_)) => detail,
        Some(_) => return Err(malformed(Some("detail"), "is not an object")),
    };
    // The record names its account; an older one may not, and the envelope always does.
    let account = get(envelope, "account").and_then(Value::as_str);
    decode_with(detail, account)
}

fn decode_with(
    record: &Value,
    fallback_account: Option<&str>,
) -> Result<Option<Attribution>, Skip> {
    let Value::Object(record) = record else {
        return Err(malformed(None, "not a JSON object"));
    };
    let source = required_str(record, "eventSource")?;
    if source != EVENT_SOURCE {
        return Err(Skip::OtherSource(echo(source)));
    }
    let event_name = required_str(record, "eventName")?;
    let Some(call) = CALLS.iter().find(|c| c.event == event_name) else {
        return Ok(None);
    };
    // A failed call created, stopped or deleted nothing. Any value but an empty string says
    // it failed: a record that cannot be read as a success is not taken for one.
    if get(record, "errorCode").is_some_and(|code| code.as_str() != Some("")) {
        return Ok(None);
    }

    let event_id = bounded_str(record, "eventID", MAX_EVENT_ID_CHARS)?.to_string();
    let time = match get(record, "eventTime") {
        None => return Err(Skip::MissingField("eventTime")),
        Some(value) => time_of(value).ok_or(Skip::BadValue {
            field: "eventTime",
            why: "is not an ISO 8601 time",
        })?,
    };
    let account_id = match get(record, "recipientAccountId") {
        Some(Value::String(account)) => account.as_str(),
        Some(_) => return Err(malformed(Some("recipientAccountId"), "is not a string")),
        None => fallback_account.ok_or(Skip::MissingField("recipientAccountId"))?,
    };
    if !is_account_id(account_id) {
        return Err(Skip::BadValue {
            field: "recipientAccountId",
            why: "is not 12 digits",
        });
    }
    let region = required_str(record, "awsRegion")?;
    if !is_region(region) {
        return Err(Skip::BadValue {
            field: "awsRegion",
            why: "is not 1 to 32 of a-z, 0-9 and -",
        });
    }
    let principal = principal(record)?;

    let request = parameters(record, "requestParameters")?;
    let response = parameters(record, "responseElements")?;
    // A service event (`eventType` `AwsServiceEvent`) may carry its details apart from any
    // request; SageMaker publishes no sample of one, so both places are read.
    let details = get(record, "serviceEventDetails").and_then(Value::as_object);
    let sources: Vec<&Object> = request.as_deref().into_iter().chain(details).collect();

    let (name, named_arn) = resource_name(&call.name, &sources)?;
    let answered_arn = match (call.arn, response.as_deref()) {
        (Some(field), Some(response)) => arn(response, field)?,
        _ => None,
    };
    Ok(Some(Attribution {
        event_id,
        time,
        account_id: account_id.to_string(),
        region: region.to_string(),
        kind: call.kind,
        name,
        arn: answered_arn.or(named_arn),
        action: call.action,
        principal,
        parent: parent(&sources),
    }))
}

/// `requestParameters` or `responseElements`: an object, JSON text of one (Athena), or absent.
fn parameters<'a>(
    record: &'a Object,
    field: &'static str,
) -> Result<Option<Cow<'a, Object>>, Skip> {
    match get(record, field) {
        None => Ok(None),
        Some(Value::Object(object)) => Ok(Some(Cow::Borrowed(object))),
        Some(Value::String(text)) if text.len() > MAX_MESSAGE_BYTES => Err(Skip::BadValue {
            field,
            why: "is too long",
        }),
        Some(Value::String(text)) => match serde_json::from_str(text) {
            Ok(Value::Object(object)) => Ok(Some(Cow::Owned(object))),
            Ok(Value::Null) => Ok(None),
            _ => Err(malformed(Some(field), "is not a JSON object")),
        },
        Some(_) => Err(malformed(Some(field), "is not an object")),
    }
}

/// The first of `sources` holding `field`, as a name: a non-empty string within
/// [`MAX_NAME_CHARS`].
fn name_field<'a>(sources: &[&'a Object], field: &'static str) -> Result<&'a str, Skip> {
    let found = sources.iter().find_map(|object| get(object, field));
    match found {
        None => Err(Skip::MissingField(field)),
        Some(Value::String(text)) => bounded_name(text, field),
        Some(_) => Err(malformed(Some(field), "is not a string")),
    }
}

fn bounded_name<'a>(text: &'a str, field: &'static str) -> Result<&'a str, Skip> {
    if text.is_empty() {
        Err(Skip::BadValue {
            field,
            why: "is empty",
        })
    } else if text.chars().nth(MAX_NAME_CHARS).is_some() {
        Err(Skip::BadValue {
            field,
            why: "is too long",
        })
    } else {
        Ok(text)
    }
}

/// The resource's name as sagescope lists it, and its ARN when the request named it by one.
fn resource_name(name: &Name, sources: &[&Object]) -> Result<(String, Option<String>), Skip> {
    match name {
        Name::Field(field) => {
            let given = name_field(sources, field)?;
            // Some calls (DeleteCluster, ...) take a name or an ARN. An ARN ends with the
            // name in lower case (a HyperPod cluster's with its id): the ARN is the key then.
            let leaf = arn_leaf(given);
            if is_sagemaker_arn(given) && !leaf.is_empty() {
                return Ok((leaf.to_string(), Some(given.to_string())));
            }
            Ok((given.to_string(), None))
        }
        Name::App => {
            let app_type = name_field(sources, "appType")?;
            let app_name = name_field(sources, "appName")?;
            let owner = match name_field(sources, "spaceName") {
                Ok(space) => space,
                Err(Skip::MissingField(_)) => match name_field(sources, "userProfileName") {
                    Ok(user) => user,
                    Err(Skip::MissingField(_)) => "-",
                    Err(other) => return Err(other),
                },
                Err(other) => return Err(other),
            };
            let joined = format!("{owner}/{app_type}/{app_name}");
            bounded_name(&joined, "appName")?;
            Ok((joined, None))
        }
        Name::PipelineOfExecution => {
            let field = "pipelineExecutionArn";
            let execution = sources
                .iter()
                .find_map(|object| get(object, field))
                .ok_or(Skip::MissingField(field))?
                .as_str()
                .ok_or(malformed(Some(field), "is not a string"))?;
            let bad = Skip::BadValue {
                field,
                why: "is not a pipeline execution's ARN",
            };
            if execution.chars().nth(MAX_ARN_CHARS).is_some() || !is_sagemaker_arn(execution) {
                return Err(bad);
            }
            let pipeline = execution
                .splitn(6, ':')
                .nth(5)
                .and_then(|resource| resource.strip_prefix("pipeline/"))
                .and_then(|rest| rest.split_once("/execution/"))
                .map(|(pipeline, _)| pipeline)
                .filter(|pipeline| !pipeline.is_empty())
                .ok_or(bad)?;
            Ok((
                bounded_name(pipeline, field)?.to_string(),
                Some(execution.to_string()),
            ))
        }
    }
}

/// What started the call: the request's `sagemaker:pipeline-execution-arn` tag, else a tuning
/// job's ARN. The tuning job's field is not in any published sample, so it is read under the names the
/// API gives it (`DescribeTrainingJob`'s `TuningJobArn`, the tuning job's own
/// `HyperParameterTuningJobArn`). Only a plausible SageMaker ARN is kept.
fn parent(sources: &[&Object]) -> Option<String> {
    let plausible = |text: &str| {
        (text.chars().nth(MAX_ARN_CHARS).is_none() && is_sagemaker_arn(text))
            .then(|| text.to_string())
    };
    let tagged = sources
        .iter()
        .filter_map(|object| get(object, "tags").and_then(Value::as_array))
        .flat_map(|tags| tags.iter().take(MAX_TAGS))
        .filter_map(tag_pair)
        .find(|(key, _)| *key == PIPELINE_EXECUTION_TAG)
        .and_then(|(_, value)| plausible(value));
    tagged.or_else(|| {
        ["tuningJobArn", "hyperParameterTuningJobArn"]
            .iter()
            .flat_map(|field| sources.iter().filter_map(move |object| get(object, field)))
            .filter_map(Value::as_str)
            .find_map(plausible)
    })
}

/// A request tag's key and value: `{"key", "value"}` as CloudTrail spells the API's members,
/// `{"Key", "Value"}` as the API does.
fn tag_pair(tag: &Value) -> Option<(&str, &str)> {
    let tag = tag.as_object()?;
    let key = get(tag, "key").or_else(|| get(tag, "Key"))?.as_str()?;
    let value = get(tag, "value").or_else(|| get(tag, "Value"))?.as_str()?;
    Some((key, value))
}

/// The principal of the record's `userIdentity`.
fn principal(record: &Object) -> Result<Principal, Skip> {
    let identity = match get(record, "userIdentity") {
        None => return Err(Skip::MissingField("userIdentity")),
        Some(Value::Object(identity)) => identity,
        Some(_) => return Err(malformed(Some("userIdentity"), "is not an object")),
    };
    let arn = match get(identity, "arn").and_then(Value::as_str) {
        Some(arn) if arn.chars().nth(MAX_ARN_CHARS).is_some() => {
            return Err(Skip::BadValue {
                field: "userIdentity.arn",
                why: "is too long",
            });
        }
        Some(arn) => arn.starts_with("arn:").then_some(arn),
        None => None,
    };
    let who = match get(identity, "type") {
        Some(Value::String(kind)) => match kind.as_str() {
            "AssumedRole" => assumed_role(identity, arn)?,
            "IAMUser" => Identity::IamUser {
                name: text(identity, "userName")?
                    .or_else(|| arn.and_then(|arn| arn_name(arn, "user/")))
                    .ok_or(unnamed("an IAM user without a name"))?
                    .to_string(),
            },
            "Root" => Identity::Root,
            "AWSService" => service(identity)?,
            "FederatedUser" => Identity::FederatedUser {
                name: arn
                    .and_then(|arn| arn_name(arn, "federated-user/"))
                    .or(after_colon(text(identity, "principalId")?))
                    .ok_or(unnamed("a federated user without a name"))?
                    .to_string(),
            },
            "IdentityCenterUser" => Identity::IdentityCenterUser {
                user_id: get(identity, "onBehalfOf")
                    .and_then(Value::as_object)
                    .map(|on_behalf| text(on_behalf, "userId"))
                    .transpose()?
                    .flatten()
                    .ok_or(unnamed("an Identity Center user without a user id"))?
                    .to_string(),
            },
            other => Identity::Other {
                kind: bounded_principal(other, "userIdentity.type")?.to_string(),
                name: text(identity, "userName")?
                    .or(text(identity, "principalId")?)
                    .map(str::to_string),
            },
        },
        Some(_) => return Err(malformed(Some("userIdentity.type"), "is not a string")),
        // A service event's identity is only `accountId` and `invokedBy`.
        None if get(identity, "invokedBy").is_some() => service(identity)?,
        None => return Err(Skip::MissingField("userIdentity.type")),
    };
    let principal = Principal {
        identity: who,
        arn: arn.map(str::to_string),
        account_id: get(identity, "accountId")
            .and_then(Value::as_str)
            .filter(|account| is_account_id(account))
            .map(str::to_string),
    };
    if principal
        .to_string()
        .chars()
        .nth(MAX_PRINCIPAL_CHARS)
        .is_some()
    {
        return Err(Skip::BadValue {
            field: "userIdentity",
            why: "is too long",
        });
    }
    Ok(principal)
}

/// An assumed role's role and session names, from its STS ARN
/// (`arn:aws:sts::<account>:assumed-role/<role>/<session>`), else from the session issuer's
/// `userName` and the `principalId` (`<role id>:<session>`).
fn assumed_role(identity: &Object, arn: Option<&str>) -> Result<Identity, Skip> {
    let from_arn = arn
        .and_then(arn_resource)
        .and_then(|resource| resource.strip_prefix("assumed-role/"))
        .and_then(|rest| rest.split_once('/'));
    let issuer = get(identity, "sessionContext")
        .and_then(Value::as_object)
        .and_then(|context| get(context, "sessionIssuer"))
        .and_then(Value::as_object);
    let role = match from_arn {
        Some((role, _)) => Some(role),
        None => issuer
            .map(|issuer| text(issuer, "userName"))
            .transpose()?
            .flatten(),
    };
    let session = match from_arn {
        Some((_, session)) => Some(session),
        None => after_colon(text(identity, "principalId")?),
    };
    let (Some(role), Some(session)) = (role, session) else {
        return Err(unnamed("an assumed role without role and session names"));
    };
    let role = bounded_principal(role, "userIdentity.arn")?;
    let session = bounded_principal(session, "userIdentity.arn")?;
    if role.is_empty() || session.is_empty() {
        return Err(unnamed("an assumed role without role and session names"));
    }
    // Only the role Identity Center provisions makes the session name a signed-in user: a
    // role merely named like one elsewhere is shown as the role it is.
    let provisioned = issuer
        .and_then(|issuer| get(issuer, "arn"))
        .and_then(Value::as_str)
        .is_some_and(|issuer| issuer.contains(SSO_ROLE_PATH));
    Ok(match permission_set(role) {
        Some(set) if provisioned => Identity::SsoUser {
            user: session.to_string(),
            permission_set: set.to_string(),
        },
        _ => Identity::AssumedRole {
            role: role.to_string(),
            session: session.to_string(),
        },
    })
}

/// The permission set of an `AWSReservedSSO_<permission set>_<hex>` role (the set's name may
/// hold underscores itself).
fn permission_set(role: &str) -> Option<&str> {
    let rest = role.strip_prefix(SSO_ROLE_PREFIX)?;
    let set = match rest.rsplit_once('_') {
        Some((set, hex)) if !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()) => set,
        _ => rest,
    };
    (!set.is_empty()).then_some(set)
}

fn service(identity: &Object) -> Result<Identity, Skip> {
    Ok(Identity::Service {
        service: text(identity, "invokedBy")?
            .ok_or(unnamed("a service without invokedBy"))?
            .to_string(),
    })
}

/// An optional name-like string of the identity: `None` when absent, empty or not a string;
/// one longer than any principal is a forged record.
fn text<'a>(object: &'a Object, field: &'static str) -> Result<Option<&'a str>, Skip> {
    match get(object, field).and_then(Value::as_str) {
        Some(text) if !text.is_empty() => bounded_principal(text, field).map(Some),
        _ => Ok(None),
    }
}

fn bounded_principal<'a>(text: &'a str, field: &'static str) -> Result<&'a str, Skip> {
    if text.chars().nth(MAX_PRINCIPAL_CHARS).is_some() {
        Err(Skip::BadValue {
            field,
            why: "is too long",
        })
    } else {
        Ok(text)
    }
}

fn unnamed(why: &'static str) -> Skip {
    Skip::BadValue {
        field: "userIdentity",
        why,
    }
}

/// An ARN's resource part: what follows its fifth colon.
fn arn_resource(arn: &str) -> Option<&str> {
    arn.splitn(6, ':').nth(5)
}

/// The last segment of an ARN whose resource starts with `prefix` (an IAM user's path is
/// not its name).
fn arn_name<'a>(arn: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = arn_resource(arn)?.strip_prefix(prefix)?;
    let name = rest.rsplit('/').next()?;
    (!name.is_empty()).then_some(name)
}

/// What follows the first colon (`principalId` is `<unique id>:<session name>` for sessions).
fn after_colon(text: Option<&str>) -> Option<&str> {
    text?
        .split_once(':')
        .map(|(_, rest)| rest)
        .filter(|rest| !rest.is_empty())
}
