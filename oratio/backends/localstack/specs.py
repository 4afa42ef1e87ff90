"""The desired state: every resource of a model system as a ``Spec`` with normalized properties.

Properties are plain JSON values written the way each service reads them back, so that the plan compares
the model with what LocalStack reports field by field. Each spec's hash is stored on the resource as a tag;
with it a difference is told apart: the model changed (hash differs) or the resource drifted (hash equal).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs

from oratio.bundling import bundle_zip
from oratio.model import (
    Billing,
    Bucket,
    Encryption,
    Function,
    Projection,
    Retention,
    System,
    Table,
    UserPool,
    Workflow,
    asl,
)
from oratio.model.permissions import (
    Kind,
    Place,
    ResourceArn,
    Statement,
    arn,
    function_log_group,
    function_statements,
    workflow_log_group,
    workflow_statements,
)

SPEC_TAG = "oratio:spec"
SSE_ALGORITHMS = {Encryption.S3_MANAGED: "AES256", Encryption.KMS_MANAGED: "aws:kms"}
LOG_RETENTION_DAYS = 90  # as the CDK backend: three months
# Apply order: each level only needs resources of lower levels.
LEVELS = {"role": 0, "log-group": 0, "table": 0, "bucket": 0, "user-pool": 0,
          "function": 1, "user-pool-client": 1, "state-machine": 2}
# The kinds a destroy keeps when the model says RETAIN (they hold data).
DATA_KINDS = ("table", "bucket", "user-pool")


@attrs.frozen
class Spec:
    kind: str
    name: str  # the model's name (for a client: "pool/client")
    physical: str
    props: dict[str, Any] = attrs.field(eq=False)
    retain: bool = False
    artifact: Path | None = None  # a function's code zip

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.name}"

    @property
    def level(self) -> int:
        return LEVELS[self.kind]

    @property
    def spec_hash(self) -> str:
        return spec_hash(self.props)


def spec_hash(props: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(props, sort_keys=True, default=str).encode()).hexdigest()[:16]


def role_name(physical: str, kind: str) -> str:
    """IAM role names are at most 64 characters: long names keep a hash of the whole instead of the tail."""
    name = f"{physical}-{kind}"
    if len(name) <= 64:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{physical[:64 - len(kind) - 10]}-{digest}-{kind}"


def policy_document(system: System, statements: tuple[Statement, ...], place: Place) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": list(s.actions), "Resource": [arn(r, system, place) for r in s.resources]}
        for s in statements]}


def trust_policy(service: str) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]}


def role_arn(name: str, place: Place) -> str:
    return f"arn:{place.partition}:iam::{place.account}:role/{name}"


def _role(system: System, name: str, physical: str, kind: str, service: str, statements: tuple[Statement, ...],
          place: Place) -> Spec:
    # A role with nothing to allow (a workflow without tasks, logging or tracing) has no policy at all.
    return Spec("role", f"{kind}/{name}", role_name(physical, kind), {
        "trust": trust_policy(service), "policy": policy_document(system, statements, place) if statements else None})


def table_spec(system: System, table: Table) -> Spec:
    provisioned = table.billing is Billing.PROVISIONED
    return Spec("table", table.name, system.physical_name(table), {
        "keys": [[k.name, role, k.type.value] for k, role in zip(table.keys, ("HASH", "RANGE"), strict=False)],
        "billing": table.billing.value,
        "capacity": [table.read_capacity, table.write_capacity] if provisioned else None,
        "indexes": {i.name: {
            "keys": [[k.name, role, k.type.value] for k, role in zip(i.keys, ("HASH", "RANGE"), strict=False)],
            "projection": i.projection.value,
            "non_key": list(i.non_key_attributes) if i.projection is Projection.INCLUDE else [],
        } for i in table.global_indexes},
        "point_in_time_recovery": table.point_in_time_recovery,
        "ttl_attribute": table.ttl_attribute,
        "stream": table.stream.value if table.stream else None,
    }, retain=table.retention is Retention.RETAIN)


def lifecycle_rule(rule: Any) -> dict[str, Any]:
    rendered: dict[str, Any] = {"ID": rule.id, "Filter": {"Prefix": rule.prefix}, "Status": "Enabled"}
    if rule.transitions:
        rendered["Transitions"] = [{"Days": t.days, "StorageClass": t.storage_class.value} for t in rule.transitions]
    if rule.expiration_days:
        rendered["Expiration"] = {"Days": rule.expiration_days}
    if rule.noncurrent_version_expiration_days:
        rendered["NoncurrentVersionExpiration"] = {"NoncurrentDays": rule.noncurrent_version_expiration_days}
    if rule.abort_incomplete_upload_days:
        rendered["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": rule.abort_incomplete_upload_days}
    return rendered


def bucket_spec(system: System, bucket: Bucket, place: Place) -> Spec:
    return Spec("bucket", bucket.name, system.bucket_name(bucket, place.account), {
        "versioned": bucket.versioned,
        "encryption": SSE_ALGORITHMS[bucket.encryption],
        "block_public_access": bucket.block_public_access,
        "enforce_tls": bucket.enforce_tls,
        "lifecycle": [lifecycle_rule(r) for r in bucket.lifecycle_rules],
    }, retain=bucket.retention is Retention.RETAIN)


def code_sha256(archive: Path) -> str:
    """Lambda's CodeSha256: the base64 of the zip's SHA-256."""
    return base64.b64encode(hashlib.sha256(archive.read_bytes()).digest()).decode()


def function_specs(system: System, function: Function, place: Place, project_root: Path,
                   progress: Callable[[str], None] | None) -> list[Spec]:
    physical = system.physical_name(function)
    role = _role(system, function.name, physical, "function", "lambda.amazonaws.com", function_statements(function),
                 place)
    archive = bundle_zip(function.code, function.runtime.value, include=function.include, project_root=project_root,
                         progress=progress)
    logs = Spec("log-group", f"function/{function.name}", function_log_group(system, function),
                {"retention_days": LOG_RETENTION_DAYS})
    lambda_ = Spec("function", function.name, physical, {
        "runtime": function.runtime.value,
        "handler": function.handler,
        "memory_mb": function.memory_mb,
        "timeout_s": function.timeout_s,
        "description": function.description,
        "environment": dict(sorted(system.environment(function, system.physical_names(place.account)).items())),
        "role": role_arn(role.physical, place),
        "log_group": logs.physical,
        "code_sha256": code_sha256(archive),
    }, artifact=archive)
    return [role, logs, lambda_]


def workflow_specs(system: System, workflow: Workflow, place: Place) -> list[Spec]:
    physical = system.physical_name(workflow)
    role = _role(system, workflow.name, physical, "workflow", "states.amazonaws.com", workflow_statements(workflow),
                 place)
    specs = [role]
    log_arn = None
    if workflow.logging:
        logs = Spec("log-group", f"workflow/{workflow.name}", workflow_log_group(system, workflow),
                    {"retention_days": LOG_RETENTION_DAYS})
        specs.append(logs)
        log_arn = f"arn:{place.partition}:logs:{place.region}:{place.account}:log-group:{logs.physical}:*"

    def function_arn(name: str) -> str:
        return arn(ResourceArn(Kind.FUNCTION, name), system, place)

    specs.append(Spec("state-machine", workflow.name, physical, {
        "definition": asl.definition(workflow, function_arn),
        "role": role_arn(role.physical, place),
        "logging": {"level": "ALL", "include_execution_data": False, "log_group": log_arn} if log_arn else None,
        "tracing": workflow.tracing,
    }))
    return specs


def user_pool_specs(system: System, pool: UserPool) -> list[Spec]:
    policy = pool.password_policy
    specs = [Spec("user-pool", pool.name, system.physical_name(pool), {
        # Cognito's names for the aliases that sign in instead of a user name.
        "username_attributes": sorted({"email": "email", "phone": "phone_number"}[a.value]
                                      for a in pool.sign_in_aliases if a.value != "username"),
        "auto_verify_email": pool.auto_verify_email,
        "self_sign_up": pool.self_sign_up,
        "mfa": pool.mfa.value,
        "password_policy": {
            "MinimumLength": policy.min_length, "RequireLowercase": policy.require_lowercase,
            "RequireUppercase": policy.require_uppercase, "RequireNumbers": policy.require_digits,
            "RequireSymbols": policy.require_symbols,
            "TemporaryPasswordValidityDays": policy.temporary_password_days},
    }, retain=pool.retention is Retention.RETAIN)]
    for client in pool.clients:
        # Named "<pool's physical name>/<client name>": client names are unique only within their pool.
        physical = f"{system.physical_name(pool)}/{client.name}"
        specs.append(Spec("user-pool-client", f"{pool.name}/{client.name}", physical, {
            "pool": system.physical_name(pool),
            "auth_flows": sorted(f.value for f in client.auth_flows),
            "generate_secret": client.generate_secret,
            "access_token_minutes": client.access_token_minutes,
            "id_token_minutes": client.id_token_minutes,
            "refresh_token_minutes": client.refresh_token_minutes,
            "prevent_user_existence_errors": client.prevent_user_existence_errors,
        }))
    return specs


def system_specs(system: System, place: Place, project_root: Path,
                 progress: Callable[[str], None] | None = None) -> list[Spec]:
    specs: list[Spec] = [table_spec(system, t) for t in system.tables]
    specs += [bucket_spec(system, b, place) for b in system.buckets]
    for function in system.functions:
        specs += function_specs(system, function, place, project_root, progress)
    for workflow in system.workflows:
        specs += workflow_specs(system, workflow, place)
    for pool in system.user_pools:
        specs += user_pool_specs(system, pool)
    return specs
