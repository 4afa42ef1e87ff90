"""LocalStack providers for the AI layer's services that the free LocalStack lacks: AgentCore Runtime
(``agentcore``), S3 Vectors (``s3vectors``) and the Bedrock model stand-in (``bedrock_models``).

Also the routing fix for the "bedrock-agentcore" signing name, which both AgentCore APIs share (control plane and
data plane), and for "s3vectors": LocalStack does not know them and sends such requests to S3; the hook resolves
them by the REST route, as ``services`` does for the "bedrock" family. And the shutdown hook that stops every
agent runtime process.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from localstack.runtime import hooks
from localstack.services.plugins import Service, aws_provider

LOG = logging.getLogger(__name__)
AGENTCORE_FAMILY = ("bedrock-agentcore", "bedrock-agentcore-control")
# LocalStack does not know these signing names (it falls back to S3): requests signed with them are resolved here.
SIGNED_FAMILIES = {"bedrock-agentcore": AGENTCORE_FAMILY, "s3vectors": ("s3vectors",)}
SIGNATURE_SERVICE = re.compile(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/aws4_request")


def own_service(api: str, table: dict[str, Callable[..., Any]]) -> Service:
    """A provider answering ``table``'s operations; every other operation says it has no local implementation."""
    from localstack.aws.api import CommonServiceException
    from localstack.aws.skeleton import Skeleton
    from localstack.aws.spec import load_service

    def not_implemented(context: Any, request: Any) -> Any:
        raise CommonServiceException(
            "NotImplementedException", f"{context.operation.name} of {api} has no local implementation in oratio's "
            f"LocalStack plug-ins (implemented: {', '.join(sorted(table))})", status_code=501)

    model = load_service(api)
    handlers: dict[str, Any] = {operation: not_implemented for operation in model.operation_names}
    handlers.update(table)
    return Service(name=api, skeleton=Skeleton(model, handlers))


@aws_provider(api="bedrock-agentcore-control")
def bedrock_agentcore_control() -> Service:
    from oratio_localstack.agentcore import BEDROCK_AGENTCORE_CONTROL

    return own_service("bedrock-agentcore-control", BEDROCK_AGENTCORE_CONTROL)


@aws_provider(api="bedrock-agentcore")
def bedrock_agentcore() -> Service:
    from oratio_localstack.agentcore import BEDROCK_AGENTCORE

    return own_service("bedrock-agentcore", BEDROCK_AGENTCORE)


@aws_provider(api="s3vectors")
def s3vectors() -> Service:
    from oratio_localstack.s3vectors import S3VECTORS

    return own_service("s3vectors", S3VECTORS)


@aws_provider(api="bedrock-runtime")
def bedrock_runtime() -> Service:
    from oratio_localstack.bedrock_models import BEDROCK_RUNTIME

    return own_service("bedrock-runtime", BEDROCK_RUNTIME)


_routers: dict[str, Any] = {}


@hooks.on_infra_start()
def route_agentcore_signing_name() -> None:
    from localstack.aws.handlers import service as service_handlers
    from localstack.aws.protocol.op_router import RestServiceOperationRouter
    from localstack.aws.spec import get_service_catalog

    original = service_handlers.determine_aws_service_model

    def determine_aws_service_model(request: Any, services: Any = None) -> Any:
        model = original(request, services)
        signing = SIGNATURE_SERVICE.search(request.headers.get("Authorization") or "")
        family = SIGNED_FAMILIES.get(signing.group(1)) if signing else None
        if family is None or (model is not None and model.service_name in family and len(family) == 1):
            return model
        catalog = services or get_service_catalog()
        for name in family:
            try:
                candidate = catalog.get(name)
                router = _routers.get(name) or _routers.setdefault(name, RestServiceOperationRouter(candidate))
                router.match(request)
                return candidate
            except Exception:
                continue
        return model

    service_handlers.determine_aws_service_model = determine_aws_service_model
    LOG.info("oratio: requests signed 'bedrock-agentcore' or 's3vectors' are routed by their REST path")


@hooks.on_infra_start()
def parse_vector_data_quickly() -> None:
    """S3 Vectors requests get ``s3vectors.vectors_request_parser`` (vector data as JSON gave it), wherever LocalStack
    parses a request: its parser handler and its skeleton's fallback. Every other service keeps its parser."""
    import functools

    from localstack.aws import skeleton
    from localstack.aws.handlers import service as service_handlers

    from oratio_localstack.s3vectors import vectors_request_parser

    original = service_handlers.create_parser
    quick = functools.cache(vectors_request_parser)

    def create_parser(service: Any, protocol: Any = None) -> Any:
        if service.service_name == "s3vectors" and (protocol or service.protocol) == "rest-json":
            return quick(service)
        return original(service, protocol)

    service_handlers.create_parser = create_parser
    skeleton.create_parser = create_parser


@hooks.on_infra_shutdown()
def stop_agent_processes() -> None:
    from oratio_localstack.agent_processes import MANAGER

    MANAGER.stop_all()
