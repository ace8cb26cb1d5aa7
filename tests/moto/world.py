"""A moto server with seeded SageMaker worlds, driven over stdin/stdout by the Rust tests.

Runs moto in this process (so it can set statuses the HTTP API cannot: InProgress, Failed
with a reason, Stopped) on a free loopback port, and counts every AWS request by account,
region and operation.

Protocol: prints one JSON line {"port": N} once serving, then answers one JSON line per
command line read from stdin, and exits when stdin closes:

  {"cmd": "seed", "accounts": [...], "regions": [...], "big": N}
        reset moto, create the world, answer {"jobs": [...]} (every resource seeded)
  {"cmd": "add_training", "account": A, "region": R, "name": X, "status": S}
  {"cmd": "throttle", "account": A, "region": R, "operation": OP, "times": N,
   "code": C (optional, default ThrottlingException)}
        answer the next N matching requests with error C (HTTP 400), as SageMaker does
        past its quota (Cost Explorer: LimitExceededException, AccessDeniedException)
  {"cmd": "reset"}      reset moto (no world), forget throttles and the request log
  {"cmd": "ce_results", "account": A, "results": [GetCostAndUsage responses...]}
        queue Cost Explorer answers: each distinct request body takes the next one
        (a NextPageToken request is a distinct body, so pages are queued in order)
  {"cmd": "utilisation", "account": A, "region": R, "training": {...}, "endpoint": {...}}
        age a running training job and an in-service endpoint and publish their CloudWatch
        metrics (see World.utilisation), answer {"points": N}
  {"cmd": "requests"}   answer {"requests": [[time, account, region, operation], ...]}
        and start counting afresh
  {"cmd": "tag_world", "resources": [{"account", "region", "kind", "name", "tags": {k: v},
        "domain": name (user profiles only)}, ...]}
        reset moto and create exactly these resources with exactly these tags (a tag-hygiene
        world), answer {"arns": {name: arn}}
  {"cmd": "add_tags", "account": A, "region": R, "arn": X, "tags": {k: v}}   through the API
  {"cmd": "delete_tags", "account": A, "region": R, "arn": X, "keys": [k]}   through the API
  {"cmd": "touch", "account": A, "region": R, "arn": X}   the resource changed just now
        (LastModifiedTime), as AWS marks a job that moved on

Never set MOTO_ACCOUNT_ID: it would fold every account into one.
"""

import io
import json
import logging
import sys
import threading
import time
from datetime import timedelta
from urllib.parse import parse_qs

import boto3
from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.iam.models import get_account_id_from
from moto.moto_api import state_manager  # noqa: F401  (imported for its side effects)
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import SageMakerModelBackend, sagemaker_backends
from moto.sagemaker.responses import SageMakerResponse
from werkzeug.serving import make_server

DEFAULT_ACCOUNT = "123456789012"
ROLE = "arn:aws:iam::{account}:role/SageScopeReadOnly"
EXEC_ROLE = "arn:aws:iam::{account}:role/SageMakerExecution"
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/train:latest"


# --- moto gaps, filled the way the SageMaker API documents them -------------------------
#
# moto 5.2.x accepts SortBy/SortOrder on ListTrainingJobs, ListProcessingJobs and
# ListTransformJobs but ignores them (always insertion order), and pages 100 at a time
# when MaxResults is absent (AWS pages 10). These replacements sort and paginate as AWS
# does; filters are still applied by moto's own backend method.


def _sorted_lister(backend_method, summaries_key, name_key, status_key):
    def handler(self):
        max_results = self._get_int_param("MaxResults") or 10
        sort_by = self._get_param("SortBy", "CreationTime")
        descending = self._get_param("SortOrder", "Ascending") == "Descending"
        token = self._get_param("NextToken")
        result = getattr(self.sagemaker_backend, backend_method)(
            next_token=None,
            max_results=None,
            creation_time_after=self._get_param("CreationTimeAfter"),
            creation_time_before=self._get_param("CreationTimeBefore"),
            last_modified_time_after=self._get_param("LastModifiedTimeAfter"),
            last_modified_time_before=self._get_param("LastModifiedTimeBefore"),
            name_contains=self._get_param("NameContains"),
            status_equals=self._get_param("StatusEquals"),
        )
        key = {"Name": name_key, "Status": status_key}.get(sort_by, "CreationTime")
        items = sorted(
            result[summaries_key], key=lambda s: (s[key], s[name_key]), reverse=descending
        )
        start = int(token) if token else 0
        end = start + max_results
        return ActionResult(
            {
                summaries_key: items[start:end],
                "NextToken": str(end) if end < len(items) else None,
            }
        )

    return handler


SageMakerResponse.list_training_jobs = _sorted_lister(
    "list_training_jobs", "TrainingJobSummaries", "TrainingJobName", "TrainingJobStatus"
)
SageMakerResponse.list_processing_jobs = _sorted_lister(
    "list_processing_jobs",
    "ProcessingJobSummaries",
    "ProcessingJobName",
    "ProcessingJobStatus",
)
SageMakerResponse.list_transform_jobs = _sorted_lister(
    "list_transform_jobs", "TransformJobSummaries", "TransformJobName", "TransformJobStatus"
)


# moto 5.2.5 has no ListUserProfiles (nor CreateUserProfile): Studio user profiles are kept
# here per backend and served as the API documents them (the summary carries no ARN; the ARN
# is arn:aws:sagemaker:<region>:<account>:user-profile/<domain-id>/<name>). ListTags/AddTags
# find them through the ARN like every other resource.


class FakeUserProfile:
    def __init__(self, account, region, domain_id, name, tags):
        self.domain_id = domain_id
        self.name = name
        self.arn = f"arn:aws:sagemaker:{region}:{account}:user-profile/{domain_id}/{name}"
        self.tags = list(tags)
        self.status = "InService"
        self.creation_time = self.last_modified_time = utcnow()

    def summary(self):
        return {
            "DomainId": self.domain_id,
            "UserProfileName": self.name,
            "Status": self.status,
            "CreationTime": self.creation_time,
            "LastModifiedTime": self.last_modified_time,
        }


def user_profiles(backend):
    if not hasattr(backend, "fixture_user_profiles"):
        backend.fixture_user_profiles = {}
    return backend.fixture_user_profiles


def _list_user_profiles(self):
    max_results = self._get_int_param("MaxResults") or 10
    token = self._get_param("NextToken")
    items = sorted(
        user_profiles(self.sagemaker_backend).values(),
        key=lambda p: (p.creation_time, p.name),
        reverse=self._get_param("SortOrder", "Ascending") == "Descending",
    )
    domain = self._get_param("DomainIdEquals")
    if domain:
        items = [p for p in items if p.domain_id == domain]
    start = int(token) if token else 0
    end = start + max_results
    return ActionResult(
        {
            "UserProfiles": [p.summary() for p in items[start:end]],
            "NextToken": str(end) if end < len(items) else None,
        }
    )


SageMakerResponse.list_user_profiles = _list_user_profiles
_original_resource_from_arn = SageMakerModelBackend._get_resource_from_arn


def _resource_from_arn(self, arn):
    if ":user-profile/" in arn:
        profile = user_profiles(self).get(arn)
        if profile is None:
            raise ValidationError(message=f"Could not find user profile {arn}")
        return profile
    return _original_resource_from_arn(self, arn)


SageMakerModelBackend._get_resource_from_arn = _resource_from_arn


# --- request log -----------------------------------------------------------------------


class RequestLog:
    """WSGI middleware recording (time, account, region, operation) for each AWS request."""

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()
        self.events = []
        self.throttles = {}  # (account, region, operation) -> [requests left, error code]

    def __call__(self, environ, start_response):
        if not environ.get("PATH_INFO", "").startswith("/moto-api"):
            operation = environ.get("HTTP_X_AMZ_TARGET", "").rsplit(".", 1)[-1]
            if not operation:
                length = int(environ.get("CONTENT_LENGTH") or 0)
                body = environ["wsgi.input"].read(length) if length else b""
                environ["wsgi.input"] = io.BytesIO(body)
                query = parse_qs(body.decode("utf-8", "replace"))
                query.update(parse_qs(environ.get("QUERY_STRING", "")))
                operation = (query.get("Action") or ["?"])[0]
            auth = environ.get("HTTP_AUTHORIZATION", "")
            access_key, region = "?", "?"
            if "Credential=" in auth:
                scope = auth.split("Credential=", 1)[1].split(",", 1)[0].split("/")
                access_key = scope[0]
                region = scope[2] if len(scope) > 2 else "?"
            event = [time.time(), access_key, region, operation]
            with self.lock:
                self.events.append(event)
                key = (get_account_id_from(access_key), region, operation)
                left, code = self.throttles.get(key, (0, None))
                throttled = left > 0
                if throttled:
                    self.throttles[key] = (left - 1, code)
            if throttled:
                # Drain the request first: an unread body would corrupt the kept-alive
                # connection the client retries on.
                length = int(environ.get("CONTENT_LENGTH") or 0)
                if length:
                    environ["wsgi.input"].read(length)
                body = json.dumps({"__type": code, "message": "refused by the fixture"}).encode()
                start_response(
                    "400 Bad Request",
                    [("Content-Type", "application/x-amz-json-1.1"),
                     ("Content-Length", str(len(body)))],
                )
                return [body]
        return self.app(environ, start_response)

    def take(self):
        with self.lock:
            events, self.events = self.events, []
        # Resolve access keys to accounts now: assumed-role keys exist once AssumeRole ran.
        return [[t, get_account_id_from(key), region, op] for t, key, region, op in events]


# --- worlds ----------------------------------------------------------------------------


class World:
    def __init__(self, endpoint):
        self.endpoint = endpoint
        self.clients = {}

    def client(self, account, region, service="sagemaker"):
        key = (account, region, service)
        if key not in self.clients:
            creds = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
            if account != DEFAULT_ACCOUNT:
                sts = boto3.client("sts", region_name=region, endpoint_url=self.endpoint, **creds)
                got = sts.assume_role(
                    RoleArn=ROLE.format(account=account), RoleSessionName="seed"
                )["Credentials"]
                creds = {
                    "aws_access_key_id": got["AccessKeyId"],
                    "aws_secret_access_key": got["SecretAccessKey"],
                    "aws_session_token": got["SessionToken"],
                }
            self.clients[key] = boto3.client(
                service, region_name=region, endpoint_url=self.endpoint, **creds
            )
        return self.clients[key]

    def seed(self, accounts, regions, big):
        self.clients = {}
        jobs = []
        first = True
        for account in accounts:
            for region in regions:
                jobs += self.seed_scope(account, region, big if first else 3)
                first = False
        return jobs

    def seed_scope(self, account, region, n_training):
        sm = self.client(account, region)
        backend = sagemaker_backends[account][region]
        tag = f"{account}-{region}"
        role = EXEC_ROLE.format(account=account)
        now = utcnow()
        jobs = []

        def record(kind, name, status, reason=None):
            jobs.append(
                {"account": account, "region": region, "kind": kind, "name": name,
                 "status": status, "failure_reason": reason}
            )

        # Training: old completed history, plus one running, one failed, one stopped.
        for i in range(n_training):
            name = f"train-{tag}-{i:03d}"
            self.create_training(sm, name, role)
            job = backend.training_jobs[name]
            job.creation_time = now - timedelta(days=30, minutes=-i)
            job.last_modified_time = job.training_end_time = job.creation_time + timedelta(hours=1)
            status, reason = "Completed", None
            if i == n_training - 1:
                status = "InProgress"
                job.creation_time = job.last_modified_time = now - timedelta(minutes=20)
                job.training_end_time = None
            elif i == n_training - 2:
                status, reason = "Failed", "AlgorithmError: CUDA out of memory (tried 2.0 GiB)"
                job.creation_time = now - timedelta(hours=3)
                job.last_modified_time = job.training_end_time = now - timedelta(hours=2)
            elif i == n_training - 3:
                status = "Stopped"
            job.training_job_status = job.secondary_status = status
            job.failure_reason = reason
            record("training", name, status, reason)

        # Processing: one completed long ago, one failed recently.
        for i, (status, reason) in enumerate(
            [("Completed", None), ("Failed", "ClientError: input s3://bucket/x not found")]
        ):
            name = f"proc-{tag}-{i}"
            sm.create_processing_job(
                ProcessingJobName=name,
                ProcessingResources={"ClusterConfig": {
                    "InstanceCount": 2, "InstanceType": "ml.m5.xlarge", "VolumeSizeInGB": 10}},
                AppSpecification={"ImageUri": IMAGE},
                RoleArn=role,
                StoppingCondition={"MaxRuntimeInSeconds": 3600},
            )
            job = backend.processing_jobs[name]
            job.creation_time = now - timedelta(days=10 if status == "Completed" else 0, hours=1)
            job.last_modified_time = job.processing_end_time = job.creation_time + timedelta(minutes=30)
            job.processing_job_status = status
            job.failure_reason = reason
            record("processing", name, status, reason)

        # A model for transform jobs and endpoints.
        model = f"model-{tag}"
        sm.create_model(
            ModelName=model, ExecutionRoleArn=role, PrimaryContainer={"Image": IMAGE}
        )
        name = f"transform-{tag}"
        sm.create_transform_job(
            TransformJobName=name,
            ModelName=model,
            TransformInput={"DataSource": {"S3DataSource": {
                "S3DataType": "S3Prefix", "S3Uri": "s3://bucket/in"}}},
            TransformOutput={"S3OutputPath": "s3://bucket/out"},
            TransformResources={"InstanceType": "ml.c5.xlarge", "InstanceCount": 1},
        )
        job = backend.transform_jobs[name]
        job.transform_job_status = "InProgress"
        job.transform_end_time = None
        record("transform", name, "InProgress")

        name = f"tune-{tag}"
        sm.create_hyper_parameter_tuning_job(
            HyperParameterTuningJobName=name,
            HyperParameterTuningJobConfig={
                "Strategy": "Bayesian",
                "ResourceLimits": {"MaxNumberOfTrainingJobs": 4, "MaxParallelTrainingJobs": 2},
            },
            TrainingJobDefinition={
                "AlgorithmSpecification": {"TrainingImage": IMAGE, "TrainingInputMode": "File"},
                "RoleArn": role,
                "OutputDataConfig": {"S3OutputPath": "s3://bucket/tune"},
                "ResourceConfig": {
                    "InstanceType": "ml.p3.2xlarge", "InstanceCount": 1, "VolumeSizeInGB": 50},
                "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
            },
        )
        record("tuning", name, "Completed")

        config = f"config-{tag}"
        sm.create_endpoint_config(
            EndpointConfigName=config,
            ProductionVariants=[{
                "VariantName": "main", "ModelName": model,
                "InstanceType": "ml.g4dn.xlarge", "InitialInstanceCount": 2}],
        )
        name = f"endpoint-{tag}"
        sm.create_endpoint(EndpointName=name, EndpointConfigName=config)
        record("endpoint", name, "InService")

        name = f"notebook-{tag}"
        sm.create_notebook_instance(
            NotebookInstanceName=name, InstanceType="ml.t3.medium", RoleArn=role
        )
        backend.notebook_instances[name].status = "Stopped"
        record("notebook", name, "Stopped")
        # moto keeps no tag list on tuning jobs and None on untagged transform jobs, so its
        # ListTags fails on them; AWS answers an empty list.
        for store in (backend.transform_jobs, backend.hyper_parameter_tuning_jobs):
            for resource in store.values():
                if getattr(resource, "tags", None) is None:
                    resource.tags = []
        return jobs

    # --- the tag-hygiene world ---------------------------------------------------------

    def tag_world(self, resources):
        """Creates exactly `resources`, each with exactly its tags; answers name -> ARN."""
        self.clients = {}
        arns = {}
        domains = {}
        for spec in sorted(resources, key=lambda r: r["kind"] != "domain"):
            account, region, kind = spec["account"], spec["region"], spec["kind"]
            name, tags = spec["name"], spec.get("tags", {})
            sm = self.client(account, region)
            backend = sagemaker_backends[account][region]
            role = EXEC_ROLE.format(account=account)
            model = f"model-{account}-{region}"
            if kind in ("transform", "endpoint") and model not in backend._models:
                sm.create_model(
                    ModelName=model, ExecutionRoleArn=role, PrimaryContainer={"Image": IMAGE}
                )
            if kind == "training":
                self.create_training(sm, name, role)
                resource = backend.training_jobs[name]
            elif kind == "processing":
                sm.create_processing_job(
                    ProcessingJobName=name,
                    ProcessingResources={"ClusterConfig": {
                        "InstanceCount": 1, "InstanceType": "ml.m5.xlarge",
                        "VolumeSizeInGB": 10}},
                    AppSpecification={"ImageUri": IMAGE},
                    RoleArn=role,
                    StoppingCondition={"MaxRuntimeInSeconds": 3600},
                )
                resource = backend.processing_jobs[name]
            elif kind == "transform":
                sm.create_transform_job(
                    TransformJobName=name,
                    ModelName=model,
                    TransformInput={"DataSource": {"S3DataSource": {
                        "S3DataType": "S3Prefix", "S3Uri": "s3://bucket/in"}}},
                    TransformOutput={"S3OutputPath": "s3://bucket/out"},
                    TransformResources={"InstanceType": "ml.c5.xlarge", "InstanceCount": 1},
                )
                resource = backend.transform_jobs[name]
            elif kind == "tuning":
                sm.create_hyper_parameter_tuning_job(
                    HyperParameterTuningJobName=name,
                    HyperParameterTuningJobConfig={
                        "Strategy": "Bayesian",
                        "ResourceLimits": {
                            "MaxNumberOfTrainingJobs": 2, "MaxParallelTrainingJobs": 1},
                    },
                    TrainingJobDefinition={
                        "AlgorithmSpecification": {
                            "TrainingImage": IMAGE, "TrainingInputMode": "File"},
                        "RoleArn": role,
                        "OutputDataConfig": {"S3OutputPath": "s3://bucket/tune"},
                        "ResourceConfig": {
                            "InstanceType": "ml.m5.xlarge", "InstanceCount": 1,
                            "VolumeSizeInGB": 10},
                        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
                    },
                )
                resource = backend.hyper_parameter_tuning_jobs[name]
            elif kind == "endpoint":
                config = f"config-{name}"
                sm.create_endpoint_config(
                    EndpointConfigName=config,
                    ProductionVariants=[{
                        "VariantName": "main", "ModelName": model,
                        "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}],
                )
                sm.create_endpoint(EndpointName=name, EndpointConfigName=config)
                resource = backend.endpoints[name]
            elif kind == "notebook":
                sm.create_notebook_instance(
                    NotebookInstanceName=name, InstanceType="ml.t3.medium", RoleArn=role
                )
                resource = backend.notebook_instances[name]
            elif kind == "domain":
                sm.create_domain(
                    DomainName=name,
                    AuthMode="IAM",
                    DefaultUserSettings={"ExecutionRole": role},
                    SubnetIds=["subnet-1"],
                    VpcId="vpc-1",
                    Tags=[{"Key": "placeholder", "Value": "x"}],
                )
                resource = next(d for d in backend.domains.values() if d.domain_name == name)
                domains[(account, region, name)] = resource.id
            elif kind == "user-profile":
                domain_id = domains[(account, region, spec["domain"])]
                resource = FakeUserProfile(account, region, domain_id, name, [])
                user_profiles(backend)[resource.arn] = resource
            else:
                raise ValueError(f"unknown kind {kind}")
            # Exactly the tags asked for, whatever each create call did with Tags.
            resource.tags = [{"Key": k, "Value": v} for k, v in tags.items()]
            arns[name] = resource.arn
        return arns

    def touch(self, account, region, arn):
        resource = sagemaker_backends[account][region]._get_resource_from_arn(arn)
        resource.last_modified_time = utcnow()

    def delete_tags(self, account, region, arn, keys):
        self.client(account, region).delete_tags(ResourceArn=arn, TagKeys=keys)

    def add_tags(self, account, region, arn, tags):
        self.client(account, region).add_tags(
            ResourceArn=arn, Tags=[{"Key": k, "Value": v} for k, v in tags.items()]
        )

    def create_training(self, sm, name, role):
        sm.create_training_job(
            TrainingJobName=name,
            AlgorithmSpecification={"TrainingImage": IMAGE, "TrainingInputMode": "File"},
            RoleArn=role,
            OutputDataConfig={"S3OutputPath": "s3://bucket/out"},
            ResourceConfig={
                "InstanceType": "ml.p3.2xlarge", "InstanceCount": 1, "VolumeSizeInGB": 50},
            StoppingCondition={"MaxRuntimeInSeconds": 86400},
        )

    def add_training(self, account, region, name, status):
        sm = self.client(account, region)
        self.create_training(sm, name, EXEC_ROLE.format(account=account))
        job = sagemaker_backends[account][region].training_jobs[name]
        job.training_job_status = job.secondary_status = status
        if status == "InProgress":
            job.training_end_time = None

    def utilisation(self, account, region, training=None, endpoint=None):
        """Ages a running training job and an in-service endpoint and publishes the metrics
        SageMaker would: per-minute host utilisation for the last 40 minutes, and hourly
        endpoint invocations for the last day (none at all for an endpoint nobody calls, as
        CloudWatch publishes no point for an hour without requests).

        Published through CloudWatch's own API (PutMetricData) with the account's
        credentials, so the points land in that account and region only. Real CloudWatch
        refuses PutMetricData into the reserved `AWS/` namespaces; moto does not check, which
        is what lets a test publish `AWS/SageMaker` Invocations.

        training: {"name", "age_minutes", and any of "cpu", "gpu", "gpu_memory", "memory"
                   (values as CloudWatch reports them: summed over vCPUs / GPUs)}
        endpoint: {"name", "variant", "age_hours", "invocations_per_hour", and any of
                   "cpu", "gpu"}
        """
        cw = self.client(account, region, "cloudwatch")
        backend = sagemaker_backends[account][region]
        now = utcnow()
        minutes = [now - timedelta(minutes=m) for m in range(2, 41)]
        points = 0

        def put(namespace, name, dimensions, samples):
            nonlocal points
            data = [
                {"MetricName": name, "Dimensions": dimensions, "Timestamp": at, "Value": value}
                for at, value in samples
            ]
            for start in range(0, len(data), 500):
                cw.put_metric_data(Namespace=namespace, MetricData=data[start:start + 500])
            points += len(data)

        if training:
            name = training["name"]
            job = backend.training_jobs[name]
            job.creation_time = job.last_modified_time = now - timedelta(
                minutes=training["age_minutes"]
            )
            hosts = int(job.resource_config.get("InstanceCount", 1))
            for host in range(1, hosts + 1):
                dims = [{"Name": "Host", "Value": f"{name}/algo-{host}"}]
                for key, metric in [("cpu", "CPUUtilization"), ("gpu", "GPUUtilization"),
                                    ("gpu_memory", "GPUMemoryUtilization"),
                                    ("memory", "MemoryUtilization")]:
                    if key in training:
                        put("/aws/sagemaker/TrainingJobs", metric, dims,
                            [(at, training[key]) for at in minutes])
        if endpoint:
            name = endpoint["name"]
            ep = backend.endpoints[name]
            ep.creation_time = ep.last_modified_time = now - timedelta(
                hours=endpoint["age_hours"]
            )
            dims = [{"Name": "EndpointName", "Value": name},
                    {"Name": "VariantName", "Value": endpoint["variant"]}]
            for key, metric in [("cpu", "CPUUtilization"), ("gpu", "GPUUtilization")]:
                if key in endpoint:
                    put("/aws/sagemaker/Endpoints", metric, dims,
                        [(at, endpoint[key]) for at in minutes])
            per_hour = endpoint.get("invocations_per_hour", 0)
            if per_hour:
                hours = [now - timedelta(hours=h, minutes=30) for h in range(0, 23)]
                put("AWS/SageMaker", "Invocations", dims, [(at, per_hour) for at in hours])
        return points


def main():
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = RequestLog(DomainDispatcherApplication(create_backend_app))
    server = make_server("127.0.0.1", 0, app, True, request_handler=MotoRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    endpoint = f"http://127.0.0.1:{port}"
    world = World(endpoint)
    print(json.dumps({"port": port}), flush=True)

    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            cmd = json.loads(line)
            if cmd["cmd"] == "seed":
                import urllib.request

                urllib.request.urlopen(
                    urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")
                ).read()
                with app.lock:
                    app.throttles = {}
                jobs = world.seed(cmd["accounts"], cmd["regions"], cmd.get("big", 0))
                app.take()
                answer = {"jobs": jobs}
            elif cmd["cmd"] == "add_training":
                world.add_training(cmd["account"], cmd["region"], cmd["name"], cmd["status"])
                app.take()
                answer = {"ok": True}
            elif cmd["cmd"] == "utilisation":
                points = world.utilisation(
                    cmd["account"], cmd["region"], cmd.get("training"), cmd.get("endpoint")
                )
                app.take()
                answer = {"points": points}
            elif cmd["cmd"] == "throttle":
                with app.lock:
                    key = (cmd["account"], cmd["region"], cmd["operation"])
                    app.throttles[key] = (cmd["times"], cmd.get("code", "ThrottlingException"))
                answer = {"ok": True}
            elif cmd["cmd"] == "reset":
                import urllib.request

                urllib.request.urlopen(
                    urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")
                ).read()
                with app.lock:
                    app.throttles = {}
                app.take()
                answer = {"ok": True}
            elif cmd["cmd"] == "ce_results":
                import urllib.request

                body = json.dumps({"account_id": cmd["account"], "results": cmd["results"]})
                urllib.request.urlopen(
                    urllib.request.Request(
                        f"{endpoint}/moto-api/static/ce/cost-and-usage-results",
                        data=body.encode(),
                        headers={"Content-Type": "application/json"},
                        method="POST",
                    )
                ).read()
                answer = {"ok": True}
            elif cmd["cmd"] == "tag_world":
                import urllib.request

                urllib.request.urlopen(
                    urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")
                ).read()
                with app.lock:
                    app.throttles = {}
                answer = {"arns": world.tag_world(cmd["resources"])}
                app.take()
            elif cmd["cmd"] == "touch":
                world.touch(cmd["account"], cmd["region"], cmd["arn"])
                answer = {"ok": True}
            elif cmd["cmd"] == "add_tags":
                world.add_tags(cmd["account"], cmd["region"], cmd["arn"], cmd["tags"])
                app.take()
                answer = {"ok": True}
            elif cmd["cmd"] == "delete_tags":
                world.delete_tags(cmd["account"], cmd["region"], cmd["arn"], cmd["keys"])
                app.take()
                answer = {"ok": True}
            elif cmd["cmd"] == "requests":
                answer = {"requests": app.take()}
            else:
                answer = {"error": f"unknown command {cmd['cmd']}"}
        except Exception as err:  # reported to the test, which fails with it
            answer = {"error": f"{type(err).__name__}: {err}"}
        print(json.dumps(answer), flush=True)
    server.shutdown()


if __name__ == "__main__":
    main()
