"""HTTP APIs (API Gateway v2): the API with its CORS, a JWT authorizer whose issuer and audience are resolved from
the system's user pool and clients when it is created, one Lambda proxy integration (payload 2.0) per function,
the routes, the ``$default`` stage (throttling, access logs to its own log group), and each route's invoke
permission on its function (``oratio.model.permissions.InvokePermission``).

An API's pieces live inside it: an update keeps the API (and so its id and URL) and makes its routes,
integrations, authorizer and stage again; the functions' permissions for it are replaced with them. The API is
served by the plug-in ``oratio_localstack.apigatewayv2`` at ``{endpoint}/_oratio/execute-api/{apiId}/``.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterable
from typing import Any

from botocore.exceptions import ClientError

from oratio.backends.localstack.providers.base import Context, Live, Provider, Spec, concurrently
from oratio.backends.localstack.providers.log_group import LogGroupProvider
from oratio.backends.localstack.providers.user_pool import describe_pool, find_user_pool, pool_clients
from oratio.backends.localstack.target import Target
from oratio.model import HttpApi, System
from oratio.model.http_api import ACCESS_LOG_FORMAT, DEFAULT_STAGE, IDENTITY_SOURCE, issuer
from oratio.model.permissions import InvokePermission, Kind, ResourceArn, arn

PATH_PREFIX = "/_oratio/execute-api"  # where the plug-in serves HTTP APIs


def api_url(endpoint: str, api_id: str) -> str:
    return f"{endpoint.rstrip('/')}{PATH_PREFIX}/{api_id}/"


def api_log_group(physical: str) -> str:
    return f"/aws/vendedlogs/apis/{physical}"


def apis(target: Target) -> list[dict[str, Any]]:
    """Every HTTP API (one page: LocalStack's GetApis answers all)."""
    return target.once("apigatewayv2:apis", lambda: target.client("apigatewayv2").get_apis().get("Items", []))


def find_api(target: Target, name: str) -> dict[str, Any] | None:
    return next((api for api in apis(target) if api["Name"] == name), None)


def _statement_id(api_id: str, route_key: str) -> str:
    """One statement per route of one API in the function's policy (ids: letters, digits, '-', '_')."""
    return f"oratio-{api_id}-{hashlib.sha256(route_key.encode()).hexdigest()[:12]}"


class HttpApiProvider(Provider):
    kind = "http-api"
    level = 3  # after the functions and the user pool clients it refers to
    collection = "http_apis"
    output_group = "http_apis"

    def desired(self, resource: HttpApi, context: Context) -> list[Spec]:
        api, system, place = resource, context.system, context.place
        physical = system.physical_name(api)
        logs = LogGroupProvider.spec(f"http-api/{api.name}", api_log_group(physical)) if api.access_logs else None
        authorizer = None
        if api.authorizer is not None:
            pool = system.user_pool(api.authorizer.user_pool)
            authorizer = {"user_pool": system.physical_name(pool), "clients": sorted(api.authorizer.clients)}
        cors = api.cors
        return [*([logs] if logs else []), Spec("http-api", api.name, physical, {
            "description": api.description,
            "cors": {"AllowOrigins": list(cors.origins), "AllowMethods": list(cors.methods),
                     "AllowHeaders": list(cors.headers), "ExposeHeaders": list(cors.expose_headers),
                     "MaxAge": cors.max_age_s, "AllowCredentials": cors.credentials} if cors else None,
            "authorizer": authorizer,
            "routes": {route.key: {"function": arn(ResourceArn(Kind.FUNCTION, route.function), system, place),
                                   "authorized": not route.public} for route in api.routes},
            "throttling": {"burst": api.throttling.burst, "rate": api.throttling.rate},
            "access_logs": logs.physical if logs else None,
        })]

    # --- Reading -----------------------------------------------------------------------------------------------
    def read(self, target: Target, spec: Spec) -> Live | None:
        found = find_api(target, spec.physical)
        if found is None:
            return None
        client, api_id = target.client("apigatewayv2"), found["ApiId"]
        listed_integrations, listed_routes, authorizers, stages, tags = concurrently(
            lambda: client.get_integrations(ApiId=api_id).get("Items", []),
            lambda: client.get_routes(ApiId=api_id).get("Items", []),
            lambda: client.get_authorizers(ApiId=api_id).get("Items", []),
            lambda: client.get_stages(ApiId=api_id).get("Items", []),
            lambda: self._tags(target, found))
        integrations = {i["IntegrationId"]: i.get("IntegrationUri") for i in listed_integrations}
        routes = {r["RouteKey"]: {"function": integrations.get(r.get("Target", "").removeprefix("integrations/")),
                                  "authorized": r.get("AuthorizationType") == "JWT"} for r in listed_routes}
        stage = next((s for s in stages if s["StageName"] == DEFAULT_STAGE), {})
        settings = stage.get("DefaultRouteSettings", {})
        log_arn = stage.get("AccessLogSettings", {}).get("DestinationArn")
        cors = found.get("CorsConfiguration")
        return Live({
            "description": found.get("Description", ""),
            "cors": {key: cors.get(key, [] if key.endswith("s") else None) for key in
                     ("AllowOrigins", "AllowMethods", "AllowHeaders", "ExposeHeaders", "MaxAge",
                      "AllowCredentials")} if cors else None,
            "authorizer": self._read_authorizer(target, authorizers[0]) if authorizers else None,
            "routes": routes,
            "throttling": {"burst": settings.get("ThrottlingBurstLimit"),
                           "rate": settings.get("ThrottlingRateLimit")} if stage else None,
            "access_logs": log_arn.split(":log-group:", 1)[1].removesuffix(":*") if log_arn else None,
        }, tags)

    @staticmethod
    def _read_authorizer(target: Target, authorizer: dict[str, Any]) -> dict[str, Any] | None:
        """The pool and client names behind an authorizer's issuer and audience (None: not a pool of ours)."""
        config = authorizer.get("JwtConfiguration", {})
        pool_id = config.get("Issuer", "").rsplit("/", 1)[-1]
        try:
            pool = describe_pool(target, pool_id)
        except ClientError:
            return None
        clients = {c["ClientId"]: c["ClientName"] for c in pool_clients(target, pool_id)}
        return {"user_pool": pool["Name"], "clients": sorted(clients.get(c, c) for c in config.get("Audience", []))}

    @staticmethod
    def _tags(target: Target, api: dict[str, Any]) -> dict[str, str]:
        if api.get("Tags"):
            return dict(api["Tags"])
        resource = f"arn:aws:apigateway:{target.region}::/apis/{api['ApiId']}"
        return target.client("apigatewayv2").get_tags(ResourceArn=resource).get("Tags", {})

    # --- Changing ----------------------------------------------------------------------------------------------
    @staticmethod
    def _cors(spec: Spec) -> dict[str, Any]:
        return {"CorsConfiguration": spec.props["cors"]} if spec.props["cors"] else {}

    def create(self, target: Target, spec: Spec, tags: dict[str, str]) -> None:
        api = target.client("apigatewayv2").create_api(Name=spec.physical, ProtocolType="HTTP",
                                                       Description=spec.props["description"], Tags=tags,
                                                       **self._cors(spec))
        self._build(target, spec, api["ApiId"])

    def update(self, target: Target, spec: Spec, fields: set[str], tags: dict[str, str]) -> None:
        found = find_api(target, spec.physical)
        assert found is not None
        client, api_id = target.client("apigatewayv2"), found["ApiId"]
        client.update_api(ApiId=api_id, Description=spec.props["description"], **self._cors(spec))
        if not spec.props["cors"] and found.get("CorsConfiguration"):
            client.delete_cors_configuration(ApiId=api_id)
        client.tag_resource(ResourceArn=f"arn:aws:apigateway:{target.region}::/apis/{api_id}", Tags=tags)
        self._clear(target, api_id)
        self._build(target, spec, api_id)

    def _build(self, target: Target, spec: Spec, api_id: str) -> None:
        """The API's authorizer, integrations, routes, stage and its functions' invoke permissions."""
        client, props = target.client("apigatewayv2"), spec.props
        authorizer_id = None
        if props["authorizer"]:
            pool = find_user_pool(target, props["authorizer"]["user_pool"])
            assert pool is not None, "the user pool is applied before the API"
            clients = {c["ClientName"]: c["ClientId"] for c in target.client("cognito-idp").list_user_pool_clients(
                UserPoolId=pool["Id"], MaxResults=60)["UserPoolClients"]}
            authorizer_id = client.create_authorizer(
                ApiId=api_id, Name=f"{spec.physical}-jwt"[:128], AuthorizerType="JWT",
                IdentitySource=[IDENTITY_SOURCE], JwtConfiguration={
                    "Issuer": issuer(target.region, pool["Id"]),
                    "Audience": [clients[name] for name in props["authorizer"]["clients"]]})["AuthorizerId"]
        integrations = {function: client.create_integration(
            ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=function, IntegrationMethod="POST",
            PayloadFormatVersion="2.0")["IntegrationId"]
            for function in sorted({route["function"] for route in props["routes"].values()})}
        for key, route in props["routes"].items():
            client.create_route(ApiId=api_id, RouteKey=key, Target=f"integrations/{integrations[route['function']]}",
                                **({"AuthorizationType": "JWT", "AuthorizerId": authorizer_id}
                                   if route["authorized"] else {"AuthorizationType": "NONE"}))
        log_group = props["access_logs"]
        client.create_stage(ApiId=api_id, StageName=DEFAULT_STAGE, AutoDeploy=True, DefaultRouteSettings={
            "ThrottlingBurstLimit": props["throttling"]["burst"], "ThrottlingRateLimit": props["throttling"]["rate"]},
            **({"AccessLogSettings": {
                "DestinationArn": f"arn:aws:logs:{target.region}:{target.place.account}:log-group:{log_group}",
                "Format": ACCESS_LOG_FORMAT}} if log_group else {}))
        lambda_ = target.client("lambda")
        for key, route in props["routes"].items():
            permission = InvokePermission(route["function"], spec.name, key)
            lambda_.add_permission(FunctionName=route["function"], StatementId=_statement_id(api_id, key),
                                   Action=permission.action, Principal=permission.principal,
                                   SourceArn=permission.source_arn(target.place, api_id))

    def _clear(self, target: Target, api_id: str) -> None:
        """Everything inside the API, and its functions' permissions for it."""
        client = target.client("apigatewayv2")
        routes = client.get_routes(ApiId=api_id).get("Items", [])
        integrations = client.get_integrations(ApiId=api_id).get("Items", [])
        self._remove_permissions(target, api_id, {i.get("IntegrationUri") for i in integrations} - {None})
        for route in routes:
            client.delete_route(ApiId=api_id, RouteId=route["RouteId"])
        for integration in integrations:
            client.delete_integration(ApiId=api_id, IntegrationId=integration["IntegrationId"])
        for authorizer in client.get_authorizers(ApiId=api_id).get("Items", []):
            client.delete_authorizer(ApiId=api_id, AuthorizerId=authorizer["AuthorizerId"])
        for stage in client.get_stages(ApiId=api_id).get("Items", []):
            client.delete_stage(ApiId=api_id, StageName=stage["StageName"])

    @staticmethod
    def _remove_permissions(target: Target, api_id: str, functions: set[str]) -> None:
        import json

        lambda_ = target.client("lambda")
        for function in functions:
            try:
                policy = json.loads(lambda_.get_policy(FunctionName=function)["Policy"])
            except ClientError:
                continue  # no policy, or the function is gone
            for statement in policy.get("Statement", []):
                if str(statement.get("Sid", "")).startswith(f"oratio-{api_id}-"):
                    with contextlib.suppress(ClientError):
                        lambda_.remove_permission(FunctionName=function, StatementId=statement["Sid"])

    def delete(self, target: Target, physical: str) -> None:
        found = find_api(target, physical)
        if found is not None:
            self._clear(target, found["ApiId"])
            target.client("apigatewayv2").delete_api(ApiId=found["ApiId"])

    def listing(self, target: Target, prefix: str) -> Iterable[tuple[str, Any]]:
        return ((api["Name"], api) for api in apis(target))

    def listed_tags(self, target: Target, physical: str, item: Any) -> dict[str, str]:
        return self._tags(target, item)

    # --- Outputs -----------------------------------------------------------------------------------------------
    def output(self, target: Target, system: System, resource: HttpApi) -> dict[str, str] | None:
        found = find_api(target, system.physical_name(resource))
        if found is None:
            return None
        return {"id": found["ApiId"], "url": api_url(target.endpoint, found["ApiId"])}

    def output_lines(self, name: str, value: Any) -> list[tuple[str, str, str]]:
        return [("http api", name, value["url"])]


