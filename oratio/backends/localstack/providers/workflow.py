"""Workflows as Step Functions state machines (the plan's kind "state-machine"): the model's one ASL rendering
(``oratio/model/asl.py``), logging and tracing, and the role and log group made for each workflow."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from oratio.backends.localstack.providers.base import (
    LOWER_CASE_PAIRS,
    Context,
    Live,
    Provider,
    Spec,
    listed,
    unless_missing,
)
from oratio.backends.localstack.providers.log_group import LogGroupProvider
from oratio.backends.localstack.providers.role import RoleProvider, role_arn
from oratio.backends.localstack.target import Target
from oratio.model import System, Workflow, asl
from oratio.model.permissions import Kind, ResourceArn, arn, workflow_log_group, workflow_statements


class WorkflowProvider(Provider):
    kind = "state-machine"
    level = 3
    collection = "workflows"
    output_group = "state_machines"

    @staticmethod
    def arn(target: Target, name: str) -> str:
        place = target.place
        return f"arn:{place.partition}:states:{place.region}:{place.account}:stateMachine:{name}"

    def desired(self, resource: Workflow, context: Context) -> list[Spec]:
        workflow, system, place = resource, context.system, context.place
        physical = system.physical_name(workflow)
        role = RoleProvider.spec(context, workflow.name, physical, "workflow", "states.amazonaws.com",
                                 workflow_statements(workflow))
        specs = [role]
        log_arn = None
        if workflow.logging:
            logs = LogGroupProvider.spec(f"workflow/{workflow.name}", workflow_log_group(system, workflow))
            specs.append(logs)
            log_arn = f"arn:{place.partition}:logs:{place.region}:{place.account}:log-group:{logs.physical}:*"

        def function_arn(name: str) -> str:
            return arn(ResourceArn(Kind.FUNCTION, name), system, place)

        specs.append(Spec("state-machine", workflow.name, physical, {
            "definition": asl.definition(workflow, function_arn),
            "role": role_arn(role.physical, place),
            "logging": {"level": "ALL", "include_execution_data": False, "log_group": log_arn} if log_arn else None,
            "tracing": workflow.tracing,
        }))
        return specs

    def read(self, target: Target, spec: Spec) -> Live | None:
        machine_arn = self.arn(target, spec.physical)
        machine = unless_missing(lambda: target.client("stepfunctions").describe_state_machine(
            stateMachineArn=machine_arn), "StateMachineDoesNotExist")
        if machine is None:
            return None
        logging = machine.get("loggingConfiguration") or {}
        destinations = logging.get("destinations") or []
        return Live({
            "definition": json.loads(machine["definition"]),
            "role": machine["roleArn"],
            "logging": {"level": logging.get("level"), "include_execution_data": logging.get("includeExecutionData",
                                                                                             False),
                        "log_group": destinations[0]["cloudWatchLogsLogGroup"]["logGroupArn"]}
            if destinations else None,
            # LocalStack accepts X-Ray tracing but does not report it back: what cannot be read is taken as set.
            "tracing": machine["tracingConfiguration"].get("enabled", False) if "tracingConfiguration" in machine
            else spec.props["tracing"],
        }, self._tags(target, machine_arn), (f"status {machine['status']}",) if machine.get("status", "ACTIVE")
            != "ACTIVE" else ())

    @staticmethod
    def _settings(spec: Spec) -> dict[str, Any]:
        props = spec.props
        settings: dict[str, Any] = {"definition": json.dumps(props["definition"]), "roleArn": props["role"],
                                    "tracingConfiguration": {"enabled": props["tracing"]}}
        logging = props["logging"]
        settings["loggingConfiguration"] = {
            "level": logging["level"], "includeExecutionData": logging["include_execution_data"],
            "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": logging["log_group"]}}],
        } if logging else {"level": "OFF"}
        return settings

    def create(self, target: Target, spec: Spec, tags: dict[str, str]) -> None:
        target.client("stepfunctions").create_state_machine(
            name=spec.physical, type="STANDARD", tags=LOWER_CASE_PAIRS.to_list(tags), **self._settings(spec))

    def update(self, target: Target, spec: Spec, fields: set[str], tags: dict[str, str]) -> None:
        sfn, machine_arn = target.client("stepfunctions"), self.arn(target, spec.physical)
        sfn.update_state_machine(stateMachineArn=machine_arn, **self._settings(spec))
        sfn.tag_resource(resourceArn=machine_arn, tags=LOWER_CASE_PAIRS.to_list(tags))

    def delete(self, target: Target, physical: str) -> None:
        target.client("stepfunctions").delete_state_machine(stateMachineArn=self.arn(target, physical))

    def listing(self, target: Target, prefix: str) -> Iterable[tuple[str, Any]]:
        return ((machine["name"], machine) for machine in listed(target.client("stepfunctions"),
                                                                  "list_state_machines", "stateMachines"))

    def listed_tags(self, target: Target, physical: str, item: Any) -> dict[str, str]:
        return self._tags(target, item["stateMachineArn"])

    @staticmethod
    def _tags(target: Target, machine_arn: str) -> dict[str, str]:
        return LOWER_CASE_PAIRS.to_dict(target.client("stepfunctions").list_tags_for_resource(
            resourceArn=machine_arn).get("tags"))

    def output(self, target: Target, system: System, resource: Workflow) -> str:
        return self.arn(target, system.physical_name(resource))
