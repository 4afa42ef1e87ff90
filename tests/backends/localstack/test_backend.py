"""The LocalStack backend against the embedded LocalStack: the platform comes up with the model's properties
(read back with boto3, compared with the model), a second up changes nothing, one model change updates
exactly one resource, changes made behind our back show as drift, and destroy keeps retained data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs
import pytest

from oratio.backends.localstack import Action, Target, destroy, preview, up
from oratio.model import Bucket, Encryption, Key, Retention, System, Table
from oratio.model.permissions import arn, function_statements
from oratio.platform import platform

pytestmark = pytest.mark.localstack
PROJECT_ROOT = Path(__file__).resolve().parents[3]
STAGE = "lsbackend"


@pytest.fixture(scope="module")
def target(localstack: Any) -> Target:
    return Target(localstack.url)


@pytest.fixture(scope="module")
def system() -> System:
    return platform(STAGE)


@pytest.fixture(scope="module")
def deployed(target: Target, system: System) -> System:
    up(target, system, project_root=PROJECT_ROOT)
    return system


def test_every_table_has_the_models_keys_indexes_and_recovery(target: Target, deployed: System) -> None:
    ddb = target.client("dynamodb")
    for table in deployed.tables:
        described = ddb.describe_table(TableName=deployed.physical_name(table))["Table"]
        assert [(k["AttributeName"], k["KeyType"]) for k in described["KeySchema"]] == [
            (k.name, role) for k, role in zip(table.keys, ("HASH", "RANGE"), strict=False)]
        assert {i["IndexName"]: [k["AttributeName"] for k in i["KeySchema"]]
                for i in described.get("GlobalSecondaryIndexes", [])} == {
            i.name: [k.name for k in i.keys] for i in table.global_indexes}
        assert described["BillingModeSummary"]["BillingMode"] == table.billing.value
        backups = ddb.describe_continuous_backups(TableName=deployed.physical_name(table))
        status = backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"]
        assert status == ("ENABLED" if table.point_in_time_recovery else "DISABLED")
        tags = {t["Key"]: t["Value"] for t in ddb.list_tags_of_resource(ResourceArn=described["TableArn"])["Tags"]}
        assert tags["oratio:system"] == deployed.name and tags["oratio:stage"] == STAGE


def test_every_bucket_has_the_models_versioning_encryption_and_lifecycle(target: Target, deployed: System) -> None:
    s3 = target.client("s3")
    for bucket in deployed.buckets:
        name = deployed.bucket_name(bucket, target.place.account)
        assert (s3.get_bucket_versioning(Bucket=name).get("Status") == "Enabled") == bucket.versioned
        rules = s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]["Rules"]
        assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == {
            Encryption.S3_MANAGED: "AES256", Encryption.KMS_MANAGED: "aws:kms"}[bucket.encryption]
        assert all(s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"].values())
        policy = json.loads(s3.get_bucket_policy(Bucket=name)["Policy"])
        assert policy["Statement"][0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        if bucket.lifecycle_rules:
            lifecycle = s3.get_bucket_lifecycle_configuration(Bucket=name)["Rules"]
            assert [r["ID"] for r in lifecycle] == [r.id for r in bucket.lifecycle_rules]


def test_every_function_has_the_models_settings_and_least_privilege_role(target: Target, deployed: System) -> None:
    lambda_, iam = target.client("lambda"), target.client("iam")
    names = deployed.physical_names(target.place.account)
    for function in deployed.functions:
        config = lambda_.get_function_configuration(FunctionName=deployed.physical_name(function))
        assert (config["Runtime"], config["Handler"], config["MemorySize"], config["Timeout"]) == (
            function.runtime.value, function.handler, function.memory_mb, function.timeout_s)
        assert config["Environment"]["Variables"] == deployed.environment(function, names)
        role_name = config["Role"].rsplit("/", 1)[1]
        document = iam.get_role_policy(RoleName=role_name, PolicyName="model")["PolicyDocument"]
        document = json.loads(document) if isinstance(document, str) else document
        assert [(sorted(s["Action"]), s["Resource"]) for s in document["Statement"]] == [
            (sorted(s.actions), [arn(r, deployed, target.place) for r in s.resources])
            for s in function_statements(function)]


def test_the_state_machine_runs_the_models_definition(target: Target, deployed: System) -> None:
    (workflow,) = deployed.workflows
    sfn = target.client("stepfunctions")
    machines = {m["name"]: m for m in sfn.list_state_machines()["stateMachines"]}
    machine = sfn.describe_state_machine(stateMachineArn=machines[deployed.physical_name(workflow)]["stateMachineArn"])
    definition = json.loads(machine["definition"])
    assert definition["StartAt"] == workflow.start
    assert set(definition["States"]) == {s.name for s in workflow.states}


def test_the_user_pool_and_its_client_exist(target: Target, deployed: System) -> None:
    (pool,) = deployed.user_pools
    cognito = target.client("cognito-idp")
    pools = cognito.list_user_pools(MaxResults=60)["UserPools"]
    found = [p for p in pools if p["Name"] == deployed.physical_name(pool)]
    assert len(found) == 1
    clients = cognito.list_user_pool_clients(UserPoolId=found[0]["Id"], MaxResults=60)["UserPoolClients"]
    assert [c["ClientName"] for c in clients] == [c.name for c in pool.clients]


def test_a_second_up_changes_nothing(target: Target, deployed: System) -> None:
    plan, applied = up(target, deployed, project_root=PROJECT_ROOT)
    assert applied == [] and plan.pending == ()
    assert plan.render().splitlines()[-1].strip().startswith("no changes")


def test_one_model_change_updates_exactly_that_resource(target: Target, deployed: System) -> None:
    function = deployed.function("kb-provisioner")
    changed = attrs.evolve(deployed, functions=[attrs.evolve(f, memory_mb=640) if f is function else f
                                                for f in deployed.functions])
    plan = preview(target, changed, project_root=PROJECT_ROOT)
    assert [(c.action, c.kind, c.name, set(c.fields)) for c in plan.pending] == [
        (Action.UPDATE, "function", "kb-provisioner", {"memory_mb"})]
    assert plan.pending[0].fields["memory_mb"] == (512, 640) and not plan.pending[0].drift
    up(target, changed, project_root=PROJECT_ROOT)
    config = target.client("lambda").get_function_configuration(FunctionName=deployed.physical_name(function))
    assert config["MemorySize"] == 640
    up(target, deployed, project_root=PROJECT_ROOT)  # back to the model of the other tests


def test_a_change_behind_our_back_shows_as_drift(target: Target, deployed: System) -> None:
    bucket = deployed.bucket("generated-code")
    name = deployed.bucket_name(bucket, target.place.account)
    target.client("s3").put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Suspended"})
    plan = preview(target, deployed, project_root=PROJECT_ROOT)
    assert [(c.action, c.name, c.fields, c.drift) for c in plan.pending] == [
        (Action.UPDATE, "generated-code", {"versioned": (False, True)}, True)]
    assert "drift: changed outside oratio" in plan.render()
    up(target, deployed, project_root=PROJECT_ROOT)
    assert target.client("s3").get_bucket_versioning(Bucket=name)["Status"] == "Enabled"


def test_destroy_keeps_retained_tables_and_buckets_with_their_data(target: Target) -> None:
    kept, scratch = Table("kept", Key("id")), Table("scratch", Key("id"), retention=Retention.DESTROY)
    files, temp = Bucket("files"), Bucket("temp", retention=Retention.DESTROY)
    system = System("lsdestroy", "dev", tables=[kept, scratch], buckets=[files, temp])
    up(target, system, project_root=PROJECT_ROOT)
    ddb, s3 = target.client("dynamodb"), target.client("s3")
    bucket_names = {b.name: system.bucket_name(b, target.place.account) for b in (files, temp)}
    ddb.put_item(TableName=system.physical_name(kept), Item={"id": {"S": "precious"}})
    for name in bucket_names.values():
        s3.put_object(Bucket=name, Key="report.txt", Body=b"keep me")
    plan, _ = destroy(target, system)
    assert {(c.action, c.physical) for c in plan.changes} == {
        (Action.RETAIN, system.physical_name(kept)), (Action.DELETE, system.physical_name(scratch)),
        (Action.RETAIN, bucket_names["files"]), (Action.DELETE, bucket_names["temp"])}
    assert system.physical_name(scratch) not in ddb.list_tables()["TableNames"]
    assert ddb.get_item(TableName=system.physical_name(kept), Key={"id": {"S": "precious"}})["Item"] == {
        "id": {"S": "precious"}}
    assert bucket_names["temp"] not in {b["Name"] for b in s3.list_buckets()["Buckets"]}
    assert s3.get_object(Bucket=bucket_names["files"], Key="report.txt")["Body"].read() == b"keep me"
