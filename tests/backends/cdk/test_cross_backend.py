"""Both backends render the same workflow definition and the same IAM statements: the LocalStack backend's
ASL (Step Functions' API) equals the definition in the CDK backend's template, pseudo parameters aside.

Both take the definition from ``oratio.model.asl``; what this still guards is how the CDK backend writes it
into the template: the function ARNs CloudFormation joins from the stack's pseudo parameters."""

from __future__ import annotations

from aws_cdk.assertions import Template

from oratio.backends.localstack.providers.role import policy_document
from oratio.model import System, asl
from oratio.model.permissions import Kind, ResourceArn, arn, function_statements
from tests.backends.cdk.cfn import MARKED, definition, resolved_string


def test_the_workflow_definition_is_the_same_in_both_backends(system: System, templates: dict[str, Template]) -> None:
    (workflow,) = system.workflows
    (machine,) = templates["workflow"].find_resources("AWS::StepFunctions::StateMachine").values()
    from_cdk = definition(machine)
    from_localstack = asl.definition(workflow, lambda name: arn(ResourceArn(Kind.FUNCTION, name), system, MARKED))
    assert from_localstack == from_cdk


def test_function_policies_are_the_same_in_both_backends(system: System, templates: dict[str, Template]) -> None:
    roles = templates["functions"].find_resources("AWS::IAM::Role")
    for function in system.functions:
        (role,) = [r for logical_id, r in roles.items() if logical_id.startswith(
            "".join(p.capitalize() for p in function.name.split("-")) + "Role")]
        rendered = [((s["Action"] if isinstance(s["Action"], list) else [s["Action"]]),
                     [resolved_string(r) for r in (s["Resource"] if isinstance(s["Resource"], list)
                                                    else [s["Resource"]])])
                    for s in role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]]
        document = policy_document(system, function_statements(function), MARKED)
        assert rendered == [(s["Action"], s["Resource"]) for s in document["Statement"]]
