"""Request handling, one handler per resource kind: read what exists (normalized like a ``Spec``'s properties),
create, update the fields that changed, delete, and list what a system owns.

Handlers hold no state: everything they know comes from the spec they are given or from LocalStack itself.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import unquote

import attrs
from botocore.exceptions import ClientError

from oratio.backends.localstack.specs import SPEC_TAG, Spec
from oratio.backends.localstack.target import Target

SYSTEM_TAG, STAGE_TAG = "oratio:system", "oratio:stage"
RETAIN_TAG = "oratio:retain"
TLS_SID = "oratio-deny-plain-http"


@attrs.frozen
class Live:
    """What exists: normalized properties, and the tags that say who owns it and from which spec."""

    props: dict[str, Any]
    tags: dict[str, str] = attrs.field(factory=dict)

    def owner(self) -> tuple[str, str] | None:
        if SYSTEM_TAG in self.tags:
            return self.tags[SYSTEM_TAG], self.tags.get(STAGE_TAG, "")
        return None


def ownership_tags(owner: tuple[str, str], spec: Spec) -> dict[str, str]:
    tags = {SYSTEM_TAG: owner[0], STAGE_TAG: owner[1], SPEC_TAG: spec.spec_hash}
    if spec.retain:
        tags[RETAIN_TAG] = "true"
    return tags


def service_unavailable(error: ClientError) -> bool:
    """LocalStack's answer for a service it does not emulate (501, "not included in your current license")."""
    return error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 501 or \
        "not yet been emulated" in str(error) or "not included in your current license" in str(error)


def _missing(error: ClientError, *codes: str) -> bool:
    return error.response.get("Error", {}).get("Code") in codes or \
        error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404


def _wait(check: Callable[[], bool], what: str, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    delay = 0.05
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not finish within {timeout_s:.0f} s")
        time.sleep(delay)
        delay = min(delay * 2, 1.0)


class Handler:
    kind: str = ""
    replace_fields: frozenset[str] = frozenset()
    taggable = True

    def read(self, target: Target, spec: Spec) -> Live | None:
        raise NotImplementedError

    def create(self, target: Target, spec: Spec, tags: dict[str, str]) -> None:
        raise NotImplementedError

    def update(self, target: Target, spec: Spec, fields: set[str], tags: dict[str, str]) -> None:
        raise NotImplementedError

    def delete(self, target: Target, physical: str) -> None:
        raise NotImplementedError

    def owned(self, target: Target, prefix: str, known: frozenset[str] = frozenset()
              ) -> Iterator[tuple[str, dict[str, str]]]:
        """(physical name, tags) of every resource of this kind whose name starts with ``prefix``, except the
        ``known`` ones (the plan reads those anyway: their tags are not fetched twice)."""
        raise NotImplementedError


# --- IAM roles -----------------------------------------------------------------------------------------------
def _document(value: Any) -> Any:
    return json.loads(unquote(value)) if isinstance(value, str) else value


class RoleHandler(Handler):
    kind = "role"

    def read(self, target: Target, spec: Spec) -> Live | None:
        iam = target.client("iam")
        try:
            role = iam.get_role(RoleName=spec.physical)["Role"]
        except ClientError as error:
            if _missing(error, "NoSuchEntity"):
                return None
            raise
        try:
            policy = _document(iam.get_role_policy(RoleName=spec.physical, PolicyName="model")["PolicyDocument"])
        except ClientError as error:
            if not _missing(error, "NoSuchEntity"):
                raise
            policy = None
        tags = {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=spec.physical).get("Tags", [])}
        return Live({"trust": _document(role["AssumeRolePolicyDocument"]), "policy": policy}, tags)

    def create(self, target: Target, spec: Spec, tags: dict[str, str]) -> None:
        iam = target.client("iam")
        iam.create_role(RoleName=spec.physical, AssumeRolePolicyDocument=json.dumps(spec.props["trust"]),
                        Tags=[{"Key": k, "Value": v} for k, v in tags.items()])
        if spec.props["policy"]:
            iam.put_role_policy(RoleName=spec.physical, PolicyName="model",
                                PolicyDocument=json.dumps(spec.props["policy"]))

    def update(self, target: Target, spec: Spec, fields: set[str], tags: dict[str, str]) -> None:
        iam = target.client("iam")
        if "trust" in fields:
            iam.update_assume_role_policy(RoleName=spec.physical, PolicyDocument=json.dumps(spec.props["trust"]))
        if "policy" in fields and spec.props["policy"]:
            iam.put_role_policy(RoleName=spec.physical, PolicyName="model",
                                PolicyDocument=json.dumps(spec.props["policy"]))
        elif "policy" in fields:
            iam.delete_role_policy(RoleName=spec.physical, PolicyName="model")
        iam.tag_role(RoleName=spec.physical, Tags=[{"Key": k, "Value": v} for k, v in tags.items()])

    def delete(self, target: Target, physical: str) -> None:
        iam = target.client("iam")
        for name in iam.list_role_policies(RoleName=physical).get("PolicyNames", []):
            iam.delete_role_policy(RoleName=physical, PolicyName=name)
        iam.delete_role(RoleName=physical)

    def owned(self, target: Target, prefix: str, known: frozenset[str] = frozenset()
              ) -> Iterator[tuple[str, dict[str, str]]]:
        iam = target.client("iam")
        for page in iam.get_paginator("list_roles").paginate():
            for role in page["Roles"]:
                if role["RoleName"].startswith(prefix) and role["RoleName"] not in known:
                    tags = iam.list_role_tags(RoleName=role["RoleName"]).get("Tags", [])
                    yield role["RoleName"], {t["Key"]: t["Value"] for t in tags}


# --- CloudWatch log groups -----------------------------------------------------------------------------------
class LogGroupHandler(Handler):
    kind = "log-group"

    def read(self, target: Target, spec: Spec) -> Live | None:
        logs = target.client("logs")
        groups = logs.describe_log_groups(logGroupNamePrefix=spec.physical).get("logGroups", [])
        group = next((g for g in groups if g["logGroupName"] == spec.physical), None)
        if group is None:
            return None
        tags = logs.list_tags_log_group(logGroupName=spec.physical).get("tags", {})
        return Live({"retention_days": group.get("retentionInDays")}, tags)

    def create(self, target: Target, spec: Spec, tags: dict[str, str]) -> None:
        logs = target.client("logs")
        try:
            logs.create_log_group(logGroupName=spec.physical, tags=tags)
        except ClientError as error:  # Lambda may have made it first, when it logged before this apply
            if error.response["Error"]["Code"] != "ResourceAlreadyExistsException":
                raise
            logs.tag_log_group(logGroupName=spec.physical, tags=tags)
        logs.put_retention_policy(logGroupName=spec.physical, retentionInDays=spec.props["retention_days"])

    def update(self, target: Target, spec: Spec, fields: set[str], tags: dict[str, str]) -> None:
        logs = target.client("logs")
        logs.put_retention_policy(logGroupName=spec.physical, retentionInDays=spec.props["retention_days"])
        logs.tag_log_group(logGroupName=spec.physical, tags=tags)

    def delete(self, target: Target, physical: str) -> None:
        target.client("logs").delete_log_group(logGroupName=physical)

    def owned(self, target: Target, prefix: str, known: frozenset[str] = frozenset()
              ) -> Iterator[tuple[str, dict[str, str]]]:
        logs = target.client("logs")
        for group_prefix in (f"/aws/lambda/{prefix}", f"/aws/vendedlogs/states/{prefix}"):
            for page in logs.get_paginator("describe_log_groups").paginate(logGroupNamePrefix=group_prefix):
                for group in page["logGroups"]:
                    name = group["logGroupName"]
                    if name in known:
                        continue
                    yield name, logs.list_tags_log_group(logGroupName=name).get("tags", {})


# --- DynamoDB tables -----------------------------------------------------------------------------------------
def _keys(schema: list[dict[str, str]], types: dict[str, str]) -> list[list[str]]:
    order = {"HASH": 0, "RANGE": 1}
    return [[k["AttributeName"], k["KeyType"], types[k["AttributeName"]]]
            for k in sorted(schema, key=lambda k: order[k["KeyType"]])]


class TableHandler(Handler):
    kind = "table"
    replace_fields = frozenset({"keys"})

    def read(self, target: Target, spec: Spec) -> Live | None:
        ddb = target.client("dynamodb")
        try:
            table = ddb.describe_table(TableName=spec.physical)["Table"]
        except ClientError as error:
            if _missing(error, "ResourceNotFoundException"):
                return None
            raise
        if table.get("TableStatus") == "DELETING":
            _wait(lambda: self.read(target, spec) is None, f"deleting table {spec.physical}")
            return None
        types = {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]}
        billing = table.get("BillingModeSummary", {}).get("BillingMode", "PROVISIONED")
        throughput = table.get("ProvisionedThroughput", {})
        backups = ddb.describe_continuous_backups(TableName=spec.physical)["ContinuousBackupsDescription"]
        pitr = backups.get("PointInTimeRecoveryDescription", {}).get("PointInTimeRecoveryStatus") == "ENABLED"
        ttl = ddb.describe_time_to_live(TableName=spec.physical).get("TimeToLiveDescription", {})
        stream = table.get("StreamSpecification", {})
        tags = ddb.list_tags_of_resource(ResourceArn=table["TableArn"]).get("Tags", [])
        return Live({
            "keys": _keys(table["KeySchema"], types),
            "billing": billing,
            "capacity": [throughput.get("ReadCapacityUnits"), throughput.get("WriteCapacityUnits")]
            if billing == "PROVISIONED" else None,
            "indexes": {i["IndexName"]: {
                "keys": _keys(i["KeySchema"], types),
                "projection": i["Projection"]["ProjectionType"],
                "non_key": list(i["Projection"].get("NonKeyAttributes", [])),
            } for i in table.get("GlobalSecondaryIndexes", [])},
            "point_in_time_recovery": pitr,
            "ttl_attribute": ttl.get("AttributeName") if ttl.get("TimeToLiveStatus") in ("ENABLED", "ENABLING")
            else None,
            "stream": stream.get("StreamViewType") if stream.get("StreamEnabled") else None,
        }, {t["Key"]: t["Value"] for t in tags})

    @staticmethod
    def _index(name: str, index: dict[str, Any], provisioned: list[int] | None) -> dict[str, Any]:
        projection: dict[str, Any] = {"ProjectionType": index["projection"]}
        if index["non_key"]:
            projection["NonKeyAttributes"] = index["non_key"]
        rendered = {"IndexName": name, "KeySchema": [{"AttributeName": k[0], "KeyType": k[1]} for k in index["keys"]],
                    "Projection": projection}
        if provisioned:
            rendered["ProvisionedThroughput"] = {"ReadCapacityUnits": provisioned[0],
                                                 "WriteCapacityUnits": provisioned[1]}
        return rendered

    @staticmethod
    def _attributes(keys: list[list[str]]) -> list[dict[str, str]]:
        return [{"AttributeName": name, "AttributeType": kind} for name, _, kind in keys]

    def _active(self, target: Target, name: str) -> bool:
        table = target.client("dynamodb").describe_table(TableName=name)["Table"]
        return table["TableStatus"] == "ACTIVE" and all(
            i.get("IndexStatus", "ACTIVE") == "ACTIVE" for i in table.get("GlobalSecondaryIndexes", []))

    def create(self, target: Target, spec: Spec, tags: dict[str, str]) -> None:
        ddb, props = target.client("dynamodb"), spec.props
        attributes = {k[0]: k[2] for k in props["keys"]}
        for index in props["indexes"].values():
            attributes.update({k[0]: k[2] for k in index["keys"]})
        request: dict[str, Any] = {
            "TableName": spec.physical,
            "KeySchema": [{"AttributeName": k[0], "KeyType": k[1]} for k in props["keys"]],
            "AttributeDefinitions": [{"AttributeName": n, "AttributeType": t} for n, t in sorted(attributes.items())],
            "BillingMode": props["billing"],
            "Tags": [{"Key": k, "Value": v} for k, v in tags.items()],
        }
        if props["capacity"]:
            request["ProvisionedThroughput"] = {"ReadCapacityUnits": props["capacity"][0],
                                                "WriteCapacityUnits": props["capacity"][1]}
        if props["indexes"]:
            request["GlobalSecondaryIndexes"] = [self._index(n, i, props["capacity"])
                                                 for n, i in props["indexes"].items()]
        if props["stream"]:
            request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": props["stream"]}
        ddb.create_table(**request)
        _wait(lambda: self._active(target, spec.physical), f"creating table {spec.physical}")
        self._settings(target, spec, {"point_in_time_recovery", "ttl_attribute"}, creating=True)

    def _settings(self, target: Target, spec: Spec, fields: set[str], creating: bool = False) -> None:
        ddb, props = target.client("dynamodb"), spec.props
        if "point_in_time_recovery" in fields and (props["point_in_time_recovery"] or not creating):
            ddb.update_continuous_backups(TableName=spec.physical, PointInTimeRecoverySpecification={
                "PointInTimeRecoveryEnabled": props["point_in_time_recovery"]})
        if "ttl_attribute" in fields and props["ttl_attribute"]:
            ddb.update_time_to_live(TableName=spec.physical, TimeToLiveSpecification={
                "Enabled": True, "AttributeName": props["ttl_attribute"]})

    def update(self, target: Target, spec: Spec, fields: set[str], tags: dict[str, str]) -> None:
        ddb, props = target.client("dynamodb"), spec.props
        live = self.read(target, spec)
        assert live is not None
        if "ttl_attribute" in fields and live.props["ttl_attribute"] and \
                live.props["ttl_attribute"] != props["ttl_attribute"]:
            ddb.update_time_to_live(TableName=spec.physical, TimeToLiveSpecification={
                "Enabled": False, "AttributeName": live.props["ttl_attribute"]})
        if fields & {"billing", "capacity"}:
            request: dict[str, Any] = {"TableName": spec.physical, "BillingMode": props["billing"]}
            if props["capacity"]:
                request["ProvisionedThroughput"] = {"ReadCapacityUnits": props["capacity"][0],
                                                    "WriteCapacityUnits": props["capacity"][1]}
            ddb.update_table(**request)
            _wait(lambda: self._active(target, spec.physical), f"updating table {spec.physical}")
        if "stream" in fields:
            stream = {"StreamEnabled": True, "StreamViewType": props["stream"]} if props["stream"] else \
                {"StreamEnabled": False}
            if live.props["stream"] and props["stream"]:  # a view type changes by disabling, then enabling
                ddb.update_table(TableName=spec.physical, StreamSpecification={"StreamEnabled": False})
                _wait(lambda: self._active(target, spec.physical), f"updating table {spec.physical}")
            ddb.update_table(TableName=spec.physical, StreamSpecification=stream)
            _wait(lambda: self._active(target, spec.physical), f"updating table {spec.physical}")
        if "indexes" in fields:
            self._update_indexes(target, spec, live.props["indexes"])
        self._settings(target, spec, fields)
        table_arn = ddb.describe_table(TableName=spec.physical)["Table"]["TableArn"]
        ddb.tag_resource(ResourceArn=table_arn, Tags=[{"Key": k, "Value": v} for k, v in tags.items()])

    def _update_indexes(self, target: Target, spec: Spec, live: dict[str, Any]) -> None:
        # DynamoDB takes one index creation or deletion per UpdateTable, each after the last is ACTIVE.
        ddb, wanted = target.client("dynamodb"), spec.props["indexes"]
        for name, index in live.items():
            if wanted.get(name) != index:
                ddb.update_table(TableName=spec.physical, GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": name}}])
                _wait(lambda n=name: n not in self._index_names(target, spec.physical), f"deleting index {name}")
        for name, index in wanted.items():
            if live.get(name) != index:
                ddb.update_table(TableName=spec.physical, AttributeDefinitions=self._attributes(
                    spec.props["keys"] + index["keys"]), GlobalSecondaryIndexUpdates=[
                    {"Create": self._index(name, index, spec.props["capacity"])}])
                _wait(lambda: self._active(target, spec.physical), f"creating index {name}")

    @staticmethod
    def _index_names(target: Target, name: str) -> set[str]:
        table = target.client("dynamodb").describe_table(TableName=name)["Table"]
        return {i["IndexName"] for i in table.get("GlobalSecondaryIndexes", [])}

    def delete(self, target: Target, physical: str) -> None:
        target.client("dynamodb").delete_table(TableName=physical)

    def owned(self, target: Target, prefix: str, known: frozenset[str] = frozenset()
              ) -> Iterator[tuple[str, dict[str, str]]]:
        ddb = target.client("dynamodb")
        for page in ddb.get_paginator("list_tables").paginate():
            for name in page["TableNames"]:
                if name.startswith(prefix) and name not in known:
                    table_arn = ddb.describe_table(TableName=name)["Table"]["TableArn"]
                    tags = ddb.list_tags_of_resource(ResourceArn=table_arn).get("Tags", [])
                    yield name, {t["Key"]: t["Value"] for t in tags}


# --- S3 buckets ----------------------------------------------------------------------------------------------
def _tls_policy(bucket: str) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": TLS_SID, "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}


class BucketHandler(Handler):
    kind = "bucket"

    def read(self, target: Target, spec: Spec) -> Live | None:
        s3, name = target.client("s3"), spec.physical
        try:
            s3.head_bucket(Bucket=name)
        except ClientError as error:
            if _missing(error, "NoSuchBucket", "404"):
                return None
            raise
        versioned = s3.get_bucket_versioning(Bucket=name).get("Status") == "Enabled"
        try:
            rules = s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]["Rules"]
            encryption = rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"]
        except ClientError:
            encryption = None
        try:
            block = s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"]
            blocked = all(block.get(k) for k in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy",
                                                 "RestrictPublicBuckets"))
        except ClientError:
            blocked = False
        try:
            policy = json.loads(s3.get_bucket_policy(Bucket=name)["Policy"])
            tls = any(s.get("Sid") == TLS_SID for s in policy.get("Statement", []))
        except ClientError:
            tls = False
        try:
            lifecycle = s3.get_bucket_lifecycle_configuration(Bucket=name).get("Rules", [])
        except ClientError:
            lifecycle = []
        try:
            tags = {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=name).get("TagSet", [])}
        except ClientError:
            tags = {}
        return Live({"versioned": versioned, "encryption": encryption, "block_public_access": blocked,
                     "enforce_tls": tls, "lifecycle": [_normalized_rule(r) for r in lifecycle]}, tags)

    def create(self, target: Target, spec: Spec, tags: dict[str, str]) -> None:
        s3 = target.client("s3")
        request: dict[str, Any] = {"Bucket": spec.physical}
        if target.region != "us-east-1":
            request["CreateBucketConfiguration"] = {"LocationConstraint": target.region}
        s3.create_bucket(**request)
        # Tags first: an interrupted create leaves a bucket that the next run recognizes as its own.
        s3.put_bucket_tagging(Bucket=spec.physical, Tagging={"TagSet": [{"Key": k, "Value": v}
                                                                         for k, v in tags.items()]})
        self.update(target, spec, set(spec.props), tags)

    def update(self, target: Target, spec: Spec, fields: set[str], tags: dict[str, str]) -> None:
        s3, name, props = target.client("s3"), spec.physical, spec.props
        if "versioned" in fields:
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={
                "Status": "Enabled" if props["versioned"] else "Suspended"})
        if "encryption" in fields:
            s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": [
                {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": props["encryption"]}}]})
        if "block_public_access" in fields:
            if props["block_public_access"]:
                s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration={
                    "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
                    "RestrictPublicBuckets": True})
            else:
                s3.delete_public_access_block(Bucket=name)
        if "enforce_tls" in fields:
            if props["enforce_tls"]:
                s3.put_bucket_policy(Bucket=name, Policy=json.dumps(_tls_policy(name)))
            else:
                s3.delete_bucket_policy(Bucket=name)
        if "lifecycle" in fields:
            if props["lifecycle"]:
                s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": props["lifecycle"]})
            else:
                s3.delete_bucket_lifecycle(Bucket=name)
        s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in tags.items()]})

    def delete(self, target: Target, physical: str) -> None:
        # Only buckets the model lets go (DESTROY) get here: their objects go with them, as the CDK's
        # auto-delete would do. Retained buckets never reach this.
        s3 = target.client("s3")
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=physical):
            doomed = [{"Key": v["Key"], "VersionId": v["VersionId"]}
                      for v in (*page.get("Versions", []), *page.get("DeleteMarkers", []))]
            if doomed:
                s3.delete_objects(Bucket=physical, Delete={"Objects": doomed, "Quiet": True})
        s3.delete_bucket(Bucket=physical)

    def owned(self, target: Target, prefix: str, known: frozenset[str] = frozenset()
              ) -> Iterator[tuple[str, dict[str, str]]]:
        s3 = target.client("s3")
        for bucket in s3.list_buckets().get("Buckets", []):
            if bucket["Name"].startswith(prefix) and bucket["Name"] not in known:
                try:
                    tags = {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=bucket["Name"])["TagSet"]}
                except ClientError:
                    tags = {}
                yield bucket["Name"], tags


def _normalized_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """A lifecycle rule as the spec writes it (S3 may answer with Prefix outside Filter, and extra keys)."""
    prefix = rule.get("Filter", {}).get("Prefix", rule.get("Prefix", ""))
    normalized: dict[str, Any] = {"ID": rule.get("ID"), "Filter": {"Prefix": prefix}, "Status": rule.get("Status")}
    if rule.get("Transitions"):
        normalized["Transitions"] = [{"Days": t["Days"], "StorageClass": t["StorageClass"]}
                                     for t in rule["Transitions"]]
    if rule.get("Expiration", {}).get("Days"):
        normalized["Expiration"] = {"Days": rule["Expiration"]["Days"]}
    if rule.get("NoncurrentVersionExpiration", {}).get("NoncurrentDays"):
        normalized["NoncurrentVersionExpiration"] = {
            "NoncurrentDays": rule["NoncurrentVersionExpiration"]["NoncurrentDays"]}
    if rule.get("AbortIncompleteMultipartUpload", {}).get("DaysAfterInitiation"):
        normalized["AbortIncompleteMultipartUpload"] = {
            "DaysAfterInitiation": rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"]}
    return normalized


# --- Lambda functions ----------------------------------------------------------------------------------------
class FunctionHandler(Handler):
    kind = "function"
    CONFIG_FIELDS = frozenset({"runtime", "handler", "memory_mb", "timeout_s", "description", "environment", "role",
                               "log_group"})

    def read(self, target: Target, spec: Spec) -> Live | None:
        lambda_ = target.client("lambda")
        try:
            config = lambda_.get_function_configuration(FunctionName=spec.physical)
        except ClientError as error:
            if _missing(error, "ResourceNotFoundException"):
                return None
            raise
        tags = lambda_.list_tags(Resource=config["FunctionArn"]).get("Tags", {})
        return Live({
            "runtime": config.get("Runtime"),
            "handler": config.get("Handler"),
            "memory_mb": config.get("MemorySize"),
            "timeout_s": config.get("Timeout"),
            "description": config.get("Description", ""),
            "environment": dict(sorted(config.get("Environment", {}).get("Variables", {}).items())),
            "role": config.get("Role"),
            "log_group": config.get("LoggingConfig", {}).get("LogGroup", f"/aws/lambda/{spec.physical}"),
            "code_sha256": config.get("CodeSha256"),
        }, tags)

    def _configuration(self, spec: Spec) -> dict[str, Any]:
        props = spec.props
        return {"FunctionName": spec.physical, "Runtime": props["runtime"], "Handler": props["handler"],
                "MemorySize": props["memory_mb"], "Timeout": props["timeout_s"], "Description": props["description"],
                "Environment": {"Variables": props["environment"]}, "Role": props["role"],
                "LoggingConfig": {"LogFormat": "Text", "LogGroup": props["log_group"]}}

    def _settled(self, target: Target, name: str) -> bool:
        config = target.client("lambda").get_function_configuration(FunctionName=name)
        if config.get("State") == "Failed" or config.get("LastUpdateStatus") == "Failed":
            reason = config.get("StateReason") or config.get("LastUpdateStatusReason") or "no reason given"
            raise RuntimeError(f"function {name} failed: {reason}")
        return config.get("State") == "Active" and config.get("LastUpdateStatus") in (None, "Successful")

    def create(self, target: Target, spec: Spec, tags: dict[str, str]) -> None:
        assert spec.artifact is not None
        target.client("lambda").create_function(**self._configuration(spec), Code={
            "ZipFile": spec.artifact.read_bytes()}, Tags=tags)
        _wait(lambda: self._settled(target, spec.physical), f"creating function {spec.physical}")

    def update(self, target: Target, spec: Spec, fields: set[str], tags: dict[str, str]) -> None:
        lambda_ = target.client("lambda")
        if "code_sha256" in fields:
            assert spec.artifact is not None
            lambda_.update_function_code(FunctionName=spec.physical, ZipFile=spec.artifact.read_bytes())
            _wait(lambda: self._settled(target, spec.physical), f"updating the code of {spec.physical}")
        if fields & self.CONFIG_FIELDS:
            lambda_.update_function_configuration(**self._configuration(spec))
            _wait(lambda: self._settled(target, spec.physical), f"updating function {spec.physical}")
        config = lambda_.get_function_configuration(FunctionName=spec.physical)
        lambda_.tag_resource(Resource=config["FunctionArn"], Tags=tags)

    def delete(self, target: Target, physical: str) -> None:
        target.client("lambda").delete_function(FunctionName=physical)

    def owned(self, target: Target, prefix: str, known: frozenset[str] = frozenset()
              ) -> Iterator[tuple[str, dict[str, str]]]:
        lambda_ = target.client("lambda")
        for page in lambda_.get_paginator("list_functions").paginate():
            for function in page["Functions"]:
                if function["FunctionName"].startswith(prefix) and function["FunctionName"] not in known:
                    yield function["FunctionName"], lambda_.list_tags(Resource=function["FunctionArn"]).get("Tags", {})


# --- Step Functions state machines ---------------------------------------------------------------------------
class StateMachineHandler(Handler):
    kind = "state-machine"

    @staticmethod
    def arn(target: Target, name: str) -> str:
        place = target.place
        return f"arn:{place.partition}:states:{place.region}:{place.account}:stateMachine:{name}"

    def read(self, target: Target, spec: Spec) -> Live | None:
        sfn, machine_arn = target.client("stepfunctions"), self.arn(target, spec.physical)
        try:
            machine = sfn.describe_state_machine(stateMachineArn=machine_arn)
        except ClientError as error:
            if _missing(error, "StateMachineDoesNotExist"):
                return None
            raise
        logging = machine.get("loggingConfiguration") or {}
        destinations = logging.get("destinations") or []
        tags = sfn.list_tags_for_resource(resourceArn=machine_arn).get("tags", [])
        return Live({
            "definition": json.loads(machine["definition"]),
            "role": machine["roleArn"],
            "logging": {"level": logging.get("level"), "include_execution_data": logging.get("includeExecutionData",
                                                                                             False),
                        "log_group": destinations[0]["cloudWatchLogsLogGroup"]["logGroupArn"]}
            if destinations else None,
            # LocalStack accepts X-Ray tracing but does not report it back: what cannot be read is taken as set.
            "tracing": machine["tracingConfiguration"].get("enabled", False) if "tracingConfiguration" in machine
            else spec.props["tracing"],
        }, {t["key"]: t["value"] for t in tags})

    @staticmethod
    def _settings(spec: Spec) -> dict[str, Any]:
        props = spec.props
        settings: dict[str, Any] = {"definition": json.dumps(props["definition"]), "roleArn": props["role"],
                                    "tracingConfiguration": {"enabled": props["tracing"]}}
        logging = props["logging"]
        settings["loggingConfiguration"] = {
            "level": logging["level"], "includeExecutionData": logging["include_execution_data"],
            "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": logging["log_group"]}}],
        } if logging else {"level": "OFF"}
        return settings

    def create(self, target: Target, spec: Spec, tags: dict[str, str]) -> None:
        target.client("stepfunctions").create_state_machine(
            name=spec.physical, type="STANDARD", tags=[{"key": k, "value": v} for k, v in tags.items()],
            **self._settings(spec))

    def update(self, target: Target, spec: Spec, fields: set[str], tags: dict[str, str]) -> None:
        sfn, machine_arn = target.client("stepfunctions"), self.arn(target, spec.physical)
        sfn.update_state_machine(stateMachineArn=machine_arn, **self._settings(spec))
        sfn.tag_resource(resourceArn=machine_arn, tags=[{"key": k, "value": v} for k, v in tags.items()])

    def delete(self, target: Target, physical: str) -> None:
        target.client("stepfunctions").delete_state_machine(stateMachineArn=self.arn(target, physical))

    def owned(self, target: Target, prefix: str, known: frozenset[str] = frozenset()
              ) -> Iterator[tuple[str, dict[str, str]]]:
        sfn = target.client("stepfunctions")
        for page in sfn.get_paginator("list_state_machines").paginate():
            for machine in page["stateMachines"]:
                if machine["name"].startswith(prefix) and machine["name"] not in known:
                    tags = sfn.list_tags_for_resource(resourceArn=machine["stateMachineArn"]).get("tags", [])
                    yield machine["name"], {t["key"]: t["value"] for t in tags}


# --- Cognito user pools and clients --------------------------------------------------------------------------
def client_name(physical: str) -> str:
    return physical.partition("/")[2]


def find_user_pool(target: Target, name: str) -> dict[str, Any] | None:
    cognito = target.client("cognito-idp")
    for page in cognito.get_paginator("list_user_pools").paginate(MaxResults=60):
        for pool in page["UserPools"]:
            if pool["Name"] == name:
                return pool
    return None


class UserPoolHandler(Handler):
    kind = "user-pool"
    replace_fields = frozenset({"username_attributes"})

    def read(self, target: Target, spec: Spec) -> Live | None:
        found = find_user_pool(target, spec.physical)
        if found is None:
            return None
        pool = target.client("cognito-idp").describe_user_pool(UserPoolId=found["Id"])["UserPool"]
        policy = pool.get("Policies", {}).get("PasswordPolicy", {})
        return Live({
            "username_attributes": sorted(pool.get("UsernameAttributes", [])),
            "auto_verify_email": "email" in pool.get("AutoVerifiedAttributes", []),
            "self_sign_up": not pool.get("AdminCreateUserConfig", {}).get("AllowAdminCreateUserOnly", False),
            "mfa": pool.get("MfaConfiguration", "OFF"),
            "password_policy": {k: policy.get(k) for k in ("MinimumLength", "RequireLowercase", "RequireUppercase",
                                                           "RequireNumbers", "RequireSymbols",
                                                           "TemporaryPasswordValidityDays")},
        }, pool.get("UserPoolTags", {}))

    @staticmethod
    def _settings(spec: Spec) -> dict[str, Any]:
        props = spec.props
        return {"Policies": {"PasswordPolicy": props["password_policy"]},
                "AutoVerifiedAttributes": ["email"] if props["auto_verify_email"] else [],
                "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": not props["self_sign_up"]}}

    def _mfa(self, target: Target, pool_id: str, spec: Spec) -> None:
        mfa = spec.props["mfa"]
        target.client("cognito-idp").set_user_pool_mfa_config(
            UserPoolId=pool_id, MfaConfiguration=mfa,
            **({"SoftwareTokenMfaConfiguration": {"Enabled": True}} if mfa != "OFF" else {}))

    def create(self, target: Target, spec: Spec, tags: dict[str, str]) -> None:
        cognito = target.client("cognito-idp")
        pool = cognito.create_user_pool(PoolName=spec.physical, UsernameAttributes=spec.props["username_attributes"],
                                        UserPoolTags=tags, **self._settings(spec))["UserPool"]
        self._mfa(target, pool["Id"], spec)

    def update(self, target: Target, spec: Spec, fields: set[str], tags: dict[str, str]) -> None:
        cognito = target.client("cognito-idp")
        found = find_user_pool(target, spec.physical)
        assert found is not None
        cognito.update_user_pool(UserPoolId=found["Id"], UserPoolTags=tags, **self._settings(spec))
        self._mfa(target, found["Id"], spec)

    def delete(self, target: Target, physical: str) -> None:
        found = find_user_pool(target, physical)
        if found is not None:
            target.client("cognito-idp").delete_user_pool(UserPoolId=found["Id"])

    def owned(self, target: Target, prefix: str, known: frozenset[str] = frozenset()
              ) -> Iterator[tuple[str, dict[str, str]]]:
        cognito = target.client("cognito-idp")
        for page in cognito.get_paginator("list_user_pools").paginate(MaxResults=60):
            for pool in page["UserPools"]:
                if pool["Name"].startswith(prefix) and pool["Name"] not in known:
                    described = cognito.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]
                    yield pool["Name"], described.get("UserPoolTags", {})


class UserPoolClientHandler(Handler):
    """App clients carry no tags: they belong to the system that owns their pool."""

    kind = "user-pool-client"
    replace_fields = frozenset({"pool", "generate_secret"})
    taggable = False

    def _find(self, target: Target, spec: Spec) -> tuple[str, dict[str, Any]] | None:
        pool = find_user_pool(target, spec.props["pool"])
        if pool is None:
            return None
        cognito = target.client("cognito-idp")
        for page in cognito.get_paginator("list_user_pool_clients").paginate(UserPoolId=pool["Id"], MaxResults=60):
            for client in page["UserPoolClients"]:
                if client["ClientName"] == client_name(spec.physical):
                    return pool["Id"], client
        return None

    def read(self, target: Target, spec: Spec) -> Live | None:
        found = self._find(target, spec)
        if found is None:
            return None
        pool_id, summary = found
        client = target.client("cognito-idp").describe_user_pool_client(
            UserPoolId=pool_id, ClientId=summary["ClientId"])["UserPoolClient"]
        units = {"minutes": 1, "hours": 60, "days": 24 * 60}
        validity = client.get("TokenValidityUnits", {})

        def minutes(field: str, unit_field: str, default_unit: str) -> int | None:
            value = client.get(field)
            return value * units[validity.get(unit_field, default_unit)] if value is not None else None

        return Live({
            "pool": spec.props["pool"],
            "auth_flows": sorted(client.get("ExplicitAuthFlows", [])),
            "generate_secret": bool(client.get("ClientSecret")),
            "access_token_minutes": minutes("AccessTokenValidity", "AccessToken", "hours"),
            "id_token_minutes": minutes("IdTokenValidity", "IdToken", "hours"),
            "refresh_token_minutes": minutes("RefreshTokenValidity", "RefreshToken", "days"),
            "prevent_user_existence_errors": client.get("PreventUserExistenceErrors") == "ENABLED",
        })

    @staticmethod
    def _settings(spec: Spec) -> dict[str, Any]:
        props = spec.props
        return {"ExplicitAuthFlows": props["auth_flows"],
                "AccessTokenValidity": props["access_token_minutes"], "IdTokenValidity": props["id_token_minutes"],
                "RefreshTokenValidity": props["refresh_token_minutes"],
                "TokenValidityUnits": {"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "minutes"},
                "PreventUserExistenceErrors": "ENABLED" if props["prevent_user_existence_errors"] else "LEGACY"}

    def create(self, target: Target, spec: Spec, tags: dict[str, str]) -> None:
        pool = find_user_pool(target, spec.props["pool"])
        assert pool is not None
        target.client("cognito-idp").create_user_pool_client(
            UserPoolId=pool["Id"], ClientName=client_name(spec.physical), GenerateSecret=spec.props["generate_secret"],
            **self._settings(spec))

    def update(self, target: Target, spec: Spec, fields: set[str], tags: dict[str, str]) -> None:
        found = self._find(target, spec)
        assert found is not None
        target.client("cognito-idp").update_user_pool_client(
            UserPoolId=found[0], ClientId=found[1]["ClientId"], ClientName=client_name(spec.physical),
            **self._settings(spec))

    def delete(self, target: Target, physical: str) -> None:
        # ``physical`` is "pool-physical-name/client-name" for clients found by discovery.
        pool_name, _, client_name = physical.partition("/")
        pool = find_user_pool(target, pool_name)
        if pool is None:
            return
        cognito = target.client("cognito-idp")
        for client in cognito.list_user_pool_clients(UserPoolId=pool["Id"], MaxResults=60)["UserPoolClients"]:
            if client["ClientName"] == client_name:
                cognito.delete_user_pool_client(UserPoolId=pool["Id"], ClientId=client["ClientId"])

    def owned(self, target: Target, prefix: str, known: frozenset[str] = frozenset()
              ) -> Iterator[tuple[str, dict[str, str]]]:
        """Clients of the pools the prefix names, with their pool's tags (deleting a pool deletes its clients)."""
        cognito = target.client("cognito-idp")
        for page in cognito.get_paginator("list_user_pools").paginate(MaxResults=60):
            for pool in page["UserPools"]:
                if not pool["Name"].startswith(prefix):
                    continue
                names = [f"{pool['Name']}/{c['ClientName']}" for client_page in cognito.get_paginator(
                    "list_user_pool_clients").paginate(UserPoolId=pool["Id"], MaxResults=60)
                    for c in client_page["UserPoolClients"]]
                unknown = [name for name in names if name not in known]
                if unknown:
                    tags = cognito.describe_user_pool(UserPoolId=pool["Id"])["UserPool"].get("UserPoolTags", {})
                    yield from ((name, tags) for name in unknown)


HANDLERS: dict[str, Handler] = {h.kind: h for h in (
    RoleHandler(), LogGroupHandler(), TableHandler(), BucketHandler(), FunctionHandler(), StateMachineHandler(),
    UserPoolHandler(), UserPoolClientHandler())}
