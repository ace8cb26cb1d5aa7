"""A moto server with seeded SageMaker worlds, driven over stdin/stdout by the Rust tests.

Runs moto in this process (so it can set statuses the HTTP API cannot: InProgress, Failed
with a reason, Stopped) on a free loopback port, and counts every AWS request by account,
region and operation. Where moto 5.2.5 answers SageMaker differently from AWS in ways the
app relies on (list order and page size, summaries without FailureReason, Search in one
page without tuning jobs or ARNs, ProcessingResources dropped), it is patched below.

Protocol: prints one JSON line {"port": N} once serving, then answers one JSON line per
command line read from stdin, and exits when stdin closes:

  {"cmd": "seed", "accounts": [...], "regions": [...], "big": N}
        reset moto, create the world, answer {"jobs": [...]} (every resource seeded)
  {"cmd": "add_training", "account": A, "region": R, "name": X, "status": S}
  {"cmd": "throttle", "account": A, "region": R, "operation": OP, "times": N,
   "code": C (optional, default ThrottlingException)}
        answer the next N matching requests with error C (HTTP 400), as SageMaker does
        past its quota (Cost Explorer: LimitExceededException, AccessDeniedException)
  {"cmd": "quota", "rate": R, "burst": B (optional, default max(1, R))}
        from now on refuse SageMaker requests (X-Amz-Target SageMaker.*) past a token
        bucket per (account, region, operation) of R requests/s holding B, as SageMaker
        throttles each API per account and Region: HTTP 400 ThrottlingException
        "Rate exceeded". Rate 0 or absent turns it off; reset and every world turn it off.
  {"cmd": "reset"}      reset moto (no world), forget throttles, quota and the request log
  {"cmd": "ce_results", "account": A, "results": [GetCostAndUsage responses...]}
        queue Cost Explorer answers: each distinct request body takes the next one
        (a NextPageToken request is a distinct body, so pages are queued in order)
  {"cmd": "ce_items", "account": A, "items": [{"day": "YYYY-MM-DD", "service": S,
   "amount": X, "tags": {k: v}, "linked_account": L (optional)}, ...]}
        from now on (until reset) A's GetCostAndUsage is computed from these line items:
        TimePeriod, Granularity DAILY/MONTHLY, GroupBy TAG/DIMENSION and Filter (And, Or,
        Not, Dimensions, Tags with EQUALS/ABSENT/CASE_INSENSITIVE) as Cost Explorer applies
        them, instead of taking queued answers (moto ignores Filter)
  {"cmd": "ce_resource_level", "account": A, "enabled": bool, "code": C (optional),
   "message": M (optional), "page_groups": N (optional)}
        switch A's resource-level opt-in: off, GetCostAndUsageWithResources is refused with
        C (default DataUnavailableException) and M; on (the default), it is computed from A's
        ce_items (each may carry "resource_id"), N groups a page (default 500)
  {"cmd": "savings_plans", "account": A,
   "recommendation": {"hourly_commitment": C, "on_demand_hourly": {"average": X,
        "minimum": m (optional, default X), "maximum": M (optional, default X)},
        "savings_rate": R | {"ONE_YEAR/NO_UPFRONT": R, ...} (optional, SP_SAVINGS_RATE),
        "generated": ISO 8601 (optional, default when the command ran),
        "linked": [{"account": L, "hourly_commitment", "on_demand_hourly", "savings_rate"}]
        (optional)} | null,
   "coverage": [{"start": "YYYY-MM-DD", "end": "YYYY-MM-DD" (exclusive), "covered": X,
        "on_demand": Y, "service": S (default "Amazon SageMaker"), "region": R,
        "instance_family": F, "linked_account": L (default A)}, ...] | null,
   "utilization": [{"start", "end", "commitment": X, "used": Y, "on_demand_equivalent": Z,
        "upfront": U (default 0), "arn" (default derived), "payment_option" ("No Upfront",
        "Partial Upfront" or "All Upfront"; default "No Upfront"), "region",
        "instance_family", "linked_account"}, ...] | null}
        from now on (until reset or the next savings_plans for A) what Cost Explorer answers A
        (the payer calling it) for SageMaker Savings Plans (see SAVINGS_PLANS):
        GetSavingsPlansPurchaseRecommendation's SAGEMAKER_SP details derived from the payer's
        (AccountScope PAYER) or each linked account's (LINKED) hourly commitment and hourly
        On-Demand spend (null: nothing to recommend); GetSavingsPlansCoverage from the
        coverage spans and GetSavingsPlansUtilization from the plans' utilization spans, each
        span's amounts spread evenly over its days; utilization null or empty is an account
        without plans (DataUnavailableException); answer {"ok": true}
  {"cmd": "cur_table", "database": D, "table": T, "items": [{"resource_id", "start",
   "cost", "product", "usage_type", "account", "tags": {CUR 2.0 key: value}}, ...]}
        write the CUR 2.0 table D.T that Athena's StartQueryExecution runs SQL over (DuckDB,
        see athena_answer), answer {"bytes": size of the Parquet file}
  {"cmd": "cloudtrail_table", "database": D, "table": T}
        from now on (until reset) Athena also serves D.T, an organization trail's CloudTrail
        table (the Athena user guide's columns) holding every record of the world's CloudTrail
        history, all accounts and Regions and any age, rebuilt for each query so later `trail`
        and `backdate` show (see CLOUDTRAIL); answer {"rows": records it holds now}
  {"cmd": "utilisation", "account": A, "region": R, "training": {...}, "endpoint": {...}}
        age a running training job and an in-service endpoint and publish their CloudWatch
        metrics (see World.utilisation), answer {"points": N}
  {"cmd": "requests"}   answer {"requests": [[time, account, region, operation, refused],
        ...]} and start counting afresh; refused is true for a request the fixture answered
        with an error (quota, throttle or LookupEvents' pace) instead of moto
  {"cmd": "scale_world", "accounts": [...], "regions": [...], "resources": N, "big": M,
   "seed": S}
        reset moto and create about N resources over accounts × regions, the first
        account-region holding M more training jobs (see scale_world), answer {"jobs":
        [...], "seconds": T} with seed's fields plus instance_type, instance_count, arn, tags
  {"cmd": "tag_world", "resources": [{"account", "region", "kind", "name", "tags": {k: v},
        "domain": name (user profiles only)}, ...]}
        reset moto and create exactly these resources with exactly these tags (a tag-hygiene
        world), answer {"arns": {name: arn}}
  {"cmd": "add_tags", "account": A, "region": R, "arn": X, "tags": {k: v}}   through the API
  {"cmd": "delete_tags", "account": A, "region": R, "arn": X, "keys": [k]}   through the API
  {"cmd": "organization", "accounts": [{"id", "name", "ou", "status"}], "ous": [[name, parent]]}
        create an organization managed by DEFAULT_ACCOUNT with exactly these account ids
        (see World.organization), answer {"root": id, "ous": {name: id}}
  {"cmd": "tag_policy", "account": A, "policy": {"tags": {...}} | null, "deny": bool}
        the effective tag policy DescribeEffectivePolicy answers for account A (the content
        as AWS states an effective policy; null: EffectivePolicyNotFoundException), or
        AccessDeniedException with deny (see _describe_effective_policy)
  {"cmd": "deny_role", "role": ARN}   AssumeRole of this role answers AccessDenied (HTTP 403),
        as IAM does for a role that is missing or does not trust the caller
  {"cmd": "apps", "account": A, "region": R, "apps": [{"domain", "user_profile" | "space",
        "app_type", "app_name", "instance_type", "status", "created_minutes_ago",
        "last_activity_minutes_ago", "failure_reason", "tags": {k: v}}, ...]}
        add Studio apps (served by the ListApps / DescribeApp layer below), answer
        {"arns": [...]} in the order given
  {"cmd": "inference_components", "account": A, "region": R, "components": [{"name",
        "endpoint", "model", "status", "copies", "cpu_cores", "accelerators", "memory_mb",
        "failure_reason", "tags", "created_minutes_ago"}]}   add inference components (served
        by the layer below), answer {"arns": [...]}
  {"cmd": "clusters", "account": A, "region": R, "clusters": [{"name", "status", "tags",
        "failure_message", "groups": [{"name", "instance_type", "count", "failed"}]}]}
        HyperPod clusters through CreateCluster, `failed` nodes per group marked Failure; a
        Failed cluster gets its FailureMessage and no nodes; answer {"arns": [...]}
  {"cmd": "touch", "account": A, "region": R, "arn": X}   the resource changed just now
        (LastModifiedTime), as AWS marks a job that moved on
  {"cmd": "seed", ..., "logs": true}   also write the CloudWatch Logs SageMaker would have
        written for each account-region's failed and running training jobs, failed
        processing job and endpoint (see World.seed_logs); the answer gains {"logs": {name:
        {"group": G, "streams": {stream: [message, ...]}}}}
  {"cmd": "put_logs", "account": A, "region": R, "group": G, "stream": S,
   "events": [[timestamp_ms, message], ...]}
        append events to a stream (group and stream created if new), straight into moto's
        backend as PutLogEvents stores them, so the request log shows only the app's calls
  {"cmd": "stream_setup", "account": M, "region": R, "log_group": G}
        the organization's event stream (see STREAM below): in the monitoring account M,
        region R, the log group G and the EventBridge bus, rule (source aws.sagemaker) and
        log-group target of assets/stream/monitoring-account.yaml; lasts until the next
        reset or world; answer {"log_group", "log_group_arn", "bus_arn", "rule_arn"}
  {"cmd": "set_status", "account": A, "region": R, "kind": K, "name": N, "status": S,
   "failure_reason": F (optional), "emit": bool (optional, default true)}
        what SageMaker does when a resource changes status (K: training, processing,
        transform, tuning, endpoint, notebook, app, inference_component): moto's resource
        takes S, F, LastModifiedTime now and (jobs) its end time, and with emit its
        state-change event goes to the stream's log group; answer {"event": the envelope
        (also when not written; null for kinds SageMaker sends no event for), "event_id",
        "written": bool, "timestamp_ms": the log event's timestamp}
  {"cmd": "stream_raw", "messages": [str, ...], "timestamp_ms": T (optional, default now)}
        write the messages to the stream's log group as they are, all at T; answer
        {"written": N, "rejected": PutLogEvents' rejectedLogEventsInfo or null, "timestamp_ms"}
  {"cmd": "stream_events"}   answer {"events": [[timestamp_ms, message], ...]}: the whole
        stream's log group in timestamp order, read from the backend (no request logged)
  {"cmd": "trail", "account": A, "region": R, "events": [{"event_name": E, "name": N,
   "principal": {"sso": U, "permission_set": P (optional)} | {"iam_user": U} |
   {"role": R, "session": S} | {"root": true} | {"service": "sagemaker.amazonaws.com"},
   "arn", "at": ISO 8601 or epoch seconds (default now), "error_code", "error_message",
   "parent": a pipeline execution's or tuning job's ARN, "tags": {k: v}, "request": {extra
   requestParameters}, "domain", "user_profile" | "space", "app_type", "instance_type",
   "instance_count", "stream": bool}, ...]}   (all but event_name, name and principal
        optional) record CloudTrail events in A/R's history, which LookupEvents answers (see
        TRAIL); with stream, also deliver the "AWS API Call via CloudTrail" event to the
        stream's log group (needs stream_setup); answer {"event_ids": [...], "written":
        [bool, ...], "records": [the CloudTrail records]}
  {"cmd": "seed" | "scale_world", ..., "trail": true}   also record each resource's Create*
        call at its creation time by a principal of TRAIL_CAST; the answer gains {"creators":
        {arn: {"event_id", "event_name", "event_time", "principal": spec, "shown": as
        sagescope shows the principal, "person": the name it gives or null, "in_history":
        whether LookupEvents answers it (less than 90 days old)}}}

Never set MOTO_ACCOUNT_ID: it would fold every account into one.
"""

import base64
import hashlib
import io
import json
import logging
import os
import random
import re
import sys
import threading
import time
import urllib.request
import uuid
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs

import boto3
from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.iam.models import get_account_id_from
from moto.core.exceptions import ServiceException
from moto.logs.models import logs_backends
from moto.moto_api import state_manager  # noqa: F401  (imported for its side effects)
from moto.organizations.responses import OrganizationsResponse
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from moto.sagemaker.exceptions import ResourceNotFound, ValidationError
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
#
# moto's summaries also lack members AWS sends: ProcessingJobSummary carries FailureReason
# and ExitMessage, TransformJobSummary FailureReason (botocore's service-2.json shapes of
# those names; TrainingJobSummary has neither). `extras` names them with the attribute of
# moto's job object holding each; a member is sent only when the job has a non-empty value,
# as AWS sends it only for a job that failed (moto keeps "" on jobs that did not).


def _sorted_lister(backend_method, summaries_key, name_key, status_key, store=None, extras=()):
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
        page = items[start:end]
        if extras:
            jobs = getattr(self.sagemaker_backend, store)
            for summary in page:
                job = jobs.get(summary[name_key])
                for member, attribute in extras:
                    value = getattr(job, attribute, None)
                    if value:
                        summary[member] = value
        return ActionResult(
            {
                summaries_key: page,
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
    store="processing_jobs",
    extras=(("FailureReason", "failure_reason"), ("ExitMessage", "exit_message")),
)
SageMakerResponse.list_transform_jobs = _sorted_lister(
    "list_transform_jobs",
    "TransformJobSummaries",
    "TransformJobName",
    "TransformJobStatus",
    store="transform_jobs",
    extras=(("FailureReason", "failure_reason"),),
)


# moto 5.2.5 drops ProcessingResources on CreateProcessingJob, so DescribeProcessingJob has
# no instance type or count (AWS always answers them). Keep it on the job, where moto's
# describe picks it up as ProcessingResources.
_original_create_processing_job = SageMakerResponse.create_processing_job


def _create_processing_job(self):
    answer = _original_create_processing_job(self)
    job = self.sagemaker_backend.processing_jobs[self._get_param("ProcessingJobName")]
    job.processing_resources = self._get_param("ProcessingResources")
    return answer


SageMakerResponse.create_processing_job = _create_processing_job


# moto 5.2.5's DescribeNotebookInstance has no FailureReason, which AWS answers for a notebook
# instance that failed. The world keeps it on the notebook (`set_status`) and answers it.


def _describe_notebook_instance(self):
    notebook = self.sagemaker_backend.get_notebook_instance(
        self._get_param("NotebookInstanceName"))
    answer = notebook.to_dict()
    if getattr(notebook, "failure_reason", None):
        answer["FailureReason"] = notebook.failure_reason
    return ActionResult(answer)


SageMakerResponse.describe_notebook_instance = _describe_notebook_instance

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
    if ":space/" in arn:
        space = studio_spaces(self).get(arn)
        if space is None:
            raise ValidationError(message=f"Could not find space {arn}")
        return space
    if ":feature-group/" in arn:  # moto 5.2.5's ListTags does not look feature groups up
        group = next((g for g in self.feature_groups.values() if g.arn == arn), None)
        if group is None:
            raise ValidationError(message=f"Could not find feature group {arn}")
        return group
    if ":app/" in arn:
        app = studio_apps(self).get(arn)
        if app is None:
            raise ValidationError(message=f"Could not find app {arn}")
        return app
    if ":inference-component/" in arn:
        component = inference_components(self).get(arn)
        if component is None:
            raise ValidationError(message=f"Could not find inference component {arn}")
        return component
    if ":user-profile/" in arn:
        profile = user_profiles(self).get(arn)
        if profile is None:
            raise ValidationError(message=f"Could not find user profile {arn}")
        return profile
    return _original_resource_from_arn(self, arn)


SageMakerModelBackend._get_resource_from_arn = _resource_from_arn


# moto 5.2.5 has no Studio apps at all (no CreateApp, ListApps or DescribeApp). Apps are kept
# here per backend and served with botocore's shapes: ListApps takes MaxResults (1..100,
# default 10), NextToken, SortBy (CreationTime), SortOrder (default Ascending),
# DomainIdEquals, UserProfileNameEquals, SpaceNameEquals, and answers Apps: [AppDetails]
# (DomainId, UserProfileName | SpaceName, AppType, AppName, Status, CreationTime,
# ResourceSpec) and NextToken; DescribeApp takes DomainId, UserProfileName | SpaceName,
# AppType, AppName and answers the app with AppArn, LastUserActivityTimestamp and
# LastHealthCheckTimestamp, or ResourceNotFound. Deleted apps stay listed, as AWS lists them
# for a while. The ARN is app/<domain-id>/<user profile or space>/<app type, lower>/<name>;
# ListTags and AddTags find apps through it.

APP_TYPES = {"JupyterServer", "KernelGateway", "DetailedProfiler", "TensorBoard", "CodeEditor",
             "JupyterLab", "RStudioServerPro", "RSessionGateway", "Canvas"}


class FakeApp:
    def __init__(self, account, region, spec, now):
        self.domain_id = spec["domain"]
        self.user_profile = spec.get("user_profile")
        self.space = spec.get("space")
        self.app_type = spec["app_type"]
        self.app_name = spec.get("app_name", "default")
        self.status = spec.get("status", "InService")
        self.instance_type = spec.get("instance_type")
        self.creation_time = now - timedelta(minutes=spec.get("created_minutes_ago", 60))
        activity = spec.get("last_activity_minutes_ago")
        self.last_activity = None if activity is None else now - timedelta(minutes=activity)
        self.failure_reason = spec.get("failure_reason")
        owner = self.space or self.user_profile
        self.arn = (f"arn:aws:sagemaker:{region}:{account}:app/{self.domain_id}/{owner}/"
                    f"{self.app_type.lower()}/{self.app_name}")
        self.tags = [{"Key": k, "Value": v} for k, v in spec.get("tags", {}).items()]

    def owner(self):
        return {"SpaceName": self.space} if self.space else {"UserProfileName": self.user_profile}

    def summary(self):
        out = {"DomainId": self.domain_id, **self.owner(), "AppType": self.app_type,
               "AppName": self.app_name, "Status": self.status,
               "CreationTime": self.creation_time}
        if self.instance_type:
            out["ResourceSpec"] = {"InstanceType": self.instance_type}
        return out

    def describe(self):
        out = {"AppArn": self.arn, **self.summary()}
        if self.status == "InService":
            out["LastHealthCheckTimestamp"] = utcnow()
        if self.last_activity is not None:
            out["LastUserActivityTimestamp"] = self.last_activity
        if self.failure_reason:
            out["FailureReason"] = self.failure_reason
        return out


def studio_apps(backend):
    if not hasattr(backend, "fixture_apps"):
        backend.fixture_apps = {}
    return backend.fixture_apps


def _page_params(self):
    max_results = self._get_param("MaxResults")
    max_results = 10 if max_results is None else int(max_results)
    if not 1 <= max_results <= 100:
        raise ValidationError(
            message=f"1 validation error detected: Value '{max_results}' at 'maxResults' "
            "failed to satisfy constraint: Member must have value between 1 and 100"
        )
    token = self._get_param("NextToken")
    try:
        start = int(token) if token else 0
        if start < 0:
            raise ValueError
    except ValueError:
        raise ValidationError(message=f"Invalid pagination token {token!r}") from None
    return start, max_results


def _list_apps(self):
    start, max_results = _page_params(self)
    if self._get_param("UserProfileNameEquals") and self._get_param("SpaceNameEquals"):
        raise ValidationError(message="UserProfileNameEquals and SpaceNameEquals are exclusive")
    items = sorted(
        studio_apps(self.sagemaker_backend).values(),
        key=lambda a: (a.creation_time, a.arn),
        reverse=self._get_param("SortOrder", "Ascending") == "Descending",
    )
    for param, attribute in (("DomainIdEquals", "domain_id"),
                             ("UserProfileNameEquals", "user_profile"),
                             ("SpaceNameEquals", "space")):
        wanted = self._get_param(param)
        if wanted:
            items = [a for a in items if getattr(a, attribute) == wanted]
    end = start + max_results
    return ActionResult(
        {
            "Apps": [a.summary() for a in items[start:end]],
            "NextToken": str(end) if end < len(items) else None,
        }
    )


def _describe_app(self):
    app_type = self._get_param("AppType")
    if app_type not in APP_TYPES:
        raise ValidationError(message=f"Value '{app_type}' at 'appType' failed to satisfy "
                              "constraint: Member must satisfy enum value set")
    wanted = (self._get_param("DomainId"), self._get_param("UserProfileName"),
              self._get_param("SpaceName"), app_type, self._get_param("AppName"))
    for app in studio_apps(self.sagemaker_backend).values():
        if (app.domain_id, app.user_profile, app.space, app.app_type, app.app_name) == wanted:
            return ActionResult(app.describe())
    raise ResourceNotFound(message=f"App {wanted} does not exist")


# No ListSpaces in moto 5.2.5 either: spaces are kept per backend and answered with
# botocore's SpaceDetails (DomainId, SpaceName, Status, CreationTime, LastModifiedTime; no
# ARN, which is space/<domain-id>/<name>), MaxResults 1..100 (default 10), NextToken,
# SortBy (CreationTime | LastModifiedTime), SortOrder (default Ascending), DomainIdEquals.


class FakeSpace:
    def __init__(self, account, region, domain_id, name, tags):
        self.domain_id = domain_id
        self.name = name
        self.arn = f"arn:aws:sagemaker:{region}:{account}:space/{domain_id}/{name}"
        self.tags = list(tags)
        self.status = "InService"
        self.creation_time = self.last_modified_time = utcnow()

    def summary(self):
        return {"DomainId": self.domain_id, "SpaceName": self.name, "Status": self.status,
                "CreationTime": self.creation_time, "LastModifiedTime": self.last_modified_time}


def studio_spaces(backend):
    if not hasattr(backend, "fixture_spaces"):
        backend.fixture_spaces = {}
    return backend.fixture_spaces


def _list_spaces(self):
    start, max_results = _page_params(self)
    key = self._get_param("SortBy") or "CreationTime"
    key = "last_modified_time" if key == "LastModifiedTime" else "creation_time"
    items = sorted(
        studio_spaces(self.sagemaker_backend).values(),
        key=lambda sp: (getattr(sp, key), sp.arn),
        reverse=self._get_param("SortOrder", "Ascending") == "Descending",
    )
    domain = self._get_param("DomainIdEquals")
    if domain:
        items = [sp for sp in items if sp.domain_id == domain]
    end = start + max_results
    return ActionResult(
        {
            "Spaces": [sp.summary() for sp in items[start:end]],
            "NextToken": str(end) if end < len(items) else None,
        }
    )


SageMakerResponse.list_spaces = _list_spaces


# moto 5.2.5 creates feature groups but has no ListFeatureGroups (it answers a 500 page):
# served here with botocore's shapes, FeatureGroupSummaries of FeatureGroupName,
# FeatureGroupArn, CreationTime, FeatureGroupStatus (moto keeps no status: "Created", the
# state a created group reaches), MaxResults 1..100 (default 10), NextToken, SortBy
# (CreationTime | Name), SortOrder (default Ascending).


def _list_feature_groups(self):
    start, max_results = _page_params(self)
    by_name = self._get_param("SortBy") == "Name"
    items = sorted(
        self.sagemaker_backend.feature_groups.values(),
        key=lambda g: g.feature_group_name if by_name else (g.creation_time, g.arn),
        reverse=self._get_param("SortOrder", "Ascending") == "Descending",
    )
    end = start + max_results
    return ActionResult(
        {
            "FeatureGroupSummaries": [
                {"FeatureGroupName": g.feature_group_name, "FeatureGroupArn": g.arn,
                 "CreationTime": g.creation_time, "FeatureGroupStatus": "Created"}
                for g in items[start:end]
            ],
            "NextToken": str(end) if end < len(items) else None,
        }
    )


SageMakerResponse.list_feature_groups = _list_feature_groups
SageMakerResponse.list_apps = _list_apps
SageMakerResponse.describe_app = _describe_app


# moto 5.2.5 has no inference components (no CreateInferenceComponent, List or Describe).
# They are kept here per backend and served with botocore's shapes: ListInferenceComponents
# takes MaxResults (1..100, default 10), NextToken, SortBy (Name | CreationTime | Status,
# default CreationTime), SortOrder (default Descending), NameContains, EndpointNameEquals,
# StatusEquals, VariantNameEquals, and answers InferenceComponents: [InferenceComponentSummary]
# (CreationTime, InferenceComponentArn, InferenceComponentName, EndpointArn, EndpointName,
# VariantName, InferenceComponentStatus, LastModifiedTime) and NextToken;
# DescribeInferenceComponent takes InferenceComponentName and answers the summary's members
# with FailureReason, Specification (ModelName, ComputeResourceRequirements:
# NumberOfCpuCoresRequired, NumberOfAcceleratorDevicesRequired, MinMemoryRequiredInMb) and
# RuntimeConfig (DesiredCopyCount, CurrentCopyCount), or a ValidationException for an
# unknown name. The ARN is inference-component/<name>; ListTags finds components through it.


class FakeInferenceComponent:
    def __init__(self, account, region, spec, now):
        self.name = spec["name"]
        self.endpoint = spec["endpoint"]
        self.variant = spec.get("variant", "AllTraffic")
        self.model = spec.get("model")
        self.status = spec.get("status", "InService")
        self.copies = spec.get("copies", 1)
        self.desired = spec.get("desired_copies", self.copies)
        self.cores = spec.get("cpu_cores")
        self.accelerators = spec.get("accelerators")
        self.memory = spec.get("memory_mb")
        self.failure_reason = spec.get("failure_reason")
        self.creation_time = now - timedelta(minutes=spec.get("created_minutes_ago", 60))
        self.last_modified_time = self.creation_time
        self.arn = f"arn:aws:sagemaker:{region}:{account}:inference-component/{self.name}"
        self.endpoint_arn = f"arn:aws:sagemaker:{region}:{account}:endpoint/{self.endpoint}"
        self.tags = [{"Key": k, "Value": v} for k, v in spec.get("tags", {}).items()]

    def summary(self):
        return {"CreationTime": self.creation_time, "InferenceComponentArn": self.arn,
                "InferenceComponentName": self.name, "EndpointArn": self.endpoint_arn,
                "EndpointName": self.endpoint, "VariantName": self.variant,
                "InferenceComponentStatus": self.status,
                "LastModifiedTime": self.last_modified_time}

    def describe(self):
        needs = {}
        for member, value in (("NumberOfCpuCoresRequired", self.cores),
                              ("NumberOfAcceleratorDevicesRequired", self.accelerators),
                              ("MinMemoryRequiredInMb", self.memory)):
            if value is not None:
                needs[member] = value
        spec = {"ComputeResourceRequirements": needs}
        if self.model:
            spec["ModelName"] = self.model
        out = {**self.summary(), "Specification": spec,
               "RuntimeConfig": {"DesiredCopyCount": self.desired,
                                 "CurrentCopyCount": self.copies}}
        if self.failure_reason:
            out["FailureReason"] = self.failure_reason
        return out


def inference_components(backend):
    if not hasattr(backend, "fixture_inference_components"):
        backend.fixture_inference_components = {}
    return backend.fixture_inference_components


def _list_inference_components(self):
    start, max_results = _page_params(self)
    key = {"Name": lambda c: (c.name,), "Status": lambda c: (c.status, c.name)}.get(
        self._get_param("SortBy"), lambda c: (c.creation_time, c.name))
    items = sorted(
        inference_components(self.sagemaker_backend).values(),
        key=key,
        reverse=self._get_param("SortOrder", "Descending") == "Descending",
    )
    for param, matches in (
        ("NameContains", lambda c, v: v in c.name),
        ("EndpointNameEquals", lambda c, v: c.endpoint == v),
        ("StatusEquals", lambda c, v: c.status == v),
        ("VariantNameEquals", lambda c, v: c.variant == v),
    ):
        wanted = self._get_param(param)
        if wanted:
            items = [c for c in items if matches(c, wanted)]
    end = start + max_results
    return ActionResult(
        {
            "InferenceComponents": [c.summary() for c in items[start:end]],
            "NextToken": str(end) if end < len(items) else None,
        }
    )


def _describe_inference_component(self):
    name = self._get_param("InferenceComponentName")
    for component in inference_components(self.sagemaker_backend).values():
        if component.name == name:
            return ActionResult(component.describe())
    raise ValidationError(message=f"Could not find inference component \"{name}\".")


SageMakerResponse.list_inference_components = _list_inference_components
SageMakerResponse.describe_inference_component = _describe_inference_component


# moto 5.2.5 serves ListClusters and ListClusterNodes, but ListClusterNodes pages by an "arn"
# its nodes do not have (a second page fails) and both default to 100 per page. This
# ListClusterNodes pages as the API documents: MaxResults 1..100 (default 10), NextToken,
# SortBy (CreationTime | Name, default CreationTime, i.e. launch time), SortOrder (default
# Ascending), InstanceGroupNameContains; ClusterNodeSummaries as moto builds them
# (InstanceGroupName, InstanceId, InstanceType, LaunchTime, InstanceStatus {Status,
# Message}), which are botocore's ClusterNodeSummary members.


def _list_cluster_nodes(self):
    start, max_results = _page_params(self)
    name = self._get_param("ClusterName") or ""
    if name.startswith("arn:"):
        name = name.split("/")[-1]
    cluster = self.sagemaker_backend.clusters.get(name)
    if cluster is None:
        raise ValidationError(message=f"Could not find cluster '{name}'.")
    by_name = self._get_param("SortBy") == "Name"
    nodes = sorted(
        cluster.nodes.values(),
        key=lambda n: (n.instance_group_name, n.instance_id) if by_name
        else (n.launch_time, n.instance_id),
        reverse=self._get_param("SortOrder", "Ascending") == "Descending",
    )
    wanted = self._get_param("InstanceGroupNameContains")
    if wanted:
        nodes = [n for n in nodes if wanted in n.instance_group_name]
    end = start + max_results
    return ActionResult(
        {
            "ClusterNodeSummaries": [_node_summary(n) for n in nodes[start:end]],
            "NextToken": str(end) if end < len(nodes) else None,
        }
    )


SageMakerResponse.list_cluster_nodes = _list_cluster_nodes


# moto's DescribeCluster answers FailureMessage "" for every cluster; AWS sends the member
# only for a cluster that failed (botocore's DescribeClusterResponse: ClusterArn, ClusterName,
# ClusterStatus, CreationTime, FailureMessage, InstanceGroups [ClusterInstanceGroupDetails:
# CurrentCount, TargetCount, InstanceGroupName, InstanceType, ...], VpcConfig).
_moto_describe_cluster = SageMakerResponse.describe_cluster


def _describe_cluster(self):
    answer = _moto_describe_cluster(self)
    if not answer.result.get("FailureMessage"):
        answer.result.pop("FailureMessage", None)
    return answer


SageMakerResponse.describe_cluster = _describe_cluster


def _node_summary(node):
    """moto says Message "message" of every node; AWS sends one only when it has something
    to say (a failed node's reason)."""
    summary = node.summary()
    message = getattr(node, "status_message", None)
    summary["InstanceStatus"] = {"Status": node.status}
    if message:
        summary["InstanceStatus"]["Message"] = message
    return summary


# --- Organizations: DescribeEffectivePolicy ---------------------------------------------
#
# moto 5.2.5 has no DescribeEffectivePolicy. This answers it for TAG_POLICY in botocore's
# shapes (DescribeEffectivePolicyResponse.EffectivePolicy: PolicyContent as a JSON string,
# LastUpdatedTimestamp, TargetId, PolicyType) from the policies the `tag_policy` command
# set; as AWS does: EffectivePolicyNotFoundException when no policy applies to the target,
# AccessDeniedException when the caller may not read it (the command's `deny`, or a caller
# that is neither the target itself nor the management account), TargetNotFoundException for
# an account outside the organization.

TAG_POLICIES = {}  # account id -> {"content": dict | None, "deny": bool, "at": epoch seconds}


class _OrganizationsError(ServiceException):
    pass


def _describe_effective_policy(self):
    from moto.organizations.models import organizations_backends

    policy_type = self._get_param("PolicyType")
    target = self._get_param("TargetId") or self.current_account
    if policy_type not in ("TAG_POLICY", "BACKUP_POLICY", "AISERVICES_OPT_OUT_POLICY",
                           "CHATBOT_POLICY", "DECLARATIVE_POLICY_EC2",
                           "SECURITYHUB_POLICY"):
        raise _OrganizationsError("InvalidInputException",
                                  "You provided a value that does not match the required "
                                  "pattern.")
    entry = TAG_POLICIES.get(target, {})
    org = organizations_backends[DEFAULT_ACCOUNT]["aws"]
    if entry.get("deny") or (target != self.current_account
                             and self.current_account != DEFAULT_ACCOUNT):
        raise _OrganizationsError(
            "AccessDeniedException",
            "You don't have permissions to access this resource.",
        )
    if org.org is None or target not in {a.id for a in org.accounts} | {DEFAULT_ACCOUNT}:
        raise _OrganizationsError("TargetNotFoundException",
                                  "We can't find a root, OU, account, or policy with the "
                                  "TargetId that you specified.")
    if policy_type != "TAG_POLICY" or entry.get("content") is None:
        raise _OrganizationsError(
            "EffectivePolicyNotFoundException",
            "We can't find an effective policy of the type you specified.",
        )
    return json.dumps({"EffectivePolicy": {
        "PolicyContent": json.dumps(entry["content"]),
        "LastUpdatedTimestamp": entry["at"],
        "TargetId": target,
        "PolicyType": "TAG_POLICY",
    }})


OrganizationsResponse.describe_effective_policy = _describe_effective_policy


# moto 5.2.5's Search answers every match in one page (no MaxResults, NextToken, SortBy or
# SortOrder), knows no HyperParameterTuningJob, and builds records from its objects'
# attribute names: a TrainingJob record says "Arn" where AWS says TrainingJobArn (so the
# SDKs see no ARN), has no BillableTimeInSeconds, and an Endpoint record likewise loses its
# EndpointArn. For TrainingJob, HyperParameterTuningJob and Endpoint this replacement answers
# whole records with botocore's member names (SearchRecord.TrainingJob, .Endpoint and
# .HyperParameterTuningJob, a HyperParameterTuningJobSearchEntity), Tags included, and pages
# and sorts as the API documents: MaxResults 1..100 (no documented default; 10 here, as the
# List calls), SortBy a top-level property of the record (default LastModifiedTime; "Name"
# is taken as the resource's name property), SortOrder default Descending, TotalHits.
#
# SearchExpression is accepted and IGNORED for these three resources: every resource of the
# type matches. (The app's fetch engine searches without one; a test needing filters must
# add them here.) Other resource types keep moto's own Search.

SEARCH_MAX_RESULTS_DEFAULT = 10


def _training_record(job):
    record = job.response_object  # TrainingJobArn for moto's Arn, None members dropped
    record["Tags"] = list(job.tags or [])
    if not record.get("FailureReason"):
        record.pop("FailureReason", None)
    start, end = job.training_start_time, job.training_end_time
    if start is None or (end is not None and start > end):
        start = job.creation_time  # a world that back-dated the job kept moto's start
    if end is not None and "TrainingTimeInSeconds" not in record:
        record["TrainingTimeInSeconds"] = max(0, int((end - start).total_seconds()))
    if "TrainingTimeInSeconds" in record and "BillableTimeInSeconds" not in record:
        record["BillableTimeInSeconds"] = record["TrainingTimeInSeconds"]
    return record


def _tuning_record(job):
    record = {k: v for k, v in job.describe().items() if v is not None and v != ""}
    record["Tags"] = list(job.tags or [])
    return record


def _endpoint_record(endpoint):
    record = endpoint.response_object  # EndpointArn for moto's Arn, None members dropped
    record["Tags"] = list(endpoint.tags or [])
    if not record.get("FailureReason"):
        record.pop("FailureReason", None)
    return record


SEARCHABLE = {
    # Resource: (backend store, record builder, the record's name property)
    "TrainingJob": ("training_jobs", _training_record, "TrainingJobName"),
    "HyperParameterTuningJob": (
        "hyper_parameter_tuning_jobs", _tuning_record, "HyperParameterTuningJobName"),
    "Endpoint": ("endpoints", _endpoint_record, "EndpointName"),
}
_original_search = SageMakerResponse.search


def _search(self):
    resource = self._get_param("Resource")
    if resource not in SEARCHABLE:
        return _original_search(self)
    store, build, name_key = SEARCHABLE[resource]
    max_results = self._get_param("MaxResults")
    if max_results is None:
        max_results = SEARCH_MAX_RESULTS_DEFAULT
    max_results = int(max_results)
    if not 1 <= max_results <= 100:
        raise ValidationError(
            message=f"1 validation error detected: Value '{max_results}' at 'maxResults' "
            "failed to satisfy constraint: Member must have value between 1 and 100"
        )
    sort_by = self._get_param("SortBy") or "LastModifiedTime"
    sort_by = name_key if sort_by == "Name" else sort_by
    descending = (self._get_param("SortOrder") or "Descending") == "Descending"
    records = [build(item) for item in getattr(self.sagemaker_backend, store).values()]
    # Records without the property (say FailureReason on a job that did not fail) come last
    # whatever the order.
    present = sorted(
        (r for r in records if sort_by in r),
        key=lambda r: (r[sort_by], r[name_key]),
        reverse=descending,
    )
    records = present + sorted(
        (r for r in records if sort_by not in r), key=lambda r: r[name_key]
    )
    token = self._get_param("NextToken")
    try:
        start = int(token) if token else 0
        if start < 0 or start > len(records):
            raise ValueError
    except ValueError:
        raise ValidationError(message=f"Invalid pagination token {token!r}") from None
    end = start + max_results
    return ActionResult(
        {
            "Results": [{resource: r} for r in records[start:end]],
            "NextToken": str(end) if end < len(records) else None,
            "TotalHits": {"Value": len(records), "Relation": "EqualTo"},
        }
    )


SageMakerResponse.search = _search


# --- Cost Explorer computed from line items ---------------------------------------------
#
# moto's GetCostAndUsage replays queued answers and ignores Filter, so a test of a filtered
# question (my spend: an Or of two tags) would only check what it queued. With `ce_items`
# the account's answers are computed from cost line items instead, honouring the request's
# TimePeriod, Granularity, GroupBy and Filter the way botocore's `Expression` shape describes
# them. One page per answer (AWS pages too, but the filtered questions here are small).

from moto.ce.responses import CostExplorerResponse

CE_ITEMS = {}  # account -> [line item]
_moto_get_cost_and_usage = CostExplorerResponse.get_cost_and_usage


def _ce_matches(expr, item):
    if expr.get("And"):
        return all(_ce_matches(e, item) for e in expr["And"])
    if expr.get("Or"):
        return any(_ce_matches(e, item) for e in expr["Or"])
    if expr.get("Not"):
        return not _ce_matches(expr["Not"], item)
    if expr.get("Dimensions"):
        dim = expr["Dimensions"]
        key = dim["Key"]
        if key == "SERVICE":
            value = item["service"]
        elif key == "LINKED_ACCOUNT":
            value = item.get("linked_account")
        else:
            raise ValueError(f"the fixture does not serve dimension {key}")
        return value in dim.get("Values", [])
    if expr.get("Tags"):
        tag = expr["Tags"]
        options = tag.get("MatchOptions") or ["EQUALS"]
        # Tag keys are exact to Cost Explorer: `Owner` and `owner` are two keys.
        value = item.get("tags", {}).get(tag.get("Key"))
        if "ABSENT" in options:
            return value is None or value == ""
        if value is None:
            return False
        values = tag.get("Values", [])
        if "CASE_INSENSITIVE" in options:
            return value.lower() in [v.lower() for v in values]
        return value in values
    raise ValueError(f"the fixture does not serve filter {expr}")


def _ce_periods(start, end, granularity):
    from datetime import date
    day = date.fromisoformat(start)
    stop = date.fromisoformat(end)
    while day < stop:
        if granularity == "MONTHLY":
            following = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
        else:
            following = day + timedelta(days=1)
        following = min(following, stop)
        yield day.isoformat(), following.isoformat()
        day = following


def _ce_group_key(definition, item):
    if definition["Type"] == "TAG":
        key = definition["Key"]
        return f"{key}${item.get('tags', {}).get(key, '')}"
    if definition["Key"] == "SERVICE":
        return item["service"]
    if definition["Key"] == "LINKED_ACCOUNT":
        return item.get("linked_account", "")
    raise ValueError(f"the fixture does not group by {definition}")


def _get_cost_and_usage(self):
    items = CE_ITEMS.get(self.current_account)
    if items is None:
        return _moto_get_cost_and_usage(self)
    body = json.loads(self.body)
    metrics = body.get("Metrics") or ["UnblendedCost"]
    group_by = body.get("GroupBy") or []
    expr = body.get("Filter")
    chosen = [i for i in items if expr is None or _ce_matches(expr, i)]
    results = []
    for start, end in _ce_periods(body["TimePeriod"]["Start"], body["TimePeriod"]["End"],
                                  body.get("Granularity", "DAILY")):
        inside = [i for i in chosen if start <= i["day"] < end]
        amounts = {}
        for item in inside:
            key = tuple(_ce_group_key(g, item) for g in group_by)
            amounts[key] = amounts.get(key, 0.0) + float(item["amount"])

        def metric(amount):
            return {m: {"Amount": f"{amount:.10f}", "Unit": "USD"} for m in metrics}

        if group_by:
            groups = [{"Keys": list(k), "Metrics": metric(a)} for k, a in sorted(amounts.items())]
            total = {}
        else:
            groups = []
            total = metric(sum(amounts.values()))
        results.append({"TimePeriod": {"Start": start, "End": end}, "Total": total,
                        "Groups": groups, "Estimated": False})
    return json.dumps({"ResultsByTime": results, "GroupDefinitions": group_by,
                       "DimensionValueAttributes": []})


CostExplorerResponse.get_cost_and_usage = _get_cost_and_usage


# --- Cost Explorer resource-level data (GetCostAndUsageWithResources) ----------------------
#
# moto has no GetCostAndUsageWithResources. It is answered here from the account's `ce_items`
# as AWS documents the operation (botocore's ce JSON): Filter is required; TimePeriod may start
# no earlier than 14 days before today (UTC); DAILY granularity (HOURLY is EC2-only and
# MONTHLY is not served for resource-level data here); GroupBy DIMENSION RESOURCE_ID groups by
# each item's `resource_id` (items without one are usage no resource carries: key ""). The
# answer has the GetCostAndUsage shape (ResultsByTime[].Groups[].Keys/Metrics,
# GroupDefinitions, DimensionValueAttributes) and pages by NextPageToken, CE_RESOURCE_PAGE
# groups a page. With the opt-in switched off (`ce_resource_level`), every request is refused
# with CE_RESOURCE_OFF's code and message.

CE_RESOURCE_OFF = {}  # account -> (code, message) while the opt-in is off
CE_RESOURCE_PAGE = {"groups": 500}


class _CostExplorerError(ServiceException):
    pass


def _get_cost_and_usage_with_resources(self):
    from datetime import date
    account = self.current_account
    if account in CE_RESOURCE_OFF:
        code, message = CE_RESOURCE_OFF[account]
        raise _CostExplorerError(code, message)
    body = json.loads(self.body)
    expr = body.get("Filter")
    if not expr:
        raise _CostExplorerError("ValidationException",
                                 "Filter is required for GetCostAndUsageWithResources")
    granularity = body.get("Granularity")
    if granularity != "DAILY":
        raise _CostExplorerError("ValidationException",
                                 f"Granularity {granularity} is not supported for "
                                 "resource-level data of this service")
    start, end = body["TimePeriod"]["Start"], body["TimePeriod"]["End"]
    if date.fromisoformat(start) < utcnow().date() - timedelta(days=14):
        raise _CostExplorerError("ValidationException",
                                 "Start date is more than 14 days ago. Please adjust start "
                                 "date as we support only 14 days of data at daily "
                                 "granularity for resource-level data.")
    group_by = body.get("GroupBy") or []
    for definition in group_by:
        if definition.get("Type") != "DIMENSION" or definition.get("Key") != "RESOURCE_ID":
            raise ValueError(f"the fixture groups resource-level data by RESOURCE_ID only, "
                             f"not {definition}")
    metrics = body.get("Metrics") or ["UnblendedCost"]
    items = CE_ITEMS.get(account, [])
    chosen = [i for i in items if _ce_matches(expr, i)]
    entries = []  # (period, group or None): flattened so a page can end anywhere
    for period_start, period_end in _ce_periods(start, end, "DAILY"):
        inside = [i for i in chosen if period_start <= i["day"] < period_end]
        amounts = {}
        for item in inside:
            key = item.get("resource_id", "") if group_by else ""
            amounts[key] = amounts.get(key, 0.0) + float(item["amount"])
        groups = [{"Keys": [k], "Metrics": {m: {"Amount": f"{a:.10f}", "Unit": "USD"}
                                            for m in metrics}}
                  for k, a in sorted(amounts.items())]
        entries.extend(((period_start, period_end), g) for g in groups)
        if not groups:
            entries.append(((period_start, period_end), None))
    # A page holds up to `size` groups (days without any ride along with the page they fall in).
    offset = int(body.get("NextPageToken") or 0)
    size = CE_RESOURCE_PAGE["groups"]
    stop, taken = offset, 0
    while stop < len(entries) and (taken < size or entries[stop][1] is None):
        taken += entries[stop][1] is not None
        stop += 1
    page = entries[offset:stop]
    results = []
    for period, group in page:
        if not results or results[-1]["TimePeriod"] != {"Start": period[0], "End": period[1]}:
            results.append({"TimePeriod": {"Start": period[0], "End": period[1]}, "Total": {},
                            "Groups": [], "Estimated": period[0] >= utcnow().date().isoformat()})
        if group is not None:
            results[-1]["Groups"].append(group)
    answer = {"ResultsByTime": results, "GroupDefinitions": group_by,
              "DimensionValueAttributes": []}
    if stop < len(entries):
        answer["NextPageToken"] = str(stop)
    return json.dumps(answer)


CostExplorerResponse.get_cost_and_usage_with_resources = _get_cost_and_usage_with_resources


# --- Cost Explorer forecast (GetCostForecast) from the same line items ----------------------
#
# moto has no GetCostForecast. For an account with `ce_items` it is answered in the shape of
# botocore's ce JSON (Total {Amount, Unit}; ForecastResultsByTime[] {TimePeriod, MeanValue,
# PredictionIntervalLowerBound/UpperBound}, one per month of the period): the mean daily cost
# of the items the Filter selects over the 14 days before Start, times the days forecast.
# With no such item Cost Explorer has no history to forecast from: DataUnavailableException,
# as AWS answers.

_moto_get_cost_forecast = getattr(CostExplorerResponse, "get_cost_forecast", None)


def _get_cost_forecast(self):
    from datetime import date
    items = CE_ITEMS.get(self.current_account)
    if items is None:
        if _moto_get_cost_forecast is None:
            # What moto answers for an operation it lacks, as before this layer.
            raise NotImplementedError("The get_cost_forecast action has not been implemented")
        return _moto_get_cost_forecast(self)
    body = json.loads(self.body)
    expr = body.get("Filter")
    start = date.fromisoformat(body["TimePeriod"]["Start"])
    end = date.fromisoformat(body["TimePeriod"]["End"])
    since = (start - timedelta(days=14)).isoformat()
    history = [i for i in items if since <= i["day"] < start.isoformat()
               and (expr is None or _ce_matches(expr, i))]
    if not history:
        raise _CostExplorerError("DataUnavailableException",
                                 "Insufficient amount of historical data to generate forecast.")
    daily = sum(float(i["amount"]) for i in history) / 14.0
    results = []
    for first, last in _ce_periods(start.isoformat(), end.isoformat(),
                                   body.get("Granularity", "MONTHLY")):
        days = (date.fromisoformat(last) - date.fromisoformat(first)).days
        mean = daily * days
        results.append({"TimePeriod": {"Start": first, "End": last},
                        "MeanValue": f"{mean:.10f}",
                        "PredictionIntervalLowerBound": f"{mean * 0.9:.10f}",
                        "PredictionIntervalUpperBound": f"{mean * 1.1:.10f}"})
    total = daily * (end - start).days
    return json.dumps({"Total": {"Amount": f"{total:.10f}", "Unit": "USD"},
                       "ForecastResultsByTime": results})


CostExplorerResponse.get_cost_forecast = _get_cost_forecast


# --- Cost Explorer Savings Plans (SageMaker): recommendation, coverage, utilization ---------
#
# What AWS does (botocore's ce JSON, the Cost Explorer API reference): three read calls,
# awsJson1.1 with X-Amz-Target AWSInsightsIndexService.<Operation>, each answering every amount,
# percentage and count as a *string* (GenericString), as the rest of Cost Explorer does.
# - GetSavingsPlansPurchaseRecommendation requires SavingsPlansType (COMPUTE_SP | EC2_INSTANCE_SP
#   | SAGEMAKER_SP | DATABASE_SP), TermInYears (ONE_YEAR | THREE_YEARS), PaymentOption
#   (NO_UPFRONT | PARTIAL_UPFRONT | ALL_UPFRONT; the model's enum also holds the Reserved
#   Instance *_UTILIZATION options, which no Savings Plan has) and LookbackPeriodInDays
#   (SEVEN_DAYS | THIRTY_DAYS | SIXTY_DAYS); AccountScope (PAYER, the default: one
#   recommendation over the whole billing family; LINKED: one per member account), PageSize
#   (0..6000), NextPageToken and a Filter that may only be Dimensions LINKED_ACCOUNT (no
#   And/Or/Not, Tags or CostCategories) are optional. AWS generates the recommendations on its
#   own (StartSavingsPlansPurchaseRecommendationGeneration refreshes them) and answers the latest
#   set: Metadata {RecommendationId, GenerationTimestamp, AdditionalMetadata} (the lookback is
#   not in Metadata) and SavingsPlansPurchaseRecommendation {the request's AccountScope,
#   SavingsPlansType, TermInYears, PaymentOption, LookbackPeriodInDays,
#   SavingsPlansPurchaseRecommendationDetails [{AccountId, SavingsPlansDetails {OfferingId,
#   Region, InstanceFamily: the last two only for EC2 Instance plans}, HourlyCommitmentToPurchase,
#   UpfrontCost, EstimatedSPCost, EstimatedOnDemandCost, EstimatedOnDemandCostWithCurrentCommitment,
#   EstimatedSavingsAmount, EstimatedSavingsPercentage, EstimatedMonthlySavingsAmount,
#   EstimatedROI, EstimatedAverageUtilization, Current{Minimum,Maximum,Average}HourlyOnDemandSpend,
#   CurrencyCode, RecommendationDetailId (a UUID)}], SavingsPlansPurchaseRecommendationSummary
#   {HourlyCommitmentToPurchase, DailyCommitmentToPurchase, EstimatedTotalCost,
#   CurrentOnDemandSpend, EstimatedSavingsAmount, EstimatedSavingsPercentage,
#   EstimatedMonthlySavingsAmount, EstimatedROI, EstimatedOnDemandCostWithCurrentCommitment,
#   TotalRecommendationCount, CurrencyCode}}, NextPageToken. The model lists no error for an
#   account with nothing to recommend (only LimitExceededException, InvalidNextTokenException):
#   the world answers it the same envelope without details or summary.
# - GetSavingsPlansCoverage requires TimePeriod (Start inclusive, End exclusive, YYYY-MM-DD; Start
#   within 13 months, End after Start and not in the future); Granularity DAILY | MONTHLY (HOURLY
#   is in the enum but refused) can't be set with GroupBy (DIMENSION INSTANCE_TYPE_FAMILY, REGION
#   or SERVICE); Metrics may only name SpendCoveredBySavingsPlans; MaxResults (default 20),
#   NextToken, SortBy (SpendCoveredBySavingsPlan, OnDemandCost, CoveragePercentage, TotalCost,
#   InstanceFamily, Region, Service; ASCENDING | DESCENDING). Its Filter takes the dimensions
#   LINKED_ACCOUNT, REGION, SERVICE (SageMaker's value is "Amazon SageMaker") and
#   INSTANCE_TYPE_FAMILY (not SAVINGS_PLANS_TYPE), as a Dimensions or CostCategories leaf, a Not
#   of one leaf, or an And of two or more of those; no Or, no Tags, each dimension once. The
#   answer is SavingsPlansCoverages [{Attributes, Coverage {SpendCoveredBySavingsPlans,
#   OnDemandCost, TotalCost, CoveragePercentage}, TimePeriod}] and NextToken. Errors:
#   DataUnavailableException, InvalidNextTokenException, LimitExceededException. Reported by
#   users of the live API (not documented): grouped entries carry Attributes {"SERVICE": value}
#   (the GroupBy key), and a filter matching nothing (a mistyped REGION) answers no entries
#   rather than an error.
# - GetSavingsPlansUtilization requires TimePeriod (as above); Granularity DAILY | MONTHLY; no
#   GroupBy and no paging; SortBy (UtilizationPercentage, TotalCommitment, UsedCommitment,
#   UnusedCommitment, NetSavings). Filter dimensions: LINKED_ACCOUNT, SAVINGS_PLAN_ARN,
#   SAVINGS_PLANS_TYPE (values such as SageMakerSavingsPlans, as GetDimensionValues' SAVINGS_PLANS
#   context names them), REGION, PAYMENT_OPTION, INSTANCE_TYPE_FAMILY; Dimensions, Not of one, And
#   of two or more; no Or, Tags or CostCategories. Answer: SavingsPlansUtilizationsByTime
#   [{TimePeriod, Utilization {TotalCommitment, UsedCommitment, UnusedCommitment,
#   UtilizationPercentage}, Savings {NetSavings, OnDemandCostEquivalent}, AmortizedCommitment
#   {AmortizedRecurringCommitment, AmortizedUpfrontCommitment, TotalAmortizedCommitment}}] and a
#   required Total of the same three. MONTHLY labels each result with its whole calendar month
#   but sums only the requested days; the current month's End is the first day without complete
#   data. With no Savings Plan data for the period and filter (an account without plans, a
#   SAVINGS_PLANS_TYPE value that matches none) AWS refuses the call with HTTP 400
#   DataUnavailableException ("The requested data is unavailable"). A reported live answer had
#   no message at all: 37 bytes, {"__type":"DataUnavailableException"}, which botocore reads
#   as Message "".
# Malformed requests get Coral's ValidationException (HTTP 400, "1 validation error detected:
# Value null at 'termInYears' failed to satisfy constraint: Member must not be null"); the
# semantic refusals (HOURLY, GroupBy with Granularity, a dimension the call does not filter on,
# dates out of range) are ValidationExceptions worded by the world, as AWS publishes no text
# for them.
#
# What moto 5.2.5 does: none of the three (NotImplementedError, an HTTP 500 page).
#
# What the world does: it answers them from what the `savings_plans` command set for the calling
# account (SAVINGS_PLANS; unset is an account with no plans, no eligible usage and nothing to
# recommend), validating requests as above (13 months: Start on or after the first day of the
# month a year before today, UTC; End may be today, the first day not covered). The request
# log counts them by X-Amz-Target like every call. Coverage and utilization facts are spans of days
# whose amounts are spread evenly over their days, then summed per period (DAILY, MONTHLY
# clipped to the request for coverage, as GetCostAndUsage does; MONTHLY labelled with the
# whole month for utilization, as documented) or, with GroupBy, per group over the whole
# TimePeriod (Attributes {key: value}; {} without GroupBy); a period or group with no span has
# no entry (utilization with none at all: DataUnavailableException with no Message). Without
# Granularity or GroupBy, DAILY (what the Reserved Instance calls document). Only SAGEMAKER_SP
# is ever recommended (other types answer nothing to recommend), with one detail per account, no
# Region or InstanceFamily (a SageMaker plan has neither); the details' figures follow from the
# test's hourly commitment c, average hourly On-Demand spend a and savings rate r (how far the
# plan's rates are below On-Demand; SP_SAVINGS_RATE by term and payment unless the test gives
# one) over the lookback's H hours: the On-Demand spend the commitment covers each hour is
# o = min(a, c / (1 - r)); EstimatedSPCost c*H; EstimatedOnDemandCost (a - o)*H;
# CurrentOnDemandSpend and EstimatedOnDemandCostWithCurrentCommitment a*H; EstimatedSavingsAmount
# (o - c)*H; EstimatedSavingsPercentage savings / (a*H) * 100; EstimatedMonthlySavingsAmount
# (o - c)*730; EstimatedROI savings / SP cost * 100; EstimatedAverageUtilization o*(1 - r)/c*100;
# UpfrontCost c * term hours (8760 a year) * 0, 0.5 or 1 for no, partial or all upfront. Every
# lookback sees the same hourly spend. A LINKED_ACCOUNT filter narrows LINKED details; with PAYER
# scope it is accepted and changes nothing (the world cannot recompute a family's usage).
# CostCategories leaves and MatchOptions other than EQUALS are not served (the fixture fails
# loudly rather than guess). The `throttle` command refuses these operations like any other
# (LimitExceededException is Cost Explorer's throttling error).

SAVINGS_PLANS = {}  # account -> {"recommendation", "coverage", "utilization", "at"}; reset() clears
SP_TYPE_VALUE = "SageMakerSavingsPlans"  # SAVINGS_PLANS_TYPE's value for SageMaker plans
SP_SERVICE = "Amazon SageMaker"  # Cost Explorer's SERVICE value for SageMaker usage
SP_SAVINGS_RATE = {  # the world's choice: how far a SageMaker plan's rates are below On-Demand
    ("ONE_YEAR", "NO_UPFRONT"): 0.20, ("ONE_YEAR", "PARTIAL_UPFRONT"): 0.22,
    ("ONE_YEAR", "ALL_UPFRONT"): 0.24, ("THREE_YEARS", "NO_UPFRONT"): 0.40,
    ("THREE_YEARS", "PARTIAL_UPFRONT"): 0.44, ("THREE_YEARS", "ALL_UPFRONT"): 0.46,
}
_SP_TYPES = ["COMPUTE_SP", "EC2_INSTANCE_SP", "SAGEMAKER_SP", "DATABASE_SP"]
_SP_TERMS = ["ONE_YEAR", "THREE_YEARS"]
_SP_TERM_HOURS = {"ONE_YEAR": 365 * 24, "THREE_YEARS": 3 * 365 * 24}
_SP_PAYMENT_ENUM = ["NO_UPFRONT", "PARTIAL_UPFRONT", "ALL_UPFRONT", "LIGHT_UTILIZATION",
                    "MEDIUM_UTILIZATION", "HEAVY_UTILIZATION"]
_SP_UPFRONT_SHARE = {"NO_UPFRONT": 0.0, "PARTIAL_UPFRONT": 0.5, "ALL_UPFRONT": 1.0}
_SP_LOOKBACK_HOURS = {"SEVEN_DAYS": 7 * 24, "THIRTY_DAYS": 30 * 24, "SIXTY_DAYS": 60 * 24}
_SP_SCOPES = ["PAYER", "LINKED"]
_CE_GRANULARITIES = ["DAILY", "MONTHLY", "HOURLY"]
_CE_SORT_ORDERS = ["ASCENDING", "DESCENDING"]
_SP_COVERAGE_DIMENSIONS = ["LINKED_ACCOUNT", "REGION", "SERVICE", "INSTANCE_TYPE_FAMILY"]
_SP_COVERAGE_GROUPS = ["INSTANCE_TYPE_FAMILY", "REGION", "SERVICE"]
_SP_UTILIZATION_DIMENSIONS = ["LINKED_ACCOUNT", "SAVINGS_PLAN_ARN", "SAVINGS_PLANS_TYPE",
                              "REGION", "PAYMENT_OPTION", "INSTANCE_TYPE_FAMILY"]
_SP_PAYMENT_NAMES = ["No Upfront", "Partial Upfront", "All Upfront"]  # PAYMENT_OPTION's values


class _CeRefusal(Exception):
    """A Cost Explorer error as AWS writes it: HTTP 400 {"__type": code, "Message": message},
    without Message when AWS sends none."""

    def __init__(self, code, message=None):
        super().__init__(code)
        self.code, self.message = code, message


def _ce_refusals(handler):
    def method(self):
        try:
            return handler(self)
        except _CeRefusal as refusal:
            body = {"__type": refusal.code}
            if refusal.message is not None:
                body["Message"] = refusal.message
            return json.dumps(body), {"status": 400,
                                      "Content-Type": "application/x-amz-json-1.1"}
    method.__name__ = handler.__name__
    return method


def _ce_invalid(message):
    return _CeRefusal("ValidationException", message)


def _ce_amount(value):
    return f"{value:.10f}"


def _ce_percent(part, whole):
    return _ce_amount(part / whole * 100.0 if whole else 0.0)


def _coral_check(body, rules, prefix=""):
    """Coral's validation of an awsJson request: each (member, required, enum or None, (min,
    max) or None) of `rules`; every violation is listed in one ValidationException."""
    errors = []
    for member, required, allowed, bounds in rules:
        value = body.get(member)
        path = prefix + member[0].lower() + member[1:]
        if value is None:
            if required:
                errors.append(f"Value null at '{path}' failed to satisfy constraint: Member "
                              "must not be null")
        elif allowed is not None and value not in allowed:
            errors.append(f"Value '{value}' at '{path}' failed to satisfy constraint: Member "
                          f"must satisfy enum value set: [{', '.join(allowed)}]")
        elif bounds is not None:
            low, high = bounds
            if not isinstance(value, int) or isinstance(value, bool):
                errors.append(f"Value '{value}' at '{path}' failed to satisfy constraint: "
                              "Member must be an integer")
            elif low is not None and value < low:
                errors.append(f"Value '{value}' at '{path}' failed to satisfy constraint: "
                              f"Member must have value greater than or equal to {low}")
            elif high is not None and value > high:
                errors.append(f"Value '{value}' at '{path}' failed to satisfy constraint: "
                              f"Member must have value less than or equal to {high}")
    if errors:
        count = len(errors)
        raise _ce_invalid(f"{count} validation error{'s' if count > 1 else ''} detected: "
                          + "; ".join(errors))


def _ce_body(self):
    try:
        body = json.loads(self.body or "{}")
    except ValueError:
        raise _CeRefusal("SerializationException", "Start of structure or map found where not "
                         "expected.")
    if not isinstance(body, dict):
        raise _CeRefusal("SerializationException", "Start of structure or map found where not "
                         "expected.")
    return body


_YEAR_MONTH_DAY = r"(\d{4}-\d{2}-\d{2})(T\d{2}:\d{2}:\d{2}Z)?"


def _sp_time_period(body):
    """The request's TimePeriod as (start, end) dates, refused as AWS refuses it."""
    from datetime import date
    period = body["TimePeriod"]
    if not isinstance(period, dict):
        raise _CeRefusal("SerializationException", "Unexpected value for TimePeriod")
    _coral_check(period, [("Start", True, None, None), ("End", True, None, None)],
                 "timePeriod.")
    days = []
    for member in ("Start", "End"):
        text = period[member]
        if not isinstance(text, str) or not re.fullmatch(_YEAR_MONTH_DAY, text):
            raise _ce_invalid(f"1 validation error detected: Value '{text}' at "
                              f"'timePeriod.{member.lower()}' failed to satisfy constraint: "
                              f"Member must satisfy regular expression pattern: "
                              f"{_YEAR_MONTH_DAY}")
        try:
            days.append(date.fromisoformat(text[:10]))
        except ValueError:
            raise _ce_invalid(f"{member} date {text} is not a valid date")
    start, end = days
    today = utcnow().date()
    earliest = date(today.year - 1, today.month, 1)  # 13 months: this one, the 12 before it
    if start >= end:
        raise _ce_invalid("Start date must be before end date")
    if end > today:
        raise _ce_invalid("End date must not be in the future")
    if start < earliest:
        raise _ce_invalid(f"Start date must be within 13 months: on or after "
                          f"{earliest.isoformat()}")
    return start, end


def _sp_filter(expr, dimensions, operation):
    """The leaves [(dimension, values, negated)] of a Savings Plans Filter, after refusing the
    shapes AWS refuses: a Dimensions (or CostCategories) leaf, a Not of one leaf, or an And of
    two or more of those; each dimension once; only `dimensions`."""
    if expr is None:
        return []
    operators = ("And", "Or", "Not", "Dimensions", "Tags", "CostCategories", "ProductAttributes")

    def operator(node):
        if not isinstance(node, dict):
            raise _ce_invalid("Filter expression must be an object")
        present = [k for k in operators if node.get(k) is not None]
        if len(present) != 1:
            raise _ce_invalid("An Expression must specify exactly one of And, Or, Not, "
                              "Dimensions, Tags, CostCategories or ProductAttributes")
        return present[0]

    def leaf(node, negated):
        kind = operator(node)
        if kind == "Dimensions":
            dimension = node["Dimensions"]
            key = dimension.get("Key")
            if key not in dimensions:
                raise _ce_invalid(f"Dimension {key} is not supported by {operation}. "
                                  f"Supported dimensions: {', '.join(dimensions)}")
            options = dimension.get("MatchOptions") or ["EQUALS"]
            if options != ["EQUALS"]:
                raise ValueError(f"the fixture matches {operation} filters with EQUALS only, "
                                 f"not {options}")
            return key, list(dimension.get("Values") or []), negated
        if kind == "CostCategories" and operation == "GetSavingsPlansCoverage":
            raise ValueError("the fixture does not serve CostCategories filters")
        if kind in ("And", "Not"):
            raise _ce_invalid(f"{operation} supports one level of And or Not: an And can't "
                              "contain another And, and a Not can't contain an And or a Not")
        raise _ce_invalid(f"{kind} expressions are not supported by {operation}")

    kind = operator(expr)
    if kind == "And":
        operands = expr["And"]
        if not isinstance(operands, list) or len(operands) < 2:
            raise _ce_invalid("An And expression must have at least two operands")
        leaves = [leaf(o["Not"], True) if operator(o) == "Not" else leaf(o, False)
                  for o in operands]
    elif kind == "Not":
        leaves = [leaf(expr["Not"], True)]
    else:
        leaves = [leaf(expr, False)]
    keys = [key for key, _, _ in leaves]
    if len(set(keys)) != len(keys):
        raise _ce_invalid("Each dimension can appear only once in the filter; put all of its "
                          "values in one expression")
    return leaves


def _sp_matches(leaves, attributes):
    return all((attributes.get(key, "") in values) != negated for key, values, negated in leaves)


def _sp_days(rows, amounts):
    """Each row's days as (day ISO, row, {amount: share}), a row's amounts spread evenly."""
    from datetime import date
    out = []
    for row in rows:
        first, stop = date.fromisoformat(row["start"]), date.fromisoformat(row["end"])
        count = (stop - first).days
        for n in range(count):
            share = {k: float(row.get(k) or 0.0) / count for k in amounts}
            out.append(((first + timedelta(days=n)).isoformat(), row, share))
    return out


def _sp_sort(entries, sort, keys):
    """Sort answer entries by SortBy: `keys` maps an allowed Key to the entry's value."""
    if sort is None:
        return entries
    _coral_check(sort, [("Key", True, None, None), ("SortOrder", False, _CE_SORT_ORDERS, None)],
                 "sortBy.")
    if sort["Key"] not in keys:
        raise _ce_invalid(f"SortBy key {sort['Key']} is not supported. Supported keys: "
                          f"{', '.join(keys)}")
    value = keys[sort["Key"]]
    return sorted(entries, key=value, reverse=sort.get("SortOrder") == "DESCENDING")


def _sp_offset(token, size):
    if token is None:
        return 0
    if not str(token).isdigit() or int(token) > size:
        raise _CeRefusal("InvalidNextTokenException", "The pagination token is invalid.")
    return int(token)


def _sp_rate(spec, term, payment):
    rate = spec.get("savings_rate")
    if isinstance(rate, dict):
        rate = rate.get(f"{term}/{payment}")
    return float(SP_SAVINGS_RATE[(term, payment)] if rate is None else rate)


def _sp_detail(spec, account, request, generated):
    """One recommendation detail's figures (see the comment above) as numbers."""
    term, payment = request["TermInYears"], request["PaymentOption"]
    hours = _SP_LOOKBACK_HOURS[request["LookbackPeriodInDays"]]
    rate = _sp_rate(spec, term, payment)
    commitment = float(spec["hourly_commitment"])
    spend = spec["on_demand_hourly"]
    average = float(spend["average"])
    covered = min(average, commitment / (1.0 - rate))
    savings = (covered - commitment) * hours
    return {
        "account": account,
        "commitment": commitment,
        "minimum": float(spend.get("minimum", average)),
        "maximum": float(spend.get("maximum", average)),
        "average": average,
        "sp_cost": commitment * hours,
        "on_demand_left": (average - covered) * hours,
        "current": average * hours,
        "savings": savings,
        "monthly": (covered - commitment) * 730.0,
        "utilization": covered * (1.0 - rate) / commitment * 100.0 if commitment else 0.0,
        "upfront": commitment * _SP_TERM_HOURS[term] * _SP_UPFRONT_SHARE[payment],
        "detail_id": _uuid_of("sp-detail", account, generated, *sorted(request.items())),
        "offering_id": _uuid_of("sagemaker-savings-plan-offering", term, payment),
    }


def _sp_detail_answer(d):
    return {
        "AccountId": d["account"],
        "SavingsPlansDetails": {"OfferingId": d["offering_id"]},
        "UpfrontCost": _ce_amount(d["upfront"]),
        "EstimatedROI": _ce_percent(d["savings"], d["sp_cost"]),
        "CurrencyCode": "USD",
        "EstimatedSPCost": _ce_amount(d["sp_cost"]),
        "EstimatedOnDemandCost": _ce_amount(d["on_demand_left"]),
        "EstimatedOnDemandCostWithCurrentCommitment": _ce_amount(d["current"]),
        "EstimatedSavingsAmount": _ce_amount(d["savings"]),
        "EstimatedSavingsPercentage": _ce_percent(d["savings"], d["current"]),
        "HourlyCommitmentToPurchase": _ce_amount(d["commitment"]),
        "EstimatedAverageUtilization": _ce_amount(d["utilization"]),
        "EstimatedMonthlySavingsAmount": _ce_amount(d["monthly"]),
        "CurrentMinimumHourlyOnDemandSpend": _ce_amount(d["minimum"]),
        "CurrentMaximumHourlyOnDemandSpend": _ce_amount(d["maximum"]),
        "CurrentAverageHourlyOnDemandSpend": _ce_amount(d["average"]),
        "RecommendationDetailId": d["detail_id"],
    }


def _sp_summary(details):
    def total(key):
        return sum(d[key] for d in details)

    savings, current, sp_cost = total("savings"), total("current"), total("sp_cost")
    return {
        "EstimatedROI": _ce_percent(savings, sp_cost),
        "CurrencyCode": "USD",
        "EstimatedTotalCost": _ce_amount(sp_cost + total("on_demand_left")),
        "CurrentOnDemandSpend": _ce_amount(current),
        "EstimatedSavingsAmount": _ce_amount(savings),
        "TotalRecommendationCount": str(len(details)),
        "DailyCommitmentToPurchase": _ce_amount(total("commitment") * 24.0),
        "HourlyCommitmentToPurchase": _ce_amount(total("commitment")),
        "EstimatedSavingsPercentage": _ce_percent(savings, current),
        "EstimatedMonthlySavingsAmount": _ce_amount(total("monthly")),
        "EstimatedOnDemandCostWithCurrentCommitment": _ce_amount(current),
    }


@_ce_refusals
def _get_savings_plans_purchase_recommendation(self):
    body = _ce_body(self)
    _coral_check(body, [
        ("SavingsPlansType", True, _SP_TYPES, None),
        ("TermInYears", True, _SP_TERMS, None),
        ("PaymentOption", True, _SP_PAYMENT_ENUM, None),
        ("LookbackPeriodInDays", True, list(_SP_LOOKBACK_HOURS), None),
        ("AccountScope", False, _SP_SCOPES, None),
        ("PageSize", False, None, (0, 6000)),
    ])
    if body["PaymentOption"] not in _SP_UPFRONT_SHARE:
        raise _ce_invalid(f"PaymentOption {body['PaymentOption']} is not valid for Savings "
                          "Plans: use NO_UPFRONT, PARTIAL_UPFRONT or ALL_UPFRONT")
    accounts = None
    expr = body.get("Filter")
    if expr is not None:
        dimension = expr.get("Dimensions") if isinstance(expr, dict) else None
        if (dimension is None or len([v for v in expr.values() if v is not None]) != 1
                or dimension.get("Key") != "LINKED_ACCOUNT"):
            raise _ce_invalid("GetSavingsPlansPurchaseRecommendation filters by Dimensions "
                              "with Key LINKED_ACCOUNT only")
        accounts = {a.strip() for v in dimension.get("Values") or [] for a in v.split(",")}
    scope = body.get("AccountScope") or "PAYER"
    account = self.current_account
    state = SAVINGS_PLANS.get(account) or {}
    spec = state.get("recommendation")
    generated = (spec or {}).get("generated") or state.get("at") or \
        _iso(datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0))
    request = {k: body[k] for k in ("SavingsPlansType", "TermInYears", "PaymentOption",
                                    "LookbackPeriodInDays")}
    details = []
    if spec and body["SavingsPlansType"] == "SAGEMAKER_SP":
        if scope == "PAYER" and spec.get("hourly_commitment") is not None:
            details.append(_sp_detail(spec, account, request, generated))
        if scope == "LINKED":
            details += [_sp_detail(linked, linked["account"], request, generated)
                        for linked in spec.get("linked") or []
                        if accounts is None or linked["account"] in accounts]
    recommendation = {"AccountScope": scope, **request}
    answer = {
        "Metadata": {
            "RecommendationId": _uuid_of("sp-recommendation", account, scope, generated,
                                         *sorted(request.items())),
            "GenerationTimestamp": generated,
        },
        "SavingsPlansPurchaseRecommendation": recommendation,
    }
    if details:
        offset = _sp_offset(body.get("NextPageToken"), len(details))
        size = body.get("PageSize") or len(details)
        page = details[offset:offset + size]
        recommendation["SavingsPlansPurchaseRecommendationDetails"] = [
            _sp_detail_answer(d) for d in page]
        recommendation["SavingsPlansPurchaseRecommendationSummary"] = _sp_summary(details)
        if offset + size < len(details):
            answer["NextPageToken"] = str(offset + size)
    elif body.get("NextPageToken") is not None:
        _sp_offset(body["NextPageToken"], 0)
    return json.dumps(answer)


def _sp_coverage_attributes(row, account):
    return {
        "LINKED_ACCOUNT": row.get("linked_account") or account,
        "REGION": row.get("region") or "",
        "SERVICE": row.get("service") or SP_SERVICE,
        "INSTANCE_TYPE_FAMILY": row.get("instance_family") or "",
    }


@_ce_refusals
def _get_savings_plans_coverage(self):
    body = _ce_body(self)
    _coral_check(body, [
        ("TimePeriod", True, None, None),
        ("Granularity", False, _CE_GRANULARITIES, None),
        ("MaxResults", False, None, (1, None)),
    ])
    start, end = _sp_time_period(body)
    group_by = body.get("GroupBy") or []
    granularity = body.get("Granularity")
    if group_by and granularity:
        raise _ce_invalid("Granularity can't be set if GroupBy is set")
    if granularity == "HOURLY":
        raise _ce_invalid("GetSavingsPlansCoverage supports only DAILY and MONTHLY "
                          "granularities")
    for definition in group_by:
        if definition.get("Type") != "DIMENSION" or definition.get("Key") not in \
                _SP_COVERAGE_GROUPS:
            raise _ce_invalid(f"GroupBy {definition.get('Type')} {definition.get('Key')} is not "
                              "supported: group by DIMENSION INSTANCE_TYPE_FAMILY, REGION or "
                              "SERVICE")
    for metric in body.get("Metrics") or []:
        if metric != "SpendCoveredBySavingsPlans":
            raise _ce_invalid(f"Metric {metric} is not supported: the only valid value is "
                              "SpendCoveredBySavingsPlans")
    leaves = _sp_filter(body.get("Filter"), _SP_COVERAGE_DIMENSIONS, "GetSavingsPlansCoverage")
    account = self.current_account
    rows = (SAVINGS_PLANS.get(account) or {}).get("coverage") or []
    days = [(day, row, share) for day, row, share in _sp_days(rows, ("covered", "on_demand"))
            if start.isoformat() <= day < end.isoformat()
            and _sp_matches(leaves, _sp_coverage_attributes(row, account))]
    buckets = {}  # (period, group) -> [covered, on demand]
    if group_by:
        period = (start.isoformat(), end.isoformat())
        for _, row, share in days:
            attributes = _sp_coverage_attributes(row, account)
            group = tuple((g["Key"], attributes[g["Key"]]) for g in group_by)
            bucket = buckets.setdefault((period, group), [0.0, 0.0])
            bucket[0] += share["covered"]
            bucket[1] += share["on_demand"]
    else:
        periods = list(_ce_periods(start.isoformat(), end.isoformat(), granularity or "DAILY"))
        for day, _, share in days:
            period = next(p for p in periods if p[0] <= day < p[1])
            bucket = buckets.setdefault((period, ()), [0.0, 0.0])
            bucket[0] += share["covered"]
            bucket[1] += share["on_demand"]
    entries = []
    for (period, group), (covered, on_demand) in sorted(buckets.items()):
        entries.append({
            "Attributes": dict(group),
            "Coverage": {
                "SpendCoveredBySavingsPlans": _ce_amount(covered),
                "OnDemandCost": _ce_amount(on_demand),
                "TotalCost": _ce_amount(covered + on_demand),
                "CoveragePercentage": _ce_percent(covered, covered + on_demand),
            },
            "TimePeriod": {"Start": period[0], "End": period[1]},
        })

    def number(member):
        return lambda e: float(e["Coverage"][member])

    def attribute(key):
        return lambda e: e["Attributes"].get(key, "")

    entries = _sp_sort(entries, body.get("SortBy"), {
        "SpendCoveredBySavingsPlan": number("SpendCoveredBySavingsPlans"),
        "SpendCoveredBySavingsPlans": number("SpendCoveredBySavingsPlans"),
        "OnDemandCost": number("OnDemandCost"),
        "CoveragePercentage": number("CoveragePercentage"),
        "TotalCost": number("TotalCost"),
        "InstanceFamily": attribute("INSTANCE_TYPE_FAMILY"),
        "Region": attribute("REGION"),
        "Service": attribute("SERVICE"),
    })
    offset = _sp_offset(body.get("NextToken"), len(entries))
    size = body.get("MaxResults") or 20
    answer = {"SavingsPlansCoverages": entries[offset:offset + size]}
    if offset + size < len(entries):
        answer["NextToken"] = str(offset + size)
    return json.dumps(answer)


def _sp_utilization_attributes(row, account):
    return {
        "LINKED_ACCOUNT": row.get("linked_account") or account,
        "SAVINGS_PLAN_ARN": row["arn"],
        "SAVINGS_PLANS_TYPE": SP_TYPE_VALUE,
        "REGION": row.get("region") or "",
        "PAYMENT_OPTION": row.get("payment_option") or "No Upfront",
        "INSTANCE_TYPE_FAMILY": row.get("instance_family") or "",
    }


def _sp_utilization_answer(commitment, used, equivalent, upfront):
    return {
        "Utilization": {
            "TotalCommitment": _ce_amount(commitment),
            "UsedCommitment": _ce_amount(used),
            "UnusedCommitment": _ce_amount(commitment - used),
            "UtilizationPercentage": _ce_percent(used, commitment),
        },
        "Savings": {
            "NetSavings": _ce_amount(equivalent - commitment),
            "OnDemandCostEquivalent": _ce_amount(equivalent),
        },
        "AmortizedCommitment": {
            "AmortizedRecurringCommitment": _ce_amount(commitment - upfront),
            "AmortizedUpfrontCommitment": _ce_amount(upfront),
            "TotalAmortizedCommitment": _ce_amount(commitment),
        },
    }


@_ce_refusals
def _get_savings_plans_utilization(self):
    from datetime import date
    body = _ce_body(self)
    _coral_check(body, [
        ("TimePeriod", True, None, None),
        ("Granularity", False, _CE_GRANULARITIES, None),
    ])
    start, end = _sp_time_period(body)
    granularity = body.get("Granularity") or "DAILY"
    if granularity == "HOURLY":
        raise _ce_invalid("GetSavingsPlansUtilization supports only DAILY and MONTHLY "
                          "granularities")
    leaves = _sp_filter(body.get("Filter"), _SP_UTILIZATION_DIMENSIONS,
                        "GetSavingsPlansUtilization")
    sort = body.get("SortBy")
    account = self.current_account
    rows = (SAVINGS_PLANS.get(account) or {}).get("utilization") or []
    amounts = ("commitment", "used", "on_demand_equivalent", "upfront")
    days = [(day, row, share) for day, row, share in _sp_days(rows, amounts)
            if start.isoformat() <= day < end.isoformat()
            and _sp_matches(leaves, _sp_utilization_attributes(row, account))]
    if not days:
        # What AWS answers an account without Savings Plans (or a filter matching none).
        raise _CeRefusal("DataUnavailableException")
    last_day = max(day for day, _, _ in days)
    today = utcnow().date()
    buckets = {}
    for day, _, share in days:
        if granularity == "DAILY":
            moment = date.fromisoformat(day)
            period = (day, (moment + timedelta(days=1)).isoformat())
        else:
            first = date.fromisoformat(day).replace(day=1)
            following = (first + timedelta(days=32)).replace(day=1)
            if first <= today < following:  # the current month ends where the data does
                following = min(following, date.fromisoformat(last_day) + timedelta(days=1))
            period = (first.isoformat(), following.isoformat())
        bucket = buckets.setdefault(period, dict.fromkeys(amounts, 0.0))
        for key in amounts:
            bucket[key] += share[key]
    entries = [{"TimePeriod": {"Start": period[0], "End": period[1]},
                **_sp_utilization_answer(b["commitment"], b["used"], b["on_demand_equivalent"],
                                         b["upfront"])}
               for period, b in sorted(buckets.items())]

    def number(group, member):
        return lambda e: float(e[group][member])

    entries = _sp_sort(entries, sort, {
        "UtilizationPercentage": number("Utilization", "UtilizationPercentage"),
        "TotalCommitment": number("Utilization", "TotalCommitment"),
        "UsedCommitment": number("Utilization", "UsedCommitment"),
        "UnusedCommitment": number("Utilization", "UnusedCommitment"),
        "NetSavings": number("Savings", "NetSavings"),
    })
    total = {key: sum(share[key] for _, _, share in days) for key in amounts}
    return json.dumps({
        "SavingsPlansUtilizationsByTime": entries,
        "Total": _sp_utilization_answer(total["commitment"], total["used"],
                                        total["on_demand_equivalent"], total["upfront"]),
    })


def savings_plans(account, recommendation, coverage, utilization):
    """What Cost Explorer knows of `account`'s SageMaker Savings Plans (the `savings_plans`
    command), replacing what was set before; checked here so a test's typo fails at once."""
    from datetime import date

    def spans(rows, required, what):
        out = []
        for n, row in enumerate(rows or []):
            missing = [k for k in ("start", "end", *required) if row.get(k) is None]
            if missing:
                raise ValueError(f"{what}[{n}] lacks {missing}")
            if date.fromisoformat(row["start"]) >= date.fromisoformat(row["end"]):
                raise ValueError(f"{what}[{n}] ends before it starts")
            for key in required:
                if float(row[key]) < 0:
                    raise ValueError(f"{what}[{n}].{key} is negative")
            out.append(dict(row))
        return out

    coverage = spans(coverage, ("covered", "on_demand"), "coverage")
    if utilization is not None:
        utilization = spans(utilization, ("commitment", "used", "on_demand_equivalent"),
                            "utilization")
        for n, row in enumerate(utilization):
            if float(row["used"]) > float(row["commitment"]):
                raise ValueError(f"utilization[{n}] uses more than its commitment")
            if float(row.get("upfront") or 0) > float(row["commitment"]):
                raise ValueError(f"utilization[{n}] amortizes more upfront than its commitment")
            if row.get("payment_option", "No Upfront") not in _SP_PAYMENT_NAMES:
                raise ValueError(f"utilization[{n}].payment_option is one of "
                                 f"{_SP_PAYMENT_NAMES}")
            row.setdefault("arn", f"arn:aws:savingsplans::{account}:savingsplan/"
                                  f"{_uuid_of('savings-plan', account, n)}")
    if recommendation is not None:
        recommendation = dict(recommendation)
        specs = list(recommendation.get("linked") or [])
        if recommendation.get("hourly_commitment") is not None:
            specs.append(recommendation)
        for spec in specs:
            if spec.get("hourly_commitment") is None or \
                    (spec.get("on_demand_hourly") or {}).get("average") is None:
                raise ValueError("a recommendation needs hourly_commitment and "
                                 "on_demand_hourly.average")
            if float(spec["hourly_commitment"]) <= 0:
                raise ValueError("hourly_commitment must be positive")
            rate = spec.get("savings_rate")
            for value in (rate.values() if isinstance(rate, dict) else [rate]):
                if value is not None and not 0 <= float(value) < 1:
                    raise ValueError("savings_rate is a fraction in [0, 1)")
        for linked in recommendation.get("linked") or []:
            if not linked.get("account"):
                raise ValueError("each linked recommendation names its account")
        if recommendation.get("generated"):
            recommendation["generated"] = _iso(_trail_time(recommendation["generated"]))
    SAVINGS_PLANS[account] = {
        "recommendation": recommendation,
        "coverage": coverage,
        "utilization": utilization,
        "at": _iso(datetime.now(timezone.utc)),
    }


CostExplorerResponse.get_savings_plans_purchase_recommendation = \
    _get_savings_plans_purchase_recommendation
CostExplorerResponse.get_savings_plans_coverage = _get_savings_plans_coverage
CostExplorerResponse.get_savings_plans_utilization = _get_savings_plans_utilization


# --- AWS Price List ----------------------------------------------------------------------
# moto has no Price List API. GetProducts is answered here (awsJson1.1, X-Amz-Target
# AWSPriceListService.GetProducts) from PRICE_PRODUCTS, documents in the shape AWS answers
# and documents (botocore's pricing service JSON: PriceList is a list of JSON *strings*, each a
# product with its attributes and terms; FormatVersion; NextToken): TERM_MATCH filters on
# `ServiceCode` and on product attributes, MaxResults 1..100 (default 100), NextToken paging.
# AWS serves the API from us-east-1 and ap-south-1 only; a request signed for another region is
# refused here.

PRICE_PRODUCTS = []  # product documents (dicts); the answer serialises each to a string
PRICE_LIST_REGIONS = ("us-east-1", "ap-south-1")
LOCATIONS = {"us-east-1": "US East (N. Virginia)", "us-west-2": "US West (Oregon)",
             "eu-west-1": "EU (Ireland)"}
USAGE_PREFIX = {"us-east-1": "USE1", "us-west-2": "USW2", "eu-west-1": "EU"}
USAGE_OF = {"Training": "Train", "Hosting": "Host", "Notebook": "Notebk",
            "Processing": "Processing", "Batch Transform": "Tsform",
            "Studio-Notebook": "Studio-Notebook"}


def price_product(spec, n):
    """One SageMaker on-demand product document: spec {instance_type, region, component,
    usd, effective (YYYY-MM-DD)}, or with "unit": "GB-Mo" a storage product."""
    sku = f"FIXTURESKU{n:06d}"
    region, component = spec["region"], spec["component"]
    unit = spec.get("unit", "Hrs")
    attributes = {
        "servicecode": "AmazonSageMaker",
        "servicename": "Amazon SageMaker",
        "location": LOCATIONS.get(region, region),
        "locationType": "AWS Region",
        "regionCode": region,
        "component": component,
        "operation": "RunInstance",
    }
    if unit == "Hrs":
        attributes["instanceName"] = spec["instance_type"]
        attributes["usagetype"] = (
            f"{USAGE_PREFIX.get(region, region)}-{USAGE_OF.get(component, component)}:"
            f"{spec['instance_type']}")
        family = "ML Instance"
    else:
        attributes["instanceName"] = spec["instance_type"]
        attributes["usagetype"] = f"{USAGE_PREFIX.get(region, region)}-{component}:VolumeUsage"
        family = "ML Storage"
    effective = f"{spec.get('effective', '2026-11-01')}T00:00:00Z"
    term, rate = f"{sku}.JRTCKXETXF", f"{sku}.JRTCKXETXF.6YS6EN2CT7"
    return {
        "product": {"productFamily": family, "attributes": attributes, "sku": sku},
        "serviceCode": "AmazonSageMaker",
        "terms": {"OnDemand": {term: {
            "priceDimensions": {rate: {
                "unit": unit, "endRange": "Inf", "beginRange": "0", "appliesTo": [],
                "description": f"${spec['usd']} per {unit} for {component}",
                "rateCode": rate, "pricePerUnit": {"USD": f"{float(spec['usd']):.10f}"},
            }},
            "sku": sku, "effectiveDate": effective, "offerTermCode": "JRTCKXETXF",
            "termAttributes": {},
        }}},
        "version": "20261101000000",
        "publicationDate": "2026-11-01T00:00:00Z",
    }


def price_list_answer(body, region):
    """(status, JSON body) for one GetProducts request."""
    if region not in PRICE_LIST_REGIONS:
        return "400 Bad Request", {
            "__type": "UnrecognizedClientException",
            "message": f"the Price List API is not served from {region}"}
    request = json.loads(body or b"{}")
    service = request.get("ServiceCode")
    filters = request.get("Filters") or []
    for f in filters:
        if f.get("Type") not in ("TERM_MATCH", "EQUALS", "CONTAINS", "ANY_OF", "NONE_OF"):
            return "400 Bad Request", {"__type": "InvalidParameterException",
                                       "message": f"bad filter type {f.get('Type')}"}

    def matches(doc):
        if doc["serviceCode"] != service:
            return False
        attributes = doc["product"]["attributes"]
        for f in filters:
            field, value = f["Field"], f["Value"]
            if field == "ServiceCode":
                if value != service:
                    return False
            elif attributes.get(field) != value:
                return False
        return True

    chosen = [d for d in PRICE_PRODUCTS if matches(d)]
    size = int(request.get("MaxResults") or 100)
    if not 1 <= size <= 100:
        return "400 Bad Request", {"__type": "InvalidParameterException",
                                   "message": "MaxResults must be between 1 and 100"}
    start = int(request.get("NextToken") or 0)
    page = chosen[start:start + size]
    answer = {"FormatVersion": request.get("FormatVersion") or "aws_v1",
              "PriceList": [json.dumps(d) for d in page]}
    if start + size < len(chosen):
        answer["NextToken"] = str(start + size)
    return "200 OK", answer


# --- Athena over a CUR 2.0 table -----------------------------------------------------------
# moto's Athena accepts queries but never runs SQL. StartQueryExecution, GetQueryExecution and
# GetQueryResults (awsJson1.1, X-Amz-Target AmazonAthena.*) are answered here instead, in the
# shapes of botocore's athena service JSON, by running the app's SQL with DuckDB over a CUR
# 2.0-shaped Parquet file the world writes (`cur_table`): CUR 2.0 column names, `billing_period`
# as the partition column (`YYYY-MM`), `resource_tags` a MAP(VARCHAR, VARCHAR) whose keys are
# spelled as CUR 2.0 spells them (`user_cost_center`). A query goes QUEUED, RUNNING, then
# SUCCEEDED or FAILED over three GetQueryExecution calls, as real queries take a while;
# Statistics.DataScannedInBytes is the fixture file's size (0 for a query that failed). The two
# Trino functions the app uses that DuckDB spells differently (`date_format`, `element_at` on a
# map) are macros with Trino's meaning. Only SELECT runs: anything else fails, so a test would
# catch a write. DuckDB already reads Athena's identifiers (double quotes, any case, dotted
# struct fields), so the SQL runs as sent; an unqualified table is looked up in
# QueryExecutionContext.Database.
# The organization trail's CloudTrail table (`cloudtrail_table`, see CLOUDTRAIL) is served the
# same way; a query that names it scans the trail's bytes instead of the CUR file's. Values come
# back as Athena writes them: NULL as a Datum with no VarCharValue, a row, array or map selected
# whole as its Athena text ({name=value, ...}, [...]).

CUR = {"path": None, "database": None, "table": None, "dir": None}
ATHENA_QUERIES = {}  # id -> {"sql", "polls", "state", "reason", "columns", "rows", "scanned"}
ATHENA_LOCK = threading.Lock()

CUR_COLUMNS = [
    ("bill_billing_period_start_date", "TIMESTAMP"),
    ("billing_period", "VARCHAR"),
    ("line_item_usage_account_id", "VARCHAR"),
    ("line_item_product_code", "VARCHAR"),
    ("line_item_usage_type", "VARCHAR"),
    ("line_item_resource_id", "VARCHAR"),
    ("line_item_usage_start_date", "TIMESTAMP"),
    ("line_item_usage_end_date", "TIMESTAMP"),
    ("line_item_unblended_cost", "DOUBLE"),
    ("line_item_net_unblended_cost", "DOUBLE"),
    ("resource_tags", "MAP(VARCHAR, VARCHAR)"),
]


def cur_table(database, table, items):
    """Writes `items` ({resource_id, start (ISO time), cost, product (default AmazonSageMaker),
    usage_type, account, tags {CUR 2.0 key: value}}) as the CUR 2.0 table database.table."""
    import duckdb
    import tempfile
    if CUR["dir"] is None:
        CUR["dir"] = tempfile.mkdtemp(prefix="cur2-")
    path = os.path.join(CUR["dir"], f"{database}.{table}.parquet")
    con = duckdb.connect()
    con.execute("CREATE TABLE cur (" + ", ".join(f"{n} {t}" for n, t in CUR_COLUMNS) + ")")
    for item in items:
        start = datetime.fromisoformat(item["start"].replace("Z", "+00:00")).replace(tzinfo=None)
        period = start.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        tags = item.get("tags") or {}
        con.execute(
            "INSERT INTO cur VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, MAP(?::VARCHAR[], ?::VARCHAR[]))",
            [period, period.strftime("%Y-%m"), item.get("account", DEFAULT_ACCOUNT),
             item.get("product", "AmazonSageMaker"), item.get("usage_type", "USE1-Train:ml.m5.xlarge"),
             item["resource_id"], start, start + timedelta(hours=1), float(item["cost"]),
             float(item["cost"]), list(tags.keys()), list(tags.values())])
    con.execute(f"COPY cur TO '{path}' (FORMAT PARQUET)")
    con.close()
    CUR.update(path=path, database=database, table=table)
    return os.path.getsize(path)


def _athena_text(value):
    """A value as Athena's GetQueryResults writes it: NULL inside a row, array or map as
    null, booleans as true/false, a row or map as {name=value, ...}, an array as [a, b]."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_athena_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_athena_text(v) for v in value) + "]"
    return str(value)


def _mentions(sql, table):
    """Whether the SQL names the table (bare or double-quoted, any case)."""
    import re
    return re.search(r'(?<![\w"])"?' + re.escape(table) + r'"?(?![\w"])', sql,
                     re.IGNORECASE) is not None


def _athena_run(sql, database=None):
    """(columns [(name, type)], rows [[str|None]], DataScannedInBytes) or raises with an
    Athena-shaped reason. `database` is the query's QueryExecutionContext.Database, where an
    unqualified table name is looked up (as Athena does)."""
    import duckdb
    if not sql.lstrip().upper().startswith("SELECT"):
        raise ValueError("NOT_SUPPORTED: only SELECT statements run in this world")
    con = duckdb.connect()
    scanned, schemas = 0, set()
    try:
        if CUR["path"]:
            con.execute(f'CREATE SCHEMA IF NOT EXISTS "{CUR["database"]}"')
            con.execute(f'CREATE VIEW "{CUR["database"]}"."{CUR["table"]}" AS '
                        f"SELECT * FROM read_parquet('{CUR['path']}')")
            schemas.add(CUR["database"])
        trail_read = bool(CLOUDTRAIL["table"]) and _mentions(sql, CLOUDTRAIL["table"])
        if CLOUDTRAIL["table"]:
            trail_bytes = _cloudtrail_materialise(con)
            schemas.add(CLOUDTRAIL["database"])
            if trail_read:
                scanned += trail_bytes
        if CUR["path"] and (not trail_read or _mentions(sql, CUR["table"])):
            scanned += os.path.getsize(CUR["path"])
        con.execute("CREATE MACRO date_format(ts, fmt) AS strftime(ts, fmt)")
        con.execute("CREATE MACRO element_at(m, k) AS m[k]")
        if database in schemas:
            con.execute(f"SET search_path = '{database.replace(chr(39), chr(39) * 2)},main'")
        try:
            cursor = con.execute(sql)
        except duckdb.CatalogException as err:
            text = str(err)
            if "Table with name" in text:
                raise ValueError(f"TABLE_NOT_FOUND: {text.splitlines()[0]}") from None
            raise ValueError(f"COLUMN_NOT_FOUND: {text.splitlines()[0]}") from None
        except duckdb.BinderException as err:
            raise ValueError(f"COLUMN_NOT_FOUND: {str(err).splitlines()[0]}") from None
        except duckdb.ParserException as err:
            raise ValueError(f"SYNTAX_ERROR: {str(err).splitlines()[0]}") from None
        names = [d[0] for d in cursor.description]
        types = [str(d[1]).lower() for d in cursor.description]
        rows = [[None if v is None else _athena_text(v) for v in row]
                for row in cursor.fetchall()]
    finally:
        con.close()
    return list(zip(names, types)), rows, scanned


ATHENA_TYPES = {"double": "double", "varchar": "varchar", "bigint": "bigint",
                "integer": "integer", "timestamp": "timestamp", "date": "date",
                "boolean": "boolean", "struct": "row", "map": "map"}


def _athena_type(kind):
    """Athena's ColumnInfo.Type for a DuckDB type (lower case)."""
    if kind.endswith("]"):
        return "array"
    return ATHENA_TYPES.get(kind.split("(")[0], "varchar")


def athena_answer(operation, body):
    """(status, JSON body) for one Athena request."""
    request = json.loads(body or b"{}")

    def invalid(message):
        return "400 Bad Request", {"__type": "InvalidRequestException", "Message": message,
                                   "AthenaErrorCode": "INVALID_INPUT"}

    if operation == "StartQueryExecution":
        sql = request.get("QueryString")
        if not sql:
            return invalid("QueryString is required")
        output = (request.get("ResultConfiguration") or {}).get("OutputLocation")
        if not output:
            # The `primary` workgroup has no result location of its own.
            return invalid("No output location provided. An output location is required "
                           "either through the Workgroup result configuration setting or "
                           "as an API input.")
        query_id = str(uuid.uuid4())
        entry = {"sql": sql, "polls": 0, "database":
                 (request.get("QueryExecutionContext") or {}).get("Database"),
                 "workgroup": request.get("WorkGroup") or "primary", "output": output}
        try:
            entry["columns"], entry["rows"], entry["scanned"] = _athena_run(
                sql, entry["database"])
            entry["state"], entry["reason"] = "SUCCEEDED", None
        except Exception as err:  # the query's failure, reported the way Athena does
            entry["state"], entry["reason"] = "FAILED", str(err)
            entry["columns"], entry["rows"] = [], []
            entry["scanned"] = 0  # never reported: a failed query scans nothing billable
        with ATHENA_LOCK:
            ATHENA_QUERIES[query_id] = entry
        return "200 OK", {"QueryExecutionId": query_id}
    query_id = request.get("QueryExecutionId")
    with ATHENA_LOCK:
        entry = ATHENA_QUERIES.get(query_id)
    if entry is None:
        return invalid(f"QueryExecution {query_id} was not found")
    if operation == "GetQueryExecution":
        entry["polls"] += 1
        state = ["QUEUED", "RUNNING"][entry["polls"] - 1] if entry["polls"] <= 2 else entry["state"]
        status = {"State": state, "SubmissionDateTime": time.time()}
        if state == "FAILED":
            status["StateChangeReason"] = entry["reason"]
            status["AthenaError"] = {"ErrorCategory": 2, "ErrorType": 1006, "Retryable": False,
                                     "ErrorMessage": entry["reason"]}
        if state in ("SUCCEEDED", "FAILED"):
            status["CompletionDateTime"] = time.time()
        done = state == "SUCCEEDED"
        return "200 OK", {"QueryExecution": {
            "QueryExecutionId": query_id, "Query": entry["sql"], "StatementType": "DML",
            "ResultConfiguration": {"OutputLocation": f"{entry['output'].rstrip('/')}/{query_id}.csv"},
            "QueryExecutionContext": {"Database": entry["database"], "Catalog": "AwsDataCatalog"},
            "Status": status,
            "Statistics": {"EngineExecutionTimeInMillis": 420,
                           "DataScannedInBytes": entry["scanned"] if done else 0,
                           "TotalExecutionTimeInMillis": 480},
            "WorkGroup": entry["workgroup"],
        }}
    if operation == "GetQueryResults":
        if entry["state"] != "SUCCEEDED" or entry["polls"] < 3:
            return invalid(f"Query has not yet finished. Current state: "
                           f"{'QUEUED' if entry['polls'] < 2 else entry['state']}")
        size = int(request.get("MaxResults") or 1000)
        if not 1 <= size <= 1000:
            return invalid("MaxResults must be between 1 and 1000")
        header = [[name for name, _ in entry["columns"]]]
        everything = header + entry["rows"]
        start = int(request.get("NextToken") or 0)
        page = everything[start:start + size]
        answer = {
            "UpdateCount": 0,
            "ResultSet": {
                "Rows": [{"Data": [{} if v is None else {"VarCharValue": v} for v in row]}
                         for row in page],
                "ResultSetMetadata": {"ColumnInfo": [
                    {"CatalogName": "hive", "SchemaName": "", "TableName": "", "Name": name,
                     "Label": name, "Type": _athena_type(kind),
                     "Precision": 0, "Scale": 0, "Nullable": "UNKNOWN",
                     "CaseSensitive": kind == "varchar"}
                    for name, kind in entry["columns"]]},
            },
        }
        if start + size < len(everything):
            answer["NextToken"] = str(start + size)
        return "200 OK", answer
    return invalid(f"the fixture does not serve {operation}")


# --- CloudTrail event history (LookupEvents) ---------------------------------------------
#
# What AWS does: CloudTrail records every management call made in an account and Region (who
# made it, when, the request's parameters, the response's elements, the error when it failed)
# and keeps the last 90 days as the Region's event history, which LookupEvents reads with no
# trail set up (botocore's cloudtrail JSON): one lookup attribute per call (EventId, EventName,
# ReadOnly, Username, ResourceType, ResourceName, EventSource, AccessKeyId), StartTime and
# EndTime inclusive, newest first, MaxResults 1..50 (default 50), a NextToken that must come
# back with the first call's parameters, and two requests per second per account and Region
# (ThrottlingException past that). Each event carries the whole record as the JSON string
# CloudTrailEvent beside the fields it is looked up by. The same record reaches EventBridge as
# the `detail` of an "AWS API Call via CloudTrail" event (source aws.sagemaker), which the
# organization's stream (below) writes to its log group with the state changes.
#
# What moto 5.2.5 lacks: its CloudTrail is trails only (CreateTrail, GetTrailStatus, ...). There
# is no LookupEvents, and the calls moto serves are recorded nowhere.
#
# What the world does instead: TRAIL holds each (account, region)'s history, written by the
# `trail` command and by `seed` / `scale_world` with "trail": true (one Create* record per
# resource, at its creation time, by a principal of TRAIL_CAST; the app's own calls to moto
# are not recorded: a test states the history it means). Records are shaped like the SageMaker
# developer guide's CloudTrail samples: the API's request and response members with their first
# letter lowered, request tags as [{"key", "value"}], the ARN in responseElements.<kind>Arn,
# errorCode and errorMessage and no responseElements for a call that failed. LookupEvents
# (awsJson1.1, X-Amz-Target TRAIL_TARGET + "LookupEvents", botocore's targetPrefix, or the
# short "CloudTrail_20131101.LookupEvents" the Rust SDK sends; CloudTrail takes both) is answered
# from it for the account of the request's access key and the Region of its SigV4 scope, with
# botocore's error names (trail_answer). A record older than 90 days is kept but never answered:
# the history has dropped it. The token is a position (the last event's time and recording
# order), so events recorded between two pages neither repeat nor shift the next page.
# LookupEvents is paced like AWS, always (RequestLog: TRAIL_RATE, TRAIL_BURST), whatever the
# `quota` command says (which meters SageMaker alone). A `trail` event with "stream": true also
# reaches the stream's log group the way set_status's state changes do (stream_deliver, so
# moto's pattern matching picks the rule), its envelope's `time` the record's eventTime.
#
# Where AWS publishes no sample, the world chooses: an event's Resources is one entry,
# ResourceType AWS::SageMaker::<the call's noun> and ResourceName the name the request gives
# (an app's appName, a domain's name or id); Username is an assumed role's session name (the
# signed-in user for SSO), an IAM user's name or "root", and a service's event has neither
# Username nor AccessKeyId; access keys and principal ids are derived from the principal, so
# the same principal signs every record with the same key.

TRAIL = {}  # (account, region) -> [entry], in recording order; reset() forgets it
TRAIL_LOCK = threading.Lock()
TRAIL_SEQ = [0]  # recording order across the world, the tie-break of equal event times
TRAIL_TARGET = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101."
TRAIL_LOOKUP = (TRAIL_TARGET + "LookupEvents", "CloudTrail_20131101.LookupEvents")
TRAIL_HISTORY = timedelta(days=90)
TRAIL_PAGE_MAX = 50
TRAIL_KEYS = {"EventId", "EventName", "ReadOnly", "Username", "ResourceType", "ResourceName",
              "EventSource", "AccessKeyId"}
TRAIL_INSIGHT_KEYS = {"EventId", "EventName", "EventSource"}
SAGEMAKER_SOURCE = "sagemaker.amazonaws.com"
API_CALL = "AWS API Call via CloudTrail"

# The principals the bulk worlds' resources are created by: SSO users (one permission set
# named with underscores, as Identity Center allows), an IAM user and a CI role's sessions.
TRAIL_CAST = [
    {"sso": "alice@example.com", "permission_set": "DataScientist"},
    {"sso": "bogdan@example.com", "permission_set": "DataScientist"},
    {"sso": "chen@example.com", "permission_set": "ML_Platform_Admin"},
    {"iam_user": "intern"},
    {"role": "ci-deployer", "session": "build-{n}"},
]

# The call that creates each kind, by the kind names the world's commands use.
CREATE_CALL = {
    "training": "CreateTrainingJob", "processing": "CreateProcessingJob",
    "transform": "CreateTransformJob", "tuning": "CreateHyperParameterTuningJob",
    "endpoint": "CreateEndpoint", "notebook": "CreateNotebookInstance", "app": "CreateApp",
    "inference_component": "CreateInferenceComponent", "cluster": "CreateCluster",
    "model": "CreateModel", "endpoint-config": "CreateEndpointConfig",
    "pipeline": "CreatePipeline", "domain": "CreateDomain", "user-profile": "CreateUserProfile",
    "space": "CreateSpace", "model-package-group": "CreateModelPackageGroup",
    "feature-group": "CreateFeatureGroup", "experiment": "CreateExperiment",
}

# A call's noun -> (the request member naming the resource, the ARN's resource type). The
# response's ARN member is the name member with Name -> Arn (trainingJobName -> trainingJobArn).
TRAIL_NOUNS = {
    "TrainingJob": ("trainingJobName", "training-job"),
    "ProcessingJob": ("processingJobName", "processing-job"),
    "TransformJob": ("transformJobName", "transform-job"),
    "HyperParameterTuningJob": ("hyperParameterTuningJobName", "hyper-parameter-tuning-job"),
    "Endpoint": ("endpointName", "endpoint"),
    "EndpointConfig": ("endpointConfigName", "endpoint-config"),
    "NotebookInstance": ("notebookInstanceName", "notebook-instance"),
    "App": ("appName", "app"),
    "InferenceComponent": ("inferenceComponentName", "inference-component"),
    "Cluster": ("clusterName", "cluster"),
    "Model": ("modelName", "model"),
    "Pipeline": ("pipelineName", "pipeline"),
    "PipelineExecution": ("pipelineExecutionArn", "pipeline"),
    "Domain": ("domainName", "domain"),
    "UserProfile": ("userProfileName", "user-profile"),
    "Space": ("spaceName", "space"),
    "ModelPackageGroup": ("modelPackageGroupName", "model-package-group"),
    "FeatureGroup": ("featureGroupName", "feature-group"),
    "Experiment": ("experimentName", "experiment"),
}
READ_VERBS = {"Describe", "List", "Get", "Search", "Query", "BatchDescribe", "BatchGet"}
# Calls other than Create* and Update* whose response names the resource's ARN (botocore's
# SageMaker model: DeletePipelineResponse.PipelineArn, DeleteExperimentResponse.ExperimentArn,
# Start/StopPipelineExecutionResponse.PipelineExecutionArn).
ARN_ANSWERED = {"DeletePipeline", "DeleteExperiment", "StartPipelineExecution",
                "StopPipelineExecution"}
USER_AGENTS = {
    "sso": "Boto3/1.35.36 md/Botocore#1.35.36 ua/2.0 os/macos#23.6.0 md/arch#arm64 "
           "lang/python#3.11.9 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.35.36",
    "iam_user": "aws-cli/2.15.30 md/awscrt#0.19.19 ua/2.0 os/linux#6.1.0 md/arch#x86_64 "
                "lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#standard "
                "md/installer#exe md/distrib#debian.12 command/sagemaker",
    "role": "aws-sdk-go-v2/1.30.3 ua/2.0 os/linux lang/go#1.22.5 md/GOOS#linux "
            "md/GOARCH#amd64 api/sagemaker#1.154.0",
    "root": "AWS Internal",
}


def _digest(*parts):
    return hashlib.sha256("/".join(str(p) for p in parts).encode()).digest()


def _key_id(prefix, length, *parts):
    """An AWS-looking id (A-Z and 2-7 after the prefix), the same for the same parts."""
    return prefix + base64.b32encode(_digest(*parts)).decode()[:length]


def _uuid_of(*parts):
    """A version-4 UUID drawn from the parts: a seeded world's event ids do not change."""
    return str(uuid.UUID(bytes=_digest(*parts)[:16], version=4))


def _trail_time(at):
    """An event time: whole seconds (CloudTrail's eventTime has no more), aware UTC. `at` is
    an ISO 8601 string, epoch seconds, a moto datetime (naive UTC) or None for now."""
    if at is None:
        moment = datetime.now(timezone.utc)
    elif isinstance(at, datetime):
        moment = at if at.tzinfo else at.replace(tzinfo=timezone.utc)
    elif isinstance(at, (int, float)) and not isinstance(at, bool):
        moment = datetime.fromtimestamp(at, timezone.utc)
    elif isinstance(at, str):
        moment = datetime.fromisoformat(at.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
    else:
        raise ValueError(f"`at` is not a time: {at!r}")
    return moment.astimezone(timezone.utc).replace(microsecond=0)


def _iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def trail_principal(principal, account, region, at):
    """(userIdentity, LookupEvents' Username or None, its AccessKeyId or None, the user agent,
    the source IP, how sagescope shows the principal, the person it names or None) for a
    principal spec: {"sso": user, "permission_set"}, {"iam_user"}, {"role", "session"},
    {"root": true} or {"service"}. The identities are the CloudTrail user guide's shapes."""
    if not isinstance(principal, dict):
        raise ValueError(f"principal is not an object: {principal!r}")
    kinds = [k for k in ("sso", "iam_user", "role", "root", "service") if principal.get(k)]
    if len(kinds) != 1:
        raise ValueError(f"principal needs exactly one of sso, iam_user, role, root, service: "
                         f"{principal!r}")
    kind = kinds[0]
    ip = f"192.0.2.{1 + _digest(account, json.dumps(principal, sort_keys=True))[0] % 250}"
    started = _iso(at - timedelta(minutes=7))
    if kind in ("sso", "role"):
        if kind == "sso":
            user, permission_set = principal["sso"], principal.get("permission_set",
                                                                   "DataScientist")
            role = f"AWSReservedSSO_{permission_set}_{_digest(account, permission_set).hex()[:16]}"
            role_path = f"aws-reserved/sso.amazonaws.com/{region}/{role}"
            session, shown, person = user, user, user
        else:
            if not principal.get("session"):
                raise ValueError(f"a role principal needs its session name: {principal!r}")
            role, session = principal["role"], principal["session"]
            role_path = role
            shown, person = f"role/{role} (session {session})", session
        role_id = _key_id("AROA", 17, account, role)
        key = _key_id("ASIA", 16, account, role, session)
        identity = {
            "type": "AssumedRole",
            "principalId": f"{role_id}:{session}",
            "arn": f"arn:aws:sts::{account}:assumed-role/{role}/{session}",
            "accountId": account,
            "accessKeyId": key,
            "sessionContext": {
                "sessionIssuer": {
                    "type": "Role", "principalId": role_id,
                    "arn": f"arn:aws:iam::{account}:role/{role_path}",
                    "accountId": account, "userName": role,
                },
                "webIdFederationData": {},
                "attributes": {"creationDate": started, "mfaAuthenticated": "false"},
            },
        }
        return identity, session, key, USER_AGENTS[kind], ip, shown, person
    if kind == "iam_user":
        name = principal["iam_user"]
        key = _key_id("AKIA", 16, account, "user", name)
        identity = {"type": "IAMUser", "principalId": _key_id("AIDA", 17, account, name),
                    "arn": f"arn:aws:iam::{account}:user/{name}", "accountId": account,
                    "accessKeyId": key, "userName": name}
        return identity, name, key, USER_AGENTS[kind], ip, f"user/{name}", name
    if kind == "root":
        key = _key_id("ASIA", 16, account, "root")
        identity = {"type": "Root", "principalId": account, "arn": f"arn:aws:iam::{account}:root",
                    "accountId": account, "accessKeyId": key,
                    "sessionContext": {"attributes": {"creationDate": started,
                                                      "mfaAuthenticated": "true"}}}
        return identity, "root", key, USER_AGENTS[kind], ip, "root", None
    service = principal["service"]
    identity = {"type": "AWSService", "invokedBy": service}
    return identity, None, None, service, service, f"service {service}", None


def _split_call(event_name):
    """(verb, noun) of a SageMaker call: CreateTrainingJob -> (Create, TrainingJob)."""
    word = 1
    while word < len(event_name) and not event_name[word].isupper():
        word += 1
    verb, noun = event_name[:word], event_name[word:]
    if verb == "Batch":
        more = 1
        while more < len(noun) and not noun[more].isupper():
            more += 1
        verb, noun = verb + noun[:more], noun[more:]
    return verb, noun


def _create_extras(noun, spec, account, region, name):
    """The rest of a Create* request, as the API takes it (members' first letter lowered)."""
    role = EXEC_ROLE.format(account=account)
    itype, count = spec.get("instance_type"), int(spec.get("instance_count") or 1)
    bucket = f"s3://sagemaker-{region}-{account}"
    if noun == "TrainingJob":
        return {"algorithmSpecification": {"trainingImage": IMAGE, "trainingInputMode": "File"},
                "roleArn": role, "outputDataConfig": {"s3OutputPath": f"{bucket}/models/"},
                "resourceConfig": {"instanceType": itype or "ml.m5.xlarge",
                                   "instanceCount": count, "volumeSizeInGB": 50},
                "stoppingCondition": {"maxRuntimeInSeconds": 86400}}
    if noun == "ProcessingJob":
        return {"processingResources": {"clusterConfig": {
                    "instanceCount": count, "instanceType": itype or "ml.m5.xlarge",
                    "volumeSizeInGB": 30}},
                "appSpecification": {"imageUri": IMAGE}, "roleArn": role,
                "stoppingCondition": {"maxRuntimeInSeconds": 3600}}
    if noun == "TransformJob":
        return {"modelName": spec.get("model", f"model-{name}"),
                "transformInput": {"dataSource": {"s3DataSource": {
                    "s3DataType": "S3Prefix", "s3Uri": f"{bucket}/score-in/"}}},
                "transformOutput": {"s3OutputPath": f"{bucket}/score-out/"},
                "transformResources": {"instanceType": itype or "ml.c5.xlarge",
                                       "instanceCount": count}}
    if noun == "HyperParameterTuningJob":
        return {"hyperParameterTuningJobConfig": {
                    "strategy": "Bayesian",
                    "resourceLimits": {"maxNumberOfTrainingJobs": 8,
                                       "maxParallelTrainingJobs": 2}},
                "trainingJobDefinition": {
                    "algorithmSpecification": {"trainingImage": IMAGE,
                                               "trainingInputMode": "File"},
                    "roleArn": role,
                    "resourceConfig": {"instanceType": itype or "ml.m5.xlarge",
                                       "instanceCount": count, "volumeSizeInGB": 50}}}
    if noun == "Endpoint":
        return {"endpointConfigName": spec.get("endpoint_config", f"{name}-config")}
    if noun == "NotebookInstance":
        return {"instanceType": itype or "ml.t3.medium", "roleArn": role}
    if noun == "App" and itype:
        return {"resourceSpec": {"instanceType": itype}}
    if noun == "InferenceComponent":
        return {"endpointName": spec.get("endpoint", "endpoint"), "variantName": "AllTraffic"}
    return {}


def trail_record(account, region, spec, event_id=None):
    """(CloudTrail record, LookupEvents' Event for it, how the principal is shown, the person)
    for one event spec of the `trail` command (see World.trail)."""
    event_name = spec["event_name"]
    name = spec.get("name")
    at = _trail_time(spec.get("at"))
    parent = spec.get("parent")
    principal = spec.get("principal")
    tuning_parent = bool(parent) and ":hyper-parameter-tuning-job/" in parent
    if tuning_parent and event_name != "CreateTrainingJob":
        raise ValueError(f"only a training job has a tuning job for parent, not {event_name}")
    if principal is None and tuning_parent:
        principal = {"service": SAGEMAKER_SOURCE}  # a tuning job's trials are SageMaker's
    if principal is None:
        raise ValueError(f"event {event_name} needs a principal")
    identity, username, key, agent, ip, shown, person = trail_principal(
        principal, account, region, at)

    verb, noun = _split_call(event_name)
    request, response = {}, None
    known = noun in TRAIL_NOUNS
    if known:
        if not name:
            raise ValueError(f"event {event_name} needs the resource's name")
        member, segment = TRAIL_NOUNS[noun]
        arn_member = member[:-4] + "Arn" if member.endswith("Name") else member
        domain = spec.get("domain", "d-" + base64.b32encode(
            _digest(account, region, "domain")).decode()[:12].lower())
        arn = spec.get("arn")
        if noun == "App":
            owner_key, owner = (("spaceName", spec["space"]) if spec.get("space")
                                else ("userProfileName", spec.get("user_profile", "default")))
            app_type = spec.get("app_type", "JupyterLab")
            request = {"domainId": domain, owner_key: owner, "appType": app_type,
                       "appName": name}
            arn = arn or (f"arn:aws:sagemaker:{region}:{account}:app/{domain}/{owner}/"
                          f"{app_type.lower()}/{name}")
        elif noun in ("UserProfile", "Space"):
            request = {"domainId": domain, member: name}
            arn = arn or f"arn:aws:sagemaker:{region}:{account}:{segment}/{domain}/{name}"
        elif noun == "Domain":
            # Created by name, deleted (and described) by id: `name` is what the call gives.
            if verb == "Create":
                existing = [d.id for d in sagemaker_backends[account][region].domains.values()
                            if d.domain_name == name]
                domain = spec.get("domain", existing[0] if existing else domain)
                request = {"domainName": name, "authMode": "IAM",
                           "defaultUserSettings": {"executionRole": EXEC_ROLE.format(
                               account=account)}}
            else:
                domain = name
                request = {"domainId": name}
            arn = arn or f"arn:aws:sagemaker:{region}:{account}:domain/{domain}"
        elif noun == "PipelineExecution":
            execution = spec.get("execution_id", _key_id("", 12, spec.get("arn"), name,
                                                         _iso(at)).lower())
            arn = arn or (f"arn:aws:sagemaker:{region}:{account}:pipeline/{name}/"
                          f"execution/{execution}")
            token = _uuid_of(arn, event_name)
            request = ({"pipelineName": name, "clientRequestToken": token} if verb == "Start"
                       else {"pipelineExecutionArn": arn, "clientRequestToken": token})
        else:
            request = {member: name}
            arn = arn or f"arn:aws:sagemaker:{region}:{account}:{segment}/{name}"
        if verb == "Create":
            request.update(_create_extras(noun, spec, account, region, name))
        if verb in ("Create", "Update") or event_name in ARN_ANSWERED:
            response = {arn_member: arn}
            if noun == "Domain" and verb == "Create":
                response["domainId"] = domain
    elif not spec.get("request"):
        raise ValueError(f"the world does not know the noun of {event_name}: give `request`")

    tags = [{"key": k, "value": v} for k, v in (spec.get("tags") or {}).items()]
    if parent and not tuning_parent:
        if ":pipeline/" not in parent or "/execution/" not in parent:
            raise ValueError(f"parent is neither a pipeline execution nor a tuning job: {parent}")
        # What SageMaker Pipelines adds to the jobs an execution starts.
        tags.append({"key": "sagemaker:pipeline-execution-arn", "value": parent})
    if tags:
        request["tags"] = tags
    request.update(spec.get("request") or {})

    error = spec.get("error_code")
    record = {
        "eventVersion": "1.09",
        "userIdentity": identity,
        "eventTime": _iso(at),
        "eventSource": SAGEMAKER_SOURCE,
        "eventName": event_name,
        "awsRegion": region,
        "sourceIPAddress": ip,
        "userAgent": agent,
    }
    if error:
        record["errorCode"] = error
        record["errorMessage"] = spec.get("error_message", f"{error}: the call failed")
        response = None
    record["requestParameters"] = request
    record["responseElements"] = response
    if tuning_parent:
        # A tuning job's training job: SageMaker's own event, whose details name the job and
        # the tuning job and whose identity is only the account and the service (the
        # CloudTrail user guide's AwsServiceEvent shape).
        record["userIdentity"] = {"accountId": account, "invokedBy": SAGEMAKER_SOURCE}
        record["requestParameters"] = record["responseElements"] = None
        record["serviceEventDetails"] = {member: name, "tuningJobArn": parent}
        record["userAgent"] = record["sourceIPAddress"] = SAGEMAKER_SOURCE
        username, key = None, None
        shown, person = f"service {SAGEMAKER_SOURCE}", None
    record.update({
        "requestID": _uuid_of("request", event_id) if event_id else str(uuid.uuid4()),
        "eventID": event_id or str(uuid.uuid4()),
        "readOnly": verb in READ_VERBS,
        "eventType": "AwsServiceEvent" if tuning_parent else "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": account,
        "eventCategory": "Management",
    })
    event = {
        "EventId": record["eventID"],
        "EventName": event_name,
        "ReadOnly": "true" if record["readOnly"] else "false",
        "EventTime": int(at.timestamp()),
        "EventSource": SAGEMAKER_SOURCE,
        "Resources": ([{"ResourceType": f"AWS::SageMaker::{noun}", "ResourceName": name}]
                      if known else [{"ResourceName": name}] if name else []),
        "CloudTrailEvent": json.dumps(record, separators=(",", ":")),
    }
    if key:
        event["AccessKeyId"] = key
    if username:
        event["Username"] = username
    return record, event, shown, person


def trail_add(account, region, event):
    """Adds an event (LookupEvents' shape) to the account-region's history."""
    with TRAIL_LOCK:
        TRAIL_SEQ[0] += 1
        TRAIL.setdefault((account, region), []).append(
            {"time": event["EventTime"], "seq": TRAIL_SEQ[0], "event": event})


def backdate(account, region, kind, name, days):
    """Moves a resource's creation `days` back, and its Create* record with it (its eventTime
    in the record and in the history), as if it had been made that long ago: a resource older
    than CloudTrail's 90 days has no record LookupEvents answers."""
    resource = STATUS_KINDS[kind][0](sagemaker_backends[account][region], name)
    when = utcnow() - timedelta(days=days)
    resource.creation_time = when
    if hasattr(resource, "last_modified_time"):
        resource.last_modified_time = when
    moved = 0
    with TRAIL_LOCK:
        for entry in TRAIL.get((account, region), []):
            record = json.loads(entry["event"]["CloudTrailEvent"])
            arns = [v for v in (record.get("responseElements") or {}).values()
                    if isinstance(v, str)]
            if resource.arn in arns:
                aware = when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when
                record["eventTime"] = aware.strftime("%Y-%m-%dT%H:%M:%SZ")
                entry["event"]["CloudTrailEvent"] = json.dumps(record)
                entry["event"]["EventTime"] = aware.timestamp()
                entry["time"] = aware.timestamp()
                moved += 1
    return {"arn": resource.arn, "records_moved": moved}


def trail_creations(account, region, created, seed=0):
    """Records the Create* call of each resource of `created` ([{"kind", "name", "arn",
    "created": its creation time, and optionally "instance_type", "instance_count", "tags"}])
    at its creation time, by a principal of TRAIL_CAST chosen from the seed and the ARN.
    Answers {arn: the creator a test expects}: the principal's spec, how sagescope shows it,
    the person it names, the event, and whether LookupEvents answers it now (in_history: the
    call is less than 90 days old)."""
    creators = {}
    now = datetime.now(timezone.utc)
    for item in created:
        arn = item["arn"]
        pick = int.from_bytes(_digest(seed, "creator", arn)[:4], "big")
        principal = dict(TRAIL_CAST[pick % len(TRAIL_CAST)])
        if "session" in principal:
            principal["session"] = principal["session"].format(n=4000 + pick // 7 % 1000)
        spec = {"event_name": CREATE_CALL[item["kind"]], "name": item["name"], "arn": arn,
                "principal": principal, "at": item["created"],
                "instance_type": item.get("instance_type"),
                "instance_count": item.get("instance_count"), "tags": item.get("tags")}
        record, event, shown, person = trail_record(
            account, region, spec, _uuid_of(seed, "event", arn))
        trail_add(account, region, event)
        creators[arn] = {
            "event_id": record["eventID"], "event_name": record["eventName"],
            "event_time": record["eventTime"], "principal": principal, "shown": shown,
            "person": person, "in_history": _trail_time(item["created"]) >= now - TRAIL_HISTORY,
        }
    return creators


# --- Athena over an organization trail's CloudTrail table --------------------------------
#
# What AWS does: an organization trail writes every member account's records, all Regions, to
# one S3 bucket (AWSLogs/<org id>/<account>/CloudTrail/<region>/YYYY/MM/DD/, gzipped JSON files
# of {"Records": [...]}) and keeps them as long as the bucket does: no 90-day cut. An
# organization that queries it has a table over that prefix, made by CloudTrail's "Create
# Athena table" or by the Athena user guide's DDL ("Create a table for CloudTrail logs in Athena
# using manual partitioning"): eventversion STRING; useridentity STRUCT<type, principalid, arn,
# accountid, invokedby, accesskeyid, username, onbehalfof STRUCT<userid, identitystorearn>,
# sessioncontext STRUCT<attributes STRUCT<mfaauthenticated, creationdate>, sessionissuer
# STRUCT<type, principalid, arn, accountid, username>, ec2roledelivery, webidfederationdata
# STRUCT<federatedprovider, attributes MAP<STRING,STRING>>>>; eventtime, eventsource,
# eventname, awsregion, sourceipaddress, useragent, errorcode, errormessage, requestparameters,
# responseelements, additionaleventdata, requestid, eventid STRING; resources ARRAY<STRUCT<arn,
# accountid, type>>; eventtype, apiversion, readonly, recipientaccountid, serviceeventdetails,
# sharedeventid, vpcendpointid, vpcendpointaccountid, eventcategory STRING; addendum
# STRUCT<reason, updatedfields, originalrequestid, originaleventid>;
# sessioncredentialfromconsole, edgedevicedetails STRING; tlsdetails STRUCT<tlsversion,
# ciphersuite, clientprovidedhostheader> (every leaf a STRING), read by a JSON SerDe: record
# keys match columns whatever their case, a field the record lacks is NULL, and an object or a
# boolean under a STRING column (requestParameters, responseElements, serviceEventDetails,
# additionalEventData, readOnly) is its JSON text. Identifiers are Presto/Trino's: case does
# not matter, double quotes quote, struct fields are reached with dots
# (useridentity.sessioncontext.sessionissuer.arn). eventtime is the record's ISO 8601 text
# (2026-09-01T12:00:00Z), so `eventtime >= '...Z'` compares as text. The table created by the
# console is not partitioned: every query reads every file, and DataScannedInBytes is the
# compressed size of all of them whatever the WHERE.
#
# What moto lacks: CloudTrail trails write nothing anywhere, and its Athena runs no SQL.
#
# What the world does instead: `cloudtrail_table` names the table (database.table) that the
# world's Athena (athena_answer, DuckDB) serves from TRAIL, the same history LookupEvents reads,
# but all of it: every account and Region, any age (an organization trail's bucket keeps what
# the 90-day history drops). The table is re-materialised from TRAIL for every query (not a
# view: each query runs on a fresh DuckDB connection), so records added later (`trail`) and
# backdate's moved eventTime show in the next query. Each record
# (its CloudTrailEvent JSON) is mapped onto CLOUDTRAIL_COLUMNS as the JSON SerDe maps it (keys
# matched without case, missing fields NULL, objects under STRING columns as compact JSON text,
# booleans as true/false); webidfederationdata.attributes is a real MAP(VARCHAR, VARCHAR).
# DataScannedInBytes is what the trail's files would weigh: each account-Region's records as
# one gzipped {"Records": [...]} file, summed (a non-partitioned table reads them all). A
# struct, array or map selected whole comes back as Athena prints it ({type=AssumedRole,
# arn=..., invokedby=null}, [..], {k=v}; see _athena_text). Unlike Athena, the table exists
# only as long as the world: reset (and so every seed / scale_world) forgets it.

CLOUDTRAIL = {"database": None, "table": None, "dir": None}

_S = "STRING"
_MAP = "MAP"
# The Athena user guide's CloudTrail DDL, column by column: a leaf is _S or _MAP, a struct a
# list of (field, type), an array of structs ("ARRAY", [fields]).
CLOUDTRAIL_COLUMNS = [
    ("eventversion", _S),
    ("useridentity", [
        ("type", _S), ("principalid", _S), ("arn", _S), ("accountid", _S), ("invokedby", _S),
        ("accesskeyid", _S), ("username", _S),
        ("onbehalfof", [("userid", _S), ("identitystorearn", _S)]),
        ("sessioncontext", [
            ("attributes", [("mfaauthenticated", _S), ("creationdate", _S)]),
            ("sessionissuer", [("type", _S), ("principalid", _S), ("arn", _S),
                               ("accountid", _S), ("username", _S)]),
            ("ec2roledelivery", _S),
            ("webidfederationdata", [("federatedprovider", _S), ("attributes", _MAP)]),
        ]),
    ]),
    ("eventtime", _S), ("eventsource", _S), ("eventname", _S), ("awsregion", _S),
    ("sourceipaddress", _S), ("useragent", _S), ("errorcode", _S), ("errormessage", _S),
    ("requestparameters", _S), ("responseelements", _S), ("additionaleventdata", _S),
    ("requestid", _S), ("eventid", _S),
    ("resources", ("ARRAY", [("arn", _S), ("accountid", _S), ("type", _S)])),
    ("eventtype", _S), ("apiversion", _S), ("readonly", _S), ("recipientaccountid", _S),
    ("serviceeventdetails", _S), ("sharedeventid", _S), ("vpcendpointid", _S),
    ("vpcendpointaccountid", _S), ("eventcategory", _S),
    ("addendum", [("reason", _S), ("updatedfields", _S), ("originalrequestid", _S),
                  ("originaleventid", _S)]),
    ("sessioncredentialfromconsole", _S), ("edgedevicedetails", _S),
    ("tlsdetails", [("tlsversion", _S), ("ciphersuite", _S), ("clientprovidedhostheader", _S)]),
]


def _quoted(name):
    return '"' + str(name).replace('"', '""') + '"'


def _ct_duck_type(kind):
    """The DuckDB type of a CLOUDTRAIL_COLUMNS type."""
    if kind == _S:
        return "VARCHAR"
    if kind == _MAP:
        return "MAP(VARCHAR, VARCHAR)"
    if isinstance(kind, tuple):
        return _ct_duck_type(kind[1]) + "[]"
    return "STRUCT(" + ", ".join(f"{_quoted(n)} {_ct_duck_type(t)}" for n, t in kind) + ")"


def _ct_value(kind, value):
    """A record's JSON value as the JSON SerDe reads it into a column of type `kind`."""
    if value is None:
        return None
    if kind == _S:
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        return json.dumps(value, separators=(",", ":"))
    if kind == _MAP:
        if not isinstance(value, dict):
            return None
        return {str(k): _ct_value(_S, v) for k, v in value.items()}
    if isinstance(kind, tuple):
        if not isinstance(value, list):
            return None
        return [_ct_value(kind[1], item) for item in value]
    if not isinstance(value, dict):
        return None
    by_lower = {str(k).lower(): v for k, v in value.items()}
    return {name: _ct_value(sub, by_lower.get(name)) for name, sub in kind}


def cloudtrail_row(record):
    """One CloudTrail record (the JSON object) as a row of the table, {column: value}."""
    return _ct_value(CLOUDTRAIL_COLUMNS, record)


def cloudtrail_records():
    """Every record in TRAIL, all accounts and Regions and any age, by event time then
    recording order, as [(account, region, record)]."""
    with TRAIL_LOCK:
        entries = [(account, region, entry["time"], entry["seq"],
                    entry["event"]["CloudTrailEvent"])
                   for (account, region), kept in TRAIL.items() for entry in kept]
    entries.sort(key=lambda e: (e[2], e[3]))
    return [(account, region, json.loads(text)) for account, region, _, _, text in entries]


def cloudtrail_table(database, table):
    """Names database.table the organization trail's table in the world's Athena (see above);
    answers how many records it holds now."""
    if not database or not table:
        raise ValueError("cloudtrail_table needs a database and a table")
    if (database, table) == (CUR["database"], CUR["table"]):
        raise ValueError(f"{database}.{table} is already the CUR table")
    CLOUDTRAIL.update(database=database, table=table)
    return len(cloudtrail_records())


def _cloudtrail_materialise(con):
    """Creates the CloudTrail table on a DuckDB connection from TRAIL as it is now; answers
    the bytes the trail's gzipped log files would hold (DataScannedInBytes)."""
    import gzip
    import tempfile
    if CLOUDTRAIL["dir"] is None:
        CLOUDTRAIL["dir"] = tempfile.mkdtemp(prefix="cloudtrail-")
    records = cloudtrail_records()
    files = {}
    handle, path = tempfile.mkstemp(suffix=".ndjson", dir=CLOUDTRAIL["dir"])
    try:
        with os.fdopen(handle, "w") as out:
            for account, region, record in records:
                out.write(json.dumps(cloudtrail_row(record)) + "\n")
                files.setdefault((account, region), []).append(record)
        columns = "{" + ", ".join(f"'{name}': '{_ct_duck_type(kind)}'"
                                  for name, kind in CLOUDTRAIL_COLUMNS) + "}"
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {_quoted(CLOUDTRAIL['database'])}")
        con.execute(f"CREATE TABLE {_quoted(CLOUDTRAIL['database'])}."
                    f"{_quoted(CLOUDTRAIL['table'])} AS SELECT * FROM read_json(?, "
                    f"format = 'newline_delimited', columns = {columns})", [path])
    finally:
        os.remove(path)
    return sum(len(gzip.compress(json.dumps({"Records": kept}, separators=(",", ":"))
                                 .encode())) for kept in files.values())


def _trail_seconds(value, member):
    """An awsJson1.1 timestamp (epoch seconds, possibly fractional) as float seconds."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(member)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(member) from None


def _lookup_length(value):
    """The length CloudTrail limits an AttributeValue by: '_', ' ', ',' and newline count
    twice (botocore's LookupAttribute documentation)."""
    return len(value) + sum(value.count(c) for c in "_ ,\n")


def _trail_matches(event, key, value):
    if key in ("ResourceType", "ResourceName"):
        return any(r.get(key) == value for r in event["Resources"])
    return event.get(key) == value


def trail_answer(body, account, region):
    """(status, JSON body) for one LookupEvents request of `account` in `region`. Refused
    (HTTP 400, botocore's error names): InvalidLookupAttributesException for more than one
    attribute, an unknown key, a value empty or over 2000 (see _lookup_length), ReadOnly
    other than true/false, or with EventCategory insight a key Insights lookups do not take;
    InvalidEventCategoryException for a category but "insight" (which answers no events: the
    world has no Insights); InvalidMaxResultsException outside 1..50; InvalidTimeRangeException
    for StartTime after EndTime; InvalidNextTokenException for a token the world did not give
    for these parameters."""
    def refuse(code, message):
        return "400 Bad Request", {"__type": code, "message": message}

    try:
        request = json.loads(body or b"{}")
    except ValueError:
        return refuse("SerializationException", "the request body is not JSON")
    if not isinstance(request, dict):
        return refuse("SerializationException", "the request body is not a JSON object")

    attributes = request.get("LookupAttributes") or []
    if not isinstance(attributes, list) or len(attributes) > 1:
        return refuse("InvalidLookupAttributesException",
                      "You can only specify one lookup attribute.")
    category = request.get("EventCategory")
    if category is not None and category != "insight":
        return refuse("InvalidEventCategoryException",
                      f"Event category {category} is not valid. Valid value is insight.")
    allowed = TRAIL_INSIGHT_KEYS if category else TRAIL_KEYS
    lookup = None
    for attribute in attributes:
        key = attribute.get("AttributeKey") if isinstance(attribute, dict) else None
        value = attribute.get("AttributeValue") if isinstance(attribute, dict) else None
        if key not in allowed:
            return refuse("InvalidLookupAttributesException",
                          f"Lookup attribute key {key} is not valid"
                          + (" for Insights events." if category else "."))
        if not isinstance(value, str) or not value or _lookup_length(value) > 2000:
            return refuse("InvalidLookupAttributesException",
                          f"The value of lookup attribute {key} must be 1 to 2000 characters.")
        if key == "ReadOnly" and value not in ("true", "false"):
            return refuse("InvalidLookupAttributesException",
                          "The value of lookup attribute ReadOnly must be true or false.")
        lookup = (key, value)

    size = request.get("MaxResults")
    if size is None:
        size = TRAIL_PAGE_MAX
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= TRAIL_PAGE_MAX:
        return refuse("InvalidMaxResultsException",
                      f"MaxResults {size} is not valid: 1 to {TRAIL_PAGE_MAX}.")
    try:
        start = _trail_seconds(request.get("StartTime"), "StartTime")
        end = _trail_seconds(request.get("EndTime"), "EndTime")
    except ValueError as bad:
        return refuse("SerializationException", f"{bad} is not a timestamp")
    if start is not None and end is not None and start > end:
        return refuse("InvalidTimeRangeException",
                      "Start time must be before or equal to end time.")

    # The token binds the query (not the page size, which may change between pages).
    query = hashlib.sha256(json.dumps(
        [account, region, lookup, start, end, category]).encode()).hexdigest()[:16]
    after = None
    token = request.get("NextToken")
    if token is not None:
        try:
            given = json.loads(base64.urlsafe_b64decode(token.encode()))
            if given["q"] != query:
                raise ValueError("other parameters")
            after = (int(given["p"][0]), int(given["p"][1]))
        except Exception:  # whatever is wrong with it, the token is not one the world gave
            return refuse("InvalidNextTokenException", "Invalid NextToken.")
    if category:
        return "200 OK", {"Events": []}  # no Insights events in the world

    cut = (datetime.now(timezone.utc) - TRAIL_HISTORY).timestamp()
    with TRAIL_LOCK:
        entries = list(TRAIL.get((account, region), []))
    chosen = [
        e for e in entries
        if e["time"] >= cut
        and (start is None or e["time"] >= start)
        and (end is None or e["time"] <= end)
        and (lookup is None or _trail_matches(e["event"], *lookup))
        and (after is None or (e["time"], e["seq"]) < after)
    ]
    chosen.sort(key=lambda e: (e["time"], e["seq"]), reverse=True)
    page = chosen[:size]
    answer = {"Events": [e["event"] for e in page]}
    if len(chosen) > size:
        last = page[-1]
        answer["NextToken"] = base64.urlsafe_b64encode(json.dumps(
            {"q": query, "p": [last["time"], last["seq"]]}).encode()).decode()
    return "200 OK", answer


# --- request log -----------------------------------------------------------------------


FIXTURE_HEADER = "X-SageScope-Fixture"  # marks the fixture's own requests (seeding)
# CloudTrail allows LookupEvents "two per second, per account, per Region" (botocore's
# documentation of the call) and publishes no burst. The world's bucket refills 2 tokens a
# second and holds 2, full at first: two calls at once pass, then one every half second. So
# over any span of w seconds at most 2 + 2w lookups get through (3 in any half-open second),
# and a client that keeps to 2/s on average is never refused once its first two are spent.
TRAIL_RATE, TRAIL_BURST = 2.0, 2.0


class TokenBucket:
    """`rate` tokens a second into a bucket of `burst`, full at first; a request takes one."""

    def __init__(self, rate, burst, now):
        self.rate, self.burst = rate, burst
        self.tokens, self.last = burst, now

    def take(self, now):
        self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class RequestLog:
    """WSGI middleware recording (time, account, region, operation, refused) for each AWS
    request, and refusing requests the way SageMaker does past its quota:

    - `throttles`: the next N requests of one (account, region, operation) fail with a
      chosen error code (the `throttle` command);
    - `quota`: a token bucket per (account, region, operation) for every SageMaker
      operation (X-Amz-Target `SageMaker.*`), as SageMaker throttles each API per account
      and Region on its own; past it, HTTP 400 ThrottlingException "Rate exceeded" (the
      `quota` command). The fixture's own seeding requests are exempt from the quota
      (not from `throttles`, as before);
    - CloudTrail's LookupEvents pace: a token bucket per (account, region) of TRAIL_RATE
      holding TRAIL_BURST, always on (whatever `quota` says), refusing the same way.

    Refused requests are logged like the others, with the fifth field true, so a test can
    compute the rate that reached the server per key as well as what got through.
    """

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()
        self.events = []
        self.throttles = {}  # (account, region, operation) -> [requests left, error code]
        self.quota = None  # (rate, burst) or None
        self.buckets = {}  # (account, region, operation) -> TokenBucket
        self.trail_buckets = {}  # (account, region) -> TokenBucket of LookupEvents
        self.denied_roles = set()  # role ARNs whose AssumeRole IAM refuses

    def set_quota(self, rate, burst):
        with self.lock:
            self.buckets = {}
            if rate and rate > 0:
                self.quota = (float(rate), float(burst) if burst else max(1.0, float(rate)))
            else:
                self.quota = None

    def forget_refusals(self):
        """No throttles and no quota, and full LookupEvents buckets: what every world starts
        from."""
        with self.lock:
            self.throttles = {}
            self.quota = None
            self.buckets = {}
            self.trail_buckets = {}
            self.denied_roles = set()

    def __call__(self, environ, start_response):
        if not environ.get("PATH_INFO", "").startswith("/moto-api"):
            target = environ.get("HTTP_X_AMZ_TARGET", "")
            operation = target.rsplit(".", 1)[-1]
            query = {}
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
            metered = (
                target.startswith("SageMaker.")
                and "HTTP_" + FIXTURE_HEADER.upper().replace("-", "_") not in environ
            )
            now = time.time()
            event = [now, access_key, region, operation, False]
            with self.lock:
                self.events.append(event)
                key = (get_account_id_from(access_key), region, operation)
                left, code = self.throttles.get(key, (0, None))
                message = "refused by the fixture"
                if left > 0:
                    self.throttles[key] = (left - 1, code)
                else:
                    code = None
                if code is None and self.quota and metered:
                    bucket = self.buckets.get(key)
                    if bucket is None:
                        bucket = self.buckets[key] = TokenBucket(*self.quota, time.monotonic())
                    if not bucket.take(time.monotonic()):
                        code, message = "ThrottlingException", "Rate exceeded"
                if code is None and target in TRAIL_LOOKUP:
                    bucket = self.trail_buckets.get(key[:2])
                    if bucket is None:
                        bucket = self.trail_buckets[key[:2]] = TokenBucket(
                            TRAIL_RATE, TRAIL_BURST, time.monotonic())
                    if not bucket.take(time.monotonic()):
                        code, message = "ThrottlingException", "Rate exceeded"
                event[4] = code is not None
            role = (query.get("RoleArn") or [None])[0]
            if operation == "AssumeRole" and role in self.denied_roles:
                event[4] = True
                body = (
                    '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
                    "<Error><Type>Sender</Type><Code>AccessDenied</Code>"
                    f"<Message>not authorized to perform: sts:AssumeRole on resource: {role}"
                    "</Message></Error><RequestId>fixture</RequestId></ErrorResponse>"
                ).encode()
                start_response(
                    "403 Forbidden",
                    [("Content-Type", "text/xml"), ("Content-Length", str(len(body)))],
                )
                return [body]
            if code is not None:
                # Drain the request first: an unread body would corrupt the kept-alive
                # connection the client retries on.
                length = int(environ.get("CONTENT_LENGTH") or 0)
                if length:
                    environ["wsgi.input"].read(length)
                body = json.dumps({"__type": code, "message": message}).encode()
                start_response(
                    "400 Bad Request",
                    [("Content-Type", "application/x-amz-json-1.1"),
                     ("Content-Length", str(len(body)))],
                )
                return [body]
            if target.startswith("AmazonAthena."):
                length = int(environ.get("CONTENT_LENGTH") or 0)
                body = environ["wsgi.input"].read(length) if length else b""
                status, answer = athena_answer(operation, body)
                data = json.dumps(answer).encode()
                start_response(status, [("Content-Type", "application/x-amz-json-1.1"),
                                        ("Content-Length", str(len(data)))])
                return [data]
            if target in TRAIL_LOOKUP:
                length = int(environ.get("CONTENT_LENGTH") or 0)
                body = environ["wsgi.input"].read(length) if length else b""
                status, answer = trail_answer(body, get_account_id_from(access_key), region)
                data = json.dumps(answer).encode()
                start_response(status, [("Content-Type", "application/x-amz-json-1.1"),
                                        ("Content-Length", str(len(data)))])
                return [data]
            if target.startswith("AWSPriceListService."):
                length = int(environ.get("CONTENT_LENGTH") or 0)
                body = environ["wsgi.input"].read(length) if length else b""
                if operation == "GetProducts":
                    status, answer = price_list_answer(body, region)
                else:
                    status, answer = "400 Bad Request", {
                        "__type": "InvalidParameterException",
                        "message": f"the fixture does not serve {operation}"}
                data = json.dumps(answer).encode()
                start_response(status, [("Content-Type", "application/x-amz-json-1.1"),
                                        ("Content-Length", str(len(data)))])
                return [data]
        return self.app(environ, start_response)

    def take(self):
        with self.lock:
            events, self.events = self.events, []
        # Resolve access keys to accounts now: assumed-role keys exist once AssumeRole ran.
        return [
            [t, get_account_id_from(key), region, op, refused]
            for t, key, region, op, refused in events
        ]


# --- the organization's event stream -----------------------------------------------------
#
# What AWS does (the setup of assets/stream/): SageMaker puts a state-change event on each
# workload account's default EventBridge bus (source aws.sagemaker); a rule there forwards it
# to the monitoring account's bus, where a rule writes every aws.sagemaker event to a
# CloudWatch Logs group, which sagescope reads with FilterLogEvents. The event keeps its
# envelope on the way: `account` and `region` are the workload account's, `resources` the
# resource's ARN, `time` when SageMaker sent it.
#
# What moto 5.2.5 does, checked by hand: a rule whose target is a log group does deliver,
# within one account and across accounts through a bus target, but not the envelope AWS
# delivers. Through a bus target the event is re-put in the monitoring account, so `account`
# and `region` become the monitoring account's, `resources` is emptied, `time` and `id` are
# new; the log target drops `account` from the message altogether; and the log event's
# timestamp is the delivery time as a float (FilterLogEvents then answers `1796683820754.771`
# where AWS answers an integer of milliseconds).
#
# So the world routes with moto and delivers itself: `stream_setup` creates the monitoring
# account's bus, its rule (pattern {"source": ["aws.sagemaker"]}) and the rule's log-group
# target in moto's EventBridge, and the log group; `set_status` builds the envelope SageMaker
# would send, asks moto's own pattern matching which of that bus's enabled rules take it, and
# writes it to each such rule's log group itself, with PutLogEvents semantics (moto's
# backend put_log_events: chronological batches, nothing older than 14 days or more than 2 h
# ahead), at the envelope's time in milliseconds. The member accounts' forwarding rules are
# not created: nothing would run them. Nothing here goes over HTTP, so the request log holds
# only the app's own calls (FilterLogEvents is logged like every other request, under the
# account whose credentials made it).
#
# Every event goes to one log stream of the group (STREAM_LOG_STREAM). AWS does not document
# how EventBridge names the streams it creates, so a reader must not depend on it; one stream
# keeps moto's FilterLogEvents in timestamp order, as AWS answers (moto answers stream by
# stream unless asked to interleave).
#
# The event's `detail` follows AWS's published samples ("Events that Amazon SageMaker AI sends
# to Amazon EventBridge", and the EventBridge schema registry's aws.sagemaker schemas for the
# notebook instance): the members of the matching Describe response listed there, times as
# epoch milliseconds (numbers: integers, and floats for endpoints, as the endpoint sample
# writes `1592411992203.0`), Tags as a {key: value} object, FailureReason only when the
# resource failed, and where the samples differ from the API:
#   - endpoints: EndpointStatus in UPPER_SNAKE (`IN_SERVICE`), as the sample spells it;
#   - transform jobs: no LastModifiedTime (order them by the envelope's `time`);
#   - processing jobs: no Tags.
# Studio apps, spaces, inference components and the other kinds SageMaker sends no event for
# change status in moto without any event: the app's reconcile is what finds them.

STREAM = {}  # {"account", "region", "log_group"} from stream_setup; reset() forgets it
STREAM_BUS = "sagescope-sagemaker-events"  # the bus monitoring-account.yaml creates
STREAM_RULE = "sagemaker-events-to-logs"
STREAM_LOG_STREAM = "sagemaker-events"
STREAM_PATTERN = {"source": ["aws.sagemaker"]}

JOB_ENDS = {"Completed", "Failed", "Stopped"}  # statuses that end a job (and set its end time)


def _ms(moment):
    """Epoch milliseconds of a moto time (naive UTC, or aware)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(round(moment.timestamp() * 1000))


def _tag_map(tags):
    """Tags as the events carry them: {key: value} (moto keeps [{"Key", "Value"}])."""
    if isinstance(tags, dict):
        return dict(tags)
    return {t["Key"]: t["Value"] for t in tags or []}


def _pick_members(obj, members):
    """{Member: value} for each (member, attribute) the object holds a value for."""
    out = {}
    for member, attribute in members:
        value = getattr(obj, attribute, None)
        if value is None or value == "" or value == [] or value == {}:
            continue
        out[member] = value
    return out


def _times_to_ms(detail, members, as_float=False):
    for member in members:
        if member in detail:
            value = _ms(detail[member])
            detail[member] = float(value) if as_float else value
    return detail


def _training_detail(job):
    detail = _pick_members(job, [
        ("TrainingJobName", "training_job_name"), ("TrainingJobArn", "arn"),
        ("TrainingJobStatus", "training_job_status"), ("SecondaryStatus", "secondary_status"),
        ("FailureReason", "failure_reason"), ("HyperParameters", "hyper_parameters"),
        ("AlgorithmSpecification", "algorithm_specification"), ("RoleArn", "role_arn"),
        ("InputDataConfig", "input_data_config"), ("OutputDataConfig", "output_data_config"),
        ("ResourceConfig", "resource_config"), ("VpcConfig", "vpc_config"),
        ("StoppingCondition", "stopping_condition"), ("ModelArtifacts", "model_artifacts"),
        ("CreationTime", "creation_time"), ("TrainingStartTime", "training_start_time"),
        ("TrainingEndTime", "training_end_time"), ("LastModifiedTime", "last_modified_time"),
    ])
    # Empty, as in the sample: moto's one transition is stamped when moto created the job,
    # not when the world says it was created.
    detail["SecondaryStatusTransitions"] = []
    detail["Tags"] = _tag_map(job.tags)
    return _times_to_ms(detail, ["CreationTime", "TrainingStartTime", "TrainingEndTime",
                                 "LastModifiedTime"])


def _processing_detail(job):
    detail = _pick_members(job, [
        ("ProcessingJobName", "processing_job_name"), ("ProcessingJobArn", "arn"),
        ("ProcessingJobStatus", "processing_job_status"), ("FailureReason", "failure_reason"),
        ("ExitMessage", "exit_message"), ("ProcessingInputs", "processing_inputs"),
        ("ProcessingOutputConfig", "processing_output_config"),
        ("ProcessingResources", "processing_resources"),
        ("StoppingCondition", "stopping_condition"),
        ("AppSpecification", "app_specification"), ("Environment", "environment"),
        ("NetworkConfig", "network_config"), ("RoleArn", "role_arn"),
        ("ExperimentConfig", "experiment_config"), ("CreationTime", "creation_time"),
        ("ProcessingStartTime", "processing_start_time"),
        ("ProcessingEndTime", "processing_end_time"), ("LastModifiedTime", "last_modified_time"),
    ])
    # No Tags: processing events carry none.
    return _times_to_ms(detail, ["CreationTime", "ProcessingStartTime", "ProcessingEndTime",
                                 "LastModifiedTime"])


def _transform_detail(job):
    detail = _pick_members(job, [
        ("TransformJobName", "transform_job_name"), ("TransformJobArn", "arn"),
        ("TransformJobStatus", "transform_job_status"), ("FailureReason", "failure_reason"),
        ("ModelName", "model_name"), ("MaxConcurrentTransforms", "max_concurrent_transforms"),
        ("MaxPayloadInMB", "max_payload_in_mb"), ("BatchStrategy", "batch_strategy"),
        ("Environment", "environment"), ("TransformInput", "transform_input"),
        ("TransformOutput", "transform_output"), ("TransformResources", "transform_resources"),
        ("CreationTime", "creation_time"), ("TransformStartTime", "transform_start_time"),
        ("TransformEndTime", "transform_end_time"),
    ])
    # No LastModifiedTime: the transform sample has none.
    detail["Tags"] = _tag_map(job.tags)
    return _times_to_ms(detail, ["CreationTime", "TransformStartTime", "TransformEndTime"])


def _tuning_detail(job):
    detail = _pick_members(job, [
        ("HyperParameterTuningJobName", "hyper_parameter_tuning_job_name"),
        ("HyperParameterTuningJobArn", "arn"),
        ("HyperParameterTuningJobConfig", "hyper_parameter_tuning_job_config"),
        ("TrainingJobDefinition", "training_job_definition"),
        ("HyperParameterTuningJobStatus", "hyper_parameter_tuning_job_status"),
        ("FailureReason", "failure_reason"), ("CreationTime", "creation_time"),
        ("HyperParameterTuningEndTime", "hyper_parameter_tuning_end_time"),
        ("LastModifiedTime", "last_modified_time"),
        ("TrainingJobStatusCounters", "training_job_status_counters"),
        ("ObjectiveStatusCounters", "objective_status_counters"),
    ])
    detail["Tags"] = _tag_map(job.tags)
    return _times_to_ms(detail, ["CreationTime", "HyperParameterTuningEndTime",
                                 "LastModifiedTime"])


def _upper_snake(status):
    """InService -> IN_SERVICE, UpdateRollbackFailed -> UPDATE_ROLLBACK_FAILED."""
    out = ""
    for i, c in enumerate(status):
        if c.isupper() and i > 0:
            out += "_"
        out += c.upper()
    return out


def _endpoint_detail(endpoint):
    detail = _pick_members(endpoint, [
        ("EndpointName", "endpoint_name"), ("EndpointArn", "arn"),
        ("EndpointConfigName", "endpoint_config_name"),
        ("ProductionVariants", "production_variants"), ("EndpointStatus", "endpoint_status"),
        ("FailureReason", "failure_reason"), ("CreationTime", "creation_time"),
        ("LastModifiedTime", "last_modified_time"),
    ])
    detail["EndpointStatus"] = _upper_snake(detail["EndpointStatus"])
    detail["Tags"] = _tag_map(endpoint.tags)
    return _times_to_ms(detail, ["CreationTime", "LastModifiedTime"], as_float=True)


def _notebook_detail(notebook):
    detail = _pick_members(notebook, [
        ("NotebookInstanceArn", "arn"), ("NotebookInstanceName", "notebook_instance_name"),
        ("NotebookInstanceStatus", "status"), ("FailureReason", "failure_reason"),
        ("InstanceType", "instance_type"), ("RoleArn", "role_arn"),
        ("NotebookInstanceLifecycleConfigName", "lifecycle_config_name"),
        ("CreationTime", "creation_time"), ("LastModifiedTime", "last_modified_time"),
    ])
    detail["Tags"] = _tag_map(notebook.tags)
    return _times_to_ms(detail, ["CreationTime", "LastModifiedTime"])


def _training_status(job, status, reason, now):
    job.training_job_status = status
    # What DescribeTrainingJob says beside it: a running job is training, an ended one says
    # how it ended.
    job.secondary_status = {"InProgress": "Training"}.get(status, status)
    job.failure_reason = reason
    job.training_end_time = now if status in JOB_ENDS else None
    job.last_modified_time = now


def _processing_status(job, status, reason, now):
    job.processing_job_status = status
    job.failure_reason = reason
    job.processing_end_time = now if status in JOB_ENDS else None
    job.last_modified_time = now


def _transform_status(job, status, reason, now):
    job.transform_job_status = status
    job.failure_reason = reason or ""  # moto's own "no reason"
    job.transform_end_time = now if status in JOB_ENDS else None
    job.last_modified_time = now


def _tuning_status(job, status, reason, now):
    job.hyper_parameter_tuning_job_status = status
    job.failure_reason = reason or ""  # moto's own "no reason"
    job.hyper_parameter_tuning_end_time = now if status in JOB_ENDS else None
    job.last_modified_time = now


def _endpoint_status(endpoint, status, reason, now):
    endpoint.endpoint_status = status
    endpoint.failure_reason = reason
    endpoint.last_modified_time = now


def _notebook_status(notebook, status, reason, now):
    notebook.status = status
    notebook.failure_reason = reason
    notebook.last_modified_time = now


def _app_status(app, status, reason, now):
    app.status = status
    app.failure_reason = reason


def _component_status(component, status, reason, now):
    component.status = status
    component.failure_reason = reason
    component.last_modified_time = now


def _by_name_or_arn(store, name, label):
    """A fixture resource kept by ARN, found by its ARN or (when unique) its name."""
    if name in store:
        return store[name]
    found = [r for r in store.values() if getattr(r, "name", None) == name
             or getattr(r, "app_name", None) == name]
    if len(found) != 1:
        raise ValueError(f"{len(found)} {label}s named {name!r}: give the ARN")
    return found[0]


# kind -> (find the resource in a SageMaker backend, set its status, its event's detail-type
# and detail; None for kinds SageMaker sends no event for)
STATUS_KINDS = {
    "training": (lambda b, n: b.training_jobs[n], _training_status,
                 "SageMaker Training Job State Change", _training_detail),
    "processing": (lambda b, n: b.processing_jobs[n], _processing_status,
                   "SageMaker Processing Job State Change", _processing_detail),
    "transform": (lambda b, n: b.transform_jobs[n], _transform_status,
                  "SageMaker Transform Job State Change", _transform_detail),
    "tuning": (lambda b, n: b.hyper_parameter_tuning_jobs[n], _tuning_status,
               "SageMaker HyperParameter Tuning Job State Change", _tuning_detail),
    "endpoint": (lambda b, n: b.endpoints[n], _endpoint_status,
                 "SageMaker Endpoint State Change", _endpoint_detail),
    "notebook": (lambda b, n: b.notebook_instances[n], _notebook_status,
                 "SageMaker Notebook Instance State Change", _notebook_detail),
    "app": (lambda b, n: _by_name_or_arn(studio_apps(b), n, "app"), _app_status, None, None),
    "inference_component": (
        lambda b, n: _by_name_or_arn(inference_components(b), n, "inference component"),
        _component_status, None, None),
}


def stream_write(messages, timestamp_ms, group=None):
    """Appends messages at one timestamp to the stream's log group (or `group` of the
    monitoring account-region), as PutLogEvents would; answers how many were written and
    PutLogEvents' rejectedLogEventsInfo (too old, too new) when they were refused."""
    if not STREAM:
        raise ValueError("no stream: run stream_setup after building the world")
    backend = logs_backends[STREAM["account"]][STREAM["region"]]
    group = group or STREAM["log_group"]
    backend.ensure_log_stream(group, STREAM_LOG_STREAM)
    _, rejected = backend.put_log_events(
        group, STREAM_LOG_STREAM,
        [{"timestamp": int(timestamp_ms), "message": m} for m in messages])
    # One timestamp for the batch: every message is refused, or none.
    return (0 if rejected else len(messages)), rejected or None


def stream_deliver(envelope, timestamp_ms):
    """What the monitoring bus does with an event: each enabled rule whose pattern matches
    it (moto's own matching) writes it to its log-group targets. Answers the groups written
    (not a group that refused the event as too old or too new for PutLogEvents)."""
    from moto.events.models import events_backends

    bus = events_backends[STREAM["account"]][STREAM["region"]].event_buses.get(STREAM_BUS)
    groups = []
    for rule in (bus.rules.values() if bus else []):
        if rule.state != "ENABLED" or not rule.event_pattern.matches_event(envelope):
            continue
        for target in rule.targets:
            arn = target["Arn"]
            if ":logs:" in arn and ":log-group:" in arn:
                name = arn.split(":log-group:", 1)[1]
                groups.append(name[:-2] if name.endswith(":*") else name)
    message = json.dumps(envelope, separators=(",", ":"))
    return [group for group in groups if stream_write([message], timestamp_ms, group)[0]]


# --- worlds ----------------------------------------------------------------------------


def _mark_fixture_request(request, **_):
    request.headers[FIXTURE_HEADER] = "1"


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
            client = boto3.client(
                service, region_name=region, endpoint_url=self.endpoint, **creds
            )
            # Seeding is the fixture's own traffic: never refused by the `quota`.
            client.meta.events.register("before-send", _mark_fixture_request)
            self.clients[key] = client
        return self.clients[key]

    def seed(self, accounts, regions, big, logs=False):
        self.clients = {}
        jobs = []
        written = {}
        first = True
        for account in accounts:
            for region in regions:
                scope = self.seed_scope(account, region, big if first else 3)
                if logs:
                    written.update(self.seed_logs(account, region, scope))
                jobs += scope
                first = False
        return jobs, written

    # --- CloudWatch Logs, the way SageMaker writes them ---------------------------------

    def put_logs(self, account, region, group, stream, events):
        """Appends (timestamp_ms, message) events to group/stream, creating both if new."""
        backend = logs_backends[account][region]
        if group not in backend.groups:
            backend.create_log_group(group, tags={})
        backend.ensure_log_stream(group, stream)
        backend.put_log_events(
            group, stream, [{"timestamp": int(t), "message": m} for t, m in events]
        )
        return len(events)

    # --- the organization's event stream (see STREAM above) -----------------------------

    def stream_setup(self, account, region, log_group):
        """The monitoring account's half of assets/stream/monitoring-account.yaml, in moto:
        the log group, the bus, its rule matching aws.sagemaker and the rule's log-group
        target. From now on (until a reset or a world) `set_status` delivers through them."""
        from moto.events.models import events_backends

        logs = logs_backends[account][region]
        if log_group not in logs.groups:
            logs.create_log_group(log_group, tags={})
        events = events_backends[account][region]
        bus = events.event_buses.get(STREAM_BUS) or events.create_event_bus(name=STREAM_BUS)
        group_arn = f"arn:aws:logs:{region}:{account}:log-group:{log_group}"
        rule = events.put_rule(
            name=STREAM_RULE, event_bus_arn=STREAM_BUS,
            event_pattern=json.dumps(STREAM_PATTERN), state="ENABLED",
            description="Every SageMaker event of the organization, to the log group")
        events.put_targets(STREAM_RULE, STREAM_BUS, [{"Id": "log-group", "Arn": group_arn}])
        STREAM.clear()
        STREAM.update(account=account, region=region, log_group=log_group)
        return {"log_group": log_group, "log_group_arn": group_arn, "bus_arn": bus.arn,
                "rule_arn": rule.arn}

    def set_status(self, account, region, kind, name, status, reason=None, emit=True):
        """What SageMaker does when a resource changes status: the resource says so in moto
        (status, FailureReason, LastModifiedTime, and for jobs the end time when the status
        ends them), and SageMaker sends its state-change event, which reaches the stream
        (when `emit` and a stream is set up). Answers the event (also when not sent, so a test
        can deliver it late with stream_raw; None for kinds SageMaker sends none for), its
        id, whether it was written and the log event's timestamp."""
        if kind not in STATUS_KINDS:
            raise ValueError(f"unknown kind {kind!r}: one of {sorted(STATUS_KINDS)}")
        find, apply, detail_type, describe = STATUS_KINDS[kind]
        try:
            resource = find(sagemaker_backends[account][region], name)
        except KeyError:
            raise ValueError(f"no {kind} {name!r} in {account}/{region}") from None
        # Whole seconds: the envelope's time has no more, and it is the log event's timestamp.
        now = utcnow().replace(microsecond=0)
        apply(resource, status, reason, now)
        if detail_type is None:
            return {"event": None, "event_id": None, "written": False, "timestamp_ms": None}
        envelope = {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": detail_type,
            "source": "aws.sagemaker",
            "account": account,
            "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": region,
            "resources": [resource.arn],
            "detail": describe(resource),
        }
        written = bool(emit and STREAM and stream_deliver(envelope, _ms(now)))
        return {"event": envelope, "event_id": envelope["id"], "written": written,
                "timestamp_ms": _ms(now)}

    def stream_raw(self, messages, timestamp_ms=None):
        """Writes messages to the stream's log group exactly as given, all at timestamp_ms
        (default now): malformed, duplicated or late events."""
        at = _ms(utcnow()) if timestamp_ms is None else int(timestamp_ms)
        written, rejected = stream_write(messages, at)
        return {"written": written, "rejected": rejected, "timestamp_ms": at}

    def trail(self, account, region, specs):
        """Records CloudTrail events in account/region's history (see TRAIL): each spec
        {"event_name", "name", "principal", and optionally "arn", "at", "error_code",
        "error_message", "parent", "tags", "request", "stream", ...} becomes a record
        (trail_record), in the order given. With "stream" the record also goes to the
        stream's log group as EventBridge carries it ("AWS API Call via CloudTrail", source
        aws.sagemaker, `time` the record's eventTime, which is the log event's timestamp, as
        set_status times its events), delivered like set_status's. Every spec is checked
        before anything is recorded. Answers the event ids, whether each was written to the
        stream, and the records."""
        built = [trail_record(account, region, spec) for spec in specs]
        if not STREAM and any(spec.get("stream") for spec in specs):
            raise ValueError("no stream: run stream_setup before a trail event with stream")
        written = []
        for spec, (record, event, _, _) in zip(specs, built):
            trail_add(account, region, event)
            if not spec.get("stream"):
                written.append(False)
                continue
            at = _trail_time(record["eventTime"])
            envelope = {
                "version": "0",
                "id": str(uuid.uuid4()),
                "detail-type": API_CALL,
                "source": "aws.sagemaker",
                "account": account,
                "time": record["eventTime"],
                "region": region,
                "resources": [],
                "detail": record,
            }
            written.append(bool(stream_deliver(envelope, _ms(at))))
        return {"event_ids": [record["eventID"] for record, *_ in built], "written": written,
                "records": [record for record, *_ in built]}

    def seed_trail(self, jobs):
        """The Create* record of every resource `seed` made (trail_creations)."""
        creators = {}
        for job in jobs:
            account, region = job["account"], job["region"]
            resource = STATUS_KINDS[job["kind"]][0](sagemaker_backends[account][region],
                                                    job["name"])
            creators.update(trail_creations(account, region, [{
                "kind": job["kind"], "name": job["name"], "arn": resource.arn,
                "created": resource.creation_time}]))
        return creators

    def stream_events(self):
        """Every event of the stream's log group, [timestamp_ms, message], in timestamp order
        (as written within one timestamp), read from moto's backend (no request logged)."""
        if not STREAM:
            raise ValueError("no stream: run stream_setup after building the world")
        group = logs_backends[STREAM["account"]][STREAM["region"]].groups[STREAM["log_group"]]
        events = [e for stream in group.streams.values() for e in stream.events]
        return [[e.timestamp, e.message] for e in sorted(events, key=lambda e: e.timestamp)]

    def seed_logs(self, account, region, jobs):
        """SageMaker's logs for one seeded account-region: training and processing hosts
        write to /aws/sagemaker/TrainingJobs and ProcessingJobs as `<job>/algo-<n>-<epoch>`,
        an endpoint's instances to its own group /aws/sagemaker/Endpoints/<name> as
        `<variant>/<instance-id>`. The failed training job's log holds a line with an ESC
        colour sequence and ends with the Python traceback behind its failure; the running
        one has two hosts still writing."""
        backend = sagemaker_backends[account][region]
        written = {}

        def ms(moment):
            return int(moment.timestamp() * 1000)

        def write(name, group, stream, start, lines):
            events = [(ms(start) + 1000 * i, line) for i, line in enumerate(lines)]
            self.put_logs(account, region, group, stream, events)
            entry = written.setdefault(name, {"group": group, "streams": {}})
            entry["streams"][stream] = list(lines)

        for job in jobs:
            name, kind, status = job["name"], job["kind"], job["status"]
            if kind == "training" and status == "Failed":
                created = backend.training_jobs[name].creation_time
                epoch = int(created.timestamp())
                write(name, "/aws/sagemaker/TrainingJobs", f"{name}/algo-1-{epoch}", created, [
                    "bash: cannot set terminal process group (-1): Inappropriate ioctl for device",
                    "2026-11-20 12:00:01,000 sagemaker-training-toolkit INFO     "
                    "Invoking user script",
                    "Training Env: {\"current_host\": \"algo-1\", \"hosts\": [\"algo-1\"]}",
                    "epoch 1 step 100 loss 2.3011",
                    "\x1b[33mWARNING\x1b[0m gradient overflow, reducing loss scale\x1b]0;pwned\x07",
                    "epoch 1 step 200 loss 1.9874",
                    "Traceback (most recent call last):",
                    "  File \"/opt/ml/code/train.py\", line 212, in <module>",
                    "    main()",
                    "  File \"/opt/ml/code/train.py\", line 141, in train_step",
                    "    outputs = model(**batch)",
                    "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB",
                ])
            elif kind == "training" and status == "InProgress":
                created = backend.training_jobs[name].creation_time
                epoch = int(created.timestamp())
                for host in (1, 2):
                    write(name, "/aws/sagemaker/TrainingJobs", f"{name}/algo-{host}-{epoch}",
                          created, [f"algo-{host} epoch 1 step {s} loss 1.{9 - s // 100}"
                                    for s in (100, 200, 300)])
            elif kind == "processing" and status == "Failed":
                created = backend.processing_jobs[name].creation_time
                epoch = int(created.timestamp())
                write(name, "/aws/sagemaker/ProcessingJobs", f"{name}/algo-1-{epoch}", created, [
                    "Starting processing: python3 /opt/ml/processing/input/code/prep.py",
                    "FileNotFoundError: s3://bucket/x not found",
                ])
            elif kind == "endpoint":
                start = utcnow() - timedelta(minutes=10)
                write(name, f"/aws/sagemaker/Endpoints/{name}", "AllTraffic/i-0123456789abcdef0",
                      start, ["Starting the model server", "GET /ping 200"])
        return written

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
            elif kind == "space":
                domain_id = domains[(account, region, spec["domain"])]
                resource = FakeSpace(account, region, domain_id, name, [])
                studio_spaces(backend)[resource.arn] = resource
            elif kind == "app":
                domain_id = domains[(account, region, spec["domain"])]
                resource = FakeApp(account, region, {
                    "domain": domain_id, "user_profile": spec.get("user_profile"),
                    "space": spec.get("space"), "app_type": "JupyterLab", "app_name": name,
                    "instance_type": "ml.t3.medium", "status": "InService",
                    "last_activity_minutes_ago": 5}, utcnow())
                studio_apps(backend)[resource.arn] = resource
            elif kind == "model":
                sm.create_model(
                    ModelName=name, ExecutionRoleArn=role, PrimaryContainer={"Image": IMAGE}
                )
                resource = backend._models[name]
            elif kind == "endpoint-config":
                if model not in backend._models:
                    sm.create_model(ModelName=model, ExecutionRoleArn=role,
                                    PrimaryContainer={"Image": IMAGE})
                sm.create_endpoint_config(
                    EndpointConfigName=name,
                    ProductionVariants=[{
                        "VariantName": "main", "ModelName": model,
                        "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}],
                )
                resource = backend.endpoint_configs[name]
            elif kind == "pipeline":
                sm.create_pipeline(
                    PipelineName=name, RoleArn=role,
                    PipelineDefinition=json.dumps({"Version": "2020-12-01", "Steps": []}),
                )
                resource = backend.pipelines[name]
            elif kind == "model-package-group":
                sm.create_model_package_group(ModelPackageGroupName=name)
                resource = backend.model_package_groups[name]
            elif kind == "feature-group":
                sm.create_feature_group(
                    FeatureGroupName=name,
                    RecordIdentifierFeatureName="id",
                    EventTimeFeatureName="ts",
                    FeatureDefinitions=[
                        {"FeatureName": "id", "FeatureType": "String"},
                        {"FeatureName": "ts", "FeatureType": "String"},
                    ],
                    OfflineStoreConfig={"S3StorageConfig": {"S3Uri": "s3://bucket/fs"}},
                    RoleArn=role,
                )
                resource = next(
                    g for g in backend.feature_groups.values() if g.feature_group_name == name)
            elif kind == "experiment":
                sm.create_experiment(ExperimentName=name)
                resource = backend.experiments[name]
            else:
                raise ValueError(f"unknown kind {kind}")
            # Exactly the tags asked for, whatever each create call did with Tags.
            resource.tags = [{"Key": k, "Value": v} for k, v in tags.items()]
            # moto keeps an endpoint config's `arn` as a one-element tuple.
            arns[name] = getattr(resource, "endpoint_config_arn", None) or resource.arn
        # The models made only so transform jobs, endpoints and endpoint configs could be
        # created are not part of the world asked for: models are checked for tags too.
        asked = {spec["name"] for spec in resources if spec["kind"] == "model"}
        for spec in resources:
            backend = sagemaker_backends[spec["account"]][spec["region"]]
            helper = f"model-{spec['account']}-{spec['region']}"
            if helper not in asked:
                backend._models.pop(helper, None)
        return arns

    def organization(self, accounts, ous):
        """An AWS Organization whose management account is DEFAULT_ACCOUNT, with `ous`
        ([[name, parent name or null for the root], ...], parents first) and `accounts`
        ([{"id", "name", "ou": name or null, "status": "ACTIVE" | "SUSPENDED"}]) holding exactly
        the given ids: moto would give random ones, which no role in the test could name."""
        from moto.organizations import utils as org_utils
        from moto.organizations.models import organizations_backends

        org = self.client(DEFAULT_ACCOUNT, "us-east-1", "organizations")
        org.create_organization(FeatureSet="ALL")
        root = org.list_roots()["Roots"][0]["Id"]
        ou_ids = {}
        for name, parent in ous:
            parent_id = ou_ids[parent] if parent else root
            created = org.create_organizational_unit(ParentId=parent_id, Name=name)
            ou_ids[name] = created["OrganizationalUnit"]["Id"]
        ids = iter([a["id"] for a in accounts])
        random_id = org_utils.make_random_account_id
        org_utils.make_random_account_id = lambda: next(ids)
        try:
            for a in accounts:
                org.create_account(AccountName=a["name"], Email=f"{a['name']}@example.com")
        finally:
            org_utils.make_random_account_id = random_id
        backend = organizations_backends[DEFAULT_ACCOUNT]["aws"]
        for a in accounts:
            if a.get("ou"):
                org.move_account(
                    AccountId=a["id"], SourceParentId=root, DestinationParentId=ou_ids[a["ou"]]
                )
            if a.get("status", "ACTIVE") != "ACTIVE":
                account = backend.get_account_by_id(a["id"])
                account.status = a["status"]
                account.state = a["status"]
        return {"root": root, "ous": ou_ids}

    def clusters(self, account, region, specs):
        """Creates HyperPod clusters through CreateCluster, then marks the given number of
        each group's nodes `Failure` (as ListClusterNodes reports a node that failed its
        health checks) and sets the cluster's status; answers the clusters' ARNs."""
        sm = self.client(account, region)
        backend = sagemaker_backends[account][region]
        arns = []
        for spec in specs:
            groups = [
                {"InstanceGroupName": g["name"], "InstanceType": g["instance_type"],
                 "InstanceCount": g["count"], "ExecutionRole": EXEC_ROLE.format(account=account),
                 "ThreadsPerCore": 1,
                 "LifeCycleConfig": {"SourceS3Uri": "s3://sagemaker-lifecycle/scripts",
                                     "OnCreate": "on_create.sh"}}
                for g in spec["groups"]
            ]
            tags = [{"Key": k, "Value": v} for k, v in spec.get("tags", {}).items()]
            args = {"ClusterName": spec["name"], "InstanceGroups": groups,
                    "VpcConfig": {"SecurityGroupIds": ["sg-0123456789abcdef0"],
                                  "Subnets": ["subnet-0123456789abcdef0"]}}
            if tags:
                args["Tags"] = tags
            arns.append(sm.create_cluster(**args)["ClusterArn"])
            cluster = backend.clusters[spec["name"]]
            cluster.status = spec.get("status", "InService")
            if cluster.status == "Failed":
                # A cluster whose creation failed says why and keeps no instances: its groups
                # report CurrentCount 0 and ListClusterNodes lists nothing.
                cluster.failure_message = spec.get(
                    "failure_message", "Cluster creation failed: insufficient capacity")
                cluster.nodes.clear()
                for group in cluster.instance_groups:
                    group["CurrentCount"] = 0
                continue
            for g in spec["groups"]:
                members = [n for n in cluster.nodes.values() if n.instance_group_name == g["name"]]
                for node in members[:g.get("failed", 0)]:
                    node.status = "Failure"
                    node.status_message = g.get("message", "Node failed its health checks")
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

    def set_training_status(self, account, region, name, status, reason=None):
        """What SageMaker does when a job ends: its status, why it failed, when it ended and
        was last modified (which is what tells a lister the job changed)."""
        job = sagemaker_backends[account][region].training_jobs[name]
        job.training_job_status = job.secondary_status = status
        job.failure_reason = reason
        job.training_end_time = job.last_modified_time = utcnow()

    def training_billing(self, account, region, name, spec):
        """What SageMaker reports once a training job has ended: its instances, when it was
        created and ended, TrainingTimeInSeconds, BillableTimeInSeconds and whether it ran on
        managed spot (billed only for the seconds it used). moto keeps none of these unless
        set; its DescribeTrainingJob and Search answer every attribute a job object holds,
        under AWS's member names.

        spec: {"instance_type", "instance_count", "age_hours" (created that long ago),
               "trained_seconds", "billable_seconds", "spot", optionally "status":
               "InProgress" for a job still training}
        """
        job = sagemaker_backends[account][region].training_jobs[name]
        job.resource_config = dict(
            job.resource_config,
            InstanceType=spec["instance_type"],
            InstanceCount=spec["instance_count"],
        )
        created = utcnow() - timedelta(hours=spec["age_hours"])
        job.creation_time = job.training_start_time = created
        job.training_end_time = job.last_modified_time = created + timedelta(
            seconds=spec["trained_seconds"] + 120)
        job.training_time_in_seconds = spec["trained_seconds"]
        job.billable_time_in_seconds = spec["billable_seconds"]
        job.enable_managed_spot_training = spec["spot"]
        if spec.get("status") == "InProgress":
            # Still training: no end, and SageMaker reports no times yet.
            job.training_job_status = job.secondary_status = "InProgress"
            job.training_end_time = None
            job.last_modified_time = created
            del job.training_time_in_seconds, job.billable_time_in_seconds

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


# --- the scale world -------------------------------------------------------------------
#
# A team's accounts as they look after a few months: mostly completed training weeks old,
# failures from yesterday and from weeks ago (each with its own reason), a few jobs still
# running, processing and transform jobs, tuning jobs, endpoints and notebooks, most tagged
# by team/project/owner and some not. Built directly on moto's in-process backends (about
# 7 ms a resource through boto3 and HTTP; microseconds here), through the same backend
# methods the API calls, so ARNs, List*, Describe*, Search and ListTags all agree.

TEAMS = {
    "vision": ["defect-detect", "shelf-scan", "ocr"],
    "nlp": ["support-bot", "doc-classify", "summarise"],
    "forecasting": ["demand", "capacity"],
    "recsys": ["home-feed", "similar-items"],
    "platform": ["batch-score", "features"],
}
OWNERS = ["alice", "bogdan", "chen", "divya", "emeka", "fatima", "gustavo", "hana", "ivan",
          "jun"]
TRAINING_TYPES = [("ml.p3.2xlarge", 6), ("ml.g5.2xlarge", 6), ("ml.g5.12xlarge", 3),
                  ("ml.m5.xlarge", 5), ("ml.c5.4xlarge", 3), ("ml.g4dn.xlarge", 4),
                  ("ml.p4d.24xlarge", 1), ("ml.p3.16xlarge", 1), ("ml.trn1.32xlarge", 1)]
PROCESSING_TYPES = [("ml.m5.xlarge", 5), ("ml.m5.4xlarge", 3), ("ml.c5.2xlarge", 2),
                    ("ml.r5.2xlarge", 2)]
TRANSFORM_TYPES = [("ml.c5.xlarge", 4), ("ml.m5.2xlarge", 3), ("ml.g4dn.xlarge", 2)]
# moto 5.2.5 validates endpoint and notebook instance types against older lists (no g5).
ENDPOINT_TYPES = [("ml.g4dn.2xlarge", 3), ("ml.m5.large", 4), ("ml.c5.large", 3),
                  ("ml.g4dn.xlarge", 3), ("ml.inf1.xlarge", 1)]
NOTEBOOK_TYPES = [("ml.t3.medium", 6), ("ml.t3.large", 3), ("ml.m5.xlarge", 2),
                  ("ml.p3.2xlarge", 1)]  # moto's list for notebooks has no g4dn

# (kind, flavour, weight) per account-region. Every flavour gets at least one resource when
# the account-region has room (failed_endpoint only that one), the rest by weight.
SCALE_MIX = [
    ("training", "completed", 60),
    ("training", "failed_recent", 4),
    ("training", "failed_old", 4),
    ("training", "in_progress", 3),
    ("training", "stopped", 1),
    ("processing", "completed", 9),
    ("processing", "failed", 3),
    ("processing", "in_progress", 2),
    ("transform", "completed", 5),
    ("transform", "failed", 1),
    ("transform", "in_progress", 1),
    ("tuning", "completed", 3),
    ("tuning", "failed", 1),
    ("tuning", "in_progress", 1),
    ("endpoint", "in_service", 5),
    ("endpoint", "failed", 0),
    ("notebook", "in_service", 4),
    ("notebook", "stopped", 5),
]
# What a small account-region has when it cannot have everything.
SCALE_PRIORITY = [0, 1, 3, 14, 5, 6, 17, 16, 8, 11, 15, 2, 7, 9, 12, 4, 10, 13]
# The big account-region's extra training jobs.
BIG_MIX = [("training", "completed", 88), ("training", "failed_recent", 3),
           ("training", "failed_old", 4), ("training", "in_progress", 3),
           ("training", "stopped", 2)]


def apportion(total, mix, priority=None):
    """Counts per mix entry summing to `total`: one each when there is room, the rest by
    weight (largest remainder, ties to the earlier entry); else the first by `priority`."""
    n = len(mix)
    if total < n:
        counts = [0] * n
        for i in (priority or range(n))[:total]:
            counts[i] = 1
        return counts
    counts = [1] * n
    rest = total - n
    weights = [w for _, _, w in mix]
    quotas = [rest * w / sum(weights) for w in weights]
    counts = [c + int(q) for c, q in zip(counts, quotas)]
    left = total - sum(counts)
    by_remainder = sorted(range(n), key=lambda i: (-(quotas[i] - int(quotas[i])), i))
    for i in by_remainder[:left]:
        counts[i] += 1
    return counts


def _pick(rng, weighted):
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


class ScaleScope:
    """One account-region of the scale world."""

    def __init__(self, account, region, index, seed, now, reasons):
        self.account, self.region, self.index = account, region, index
        self.rng = random.Random(f"{seed}/{account}/{region}")
        self.backend = sagemaker_backends[account][region]
        self.role = EXEC_ROLE.format(account=account)
        self.bucket = f"sagemaker-{region}-{account}"
        self.now = now
        self.counter = 0
        self.reasons = reasons  # every failure reason of the world so far
        self.jobs = []
        self.created = []  # (answered job, its creation time), for the trail
        self.model = None

    # --- helpers ---

    def ago(self, days=0, hours=0, minutes=0):
        return self.now - timedelta(days=days, hours=hours, minutes=minutes)

    def between_days(self, low, high):
        return self.now - timedelta(seconds=self.rng.uniform(low * 86400, high * 86400))

    def owner(self):
        """(team, project, tags): most resources carry team/project/owner/cost-center,
        some only team/project, some nothing at all."""
        team = self.rng.choice(sorted(TEAMS))
        project = self.rng.choice(TEAMS[team])
        roll = self.rng.random()
        if roll < 0.7:
            tags = {"team": team, "project": project, "owner": self.rng.choice(OWNERS),
                    "cost-center": f"cc-{1000 + sorted(TEAMS).index(team) * 10}"}
        elif roll < 0.85:
            tags = {"team": team, "project": project}
        else:
            tags = {}
        return team, project, tags

    def name(self, project, stem, limit=63):
        self.counter += 1
        name = f"{project}-{stem}-s{self.index:02d}-{self.counter:04d}"
        assert len(name) <= limit, name
        return name

    def reason(self, text, name):
        """A failure reason no other resource of the world has."""
        if text in self.reasons:
            text = f"{text} (job {name})"
        self.reasons.add(text)
        return text

    def record(self, kind, resource, name, status, reason, instance_type, count, tags):
        resource.tags = [{"Key": k, "Value": v} for k, v in tags.items()]
        self.jobs.append({
            "account": self.account, "region": self.region, "kind": kind, "name": name,
            "status": status, "failure_reason": reason, "instance_type": instance_type,
            "instance_count": count, "arn": resource.arn, "tags": tags,
        })
        # The creation time is final here: every kind sets it before recording.
        self.created.append((self.jobs[-1], resource.creation_time))

    # --- kinds ---

    def training(self, flavour):
        rng = self.rng
        _, project, tags = self.owner()
        name = self.name(project, rng.choice(["train", "xgb", "finetune", "pretrain", "bert",
                                              "resnet", "lgbm"]))
        itype = _pick(rng, TRAINING_TYPES)
        count = _pick(rng, [(1, 10), (2, 3), (4, 2), (8, 1)])
        job = self.backend.create_training_job(
            training_job_name=name,
            hyper_parameters={"epochs": str(rng.randint(3, 50)),
                              "learning_rate": f"{rng.choice([1, 2, 3, 5])}e-{rng.randint(3, 5)}"},
            algorithm_specification={"TrainingImage": IMAGE, "TrainingInputMode": "File"},
            role_arn=self.role,
            input_data_config=[{"ChannelName": "train", "DataSource": {"S3DataSource": {
                "S3DataType": "S3Prefix", "S3Uri": f"s3://{self.bucket}/{project}/train/"}}}],
            output_data_config={"S3OutputPath": f"s3://{self.bucket}/{project}/models/"},
            resource_config={"InstanceType": itype, "InstanceCount": count,
                             "VolumeSizeInGB": 100},
            vpc_config=None,
            stopping_condition={"MaxRuntimeInSeconds": 5 * 86400},
            tags=[],
            enable_network_isolation=False,
            enable_inter_container_traffic_encryption=False,
            enable_managed_spot_training=False,
            checkpoint_config=None,
            debug_hook_config=None,
            debug_rule_configurations=None,
            tensor_board_output_config=None,
            experiment_config=None,
        )
        reason = None
        if flavour == "completed":
            created = self.between_days(7, 90)
            hours = rng.uniform(0.3, 30)
            status = "Completed"
        elif flavour == "stopped":
            created = self.between_days(7, 60)
            hours = rng.uniform(0.2, 10)
            status = "Stopped"
        elif flavour == "failed_recent":
            created = self.ago(hours=rng.uniform(20, 40))
            hours = rng.uniform(0.05, 3)
            status = "Failed"
        elif flavour == "failed_old":
            created = self.between_days(8, 60)
            hours = rng.uniform(0.05, 6)
            status = "Failed"
        else:  # in_progress
            created = self.ago(minutes=rng.uniform(10, 36 * 60))
            hours = None
            status = "InProgress"
        job.creation_time = created
        job.training_start_time = created + timedelta(minutes=rng.uniform(2, 8))
        if hours is None:
            job.training_end_time = None
            job.last_modified_time = max(job.training_start_time, self.ago(minutes=rng.uniform(1, 9)))
            job.secondary_status = "Training"
        else:
            job.training_end_time = job.training_start_time + timedelta(hours=hours)
            job.last_modified_time = job.training_end_time + timedelta(minutes=1)
            job.secondary_status = status
            # Wall-clock seconds, as AWS counts both (billed compute is this × count).
            seconds = int((job.training_end_time - job.training_start_time).total_seconds())
            job.training_time_in_seconds = job.billable_time_in_seconds = seconds
        if status == "Failed":
            reason = self.reason(rng.choice([
                f"AlgorithmError: ExecuteUserScriptError: Command \"/usr/local/bin/python3.10 "
                f"train.py --epochs {job.hyper_parameters['epochs']}\" RuntimeError: CUDA out of "
                f"memory. Tried to allocate {rng.uniform(0.5, 20):.2f} GiB on {itype}",
                f"ClientError: Data download failed: Could not download "
                f"s3://{self.bucket}/{project}/train/part-{rng.randint(0, 999):05d}.parquet: "
                "NoSuchKey",
                f"CapacityError: Unable to provision requested ML compute capacity for {itype} "
                f"(requested {count}). Please retry using a different ML instance type.",
                f"ResourceLimitExceeded: The account-level service limit '{itype} for training "
                f"job usage' is {count} Instances, with current utilization of {count} "
                f"Instances and a request delta of {count} Instances.",
                f"AlgorithmError: ValueError: Input contains NaN in feature column "
                f"'f_{rng.randint(0, 400)}', exit code 1",
                f"InternalServerError: We encountered an internal error while training "
                f"{name}. Please try again.",
            ]), name)
        job.training_job_status = status
        job.failure_reason = reason
        self.record("training", job, name, status, reason, itype, count, tags)

    def processing(self, flavour):
        rng = self.rng
        _, project, tags = self.owner()
        name = self.name(project, rng.choice(["preprocess", "features", "eval", "dataprep"]))
        itype = _pick(rng, PROCESSING_TYPES)
        count = _pick(rng, [(1, 6), (2, 3), (4, 1)])
        job = self.backend.create_processing_job(
            app_specification={"ImageUri": IMAGE, "ContainerEntrypoint": ["python3", "run.py"]},
            experiment_config=None,
            network_config=None,
            processing_inputs=[],
            processing_job_name=name,
            processing_output_config=None,
            role_arn=self.role,
            tags=[],
            stopping_condition={"MaxRuntimeInSeconds": 6 * 3600},
        )
        job.processing_resources = {"ClusterConfig": {
            "InstanceCount": count, "InstanceType": itype, "VolumeSizeInGB": 30}}
        reason = None
        if flavour == "completed":
            job.creation_time = self.between_days(1, 60)
            job.processing_end_time = job.creation_time + timedelta(minutes=rng.uniform(5, 240))
            status = "Completed"
        elif flavour == "failed":
            job.creation_time = (self.ago(hours=rng.uniform(18, 40)) if rng.random() < 0.5
                                 else self.between_days(7, 45))
            job.processing_end_time = job.creation_time + timedelta(minutes=rng.uniform(2, 60))
            status = "Failed"
            column = rng.choice(["label", "customer_id", "event_ts", "sku", "region"])
            reason = self.reason(rng.choice([
                f"AlgorithmError: See job logs for more information. KeyError: '{column}'",
                f"ClientError: Failed to download data. s3://{self.bucket}/{project}/raw/"
                f"{rng.randint(2023, 2025)}-{rng.randint(1, 12):02d}/ not found",
                f"ClientError: Please ensure the role {self.role} has s3:PutObject on "
                f"s3://{self.bucket}/{project}/processed/ ({name})",
            ]), name)
            job.exit_message = (f"Traceback (most recent call last):\n  File \"run.py\", line "
                                f"{rng.randint(20, 400)}, in <module>\nKeyError: '{column}'")
        else:
            job.creation_time = self.ago(minutes=rng.uniform(5, 300))
            job.processing_end_time = None
            status = "InProgress"
        job.last_modified_time = job.processing_end_time or self.ago(minutes=rng.uniform(0, 4))
        job.processing_job_status = status
        job.failure_reason = reason
        self.record("processing", job, name, status, reason, itype, count, tags)

    def transform(self, flavour):
        rng = self.rng
        _, project, tags = self.owner()
        name = self.name(project, rng.choice(["batch-score", "backfill", "infer"]))
        itype = _pick(rng, TRANSFORM_TYPES)
        count = _pick(rng, [(1, 5), (2, 2), (4, 1)])
        job = self.backend.create_transform_job(
            transform_job_name=name,
            model_name=self.shared_model(),
            max_concurrent_transforms=None,
            model_client_config=None,
            max_payload_in_mb=None,
            batch_strategy="MultiRecord",
            environment=None,
            transform_input={"DataSource": {"S3DataSource": {
                "S3DataType": "S3Prefix", "S3Uri": f"s3://{self.bucket}/{project}/score-in/"}}},
            transform_output={"S3OutputPath": f"s3://{self.bucket}/{project}/score-out/"},
            data_capture_config=None,
            transform_resources={"InstanceType": itype, "InstanceCount": count},
            data_processing=None,
            tags=[],
            experiment_config=None,
        )
        reason = None
        if flavour == "completed":
            job.creation_time = self.between_days(1, 60)
            job.transform_end_time = job.creation_time + timedelta(minutes=rng.uniform(10, 300))
            status = "Completed"
        elif flavour == "failed":
            job.creation_time = self.between_days(0.7, 30)
            job.transform_end_time = job.creation_time + timedelta(minutes=rng.uniform(3, 40))
            status = "Failed"
            reason = self.reason(rng.choice([
                f"ClientError: See job logs for more information. Request payload exceeded "
                f"{rng.choice([6, 10, 20])} MB for record {rng.randint(1, 99999)}",
                f"AlgorithmError: model server returned 500 for input "
                f"s3://{self.bucket}/{project}/score-in/{rng.randint(0, 999):04d}.jsonl",
            ]), name)
        else:
            job.creation_time = self.ago(minutes=rng.uniform(5, 180))
            job.transform_end_time = None
            status = "InProgress"
        job.transform_start_time = job.creation_time + timedelta(minutes=3)
        job.last_modified_time = job.transform_end_time or self.ago(minutes=rng.uniform(0, 4))
        job.transform_job_status = status
        job.failure_reason = reason or ""  # moto's own "no reason"
        self.record("transform", job, name, status, reason, itype, count, tags)

    def tuning(self, flavour):
        rng = self.rng
        _, project, tags = self.owner()
        name = self.name(project[:10], "hpo", limit=32)
        itype = _pick(rng, TRAINING_TYPES[:6])
        count = _pick(rng, [(1, 4), (2, 1)])
        trials = rng.choice([8, 16, 20, 50])
        self.backend.create_hyper_parameter_tuning_job(
            hyper_parameter_tuning_job_name=name,
            hyper_parameter_tuning_job_config={
                "Strategy": "Bayesian",
                "HyperParameterTuningJobObjective": {
                    "Type": "Maximize", "MetricName": "validation:auc"},
                "ResourceLimits": {"MaxNumberOfTrainingJobs": trials,
                                   "MaxParallelTrainingJobs": rng.choice([2, 4])},
            },
            training_job_definition={
                "AlgorithmSpecification": {"TrainingImage": IMAGE, "TrainingInputMode": "File"},
                "RoleArn": self.role,
                "OutputDataConfig": {"S3OutputPath": f"s3://{self.bucket}/{project}/hpo/"},
                "ResourceConfig": {"InstanceType": itype, "InstanceCount": count,
                                   "VolumeSizeInGB": 50},
                "StoppingCondition": {"MaxRuntimeInSeconds": 4 * 3600},
            },
            training_job_definitions=None,
            warm_start_config=None,
            tags=[],
            autotune=None,
        )
        job = self.backend.hyper_parameter_tuning_jobs[name]
        reason = None
        if flavour == "completed":
            job.creation_time = self.between_days(5, 60)
            job.hyper_parameter_tuning_end_time = job.creation_time + timedelta(
                hours=rng.uniform(2, 30))
            status = "Completed"
            job.training_job_status_counters = {
                "Completed": trials, "InProgress": 0, "RetryableError": 0,
                "NonRetryableError": 0, "Stopped": 0}
        elif flavour == "failed":
            job.creation_time = self.between_days(0.8, 40)
            job.hyper_parameter_tuning_end_time = job.creation_time + timedelta(
                hours=rng.uniform(0.2, 6))
            status = "Failed"
            failed = rng.randint(1, trials)
            reason = self.reason(rng.choice([
                f"All training jobs failed: {failed} of {failed} ended with AlgorithmError "
                f"(last: CUDA error: device-side assert triggered on {itype})",
                f"ResourceLimitExceeded: The account-level service limit '{itype} for "
                f"training job usage' is {count} Instances; {failed} trials could not start",
            ]), name)
            job.training_job_status_counters = {
                "Completed": 0, "InProgress": 0, "RetryableError": 0,
                "NonRetryableError": failed, "Stopped": 0}
        else:
            job.creation_time = self.ago(minutes=rng.uniform(20, 20 * 60))
            job.hyper_parameter_tuning_end_time = None
            status = "InProgress"
            done = rng.randint(0, trials - 2)
            job.training_job_status_counters = {
                "Completed": done, "InProgress": 2, "RetryableError": 0,
                "NonRetryableError": 0, "Stopped": 0}
        job.last_modified_time = (job.hyper_parameter_tuning_end_time
                                  or self.ago(minutes=rng.uniform(0, 10)))
        job.hyper_parameter_tuning_job_status = status
        job.failure_reason = reason  # None: describe and Search omit it, as AWS does
        self.record("tuning", job, name, status, reason, itype, count, tags)

    def endpoint(self, flavour):
        rng = self.rng
        _, project, tags = self.owner()
        name = self.name(project, rng.choice(["prod", "staging", "shadow", "realtime"]))
        itype = _pick(rng, ENDPOINT_TYPES)
        count = _pick(rng, [(1, 5), (2, 4), (4, 1)])
        config = f"{name}-config"
        self.backend.create_endpoint_config(
            endpoint_config_name=config,
            production_variants=[{
                "VariantName": "AllTraffic", "ModelName": self.shared_model(),
                "InstanceType": itype, "InitialInstanceCount": count,
                "InitialVariantWeight": 1.0}],
            data_capture_config=None,
            async_inference_config=None,
            tags=[],
            kms_key_id=None,
        )
        self.backend.endpoint_configs[config].creation_time = created = self.between_days(3, 200)
        endpoint = self.backend.create_endpoint(
            endpoint_name=name, endpoint_config_name=config, tags=[])
        endpoint.creation_time = created
        reason = None
        if flavour == "failed":
            status = "Failed"
            reason = self.reason(
                f"The primary container for production variant AllTraffic did not pass the "
                f"ping health check on {itype}. Please check CloudWatch logs for endpoint "
                f"{name}.", name)
            for variant in endpoint.production_variants:
                variant["CurrentInstanceCount"] = 0
            endpoint.creation_time = created = self.ago(hours=rng.uniform(2, 30))
            endpoint.last_modified_time = created + timedelta(minutes=rng.uniform(8, 25))
        else:
            status = "InService"
            endpoint.last_modified_time = created + timedelta(minutes=rng.uniform(5, 15))
        endpoint.endpoint_status = status
        endpoint.failure_reason = reason
        self.record("endpoint", endpoint, name, status, reason, itype, count, tags)

    def notebook(self, flavour):
        rng = self.rng
        _, project, tags = self.owner()
        owner = tags.get("owner") or rng.choice(OWNERS)
        self.counter += 1
        name = f"{owner}-{project}-s{self.index:02d}-{self.counter:04d}"
        itype = _pick(rng, NOTEBOOK_TYPES)
        notebook = self.backend.create_notebook_instance(
            notebook_instance_name=name, instance_type=itype, role_arn=self.role)
        notebook.creation_time = self.between_days(10, 300)
        if flavour == "stopped":
            status = "Stopped"
            notebook.last_modified_time = self.between_days(1, 9)
        else:
            status = "InService"
            notebook.last_modified_time = self.ago(hours=rng.uniform(0.1, 20))
        notebook.status = status
        self.record("notebook", notebook, name, status, None, itype, 1, tags)

    def shared_model(self):
        if self.model is None:
            self.model = f"models-s{self.index:02d}"
            self.backend.create_model(
                model_name=self.model, execution_role_arn=self.role,
                primary_container={"Image": IMAGE}, vpc_config=None, containers=None,
                tags=[])
        return self.model

    def fill(self, counts_by_flavour):
        """Creates resources in a shuffled but seeded order of (kind, flavour)."""
        order = [(kind, flavour) for (kind, flavour), n in counts_by_flavour for _ in range(n)]
        self.rng.shuffle(order)
        for kind, flavour in order:
            getattr(self, kind)(flavour)


def scale_world(accounts, regions, resources, big, seed, trail=False):
    """About `resources` resources over accounts × regions: the first account-region holds
    `big` extra training jobs, the rest is shared evenly (the mix of SCALE_MIX in each).
    Deterministic for a seed, times apart (relative to now). With `trail`, each resource's
    Create* call is in CloudTrail's history (trail_creations). Answers every resource, and
    with `trail` the creator of each by ARN ({} without)."""
    now = utcnow()
    scopes = [(a, r) for a in accounts for r in regions]
    rest = max(0, resources - big)
    share, extra = divmod(rest, len(scopes))
    jobs = []
    creators = {}
    reasons = set()
    for index, (account, region) in enumerate(scopes):
        scope = ScaleScope(account, region, index, seed, now, reasons)
        n = share + (1 if index < extra else 0)
        plan = list(zip([(k, f) for k, f, _ in SCALE_MIX],
                        apportion(n, SCALE_MIX, SCALE_PRIORITY)))
        if index == 0 and big:
            plan += list(zip([(k, f) for k, f, _ in BIG_MIX], apportion(big, BIG_MIX)))
        scope.fill(plan)
        jobs += scope.jobs
        if trail:
            creators.update(trail_creations(account, region, [
                {**job, "created": created} for job, created in scope.created], seed))
    return jobs, creators


def main():
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = RequestLog(DomainDispatcherApplication(create_backend_app))
    server = make_server("127.0.0.1", 0, app, True, request_handler=MotoRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    endpoint = f"http://127.0.0.1:{port}"
    world = World(endpoint)

    def reset():
        """moto with no state, and no throttles or quota (the request log is the caller's)."""
        urllib.request.urlopen(
            urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")
        ).read()
        app.forget_refusals()
        CE_ITEMS.clear()
        CE_RESOURCE_OFF.clear()
        CE_RESOURCE_PAGE["groups"] = 500
        SAVINGS_PLANS.clear()
        TAG_POLICIES.clear()
        PRICE_PRODUCTS.clear()
        STREAM.clear()
        with TRAIL_LOCK:
            TRAIL.clear()
        CUR.update(path=None, database=None, table=None)
        CLOUDTRAIL.update(database=None, table=None)
        with ATHENA_LOCK:
            ATHENA_QUERIES.clear()

    print(json.dumps({"port": port}), flush=True)

    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            cmd = json.loads(line)
            if cmd["cmd"] == "seed":
                reset()
                jobs, logs = world.seed(
                    cmd["accounts"], cmd["regions"], cmd.get("big", 0), cmd.get("logs", False)
                )
                app.take()
                answer = {"jobs": jobs, "logs": logs}
                if cmd.get("trail"):
                    answer["creators"] = world.seed_trail(jobs)
            elif cmd["cmd"] == "put_logs":
                answer = {"events": world.put_logs(
                    cmd["account"], cmd["region"], cmd["group"], cmd["stream"], cmd["events"]
                )}
            elif cmd["cmd"] == "scale_world":
                reset()
                world.clients = {}
                started = time.monotonic()
                jobs, creators = scale_world(
                    cmd["accounts"], cmd["regions"], cmd["resources"], cmd.get("big", 0),
                    cmd.get("seed", 0), cmd.get("trail", False),
                )
                app.take()
                answer = {"jobs": jobs, "seconds": round(time.monotonic() - started, 3)}
                if cmd.get("trail"):
                    answer["creators"] = creators
            elif cmd["cmd"] == "quota":
                app.set_quota(cmd.get("rate") or 0, cmd.get("burst"))
                answer = {"ok": True}
            elif cmd["cmd"] == "add_training":
                world.add_training(cmd["account"], cmd["region"], cmd["name"], cmd["status"])
                app.take()
                answer = {"ok": True}
            elif cmd["cmd"] == "set_training_status":
                world.set_training_status(
                    cmd["account"], cmd["region"], cmd["name"], cmd["status"], cmd.get("reason")
                )
                answer = {"ok": True}
            elif cmd["cmd"] == "training_billing":
                world.training_billing(cmd["account"], cmd["region"], cmd["name"], cmd["spec"])
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
                reset()
                app.take()
                answer = {"ok": True}
            elif cmd["cmd"] == "ce_results":
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
            elif cmd["cmd"] == "price_list":
                PRICE_PRODUCTS[:] = [price_product(p, n) for n, p in enumerate(cmd["products"])]
                answer = {"ok": True}
            elif cmd["cmd"] == "cur_table":
                answer = {"bytes": cur_table(cmd["database"], cmd["table"], cmd["items"])}
            elif cmd["cmd"] == "cloudtrail_table":
                answer = {"rows": cloudtrail_table(cmd["database"], cmd["table"])}
            elif cmd["cmd"] == "ce_items":
                CE_ITEMS[cmd["account"]] = cmd["items"]
                answer = {"ok": True}
            elif cmd["cmd"] == "ce_resource_level":
                if cmd.get("enabled", True):
                    CE_RESOURCE_OFF.pop(cmd["account"], None)
                else:
                    CE_RESOURCE_OFF[cmd["account"]] = (
                        cmd.get("code", "DataUnavailableException"),
                        cmd.get("message", "Resource-level data is not enabled for this "
                                           "account. Opt in from the Cost Management "
                                           "preferences."),
                    )
                if cmd.get("page_groups"):
                    CE_RESOURCE_PAGE["groups"] = int(cmd["page_groups"])
                answer = {"ok": True}
            elif cmd["cmd"] == "savings_plans":
                savings_plans(cmd["account"], cmd.get("recommendation"), cmd.get("coverage"),
                              cmd.get("utilization"))
                answer = {"ok": True}
            elif cmd["cmd"] == "tag_world":
                reset()
                answer = {"arns": world.tag_world(cmd["resources"])}
                app.take()
            elif cmd["cmd"] == "apps":
                backend = sagemaker_backends[cmd["account"]][cmd["region"]]
                now = utcnow()
                arns = []
                for spec in cmd["apps"]:
                    fake = FakeApp(cmd["account"], cmd["region"], spec, now)
                    studio_apps(backend)[fake.arn] = fake
                    arns.append(fake.arn)
                answer = {"arns": arns}
            elif cmd["cmd"] == "inference_components":
                backend = sagemaker_backends[cmd["account"]][cmd["region"]]
                now = utcnow()
                arns = []
                for spec in cmd["components"]:
                    fake = FakeInferenceComponent(cmd["account"], cmd["region"], spec, now)
                    inference_components(backend)[fake.arn] = fake
                    arns.append(fake.arn)
                answer = {"arns": arns}
            elif cmd["cmd"] == "clusters":
                answer = {"arns": world.clusters(cmd["account"], cmd["region"], cmd["clusters"])}
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
            elif cmd["cmd"] == "organization":
                answer = world.organization(cmd["accounts"], cmd["ous"])
                app.take()
            elif cmd["cmd"] == "tag_policy":
                TAG_POLICIES[cmd["account"]] = {
                    "content": cmd.get("policy"),
                    "deny": bool(cmd.get("deny", False)),
                    "at": time.time(),
                }
                answer = {"ok": True}
            elif cmd["cmd"] == "deny_role":
                with app.lock:
                    app.denied_roles.add(cmd["role"])
                answer = {"ok": True}
            elif cmd["cmd"] == "backdate":
                answer = backdate(
                    cmd["account"], cmd["region"], cmd["kind"], cmd["name"], cmd["days"])
            elif cmd["cmd"] == "stream_setup":
                answer = world.stream_setup(cmd["account"], cmd["region"], cmd["log_group"])
            elif cmd["cmd"] == "set_status":
                answer = world.set_status(
                    cmd["account"], cmd["region"], cmd["kind"], cmd["name"], cmd["status"],
                    cmd.get("failure_reason"), cmd.get("emit", True),
                )
            elif cmd["cmd"] == "stream_raw":
                answer = world.stream_raw(cmd["messages"], cmd.get("timestamp_ms"))
            elif cmd["cmd"] == "stream_events":
                answer = {"events": world.stream_events()}
            elif cmd["cmd"] == "trail":
                answer = world.trail(cmd["account"], cmd["region"], cmd["events"])
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
