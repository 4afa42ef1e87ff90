"""Lambda with DynamoDB: a function that writes the item it is given into a table (the common "hit counter" /
"items API" sample's core), with Python logging."""

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_

HANDLER = """
import logging, os, boto3

logger = logging.getLogger()
logger.setLevel(logging.INFO)
table = boto3.resource("dynamodb").Table(os.environ["TABLE"])

def handler(event, context):
    table.put_item(Item={"pk": event["pk"], "hits": 1})
    logger.info("stored %s", event["pk"])
    return table.get_item(Key={"pk": event["pk"]})["Item"]["pk"]
"""

app = cdk.App()
stack = cdk.Stack(app, "OratioSampleLambdaDynamodb")
table = dynamodb.Table(stack, "Items", partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
                       billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST, removal_policy=cdk.RemovalPolicy.DESTROY)
writer = lambda_.Function(stack, "Writer", runtime=lambda_.Runtime.PYTHON_3_12, handler="index.handler",
                          code=lambda_.Code.from_inline(HANDLER), environment={"TABLE": table.table_name})
table.grant_read_write_data(writer)
cdk.CfnOutput(stack, "FunctionName", value=writer.function_name)
cdk.CfnOutput(stack, "TableName", value=table.table_name)
app.synth()
