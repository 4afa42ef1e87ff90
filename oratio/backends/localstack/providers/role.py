"""IAM roles, one per function, workflow and agent runtime: a trust policy for the service (with the confused-deputy
conditions the model states, where it states them), and the model's least-privilege statements
(``oratio/model/permissions.py``) as one inline policy. Service roles (``service_role.py``) use the same machinery."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote

from oratio.backends.localstack.providers.base import (
    PAIRS,
    Context,
    Live,
    Provider,
    Spec,
    concurrently,
    listed,
    unless_missing,
)
from oratio.backends.localstack.target import Target
from oratio.model import System
from oratio.model.permissions import Place, Statement, arn

POLICY_NAME = "model"
# The kinds roles are made for, as the last part of their names (``role_name``): what tells them from service roles.
ROLE_KINDS = ("function", "workflow", "runtime")


def role_name(physical: str, kind: str) -> str:
    """IAM role names are at most 64 characters: long names keep a hash of the whole instead of the tail."""
    name = f"{physical}-{kind}"
    if len(name) <= 64:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{physical[:64 - len(kind) - 10]}-{digest}-{kind}"


def _statement(system: System, statement: Statement, place: Place) -> dict[str, Any]:
    rendered: dict[str, Any] = {"Effect": "Allow", "Action": list(statement.actions),
                                "Resource": [arn(r, system, place) for r in statement.resources]}
    for operator, key, value in statement.conditions:
        rendered.setdefault("Condition", {}).setdefault(operator, {})[key] = value
    return rendered


def policy_document(system: System, statements: tuple[Statement, ...], place: Place) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [_statement(system, s, place) for s in statements]}


def trust_policy(service: str, conditions: dict[str, dict[str, str]] | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    if conditions:
        statement["Condition"] = conditions
    return {"Version": "2012-10-17", "Statement": [statement]}


def role_arn(name: str, place: Place) -> str:
    return f"arn:{place.partition}:iam::{place.account}:role/{name}"


def _document(value: Any) -> Any:
    """IAM answers with URL-encoded JSON (boto3 decodes some operations' documents, not others)."""
    return json.loads(unquote(value)) if isinstance(value, str) else value


class RoleProvider(Provider):
    kind = "role"
    level = 0

    @staticmethod
    def spec(context: Context, name: str, physical: str, kind: str, service: str,
             statements: tuple[Statement, ...], conditions: dict[str, dict[str, str]] | None = None) -> Spec:
        """The role of the ``kind`` resource ``name`` (physical name ``physical``), assumed by ``service`` (under
        ``conditions``, if any). A role with nothing to allow (a workflow without tasks, logging or tracing) has no
        policy at all."""
        return Spec("role", f"{kind}/{name}", role_name(physical, kind), {
            "trust": trust_policy(service, conditions),
            "policy": policy_document(context.system, statements, context.place) if statements else None,
            # The model is the whole truth: no other inline policy, no managed policy attached.
            "other_inline_policies": [],
            "attached_policies": []})

    def named_for(self, physical: str, prefix: str) -> bool:
        """Roles made for a function, workflow or runtime of the system (service roles have their own provider)."""
        return physical.startswith(prefix) and physical.endswith(tuple(f"-{kind}" for kind in ROLE_KINDS))

    def read(self, target: Target, spec: Spec) -> Live | None:
        iam = target.client("iam")
        role = unless_missing(lambda: iam.get_role(RoleName=spec.physical)["Role"], "NoSuchEntity")
        if role is None:
            return None
        policy, inline, attached, tags = concurrently(
            lambda: unless_missing(lambda: iam.get_role_policy(RoleName=spec.physical, PolicyName=POLICY_NAME),
                                   "NoSuchEntity"),
            lambda: list(listed(iam, "list_role_policies", "PolicyNames", RoleName=spec.physical)),
            lambda: list(listed(iam, "list_attached_role_policies", "AttachedPolicies", RoleName=spec.physical)),
            # GetRole answers with the tags when there are any (IAM and LocalStack alike)
            lambda: PAIRS.to_dict(role["Tags"]) if role.get("Tags") else self.listed_tags(target, spec.physical,
                                                                                            role))
        return Live({"trust": _document(role["AssumeRolePolicyDocument"]),
                     "policy": _document(policy["PolicyDocument"]) if policy else None,
                     "other_inline_policies": sorted(name for name in inline if name != POLICY_NAME),
                     "attached_policies": sorted(p["PolicyArn"] for p in attached)}, tags)

    def _put_policy(self, target: Target, spec: Spec) -> None:
        target.client("iam").put_role_policy(RoleName=spec.physical, PolicyName=POLICY_NAME,
                                             PolicyDocument=json.dumps(spec.props["policy"]))

    def create(self, target: Target, spec: Spec, tags: dict[str, str]) -> None:
        target.client("iam").create_role(RoleName=spec.physical,
                                         AssumeRolePolicyDocument=json.dumps(spec.props["trust"]),
                                         Tags=PAIRS.to_list(tags))
        if spec.props["policy"]:
            self._put_policy(target, spec)

    def update(self, target: Target, spec: Spec, fields: set[str], tags: dict[str, str]) -> None:
        iam = target.client("iam")
        if "trust" in fields:
            iam.update_assume_role_policy(RoleName=spec.physical, PolicyDocument=json.dumps(spec.props["trust"]))
        if "policy" in fields and spec.props["policy"]:
            self._put_policy(target, spec)
        elif "policy" in fields:
            iam.delete_role_policy(RoleName=spec.physical, PolicyName=POLICY_NAME)
        if "other_inline_policies" in fields:
            self._remove_policies(target, spec.physical, keep=POLICY_NAME)
        if "attached_policies" in fields:
            self._detach_policies(target, spec.physical)
        iam.tag_role(RoleName=spec.physical, Tags=PAIRS.to_list(tags))

    @staticmethod
    def _remove_policies(target: Target, physical: str, keep: str | None = None) -> None:
        iam = target.client("iam")
        for name in list(listed(iam, "list_role_policies", "PolicyNames", RoleName=physical)):
            if name != keep:
                iam.delete_role_policy(RoleName=physical, PolicyName=name)

    @staticmethod
    def _detach_policies(target: Target, physical: str) -> None:
        iam = target.client("iam")
        for policy in list(listed(iam, "list_attached_role_policies", "AttachedPolicies", RoleName=physical)):
            iam.detach_role_policy(RoleName=physical, PolicyArn=policy["PolicyArn"])

    def delete(self, target: Target, physical: str) -> None:
        self._remove_policies(target, physical)
        self._detach_policies(target, physical)
        target.client("iam").delete_role(RoleName=physical)

    def listing(self, target: Target, prefix: str) -> Iterable[tuple[str, Any]]:
        # One listing for the roles made for resources and the service roles (``service_role.py``).
        roles = target.once("iam:roles", lambda: list(listed(target.client("iam"), "list_roles", "Roles")))
        return ((role["RoleName"], role) for role in roles)

    def listed_tags(self, target: Target, physical: str, item: Any) -> dict[str, str]:
        return PAIRS.to_dict(target.client("iam").list_role_tags(RoleName=physical).get("Tags"))
