"""CloudFormation resource providers for API Gateway v2 HTTP APIs, which LocalStack's community edition lacks (it
fakes them: "No resource provider found"), so that a cdklocal deploy of a CDK ``HttpApi`` creates a real API in the
bundled moto's apigatewayv2 (served by ``services.py``) that ``apigatewayv2.py`` serves:

- ``AWS::ApiGatewayV2::Api``: Ref is the ApiId; GetAtt ApiId, ApiEndpoint. ``ApiEndpoint`` is the loopback URL at
  which ``apigatewayv2.py`` serves the API's ``$default`` stage, ``http://127.0.0.1:{port}/_oratio/execute-api/
  {apiId}`` (no DNS needed; like AWS's ``https://{apiId}.execute-api.{region}.amazonaws.com``, without a trailing
  slash), so the CDK's ``${ApiEndpoint}/`` output is the URL the LocalStack backend prints for the same API.
  OpenAPI imports (``Body``, ``BodyS3Location``) are refused with a clear reason rather than half-applied.
- ``AWS::ApiGatewayV2::Authorizer``: Ref and GetAtt AuthorizerId.
- ``AWS::ApiGatewayV2::Integration``: Ref and GetAtt IntegrationId.
- ``AWS::ApiGatewayV2::Route``: Ref and GetAtt RouteId.
- ``AWS::ApiGatewayV2::Stage``: Ref is the StageName. moto has no UpdateStage: an update makes the stage again
  under its name (its settings are all the API's data plane reads).

``ApiId`` is not declared create-only to LocalStack although CloudFormation replaces a part whose API changes:
LocalStack's engine counts a Ref to a resource being updated as a changed value, so every update of the API would
replace all its parts, and replacing a stage (create the new, then delete the old of the same name) deletes it.
A part whose ``ApiId`` really changes is made in the new API and deleted from the old one by ``update`` instead.

CloudFormation's property names are the API's member names (both PascalCase): a resource's properties are passed
through to the operation when its input shape has them.
"""

from __future__ import annotations

import contextlib
from typing import Any

from localstack.services.cloudformation.resource_provider import (
    CloudFormationResourceProviderPlugin,
    OperationStatus,
    ProgressEvent,
    ResourceProvider,
)

PATH_PREFIX = "/_oratio/execute-api"  # apigatewayv2.py's


def api_endpoint(api_id: str) -> str:
    """Where this LocalStack serves an HTTP API: loopback, on the port LocalStack advertises for itself."""
    from localstack import config

    return f"http://127.0.0.1:{config.LOCALSTACK_HOST.port}{PATH_PREFIX}/{api_id}"


def _parameters(client: Any, operation: str, model: dict[str, Any], skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """The resource's properties that the operation takes (CloudFormation's names are the API's)."""
    members = client.meta.service_model.operation_model(operation).input_shape.members
    return {key: value for key, value in _tags(model).items()
            if key in members and key not in skip and value is not None}


def _tags(model: dict[str, Any]) -> dict[str, Any]:
    """Tags as the API takes them (a map): the CDK renders a map, older templates a list of Key/Value."""
    tags = model.get("Tags")
    if isinstance(tags, list):
        model = {**model, "Tags": {tag["Key"]: tag["Value"] for tag in tags}}
    return model


def _failed(message: str, code: str = "InvalidRequest") -> ProgressEvent:
    return ProgressEvent(status=OperationStatus.FAILED, message=message, error_code=code)


def _success(model: dict[str, Any]) -> ProgressEvent:
    return ProgressEvent(status=OperationStatus.SUCCESS, resource_model=model)


def _gone(client: Any) -> tuple[type[Exception], ...]:
    return (client.exceptions.NotFoundException,)


def _api_arn(request: Any, api_id: str) -> str:
    return f"arn:aws:apigateway:{request.region_name}::/apis/{api_id}"


# --- Api --------------------------------------------------------------------------------------------------------
class ApiProvider(ResourceProvider):
    TYPE = "AWS::ApiGatewayV2::Api"
    SCHEMA = {"primaryIdentifier": ["/properties/ApiId"], "createOnlyProperties": ["/properties/ProtocolType"],
              "properties": {}}

    def create(self, request: Any) -> ProgressEvent:
        model, client = request.desired_state, request.aws_client_factory.apigatewayv2
        if model.get("Body") or model.get("BodyS3Location"):
            return _failed("AWS::ApiGatewayV2::Api from an OpenAPI definition (Body, BodyS3Location) is not "
                           "supported by oratio's local provider: declare the routes, integrations and stage as "
                           "resources (as the CDK's HttpApi does)", "NotSupported")
        if model.get("ProtocolType", "HTTP") != "HTTP":
            return _failed(f"AWS::ApiGatewayV2::Api with ProtocolType {model.get('ProtocolType')!r} is not served "
                           "locally: oratio serves HTTP APIs only (ProtocolType HTTP)", "NotSupported")
        model.setdefault("ProtocolType", "HTTP")
        api = client.create_api(**_parameters(client, "CreateApi", model))
        model.update(ApiId=api["ApiId"], ApiEndpoint=api_endpoint(api["ApiId"]))
        return _success(model)

    def update(self, request: Any) -> ProgressEvent:
        model, previous = request.desired_state, request.previous_state
        client, api_id = request.aws_client_factory.apigatewayv2, previous["ApiId"]
        client.update_api(ApiId=api_id, **_parameters(client, "UpdateApi", model, skip=("ApiId",)))
        if previous.get("CorsConfiguration") and not model.get("CorsConfiguration"):
            client.delete_cors_configuration(ApiId=api_id)
        old_tags, new_tags = _tags(previous).get("Tags") or {}, _tags(model).get("Tags") or {}
        if set(old_tags) - set(new_tags):
            client.untag_resource(ResourceArn=_api_arn(request, api_id), TagKeys=sorted(set(old_tags) - set(new_tags)))
        if new_tags:
            client.tag_resource(ResourceArn=_api_arn(request, api_id), Tags=new_tags)
        model.update(ApiId=api_id, ApiEndpoint=api_endpoint(api_id))
        return _success(model)

    def delete(self, request: Any) -> ProgressEvent:
        client = request.aws_client_factory.apigatewayv2
        with contextlib.suppress(*_gone(client)):
            client.delete_api(ApiId=request.desired_state["ApiId"])
        return _success({})


# --- The API's parts: created, updated and deleted inside it by id ----------------------------------------------
class _PartProvider(ResourceProvider):
    """A resource inside an API, known by ``ApiId`` and its own id (``ID``), made by Create{NOUN} and changed by
    Update{NOUN}, Delete{NOUN}."""

    NOUN: str
    ID: str

    def _extra(self, model: dict[str, Any]) -> dict[str, Any]:
        return {}

    def create(self, request: Any) -> ProgressEvent:
        model, client = request.desired_state, request.aws_client_factory.apigatewayv2
        create = getattr(client, f"create_{self.NOUN.lower()}")
        created = create(**{**_parameters(client, f"Create{self.NOUN}", model), **self._extra(model)})
        model[self.ID] = created[self.ID]
        return _success(model)

    def update(self, request: Any) -> ProgressEvent:
        model, previous = request.desired_state, request.previous_state
        client = request.aws_client_factory.apigatewayv2
        if model["ApiId"] != previous["ApiId"]:  # another API: CloudFormation's replacement (see the module's doc)
            created = self.create(request)
            with contextlib.suppress(*_gone(client)):
                getattr(client, f"delete_{self.NOUN.lower()}")(ApiId=previous["ApiId"], **{self.ID: previous[self.ID]})
            return created
        update = getattr(client, f"update_{self.NOUN.lower()}")
        update(**{**_parameters(client, f"Update{self.NOUN}", model, skip=(self.ID, "ApiId")),
                  **self._extra(model), "ApiId": previous["ApiId"], self.ID: previous[self.ID]})
        model[self.ID] = previous[self.ID]
        return _success(model)

    def delete(self, request: Any) -> ProgressEvent:
        model, client = request.desired_state, request.aws_client_factory.apigatewayv2
        delete = getattr(client, f"delete_{self.NOUN.lower()}")
        with contextlib.suppress(*_gone(client)):
            delete(ApiId=model["ApiId"], **{self.ID: model[self.ID]})
        return _success({})


class AuthorizerProvider(_PartProvider):
    TYPE = "AWS::ApiGatewayV2::Authorizer"
    SCHEMA = {"primaryIdentifier": ["/properties/AuthorizerId"], "createOnlyProperties": [],
              "properties": {}}
    NOUN, ID = "Authorizer", "AuthorizerId"


class IntegrationProvider(_PartProvider):
    TYPE = "AWS::ApiGatewayV2::Integration"
    SCHEMA = {"primaryIdentifier": ["/properties/IntegrationId"], "createOnlyProperties": [],
              "properties": {}}
    NOUN, ID = "Integration", "IntegrationId"


class RouteProvider(_PartProvider):
    TYPE = "AWS::ApiGatewayV2::Route"
    SCHEMA = {"primaryIdentifier": ["/properties/RouteId"], "createOnlyProperties": [],
              "properties": {}}
    NOUN, ID = "Route", "RouteId"

    def _extra(self, model: dict[str, Any]) -> dict[str, Any]:
        # CloudFormation's RequestParameters are the API's RequestParameters too ({name: {"Required": bool}}),
        # booleans given as strings by some templates.
        parameters = model.get("RequestParameters")
        if not parameters:
            return {}
        return {"RequestParameters": {name: {"Required": str(value.get("Required")).lower() == "true"}
                                      for name, value in parameters.items()}}


class StageProvider(ResourceProvider):
    TYPE = "AWS::ApiGatewayV2::Stage"
    SCHEMA = {"primaryIdentifier": ["/properties/StageName"],
              "createOnlyProperties": ["/properties/StageName"], "properties": {}}

    def create(self, request: Any) -> ProgressEvent:
        model, client = request.desired_state, request.aws_client_factory.apigatewayv2
        client.create_stage(**_parameters(client, "CreateStage", model))
        return _success(model)

    def update(self, request: Any) -> ProgressEvent:
        model, client = request.desired_state, request.aws_client_factory.apigatewayv2
        previous = request.previous_state
        with contextlib.suppress(*_gone(client)):
            client.delete_stage(ApiId=previous["ApiId"], StageName=previous["StageName"])
        client.create_stage(**_parameters(client, "CreateStage", model))
        return _success(model)

    def delete(self, request: Any) -> ProgressEvent:
        model, client = request.desired_state, request.aws_client_factory.apigatewayv2
        with contextlib.suppress(*_gone(client)):
            client.delete_stage(ApiId=model["ApiId"], StageName=model["StageName"])
        return _success({})


class ApiProviderPlugin(CloudFormationResourceProviderPlugin):
    name = "AWS::ApiGatewayV2::Api"

    def load(self) -> None:
        self.factory = ApiProvider


class AuthorizerProviderPlugin(CloudFormationResourceProviderPlugin):
    name = "AWS::ApiGatewayV2::Authorizer"

    def load(self) -> None:
        self.factory = AuthorizerProvider


class IntegrationProviderPlugin(CloudFormationResourceProviderPlugin):
    name = "AWS::ApiGatewayV2::Integration"

    def load(self) -> None:
        self.factory = IntegrationProvider


class RouteProviderPlugin(CloudFormationResourceProviderPlugin):
    name = "AWS::ApiGatewayV2::Route"

    def load(self) -> None:
        self.factory = RouteProvider


class StageProviderPlugin(CloudFormationResourceProviderPlugin):
    name = "AWS::ApiGatewayV2::Stage"

    def load(self) -> None:
        self.factory = StageProvider
