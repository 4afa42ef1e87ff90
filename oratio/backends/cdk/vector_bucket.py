"""Vector buckets (S3 Vectors) as CloudFormation's ``AWS::S3Vectors::VectorBucket`` (aws-cdk-lib has the L1 only)."""

from __future__ import annotations

from aws_cdk import aws_s3vectors as s3vectors
from constructs import Construct

from oratio.backends.cdk.common import REMOVAL, tag
from oratio.model import System, VectorBucket


def render_vector_bucket(scope: Construct, system: System, vectors: VectorBucket,
                         construct_id: str) -> s3vectors.CfnVectorBucket:
    construct = s3vectors.CfnVectorBucket(
        scope, construct_id, vector_bucket_name=system.physical_name(vectors),
        encryption_configuration=s3vectors.CfnVectorBucket.EncryptionConfigurationProperty(sse_type="AES256"))
    construct.apply_removal_policy(REMOVAL[vectors.retention])
    tag(construct, system)
    return construct
