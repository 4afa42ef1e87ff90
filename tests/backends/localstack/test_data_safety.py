"""The plan's data rules against the embedded LocalStack (issue 12's cases, each reproduced with real boto3 changes):
a replacement that loses data is shown, measured and refused before any change until ``--replace``; a user pool
update keeps its users and its sign-in; what exists without this system's tags and holds data is "exists, not owned"
and never taken over or destroyed without ``--adopt``, while an empty one (an interrupted create) is adopted; and
``--preview --destroy`` destroys nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from oratio.backends.localstack import Action, Allow, Target, destroy, preview, preview_destroy, up
from oratio.errors import OratioError
from oratio.model import Bucket, Key, PasswordPolicy, Retention, SignInAlias, System, Table, UserPool

pytestmark = pytest.mark.localstack
ROOT = Path(__file__).resolve().parents[3]


def test_a_key_change_on_a_retained_table_with_an_item_is_refused_until_replace(target: Target) -> None:
    before = System("dskey", "dev", tables=[Table("keep", Key("id"))])
    after = System("dskey", "dev", tables=[Table("keep", Key("pk"))])
    name = before.physical_name(before.tables[0])
    up(target, before, project_root=ROOT)
    ddb = target.client("dynamodb")
    ddb.put_item(TableName=name, Item={"id": {"S": "precious"}})

    plan = preview(target, after, project_root=ROOT)
    [change] = plan.pending
    assert (change.action, change.loss, [g.flag for g in change.blocked]) == (Action.REPLACE, "1 item", ["--replace"])
    assert "!! table keep: 1 item would be deleted" in plan.render()

    with pytest.raises(OratioError) as refused:
        up(target, after, project_root=ROOT)
    assert str(refused.value).splitlines()[0].startswith("up refused, nothing was changed: table keep: 1 item would "
                                                         "be deleted")
    assert "--replace keep" in str(refused.value)
    assert ddb.describe_table(TableName=name)["Table"]["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert ddb.scan(TableName=name)["Count"] == 1

    plan, applied = up(target, after, project_root=ROOT, allow=Allow(replace=frozenset({"keep"})))
    assert [a.change.action for a in applied] == [Action.REPLACE]
    assert "1 item will be deleted" in plan.render() and "allowed by --replace keep" in plan.render()
    assert ddb.describe_table(TableName=name)["Table"]["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    assert ddb.scan(TableName=name)["Count"] == 0
    assert preview(target, after, project_root=ROOT).pending == ()
    destroy(target, System("dskey", "dev", tables=[Table("keep", Key("pk"), retention=Retention.DESTROY)]))
    ddb.delete_table(TableName=name)


def test_a_user_pool_update_keeps_its_users_and_the_next_preview_is_clean(target: Target) -> None:
    pool = UserPool("members", sign_in_aliases=(SignInAlias.EMAIL,))
    before = System("dspool", "dev", user_pools=[pool])
    after = System("dspool", "dev", user_pools=[UserPool("members", sign_in_aliases=(SignInAlias.EMAIL,),
                                                         password_policy=PasswordPolicy(min_length=16))])
    up(target, before, project_root=ROOT)
    cognito = target.client("cognito-idp")
    pool_id = next(p["Id"] for p in cognito.list_user_pools(MaxResults=60)["UserPools"]
                   if p["Name"] == before.physical_name(pool))
    cognito.admin_create_user(UserPoolId=pool_id, Username="ada@example.com")

    _, applied = up(target, after, project_root=ROOT)
    assert [(a.change.action, set(a.change.fields)) for a in applied] == [(Action.UPDATE, {"password_policy"})]
    described = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert described["UsernameAttributes"] == ["email"]
    assert described["Policies"]["PasswordPolicy"]["MinimumLength"] == 16
    assert preview(target, after, project_root=ROOT).pending == ()
    assert len(cognito.list_users(UserPoolId=pool_id)["Users"]) == 1
    cognito.delete_user_pool(UserPoolId=pool_id)


def test_an_untagged_table_holding_an_item_is_not_owned_until_adopted(target: Target) -> None:
    system = System("dsadopt", "dev", tables=[Table("notes", Key("id"))])
    name = system.physical_name(system.tables[0])
    ddb = target.client("dynamodb")
    ddb.create_table(TableName=name, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST")
    ddb.put_item(TableName=name, Item={"id": {"S": "made by hand"}})

    plan = preview(target, system, project_root=ROOT)
    [change] = plan.pending
    assert change.unowned and [g.flag for g in change.blocked] == ["--adopt"]
    assert "(exists, not owned: no oratio tags)" in plan.render()
    with pytest.raises(OratioError, match="up refused, nothing was changed: table notes: exists, not owned"):
        up(target, system, project_root=ROOT)
    arn = ddb.describe_table(TableName=name)["Table"]["TableArn"]
    assert ddb.list_tags_of_resource(ResourceArn=arn).get("Tags", []) == []

    up(target, system, project_root=ROOT, allow=Allow(adopt=frozenset({"notes"})))
    tags = {t["Key"]: t["Value"] for t in ddb.list_tags_of_resource(ResourceArn=arn)["Tags"]}
    assert (tags["oratio:system"], tags["oratio:stage"]) == ("dsadopt", "dev")
    assert ddb.scan(TableName=name)["Count"] == 1
    assert preview(target, system, project_root=ROOT).pending == ()
    ddb.delete_table(TableName=name)


def test_an_untagged_bucket_holding_an_object_is_neither_adopted_nor_destroyed(target: Target) -> None:
    system = System("dsbucket", "dev", buckets=[Bucket("files", retention=Retention.DESTROY)])
    name = system.bucket_name(system.buckets[0], target.place.account)
    s3 = target.client("s3")
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="report.txt", Body=b"mine")
    with pytest.raises(OratioError, match=r"bucket files: exists, not owned .* holds 1 object"):
        up(target, system, project_root=ROOT)
    plan, applied = destroy(target, system)
    assert applied == [] and plan.changes == ()
    assert s3.get_object(Bucket=name, Key="report.txt")["Body"].read() == b"mine"
    s3.delete_object(Bucket=name, Key="report.txt")
    s3.delete_bucket(Bucket=name)


def test_an_empty_untagged_bucket_is_an_interrupted_create_and_is_adopted(target: Target) -> None:
    """A bucket is tagged just after CreateBucket: an up killed in between leaves it untagged and empty."""
    system = System("dsempty", "dev", buckets=[Bucket("files", retention=Retention.DESTROY)])
    name = system.bucket_name(system.buckets[0], target.place.account)
    s3 = target.client("s3")
    s3.create_bucket(Bucket=name)
    plan, _ = up(target, system, project_root=ROOT)
    assert "note: exists without oratio tags and empty (an interrupted create): adopted" in plan.render()
    tags = {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=name)["TagSet"]}
    assert tags["oratio:system"] == "dsempty"
    assert preview(target, system, project_root=ROOT).pending == ()
    destroy(target, system)
    assert name not in {b["Name"] for b in s3.list_buckets()["Buckets"]}


def test_deleting_a_table_with_data_that_left_the_model_needs_force_delete(target: Target) -> None:
    """A table renamed in the model is a deletion and a creation: its items are not lost without a flag."""
    before = System("dsrename", "dev", tables=[Table("old", Key("id"), retention=Retention.DESTROY)])
    after = System("dsrename", "dev", tables=[Table("new", Key("id"), retention=Retention.DESTROY)])
    up(target, before, project_root=ROOT)
    ddb, old = target.client("dynamodb"), before.physical_name(before.tables[0])
    ddb.put_item(TableName=old, Item={"id": {"S": "x"}})
    with pytest.raises(OratioError, match="no longer in the model and holds 1 item"):
        up(target, after, project_root=ROOT)
    assert old in ddb.list_tables()["TableNames"]
    assert after.physical_name(after.tables[0]) not in ddb.list_tables()["TableNames"]
    up(target, after, project_root=ROOT, allow=Allow(force_delete=frozenset({old})))
    assert old not in ddb.list_tables()["TableNames"]
    plan = preview_destroy(target, after)
    assert [(c.action, c.loss) for c in plan.changes] == [(Action.DELETE, "0 items")]
    destroy(target, after)


def test_preview_with_destroy_destroys_nothing(target: Target, tmp_path: Path) -> None:
    """The design's ``--backend localstack --preview --destroy``, and ``oratio destroy --preview``, in a process."""
    (tmp_path / "dsinfra.py").write_text(textwrap.dedent("""
        from oratio.model import Key, Retention, System, Table

        def system(stage):
            return System("dspreview", stage, tables=[Table("scratch", Key("id"), retention=Retention.DESTROY)])
    """))
    env = {**os.environ, "LOCALSTACK_ENDPOINT": target.endpoint}
    common = ["--system", "dsinfra:system", "--stage", "dev"]

    def run(*arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, str(ROOT / "app.py"), *arguments, *common], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=300)

    assert run("up").returncode == 0
    table = "dspreview-dev-scratch"
    target.client("dynamodb").put_item(TableName=table, Item={"id": {"S": "x"}})
    for arguments in (("--backend", "localstack", "--preview", "--destroy"), ("destroy", "--preview")):
        result = run(*arguments)
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith("destroy of dspreview (dev)")
        assert "deleted with its data: 1 item" in result.stdout
        assert table in target.client("dynamodb").list_tables()["TableNames"]
    destroyed = run("destroy")
    assert destroyed.returncode == 0, destroyed.stderr
    assert f"deleted table {table} with its 1 item (retention DESTROY)" in destroyed.stdout
    assert table not in target.client("dynamodb").list_tables()["TableNames"]
