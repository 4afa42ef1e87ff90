"""oratio's CloudFormation providers for API Gateway v2 HTTP APIs (``AWS::ApiGatewayV2::Api``, ``::Authorizer``,
``::Integration``, ``::Route``, ``::Stage``) on the embedded LocalStack: a stack from a template shaped like the
CDK's ``HttpApi`` creates the API in the control plane with its authorizer, integration, routes and stage, its
``ApiEndpoint`` is the loopback URL where the data plane serves it, an update changes it in place, and deleting
the stack deletes the API."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from oratio.backends.localstack.providers.http_api import api_url
from oratio.backends.localstack.target import Target

pytestmark = pytest.mark.localstack
Aws = Callable[[str], Any]
ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_NoSuchPool"
FUNCTION = "arn:aws:lambda:us-east-1:000000000000:function:oratio-cfn-http-api-test"


def template(description: str, burst: int) -> dict[str, Any]:
    api_ref = {"Ref": "Api"}
    return {"Resources": {
        "Api": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {
            "Name": f"cfn-http-api-{description}", "ProtocolType": "HTTP", "Description": description,
            "CorsConfiguration": {"AllowOrigins": ["https://app.example.com"], "AllowMethods": ["GET"]},
            "Tags": {"oratio:test": "cfn-http-api"}}},
        "Authorizer": {"Type": "AWS::ApiGatewayV2::Authorizer", "Properties": {
            "ApiId": api_ref, "AuthorizerType": "JWT", "Name": "jwt",
            "IdentitySource": ["$request.header.Authorization"],
            "JwtConfiguration": {"Issuer": ISSUER, "Audience": ["client-one"]}}},
        "Integration": {"Type": "AWS::ApiGatewayV2::Integration", "Properties": {
            "ApiId": api_ref, "IntegrationType": "AWS_PROXY", "IntegrationUri": FUNCTION,
            "PayloadFormatVersion": "2.0"}},
        "Protected": {"Type": "AWS::ApiGatewayV2::Route", "Properties": {
            "ApiId": api_ref, "RouteKey": "GET /items/{itemId}", "AuthorizationType": "JWT",
            "AuthorizerId": {"Ref": "Authorizer"},
            "Target": {"Fn::Join": ["", ["integrations/", {"Ref": "Integration"}]]}}},
        "Public": {"Type": "AWS::ApiGatewayV2::Route", "Properties": {
            "ApiId": api_ref, "RouteKey": "GET /health", "AuthorizationType": "NONE",
            "Target": {"Fn::Join": ["", ["integrations/", {"Fn::GetAtt": ["Integration", "IntegrationId"]}]]}}},
        "Stage": {"Type": "AWS::ApiGatewayV2::Stage", "Properties": {
            "ApiId": api_ref, "StageName": "$default", "AutoDeploy": True,
            "DefaultRouteSettings": {"ThrottlingBurstLimit": burst, "ThrottlingRateLimit": 50},
            "AccessLogSettings": {"DestinationArn": "arn:aws:logs:us-east-1:000000000000:log-group:/test/api",
                                  "Format": '{"requestId":"$context.requestId"}'},
            "Tags": {"oratio:test": "cfn-http-api"}}}},
        "Outputs": {name: {"Value": value} for name, value in {
            "ApiId": api_ref, "ApiIdAttribute": {"Fn::GetAtt": ["Api", "ApiId"]},
            "Url": {"Fn::Join": ["", [{"Fn::GetAtt": ["Api", "ApiEndpoint"]}, "/"]]},
            "AuthorizerId": {"Ref": "Authorizer"}, "IntegrationId": {"Ref": "Integration"},
            "ProtectedRouteId": {"Ref": "Protected"}, "PublicRouteId": {"Fn::GetAtt": ["Public", "RouteId"]},
            "Stage": {"Ref": "Stage"}}.items()}}


def _outputs(cloudformation: Any, stack: str) -> dict[str, str]:
    return {o["OutputKey"]: o["OutputValue"]
            for o in cloudformation.describe_stacks(StackName=stack)["Stacks"][0]["Outputs"]}


def _get(url: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url), timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_a_stack_of_http_api_resources_makes_a_served_api_and_its_deletion_removes_it(localstack: Any) -> None:
    target = Target(localstack.url)
    aws: Aws = target.client
    cloudformation, apis = aws("cloudformation"), aws("apigatewayv2")
    stack = f"cfn-http-api-{uuid.uuid4().hex[:8]}"
    cloudformation.create_stack(StackName=stack, TemplateBody=json.dumps(template("first", 20)))
    cloudformation.get_waiter("stack_create_complete").wait(StackName=stack, WaiterConfig={"Delay": 1})
    outputs = _outputs(cloudformation, stack)
    api_id = outputs["ApiId"]
    assert outputs["ApiIdAttribute"] == api_id
    assert outputs["Url"] == api_url(target.endpoint, api_id)  # what the LocalStack backend prints for an API
    assert outputs["Stage"] == "$default"

    api = apis.get_api(ApiId=api_id)
    assert (api["Name"], api["ProtocolType"], api["Description"]) == ("cfn-http-api-first", "HTTP", "first")
    assert api["CorsConfiguration"]["AllowOrigins"] == ["https://app.example.com"]
    assert api["Tags"] == {"oratio:test": "cfn-http-api"}
    authorizer = apis.get_authorizer(ApiId=api_id, AuthorizerId=outputs["AuthorizerId"])
    assert authorizer["AuthorizerType"] == "JWT" and authorizer["IdentitySource"] == ["$request.header.Authorization"]
    assert authorizer["JwtConfiguration"] == {"Issuer": ISSUER, "Audience": ["client-one"]}
    integration = apis.get_integration(ApiId=api_id, IntegrationId=outputs["IntegrationId"])
    assert (integration["IntegrationType"], integration["IntegrationUri"], integration["PayloadFormatVersion"]) == \
        ("AWS_PROXY", FUNCTION, "2.0")
    routes = {r["RouteKey"]: r for r in apis.get_routes(ApiId=api_id)["Items"]}
    assert set(routes) == {"GET /items/{itemId}", "GET /health"}
    protected, public = routes["GET /items/{itemId}"], routes["GET /health"]
    assert protected["RouteId"] == outputs["ProtectedRouteId"] and public["RouteId"] == outputs["PublicRouteId"]
    assert (protected["AuthorizationType"], protected["AuthorizerId"]) == ("JWT", outputs["AuthorizerId"])
    assert public["AuthorizationType"] == "NONE"
    assert {r["Target"] for r in routes.values()} == {f"integrations/{outputs['IntegrationId']}"}
    stage = apis.get_stage(ApiId=api_id, StageName="$default")
    assert stage["AutoDeploy"] is True
    assert stage["DefaultRouteSettings"]["ThrottlingBurstLimit"] == 20
    assert stage["AccessLogSettings"]["DestinationArn"].endswith(":log-group:/test/api")

    # Served at the output URL: the protected route's authorizer refuses a request without a token, an unknown path
    # has no route.
    assert _get(outputs["Url"] + "items/42") == (401, {"message": "Unauthorized"})
    assert _get(outputs["Url"] + "nothing-here") == (404, {"message": "Not Found"})

    # An update keeps the API (its id, so its URL) and changes it and its stage in place.
    cloudformation.update_stack(StackName=stack, TemplateBody=json.dumps(template("second", 7)))
    cloudformation.get_waiter("stack_update_complete").wait(StackName=stack, WaiterConfig={"Delay": 1})
    assert _outputs(cloudformation, stack)["ApiId"] == api_id
    assert apis.get_api(ApiId=api_id)["Description"] == "second"
    assert apis.get_stage(ApiId=api_id, StageName="$default")["DefaultRouteSettings"]["ThrottlingBurstLimit"] == 7

    cloudformation.delete_stack(StackName=stack)
    cloudformation.get_waiter("stack_delete_complete").wait(StackName=stack, WaiterConfig={"Delay": 1})
    with pytest.raises(ClientError) as gone:
        apis.get_api(ApiId=api_id)
    assert gone.value.response["Error"]["Code"] == "NotFoundException"
    assert _get(outputs["Url"] + "health") == (404, {"message": "Not Found"})


def test_an_api_from_an_openapi_body_fails_the_stack_with_the_reason(localstack: Any) -> None:
    cloudformation = Target(localstack.url).client("cloudformation")
    stack = f"cfn-http-api-body-{uuid.uuid4().hex[:8]}"
    cloudformation.create_stack(StackName=stack, TemplateBody=json.dumps({"Resources": {"Api": {
        "Type": "AWS::ApiGatewayV2::Api", "Properties": {"Body": {"openapi": "3.0.1", "paths": {}}}}}}))
    with pytest.raises(Exception):  # noqa: B017 - the waiter's failure; the reason is checked below
        cloudformation.get_waiter("stack_create_complete").wait(StackName=stack, WaiterConfig={"Delay": 1})
    events = cloudformation.describe_stack_events(StackName=stack)["StackEvents"]
    reasons = " ".join(e.get("ResourceStatusReason", "") for e in events if e["LogicalResourceId"] == "Api")
    assert "OpenAPI definition" in reasons
    cloudformation.delete_stack(StackName=stack)
