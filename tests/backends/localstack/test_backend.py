"""The LocalStack backend against the embedded LocalStack: a second up of the platform changes nothing, one model
change updates exactly one resource, changes made behind our back show as drift, and destroy keeps retained data.
(That each kind comes up with the model's properties is tested per provider, in ``providers/``.)"""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest

from oratio.backends.localstack import Action, Target, destroy, preview, up
from oratio.model import Bucket, Key, Retention, System, Table

pytestmark = pytest.mark.localstack
PROJECT_ROOT = Path(__file__).resolve().parents[3]


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
