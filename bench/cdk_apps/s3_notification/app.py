"""S3 notification -> Lambda, with autoDeleteObjects: an object put under in/ makes the function copy it to out/.
The CDK renders the notification as Custom::S3BucketNotifications (a Python handler) and autoDeleteObjects as
Custom::S3AutoDeleteObjects (a Node.js handler using the AWS SDK v3): both custom resources must really run."""

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as notifications

HANDLER = """
import urllib.parse, boto3

def handler(event, context):
    s3 = boto3.client("s3")
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        s3.put_object(Bucket=bucket, Key="out/" + key.split("/", 1)[1], Body=body.upper())
        print("copied", key)
"""

app = cdk.App()
stack = cdk.Stack(app, "OratioSampleS3Notification")
bucket = s3.Bucket(stack, "Uploads", removal_policy=cdk.RemovalPolicy.DESTROY, auto_delete_objects=True)
copier = lambda_.Function(stack, "Copier", runtime=lambda_.Runtime.PYTHON_3_12, handler="index.handler",
                          code=lambda_.Code.from_inline(HANDLER), timeout=cdk.Duration.seconds(10))
bucket.grant_read_write(copier)
bucket.add_event_notification(s3.EventType.OBJECT_CREATED, notifications.LambdaDestination(copier),
                              s3.NotificationKeyFilter(prefix="in/"))
cdk.CfnOutput(stack, "BucketName", value=bucket.bucket_name)
cdk.CfnOutput(stack, "CopierName", value=copier.function_name)
app.synth()
