"""One property across the backends (few examples: each deploys): for a generated system, what the LocalStack
backend creates, read back from LocalStack with plain boto3, is what the CDK backend's template says, for
tables, buckets, functions and the workflow."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import attrs
from hypothesis import HealthCheck, Phase, assume, given, settings

from oratio.backends.localstack import Target, destroy, up
from oratio.model import (
    Bucket,
    Encryption,
    Function,
    GlobalIndex,
    Key,
    LifecycleRule,
    Retention,
    System,
    Table,
    Transition,
    Workflow,
)
from oratio.model import rules as model_rules
from oratio.testing.strategies import FUNCTION_CODE, systems
from tests.backends.cdk import reader
from tests.properties.test_cdk_rendering import colliding_systems, render, resources, without_reasons

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _keys(schema: list[dict[str, str]], types: dict[str, str]) -> tuple[Key, Key | None]:
    by_role = {k["KeyType"]: Key(k["AttributeName"], types[k["AttributeName"]]) for k in schema}
    return by_role["HASH"], by_role.get("RANGE")


def localstack_tables(target: Target, system: System) -> list[Table]:
    ddb, found = target.client("dynamodb"), []
    for model in system.tables:
        table = ddb.describe_table(TableName=system.physical_name(model))["Table"]
        types = {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]}
        order = {index.name: position for position, index in enumerate(model.global_indexes)}
        throughput = table.get("ProvisionedThroughput", {})
        billing = table.get("BillingModeSummary", {}).get("BillingMode", "PROVISIONED")
        backups = ddb.describe_continuous_backups(TableName=table["TableName"])["ContinuousBackupsDescription"]
        ttl = ddb.describe_time_to_live(TableName=table["TableName"])["TimeToLiveDescription"]
        tags = {t["Key"]: t["Value"] for t in ddb.list_tags_of_resource(ResourceArn=table["TableArn"])["Tags"]}
        found.append(Table(
            model.name, *_keys(table["KeySchema"], types),
            # DynamoDB lists indexes in no particular order: take the model's.
            global_indexes=[GlobalIndex(i["IndexName"], *_keys(i["KeySchema"], types),
                                        i["Projection"]["ProjectionType"], i["Projection"].get("NonKeyAttributes", []))
                            for i in sorted(table.get("GlobalSecondaryIndexes", []), key=lambda i: order.get(
                                i["IndexName"], len(order)))],
            billing=billing,
            read_capacity=throughput.get("ReadCapacityUnits") if billing == "PROVISIONED" else None,
            write_capacity=throughput.get("WriteCapacityUnits") if billing == "PROVISIONED" else None,
            point_in_time_recovery=backups.get("PointInTimeRecoveryDescription", {}).get(
                "PointInTimeRecoveryStatus") == "ENABLED",
            retention=Retention.RETAIN if tags.get("oratio:retain") == "true" else Retention.DESTROY,
            ttl_attribute=ttl.get("AttributeName") if ttl.get("TimeToLiveStatus") == "ENABLED" else None,
            stream=table.get("StreamSpecification", {}).get("StreamViewType")))
    return found


def localstack_buckets(target: Target, system: System) -> list[Bucket]:
    s3, found = target.client("s3"), []
    for model in system.buckets:
        name = system.bucket_name(model, target.place.account)
        rules = s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]["Rules"]
        try:
            lifecycle = s3.get_bucket_lifecycle_configuration(Bucket=name)["Rules"]
        except s3.exceptions.ClientError:
            lifecycle = []
        try:
            block = all(s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"].values())
        except s3.exceptions.ClientError:
            block = False
        try:
            policy = json.loads(s3.get_bucket_policy(Bucket=name)["Policy"])
            tls = any(s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}} for s in policy["Statement"])
        except s3.exceptions.ClientError:
            tls = False
        tags = {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=name)["TagSet"]}
        found.append(Bucket(
            model.name, versioned=s3.get_bucket_versioning(Bucket=name).get("Status") == "Enabled",
            encryption=Encryption.S3_MANAGED if rules[0]["ApplyServerSideEncryptionByDefault"][
                "SSEAlgorithm"] == "AES256" else Encryption.KMS_MANAGED,
            block_public_access=block, enforce_tls=tls,
            lifecycle_rules=[LifecycleRule(
                r["ID"], prefix=r.get("Filter", {}).get("Prefix", r.get("Prefix", "")),
                transitions=[Transition(t["StorageClass"], t["Days"]) for t in r.get("Transitions", [])],
                expiration_days=r.get("Expiration", {}).get("Days"),
                noncurrent_version_expiration_days=r.get("NoncurrentVersionExpiration", {}).get("NoncurrentDays"),
                abort_incomplete_upload_days=r.get("AbortIncompleteMultipartUpload", {}).get("DaysAfterInitiation"))
                for r in lifecycle],
            retention=Retention.RETAIN if tags.get("oratio:retain") == "true" else Retention.DESTROY))
    return found


def localstack_functions(target: Target, system: System, tables: list[Table], buckets: list[Bucket]
                         ) -> list[Function]:
    lambda_, iam, found = target.client("lambda"), target.client("iam"), []
    for model in system.functions:
        config = lambda_.get_function_configuration(FunctionName=system.physical_name(model))
        document = iam.get_role_policy(RoleName=config["Role"].rsplit("/", 1)[1], PolicyName="model")["PolicyDocument"]
        document = json.loads(document) if isinstance(document, str) else document
        statements = [(s["Action"] if isinstance(s["Action"], list) else [s["Action"]],
                       s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
                      for s in document["Statement"]]
        environment = config.get("Environment", {}).get("Variables", {})
        grants = reader.grants_from(system, statements, {t.name: t for t in tables}, {b.name: b for b in buckets},
                                    environment, target.place)
        granted = {g.environment_name for g in grants if hasattr(g, "environment_name")}
        found.append(Function(
            model.name, code=FUNCTION_CODE, handler=config["Handler"], runtime=config["Runtime"],
            memory_mb=config["MemorySize"], timeout_s=config["Timeout"],
            environment={k: v for k, v in environment.items() if k not in granted}, grants=grants,
            description=config.get("Description", "")))
    return found


def localstack_workflows(target: Target, system: System) -> list[Workflow]:
    sfn, found = target.client("stepfunctions"), []
    for model in system.workflows:
        place = target.place
        machine = sfn.describe_state_machine(stateMachineArn=f"arn:aws:states:{place.region}:{place.account}:"
                                                            f"stateMachine:{system.physical_name(model)}")
        definition = json.loads(machine["definition"])
        logging = (machine.get("loggingConfiguration") or {}).get("level", "OFF") != "OFF"
        found.append(Workflow(model.name, definition["StartAt"], [
            reader.state_from(system, name, state) for name, state in definition["States"].items()],
            timeout_s=definition.get("TimeoutSeconds"),
            tracing=model.tracing,  # LocalStack does not report X-Ray tracing back (README: what runs locally)
            logging=logging))
    return found


def _runnable_runtimes(localstack: Any) -> set[str]:
    from oratio.backends.localstack.embedded.layout import Layout

    runtimes_file = Layout.default().runtimes_file
    if not localstack.embedded or not runtimes_file.is_file():
        return set(model_rules.LAMBDA_PYTHON_RUNTIMES)  # the user's own LocalStack: its runtimes are its business
    return set(json.loads(runtimes_file.read_text()))


# No shrinking: every step of it would deploy again. A failure prints the example and its reproduction blob.
@settings(max_examples=5, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(systems(max_tables=2, max_functions=1, pools_too=False))
def test_localstack_creates_what_the_cdk_template_says(localstack: Any, generated: System) -> None:
    # The embedded LocalStack fails CreateFunction for a runtime this machine cannot run (python3.14 where no
    # Python 3.14 is installed), as it should: such examples are not this property's business.
    assume(all(function.runtime in _runnable_runtimes(localstack) for function in generated.functions))
    system = attrs.evolve(generated, name=f"x{uuid.uuid4().hex[:6]}")  # fresh names: examples never collide
    target = Target(localstack.url)
    up(target, system, project_root=PROJECT_ROOT)
    try:
        rendered = resources(render(system))
        cdk_tables, cdk_buckets = reader.read_tables(system, rendered), reader.read_buckets(system, rendered)
        live_tables, live_buckets = localstack_tables(target, system), localstack_buckets(target, system)
        assert sorted(live_tables, key=lambda t: t.name) == sorted(cdk_tables, key=lambda t: t.name)
        assert sorted(live_buckets, key=lambda b: b.name) == sorted(cdk_buckets, key=lambda b: b.name)
        live_functions = sorted(localstack_functions(target, system, live_tables, live_buckets), key=lambda f: f.name)
        cdk_functions = sorted(reader.read_functions(system, rendered, cdk_tables, cdk_buckets, FUNCTION_CODE),
                               key=lambda f: f.name)
        for live, cdk in zip(live_functions, cdk_functions, strict=True):  # field by field: a readable failure
            assert attrs.asdict(live, recurse=False) == attrs.asdict(cdk, recurse=False)
        assert cdk_functions == sorted((without_reasons(f) for f in system.functions), key=lambda f: f.name)
        assert localstack_workflows(target, system) == reader.read_workflows(system, rendered)
    finally:
        destroy(target, system)


@settings(max_examples=3, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(colliding_systems())
def test_names_that_collide_as_ids_deploy_on_localstack_as_the_cdk_renders_them(localstack: Any,
                                                                               generated: System) -> None:
    """The colliding names, JavaScript-special state names, null payload values and token-like strings of
    ``test_cdk_rendering``: deployed by the LocalStack backend, read back, equal to the CDK's template."""
    assume(all(function.runtime in _runnable_runtimes(localstack) for function in generated.functions))
    system = attrs.evolve(generated, name=f"x{uuid.uuid4().hex[:6]}")
    target = Target(localstack.url)
    up(target, system, project_root=PROJECT_ROOT)
    try:
        rendered = resources(render(system))
        cdk_tables, cdk_buckets = reader.read_tables(system, rendered), reader.read_buckets(system, rendered)
        live_tables, live_buckets = localstack_tables(target, system), localstack_buckets(target, system)
        assert sorted(live_tables, key=lambda t: t.name) == sorted(cdk_tables, key=lambda t: t.name)
        assert sorted(live_buckets, key=lambda b: b.name) == sorted(cdk_buckets, key=lambda b: b.name)
        live_functions = sorted(localstack_functions(target, system, live_tables, live_buckets), key=lambda f: f.name)
        cdk_functions = sorted(reader.read_functions(system, rendered, cdk_tables, cdk_buckets, FUNCTION_CODE),
                               key=lambda f: f.name)
        assert live_functions == cdk_functions
        assert localstack_workflows(target, system) == reader.read_workflows(system, rendered) == list(
            system.workflows)
    finally:
        destroy(target, system)
