"""oratio's plug-ins for LocalStack run as a plain process (no Docker).

- ``executor``: a Lambda runtime executor that runs Python and Node.js handlers as local processes
  (``supervisor.py`` under LocalStack's Python; ``worker.py`` or ``worker.js`` under the runtime's program), with
  Lambda's environment, context, logs, layers, timeouts and memory size.
- ``services``: cognito-idp and bedrock-agent served by LocalStack's bundled moto, the routing fix for the
  "bedrock" signing name, and ``bedrock``: the bedrock-agent operations moto lacks, with state, plus a clearly
  labelled local stand-in for bedrock-agent-runtime's InvokeAgent.
- ``cfn_cognito``: CloudFormation resource providers for Cognito user pools and clients; ``cfn_custom``:
  Lambda-backed custom resources; ``cfn_engine``: deleting a stack whose create failed works the first time.
- ``apigateway_auth``: Cognito user pool authorizers enforced on REST APIs, and ``AWS::ApiGateway::Authorizer``.

Installed into LocalStack's own virtual environment by ``oratio.backends.localstack.embedded``.
"""
