"""Services the free LocalStack lacks, served through its bundled moto: cognito-idp, bedrock-agent (plus the
operations in ``bedrock``), and bedrock-agent-runtime's Retrieve (``knowledge_bases``).

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


@aws_provider(api="cognito-idp")
def cognito_idp() -> Service:
    return moto_service("cognito-idp")


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
