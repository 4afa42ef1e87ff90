"""S3 vector buckets (Amazon S3 Vectors): where knowledge bases keep their embeddings, one index per agent.

Names are unique per account and Region (not globally, unlike S3 buckets), so the physical name is
``{system}-{stage}-{name}`` without an account suffix; S3 Vectors' naming rules
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-vectors-buckets-naming.html) are checked on it.
"""

from __future__ import annotations

from collections.abc import Iterator

import attrs

from oratio.model import rules
from oratio.model.bucket import Encryption
from oratio.model.common import (
    Retention,
    Validated,
    check_enum,
    check_exemptions,
    check_identifier,
    check_name,
    exemptions_field,
    to_enum,
)
from oratio.model.errors import Problem
from oratio.model.grants import Named, TargetGrant


def check_vector_bucket_name(path: str, name: object) -> Iterator[Problem]:
    problems = list(check_name(path, name, rules.S3_VECTOR_BUCKET))
    yield from problems
    if not problems and isinstance(name, str) and not (name[0].isalnum() and name[-1].isalnum()):
        yield Problem(path, rules.VECTOR_BUCKET_NAME,
                      f"vector bucket name {name!r} must start and end with a letter or digit")


@attrs.frozen
class VectorBucket(Named, Validated):
    """A vector bucket. Grants: ``manage_indexes()`` (create and delete indexes at run time),
    ``read_write()`` (vectors of every index of the bucket), ``knowledge_base()`` (what a Bedrock knowledge base
    needs of its index: put, get, delete and query vectors, read the index).

    @default encryption S3_MANAGED (SSE-S3), retention RETAIN
    """

    _subject = "vector bucket"
    kind = "vector-bucket"
    env_suffix = "VECTOR_BUCKET"
    grant_actions = ("manage_indexes", "read_write", "knowledge_base")
    name: str
    encryption: Encryption = attrs.field(default=Encryption.S3_MANAGED, converter=to_enum(Encryption))
    retention: Retention = attrs.field(default=Retention.RETAIN, converter=to_enum(Retention))
    exemptions: tuple = exemptions_field()


    def manage_indexes(self, env_var: str | None = None) -> TargetGrant:
        return TargetGrant(self, "manage_indexes", env_var)

    def read_write(self, env_var: str | None = None) -> TargetGrant:
        return TargetGrant(self, "read_write", env_var)

    def knowledge_base(self, env_var: str | None = None) -> TargetGrant:
        return TargetGrant(self, "knowledge_base", env_var)

    def problems(self) -> Iterator[Problem]:
        yield from check_identifier("name", self.name, rules.LOGICAL)
        yield from check_enum("encryption", self.encryption, Encryption)
        if self.encryption is Encryption.KMS_MANAGED:
            yield Problem("encryption", rules.VECTOR_BUCKET_ENCRYPTION,
                          "SSE-KMS needs a customer managed key, which the model does not hold yet; use S3_MANAGED")
        yield from check_enum("retention", self.retention, Retention)
        yield from check_exemptions(self.exemptions)
