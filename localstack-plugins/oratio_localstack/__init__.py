"""oratio's plug-ins for LocalStack run as a plain process (no Docker).

- ``executor``: a Lambda runtime executor that runs Python and Node.js handlers as local processes
  (``supervisor.py`` under LocalStack's Python; ``worker.py`` or ``worker.js`` under the runtime's program), with
  Lambda's environment, context, logs, layers, timeouts and memory size.
- ``services``: cognito-idp and bedrock-agent served by LocalStack's bundled moto, the routing fix for the
  "bedrock" signing name, and ``bedrock``: the bedrock-agent operations moto lacks, with state (bedrock-agent-runtime
  serves Retrieve only: there is no InvokeAgent stand-in, the platform's agents run on AgentCore).
- ``cfn_cognito``: CloudFormation resource providers for Cognito user pools and clients; ``cfn_custom``:
  Lambda-backed custom resources; ``cfn_engine``: deleting a stack whose create failed works the first time.
- ``apigateway_auth``: Cognito user pool authorizers enforced on REST APIs, and ``AWS::ApiGateway::Authorizer``.
- ``apigatewayv2``: HTTP APIs served at ``/_oratio/execute-api/{apiId}/`` (routes, JWT authorizers, CORS,
  throttling, Lambda proxy integrations with payload 2.0); their control plane is moto's (``services``).
- The AI layer, served by ``ai_services``: ``agentcore`` (AgentCore Runtime control and data plane) with
  ``agent_processes`` (one local process per runtime session; the local agent contract), ``s3vectors`` (S3 Vectors
  with QueryVectors), ``bedrock_models`` (THE LOCAL MODEL STAND-IN at bedrock-runtime, labelled in every answer,
  and the local embeddings), ``knowledge_bases`` (ingestion into S3 Vectors and Retrieve), and ``cfn_ai``
  (CloudFormation providers for AgentCore runtimes and S3 Vectors buckets and indexes).
- ``plugin_info``: ``GET /_oratio/plugins``, the fingerprint of the plug-ins this LocalStack loaded (oratio restarts
  an embedded LocalStack that serves older ones).

Installed into LocalStack's own virtual environment by ``oratio.backends.localstack.embedded``.
"""
