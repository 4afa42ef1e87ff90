"""CloudFormation resource providers for AWS::Cognito::UserPool and AWS::Cognito::UserPoolClient, calling the
cognito-idp API (served by moto through ``services``), so that CDK output creates real pools locally.
An update replaces nothing: it applies what the API can update and keeps the pool's id."""

from __future__ import annotations

from typing import Any

import localstack.services.cloudformation.provider_utils as util
from localstack.services.cloudformation.resource_provider import (
    CloudFormationResourceProviderPlugin,
    OperationStatus,
    ProgressEvent,
    ResourceProvider,
)


def api_parameters(client: Any, operation: str, model: dict[str, Any], renames: dict[str, str]) -> dict[str, Any]:
    """The template's properties that the API operation takes (CloudFormation and API names mostly agree)."""
    members = client.meta.service_model.operation_model(operation).input_shape.members
    return {renames.get(k, k): v for k, v in model.items() if renames.get(k, k) in members}


class UserPoolProvider(ResourceProvider):
    TYPE = "AWS::Cognito::UserPool"
    SCHEMA = {"primaryIdentifier": ["/properties/UserPoolId"], "createOnlyProperties": [], "properties": {}}

    def create(self, request: Any) -> ProgressEvent:
        model, cognito = request.desired_state, request.aws_client_factory.cognito_idp
        model.setdefault("UserPoolName", util.generate_default_name(request.stack_name, request.logical_resource_id))
        tags = model.get("UserPoolTags")
        parameters = api_parameters(cognito, "CreateUserPool", model, {"UserPoolName": "PoolName"})
        if isinstance(tags, dict):
            parameters["UserPoolTags"] = tags
        pool = cognito.create_user_pool(**parameters)["UserPool"]
        model.update(UserPoolId=pool["Id"], Arn=pool["Arn"],
                     ProviderName=f"cognito-idp.{request.region_name}.amazonaws.com/{pool['Id']}",
                     ProviderURL=f"https://cognito-idp.{request.region_name}.amazonaws.com/{pool['Id']}")
        return ProgressEvent(status=OperationStatus.SUCCESS, resource_model=model)

    def update(self, request: Any) -> ProgressEvent:
        model, cognito = request.desired_state, request.aws_client_factory.cognito_idp
        model["UserPoolId"] = request.previous_state["UserPoolId"]
        cognito.update_user_pool(**api_parameters(cognito, "UpdateUserPool", model, {}))
        for key in ("Arn", "ProviderName", "ProviderURL"):
            model[key] = request.previous_state.get(key)
        return ProgressEvent(status=OperationStatus.SUCCESS, resource_model=model)

    def delete(self, request: Any) -> ProgressEvent:
        request.aws_client_factory.cognito_idp.delete_user_pool(UserPoolId=request.desired_state["UserPoolId"])
        return ProgressEvent(status=OperationStatus.SUCCESS, resource_model={})


class UserPoolClientProvider(ResourceProvider):
    TYPE = "AWS::Cognito::UserPoolClient"
    SCHEMA = {"primaryIdentifier": ["/properties/ClientId"], "createOnlyProperties": ["/properties/UserPoolId"],
              "properties": {}}

    def create(self, request: Any) -> ProgressEvent:
        model, cognito = request.desired_state, request.aws_client_factory.cognito_idp
        model.setdefault("ClientName", request.logical_resource_id)
        client = cognito.create_user_pool_client(**api_parameters(cognito, "CreateUserPoolClient", model, {}))
        created = client["UserPoolClient"]
        model.update(ClientId=created["ClientId"], Name=created["ClientName"],
                     ClientSecret=created.get("ClientSecret", ""))
        return ProgressEvent(status=OperationStatus.SUCCESS, resource_model=model)

    def update(self, request: Any) -> ProgressEvent:
        model, cognito = request.desired_state, request.aws_client_factory.cognito_idp
        model["ClientId"] = request.previous_state["ClientId"]
        cognito.update_user_pool_client(**api_parameters(cognito, "UpdateUserPoolClient", model, {}))
        return ProgressEvent(status=OperationStatus.SUCCESS, resource_model=model)

    def delete(self, request: Any) -> ProgressEvent:
        state = request.desired_state
        request.aws_client_factory.cognito_idp.delete_user_pool_client(UserPoolId=state["UserPoolId"],
                                                                       ClientId=state["ClientId"])
        return ProgressEvent(status=OperationStatus.SUCCESS, resource_model={})


class UserPoolProviderPlugin(CloudFormationResourceProviderPlugin):
    name = "AWS::Cognito::UserPool"

    def load(self) -> None:
        self.factory = UserPoolProvider


class UserPoolClientProviderPlugin(CloudFormationResourceProviderPlugin):
    name = "AWS::Cognito::UserPoolClient"

    def load(self) -> None:
        self.factory = UserPoolClientProvider
