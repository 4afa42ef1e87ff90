"""One provider per resource kind, in a module named like the kind (``table.py``, ``bucket.py``, ``function.py``,
``workflow.py``, ``user_pool.py``, ``agent_runtime.py``, ``service_role.py``, ``vector_bucket.py``, and the kinds
made for them: ``role.py``, ``log_group.py``, ``runtime_code.py``); what they share is in ``base.py``.

The registry is made from the provider classes themselves: every module of this package is imported, and each
``Provider`` subclass registers itself when it is defined. A new kind is a new module, and nothing else to edit.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from pathlib import Path
from types import MappingProxyType

import attrs

from oratio.backends.localstack.providers.base import (
    RETAIN_TAG,
    SPEC_TAG,
    Context,
    Live,
    Measure,
    Provider,
    Spec,
    ownership_tags,
    registered,
    service_unavailable,
)
from oratio.model import System
from oratio.model.permissions import Place

__all__ = ["MODEL_PROVIDERS", "PROVIDERS", "RETAIN_TAG", "SPEC_TAG", "Context", "Live", "Measure", "Provider", "Spec",
           "desired_state", "ownership_tags", "service_unavailable"]

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

# The providers of the model's kinds, in the order the System lists its resources.
MODEL_PROVIDERS: tuple[Provider, ...] = tuple(
    provider for field in attrs.fields(System) for provider in registered() if provider.collection == field.name)
# kind -> provider, in apply order; within a level the model's kinds first, in the System's order, then the kinds
# made for them (a destroy reports what it keeps in this order: tables, buckets, user pools).
PROVIDERS = MappingProxyType({provider.kind: provider for provider in sorted(registered(), key=lambda p: (
    p.level, MODEL_PROVIDERS.index(p) if p in MODEL_PROVIDERS else len(MODEL_PROVIDERS), p.kind))})

def desired_state(system: System, place: Place, project_root: Path,
                  progress: Callable[[str], None] | None = None) -> list[Spec]:
    """Every resource of the system as a spec, in the system's order (tables, buckets, functions, ...)."""
    context = Context(system, place, project_root, progress)
    specs = [spec for provider in MODEL_PROVIDERS for resource in getattr(system, str(provider.collection))
             for spec in provider.desired(resource, context)]
    # A resource made for several (the agent runtimes' code bucket) is listed by each: it is one resource.
    unique = {spec.key: spec for spec in reversed(specs)}
    return [spec for spec in specs if unique[spec.key] is spec]
