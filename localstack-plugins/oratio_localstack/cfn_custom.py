"""CloudFormation custom resources backed by Lambda, as on AWS: LocalStack community's CloudFormation skips every
``Custom::*`` and ``AWS::CloudFormation::CustomResource`` (CREATE_COMPLETE, physical id "unknown"). LocalStack
looks up the provider of every ``Custom*`` type under the one name ``AWS::CloudFormation::CustomResource``, so
this single provider serves them all.

For Create, Update and Delete it invokes the ``ServiceToken`` Lambda with CloudFormation's custom-resource
request (RequestType, ResponseURL, StackId, RequestId, ResourceType, LogicalResourceId, ResourceProperties with
every scalar as a string, OldResourceProperties on Update, PhysicalResourceId on Update and Delete) and waits for
the response the function PUTs to ResponseURL: a loopback URL LocalStack's gateway answers
(``/_oratio/cloudformation/custom-resource-response/<token>``). ``FAILED`` fails the resource (and the stack)
with the Reason; ``Data`` is what ``Fn::GetAtt`` reads. Node handlers reach that URL through ``https``, as the
CDK's provider framework does: ``worker.js`` sends such requests to the gateway over plain HTTP.

Differences from AWS, on purpose: a function that fails (an error or a timeout) without answering fails the
resource after a short grace instead of leaving the stack waiting for an hour; SNS-backed custom resources are
refused with a message.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from typing import Any

from localstack import config
from localstack.services.cloudformation.resource_provider import (
    CloudFormationResourceProviderPlugin,
    OperationStatus,
    ProgressEvent,
    ResourceProvider,
)

RESPONSE_PATH = "/_oratio/cloudformation/custom-resource-response"
# Past the function's answer: how long to wait for a response a function sends later (the CDK provider
# framework's waiters), and for one sent after the function failed.
WAIT_AFTER_SUCCESS_S = 300.0
WAIT_AFTER_FAILURE_S = 2.0
PROPERTIES_KEY = "OratioResourceProperties"  # the properties sent, kept for the next Update and the Delete

_responses: dict[str, dict[str, Any] | None] = {}
_responses_ready = threading.Condition()
_route_added = False


def _answer(request: Any, token: str) -> Any:
    from localstack.http import Response

    with _responses_ready:
        if token not in _responses:
            return Response(json.dumps({"message": "no custom resource waits for this response"}), 404)
        try:
            _responses[token] = json.loads(request.get_data() or b"{}")
        except ValueError:
            _responses[token] = {"Status": "FAILED", "Reason": "the response body was not JSON"}
        _responses_ready.notify_all()
    return Response("", 200)


def _ensure_route() -> None:
    global _route_added
    if _route_added:
        return
    from localstack.services.edge import ROUTER

    ROUTER.add(f"{RESPONSE_PATH}/<token>", endpoint=_answer, methods=["PUT", "POST"])
    _route_added = True


def stringified(value: Any) -> Any:
    """CloudFormation sends a custom resource's properties with every scalar as a string."""
    if isinstance(value, dict):
        return {key: stringified(item) for key, item in value.items()}
    if isinstance(value, list):
        return [stringified(item) for item in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return value


class CustomResourceProvider(ResourceProvider):
    TYPE = "AWS::CloudFormation::CustomResource"
    SCHEMA = {"primaryIdentifier": ["/properties/PhysicalResourceId"], "createOnlyProperties": [],
              "properties": {}}

    def _call(self, request: Any, request_type: str, properties: dict[str, Any],
              physical_id: str | None = None, old_properties: dict[str, Any] | None = None) -> dict[str, Any]:
        """The function's response document, or one with Status FAILED saying why there is none."""
        _ensure_route()
        service_token = properties.get("ServiceToken")
        if not isinstance(service_token, str) or ":lambda:" not in service_token:
            return {"Status": "FAILED", "Reason": f"ServiceToken must be a Lambda function ARN here (SNS-backed "
                                                  f"custom resources are not run locally), not {service_token!r}"}
        token = uuid.uuid4().hex
        port = config.GATEWAY_LISTEN[0].port
        event: dict[str, Any] = {
            "RequestType": request_type, "ServiceToken": service_token,
            "ResponseURL": f"http://127.0.0.1:{port}{RESPONSE_PATH}/{token}",
            "StackId": request.stack_id, "RequestId": str(uuid.uuid4()),
            "LogicalResourceId": request.logical_resource_id, "ResourceType": self._resource_type(request),
            "ResourceProperties": stringified(properties)}
        if physical_id is not None:
            event["PhysicalResourceId"] = physical_id
        if old_properties is not None:
            event["OldResourceProperties"] = stringified(old_properties)
        with _responses_ready:
            _responses[token] = None
        try:
            answer = request.aws_client_factory.lambda_.invoke(FunctionName=service_token,
                                                               Payload=json.dumps(event).encode())
            failure = answer.get("FunctionError")
            detail = answer["Payload"].read().decode(errors="replace") if failure else ""
            wait_s = WAIT_AFTER_FAILURE_S if failure else WAIT_AFTER_SUCCESS_S
            deadline = time.monotonic() + wait_s
            with _responses_ready:
                while _responses[token] is None and time.monotonic() < deadline:
                    _responses_ready.wait(deadline - time.monotonic())
                response = _responses[token]
        except Exception as error:  # the function does not exist, or cannot be invoked
            return {"Status": "FAILED", "Reason": f"invoking {service_token} failed: {error}"}
        finally:
            with _responses_ready:
                _responses.pop(token, None)
        if response is not None:
            return response
        if failure:
            return {"Status": "FAILED", "Reason": f"the custom resource's function failed without a response: "
                                                  f"{detail[:500]}"}
        return {"Status": "FAILED", "Reason": f"the custom resource's function sent no response to ResponseURL "
                                              f"within {WAIT_AFTER_SUCCESS_S:.0f} s"}

    @staticmethod
    def _resource_type(request: Any) -> str:
        return getattr(request, "resource_type", None) or "AWS::CloudFormation::CustomResource"

    @staticmethod
    def _model(properties: dict[str, Any], response: dict[str, Any], physical_id: str) -> dict[str, Any]:
        data = response.get("Data") or {}
        return {**(data if isinstance(data, dict) else {}), "PhysicalResourceId": physical_id,
                PROPERTIES_KEY: properties}

    def create(self, request: Any) -> ProgressEvent:
        properties = {k: v for k, v in (request.desired_state or {}).items() if k != PROPERTIES_KEY}
        response = self._call(request, "Create", properties)
        if response.get("Status") != "SUCCESS":
            return ProgressEvent(status=OperationStatus.FAILED, resource_model={},
                                 message=f"Received response status [FAILED] from custom resource. Message "
                                         f"returned: {response.get('Reason') or 'no reason given'}")
        physical_id = response.get("PhysicalResourceId") or request.logical_resource_id
        return ProgressEvent(status=OperationStatus.SUCCESS,
                             resource_model=self._model(properties, response, str(physical_id)))

    def update(self, request: Any) -> ProgressEvent:
        previous = request.previous_state or {}
        properties = {k: v for k, v in (request.desired_state or {}).items() if k not in (PROPERTIES_KEY,
                                                                                           "PhysicalResourceId")}
        old_properties = previous.get(PROPERTIES_KEY) or {}
        old_id = previous.get("PhysicalResourceId") or request.logical_resource_id
        response = self._call(request, "Update", properties, physical_id=old_id, old_properties=old_properties)
        if response.get("Status") != "SUCCESS":
            return ProgressEvent(status=OperationStatus.FAILED, resource_model=previous,
                                 message=f"Received response status [FAILED] from custom resource. Message "
                                         f"returned: {response.get('Reason') or 'no reason given'}")
        new_id = str(response.get("PhysicalResourceId") or old_id)
        if new_id != old_id:  # a replacement: CloudFormation deletes the old one afterwards
            self._call(request, "Delete", old_properties, physical_id=old_id)
        return ProgressEvent(status=OperationStatus.SUCCESS, resource_model=self._model(properties, response, new_id))

    def delete(self, request: Any) -> ProgressEvent:
        state = request.desired_state or {}
        physical_id = state.get("PhysicalResourceId")
        if not physical_id or PROPERTIES_KEY not in state:  # never created (a failed create): nothing to delete
            return ProgressEvent(status=OperationStatus.SUCCESS, resource_model={})
        response = self._call(request, "Delete", state[PROPERTIES_KEY], physical_id=physical_id)
        if response.get("Status") != "SUCCESS":
            return ProgressEvent(status=OperationStatus.FAILED, resource_model=state,
                                 message=f"Received response status [FAILED] from custom resource. Message "
                                         f"returned: {response.get('Reason') or 'no reason given'}")
        return ProgressEvent(status=OperationStatus.SUCCESS, resource_model={})


class CustomResourceProviderPlugin(CloudFormationResourceProviderPlugin):
    name = "AWS::CloudFormation::CustomResource"

    def load(self) -> None:
        self.factory = CustomResourceProvider
