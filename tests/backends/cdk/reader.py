"""CloudFormation written by the CDK backend, read back into model values, for the round-trip properties.

It lives with the tests: it reads what oratio writes (names from the ``{system}-{stage}-`` prefix, the roles'
single inline policy), not templates in general, so it would not serve users adopting their own templates.
What a template cannot carry is left out of the comparison and said so: reasons and exemptions (they are
cdk-nag acknowledgements, in the assembly's metadata) and a function's code folder (an asset hash).
"""

from __future__ import annotations

import json
from typing import Any

import attrs

from oratio.model import (
    AgentRuntime,
    AppClient,
    AuthFlow,
    Branch,
    Bucket,
    Catch,
    Choice,
    Condition,
    Encryption,
    Fail,
    Function,
    GlobalIndex,
    Key,
    LifecycleRule,
    Mfa,
    Operator,
    Pass,
    PasswordPolicy,
    Retention,
    Retry,
    ServiceGrant,
    ServiceRole,
    SignInAlias,
    Succeed,
    System,
    Table,
    Task,
    Transition,
    TrustedService,
    UserPool,
    VectorBucket,
    Wait,
    Workflow,
    path,
)
from oratio.model.permissions import OBJECT_READ, OBJECT_WRITE, TABLE_READ, TABLE_WRITE, Place
from tests.backends.cdk.cfn import MARKED, resolved_string

Resources = dict[str, dict[str, Any]]


def construct_resource(resources: Resources, construct: str) -> dict[str, Any]:
    """The one resource whose logical id is a construct's id plus the CDK's 8-character hash: with
    ``KbProvisionerRole``, ``KbProvisionerRole3A289552`` but not ``KbProvisionerRoleLogs...``."""
    (resource,) = [r for logical_id, r in resources.items()
                   if logical_id.startswith(construct) and len(logical_id) == len(construct) + 8]
    return resource


def _of_type(resources: Resources, kind: str) -> list[dict[str, Any]]:
    return [r for r in resources.values() if r["Type"] == kind]


def _retention(resource: dict[str, Any]) -> Retention:
    return Retention.RETAIN if resource.get("DeletionPolicy") == "Retain" else Retention.DESTROY


def _unprefix(system: System, physical: str) -> str:
    assert physical.startswith(f"{system.prefix}-"), physical
    return physical[len(system.prefix) + 1:]


def _keys(schema: list[dict[str, str]], types: dict[str, str]) -> tuple[Key, Key | None]:
    by_role = {k["KeyType"]: Key(k["AttributeName"], types[k["AttributeName"]]) for k in schema}
    return by_role["HASH"], by_role.get("RANGE")


def read_tables(system: System, resources: Resources) -> list[Table]:
    tables = []
    for resource in _of_type(resources, "AWS::DynamoDB::Table"):
        props = resource["Properties"]
        types = {a["AttributeName"]: a["AttributeType"] for a in props["AttributeDefinitions"]}
        partition, sort = _keys(props["KeySchema"], types)
        indexes = [GlobalIndex(i["IndexName"], *_keys(i["KeySchema"], types), i["Projection"]["ProjectionType"],
                               i["Projection"].get("NonKeyAttributes", []))
                   for i in props.get("GlobalSecondaryIndexes", [])]
        throughput = props.get("ProvisionedThroughput", {})
        tables.append(Table(
            _unprefix(system, props["TableName"]), partition, sort, global_indexes=indexes,
            billing=props.get("BillingMode", "PROVISIONED"), read_capacity=throughput.get("ReadCapacityUnits"),
            write_capacity=throughput.get("WriteCapacityUnits"),
            point_in_time_recovery=props.get("PointInTimeRecoverySpecification", {}).get(
                "PointInTimeRecoveryEnabled", False),
            retention=_retention(resource),
            ttl_attribute=props.get("TimeToLiveSpecification", {}).get("AttributeName"),
            stream=props.get("StreamSpecification", {}).get("StreamViewType")))
    return tables


def read_buckets(system: System, resources: Resources) -> list[Bucket]:
    policies = {json.dumps(r["Properties"]["Bucket"]) for r in _of_type(resources, "AWS::S3::BucketPolicy")
                if any(s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
                       for s in r["Properties"]["PolicyDocument"]["Statement"])}
    buckets = []
    for logical_id, resource in resources.items():
        if resource["Type"] != "AWS::S3::Bucket":
            continue
        props = resource["Properties"]
        physical = resolved_string(props["BucketName"])
        name = _unprefix(system, physical).removesuffix(f"-{system.bucket_suffix or MARKED.account}")
        algorithm = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0][
            "ServerSideEncryptionByDefault"]["SSEAlgorithm"]
        block = props.get("PublicAccessBlockConfiguration", {})
        rules = []
        for rule in props.get("LifecycleConfiguration", {}).get("Rules", []):
            rules.append(LifecycleRule(
                rule["Id"], prefix=rule.get("Prefix", ""),
                transitions=[Transition(t["StorageClass"], t["TransitionInDays"]) for t in rule.get("Transitions", [])],
                expiration_days=rule.get("ExpirationInDays"),
                noncurrent_version_expiration_days=rule.get("NoncurrentVersionExpiration", {}).get("NoncurrentDays"),
                abort_incomplete_upload_days=rule.get("AbortIncompleteMultipartUpload", {}).get(
                    "DaysAfterInitiation")))
        buckets.append(Bucket(
            name, versioned=props.get("VersioningConfiguration", {}).get("Status") == "Enabled",
            encryption=Encryption.S3_MANAGED if algorithm == "AES256" else Encryption.KMS_MANAGED,
            block_public_access=bool(block) and all(block.values()),
            enforce_tls=json.dumps({"Ref": logical_id}) in policies,
            lifecycle_rules=rules, retention=_retention(resource)))
    return buckets


def _statements(role: dict[str, Any]) -> list[tuple[list[str], list[str]]]:
    (policy,) = role["Properties"]["Policies"]
    return [([s["Action"]] if isinstance(s["Action"], str) else s["Action"],
             [resolved_string(r) for r in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])])
            for s in policy["PolicyDocument"]["Statement"]]


def grants_from(system: System, statements: list[tuple[list[str], list[str]]], tables: dict[str, Table],
                buckets: dict[str, Bucket], environment: dict[str, str], place: Place = MARKED) -> list[Any]:
    """Resource grants from data actions on a table or bucket ARN, service grants from the rest."""
    table_arn = f"arn:{place.partition}:dynamodb:{place.region}:{place.account}:table/{system.prefix}-"
    bucket_arn = f"arn:{place.partition}:s3:::{system.prefix}-"
    access: dict[tuple[str, str], set[str]] = {}
    services = []
    for actions, resources in statements:
        first = resources[0]
        if first.startswith(table_arn):
            name = first[len(table_arn):].split("/")[0]
            access.setdefault(("table", name), set()).update(actions)
        elif first.startswith(bucket_arn):
            name = first[len(bucket_arn):].split("/")[0].removesuffix(f"-{system.bucket_suffix or place.account}")
            access.setdefault(("bucket", name), set()).update(actions)
        elif not actions[0].startswith("logs:"):  # the function's own log writing is implied, not a grant
            service = actions[0].split(":")[0]
            services.append(ServiceGrant(service, [a.split(":", 1)[1] for a in actions], resources,
                                         reason="(reasons are not in templates)"))
    grants = []
    for (kind, name), actions in access.items():
        target = tables[name] if kind == "table" else buckets[name]
        reads = set(TABLE_READ if kind == "table" else OBJECT_READ) <= actions
        writes = {a for a in (TABLE_WRITE if kind == "table" else OBJECT_WRITE) if a != "dynamodb:DescribeTable"} \
            <= actions
        physical = system.physical_name(target) if kind == "table" else system.bucket_name(target, place.account)
        env_var = next(k for k, v in environment.items() if v == physical)
        grant = target.read_write() if reads and writes else target.read() if reads else target.write()
        grants.append(type(grant)(target, grant.access, None if env_var == target.default_env_var() else env_var))
    return [*grants, *services]


def read_functions(system: System, resources: Resources, tables: list[Table], buckets: list[Bucket],
                   code: str) -> list[Function]:
    roles = {logical_id: r for logical_id, r in resources.items() if r["Type"] == "AWS::IAM::Role"}
    functions = []
    for resource in _of_type(resources, "AWS::Lambda::Function"):
        props = resource["Properties"]
        environment = {k: resolved_string(v) for k, v in props.get("Environment", {}).get("Variables", {}).items()}
        role = roles[props["Role"]["Fn::GetAtt"][0]]
        grants = grants_from(system, _statements(role), {t.name: t for t in tables}, {b.name: b for b in buckets},
                         environment)
        granted = {g.environment_name for g in grants if hasattr(g, "environment_name")}
        functions.append(Function(
            _unprefix(system, props["FunctionName"]), code=code, handler=props["Handler"], runtime=props["Runtime"],
            memory_mb=props["MemorySize"], timeout_s=props["Timeout"],
            environment={k: v for k, v in environment.items() if k not in granted}, grants=grants,
            description=resolved_string(props.get("Description", ""))))
    return functions


def _payload(values: dict[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    return {(k[:-2] if k.endswith(".$") else k): (path(v) if k.endswith(".$") else v) for k, v in values.items()}


def _flow(state: dict[str, Any]) -> dict[str, Any]:
    return {"next": state.get("Next"), "end": state.get("End", False)}


def state_from(system: System, name: str, state: dict[str, Any]) -> Any:
    kind = state["Type"]
    if kind == "Task":
        function = state["Resource"].rsplit(":function:", 1)[1]
        return Task(name, _unprefix(system, function), payload=_payload(state.get("Parameters")),
                    result_path=state.get("ResultPath"), timeout_s=state.get("TimeoutSeconds"),
                    retries=[Retry(r["ErrorEquals"], r["IntervalSeconds"], r["MaxAttempts"], r["BackoffRate"])
                             for r in state.get("Retry", [])],
                    catches=[Catch(c["Next"], c["ErrorEquals"], c.get("ResultPath")) for c in state.get("Catch", [])],
                    **_flow(state))
    if kind == "Wait":
        return Wait(name, state["Seconds"], **_flow(state))
    if kind == "Pass":
        return Pass(name, parameters=_payload(state.get("Parameters")) or {}, result_path=state.get("ResultPath"),
                    **_flow(state))
    if kind == "Choice":
        branches = []
        for choice in state["Choices"]:
            (operator,) = [k for k in choice if k not in ("Variable", "Next")]
            branches.append(Branch(Condition(choice["Variable"], Operator(operator), choice[operator]),
                                   choice["Next"]))
        return Choice(name, branches, default=state.get("Default"))
    if kind == "Succeed":
        return Succeed(name)
    return Fail(name, state["Error"], state.get("Cause", ""))


def read_workflows(system: System, resources: Resources) -> list[Workflow]:
    workflows = []
    for resource in _of_type(resources, "AWS::StepFunctions::StateMachine"):
        props = resource["Properties"]
        definition = json.loads(resolved_string(props["DefinitionString"]))
        workflows.append(Workflow(
            _unprefix(system, props["StateMachineName"]), definition["StartAt"],
            [state_from(system, name, state) for name, state in definition["States"].items()],
            timeout_s=definition.get("TimeoutSeconds"),
            tracing=props.get("TracingConfiguration", {}).get("Enabled", False),
            logging="LoggingConfiguration" in props))
    return workflows


def read_user_pools(system: System, resources: Resources) -> list[UserPool]:
    clients = _of_type(resources, "AWS::Cognito::UserPoolClient")
    pools = []
    for logical_id, resource in resources.items():
        if resource["Type"] != "AWS::Cognito::UserPool":
            continue
        props = resource["Properties"]
        policy = props["Policies"]["PasswordPolicy"]
        aliases = [SignInAlias.EMAIL if a == "email" else SignInAlias.PHONE for a in props.get(
            "UsernameAttributes", [])] or [SignInAlias.USERNAME]
        own = [c["Properties"] for c in clients if c["Properties"]["UserPoolId"] == {"Ref": logical_id}]
        pools.append(UserPool(
            _unprefix(system, props["UserPoolName"]), sign_in_aliases=aliases,
            self_sign_up=not props["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"],
            auto_verify_email="email" in props.get("AutoVerifiedAttributes", []),
            password_policy=PasswordPolicy(policy["MinimumLength"], policy["RequireLowercase"],
                                           policy["RequireUppercase"], policy["RequireNumbers"],
                                           policy["RequireSymbols"], policy["TemporaryPasswordValidityDays"]),
            mfa=Mfa(props.get("MfaConfiguration", "OFF")),
            clients=[AppClient(c["ClientName"], auth_flows=[AuthFlow(f) for f in c["ExplicitAuthFlows"]],
                               generate_secret=c.get("GenerateSecret", False),
                               access_token_minutes=c["AccessTokenValidity"], id_token_minutes=c["IdTokenValidity"],
                               refresh_token_minutes=c["RefreshTokenValidity"],
                               prevent_user_existence_errors=c.get("PreventUserExistenceErrors") == "ENABLED")
                     for c in own],
            retention=_retention(resource)))
    return pools


# --- The AI layer ------------------------------------------------------------------------------------------------
# Grants are not read back here: the least-privilege property compares each new role's statements with the model's.
def read_vector_buckets(system: System, resources: Resources) -> list[VectorBucket]:
    found = []
    for resource in _of_type(resources, "AWS::S3Vectors::VectorBucket"):
        props = resource["Properties"]
        assert props["EncryptionConfiguration"] == {"SseType": "AES256"}
        found.append(VectorBucket(_unprefix(system, props["VectorBucketName"]), retention=_retention(resource)))
    return found


def read_service_roles(system: System, resources: Resources) -> list[ServiceRole]:
    found = []
    for resource in _of_type(resources, "AWS::IAM::Role"):
        props = resource["Properties"]
        if "RoleName" not in props:  # the roles made for functions, workflows and runtimes have generated names
            continue
        (statement,) = props["AssumeRolePolicyDocument"]["Statement"]
        role = ServiceRole(_unprefix(system, props["RoleName"]), TrustedService(statement["Principal"]["Service"]))
        default = f"{system.physical_name(role)}: assumed by {role.service}"
        found.append(attrs.evolve(role, description="" if props["Description"] == default else props["Description"]))
    return found


def read_agent_runtimes(system: System, resources: Resources, code: str) -> list[AgentRuntime]:
    """Runtimes without their grants and with the environment they set themselves (not the grants' variables,
    which name the system's resources); ``code`` is the folder the test rendered (the template holds an asset)."""
    found = []
    for resource in _of_type(resources, "AWS::BedrockAgentCore::Runtime"):
        props = resource["Properties"]
        name = props["AgentRuntimeName"].removeprefix(system.runtime_prefix).replace("_", "-")
        configuration = props["AgentRuntimeArtifact"]["CodeConfiguration"]
        environment = {k: v for k, v in (props.get("EnvironmentVariables") or {}).items()
                       if isinstance(v, str) and not k.endswith("_BUCKET") and not k.endswith("_ARN")}
        found.append(AgentRuntime(name, code=code, entry_point=configuration["EntryPoint"],
                                  runtime=configuration["Runtime"], environment=environment,
                                  description=props.get("Description", "")))
    return found
