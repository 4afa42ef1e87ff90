"""The embedded LocalStack's CloudFormation plug-ins, through plain boto3: Lambda-backed custom resources (Create,
Update, Delete, Data for Fn::GetAtt, a failure failing the stack, then a delete that works the first time), and a
REST API whose Cognito user pool authorizer refuses a request without a valid token."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from oratio.backends.localstack.target import Target

pytestmark = pytest.mark.localstack
ROLE = "arn:aws:iam::000000000000:role/test-role"

# A custom resource's function as users write them: it answers by PUTting to ResponseURL, and records each
# request it gets in a bucket (so the test sees what CloudFormation sent).
CUSTOM_RESOURCE_HANDLER = '''
import json, os, urllib.request, boto3

def handler(event, context):
    props = event["ResourceProperties"]
    boto3.client("s3").put_object(Bucket=os.environ["RECORDS"], Key=f"{event['RequestType']}-{event['RequestId']}",
                                  Body=json.dumps(event).encode())
    failed = props.get("Fail") == "true" and event["RequestType"] != "Delete"
    body = {"Status": "FAILED" if failed else "SUCCESS", "Reason": "asked to fail by the template",
            "PhysicalResourceId": "greeter-" + props["Name"], "StackId": event["StackId"],
            "RequestId": event["RequestId"], "LogicalResourceId": event["LogicalResourceId"],
            "Data": {"Greeting": "hello " + props["Name"], "Count": props.get("Count")}}
    request = urllib.request.Request(event["ResponseURL"], data=json.dumps(body).encode(), method="PUT",
                                     headers={"Content-Type": ""})
    urllib.request.urlopen(request).read()
'''


@pytest.fixture(scope="module")
def aws(localstack: Any) -> Callable[[str], Any]:
    return Target(localstack.url).client


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def wait_for(cfn: Any, stack: str, final: set[str], timeout_s: float = 90) -> str:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            status = cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"]
        except cfn.exceptions.ClientError as error:
            if "does not exist" in str(error):
                return "DELETE_COMPLETE"
            raise
        if status in final or not status.endswith("IN_PROGRESS"):
            return status
        assert time.monotonic() < deadline, status
        time.sleep(0.5)


@pytest.fixture(scope="module")
def greeter(aws: Callable[[str], Any]) -> dict[str, str]:
    import io
    import zipfile

    records = unique("records")
    aws("s3").create_bucket(Bucket=records)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", CUSTOM_RESOURCE_HANDLER)
    name = unique("greeter")
    arn = aws("lambda").create_function(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler",
                                        Code={"ZipFile": buffer.getvalue()}, Timeout=10,
                                        Environment={"Variables": {"RECORDS": records}})["FunctionArn"]
    aws("lambda").get_waiter("function_active_v2").wait(FunctionName=name)
    return {"arn": arn, "records": records}


def template(greeter: dict[str, str], name: str, *, fail: bool = False, count: int = 1) -> str:
    return json.dumps({
        "Resources": {"Greeting": {"Type": "Custom::Greeter", "Properties": {
            "ServiceToken": greeter["arn"], "Name": name, "Count": count, "Fail": fail}}},
        "Outputs": {"Greeting": {"Value": {"Fn::GetAtt": ["Greeting", "Greeting"]}},
                    "Id": {"Value": {"Ref": "Greeting"}}}})


def requests_seen(aws: Callable[[str], Any], greeter: dict[str, str]) -> list[dict[str, Any]]:
    s3 = aws("s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=greeter["records"]).get("Contents", [])]
    return [json.loads(s3.get_object(Bucket=greeter["records"], Key=key)["Body"].read()) for key in keys]


def outputs(cfn: Any, stack: str) -> dict[str, str]:
    return {o["OutputKey"]: o["OutputValue"] for o in cfn.describe_stacks(StackName=stack)["Stacks"][0]["Outputs"]}


def test_a_custom_resource_runs_its_function_on_create_update_and_delete(aws: Callable[[str], Any],
                                                                       greeter: dict[str, str]) -> None:
    cfn, stack = aws("cloudformation"), unique("custom")
    cfn.create_stack(StackName=stack, TemplateBody=template(greeter, "ada"))
    assert wait_for(cfn, stack, {"CREATE_COMPLETE"}) == "CREATE_COMPLETE"
    assert outputs(cfn, stack) == {"Greeting": "hello ada", "Id": "greeter-ada"}
    (create,) = [r for r in requests_seen(aws, greeter) if r["StackId"].split("/")[1] == stack]
    assert create["RequestType"] == "Create" and create["ResourceType"] == "Custom::Greeter"
    assert create["LogicalResourceId"] == "Greeting" and create["ResponseURL"].startswith("http://127.0.0.1:")
    assert create["ResourceProperties"] == {"ServiceToken": greeter["arn"], "Name": "ada", "Count": "1",
                                            "Fail": "false"}  # scalars as strings, as CloudFormation sends them

    cfn.update_stack(StackName=stack, TemplateBody=template(greeter, "ada", count=2))
    assert wait_for(cfn, stack, {"UPDATE_COMPLETE"}) == "UPDATE_COMPLETE"
    (update,) = [r for r in requests_seen(aws, greeter) if r["StackId"].split("/")[1] == stack
                 and r["RequestType"] == "Update"]
    assert update["PhysicalResourceId"] == "greeter-ada"
    assert update["OldResourceProperties"]["Count"] == "1" and update["ResourceProperties"]["Count"] == "2"

    cfn.delete_stack(StackName=stack)
    assert wait_for(cfn, stack, {"DELETE_COMPLETE"}) == "DELETE_COMPLETE"
    (delete,) = [r for r in requests_seen(aws, greeter) if r["StackId"].split("/")[1] == stack
                 and r["RequestType"] == "Delete"]
    assert delete["PhysicalResourceId"] == "greeter-ada" and delete["ResourceProperties"]["Count"] == "2"


def test_a_failing_custom_resource_fails_its_stack_and_the_stack_deletes_the_first_time(
        aws: Callable[[str], Any], greeter: dict[str, str]) -> None:
    cfn, stack = aws("cloudformation"), unique("failing")
    body = json.loads(template(greeter, "bob", fail=True))  # a bucket created before it, a topic never created
    body["Resources"]["Before"] = {"Type": "AWS::S3::Bucket"}
    body["Resources"]["Greeting"]["DependsOn"] = "Before"
    body["Resources"]["After"] = {"Type": "AWS::SNS::Topic", "DependsOn": "Greeting"}
    cfn.create_stack(StackName=stack, TemplateBody=json.dumps(body))
    status = wait_for(cfn, stack, {"CREATE_FAILED", "ROLLBACK_COMPLETE", "ROLLBACK_FAILED"})
    assert status in {"CREATE_FAILED", "ROLLBACK_COMPLETE"}
    reasons = [e.get("ResourceStatusReason", "") for e in cfn.describe_stack_events(StackName=stack)["StackEvents"]
               if e["LogicalResourceId"] == "Greeting"]
    assert any("asked to fail by the template" in reason for reason in reasons), reasons
    cfn.delete_stack(StackName=stack)
    assert wait_for(cfn, stack, {"DELETE_COMPLETE", "DELETE_FAILED"}) == "DELETE_COMPLETE"


API_HANDLER = '''
import json

def handler(event, context):
    claims = ((event.get("requestContext") or {}).get("authorizer") or {}).get("claims") or {}
    return {"statusCode": 200, "body": json.dumps({"user": claims.get("email")})}
'''


def test_a_rest_api_with_a_cognito_authorizer_refuses_requests_without_a_valid_token(
        aws: Callable[[str], Any], localstack: Any) -> None:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", API_HANDLER)
    name = unique("api-fn")
    function_arn = aws("lambda").create_function(FunctionName=name, Runtime="python3.12", Role=ROLE,
                                                 Handler="app.handler", Code={"ZipFile": buffer.getvalue()})[
        "FunctionArn"]
    aws("lambda").get_waiter("function_active_v2").wait(FunctionName=name)
    integration_uri = f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{function_arn}/invocations"
    body = {
        "Resources": {
            "Pool": {"Type": "AWS::Cognito::UserPool", "Properties": {"UsernameAttributes": ["email"]}},
            "Client": {"Type": "AWS::Cognito::UserPoolClient", "Properties": {
                "UserPoolId": {"Ref": "Pool"}, "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH",
                                                                     "ALLOW_REFRESH_TOKEN_AUTH"]}},
            "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": unique("api")}},
            "Authorizer": {"Type": "AWS::ApiGateway::Authorizer", "Properties": {
                "RestApiId": {"Ref": "Api"}, "Name": "users", "Type": "COGNITO_USER_POOLS",
                "IdentitySource": "method.request.header.Authorization",
                "ProviderARNs": [{"Fn::GetAtt": ["Pool", "Arn"]}]}},
            "Hello": {"Type": "AWS::ApiGateway::Resource", "Properties": {
                "RestApiId": {"Ref": "Api"}, "ParentId": {"Fn::GetAtt": ["Api", "RootResourceId"]},
                "PathPart": "hello"}},
            "Get": {"Type": "AWS::ApiGateway::Method", "Properties": {
                "RestApiId": {"Ref": "Api"}, "ResourceId": {"Ref": "Hello"}, "HttpMethod": "GET",
                "AuthorizationType": "COGNITO_USER_POOLS", "AuthorizerId": {"Ref": "Authorizer"},
                "Integration": {"Type": "AWS_PROXY", "IntegrationHttpMethod": "POST", "Uri": integration_uri}}},
            "Deployment": {"Type": "AWS::ApiGateway::Deployment", "DependsOn": ["Get"], "Properties": {
                "RestApiId": {"Ref": "Api"}, "StageName": "prod"}}},
        "Outputs": {"Api": {"Value": {"Ref": "Api"}}, "Pool": {"Value": {"Ref": "Pool"}},
                    "Client": {"Value": {"Ref": "Client"}}, "Authorizer": {"Value": {"Ref": "Authorizer"}}}}
    cfn, stack = aws("cloudformation"), unique("authorized")
    cfn.create_stack(StackName=stack, TemplateBody=json.dumps(body))
    assert wait_for(cfn, stack, {"CREATE_COMPLETE"}) == "CREATE_COMPLETE"
    out = outputs(cfn, stack)
    authorizer = aws("apigateway").get_authorizer(restApiId=out["Api"], authorizerId=out["Authorizer"])
    assert authorizer["type"] == "COGNITO_USER_POOLS" and authorizer["providerARNs"][0].endswith(out["Pool"])

    cognito = aws("cognito-idp")
    cognito.admin_create_user(UserPoolId=out["Pool"], Username="ada@example.com", MessageAction="SUPPRESS",
                              TemporaryPassword="Temporary-Pass-1")
    cognito.admin_set_user_password(UserPoolId=out["Pool"], Username="ada@example.com", Password="Real-Pass-12",
                                    Permanent=True)
    tokens = cognito.initiate_auth(ClientId=out["Client"], AuthFlow="USER_PASSWORD_AUTH", AuthParameters={
        "USERNAME": "ada@example.com", "PASSWORD": "Real-Pass-12"})["AuthenticationResult"]
    url = f"{localstack.url}/restapis/{out['Api']}/prod/_user_request_/hello"

    def get(headers: dict[str, str]) -> tuple[int, Any]:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(urllib.request.Request(url, headers=headers), timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    assert get({}) == (401, {"message": "Unauthorized"})
    forged = tokens["IdToken"].rsplit(".", 1)[0] + ".not-the-signature"
    assert get({"Authorization": forged}) == (401, {"message": "Unauthorized"})
    assert get({"Authorization": tokens["IdToken"]}) == (200, {"user": "ada@example.com"})
    cfn.delete_stack(StackName=stack)
    assert wait_for(cfn, stack, {"DELETE_COMPLETE"}) == "DELETE_COMPLETE"
