"""EventBridge rule -> Lambda: events of a custom source on the default bus invoke a function, which records them
in a table."""

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_

HANDLER = """
import os, boto3

def handler(event, context):
    boto3.client("dynamodb").put_item(TableName=os.environ["TABLE"], Item={
        "id": {"S": event["detail"]["id"]}, "type": {"S": event["detail-type"]}})
"""

app = cdk.App()
stack = cdk.Stack(app, "OratioSampleEventbridgeLambda")
table = dynamodb.Table(stack, "Seen", partition_key=dynamodb.Attribute(name="id", type=dynamodb.AttributeType.STRING),
                       removal_policy=cdk.RemovalPolicy.DESTROY)
recorder = lambda_.Function(stack, "Recorder", runtime=lambda_.Runtime.PYTHON_3_12, handler="index.handler",
                            code=lambda_.Code.from_inline(HANDLER), environment={"TABLE": table.table_name})
table.grant_write_data(recorder)
events.Rule(stack, "OrderPlaced", event_pattern=events.EventPattern(source=["oratio.samples"],
                                                                    detail_type=["OrderPlaced"]),
            targets=[targets.LambdaFunction(recorder)])
cdk.CfnOutput(stack, "TableName", value=table.table_name)
app.synth()
