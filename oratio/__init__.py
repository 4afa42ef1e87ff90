"""oratio: define serverless AWS infrastructure once, render it with the AWS CDK or run it on LocalStack."""

__version__ = "0.1.0"
