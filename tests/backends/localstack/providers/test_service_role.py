"""The service role provider: each service role of the platform is trusted by its service alone, under the
confused-deputy conditions, and holds exactly the model's statements with their conditions; service roles and the
roles made for functions, workflows and runtimes are each listed by their own provider only."""

from __future__ import annotations

import json

import pytest

from oratio.backends.localstack import Target
from oratio.backends.localstack.providers import PROVIDERS
from oratio.model import System
from oratio.model.permissions import arn, service_role_statements, trust, trust_conditions

pytestmark = pytest.mark.localstack


def test_every_service_role_is_trusted_by_its_service_and_holds_the_models_statements(target: Target,
                                                                                     deployed: System) -> None:
    iam = target.client("iam")
    for role in deployed.service_roles:
        live = iam.get_role(RoleName=deployed.physical_name(role))["Role"]
        document = live["AssumeRolePolicyDocument"]
        document = json.loads(document) if isinstance(document, str) else document
        assert document["Statement"] == [{"Effect": "Allow", "Principal": {"Service": trust(role).service},
                                          "Action": "sts:AssumeRole",
                                          "Condition": trust_conditions(role, target.place)}]
        policy = iam.get_role_policy(RoleName=live["RoleName"], PolicyName="model")["PolicyDocument"]
        policy = json.loads(policy) if isinstance(policy, str) else policy
        assert [(s["Action"], s["Resource"], s.get("Condition")) for s in policy["Statement"]] == [
            (list(s.actions), [arn(r, deployed, target.place) for r in s.resources],
             {op: {key: value} for op, key, value in s.conditions} or None)
            for s in service_role_statements(deployed, role)]


def test_service_roles_and_made_roles_are_listed_by_their_own_providers(target: Target, deployed: System) -> None:
    prefix = f"{deployed.prefix}-"
    service_roles = {name for name, _ in PROVIDERS["service-role"].list_owned(target, prefix)}
    made_roles = {name for name, _ in PROVIDERS["role"].list_owned(target, prefix)}
    assert service_roles == {deployed.physical_name(role) for role in deployed.service_roles}
    assert not service_roles & made_roles
    assert {name.rsplit("-", 1)[1] for name in made_roles} == {"function", "workflow", "runtime"}
