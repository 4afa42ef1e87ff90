"""Vector buckets (S3 Vectors) as CloudFormation's ``AWS::S3Vectors::VectorBucket`` (aws-cdk-lib has the L1 only)."""

from __future__ import annotations

from aws_cdk import RemovalPolicy, Tags
from aws_cdk import aws_s3vectors as s3vectors
from constructs import Construct

from oratio.model import Retention, System, VectorBucket

REMOVAL = {Retention.RETAIN: RemovalPolicy.RETAIN, Retention.DESTROY: RemovalPolicy.DESTROY}


def render_vector_bucket(scope: Construct, system: System, vectors: VectorBucket,
                         construct_id: str) -> s3vectors.CfnVectorBucket:
    construct = s3vectors.CfnVectorBucket(
        scope, construct_id, vector_bucket_name=system.physical_name(vectors),
        encryption_configuration=s3vectors.CfnVectorBucket.EncryptionConfigurationProperty(sse_type="AES256"))
    construct.apply_removal_policy(REMOVAL[vectors.retention])
    for key, value in system.tags.items():
        Tags.of(construct).add(key, value)
    return construct
