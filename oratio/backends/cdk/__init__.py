"""The CDK backend: model values rendered as aws-cdk-lib constructs (work in progress, see issue 3).

Construct ids are the model's logical names, so they are stable: renaming a resource in the model is the only
thing that changes its CloudFormation logical id (and so replaces it).
"""
