"""S3 buckets: versioning, encryption, public access, TLS, lifecycle rules, retention."""

from __future__ import annotations

import enum
from collections.abc import Iterator

import attrs

from oratio.model import rules
from oratio.model.common import (
    Retention,
    Validated,
    check_enum,
    check_exemptions,
    check_identifier,
    check_int_range,
    check_items,
    check_length,
    check_type,
    check_unique,
    exemptions_field,
    to_enum,
    to_tuple,
)
from oratio.model.errors import Problem
from oratio.model.grants import Access, Grantable, ResourceGrant


class StorageClass(enum.StrEnum):
    STANDARD_IA = "STANDARD_IA"
    ONEZONE_IA = "ONEZONE_IA"
    INTELLIGENT_TIERING = "INTELLIGENT_TIERING"
    GLACIER_IR = "GLACIER_IR"
    GLACIER = "GLACIER"
    DEEP_ARCHIVE = "DEEP_ARCHIVE"


class Encryption(enum.StrEnum):
    S3_MANAGED = "S3_MANAGED"  # SSE-S3 (AES256)
    KMS_MANAGED = "KMS_MANAGED"  # SSE-KMS with the AWS managed key aws/s3


@attrs.frozen
class Transition(Validated):
    """A move to ``storage_class`` after ``days``: checked when built on its own, and within its rule (the order
    of transitions and the expiration after the last)."""

    _subject = "transition"
    storage_class: StorageClass = attrs.field(converter=to_enum(StorageClass))
    days: int

    def problems(self) -> Iterator[Problem]:
        yield from check_enum("storage_class", self.storage_class, StorageClass)
        yield from check_int_range("days", self.days, rules.S3_TRANSITION_DAYS, rules.LIFECYCLE_DAYS)
        if isinstance(self.days, int) and isinstance(self.storage_class, StorageClass) \
                and self.storage_class in rules.S3_IA_CLASSES \
                and self.days not in rules.S3_IA_MIN_DAYS:
            yield Problem("days", rules.LIFECYCLE_IA_MIN_DAYS,
                          f"{self.storage_class} after {self.days} days; S3 requires {rules.S3_IA_MIN_DAYS.span}")


@attrs.frozen
class LifecycleRule(Validated):
    """One lifecycle rule: transitions, expiration and noncurrent-version expiration, for a key prefix."""

    _subject = "lifecycle rule"
    id: str
    prefix: str = ""
    transitions: tuple[Transition, ...] = attrs.field(default=(), converter=to_tuple)
    expiration_days: int | None = None
    noncurrent_version_expiration_days: int | None = None
    abort_incomplete_upload_days: int | None = None

    def problems(self) -> Iterator[Problem]:
        yield from check_type("id", self.id, str, "a rule id")
        yield from check_length("id", self.id, rules.S3_LIFECYCLE_ID_LENGTH, rules.LIFECYCLE_ID, "rule id")
        yield from check_type("prefix", self.prefix, str, "a key prefix")
        yield from check_items("transitions", self.transitions, Transition, "a Transition")
        for field in ("expiration_days", "noncurrent_version_expiration_days", "abort_incomplete_upload_days"):
            value = getattr(self, field)
            if value is not None:
                yield from check_int_range(field, value, rules.S3_EXPIRATION_DAYS, rules.LIFECYCLE_DAYS)
        if not isinstance(self.transitions, tuple):
            return
        transitions = [t for t in self.transitions if isinstance(t, Transition)]
        for index, transition in enumerate(transitions):  # each one's own rules: check_items above
            if not isinstance(transition.days, int) or isinstance(transition.days, bool):
                continue
            if index and isinstance(transitions[index - 1].days, int) and \
                    transition.days <= transitions[index - 1].days:
                yield Problem(f"transitions[{index}].days", rules.LIFECYCLE_ORDER,
                              f"{transition.days} days does not come after the previous transition's "
                              f"{transitions[index - 1].days} days")
        last = max((t.days for t in transitions if isinstance(t.days, int) and not isinstance(t.days, bool)),
                   default=None)
        expiration = self.expiration_days
        if isinstance(expiration, int) and not isinstance(expiration, bool) and last is not None and expiration <= last:
            yield Problem("expiration_days", rules.LIFECYCLE_EXPIRATION,
                          f"expiration after {self.expiration_days} days is not after the last transition "
                          f"({last} days)")
        actions = (self.expiration_days, self.noncurrent_version_expiration_days, self.abort_incomplete_upload_days)
        if not transitions and all(action is None for action in actions):
            yield Problem("", rules.LIFECYCLE_EMPTY, f"rule {self.id!r} has no transition or expiration")


@attrs.frozen
class Bucket(Grantable, Validated):
    """An S3 bucket. Secure by default: encrypted, all public access blocked, TLS-only, retained."""

    _subject = "bucket"
    env_suffix = "BUCKET"
    name: str
    versioned: bool = False
    encryption: Encryption = attrs.field(default=Encryption.S3_MANAGED, converter=to_enum(Encryption))
    block_public_access: bool = True
    enforce_tls: bool = True
    lifecycle_rules: tuple[LifecycleRule, ...] = attrs.field(default=(), converter=to_tuple)
    retention: Retention = attrs.field(default=Retention.RETAIN, converter=to_enum(Retention))
    exemptions: tuple = exemptions_field()

    def put(self, env_var: str | None = None) -> ResourceGrant:
        """``s3:PutObject`` on the bucket's objects and nothing else (no read, list or delete): what a function that
        signs presigned upload URLs needs."""
        return ResourceGrant(self, Access.PUT, env_var)

    def problems(self) -> Iterator[Problem]:
        yield from check_identifier("name", self.name, rules.LOGICAL)
        for field in ("versioned", "block_public_access", "enforce_tls"):
            yield from check_type(field, getattr(self, field), bool, "True or False")
        yield from check_enum("encryption", self.encryption, Encryption)
        yield from check_enum("retention", self.retention, Retention)
        yield from check_items("lifecycle_rules", self.lifecycle_rules, LifecycleRule, "a LifecycleRule")
        yield from check_exemptions(self.exemptions)
        if not isinstance(self.lifecycle_rules, tuple):
            return
        if len(self.lifecycle_rules) not in rules.S3_LIFECYCLE_RULES:
            yield Problem("lifecycle_rules", rules.LIFECYCLE_COUNT,
                          f"{len(self.lifecycle_rules)} rules; {rules.S3_LIFECYCLE_RULES.span}")
        valid = [r for r in self.lifecycle_rules if isinstance(r, LifecycleRule)]
        yield from check_unique("lifecycle_rules", (r.id for r in valid), "lifecycle rule id")
        for index, rule in enumerate(valid):
            if rule.noncurrent_version_expiration_days is not None and self.versioned is False:
                yield Problem(f"lifecycle_rules[{index}].noncurrent_version_expiration_days",
                              rules.LIFECYCLE_NONCURRENT,
                              "noncurrent versions exist only in a versioned bucket: set versioned=True")
