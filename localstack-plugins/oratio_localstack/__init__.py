"""oratio's plug-ins for LocalStack run as a plain process (no Docker).

- ``executor``: a Lambda runtime executor that runs Python handlers as local processes (``supervisor.py`` and
  ``worker.py`` run under the function's own interpreter), with timeouts, Lambda's environment and context.
- ``services``: cognito-idp and bedrock-agent served by LocalStack's bundled moto, the routing fix for the
  "bedrock" signing name, and ``bedrock``: the bedrock-agent operations moto lacks, with state, plus a clearly
  labelled local stand-in for bedrock-agent-runtime's InvokeAgent.
- ``cfn_cognito``: CloudFormation resource providers for Cognito user pools and clients.

Installed into LocalStack's own virtual environment by ``oratio.backends.localstack.embedded``.
"""
