"""The model's roles (``oratio/backends/cdk/role.py``): exactly the model's statements, and nothing a construct
given the role tries to add."""

from __future__ import annotations

from aws_cdk import App, Stack
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template

from oratio.backends.cdk.role import model_role
from oratio.model import Key, System, Table
from oratio.model.permissions import Kind, ResourceArn, Statement


def test_a_grant_made_through_the_role_adds_nothing() -> None:
    system = System("shop", "dev", tables=[Table("orders", Key("id"))])
    stack = Stack(App(), "roles")
    statements = (Statement(("dynamodb:GetItem",), (ResourceArn(Kind.TABLE, "orders"),)),)
    role = model_role(stack, "Reader", "lambda.amazonaws.com", system, statements, "reads orders")
    # What CDK constructs do with a role they are given: add statements to its default policy.
    role.add_to_principal_policy(iam.PolicyStatement(actions=["s3:*"], resources=["*"]))
    iam.Grant.add_to_principal(grantee=role, actions=["sqs:SendMessage"], resource_arns=["*"])
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::IAM::Policy", 0)
    (resource,) = template.find_resources("AWS::IAM::Role").values()
    (policy,) = resource["Properties"]["Policies"]
    assert policy["PolicyName"] == "model"
    assert policy["PolicyDocument"]["Statement"] == [{
        "Action": "dynamodb:GetItem", "Effect": "Allow",
        "Resource": {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":dynamodb:", {"Ref": "AWS::Region"}, ":",
                                       {"Ref": "AWS::AccountId"}, ":table/shop-dev-orders"]]}}]
    assert resource["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "lambda.amazonaws.com"}


def test_a_role_without_statements_has_no_policy() -> None:
    stack = Stack(App(), "roles")
    model_role(stack, "Idle", "states.amazonaws.com", System("shop", "dev"), (), "nothing to do")
    (resource,) = Template.from_stack(stack).find_resources("AWS::IAM::Role").values()
    assert "Policies" not in resource["Properties"]
    assert resource["Properties"]["Description"] == "nothing to do"
