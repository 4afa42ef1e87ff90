"""A REST API whose method is protected by a Cognito user pool authorizer: the common "secure API" sample."""

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_lambda as lambda_

HANDLER = """
import json

def handler(event, context):
    claims = event["requestContext"]["authorizer"]["claims"]
    return {"statusCode": 200, "body": json.dumps({"email": claims["email"]})}
"""

app = cdk.App()
stack = cdk.Stack(app, "OratioSampleCognitoAuthorizer")
pool = cognito.UserPool(stack, "Users", sign_in_aliases=cognito.SignInAliases(email=True),
                        removal_policy=cdk.RemovalPolicy.DESTROY)
client = pool.add_client("Web", auth_flows=cognito.AuthFlow(user_password=True))
me = lambda_.Function(stack, "Me", runtime=lambda_.Runtime.PYTHON_3_12, handler="index.handler",
                      code=lambda_.Code.from_inline(HANDLER))
api = apigateway.RestApi(stack, "Api")
authorizer = apigateway.CognitoUserPoolsAuthorizer(stack, "Authorizer", cognito_user_pools=[pool])
api.root.add_resource("me").add_method("GET", apigateway.LambdaIntegration(me), authorizer=authorizer,
                                       authorization_type=apigateway.AuthorizationType.COGNITO)
cdk.CfnOutput(stack, "RestApiId", value=api.rest_api_id)
cdk.CfnOutput(stack, "StageName", value=api.deployment_stage.stage_name)
cdk.CfnOutput(stack, "UserPoolId", value=pool.user_pool_id)
cdk.CfnOutput(stack, "ClientId", value=client.user_pool_client_id)
app.synth()
