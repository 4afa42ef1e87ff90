"""API Gateway REST + Lambda proxy: the common "LambdaRestApi" sample with a GET /hello resource."""

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_lambda as lambda_

HANDLER = """
import json

def handler(event, context):
    name = (event.get("queryStringParameters") or {}).get("name", "world")
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"hello": name, "path": event["path"]})}
"""

app = cdk.App()
stack = cdk.Stack(app, "OratioSampleApigatewayLambda")
greeter = lambda_.Function(stack, "Greeter", runtime=lambda_.Runtime.PYTHON_3_12, handler="index.handler",
                           code=lambda_.Code.from_inline(HANDLER))
api = apigateway.LambdaRestApi(stack, "Api", handler=greeter, proxy=False)
api.root.add_resource("hello").add_method("GET")
cdk.CfnOutput(stack, "RestApiId", value=api.rest_api_id)
cdk.CfnOutput(stack, "StageName", value=api.deployment_stage.stage_name)
app.synth()
