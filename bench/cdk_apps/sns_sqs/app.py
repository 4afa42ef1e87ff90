"""SNS -> SQS: a topic with a queue subscribed (raw message delivery), the common fan-out sample."""

import aws_cdk as cdk
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs

app = cdk.App()
stack = cdk.Stack(app, "OratioSampleSnsSqs")
queue = sqs.Queue(stack, "Queue", visibility_timeout=cdk.Duration.seconds(30))
topic = sns.Topic(stack, "Topic")
topic.add_subscription(subscriptions.SqsSubscription(queue, raw_message_delivery=True))
cdk.CfnOutput(stack, "TopicArn", value=topic.topic_arn)
cdk.CfnOutput(stack, "QueueUrl", value=queue.queue_url)
app.synth()
