"""One writer at a time, and no false "up to date", against the embedded LocalStack: two ``up`` processes at once
make one user pool and one client; a SIGKILLed ``up`` blocks no one; duplicates made behind oratio's back are drift
that ``up`` repairs (or refuses, when the duplicate holds users); a Failed function is shown and repaired; and
security drift (extra role policies, public bucket policy statements and ACL grants, Lambda permissions and
function URLs) is shown and removed."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest

from oratio.backends.localstack import Action, Target, outputs, preview, up
from oratio.backends.localstack.lock import lock_path
from oratio.errors import OratioError
from oratio.model import AppClient, Bucket, Function, Retention, System, UserPool
from oratio.testing.strategies import FUNCTION_CODE

pytestmark = pytest.mark.localstack
ROOT = Path(__file__).resolve().parents[3]


def zipped(path: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.write(path, path.name)
    return buffer.getvalue()


def pools_named(target: Target, name: str) -> list[str]:
    return [p["Id"] for p in target.client("cognito-idp").list_user_pools(MaxResults=60)["UserPools"]
            if p["Name"] == name]


def clients_named(target: Target, pool_id: str, name: str) -> list[str]:
    return [c["ClientId"] for c in target.client("cognito-idp").list_user_pool_clients(
        UserPoolId=pool_id, MaxResults=60)["UserPoolClients"] if c["ClientName"] == name]


@pytest.fixture
def pool_project(tmp_path: Path) -> Path:
    (tmp_path / "hsinfra.py").write_text(textwrap.dedent("""
        from oratio.model import AppClient, Retention, System, UserPool

        def system(stage):
            return System("hsrace", stage, user_pools=[UserPool("members", clients=[AppClient("web")],
                                                                 retention=Retention.DESTROY)])
    """))
    return tmp_path


def start_up(project: Path, target: Target, stage: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, str(ROOT / "app.py"), "up", "--system", "hsinfra:system", "--stage",
                             stage], cwd=project, env={**os.environ, "LOCALSTACK_ENDPOINT": target.endpoint},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_two_concurrent_ups_make_one_pool_and_one_client(target: Target, pool_project: Path) -> None:
    first, second = start_up(pool_project, target, "race"), start_up(pool_project, target, "race")
    outputs = [process.communicate(timeout=300)[0] for process in (first, second)]
    assert first.returncode == second.returncode == 0, outputs
    [pool_id] = pools_named(target, "hsrace-race-members")
    assert len(clients_named(target, pool_id, "web")) == 1
    assert sum("no changes: hsrace (race) is up to date" in output for output in outputs) == 1, outputs
    system = System("hsrace", "race", user_pools=[UserPool("members", clients=[AppClient("web")],
                                                           retention=Retention.DESTROY)])
    assert preview(target, system, project_root=ROOT).pending == ()
    target.client("cognito-idp").delete_user_pool(UserPoolId=pool_id)


def test_a_sigkilled_up_does_not_block_the_next(target: Target, pool_project: Path) -> None:
    killed = start_up(pool_project, target, "killed")
    path = lock_path(target.endpoint, "hsrace", "killed")
    deadline = time.monotonic() + 120
    while not (path.exists() and path.read_text().startswith("up")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert path.read_text().startswith("up (pid"), "the first up never took the lock"
    killed.send_signal(signal.SIGKILL)
    killed.wait(timeout=30)
    started = time.monotonic()
    after = start_up(pool_project, target, "killed")
    output = after.communicate(timeout=300)[0]
    assert after.returncode == 0, output
    assert "waiting for another" not in output and time.monotonic() - started < 60
    [pool_id] = pools_named(target, "hsrace-killed-members")
    assert len(clients_named(target, pool_id, "web")) == 1
    target.client("cognito-idp").delete_user_pool(UserPoolId=pool_id)


def test_duplicate_pools_and_clients_are_drift_that_up_repairs(target: Target) -> None:
    system = System("hsdup", "dev", user_pools=[UserPool("members", clients=[AppClient("web")],
                                                         retention=Retention.DESTROY)])
    up(target, system, project_root=ROOT)
    cognito, name = target.client("cognito-idp"), "hsdup-dev-members"
    [kept] = pools_named(target, name)
    time.sleep(1.1)  # Cognito's creation dates are in seconds: the duplicates are younger, as a race's would be
    extra_pool = cognito.create_user_pool(PoolName=name)["UserPool"]["Id"]
    cognito.create_user_pool_client(UserPoolId=kept, ClientName="web")

    plan = preview(target, system, project_root=ROOT)
    # Which of two "web" clients is kept: the oldest, but LocalStack's (moto's) clients have no CreationDate, so
    # the lowest id; the other one's settings may then differ from the model too.
    changes = {c.kind: c for c in plan.pending}
    assert (changes["user-pool"].action, tuple(changes["user-pool"].fields)) == (Action.UPDATE, ("duplicates",))
    assert changes["user-pool"].fields["duplicates"] == ([extra_pool], [])
    assert changes["user-pool-client"].action is Action.UPDATE and "duplicates" in changes["user-pool-client"].fields
    assert set(changes) == {"user-pool", "user-pool-client"}
    up(target, system, project_root=ROOT)
    assert pools_named(target, name) == [kept] and len(clients_named(target, kept, "web")) == 1
    assert outputs(target, system)["user_pools"]["members"] == {"id": kept, "clients": {
        "web": clients_named(target, kept, "web")[0]}}
    assert preview(target, system, project_root=ROOT).pending == ()

    extra_pool = cognito.create_user_pool(PoolName=name)["UserPool"]["Id"]
    cognito.admin_create_user(UserPoolId=extra_pool, Username="someone")
    with pytest.raises(OratioError, match=f"another user pool named {name} .* holds 1 user"):
        up(target, system, project_root=ROOT)
    assert sorted(pools_named(target, name)) == sorted([kept, extra_pool])
    for pool_id in (kept, extra_pool):
        cognito.delete_user_pool(UserPoolId=pool_id)


@pytest.fixture(scope="module")
def with_function(target: Target) -> System:
    system = System("hsfn", "dev", functions=[Function("work", code=FUNCTION_CODE, handler="handler.lambda_handler")],
                    buckets=[Bucket("files", retention=Retention.DESTROY)])
    up(target, system, project_root=ROOT)
    return system


def test_a_failed_function_is_shown_and_repaired(target: Target, with_function: System) -> None:
    lambda_, name = target.client("lambda"), with_function.physical_name(with_function.functions[0])
    lambda_.update_function_configuration(FunctionName=name, Runtime="java21")  # no Java here: the update fails
    deadline = time.monotonic() + 60
    while lambda_.get_function_configuration(FunctionName=name).get("LastUpdateStatus") == "InProgress" and \
            time.monotonic() < deadline:
        time.sleep(0.1)
    assert lambda_.get_function_configuration(FunctionName=name)["LastUpdateStatus"] == "Failed"

    plan = preview(target, with_function, project_root=ROOT)
    [change] = plan.pending
    assert change.kind == "function" and "health" in change.fields
    assert "unhealthy: LastUpdateStatus Failed" in plan.render()
    up(target, with_function, project_root=ROOT)
    config = lambda_.get_function_configuration(FunctionName=name)
    assert (config["State"], config["LastUpdateStatus"], config["Runtime"]) == (
        "Active", "Successful", with_function.functions[0].runtime.value)
    final = preview(target, with_function, project_root=ROOT)
    assert final.pending == () and "no changes" in final.render()


def test_a_function_whose_create_failed_is_never_up_to_date(target: Target) -> None:
    """The issue's "every function State=Failed, and a second up printed up to date": a function made again behind
    oratio's back with a runtime that has no program here is Failed at creation. Preview shows it; up makes it again
    or fails saying what is wrong (this LocalStack can neither update nor delete a function whose creation failed:
    "Unable to find version manager"), and is never "up to date" while it stays so."""
    system = System("hsjava", f"t{int(time.time())}", functions=[Function(
        "work", code=FUNCTION_CODE, handler="handler.lambda_handler")])
    name = system.physical_name(system.functions[0])
    up(target, system, project_root=ROOT)
    lambda_ = target.client("lambda")
    role = lambda_.get_function_configuration(FunctionName=name)["Role"]
    lambda_.delete_function(FunctionName=name)
    lambda_.create_function(FunctionName=name, Runtime="java21", Handler="x", Role=role,
                            Code={"ZipFile": zipped(ROOT / FUNCTION_CODE / "handler.py")},
                            Tags={"oratio:system": system.name, "oratio:stage": system.stage})
    deadline = time.monotonic() + 60
    while lambda_.get_function_configuration(FunctionName=name)["State"] == "Pending" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert lambda_.get_function_configuration(FunctionName=name)["State"] == "Failed"
    plan = preview(target, system, project_root=ROOT)
    assert "unhealthy: State Failed: " in plan.render() and [c.kind for c in plan.pending] == ["function"]
    try:
        _, applied = up(target, system, project_root=ROOT)
    except OratioError as error:  # what this LocalStack does: the run fails, naming the function and why
        assert str(error).startswith(f"update function {name} failed: ")
        assert preview(target, system, project_root=ROOT).pending != ()
    else:  # what Lambda does: the function is made again, healthy
        assert [a.change.kind for a in applied] == ["function"]
        assert lambda_.get_function_configuration(FunctionName=name)["State"] == "Active"
        assert preview(target, system, project_root=ROOT).pending == ()


def test_security_drift_is_shown_and_removed(target: Target, with_function: System) -> None:
    iam, s3, lambda_ = target.client("iam"), target.client("s3"), target.client("lambda")
    function = with_function.physical_name(with_function.functions[0])
    role = lambda_.get_function_configuration(FunctionName=function)["Role"].rsplit("/", 1)[1]
    bucket = with_function.bucket_name(with_function.buckets[0], target.place.account)
    iam.put_role_policy(RoleName=role, PolicyName="backdoor", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    iam.attach_role_policy(RoleName=role, PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    policy["Statement"].append({"Sid": "public-read", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                                "Resource": f"arn:aws:s3:::{bucket}/*"})
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    s3.put_bucket_acl(Bucket=bucket, ACL="public-read-write")
    lambda_.add_permission(FunctionName=function, StatementId="anyone", Action="lambda:InvokeFunction",
                           Principal="*")
    lambda_.create_function_url_config(FunctionName=function, AuthType="NONE")

    plan = preview(target, with_function, project_root=ROOT)
    drifted = {(c.kind, field) for c in plan.pending for field in c.fields}
    assert drifted == {("role", "other_inline_policies"), ("role", "attached_policies"),
                       ("bucket", "other_policy_statements"), ("bucket", "acl_grants"),
                       ("function", "permissions"), ("function", "url")}
    assert all(c.drift for c in plan.pending)
    text = plan.render()
    for shown in ("backdoor", "AdministratorAccess", 'public-read: Allow \\"s3:GetObject\\" for \\"*\\"',
                  "READ to http://acs.amazonaws.com/groups/global/AllUsers", "WRITE to",
                  "anyone: lambda:InvokeFunction for *", '"auth": "NONE"'):
        assert shown in text, shown

    up(target, with_function, project_root=ROOT)
    assert iam.list_role_policies(RoleName=role)["PolicyNames"] == ["model"]
    assert iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"] == []
    assert [s["Sid"] for s in json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])["Statement"]] == [
        "oratio-deny-plain-http"]
    assert [g["Permission"] for g in s3.get_bucket_acl(Bucket=bucket)["Grants"]] == ["FULL_CONTROL"]
    with pytest.raises(lambda_.exceptions.ResourceNotFoundException):
        lambda_.get_policy(FunctionName=function)
    with pytest.raises(lambda_.exceptions.ResourceNotFoundException):
        lambda_.get_function_url_config(FunctionName=function)
    assert preview(target, with_function, project_root=ROOT).pending == ()
