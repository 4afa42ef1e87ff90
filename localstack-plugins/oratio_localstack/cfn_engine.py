"""A fix to LocalStack's CloudFormation engine (v2): deleting a stack whose create failed works the first time.

After a failed create, the stack's template still lists the resources that were never created (those after the
failure) or whose create failed. LocalStack's delete asks each resource's provider to delete them anyway, the
providers fail on resources that do not exist (an SNS topic without an ARN, ...), and the stack ends in
DELETE_FAILED until a second delete. CloudFormation skips such resources: so does this patch, during a stack
deletion only (a rollback's removals and an update's replacements are left as they are).
"""

from __future__ import annotations

import logging
from typing import Any

from localstack.runtime import hooks

LOG = logging.getLogger(__name__)


@hooks.on_infra_start()
def skip_deleting_resources_never_created() -> None:
    from localstack.aws.api.cloudformation import ChangeAction, StackStatus
    from localstack.services.cloudformation.engine.v2.change_set_model_executor import ChangeSetModelExecutor
    from localstack.services.cloudformation.resource_provider import OperationStatus, ProgressEvent

    original = ChangeSetModelExecutor._execute_resource_action

    def _execute_resource_action(self: Any, action: Any, logical_resource_id: str, resource_type: str,
                                 before_properties: Any, after_properties: Any,
                                 part_of_replacement: bool = False) -> Any:
        if action == ChangeAction.Remove and not part_of_replacement \
                and self._change_set.stack.status == StackStatus.DELETE_IN_PROGRESS:
            deployed = (self._before_resolved_resources or {}).get(logical_resource_id) or {}
            if not deployed.get("PhysicalResourceId"):
                LOG.debug("oratio: %s (%s) was never created: nothing to delete", logical_resource_id,
                          resource_type)
                return ProgressEvent(OperationStatus.SUCCESS, resource_model={})
        return original(self, action, logical_resource_id, resource_type, before_properties, after_properties,
                        part_of_replacement)

    ChangeSetModelExecutor._execute_resource_action = _execute_resource_action
