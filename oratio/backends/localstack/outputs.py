"""Outputs of a deployed system: names, ARNs and ids as LocalStack reports them, plus the endpoint."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from oratio.backends.localstack.handlers import StateMachineHandler, find_user_pool
from oratio.backends.localstack.target import Target
from oratio.model import System
from oratio.model.permissions import Kind, ResourceArn, arn


def outputs(target: Target, system: System) -> dict[str, Any]:
    """What a client of the system needs (the same facts as the CDK backend's stack outputs)."""
    place = target.place
    result: dict[str, Any] = {
        "endpoint": target.endpoint, "region": target.region, "system": system.name, "stage": system.stage,
        "tables": {t.name: system.physical_name(t) for t in system.tables},
        "buckets": {b.name: system.bucket_name(b, place.account) for b in system.buckets},
        "functions": {f.name: arn(ResourceArn(Kind.FUNCTION, f.name), system, place) for f in system.functions},
        "state_machines": {w.name: StateMachineHandler.arn(target, system.physical_name(w))
                           for w in system.workflows},
        "user_pools": {},
    }
    cognito = target.client("cognito-idp") if system.user_pools else None
    for pool in system.user_pools:
        found = find_user_pool(target, system.physical_name(pool))
        if found is None or cognito is None:
            continue
        clients = cognito.list_user_pool_clients(UserPoolId=found["Id"], MaxResults=60)["UserPoolClients"]
        result["user_pools"][pool.name] = {"id": found["Id"],
                                           "clients": {c["ClientName"]: c["ClientId"] for c in clients}}
    return result


def outputs_file(system: System, root: Path | None = None) -> Path:
    return (root or Path.cwd()) / ".oratio" / "outputs" / f"{system.prefix}.json"


def write_outputs(values: dict[str, Any], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(values, indent=2, sort_keys=True) + "\n")
    return path
