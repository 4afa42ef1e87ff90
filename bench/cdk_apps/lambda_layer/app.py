"""A Lambda layer shared by a Python function: the layer's python/ folder is on the function's path, as /opt/python
is on Lambda."""

import pathlib

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_

HERE = pathlib.Path(__file__).resolve().parent
HANDLER = """
import greetings

def handler(event, context):
    return greetings.greet(event["name"])
"""

app = cdk.App()
stack = cdk.Stack(app, "OratioSampleLambdaLayer")
layer = lambda_.LayerVersion(stack, "Greetings", code=lambda_.Code.from_asset(str(HERE / "layer")),
                             compatible_runtimes=[lambda_.Runtime.PYTHON_3_12])
greeter = lambda_.Function(stack, "Greeter", runtime=lambda_.Runtime.PYTHON_3_12, handler="index.handler",
                           code=lambda_.Code.from_inline(HANDLER), layers=[layer])
cdk.CfnOutput(stack, "FunctionName", value=greeter.function_name)
app.synth()
