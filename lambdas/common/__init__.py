"""Code the platform's handlers share: the agent record, event validation, errors, clients and logging.

Copied into each function's bundle (the model's ``include``), so handlers ``import common``. The same code runs
on AWS and locally: boto3 finds LocalStack through AWS_ENDPOINT_URL, which only the local runtime sets.
"""
