"""Services the free LocalStack lacks, served through its bundled moto: cognito-idp, apigatewayv2, bedrock-agent
(plus the operations in ``bedrock``), and bedrock-agent-runtime's Retrieve (``knowledge_bases``).

Also the routing fix for the "bedrock" signing name: LocalStack sends every request signed "bedrock" to the
``bedrock`` service, so bedrock-agent's REST calls (``PUT /knowledgebases/``) never reach a bedrock-agent
provider; the hook re-resolves such requests against the REST routes of the bedrock family.
"""

from __future__ import annotations

import logging
from typing import Any

from localstack.runtime import hooks
from localstack.services.plugins import Service, aws_provider

LOG = logging.getLogger(__name__)
BEDROCK_FAMILY = ("bedrock-agent", "bedrock-agent-runtime", "bedrock-runtime", "bedrock")


def moto_service(api: str, overrides: dict[str, Any] | None = None) -> Service:
    """A provider whose every operation goes to moto, except ``overrides``."""
    from localstack.aws.skeleton import Skeleton
    from localstack.aws.spec import load_service
    from localstack.services.moto import call_moto

    model = load_service(api)

    def to_moto(context: Any, request: Any) -> Any:
        return call_moto(context)

    table: dict[str, Any] = {operation: to_moto for operation in model.operation_names}
    table.update(overrides or {})
    return Service(name=api, skeleton=Skeleton(model, table))


# What a user pool is created with and UpdateUserPool cannot change (it has no parameter for them): AWS keeps them
# on every update; moto's update_user_pool resets them with the rest, so that a pool updated to a new password
# policy lost its sign-in by email, and the next plan saw a change only a replacement makes.
CREATION_ONLY_POOL_SETTINGS = ("UsernameAttributes", "AliasAttributes", "UsernameConfiguration")


def keep_creation_only_pool_settings() -> None:
    from moto.cognitoidp.models import CognitoIdpBackend

    original = CognitoIdpBackend.update_user_pool
    if getattr(original, "oratio_patched", False):
        return

    def update_user_pool(self: Any, user_pool_id: str, extended_config: dict[str, Any]) -> None:
        config = self.describe_user_pool(user_pool_id).extended_config
        kept = {key: config[key] for key in CREATION_ONLY_POOL_SETTINGS if key in config}
        original(self, user_pool_id, {**(extended_config or {}), **kept})

    update_user_pool.oratio_patched = True  # type: ignore[attr-defined]
    CognitoIdpBackend.update_user_pool = update_user_pool


@aws_provider(api="cognito-idp")
def cognito_idp() -> Service:
    keep_creation_only_pool_settings()
    return moto_service("cognito-idp")


@aws_provider(api="apigatewayv2")
def apigatewayv2() -> Service:
    """API Gateway v2's control plane (HTTP APIs, routes, integrations, authorizers, stages); the data plane is
    ``apigatewayv2.py``'s."""
    return moto_service("apigatewayv2", {"GetAuthorizers": _get_authorizers})


def _get_authorizers(context: Any, request: Any) -> dict[str, Any]:
    """GetAuthorizers, which moto lacks: its authorizers of one API, in the API's shape (PascalCase)."""
    from localstack.aws.api import CommonServiceException
    from moto.apigatewayv2.models import apigatewayv2_backends

    api = apigatewayv2_backends[context.account_id][context.region].apis.get(request["ApiId"])
    if api is None:
        raise CommonServiceException("NotFoundException", f"Invalid API identifier specified {request['ApiId']}",
                                     status_code=404)

    def pascal(value: Any) -> Any:
        if isinstance(value, dict):
            return {key[:1].upper() + key[1:]: pascal(item) for key, item in value.items() if item is not None}
        return value

    return {"Items": [pascal(authorizer.to_json()) for authorizer in api.authorizers.values()]}


@aws_provider(api="bedrock-agent")
def bedrock_agent() -> Service:
    from oratio_localstack.bedrock import BEDROCK_AGENT
    from oratio_localstack.knowledge_bases import BEDROCK_AGENT_KNOWLEDGE_BASES

    return moto_service("bedrock-agent", {**BEDROCK_AGENT, **BEDROCK_AGENT_KNOWLEDGE_BASES})


@aws_provider(api="bedrock-agent-runtime")
def bedrock_agent_runtime() -> Service:
    """moto has no bedrock-agent-runtime: Retrieve is ``knowledge_bases``'; the rest answer "not implemented" (there
    is no model behind InvokeAgent locally: the platform's agents are AgentCore runtimes)."""
    from localstack.aws.skeleton import Skeleton
    from localstack.aws.spec import load_service

    def not_implemented(context: Any, request: Any) -> Any:
        raise NotImplementedError(f"{context.operation.name} has no local stand-in in oratio's LocalStack plug-ins")

    model = load_service("bedrock-agent-runtime")
    table: dict[str, Any] = {operation: not_implemented for operation in model.operation_names}
    from oratio_localstack.knowledge_bases import BEDROCK_AGENT_RUNTIME_RETRIEVAL

    table.update(BEDROCK_AGENT_RUNTIME_RETRIEVAL)  # Retrieve over knowledge bases stored in S3 Vectors
    return Service(name="bedrock-agent-runtime", skeleton=Skeleton(model, table))


_routers: dict[str, Any] = {}


@hooks.on_infra_start()
def route_bedrock_signing_name() -> None:
    from localstack.aws.handlers import service as service_handlers
    from localstack.aws.protocol.op_router import RestServiceOperationRouter
    from localstack.aws.spec import get_service_catalog

    original = service_handlers.determine_aws_service_model

    def determine_aws_service_model(request: Any, services: Any = None) -> Any:
        model = original(request, services)
        if model is None or model.service_name not in BEDROCK_FAMILY:
            return model
        catalog = services or get_service_catalog()
        for name in BEDROCK_FAMILY:
            try:
                candidate = catalog.get(name)
                router = _routers.get(name) or _routers.setdefault(name, RestServiceOperationRouter(candidate))
                router.match(request)
                return candidate
            except Exception:
                continue
        return model

    service_handlers.determine_aws_service_model = determine_aws_service_model
    LOG.info("oratio: requests signed 'bedrock' are routed by their REST path")
