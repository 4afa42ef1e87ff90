"""A Node.js handler (nodejs22.x, the TypeScript CDK apps' default kind of function) using the AWS SDK v3 that
Lambda's Node runtimes ship, with CloudWatch log retention (Custom::LogRetention, a Node.js custom resource)."""

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3

HANDLER = """
const { S3Client, PutObjectCommand } = require("@aws-sdk/client-s3");
const s3 = new S3Client({ forcePathStyle: true });

exports.handler = async (event, context) => {
  console.log("writing", event.key);
  await s3.send(new PutObjectCommand({ Bucket: process.env.BUCKET, Key: event.key, Body: "from node" }));
  return { written: event.key, node: process.version, remaining: context.getRemainingTimeInMillis() > 0 };
};
"""

app = cdk.App()
stack = cdk.Stack(app, "OratioSampleNodeHandler")
bucket = s3.Bucket(stack, "Out", removal_policy=cdk.RemovalPolicy.DESTROY)
writer = lambda_.Function(stack, "Writer", runtime=lambda_.Runtime.NODEJS_22_X, handler="index.handler",
                          code=lambda_.Code.from_inline(HANDLER), environment={"BUCKET": bucket.bucket_name},
                          log_retention=logs.RetentionDays.ONE_WEEK)
bucket.grant_write(writer)
cdk.CfnOutput(stack, "FunctionName", value=writer.function_name)
cdk.CfnOutput(stack, "BucketName", value=bucket.bucket_name)
app.synth()
