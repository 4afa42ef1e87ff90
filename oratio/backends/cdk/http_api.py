"""An HTTP API as API Gateway v2 constructs: the API with its CORS, a Cognito user pool authorizer (issuer and
audience from the pool and clients the auth stack made), one Lambda proxy integration (payload 2.0) per function,
one route per model route, and the ``$default`` stage, deployed automatically, throttled and logging.

Each route's invoke permission is the model's (``oratio.model.permissions.InvokePermission``): the CDK's own
permission for the route is kept, its source ARN narrowed from ``{api}/*/*{path}`` (any method) to the route's
method and path. Functions are referred to by ARN from their model names (as roles refer to tables), so the
functions' stack exports nothing to this one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import jsii
from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from oratio.backends.cdk.common import PLACE, construct_id, log_group, tag
from oratio.model import HttpApi, System
from oratio.model.http_api import ACCESS_LOG_FORMAT, DEFAULT_ROUTE, DEFAULT_STAGE, IDENTITY_SOURCE
from oratio.model.permissions import InvokePermission, Kind, ResourceArn, arn

METHODS = {method.value: method for method in apigwv2.HttpMethod}
CORS_METHODS = {"*": apigwv2.CorsHttpMethod.ANY, **{m.value: m for m in apigwv2.CorsHttpMethod if m.value != "*"}}


def api_log_group(system: System, api: HttpApi) -> str:
    return f"/aws/vendedlogs/apis/{system.physical_name(api)}"


def render_http_api(scope: Construct, system: System, api: HttpApi,
                    pools: Mapping[str, tuple[cognito.IUserPool, Mapping[str, cognito.IUserPoolClient]]]
                    ) -> tuple[apigwv2.HttpApi, list[tuple[apigwv2.HttpRoute, bool]], logs.LogGroup | None]:
    """The API, each route with whether it is public, and its access log group (None when logs are off)."""
    cid = construct_id(api.name)
    cors = api.cors
    construct = apigwv2.HttpApi(
        scope, cid,
        api_name=system.physical_name(api),
        description=api.description or None,
        create_default_stage=False,
        cors_preflight=apigwv2.CorsPreflightOptions(
            allow_origins=list(cors.origins),
            allow_methods=[CORS_METHODS[m] for m in cors.methods],
            allow_headers=list(cors.headers),
            expose_headers=list(cors.expose_headers) or None,
            max_age=Duration.seconds(cors.max_age_s) if cors.max_age_s >= 0 else None,
            allow_credentials=cors.credentials,
        ) if cors else None,
    )
    authorizer = None
    if api.authorizer is not None:
        pool, clients = pools[api.authorizer.user_pool]
        authorizer = authorizers.HttpUserPoolAuthorizer(
            f"{cid}Authorizer", pool, authorizer_name=f"{system.physical_name(api)}-jwt",
            user_pool_clients=[clients[name] for name in api.authorizer.clients], identity_source=[IDENTITY_SOURCE])
    handlers = {
        name: integrations.HttpLambdaIntegration(
            f"{construct_id(name)}Integration",
            lambda_.Function.from_function_attributes(
                scope, f"{cid}{construct_id(name)}Function",
                function_arn=arn(ResourceArn(Kind.FUNCTION, name), system, PLACE), same_environment=True),
            payload_format_version=apigwv2.PayloadFormatVersion.VERSION_2_0)
        for name in api.functions
    }
    routes = []
    for route in api.routes:
        key = apigwv2.HttpRouteKey.DEFAULT if route.key == DEFAULT_ROUTE else \
            apigwv2.HttpRouteKey.with_(route.path, METHODS[route.method])
        rendered = apigwv2.HttpRoute(scope, f"{cid}Route{_route_id(route.key)}", http_api=construct, route_key=key,
                                     integration=handlers[route.function],
                                     authorizer=None if route.public else authorizer)
        permission = rendered.node.find_child(f"{construct_id(route.function)}Integration-Permission")
        model = InvokePermission(route.function, api.name, route.key)
        permission.add_property_override("SourceArn", model.source_arn(PLACE, construct.api_id))  # type: ignore
        routes.append((rendered, route.public))
    logs_ = log_group(scope, f"{cid}AccessLogs", api_log_group(system, api)) if api.access_logs else None
    apigwv2.HttpStage(scope, f"{cid}Stage", http_api=construct, stage_name=DEFAULT_STAGE, auto_deploy=True,
                      throttle=apigwv2.ThrottleSettings(burst_limit=api.throttling.burst,
                                                        rate_limit=api.throttling.rate),
                      access_log_settings=_AccessLogs(logs_) if logs_ is not None else None)
    if logs_ is not None:
        tag(logs_, system)
    tag(construct, system)
    return construct, routes, logs_


@jsii.implements(apigwv2.IAccessLogSettings)
class _AccessLogs:
    """The stage's access logs: the model's format, into the API's own log group."""

    def __init__(self, group: logs.ILogGroup) -> None:
        self._group = group

    @property
    def destination(self) -> apigwv2.IAccessLogDestination:
        return apigwv2.LogGroupLogDestination(self._group)

    @property
    def format(self) -> apigateway.AccessLogFormat:
        return apigateway.AccessLogFormat.custom(ACCESS_LOG_FORMAT)


def _route_id(key: str) -> str:
    """``GET /agents/{agentId}`` → ``GetAgentsAgentid`` and a digest of the key (keys that differ only in
    punctuation stay apart): stable while the key is."""
    words = "".join(c if c.isalnum() else " " for c in key).split()
    return "".join(word[:1].upper() + word[1:].lower() for word in words) + hashlib.sha256(key.encode()).hexdigest()[:6]
