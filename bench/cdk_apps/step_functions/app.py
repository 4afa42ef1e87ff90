"""Step Functions with a Lambda task and a choice: the common "hello state machine" sample."""

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks

HANDLER = """
def handler(event, context):
    return {"total": sum(event["numbers"])}
"""

app = cdk.App()
stack = cdk.Stack(app, "OratioSampleStepFunctions")
adder = lambda_.Function(stack, "Adder", runtime=lambda_.Runtime.PYTHON_3_12, handler="index.handler",
                         code=lambda_.Code.from_inline(HANDLER))
add = tasks.LambdaInvoke(stack, "Add", lambda_function=adder, payload_response_only=True, result_path="$.sum")
big = sfn.Succeed(stack, "Big")
small = sfn.Succeed(stack, "Small")
definition = add.next(sfn.Choice(stack, "Size").when(sfn.Condition.number_greater_than("$.sum.total", 10), big)
                      .otherwise(small))
machine = sfn.StateMachine(stack, "Machine", definition_body=sfn.DefinitionBody.from_chainable(definition))
cdk.CfnOutput(stack, "StateMachineArn", value=machine.state_machine_arn)
app.synth()
