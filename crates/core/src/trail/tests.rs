//! The decoder against records shaped like AWS's published ones (the CloudTrail user guide's
//! `userIdentity` examples and record contents, the SageMaker developer guide's CloudTrail
//! log entries, EventBridge's "AWS API Call via CloudTrail" envelope), their variants, and
//! whatever else a log group or a lookup can hold.

use chrono::{DateTime, Utc};
use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("a test time")
        .with_timezone(&Utc)
}

const ACCOUNT: &str = "111122223333";

/// A CloudTrail record of a SageMaker call, as `LookupEvents` returns it in `CloudTrailEvent`.
fn record(event: &str, identity: Value, request: Value, response: Value) -> Value {
    json!({
        "eventVersion": "1.09",
        "userIdentity": identity,
        "eventTime": "2026-11-02T10:05:23Z",
        "eventSource": "sagemaker.amazonaws.com",
        "eventName": event,
        "awsRegion": "eu-west-1",
        "sourceIPAddress": "192.0.2.10",
        "userAgent": "aws-cli/2.15.0 md/Botocore#1.34.0 ua/2.0 os/linux",
        "requestParameters": request,
        "responseElements": response,
        "requestID": "6b1b42b9-1d5c-4a5e-9c3d-0f4e2d7a9b10",
        "eventID": "a6f85b21-4c1e-4f0b-8f5e-2a9d3c7e1b40",
        "readOnly": false,
        "eventType": "AwsApiCall",
        "managementEvent": true,
        "recipientAccountId": ACCOUNT,
        "eventCategory": "Management"
    })
}

/// An Identity Center user signed in through the `DataScientist` permission set.
fn sso_identity() -> Value {
    json!({
        "type": "AssumedRole",
        "principalId": "AROA3XFRBF23EXAMPLE:alice@example.com",
        "arn": "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_DataScientist_0123456789abcdef/alice@example.com",
        "accountId": ACCOUNT,
        "accessKeyId": "ASIAIOSFODNN7EXAMPLE",
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": "AROA3XFRBF23EXAMPLE",
                "arn": "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_DataScientist_0123456789abcdef",
                "accountId": ACCOUNT,
                "userName": "AWSReservedSSO_DataScientist_0123456789abcdef"
            },
            "webIdFederationData": {},
            "attributes": {"creationDate": "2026-11-02T09:58:00Z", "mfaAuthenticated": "false"}
        }
    })
}

/// A CI system's role session.
fn ci_identity() -> Value {
    json!({
        "type": "AssumedRole",
        "principalId": "AROAIDPPEZS35WEXAMPLE:build-4711",
        "arn": "arn:aws:sts::111122223333:assumed-role/ci-deployer/build-4711",
        "accountId": ACCOUNT,
        "accessKeyId": "ASIAIOSFODNN7EXAMPLE",
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": "AROAIDPPEZS35WEXAMPLE",
                "arn": "arn:aws:iam::111122223333:role/ci-deployer",
                "accountId": ACCOUNT,
                "userName": "ci-deployer"
            },
            "attributes": {"creationDate": "2026-11-02T10:00:00Z", "mfaAuthenticated": "false"}
        }
    })
}

/// The SageMaker developer guide's IAM user.
fn iam_identity() -> Value {
    json!({
        "type": "IAMUser",
        "principalId": "AIXDAYQEXAMPLEUMLYNGL",
        "arn": "arn:aws:iam::111122223333:user/intern",
        "accountId": ACCOUNT,
        "accessKeyId": "ASXIAGXEXAMPLEQULKNXV",
        "userName": "intern"
    })
}

fn training_request(name: &str) -> Value {
    json!({
        "trainingJobName": name,
        "algorithmSpecification": {
            "trainingImage": "683313688378.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1",
            "trainingInputMode": "File"
        },
        "roleArn": "arn:aws:iam::111122223333:role/SageMakerExecution",
        "outputDataConfig": {"s3OutputPath": "s3://ml-artifacts/churn/"},
        "resourceConfig": {"instanceType": "ml.m5.xlarge", "instanceCount": 2, "volumeSizeInGB": 30},
        "stoppingCondition": {"maxRuntimeInSeconds": 86400}
    })
}

fn training_response(name: &str) -> Value {
    json!({"trainingJobArn": format!("arn:aws:sagemaker:eu-west-1:111122223333:training-job/{name}")})
}

fn attributed(record: &Value) -> Attribution {
    match decode_record(record) {
        Ok(Some(attribution)) => attribution,
        other => panic!("expected an attribution, got {other:?}"),
    }
}

fn principal_of(identity: Value) -> Principal {
    let create = record(
        "CreateTrainingJob",
        identity,
        training_request("job"),
        training_response("job"),
    );
    attributed(&create).principal
}

#[test]
fn an_sso_user_is_the_person_signed_in() {
    let create = record(
        "CreateTrainingJob",
        sso_identity(),
        training_request("churn-xgb-2026-11-02"),
        training_response("churn-xgb-2026-11-02"),
    );
    let attribution = attributed(&create);
    assert_eq!(
        attribution,
        Attribution {
            event_id: "a6f85b21-4c1e-4f0b-8f5e-2a9d3c7e1b40".into(),
            time: at("2026-11-02T10:05:23Z"),
            account_id: ACCOUNT.into(),
            region: "eu-west-1".into(),
            kind: ResourceKind::Training,
            name: "churn-xgb-2026-11-02".into(),
            arn: Some(
                "arn:aws:sagemaker:eu-west-1:111122223333:training-job/churn-xgb-2026-11-02".into()
            ),
            action: Action::Create,
            principal: Principal {
                identity: Identity::SsoUser {
                    user: "alice@example.com".into(),
                    permission_set: "DataScientist".into(),
                },
                arn: Some("arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_DataScientist_0123456789abcdef/alice@example.com".into()),
                account_id: Some(ACCOUNT.into()),
            },
            parent: None,
        }
    );
    assert_eq!(attribution.principal.to_string(), "alice@example.com");
    assert_eq!(attribution.principal.person(), Some("alice@example.com"));
}

#[test]
fn a_permission_set_named_with_underscores_keeps_them() {
    let mut identity = sso_identity();
    let role = "AWSReservedSSO_ML_Platform_Admin_fedcba9876543210";
    identity["arn"] = json!(format!(
        "arn:aws:sts::111122223333:assumed-role/{role}/bob@example.com"
    ));
    // Without the region in the path, as older Identity Center roles have it.
    identity["sessionContext"]["sessionIssuer"]["arn"] = json!(format!(
        "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/{role}"
    ));
    let principal = principal_of(identity);
    assert_eq!(
        principal.identity,
        Identity::SsoUser {
            user: "bob@example.com".into(),
            permission_set: "ML_Platform_Admin".into(),
        }
    );
    assert_eq!(principal.to_string(), "bob@example.com");
}

#[test]
fn a_role_only_named_like_sso_is_shown_as_the_role_it_is() {
    let mut identity = sso_identity();
    identity["sessionContext"]["sessionIssuer"]["arn"] =
        json!("arn:aws:iam::111122223333:role/AWSReservedSSO_DataScientist_0123456789abcdef");
    let principal = principal_of(identity.clone());
    assert_eq!(
        principal.to_string(),
        "role/AWSReservedSSO_DataScientist_0123456789abcdef (session alice@example.com)"
    );
    // No session issuer at all: not taken on the name's word either.
    identity["sessionContext"] = json!({});
    assert!(matches!(
        principal_of(identity).identity,
        Identity::AssumedRole { .. }
    ));
}

#[test]
fn an_assumed_role_is_the_role_and_its_session() {
    let create = record(
        "CreateEndpoint",
        ci_identity(),
        json!({"endpointName": "churn-prod", "endpointConfigName": "churn-prod-config-7"}),
        json!({"endpointArn": "arn:aws:sagemaker:eu-west-1:111122223333:endpoint/churn-prod"}),
    );
    let attribution = attributed(&create);
    assert_eq!(attribution.kind, ResourceKind::Endpoint);
    assert_eq!(attribution.action, Action::Create);
    assert_eq!(attribution.name, "churn-prod");
    assert_eq!(
        attribution.arn.as_deref(),
        Some("arn:aws:sagemaker:eu-west-1:111122223333:endpoint/churn-prod")
    );
    assert_eq!(
        attribution.principal.identity,
        Identity::AssumedRole {
            role: "ci-deployer".into(),
            session: "build-4711".into(),
        }
    );
    assert_eq!(
        attribution.principal.to_string(),
        "role/ci-deployer (session build-4711)"
    );
    assert_eq!(
        attribution.principal.arn.as_deref(),
        Some("arn:aws:sts::111122223333:assumed-role/ci-deployer/build-4711")
    );
}

#[test]
fn an_assumed_role_without_an_arn_is_read_from_the_issuer_and_principal_id() {
    let mut identity = ci_identity();
    identity.as_object_mut().expect("an object").remove("arn");
    let principal = principal_of(identity);
    assert_eq!(
        principal.to_string(),
        "role/ci-deployer (session build-4711)"
    );
    assert_eq!(principal.arn, None);
}

#[test]
fn an_iam_user_is_user_and_name() {
    // The SageMaker developer guide's CreateEndpoint entry, in one account.
    let create = record(
        "CreateEndpoint",
        iam_identity(),
        json!({"endpointName": "ExampleEndpoint", "endpointConfigName": "ExampleEndpointConfig"}),
        json!({"endpointArn": "arn:aws:sagemaker:eu-west-1:111122223333:endpoint/exampleendpoint"}),
    );
    let principal = attributed(&create).principal;
    assert_eq!(
        principal,
        Principal {
            identity: Identity::IamUser {
                name: "intern".into()
            },
            arn: Some("arn:aws:iam::111122223333:user/intern".into()),
            account_id: Some(ACCOUNT.into()),
        }
    );
    assert_eq!(principal.to_string(), "user/intern");
    // Without userName, the ARN's last part, its path left out.
    let mut identity = iam_identity();
    identity["userName"] = Value::Null;
    identity["arn"] = json!("arn:aws:iam::111122223333:user/research/vision/intern");
    assert_eq!(principal_of(identity).to_string(), "user/intern");
}

#[test]
fn the_root_user_is_root() {
    let principal = principal_of(json!({
        "type": "Root",
        "principalId": ACCOUNT,
        "arn": "arn:aws:iam::111122223333:root",
        "accountId": ACCOUNT,
        "accessKeyId": "ASIAIOSFODNN7EXAMPLE",
        "sessionContext": {"attributes": {"creationDate": "2026-11-02T09:00:00Z", "mfaAuthenticated": "true"}}
    }));
    assert_eq!(principal.identity, Identity::Root);
    assert_eq!(principal.to_string(), "root");
    assert_eq!(principal.person(), None);
    assert_eq!(
        principal.arn.as_deref(),
        Some("arn:aws:iam::111122223333:root")
    );
}

#[test]
fn a_service_event_is_the_service_and_names_the_pipeline_execution() {
    // A training job a pipeline started: a service event whose identity is only the account
    // and the service (the CloudTrail user guide's AwsServiceEvent shape).
    let execution =
        "arn:aws:sagemaker:eu-west-1:111122223333:pipeline/churn-train/execution/0ab1cd2ef3gh";
    let mut request = training_request("pipelines-0ab1cd2ef3gh-TrainChurn-x7Ka9");
    request["tags"] = json!([
        {"key": "team", "value": "growth"},
        {"key": "sagemaker:pipeline-execution-arn", "value": execution},
        {"key": "sagemaker:pipeline-step-name", "value": "TrainChurn"}
    ]);
    let mut create = record(
        "CreateTrainingJob",
        json!({"accountId": ACCOUNT, "invokedBy": "sagemaker.amazonaws.com"}),
        request,
        training_response("pipelines-0ab1cd2ef3gh-TrainChurn-x7Ka9"),
    );
    create["eventType"] = json!("AwsServiceEvent");
    create["userAgent"] = json!("sagemaker.amazonaws.com");
    let attribution = attributed(&create);
    assert_eq!(
        attribution.principal,
        Principal {
            identity: Identity::Service {
                service: "sagemaker.amazonaws.com".into()
            },
            arn: None,
            account_id: Some(ACCOUNT.into()),
        }
    );
    assert_eq!(
        attribution.principal.to_string(),
        "service sagemaker.amazonaws.com"
    );
    assert_eq!(attribution.parent.as_deref(), Some(execution));
    assert_eq!(attribution.name, "pipelines-0ab1cd2ef3gh-TrainChurn-x7Ka9");

    // The same service as a typed identity.
    let principal =
        principal_of(json!({"type": "AWSService", "invokedBy": "sagemaker.amazonaws.com"}));
    assert_eq!(principal.to_string(), "service sagemaker.amazonaws.com");
}

#[test]
fn a_training_job_of_a_tuning_job_names_the_tuning_job() {
    let tuning = "arn:aws:sagemaker:eu-west-1:111122223333:hyper-parameter-tuning-job/churn-hpo";
    let mut create = record(
        "CreateTrainingJob",
        json!({"type": "AWSService", "invokedBy": "sagemaker.amazonaws.com"}),
        Value::Null,
        Value::Null,
    );
    create["eventType"] = json!("AwsServiceEvent");
    create["serviceEventDetails"] = json!({
        "trainingJobName": "churn-hpo-003-5d1c2e9a",
        "tuningJobArn": tuning
    });
    let attribution = attributed(&create);
    assert_eq!(attribution.name, "churn-hpo-003-5d1c2e9a");
    assert_eq!(attribution.parent.as_deref(), Some(tuning));
    assert_eq!(attribution.arn, None);
}

#[test]
fn a_parent_that_is_not_a_sagemaker_arn_is_dropped() {
    let mut request = training_request("job");
    request["tags"] =
        json!([{"Key": "sagemaker:pipeline-execution-arn", "Value": "\u{1b}]0;pwned\u{7}"}]);
    let create = record(
        "CreateTrainingJob",
        ci_identity(),
        request,
        training_response("job"),
    );
    assert_eq!(attributed(&create).parent, None);
}

#[test]
fn federated_and_identity_center_users_say_what_the_record_knows() {
    let federated = principal_of(json!({
        "type": "FederatedUser",
        "principalId": "111122223333:Bob",
        "arn": "arn:aws:sts::111122223333:federated-user/Bob",
        "accountId": ACCOUNT,
        "sessionContext": {"sessionIssuer": {"type": "IAMUser", "userName": "broker"}}
    }));
    assert_eq!(federated.to_string(), "federated-user/Bob");
    assert!(matches(&federated, "bob"));

    let center = principal_of(json!({
        "type": "IdentityCenterUser",
        "accountId": ACCOUNT,
        "onBehalfOf": {
            "userId": "544894e8-80c1-707f-60e3-3ba6510dfac1",
            "identityStoreArn": "arn:aws:identitystore::111122223333:identitystore/d-9067642ac7"
        },
        "credentialId": "EXAMPLEVHULjJdTUdPJfofVa1sufHDoj7aYcOYcxFVllWR_Whr1fEXAMPLE"
    }));
    assert_eq!(
        center.to_string(),
        "identity-center-user/544894e8-80c1-707f-60e3-3ba6510dfac1"
    );

    let saml =
        principal_of(json!({"type": "SAMLUser", "userName": "carol", "principalId": "x:carol"}));
    assert_eq!(saml.to_string(), "SAMLUser/carol");
    let unknown = principal_of(json!({"type": "Unknown"}));
    assert_eq!(unknown.to_string(), "Unknown");
}

#[test]
fn matching_is_by_person_or_arn_ignoring_case() {
    let sso = principal_of(sso_identity());
    assert!(matches(&sso, "alice@example.com"));
    assert!(matches(&sso, "  Alice@Example.COM "));
    assert!(matches(
        &sso,
        "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_DataScientist_0123456789abcdef/alice@example.com"
    ));
    assert!(!matches(&sso, "alice"));
    assert!(!matches(&sso, "DataScientist"));
    assert!(!matches(&sso, ""));
    assert!(!matches(&sso, "   "));

    let ci = principal_of(ci_identity());
    assert!(matches(&ci, "BUILD-4711"));
    // Everyone who assumes a role shares its name: the role is not a person.
    assert!(!matches(&ci, "ci-deployer"));

    let iam = principal_of(iam_identity());
    assert!(matches(&iam, "Intern"));
    assert!(matches(&iam, "arn:aws:iam::111122223333:user/intern"));

    let root = principal_of(json!({"type": "Root", "arn": "arn:aws:iam::111122223333:root"}));
    assert!(!matches(&root, "root"));
    assert!(matches(&root, "arn:aws:iam::111122223333:root"));

    // Non-ASCII names compare without case too.
    let mut identity = ci_identity();
    identity["arn"] = json!("arn:aws:sts::111122223333:assumed-role/ci-deployer/ÉLODIE");
    assert!(matches(&principal_of(identity), "élodie"));
}

/// `(eventName, requestParameters, responseElements)` → `(action, kind, name, arn)`.
#[rustfmt::skip]
#[test]
fn calls_map_to_their_action_kind_and_name() {
    let arn = |resource: &str| format!("arn:aws:sagemaker:eu-west-1:111122223333:{resource}");
    let cases = [
        ("CreateProcessingJob", json!({"processingJobName": "prep-1"}), json!({"processingJobArn": arn("processing-job/prep-1")}), Action::Create, ResourceKind::Processing, "prep-1", Some(arn("processing-job/prep-1"))),
        ("CreateTransformJob", json!({"transformJobName": "batch-1", "modelName": "m"}), json!({"transformJobArn": arn("transform-job/batch-1")}), Action::Create, ResourceKind::Transform, "batch-1", Some(arn("transform-job/batch-1"))),
        ("CreateHyperParameterTuningJob", json!({"hyperParameterTuningJobName": "hpo-1"}), json!({"hyperParameterTuningJobArn": arn("hyper-parameter-tuning-job/hpo-1")}), Action::Create, ResourceKind::Tuning, "hpo-1", Some(arn("hyper-parameter-tuning-job/hpo-1"))),
        ("CreateNotebookInstance", json!({"notebookInstanceName": "nb", "instanceType": "ml.t3.medium"}), json!({"notebookInstanceArn": arn("notebook-instance/nb")}), Action::Create, ResourceKind::Notebook, "nb", Some(arn("notebook-instance/nb"))),
        ("CreateInferenceComponent", json!({"inferenceComponentName": "ic", "endpointName": "e"}), json!({"inferenceComponentArn": arn("inference-component/ic")}), Action::Create, ResourceKind::InferenceComponent, "ic", Some(arn("inference-component/ic"))),
        ("CreateCluster", json!({"clusterName": "pod"}), json!({"clusterArn": arn("cluster/abc123")}), Action::Create, ResourceKind::HyperPodCluster, "pod", Some(arn("cluster/abc123"))),
        ("CreateModel", json!({"modelName": "ExampleModel"}), json!({"modelArn": arn("model/examplemodel")}), Action::Create, ResourceKind::Model, "ExampleModel", Some(arn("model/examplemodel"))),
        ("CreatePipeline", json!({"pipelineName": "churn-train", "clientRequestToken": "t"}), json!({"pipelineArn": arn("pipeline/churn-train")}), Action::Create, ResourceKind::Pipeline, "churn-train", Some(arn("pipeline/churn-train"))),
        ("CreateEndpointConfig", json!({"endpointConfigName": "ec"}), json!({"endpointConfigArn": arn("endpoint-config/ec")}), Action::Create, ResourceKind::EndpointConfig, "ec", Some(arn("endpoint-config/ec"))),
        ("CreateDomain", json!({"domainName": "studio"}), json!({"domainArn": arn("domain/d-abc123"), "domainId": "d-abc123"}), Action::Create, ResourceKind::Domain, "studio", Some(arn("domain/d-abc123"))),
        ("CreateUserProfile", json!({"domainId": "d-abc123", "userProfileName": "alice"}), json!({"userProfileArn": arn("user-profile/d-abc123/alice")}), Action::Create, ResourceKind::UserProfile, "alice", Some(arn("user-profile/d-abc123/alice"))),
        ("CreateSpace", json!({"domainId": "d-abc123", "spaceName": "team"}), json!({"spaceArn": arn("space/d-abc123/team")}), Action::Create, ResourceKind::Space, "team", Some(arn("space/d-abc123/team"))),
        ("CreateModelPackageGroup", json!({"modelPackageGroupName": "churn"}), json!({"modelPackageGroupArn": arn("model-package-group/churn")}), Action::Create, ResourceKind::ModelPackageGroup, "churn", Some(arn("model-package-group/churn"))),
        ("CreateFeatureGroup", json!({"featureGroupName": "users"}), json!({"featureGroupArn": arn("feature-group/users")}), Action::Create, ResourceKind::FeatureGroup, "users", Some(arn("feature-group/users"))),
        ("CreateExperiment", json!({"experimentName": "exp"}), json!({"experimentArn": arn("experiment/exp")}), Action::Create, ResourceKind::Experiment, "exp", Some(arn("experiment/exp"))),
        ("StopTrainingJob", json!({"trainingJobName": "churn-xgb"}), Value::Null, Action::Stop, ResourceKind::Training, "churn-xgb", None),
        ("StopProcessingJob", json!({"processingJobName": "prep-1"}), Value::Null, Action::Stop, ResourceKind::Processing, "prep-1", None),
        ("StopTransformJob", json!({"transformJobName": "batch-1"}), Value::Null, Action::Stop, ResourceKind::Transform, "batch-1", None),
        ("StopHyperParameterTuningJob", json!({"hyperParameterTuningJobName": "hpo-1"}), Value::Null, Action::Stop, ResourceKind::Tuning, "hpo-1", None),
        ("StopNotebookInstance", json!({"notebookInstanceName": "nb"}), Value::Null, Action::Stop, ResourceKind::Notebook, "nb", None),
        ("StopPipelineExecution", json!({"pipelineExecutionArn": arn("pipeline/churn-train/execution/0ab1cd2ef3gh"), "clientRequestToken": "t"}), json!({"pipelineExecutionArn": arn("pipeline/churn-train/execution/0ab1cd2ef3gh")}), Action::Stop, ResourceKind::Pipeline, "churn-train", Some(arn("pipeline/churn-train/execution/0ab1cd2ef3gh"))),
        ("DeleteEndpoint", json!({"endpointName": "churn-prod"}), Value::Null, Action::Delete, ResourceKind::Endpoint, "churn-prod", None),
        ("DeleteNotebookInstance", json!({"notebookInstanceName": "nb"}), Value::Null, Action::Delete, ResourceKind::Notebook, "nb", None),
        ("DeleteModel", json!({"modelName": "m"}), Value::Null, Action::Delete, ResourceKind::Model, "m", None),
        ("DeletePipeline", json!({"pipelineName": "churn-train", "clientRequestToken": "t"}), json!({"pipelineArn": arn("pipeline/churn-train")}), Action::Delete, ResourceKind::Pipeline, "churn-train", Some(arn("pipeline/churn-train"))),
        ("DeleteDomain", json!({"domainId": "d-abc123", "retentionPolicy": {"homeEfsFileSystem": "Delete"}}), Value::Null, Action::Delete, ResourceKind::Domain, "d-abc123", None),
        ("DeleteTrainingJob", json!({"trainingJobName": "old"}), Value::Null, Action::Delete, ResourceKind::Training, "old", None),
        // HyperPod takes a cluster's name or ARN; the ARN ends with the cluster's id.
        ("DeleteCluster", json!({"clusterName": arn("cluster/abc123")}), json!({"clusterArn": arn("cluster/abc123")}), Action::Delete, ResourceKind::HyperPodCluster, "abc123", Some(arn("cluster/abc123"))),
    ];
    for (event, request, response, action, kind, name, expected_arn) in cases {
        let got = attributed(&record(event, ci_identity(), request, response));
        assert_eq!(
            (got.action, got.kind, got.name.as_str(), got.arn),
            (action, kind, name, expected_arn),
            "{event}"
        );
    }
}

#[test]
fn every_call_is_listed_once_with_a_kind_sagescope_knows() {
    let names: Vec<_> = event_names().collect();
    let mut events: Vec<_> = names.iter().map(|(event, ..)| *event).collect();
    events.sort_unstable();
    events.dedup();
    assert_eq!(events.len(), names.len());
    for (event, action, _) in &names {
        let verb = match action {
            Action::Create => "Create",
            Action::Stop => "Stop",
            Action::Delete => "Delete",
        };
        assert!(event.starts_with(verb), "{event} is not a {action}");
    }
    let creates: Vec<_> = names
        .iter()
        .filter(|(_, action, _)| *action == Action::Create)
        .map(|(_, _, kind)| *kind)
        .collect();
    // Every kind sagescope lists has the call that creates it.
    for kind in ResourceKind::ALL {
        assert!(creates.contains(&kind), "no Create call for {kind}");
    }
}

#[test]
fn an_app_is_named_as_sagescope_lists_it() {
    let app_arn = "arn:aws:sagemaker:eu-west-1:111122223333:app/d-abc123/alice/jupyterlab/default";
    let create = record(
        "CreateApp",
        sso_identity(),
        json!({
            "domainId": "d-abc123",
            "userProfileName": "alice",
            "appType": "JupyterLab",
            "appName": "default",
            "resourceSpec": {"instanceType": "ml.t3.medium"}
        }),
        json!({"appArn": app_arn}),
    );
    let attribution = attributed(&create);
    assert_eq!(attribution.kind, ResourceKind::App);
    assert_eq!(attribution.name, "alice/JupyterLab/default");
    assert_eq!(attribution.arn.as_deref(), Some(app_arn));

    // A space's app is named by the space; a delete answers no ARN.
    let delete = record(
        "DeleteApp",
        sso_identity(),
        json!({"domainId": "d-abc123", "spaceName": "team", "appType": "CodeEditor", "appName": "default"}),
        Value::Null,
    );
    let attribution = attributed(&delete);
    assert_eq!(attribution.action, Action::Delete);
    assert_eq!(attribution.name, "team/CodeEditor/default");
    assert_eq!(attribution.arn, None);

    let typeless = record(
        "CreateApp",
        sso_identity(),
        json!({"domainId": "d-abc123", "userProfileName": "alice", "appName": "default"}),
        Value::Null,
    );
    assert_eq!(decode_record(&typeless), Err(Skip::MissingField("appType")));
}

#[test]
fn a_failed_call_creates_nothing() {
    let mut create = record(
        "CreateTrainingJob",
        sso_identity(),
        training_request("job"),
        Value::Null,
    );
    create["errorCode"] = json!("ResourceLimitExceeded");
    create["errorMessage"] = json!(
        "The account-level service limit 'ml.p4d.24xlarge for training job usage' is 0 Instances"
    );
    assert_eq!(decode_record(&create), Ok(None));
    // Whatever the code's shape; an empty or null one is no failure.
    create["errorCode"] = json!({"code": 400});
    assert_eq!(decode_record(&create), Ok(None));
    create["errorCode"] = Value::Null;
    create["responseElements"] = training_response("job");
    assert!(decode_record(&create).expect("decodes").is_some());
}

#[test]
fn reads_and_other_calls_attribute_nothing() {
    for event in [
        "DescribeTrainingJob",
        "ListTrainingJobs",
        "UpdateEndpoint",
        "AddTags",
        "StartPipelineExecution",
    ] {
        let read = record(
            event,
            sso_identity(),
            json!({"trainingJobName": "job"}),
            Value::Null,
        );
        assert_eq!(decode_record(&read), Ok(None), "{event}");
    }
    // A read needs no identity to be dropped.
    let mut describe = record("DescribeEndpoint", Value::Null, Value::Null, Value::Null);
    describe
        .as_object_mut()
        .expect("an object")
        .remove("userIdentity");
    assert_eq!(decode_record(&describe), Ok(None));
}

#[test]
fn another_services_record_is_skipped() {
    let mut run = record("RunInstances", iam_identity(), json!({}), json!({}));
    run["eventSource"] = json!("ec2.amazonaws.com");
    assert_eq!(
        decode_record(&run),
        Err(Skip::OtherSource("ec2.amazonaws.com".into()))
    );
}

/// The record inside the envelope EventBridge writes to the stream's log group.
fn envelope(detail: Value) -> String {
    json!({
        "version": "0",
        "id": "2d1f8b3a-6c9e-4e2f-a1b0-9f8e7d6c5b4a",
        "detail-type": "AWS API Call via CloudTrail",
        "source": "aws.sagemaker",
        "account": ACCOUNT,
        "time": "2026-11-02T10:05:23Z",
        "region": "eu-west-1",
        "resources": [],
        "detail": detail
    })
    .to_string()
}

#[test]
fn the_eventbridge_envelope_gives_the_records_attribution() {
    let create = record(
        "CreateTrainingJob",
        sso_identity(),
        training_request("churn-xgb-2026-11-02"),
        training_response("churn-xgb-2026-11-02"),
    );
    let from_stream = decode_eventbridge(&envelope(create.clone()));
    assert_eq!(from_stream, decode_record(&create));
    let attribution = from_stream.expect("decodes").expect("attributes");
    // The record's own id, so the same call read by LookupEvents is the same event.
    assert_eq!(attribution.event_id, "a6f85b21-4c1e-4f0b-8f5e-2a9d3c7e1b40");
    assert_eq!(attribution.principal.to_string(), "alice@example.com");

    // A record without its account takes the envelope's.
    let mut bare = create.clone();
    bare.as_object_mut()
        .expect("an object")
        .remove("recipientAccountId");
    let attribution = decode_eventbridge(&envelope(bare.clone()))
        .expect("decodes")
        .expect("attributes");
    assert_eq!(attribution.account_id, ACCOUNT);
    assert_eq!(
        decode_record(&bare),
        Err(Skip::MissingField("recipientAccountId"))
    );
}

#[test]
fn the_log_groups_other_messages_are_not_attributions() {
    let state = json!({
        "version": "0", "id": "e", "detail-type": "SageMaker Training Job State Change",
        "source": "aws.sagemaker", "account": ACCOUNT, "time": "2026-11-02T10:05:23Z",
        "region": "eu-west-1", "detail": {"TrainingJobName": "job", "TrainingJobStatus": "InProgress"}
    });
    assert_eq!(decode_eventbridge(&state.to_string()), Ok(None));
    let mut foreign = state.clone();
    foreign["source"] = json!("aws.ec2");
    assert_eq!(
        decode_eventbridge(&foreign.to_string()),
        Err(Skip::OtherSource("aws.ec2".into()))
    );
    assert_eq!(
        decode_eventbridge("not json"),
        Err(Skip::Malformed {
            field: None,
            why: "not JSON"
        })
    );
    assert_eq!(
        decode_eventbridge(&envelope(json!("a string"))),
        Err(Skip::Malformed {
            field: Some("detail"),
            why: "is not an object"
        })
    );
    let huge = " ".repeat(crate::stream::MAX_MESSAGE_BYTES + 1);
    assert_eq!(
        decode_eventbridge(&huge),
        Err(Skip::TooLarge(crate::stream::MAX_MESSAGE_BYTES + 1))
    );
}

#[test]
fn a_record_without_an_identity_is_skipped() {
    let mut create = record(
        "CreateTrainingJob",
        Value::Null,
        training_request("job"),
        training_response("job"),
    );
    assert_eq!(
        decode_record(&create),
        Err(Skip::MissingField("userIdentity"))
    );
    create["userIdentity"] = json!("alice");
    assert_eq!(
        decode_record(&create),
        Err(Skip::Malformed {
            field: Some("userIdentity"),
            why: "is not an object"
        })
    );
    create["userIdentity"] = json!({"accountId": ACCOUNT});
    assert_eq!(
        decode_record(&create),
        Err(Skip::MissingField("userIdentity.type"))
    );
    create["userIdentity"] = json!({"type": "AssumedRole", "accountId": ACCOUNT});
    assert!(matches!(
        decode_record(&create),
        Err(Skip::BadValue {
            field: "userIdentity",
            ..
        })
    ));
    create["userIdentity"] = json!({"type": 7});
    assert!(matches!(
        decode_record(&create),
        Err(Skip::Malformed { .. })
    ));
}

/// [`decode_record`] of a training job's creation with `edit` applied.
fn edited(edit: impl FnOnce(&mut Value)) -> Result<Option<Attribution>, Skip> {
    let mut create = record(
        "CreateTrainingJob",
        ci_identity(),
        training_request("job"),
        training_response("job"),
    );
    edit(&mut create);
    decode_record(&create)
}

#[rustfmt::skip]
#[test]
fn fields_of_the_wrong_shape_are_skipped_not_trusted() {
    assert!(matches!(edited(|r| r["eventName"] = json!(42)), Err(Skip::Malformed { field: Some("eventName"), .. })));
    assert!(matches!(edited(|r| r["eventTime"] = json!("yesterday")), Err(Skip::BadValue { field: "eventTime", .. })));
    assert!(matches!(edited(|r| r["eventID"] = json!("")), Err(Skip::BadValue { field: "eventID", .. })));
    assert!(matches!(edited(|r| r["recipientAccountId"] = json!("1111")), Err(Skip::BadValue { field: "recipientAccountId", .. })));
    assert!(matches!(edited(|r| r["awsRegion"] = json!("EU WEST")), Err(Skip::BadValue { field: "awsRegion", .. })));
    assert!(matches!(edited(|r| r["requestParameters"] = json!(3)), Err(Skip::Malformed { field: Some("requestParameters"), .. })));
    assert!(matches!(edited(|r| r["requestParameters"]["trainingJobName"] = json!(["job"])), Err(Skip::Malformed { field: Some("trainingJobName"), .. })));
    assert_eq!(edited(|r| r["requestParameters"] = Value::Null), Err(Skip::MissingField("trainingJobName")));
    assert_eq!(edited(|r| r["requestParameters"]["trainingJobName"] = json!("")), Err(Skip::BadValue { field: "trainingJobName", why: "is empty" }));
    assert_eq!(edited(|r| *r = json!({})), Err(Skip::MissingField("eventSource")));
    assert_eq!(decode_record(&json!([1, 2])), Err(Skip::Malformed { field: None, why: "not a JSON object" }));
    // A response element of another shape is no ARN; the attribution stands.
    let odd = edited(|r| r["responseElements"]["trainingJobArn"] = json!({"arn": "x"}));
    assert_eq!(odd.expect("decodes").expect("attributes").arn, None);
    // An ARN that is not SageMaker's is not kept.
    let other = edited(|r| r["responseElements"]["trainingJobArn"] = json!("arn:aws:s3:::bucket"));
    assert_eq!(other.expect("decodes").expect("attributes").arn, None);
}

#[test]
fn athena_rows_carry_parameters_as_json_text() {
    let mut create = record(
        "CreateTrainingJob",
        sso_identity(),
        Value::Null,
        Value::Null,
    );
    create["requestParameters"] = json!(training_request("from-athena").to_string());
    create["responseElements"] = json!(training_response("from-athena").to_string());
    let attribution = attributed(&create);
    assert_eq!(attribution.name, "from-athena");
    assert_eq!(
        attribution.arn.as_deref(),
        Some("arn:aws:sagemaker:eu-west-1:111122223333:training-job/from-athena")
    );
    create["requestParameters"] = json!("{not json");
    assert!(matches!(
        decode_record(&create),
        Err(Skip::Malformed {
            field: Some("requestParameters"),
            ..
        })
    ));
}

#[test]
fn hostile_text_is_kept_verbatim_within_bounds() {
    let name = "job\u{1b}]0;owned\u{7}\u{202e}";
    let session = "\u{1b}[2J\u{1b}[31malice";
    let mut identity = ci_identity();
    identity["arn"] = json!(format!(
        "arn:aws:sts::111122223333:assumed-role/ci-deployer/{session}"
    ));
    let create = record(
        "CreateTrainingJob",
        identity,
        training_request(name),
        json!({}),
    );
    let attribution = attributed(&create);
    assert_eq!(attribution.name, name);
    assert_eq!(
        attribution.principal.to_string(),
        format!("role/ci-deployer (session {session})")
    );
    // Shown through the display code, the escapes are visible, not obeyed.
    assert!(!crate::sanitize::cell(&attribution.principal.to_string()).contains('\u{1b}'));
}

#[test]
fn oversized_fields_are_skipped() {
    let create = |request: Value, response: Value, identity: Value| {
        decode_record(&record("CreateTrainingJob", identity, request, response))
    };
    let at_bound = "n".repeat(MAX_NAME_CHARS);
    let attributed_name = create(training_request(&at_bound), json!({}), ci_identity())
        .expect("decodes")
        .expect("attributes")
        .name;
    assert_eq!(attributed_name, at_bound);
    assert_eq!(
        create(
            training_request(&format!("{at_bound}n")),
            json!({}),
            ci_identity()
        ),
        Err(Skip::BadValue {
            field: "trainingJobName",
            why: "is too long"
        })
    );

    // A principal is at most MAX_PRINCIPAL_CHARS as shown.
    let with_session = |session: &str| {
        let mut identity = ci_identity();
        identity["arn"] = json!(format!(
            "arn:aws:sts::111122223333:assumed-role/ci-deployer/{session}"
        ));
        identity
    };
    let fits = MAX_PRINCIPAL_CHARS - "role/ci-deployer (session )".len();
    assert!(
        create(
            training_request("j"),
            json!({}),
            with_session(&"s".repeat(fits))
        )
        .is_ok()
    );
    assert_eq!(
        create(
            training_request("j"),
            json!({}),
            with_session(&"s".repeat(fits + 1))
        ),
        Err(Skip::BadValue {
            field: "userIdentity",
            why: "is too long"
        })
    );
    let mut huge_user = iam_identity();
    huge_user["userName"] = json!("u".repeat(100_000));
    assert_eq!(
        create(training_request("j"), json!({}), huge_user),
        Err(Skip::BadValue {
            field: "userName",
            why: "is too long"
        })
    );

    let long_arn = format!(
        "arn:aws:sagemaker:eu-west-1:111122223333:training-job/{}",
        "a".repeat(MAX_ARN_CHARS)
    );
    assert_eq!(
        create(
            training_request("j"),
            json!({"trainingJobArn": long_arn}),
            ci_identity()
        ),
        Err(Skip::BadValue {
            field: "trainingJobArn",
            why: "is too long"
        })
    );
    let mut long_principal_arn = iam_identity();
    long_principal_arn["arn"] = json!(format!(
        "arn:aws:iam::111122223333:user/{}",
        "x".repeat(MAX_ARN_CHARS)
    ));
    assert_eq!(
        create(training_request("j"), json!({}), long_principal_arn),
        Err(Skip::BadValue {
            field: "userIdentity.arn",
            why: "is too long"
        })
    );
    // Thousands of tags: the first fifty are looked at, and nothing breaks.
    let mut request = training_request("j");
    let mut tags: Vec<Value> = (0..5_000)
        .map(|i| json!({"key": format!("k{i}"), "value": "v"}))
        .collect();
    tags.push(json!({"key": "sagemaker:pipeline-execution-arn", "value": "arn:aws:sagemaker:eu-west-1:111122223333:pipeline/p/execution/e"}));
    request["tags"] = Value::Array(tags);
    let attribution = create(request, json!({}), ci_identity())
        .expect("decodes")
        .expect("attributes");
    assert_eq!(attribution.parent, None);
}

/// Every field name the decoder reads, and values that make them mean something.
const NAMES: &[&str] = &[
    "eventSource",
    "eventName",
    "eventTime",
    "eventID",
    "errorCode",
    "awsRegion",
    "recipientAccountId",
    "userIdentity",
    "type",
    "arn",
    "accountId",
    "userName",
    "principalId",
    "invokedBy",
    "sessionContext",
    "sessionIssuer",
    "onBehalfOf",
    "userId",
    "requestParameters",
    "responseElements",
    "serviceEventDetails",
    "trainingJobName",
    "trainingJobArn",
    "appName",
    "appType",
    "spaceName",
    "userProfileName",
    "pipelineExecutionArn",
    "tags",
    "key",
    "value",
    "tuningJobArn",
    "sagemaker.amazonaws.com",
    "sagemaker:pipeline-execution-arn",
    "CreateTrainingJob",
    "CreateApp",
    "StopPipelineExecution",
    "AssumedRole",
    "IAMUser",
    "AWSService",
    "Root",
    "2026-11-02T10:05:23Z",
    "111122223333",
    "eu-west-1",
    "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_X_0a/alice",
    "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_X_0a",
    "arn:aws:sagemaker:eu-west-1:111122223333:pipeline/p/execution/e",
];

/// What any field may hold: arbitrary JSON, or text on either side of the bounds.
fn field_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        crate::testing::json_value(NAMES),
        "\\PC{0,300}".prop_map(Value::String),
        "[a-z]{250,260}".prop_map(Value::String),
        proptest::sample::select(NAMES).prop_map(|name| Value::String(name.to_string())),
    ]
}

/// A record that is usually right, with arbitrary values laid over its top level, its
/// identity and its request.
fn near_record() -> impl Strategy<Value = Value> {
    let overlay =
        || proptest::collection::btree_map(proptest::sample::select(NAMES), field_value(), 0..6);
    (
        proptest::sample::select(vec![
            "CreateTrainingJob",
            "CreateApp",
            "StopPipelineExecution",
            "DeleteCluster",
            "DescribeTrainingJob",
        ]),
        proptest::sample::select(vec![
            sso_identity(),
            ci_identity(),
            iam_identity(),
            json!({"invokedBy": "sagemaker.amazonaws.com"}),
        ]),
        overlay(),
        overlay(),
        overlay(),
    )
        .prop_map(|(event, identity, top, who, request)| {
            // A request naming the resource of every call the strategy picks.
            let mut request_parameters = training_request("job");
            request_parameters["appType"] = json!("JupyterLab");
            request_parameters["appName"] = json!("default");
            request_parameters["userProfileName"] = json!("alice");
            request_parameters["clusterName"] = json!("pod");
            request_parameters["pipelineExecutionArn"] =
                json!("arn:aws:sagemaker:eu-west-1:111122223333:pipeline/p/execution/e");
            let mut record = record(
                event,
                identity,
                request_parameters,
                training_response("job"),
            );
            for (field, value) in who {
                record["userIdentity"][field] = value;
            }
            for (field, value) in request {
                record["requestParameters"][field] = value;
            }
            for (field, value) in top {
                record[field] = value;
            }
            record
        })
}

/// What any attribution decoded from anything must satisfy.
fn check_bounds(decoded: &Result<Option<Attribution>, Skip>) -> Result<(), TestCaseError> {
    match decoded {
        Ok(Some(a)) => {
            prop_assert!(crate::stream::decode::is_account_id(&a.account_id));
            prop_assert!(crate::stream::decode::is_region(&a.region));
            prop_assert!(!a.event_id.is_empty() && a.event_id.chars().count() <= 128);
            prop_assert!(!a.name.is_empty() && a.name.chars().count() <= MAX_NAME_CHARS);
            prop_assert!(a.principal.to_string().chars().count() <= MAX_PRINCIPAL_CHARS);
            for arn in [&a.arn, &a.parent, &a.principal.arn].into_iter().flatten() {
                prop_assert!(arn.starts_with("arn:"));
                prop_assert!(arn.chars().count() <= MAX_ARN_CHARS);
            }
            for arn in [&a.arn, &a.parent].into_iter().flatten() {
                prop_assert!(crate::stream::decode::is_sagemaker_arn(arn));
            }
        }
        Ok(None) => {}
        Err(skip) => prop_assert!(skip.to_string().chars().count() <= 200, "{skip}"),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_text_decodes_or_skips(text in "\\PC{0,400}") {
        check_bounds(&decode_eventbridge(&text))?;
    }

    #[test]
    fn any_json_decodes_or_skips(value in crate::testing::json_value(NAMES)) {
        check_bounds(&decode_record(&value))?;
        check_bounds(&decode_eventbridge(&value.to_string()))?;
        check_bounds(&decode_eventbridge(&envelope(value)))?;
    }

    /// Mostly right records with anything laid over them: no panic, bounds kept, and the
    /// envelope form agrees with the record form.
    #[test]
    fn any_near_record_decodes_or_skips(record in near_record()) {
        let decoded = decode_record(&record);
        check_bounds(&decoded)?;
        // Only the account may differ: the envelope's stands in for a record without one.
        if decoded != Err(Skip::MissingField("recipientAccountId")) {
            prop_assert_eq!(decode_eventbridge(&envelope(record)), decoded);
        }
    }
}

/// `[me] principals` matching, as the rows' `CallBy` does it.
fn matches(principal: &Principal, needle: &str) -> bool {
    crate::model::principal_matches(principal.person(), principal.arn.as_deref(), needle)
}
