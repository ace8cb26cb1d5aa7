//! The decoder against events shaped like AWS's published samples (EventBridge's "Amazon
//! SageMaker AI events" and SageMaker's "Events that Amazon SageMaker AI sends to Amazon
//! EventBridge" pages), their known quirks, and whatever else a log group can hold.

use chrono::{DateTime, Utc};
use compact_str::CompactString;
use proptest::prelude::*;
use serde_json::{Value, json};

use super::decode::decode_event;
use super::*;

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("a test time")
        .with_timezone(&Utc)
}

fn change(message: &str) -> StreamChange {
    match decode(message) {
        Ok(Decoded::Change(change)) => change,
        other => panic!("expected a change, got {other:?}"),
    }
}

fn tags(pairs: &[(&str, &str)]) -> Tags {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A training sample to vary: `detail` fields are replaced or removed by the caller.
const TRAINING: &str = r#"{
    "version": "0",
    "id": "844e2571-85d4-695f-b930-0153b71dcb42",
    "detail-type": "SageMaker Training Job State Change",
    "source": "aws.sagemaker",
    "account": "111122223333",
    "time": "2024-03-10T09:18:09Z",
    "region": "us-east-1",
    "resources": ["arn:aws:sagemaker:us-east-1:111122223333:training-job/churn-xgb-2024-03-10"],
    "detail": {
        "TrainingJobName": "churn-xgb-2024-03-10",
        "TrainingJobArn": "arn:aws:sagemaker:us-east-1:111122223333:training-job/churn-xgb-2024-03-10",
        "TrainingJobStatus": "Failed",
        "SecondaryStatus": "Failed",
        "FailureReason": "AlgorithmError: ExecuteUserScriptError: exit code 1",
        "HyperParameters": {"max_depth": "6", "eta": "0.2"},
        "AlgorithmSpecification": {
            "TrainingImage": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1",
            "TrainingInputMode": "File"
        },
        "RoleArn": "arn:aws:iam::111122223333:role/SageMakerExecution",
        "OutputDataConfig": {"KmsKeyId": "", "S3OutputPath": "s3://ml-artifacts/churn/"},
        "ResourceConfig": {
            "InstanceType": "ml.m5.xlarge",
            "InstanceCount": 2,
            "VolumeSizeInGB": 30
        },
        "VpcConfig": {},
        "StoppingCondition": {"MaxRuntimeInSeconds": 86400},
        "CreationTime": "1710061889050",
        "TrainingStartTime": "1710061990000",
        "TrainingEndTime": "1710062289000",
        "LastModifiedTime": "1710062289050",
        "SecondaryStatusTransitions": [],
        "Tags": {"team": "growth", "owner": "ana"}
    }
}"#;

/// [`TRAINING`] with `edit` applied to its parsed form.
fn training_with(edit: impl FnOnce(&mut Value)) -> String {
    let mut event: Value = serde_json::from_str(TRAINING).expect("the sample is JSON");
    edit(&mut event);
    event.to_string()
}

fn detail_field(event: &mut Value, field: &str, value: Value) {
    event["detail"][field] = value;
}

fn without_detail_field(event: &mut Value, field: &str) {
    if let Some(detail) = event["detail"].as_object_mut() {
        detail.remove(field);
    }
}

#[test]
fn a_training_event_decodes_every_field() {
    assert_eq!(
        change(TRAINING),
        StreamChange {
            event_id: "844e2571-85d4-695f-b930-0153b71dcb42".into(),
            time: at("2024-03-10T09:18:09Z"),
            account_id: "111122223333".into(),
            region: "us-east-1".into(),
            kind: ResourceKind::Training,
            name: "churn-xgb-2024-03-10".into(),
            arn: Some(
                "arn:aws:sagemaker:us-east-1:111122223333:training-job/churn-xgb-2024-03-10".into()
            ),
            status: JobStatus::from("Failed"),
            failure_reason: Some("AlgorithmError: ExecuteUserScriptError: exit code 1".into()),
            instance_type: Some(CompactString::from("ml.m5.xlarge")),
            instance_count: Some(2),
            created_at: Some(at("2024-03-10T09:11:29.050Z")),
            ended_at: Some(at("2024-03-10T09:18:09Z")),
            last_modified_at: Some(at("2024-03-10T09:18:09.050Z")),
            tags: Some(tags(&[("owner", "ana"), ("team", "growth")])),
        }
    );
}

/// Shaped like the published processing sample: numbers for times, no tags, and an
/// `ExitMessage` that is not a failure reason.
#[test]
fn a_processing_event_decodes_every_field() {
    let message = r#"{
      "version": "0",
      "id": "0a15f67d-aa23-0123-0123-01a23e89f01e",
      "detail-type": "SageMaker Processing Job State Change",
      "source": "aws.sagemaker",
      "account": "111122223333",
      "time": "2024-01-03T22:25:47Z",
      "region": "us-west-2",
      "resources": ["arn:aws:sagemaker:us-west-2:111122223333:processing-job/features-2024-01-03"],
      "detail": {
        "ProcessingInputs": [{
          "InputName": "raw",
          "S3Input": {
            "S3Uri": "s3://ml-data/raw/",
            "LocalPath": "/opt/ml/processing/input",
            "S3DataType": "S3Prefix",
            "S3InputMode": "File",
            "S3DataDistributionType": "FullyReplicated"
          }
        }],
        "ProcessingOutputConfig": {"Outputs": [{"OutputName": "features", "S3Output": {
          "S3Uri": "s3://ml-data/features/", "LocalPath": "/opt/ml/processing/output",
          "S3UploadMode": "EndOfJob"}}]},
        "ProcessingJobName": "features-2024-01-03",
        "ProcessingResources": {
          "ClusterConfig": {
            "InstanceCount": 3,
            "InstanceType": "ml.c5.xlarge",
            "VolumeSizeInGB": 5
          }
        },
        "StoppingCondition": {"MaxRuntimeInSeconds": 2000},
        "AppSpecification": {"ImageUri": "111122223333.dkr.ecr.us-west-2.amazonaws.com/features:latest"},
        "NetworkConfig": {"EnableInterContainerTrafficEncryption": true, "EnableNetworkIsolation": false},
        "RoleArn": "arn:aws:iam::111122223333:role/SageMakerExecution",
        "ExperimentConfig": {},
        "ProcessingJobArn": "arn:aws:sagemaker:us-west-2:111122223333:processing-job/features-2024-01-03",
        "ProcessingJobStatus": "Failed",
        "ExitMessage": "Traceback (most recent call last): ...",
        "FailureReason": "InternalServerError: We encountered an internal error.  Please try again.",
        "ProcessingEndTime": 1704320746000,
        "ProcessingStartTime": 1704320734000,
        "LastModifiedTime": 1704320746000,
        "CreationTime": 1704320199000
      }
    }"#;
    assert_eq!(
        change(message),
        StreamChange {
            event_id: "0a15f67d-aa23-0123-0123-01a23e89f01e".into(),
            time: at("2024-01-03T22:25:47Z"),
            account_id: "111122223333".into(),
            region: "us-west-2".into(),
            kind: ResourceKind::Processing,
            name: "features-2024-01-03".into(),
            arn: Some(
                "arn:aws:sagemaker:us-west-2:111122223333:processing-job/features-2024-01-03"
                    .into()
            ),
            status: JobStatus::from("Failed"),
            failure_reason: Some(
                "InternalServerError: We encountered an internal error.  Please try again.".into()
            ),
            instance_type: Some(CompactString::from("ml.c5.xlarge")),
            instance_count: Some(3),
            created_at: Some(at("2024-01-03T22:16:39Z")),
            ended_at: Some(at("2024-01-03T22:25:46Z")),
            last_modified_at: Some(at("2024-01-03T22:25:46Z")),
            tags: None,
        }
    );
}

/// Shaped like the published transform sample (ISO times, no `LastModifiedTime`), with the
/// `null`s real events carry for what is not known yet, and tags as the API's list.
#[test]
fn a_transform_event_decodes_every_field() {
    let message = r#"{
      "version": "0",
      "id": "29f939a9-3cce-a8e1-24c7-3d8db2861245",
      "detail-type": "SageMaker Transform Job State Change",
      "source": "aws.sagemaker",
      "account": "111122223333",
      "time": "2023-10-04T13:46:47Z",
      "region": "eu-west-1",
      "resources": ["arn:aws:sagemaker:eu-west-1:111122223333:transform-job/score-batch-42"],
      "detail": {
        "TransformJobName": "score-batch-42",
        "TransformJobArn": "arn:aws:sagemaker:eu-west-1:111122223333:transform-job/score-batch-42",
        "TransformJobStatus": "InProgress",
        "FailureReason": null,
        "ModelName": "churn-xgb",
        "MaxConcurrentTransforms": 4,
        "MaxPayloadInMB": 6,
        "BatchStrategy": "MultiRecord",
        "Environment": {},
        "TransformInput": {
          "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://ml-data/score/"}},
          "ContentType": "text/csv",
          "CompressionType": "None",
          "SplitType": "Line"
        },
        "TransformOutput": {"S3OutputPath": "s3://ml-data/scored/", "Accept": "text/csv", "AssembleWith": "Line"},
        "TransformResources": {"InstanceType": "ml.m5.2xlarge", "InstanceCount": 4},
        "CreationTime": "2023-10-04T13:46:22.554Z",
        "TransformStartTime": "2023-10-04T13:46:26.229Z",
        "TransformEndTime": null,
        "Tags": [{"Key": "project", "Value": "churn"}, {"Key": "cost-center", "Value": "4410"}]
      }
    }"#;
    assert_eq!(
        change(message),
        StreamChange {
            event_id: "29f939a9-3cce-a8e1-24c7-3d8db2861245".into(),
            time: at("2023-10-04T13:46:47Z"),
            account_id: "111122223333".into(),
            region: "eu-west-1".into(),
            kind: ResourceKind::Transform,
            name: "score-batch-42".into(),
            arn: Some(
                "arn:aws:sagemaker:eu-west-1:111122223333:transform-job/score-batch-42".into()
            ),
            status: JobStatus::from("InProgress"),
            failure_reason: None,
            instance_type: Some(CompactString::from("ml.m5.2xlarge")),
            instance_count: Some(4),
            created_at: Some(at("2023-10-04T13:46:22.554Z")),
            ended_at: None,
            last_modified_at: None,
            tags: Some(tags(&[("cost-center", "4410"), ("project", "churn")])),
        }
    );
}

#[test]
fn a_tuning_event_decodes_every_field() {
    let message = r#"{
      "version": "0",
      "id": "fe4d5d99-24ab-b3bc-ca34-493e23b1b1bc",
      "detail-type": "SageMaker HyperParameter Tuning Job State Change",
      "source": "aws.sagemaker",
      "account": "111122223333",
      "time": "2023-10-04T13:46:49Z",
      "region": "us-east-1",
      "resources": ["arn:aws:sagemaker:us-east-1:111122223333:hyper-parameter-tuning-job/churn-hpo-7"],
      "detail": {
        "HyperParameterTuningJobName": "churn-hpo-7",
        "HyperParameterTuningJobArn": "arn:aws:sagemaker:us-east-1:111122223333:hyper-parameter-tuning-job/churn-hpo-7",
        "HyperParameterTuningJobConfig": {"Strategy": "Bayesian"},
        "TrainingJobDefinition": {
          "StaticHyperParameters": {},
          "AlgorithmSpecification": {"TrainingImage": "xgboost", "TrainingInputMode": "File"},
          "RoleArn": "arn:aws:iam::111122223333:role/SageMakerExecution",
          "ResourceConfig": {
            "InstanceType": "ml.g5.xlarge",
            "InstanceCount": 1,
            "VolumeSizeInGB": 50
          },
          "StoppingCondition": {"MaxRuntimeInSeconds": 3600}
        },
        "HyperParameterTuningJobStatus": "Completed",
        "CreationTime": "1696426861998",
        "HyperParameterTuningEndTime": "1696427209672",
        "LastModifiedTime": "1696427209672",
        "TrainingJobStatusCounters": {"Completed": 6, "InProgress": 0, "RetryableError": 0, "NonRetryableError": 0, "Stopped": 0},
        "ObjectiveStatusCounters": {"Succeeded": 6, "Pending": 0, "Failed": 0},
        "Tags": {"team": "growth"}
      }
    }"#;
    assert_eq!(
        change(message),
        StreamChange {
            event_id: "fe4d5d99-24ab-b3bc-ca34-493e23b1b1bc".into(),
            time: at("2023-10-04T13:46:49Z"),
            account_id: "111122223333".into(),
            region: "us-east-1".into(),
            kind: ResourceKind::Tuning,
            name: "churn-hpo-7".into(),
            arn: Some(
                "arn:aws:sagemaker:us-east-1:111122223333:hyper-parameter-tuning-job/churn-hpo-7"
                    .into()
            ),
            status: JobStatus::from("Completed"),
            failure_reason: None,
            instance_type: Some(CompactString::from("ml.g5.xlarge")),
            instance_count: Some(1),
            created_at: Some(at("2023-10-04T13:41:01.998Z")),
            ended_at: Some(at("2023-10-04T13:46:49.672Z")),
            last_modified_at: Some(at("2023-10-04T13:46:49.672Z")),
            tags: Some(tags(&[("team", "growth")])),
        }
    );
}

/// Shaped like the published endpoint sample: UPPER_SNAKE status, float epoch milliseconds.
#[test]
fn an_endpoint_event_decodes_every_field() {
    let message = r#"{
      "version": "0",
      "id": "d2921b5a-b0ad-cace-a8e3-0f159d018e06",
      "detail-type": "SageMaker Endpoint State Change",
      "source": "aws.sagemaker",
      "account": "111122223333",
      "time": "2020-06-17T16:39:55Z",
      "region": "us-west-2",
      "resources": ["arn:aws:sagemaker:us-west-2:111122223333:endpoint/churn-live"],
      "detail": {
        "EndpointName": "churn-live",
        "EndpointArn": "arn:aws:sagemaker:us-west-2:111122223333:endpoint/churn-live",
        "EndpointConfigName": "churn-live-config-3",
        "ProductionVariants": [
          {"VariantName": "blue", "InstanceType": "ml.c5.large", "CurrentWeight": 0.9,
           "DesiredWeight": 0.9, "CurrentInstanceCount": 2, "DesiredInstanceCount": 2},
          {"VariantName": "green", "InstanceType": "ml.c5.xlarge", "CurrentWeight": 0.1,
           "DesiredWeight": 0.1, "CurrentInstanceCount": 1.0, "DesiredInstanceCount": 1.0}
        ],
        "EndpointStatus": "IN_SERVICE",
        "CreationTime": 1592411992203.0,
        "LastModifiedTime": 1592411994287.0,
        "Tags": {}
      }
    }"#;
    assert_eq!(
        change(message),
        StreamChange {
            event_id: "d2921b5a-b0ad-cace-a8e3-0f159d018e06".into(),
            time: at("2020-06-17T16:39:55Z"),
            account_id: "111122223333".into(),
            region: "us-west-2".into(),
            kind: ResourceKind::Endpoint,
            name: "churn-live".into(),
            arn: Some("arn:aws:sagemaker:us-west-2:111122223333:endpoint/churn-live".into()),
            status: JobStatus::from("InService"),
            failure_reason: None,
            instance_type: Some(CompactString::from("ml.c5.large")),
            instance_count: Some(3),
            created_at: Some(at("2020-06-17T16:39:52.203Z")),
            ended_at: None,
            last_modified_at: Some(at("2020-06-17T16:39:54.287Z")),
            tags: Some(Tags::new()),
        }
    );
}

/// Shaped like notebook events seen in the wild: the ARN spells the name in lower case.
#[test]
fn a_notebook_event_decodes_every_field() {
    let message = r#"{
      "version": "0",
      "id": "c52a2573-8588-a7f6-1bfb-42542a01fcb2",
      "detail-type": "SageMaker Notebook Instance State Change",
      "source": "aws.sagemaker",
      "account": "111122223333",
      "time": "2022-05-26T19:21:17Z",
      "region": "us-east-1",
      "resources": ["arn:aws:sagemaker:us-east-1:111122223333:notebook-instance/ana-scratch"],
      "detail": {
        "NotebookInstanceArn": "arn:aws:sagemaker:us-east-1:111122223333:notebook-instance/ana-scratch",
        "NotebookInstanceName": "Ana-Scratch",
        "NotebookInstanceStatus": "Stopping",
        "InstanceType": "ml.t3.medium",
        "SubnetId": "subnet-0bd8f38199152daa5",
        "SecurityGroups": ["sg-089fe63490b1adce7"],
        "RoleArn": "arn:aws:iam::111122223333:role/SageMakerExecution",
        "NetworkInterfaceId": "eni-016c977608de8f30b",
        "LastModifiedTime": 1653592871348,
        "CreationTime": 1653592049755,
        "DirectInternetAccess": "Enabled",
        "Tags": {"owner": "ana", "aws:cloudformation:stack-name": "notebooks"}
      }
    }"#;
    assert_eq!(
        change(message),
        StreamChange {
            event_id: "c52a2573-8588-a7f6-1bfb-42542a01fcb2".into(),
            time: at("2022-05-26T19:21:17Z"),
            account_id: "111122223333".into(),
            region: "us-east-1".into(),
            kind: ResourceKind::Notebook,
            name: "Ana-Scratch".into(),
            arn: Some(
                "arn:aws:sagemaker:us-east-1:111122223333:notebook-instance/ana-scratch".into()
            ),
            status: JobStatus::from("Stopping"),
            failure_reason: None,
            instance_type: Some(CompactString::from("ml.t3.medium")),
            instance_count: None,
            created_at: Some(at("2022-05-26T19:07:29.755Z")),
            ended_at: None,
            last_modified_at: Some(at("2022-05-26T19:21:11.348Z")),
            tags: Some(tags(&[
                ("aws:cloudformation:stack-name", "notebooks"),
                ("owner", "ana")
            ])),
        }
    );
}

/// Shaped like the published HyperPod sample: an empty `FailureMessage` when nothing failed,
/// instance groups of their own types.
#[test]
fn a_hyperpod_cluster_event_decodes_every_field() {
    let message = r#"{
       "version": "0",
       "id": "0bd4a141-0a02-9d8a-f977-3924c3fb259c",
       "detail-type": "SageMaker HyperPod Cluster State Change",
       "source": "aws.sagemaker",
       "account": "111122223333",
       "time": "2025-04-28T16:59:01Z",
       "region": "us-west-2",
       "resources": ["arn:aws:sagemaker:us-west-2:111122223333:cluster/llm-pretrain"],
       "detail": {
          "ClusterArn": "arn:aws:sagemaker:us-west-2:111122223333:cluster/llm-pretrain",
          "ClusterName": "llm-pretrain",
          "ClusterStatus": "InService",
          "CreationTime": 1745858447412,
          "FailureMessage": "",
          "InstanceGroups": [
             {"CurrentCount": 1, "InstanceGroupName": "controller", "InstanceType": "ml.t3.medium",
              "Status": "InService", "TargetCount": 1, "ThreadsPerCore": 2},
             {"CurrentCount": 8, "InstanceGroupName": "workers", "InstanceType": "ml.p5.48xlarge",
              "Status": "InService", "TargetCount": 8, "ThreadsPerCore": 1}
          ],
          "NodeRecovery": "Automatic",
          "Orchestrator": {"Eks": {"ClusterArn": "arn:aws:eks:us-west-2:111122223333:cluster/pretrain"}},
          "VpcConfig": {"SecurityGroupIds": ["sg-2"], "Subnets": ["subnet-2"]}
       }
    }"#;
    assert_eq!(
        change(message),
        StreamChange {
            event_id: "0bd4a141-0a02-9d8a-f977-3924c3fb259c".into(),
            time: at("2025-04-28T16:59:01Z"),
            account_id: "111122223333".into(),
            region: "us-west-2".into(),
            kind: ResourceKind::HyperPodCluster,
            name: "llm-pretrain".into(),
            arn: Some("arn:aws:sagemaker:us-west-2:111122223333:cluster/llm-pretrain".into()),
            status: JobStatus::from("InService"),
            failure_reason: None,
            instance_type: None,
            instance_count: None,
            created_at: Some(at("2025-04-28T16:40:47.412Z")),
            ended_at: None,
            last_modified_at: None,
            tags: None,
        }
    );
}

#[test]
fn upper_snake_statuses_take_the_apis_spelling() {
    for (sent, api) in [
        ("IN_SERVICE", "InService"),
        ("OUT_OF_SERVICE", "OutOfService"),
        ("FAILED", "Failed"),
        ("IN_PROGRESS", "InProgress"),
        ("SYSTEM_UPDATING", "SystemUpdating"),
        ("ROLLING_BACK", "RollingBack"),
        ("UPDATE_ROLLBACK_FAILED", "UpdateRollbackFailed"),
        ("CREATING", "Creating"),
        ("in_service", "InService"),
        // Already the API's spelling, or mixed case that is not ours to change.
        ("InService", "InService"),
        ("Stopped", "Stopped"),
        ("failed", "failed"),
    ] {
        let message = training_with(|e| detail_field(e, "TrainingJobStatus", json!(sent)));
        assert_eq!(change(&message).status, JobStatus::from(api), "{sent}");
    }
}

#[test]
fn a_status_that_is_not_a_word_is_a_bad_value() {
    let long = "A".repeat(MAX_STATUS_CHARS + 1);
    for (sent, why) in [
        // The published transform sample's placeholder.
        (
            "another status... GO",
            "has characters other than letters and underscores",
        ),
        (
            "In\u{1b}Service",
            "has characters other than letters and underscores",
        ),
        (
            "Ínservice",
            "has characters other than letters and underscores",
        ),
        ("", "has no letters"),
        ("___", "has no letters"),
        (long.as_str(), "is too long"),
    ] {
        let message = training_with(|e| detail_field(e, "TrainingJobStatus", json!(sent)));
        assert_eq!(
            decode(&message),
            Err(Skip::BadValue {
                field: "TrainingJobStatus",
                why
            }),
            "{sent:?}"
        );
    }
    let longest = "A".repeat(MAX_STATUS_CHARS);
    let message = training_with(|e| detail_field(e, "TrainingJobStatus", json!(longest)));
    assert_eq!(change(&message).status.as_str().len(), MAX_STATUS_CHARS);
}

#[test]
fn times_are_read_as_epoch_milliseconds_numbers_strings_or_iso_text() {
    let created = |value: Value| {
        let message = training_with(|e| detail_field(e, "CreationTime", value));
        change(&message).created_at
    };
    let expected = Some(at("2024-03-10T09:11:29.050Z"));
    assert_eq!(
        created(json!(1710061889050_i64)),
        expected,
        "epoch ms number"
    );
    assert_eq!(created(json!(1710061889050.0)), expected, "epoch ms float");
    assert_eq!(created(json!("1710061889050")), expected, "epoch ms string");
    assert_eq!(
        created(json!("1710061889050.0")),
        expected,
        "epoch ms float string"
    );
    assert_eq!(
        created(json!("2024-03-10T09:11:29.050Z")),
        expected,
        "RFC 3339"
    );
    assert_eq!(
        created(json!("2024-03-10T10:11:29.05+01:00")),
        expected,
        "offset"
    );
    assert_eq!(
        created(json!("2024-03-10 09:11:29.050+00:00")),
        expected,
        "space"
    );
    assert_eq!(
        created(json!("2024-03-10T09:11:29.050")),
        expected,
        "no offset: UTC"
    );
    // The API's own wire format: epoch seconds.
    assert_eq!(created(json!(1710061889.05)), expected, "epoch seconds");
    assert_eq!(created(json!(1710061889)), Some(at("2024-03-10T09:11:29Z")));
    // An optional time that is not one is dropped, not a reason to skip the event.
    for nonsense in [
        json!("yesterday"),
        json!(""),
        json!(-5),
        json!(1e300),
        json!("99999999999999999999999"),
        json!(true),
        json!({"epoch": 1}),
        Value::Null,
    ] {
        assert_eq!(created(nonsense.clone()), None, "{nonsense}");
    }
}

/// The published endpoint sample's envelope `time` is epoch milliseconds, as a string.
#[test]
fn the_envelope_time_may_be_epoch_milliseconds_but_must_be_a_time() {
    let message = training_with(|e| e["time"] = json!("1583831889050"));
    assert_eq!(change(&message).time, at("2020-03-10T09:18:09.050Z"));
    let message = training_with(|e| e["time"] = json!("last tuesday"));
    assert_eq!(
        decode(&message),
        Err(Skip::BadValue {
            field: "time",
            why: "is not an RFC 3339 time or epoch milliseconds"
        })
    );
    let message = training_with(|e| e["time"] = json!(["2024-03-10T09:18:09Z"]));
    assert_eq!(
        decode(&message),
        Err(Skip::Malformed {
            field: Some("time"),
            why: "is not a string"
        })
    );
}

#[test]
fn tags_are_read_from_a_map_or_a_list() {
    let tags_of = |value: Value| {
        let message = training_with(|e| detail_field(e, "Tags", value));
        change(&message).tags
    };
    let expected = Some(tags(&[("owner", "ana"), ("team", "growth")]));
    assert_eq!(tags_of(json!({"team": "growth", "owner": "ana"})), expected);
    assert_eq!(
        tags_of(json!([
            {"Key": "team", "Value": "growth"},
            {"Key": "owner", "Value": "ana"}
        ])),
        expected
    );
    // A pair that is not text is left out; a list entry without a value has an empty one.
    assert_eq!(
        tags_of(json!({"team": "growth", "owner": "ana", "count": 3, "nested": {"a": "b"}})),
        expected
    );
    assert_eq!(
        tags_of(json!([{"Key": "team"}, {"Value": "orphan"}, "loose", {"Key": 1, "Value": "x"}])),
        Some(tags(&[("team", "")]))
    );
    assert_eq!(tags_of(json!({})), Some(Tags::new()));
    assert_eq!(tags_of(json!([])), Some(Tags::new()));
    // Not tags at all: dropped.
    assert_eq!(tags_of(json!("team=growth")), None);
    assert_eq!(tags_of(Value::Null), None);
    let message = training_with(|e| without_detail_field(e, "Tags"));
    assert_eq!(change(&message).tags, None);
}

#[test]
fn tags_are_bounded_in_number_and_length() {
    let many: serde_json::Map<String, Value> =
        (0..80).map(|i| (format!("k{i:02}"), json!("v"))).collect();
    let message = training_with(|e| detail_field(e, "Tags", Value::Object(many)));
    let kept = change(&message).tags.expect("tags");
    assert_eq!(kept.len(), MAX_TAGS);
    assert_eq!(kept.keys().next(), Some("k00"));

    let key = "ключ".repeat(100);
    let value = "é".repeat(1000);
    let message = training_with(|e| detail_field(e, "Tags", json!({ key.clone(): value })));
    let kept = change(&message).tags.expect("tags");
    let (k, v) = kept.iter().next().expect("one tag");
    assert_eq!(k, "ключ".repeat(32));
    assert_eq!(v, "é".repeat(MAX_TAG_VALUE_CHARS));
}

#[test]
fn a_long_failure_reason_is_cut_on_a_character_boundary() {
    // 1 MB inside an event is past EventBridge's limit, so `decode` refuses the message
    // whole; the cut itself is checked on the parsed event.
    let huge = "é".repeat(500_000);
    let mut event: Value = serde_json::from_str(TRAINING).expect("the sample is JSON");
    detail_field(&mut event, "FailureReason", json!(huge));
    assert_eq!(
        decode(&event.to_string()),
        Err(Skip::TooLarge(event.to_string().len()))
    );
    let Ok(Decoded::Change(decoded)) = decode_event(&event) else {
        panic!("the event decodes");
    };
    assert_eq!(decoded.failure_reason, Some("é".repeat(MAX_FAILURE_CHARS)));

    // 200 KB fits in an event and is cut the same way.
    let big = format!("x{}", "é".repeat(100_000));
    let message = training_with(|e| detail_field(e, "FailureReason", json!(big)));
    assert!(message.len() <= MAX_MESSAGE_BYTES);
    let reason = change(&message).failure_reason.expect("a reason");
    assert_eq!(reason.chars().count(), MAX_FAILURE_CHARS);
    assert!(reason.starts_with("xé"));
}

#[test]
fn a_message_over_eventbridges_limit_is_too_large() {
    let padding = "a".repeat(300 * 1024);
    let message = training_with(|e| detail_field(e, "Padding", json!(padding)));
    assert_eq!(decode(&message), Err(Skip::TooLarge(message.len())));
    let garbage = "{".repeat(MAX_MESSAGE_BYTES + 1);
    assert_eq!(decode(&garbage), Err(Skip::TooLarge(MAX_MESSAGE_BYTES + 1)));
}

/// Names and reasons are data: what the display code makes visible must reach it unchanged.
#[test]
fn escape_sequences_are_kept_verbatim() {
    let name = "job\u{1b}]0;owned\u{7}\u{1b}[2J\u{202e}";
    let reason = "line one\nline two\u{1b}[31m red \u{0}";
    let message = training_with(|e| {
        detail_field(e, "TrainingJobName", json!(name));
        detail_field(e, "FailureReason", json!(reason));
        detail_field(e, "Tags", json!({"k\u{1b}": "v\u{9b}"}));
    });
    let decoded = change(&message);
    assert_eq!(decoded.name, name);
    assert_eq!(decoded.failure_reason.as_deref(), Some(reason));
    assert_eq!(decoded.tags, Some(tags(&[("k\u{1b}", "v\u{9b}")])));
}

#[test]
fn names_must_be_present_and_bounded() {
    let message = training_with(|e| without_detail_field(e, "TrainingJobName"));
    assert_eq!(decode(&message), Err(Skip::MissingField("TrainingJobName")));
    let message = training_with(|e| detail_field(e, "TrainingJobName", Value::Null));
    assert_eq!(decode(&message), Err(Skip::MissingField("TrainingJobName")));
    let message = training_with(|e| detail_field(e, "TrainingJobName", json!(42)));
    assert_eq!(
        decode(&message),
        Err(Skip::Malformed {
            field: Some("TrainingJobName"),
            why: "is not a string"
        })
    );
    let message = training_with(|e| detail_field(e, "TrainingJobName", json!("")));
    assert_eq!(
        decode(&message),
        Err(Skip::BadValue {
            field: "TrainingJobName",
            why: "is empty"
        })
    );
    let longest = "é".repeat(MAX_NAME_CHARS);
    let message = training_with(|e| detail_field(e, "TrainingJobName", json!(longest)));
    assert_eq!(change(&message).name, longest);
    let message =
        training_with(|e| detail_field(e, "TrainingJobName", json!(format!("{longest}x"))));
    assert_eq!(
        decode(&message),
        Err(Skip::BadValue {
            field: "TrainingJobName",
            why: "is too long"
        })
    );
}

#[test]
fn a_missing_status_is_a_missing_field() {
    let message = training_with(|e| without_detail_field(e, "TrainingJobStatus"));
    assert_eq!(
        decode(&message),
        Err(Skip::MissingField("TrainingJobStatus"))
    );
    let message = training_with(|e| detail_field(e, "TrainingJobStatus", Value::Null));
    assert_eq!(
        decode(&message),
        Err(Skip::MissingField("TrainingJobStatus"))
    );
    let message = training_with(|e| detail_field(e, "TrainingJobStatus", json!({"v": "Failed"})));
    assert_eq!(
        decode(&message),
        Err(Skip::Malformed {
            field: Some("TrainingJobStatus"),
            why: "is not a string"
        })
    );
}

#[test]
fn the_account_must_be_twelve_digits() {
    for bad in [
        "12345",
        "1111222233334",
        "11112222333a",
        "１１１１２２２２３３３３",
        "",
    ] {
        let message = training_with(|e| e["account"] = json!(bad));
        assert_eq!(
            decode(&message),
            Err(Skip::BadValue {
                field: "account",
                why: "is not 12 digits"
            }),
            "{bad:?}"
        );
    }
    let message = training_with(|e| e["account"] = json!(111122223333_u64));
    assert_eq!(
        decode(&message),
        Err(Skip::Malformed {
            field: Some("account"),
            why: "is not a string"
        })
    );
    let message = training_with(|e| {
        e.as_object_mut().map(|o| o.remove("account"));
    });
    assert_eq!(decode(&message), Err(Skip::MissingField("account")));
}

#[test]
fn the_region_and_id_must_be_plausible() {
    for bad in [
        "",
        "US-EAST-1",
        "us_east_1",
        "us-east-1\u{1b}",
        &"a".repeat(33),
    ] {
        let message = training_with(|e| e["region"] = json!(bad));
        assert_eq!(
            decode(&message),
            Err(Skip::BadValue {
                field: "region",
                why: "is not 1 to 32 of a-z, 0-9 and -"
            }),
            "{bad:?}"
        );
    }
    let message = training_with(|e| e["id"] = json!(""));
    assert_eq!(
        decode(&message),
        Err(Skip::BadValue {
            field: "id",
            why: "is empty"
        })
    );
    let message = training_with(|e| e["id"] = json!("i".repeat(129)));
    assert_eq!(
        decode(&message),
        Err(Skip::BadValue {
            field: "id",
            why: "is too long"
        })
    );
}

#[test]
fn only_a_plausible_sagemaker_arn_is_kept() {
    let arn_of = |value: Value| {
        let message = training_with(|e| detail_field(e, "TrainingJobArn", value));
        decode(&message).map(|decoded| match decoded {
            Decoded::Change(change) => change.arn,
            Decoded::Ignored(kind) => panic!("ignored as {kind}"),
        })
    };
    for kept in [
        "arn:aws:sagemaker:us-east-1:111122223333:training-job/a",
        "arn:aws-cn:sagemaker:cn-north-1:111122223333:training-job/a",
        "arn:aws-us-gov:sagemaker:us-gov-west-1:111122223333:training-job/a:b/c",
        // The published tuning sample's; not the segment SageMaker uses, still an ARN.
        "arn:aws:sagemaker:us-east-1:111122223333:tuningJob/x",
    ] {
        assert_eq!(arn_of(json!(kept)), Ok(Some(kept.to_string())));
    }
    for dropped in [
        json!("arn:aws:s3:::bucket"),
        json!("arn:aws:sagemaker:us-east-1:1111:training-job/a"),
        json!("arn:aws:sagemaker:us-east-1:111122223333:"),
        json!("arn:azure:sagemaker:us-east-1:111122223333:training-job/a"),
        json!("training-job/a"),
        json!(7),
        Value::Null,
    ] {
        assert_eq!(arn_of(dropped.clone()), Ok(None), "{dropped}");
    }
    let long = format!(
        "arn:aws:sagemaker:us-east-1:111122223333:training-job/{}",
        "a".repeat(MAX_ARN_CHARS)
    );
    assert_eq!(
        arn_of(json!(long)),
        Err(Skip::BadValue {
            field: "TrainingJobArn",
            why: "is too long"
        })
    );
}

#[test]
fn counts_and_instance_types_of_the_wrong_shape_are_dropped() {
    let count_of = |value: Value| {
        let message = training_with(|e| e["detail"]["ResourceConfig"]["InstanceCount"] = value);
        change(&message).instance_count
    };
    assert_eq!(count_of(json!(4)), Some(4));
    assert_eq!(count_of(json!(4.0)), Some(4));
    assert_eq!(count_of(json!("4")), Some(4));
    for dropped in [
        json!(-1),
        json!(4.5),
        json!(1_u64 << 40),
        json!("four"),
        json!(""),
        json!([4]),
    ] {
        assert_eq!(count_of(dropped.clone()), None, "{dropped}");
    }
    let type_of = |value: Value| {
        let message = training_with(|e| e["detail"]["ResourceConfig"]["InstanceType"] = value);
        change(&message).instance_type
    };
    assert_eq!(type_of(json!("")), None);
    assert_eq!(type_of(json!("m".repeat(65))), None);
    assert_eq!(type_of(json!(5)), None);
    let message = training_with(|e| detail_field(e, "ResourceConfig", json!("ml.m5.xlarge")));
    let decoded = change(&message);
    assert_eq!(
        (decoded.instance_type, decoded.instance_count),
        (None, None)
    );
}

#[test]
fn an_endpoint_without_current_counts_has_no_count() {
    // As published: variants with only desired counts.
    let message = r#"{"version": "0", "id": "d2921b5a-b0ad-cace-a8e3-0f159d018e06",
      "detail-type": "SageMaker Endpoint State Change", "source": "aws.sagemaker",
      "account": "111122223333", "time": "1583831889050", "region": "us-west-2",
      "resources": ["arn:aws:sagemaker:us-west-2:111122223333:endpoint/myendpoint"],
      "detail": {"EndpointName": "MyEndpoint",
        "EndpointArn": "arn:aws:sagemaker:us-west-2:111122223333:endpoint/myendpoint",
        "EndpointConfigName": "MyEndpointConfig",
        "ProductionVariants": [{"DesiredWeight": 1.0, "DesiredInstanceCount": 1.0}],
        "EndpointStatus": "OUT_OF_SERVICE", "FailureReason": "capacity",
        "CreationTime": 1592411992203.0, "LastModifiedTime": 1592411994287.0, "Tags": {}}}"#;
    let decoded = change(message);
    assert_eq!(decoded.time, at("2020-03-10T09:18:09.050Z"));
    assert_eq!(decoded.status, JobStatus::from("OutOfService"));
    assert_eq!(decoded.failure_reason.as_deref(), Some("capacity"));
    assert_eq!(
        (decoded.instance_type, decoded.instance_count),
        (None, None)
    );
}

#[test]
fn an_unknown_detail_type_is_named_cut_short() {
    let message = training_with(|e| e["detail-type"] = json!("SageMaker Brand New Thing"));
    assert_eq!(
        decode(&message),
        Err(Skip::UnknownDetailType("SageMaker Brand New Thing".into()))
    );
    let long = "x".repeat(10_000);
    let message = training_with(|e| e["detail-type"] = json!(long));
    assert_eq!(
        decode(&message),
        Err(Skip::UnknownDetailType("x".repeat(SKIP_ECHO_CHARS)))
    );
}

#[test]
fn another_services_event_is_skipped_before_anything_else() {
    let message = r#"{"version": "0", "id": "7bf73129-1428-4cd3-a780-95db273d1602",
      "detail-type": "EC2 Instance State-change Notification", "source": "aws.ec2",
      "account": "111122223333", "time": "2024-03-10T09:18:09Z", "region": "us-east-1",
      "resources": ["arn:aws:ec2:us-east-1:111122223333:instance/i-abcd1111"],
      "detail": {"instance-id": "i-abcd1111", "state": "pending"}}"#;
    assert_eq!(decode(message), Err(Skip::OtherSource("aws.ec2".into())));
    // The right detail-type from the wrong source is still another service's.
    let message = training_with(|e| e["source"] = json!("my.app"));
    assert_eq!(decode(&message), Err(Skip::OtherSource("my.app".into())));
}

#[test]
fn sagemakers_other_events_are_ignored_on_purpose() {
    for kind in [
        "AWS API Call via CloudTrail",
        "SageMaker HyperPod Cluster Node Health Event",
        "SageMaker HyperPod Cluster Event",
        "SageMaker Endpoint Config State Change",
        "SageMaker Endpoint Deployment State Change",
        "SageMaker Model State Change",
        "SageMaker Model Package State Change",
        "SageMaker Feature Group State Change",
        "SageMaker Model Building Pipeline Execution Status Change",
        "SageMaker Tracking Server Started",
    ] {
        // Whatever the rest holds: an ignored event is not checked further.
        let message = json!({"source": "aws.sagemaker", "detail-type": kind, "account": "x"});
        assert_eq!(
            decode(&message.to_string()),
            Ok(Decoded::Ignored(kind)),
            "{kind}"
        );
    }
    let cloudtrail = r#"{"version": "0", "id": "d5db4f84-8aa3-cc8b-8193-9e709209f711",
      "detail-type": "AWS API Call via CloudTrail", "source": "aws.sagemaker",
      "account": "111122223333", "time": "2023-11-15T22:27:40Z", "region": "us-east-1",
      "resources": [], "detail": {"eventTime": "2023-11-15T22:27:40Z",
        "eventSource": "sagemaker.amazonaws.com", "eventName": "StopTrainingJob",
        "awsRegion": "us-east-1", "requestParameters": {"trainingJobName": "churn"},
        "responseElements": null, "eventType": "AwsApiCall"}}"#;
    assert_eq!(
        decode(cloudtrail),
        Ok(Decoded::Ignored("AWS API Call via CloudTrail"))
    );
}

/// The published model package sample names `source` twice, the second time as a list; JSON
/// keeps the last, so the event is malformed (and would be ignored if it were not).
#[test]
fn the_published_model_package_sample_has_a_malformed_source() {
    let message = r#"{"version": "0", "id": "844e2571-85d4-695f-b930-0153b71dcb42",
      "detail-type": "SageMaker Model Package State Change", "source": "aws.sagemaker",
      "account": "111122223333", "time": "2021-02-24T17:00:14Z", "region": "us-east-2",
      "resources": [], "source": ["aws.sagemaker"], "detail": {}}"#;
    assert_eq!(
        decode(message),
        Err(Skip::Malformed {
            field: Some("source"),
            why: "is not a string"
        })
    );
}

#[test]
fn what_is_not_an_event_object_is_malformed() {
    let not_json = Err(Skip::Malformed {
        field: None,
        why: "not JSON",
    });
    let not_object = Err(Skip::Malformed {
        field: None,
        why: "not a JSON object",
    });
    assert_eq!(decode(""), not_json);
    assert_eq!(decode("START RequestId: 42"), not_json);
    assert_eq!(decode(&TRAINING[..TRAINING.len() - 2]), not_json);
    assert_eq!(decode("[1, 2]"), not_object);
    assert_eq!(decode("\"aws.sagemaker\""), not_object);
    assert_eq!(decode("null"), not_object);
    assert_eq!(
        decode(&"[".repeat(10_000)),
        not_json,
        "deep nesting is refused"
    );
    assert_eq!(decode("{}"), Err(Skip::MissingField("source")));
    let message = training_with(|e| e["detail"] = json!("detail"));
    assert_eq!(
        decode(&message),
        Err(Skip::Malformed {
            field: Some("detail"),
            why: "is not an object"
        })
    );
    let message = training_with(|e| e["detail"] = Value::Null);
    assert_eq!(decode(&message), Err(Skip::MissingField("detail")));
}

#[test]
fn skips_read_as_short_log_lines_that_escape_the_input() {
    let lines = [
        (
            Skip::TooLarge(300_000),
            "message of 300000 bytes is over EventBridge's 262144-byte limit",
        ),
        (
            Skip::Malformed {
                field: None,
                why: "not JSON",
            },
            "malformed event: not JSON",
        ),
        (
            Skip::Malformed {
                field: Some("detail"),
                why: "is not an object",
            },
            "malformed event: `detail` is not an object",
        ),
        (
            Skip::OtherSource("evil\u{1b}[2J".into()),
            r#"source "evil\u{1b}[2J" is not aws.sagemaker"#,
        ),
        (
            Skip::UnknownDetailType("SageMaker New".into()),
            r#"unknown detail-type "SageMaker New""#,
        ),
        (
            Skip::MissingField("EndpointStatus"),
            "missing `EndpointStatus`",
        ),
        (
            Skip::BadValue {
                field: "account",
                why: "is not 12 digits",
            },
            "bad `account`: is not 12 digits",
        ),
    ];
    for (skip, line) in lines {
        assert_eq!(skip.to_string(), line);
    }
    let long = Skip::UnknownDetailType("y".repeat(5_000)).to_string();
    assert_eq!(
        long,
        format!("unknown detail-type \"{}\"", "y".repeat(SKIP_ECHO_CHARS))
    );
}

/// Every field name the decoder reads, and values that make them mean something: what an
/// arbitrary detail is made of, so the property tests reach the decoder's own paths.
const NAMES: &[&str] = &[
    "TrainingJobName",
    "TrainingJobArn",
    "TrainingJobStatus",
    "ProcessingJobName",
    "ProcessingJobStatus",
    "TransformJobName",
    "TransformJobStatus",
    "HyperParameterTuningJobName",
    "HyperParameterTuningJobStatus",
    "EndpointName",
    "EndpointArn",
    "EndpointStatus",
    "NotebookInstanceName",
    "NotebookInstanceStatus",
    "ClusterName",
    "ClusterStatus",
    "FailureReason",
    "FailureMessage",
    "ResourceConfig",
    "ProcessingResources",
    "ClusterConfig",
    "TransformResources",
    "TrainingJobDefinition",
    "ProductionVariants",
    "CurrentInstanceCount",
    "InstanceType",
    "InstanceCount",
    "CreationTime",
    "LastModifiedTime",
    "TrainingEndTime",
    "Tags",
    "Key",
    "Value",
    "IN_SERVICE",
    "InProgress",
    "1583831889050",
    "2024-03-10T09:18:09Z",
    "ml.m5.xlarge",
    "arn:aws:sagemaker:us-east-1:111122223333:training-job/x",
];

const DETAIL_TYPES: &[&str] = &[
    "SageMaker Training Job State Change",
    "SageMaker Processing Job State Change",
    "SageMaker Transform Job State Change",
    "SageMaker HyperParameter Tuning Job State Change",
    "SageMaker Endpoint State Change",
    "SageMaker Notebook Instance State Change",
    "SageMaker HyperPod Cluster State Change",
    "SageMaker Model State Change",
    "Something Else",
];

/// What any field may hold: arbitrary JSON, or text of the lengths and alphabets that sit
/// on either side of the decoder's bounds.
fn field_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        crate::testing::json_value(NAMES),
        "[A-Za-z_]{0,70}".prop_map(Value::String),
        "\\PC{0,300}".prop_map(Value::String),
        "[0-9]{11,14}".prop_map(Value::String),
        any::<u64>().prop_map(Value::from),
    ]
}

/// An envelope whose fields are usually right and sometimes anything, around a detail that
/// names every kind's name and status (so changes are reached) overlaid with arbitrary fields.
fn envelope() -> impl Strategy<Value = Value> {
    let usually = |right: BoxedStrategy<Value>| prop_oneof![3 => right, 1 => field_value()];
    (
        proptest::sample::select(DETAIL_TYPES),
        usually(Just(json!("aws.sagemaker")).boxed()),
        usually("[0-9a-f-]{1,40}".prop_map(Value::String).boxed()),
        usually("[0-9]{12}".prop_map(Value::String).boxed()),
        usually("[a-z0-9-]{1,32}".prop_map(Value::String).boxed()),
        usually(Just(json!("2024-03-10T09:18:09Z")).boxed()),
        "[A-Za-z_]{1,20}",
        proptest::collection::btree_map(proptest::sample::select(NAMES), field_value(), 0..10),
    )
        .prop_map(
            |(kind, source, id, account, region, time, status, overlay)| {
                let mut detail = serde_json::Map::new();
                for (name, status_field) in [
                    ("TrainingJobName", "TrainingJobStatus"),
                    ("ProcessingJobName", "ProcessingJobStatus"),
                    ("TransformJobName", "TransformJobStatus"),
                    (
                        "HyperParameterTuningJobName",
                        "HyperParameterTuningJobStatus",
                    ),
                    ("EndpointName", "EndpointStatus"),
                    ("NotebookInstanceName", "NotebookInstanceStatus"),
                    ("ClusterName", "ClusterStatus"),
                ] {
                    detail.insert(name.into(), json!("job-1"));
                    detail.insert(status_field.into(), json!(status));
                }
                for (field, value) in overlay {
                    detail.insert(field.into(), value);
                }
                json!({
                    "version": "0", "id": id, "detail-type": kind, "source": source,
                    "account": account, "time": time, "region": region, "resources": [],
                    "detail": detail,
                })
            },
        )
}

/// What any change decoded from anything must satisfy.
fn check_bounds(decoded: &Result<Decoded, Skip>) -> Result<(), TestCaseError> {
    match decoded {
        Ok(Decoded::Change(change)) => {
            prop_assert!(change.account_id.len() == 12);
            prop_assert!(change.account_id.bytes().all(|b| b.is_ascii_digit()));
            prop_assert!((1..=32).contains(&change.region.len()));
            prop_assert!(!change.event_id.is_empty());
            prop_assert!(!change.name.is_empty());
            prop_assert!(change.name.chars().count() <= MAX_NAME_CHARS);
            let status = change.status.as_str();
            prop_assert!(!status.is_empty() && status.len() <= MAX_STATUS_CHARS);
            prop_assert!(status.bytes().all(|b| b.is_ascii_alphabetic()));
            if let Some(arn) = &change.arn {
                prop_assert!(arn.starts_with("arn:aws"));
                prop_assert!(arn.chars().count() <= MAX_ARN_CHARS);
            }
            if let Some(reason) = &change.failure_reason {
                prop_assert!(reason.chars().count() <= MAX_FAILURE_CHARS);
            }
            if let Some(tags) = &change.tags {
                prop_assert!(tags.len() <= MAX_TAGS);
                for (key, value) in tags {
                    prop_assert!(key.chars().count() <= MAX_TAG_KEY_CHARS);
                    prop_assert!(value.chars().count() <= MAX_TAG_VALUE_CHARS);
                }
            }
        }
        Ok(Decoded::Ignored(_)) => {}
        Err(skip) => prop_assert!(skip.to_string().chars().count() <= 200, "{skip}"),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_text_decodes_or_skips(text in "\\PC{0,400}") {
        check_bounds(&decode(&text))?;
    }

    #[test]
    fn any_json_decodes_or_skips(value in crate::testing::json_value(NAMES)) {
        check_bounds(&decode(&value.to_string()))?;
    }

    /// Arbitrary JSON wrapped in an envelope, mostly right: no panic, bounds kept, and the
    /// sagemaker-shaped ones decode.
    #[test]
    fn any_envelope_decodes_or_skips(event in envelope()) {
        let decoded = decode(&event.to_string());
        check_bounds(&decoded)?;
        prop_assert_eq!(&decode_event(&event), &decoded);
    }

    /// Any detail at all inside a valid envelope of a decoded kind.
    #[test]
    fn any_detail_decodes_or_skips(
        kind in proptest::sample::select(DETAIL_TYPES),
        detail in crate::testing::json_value(NAMES),
    ) {
        let event = json!({
            "version": "0", "id": "e", "detail-type": kind, "source": "aws.sagemaker",
            "account": "111122223333", "time": "2024-03-10T09:18:09Z", "region": "us-east-1",
            "detail": detail,
        });
        check_bounds(&decode(&event.to_string()))?;
    }
}
