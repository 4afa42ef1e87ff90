"""API Gateway REST APIs: Cognito user pool authorizers, enforced; and their CloudFormation resource.

LocalStack community stores authorizers but its REST API gateway never runs them: a method with
``AuthorizationType: COGNITO_USER_POOLS`` answers anyone. ``enforce_cognito_authorizers`` (an ``on_infra_start``
hook) adds a step to the gateway's ``preprocess_request`` chain, the extension point LocalStack provides, which
does what API Gateway does for such a method: the token from the authorizer's identity source (by default the
``Authorization`` header, with or without "Bearer ") must be an unexpired ID or access token issued by one of the
authorizer's user pools (served by moto, ``services.py``), or the request gets 401 ``{"message":
"Unauthorized"}``; the token's claims become ``$context.authorizer.claims``.

``AuthorizerProvider`` is the ``AWS::ApiGateway::Authorizer`` resource provider LocalStack lacks (Ref is the
authorizer's id, as on AWS). Lambda (TOKEN/REQUEST) authorizers are stored but not run locally.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import time
from typing import Any

from localstack.runtime import hooks
from localstack.services.cloudformation.resource_provider import (
    CloudFormationResourceProviderPlugin,
    OperationStatus,
    ProgressEvent,
    ResourceProvider,
)

LOG = logging.getLogger(__name__)


def _claims(token: str) -> dict[str, Any] | None:
    try:
        payload = token.split(".")[1]
        return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return None


def issued_by(token: str, provider_arns: list[str]) -> dict[str, Any] | None:
    """The token's claims when one of the user pools named by ``provider_arns`` issued it and it has not expired
    (moto keeps every token it issues: a forged or foreign token is not among them)."""
    from moto.cognitoidp.models import cognitoidp_backends

    claims = _claims(token)
    if not claims or not isinstance(claims.get("exp"), (int, float)) or claims["exp"] < time.time():
        return None
    for arn in provider_arns:
        parts = arn.split(":")  # arn:aws:cognito-idp:<region>:<account>:userpool/<pool id>
        if len(parts) < 6 or not parts[5].startswith("userpool/"):
            continue
        region, account, pool_id = parts[3], parts[4], parts[5].split("/", 1)[1]
        if not str(claims.get("iss", "")).endswith(f"/{pool_id}"):
            continue
        try:
            pool = cognitoidp_backends[account][region].user_pools.get(pool_id)
        except KeyError:
            pool = None
        if pool is not None and (token in pool.id_tokens or token in pool.access_tokens):
            return claims
    return None


def _cognito_authorizer_step(chain: Any, context: Any, response: Any) -> None:
    from localstack.services.apigateway.next_gen.execute_api.gateway_response import UnauthorizedError

    method = context.resource_method or {}
    if method.get("authorizationType") != "COGNITO_USER_POOLS":
        return
    authorizer = context.deployment.rest_api.authorizers.get(method.get("authorizerId") or "")
    if authorizer is None:
        raise UnauthorizedError("Unauthorized")
    source = authorizer.get("identitySource") or "method.request.header.Authorization"
    header = source.removeprefix("method.request.header.")
    token = (context.invocation_request.get("headers") or {}).get(header) or ""
    token = token.removeprefix("Bearer ").strip()
    claims = issued_by(token, authorizer.get("providerARNs") or []) if token else None
    if claims is None:
        raise UnauthorizedError("Unauthorized")
    context.context_variables["authorizer"] = {"claims": {k: str(v) for k, v in claims.items()}}


@hooks.on_infra_start()
def enforce_cognito_authorizers() -> None:
    from localstack.services.apigateway.next_gen.execute_api import handlers

    handlers.preprocess_request.append(_cognito_authorizer_step)
    LOG.info("oratio: Cognito user pool authorizers are enforced on REST APIs")


class AuthorizerProvider(ResourceProvider):
    TYPE = "AWS::ApiGateway::Authorizer"
    SCHEMA = {"primaryIdentifier": ["/properties/AuthorizerId"], "createOnlyProperties": ["/properties/RestApiId"],
              "properties": {}}
    FIELDS = {"Name": "name", "Type": "type", "ProviderARNs": "providerARNs", "AuthType": "authType",
              "AuthorizerUri": "authorizerUri", "AuthorizerCredentials": "authorizerCredentials",
              "IdentitySource": "identitySource", "IdentityValidationExpression": "identityValidationExpression",
              "AuthorizerResultTtlInSeconds": "authorizerResultTtlInSeconds"}

    def _arguments(self, model: dict[str, Any]) -> dict[str, Any]:
        arguments = {api: model[name] for name, api in self.FIELDS.items() if model.get(name) is not None}
        if "authorizerResultTtlInSeconds" in arguments:
            arguments["authorizerResultTtlInSeconds"] = int(arguments["authorizerResultTtlInSeconds"])
        return arguments

    def create(self, request: Any) -> ProgressEvent:
        model = request.desired_state
        model.setdefault("Name", request.logical_resource_id)
        created = request.aws_client_factory.apigateway.create_authorizer(restApiId=model["RestApiId"],
                                                                          **self._arguments(model))
        model["AuthorizerId"] = created["id"]
        return ProgressEvent(status=OperationStatus.SUCCESS, resource_model=model)

    def update(self, request: Any) -> ProgressEvent:
        model, previous = request.desired_state, request.previous_state or {}
        model["AuthorizerId"] = previous["AuthorizerId"]
        arguments = self._arguments(model)
        operations = [{"op": "replace", "path": f"/{key}", "value": ",".join(value) if isinstance(value, list)
                       else str(value)} for key, value in arguments.items() if key not in ("type", "providerARNs")]
        request.aws_client_factory.apigateway.update_authorizer(restApiId=model["RestApiId"],
                                                                authorizerId=model["AuthorizerId"],
                                                                patchOperations=operations)
        return ProgressEvent(status=OperationStatus.SUCCESS, resource_model=model)

    def delete(self, request: Any) -> ProgressEvent:
        model = request.desired_state
        apigateway = request.aws_client_factory.apigateway
        with contextlib.suppress(apigateway.exceptions.NotFoundException, KeyError):
            apigateway.delete_authorizer(restApiId=model["RestApiId"], authorizerId=model["AuthorizerId"])
        return ProgressEvent(status=OperationStatus.SUCCESS, resource_model={})


class AuthorizerProviderPlugin(CloudFormationResourceProviderPlugin):
    name = "AWS::ApiGateway::Authorizer"

    def load(self) -> None:
        self.factory = AuthorizerProvider
