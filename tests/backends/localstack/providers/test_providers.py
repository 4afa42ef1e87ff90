"""The providers' registry, made from the classes: one provider per kind, each model kind in a module named like
the model's (``oratio/model/table.py`` -> ``providers/table.py``), apply levels that put every resource after
what it needs, and each provider's contract on the deployed platform: it reads back exactly what it wants,
reads nothing where nothing is, and lists what the system owns."""

from __future__ import annotations

import json
import pkgutil
import typing
from pathlib import Path

import attrs
import pytest

from oratio.backends.localstack import Target, providers
from oratio.backends.localstack.providers import MODEL_PROVIDERS, PROVIDERS, SPEC_TAG, Provider, desired_state
from oratio.model import System
from tests.fixtures.api_system import api_system

PROJECT_ROOT = Path(__file__).resolve().parents[4]


def _subclasses(cls: type) -> set[type]:
    return {sub for direct in cls.__subclasses__() for sub in (direct, *_subclasses(direct))}


def test_the_registry_is_every_provider_class_of_the_package() -> None:
    assert {type(p) for p in PROVIDERS.values()} == _subclasses(Provider)
    modules = {m.name for m in pkgutil.iter_modules(providers.__path__)} - {"base"}
    assert {type(p).__module__.rsplit(".", 1)[1] for p in PROVIDERS.values()} == modules


def test_every_kind_of_the_model_has_its_provider_under_the_models_module_name() -> None:
    hints = typing.get_type_hints(System)
    collections = {field.name: typing.get_args(hints[field.name])[0] for field in attrs.fields(System)
                   if typing.get_origin(hints[field.name]) is tuple}
    assert {p.collection: p for p in MODEL_PROVIDERS}.keys() == collections.keys()
    for provider in MODEL_PROVIDERS:
        model_module = collections[str(provider.collection)].__module__.rsplit(".", 1)[1]
        assert type(provider).__module__ == f"oratio.backends.localstack.providers.{model_module}"


def test_every_resource_is_applied_after_what_it_needs(system: System) -> None:
    specs = desired_state(system, Target("http://127.0.0.1:1").place, PROJECT_ROOT)
    # The small API system of the HTTP API tests too (a public route, a $default route, CORS).
    specs += desired_state(api_system(), Target("http://127.0.0.1:1").place, PROJECT_ROOT)
    # By physical name, of what something may need (an HTTP API may share its name with its function: nothing
    # needs an API, and names are per kind on AWS).
    level = {spec.physical: PROVIDERS[spec.kind].level for spec in specs if spec.kind != "http-api"}
    by_arn_tail = {physical.rsplit("/", 1)[-1]: physical for physical in level}
    for spec in specs:
        needs = []
        if spec.kind in ("function", "state-machine"):
            needs.append(by_arn_tail[spec.props["role"].rsplit("/", 1)[1]])
        if spec.kind == "function":
            needs.append(spec.props["log_group"])
        if spec.kind == "state-machine":
            needs.append(spec.props["logging"]["log_group"].split(":log-group:")[1].removesuffix(":*"))
            needs += [s["Resource"].rsplit(":", 1)[1] for s in spec.props["definition"]["States"].values()
                      if s["Type"] == "Task"]
        if spec.kind == "user-pool-client":
            needs.append(spec.props["pool"])
        if spec.kind == "http-api":
            needs += [route["function"].rsplit(":", 1)[1] for route in spec.props["routes"].values()]
            needs += [spec.props["access_logs"], spec.props["authorizer"]["user_pool"]]
            needs += [f"{spec.props['authorizer']['user_pool']}/{c}" for c in spec.props["authorizer"]["clients"]]
        assert all(level[need] < PROVIDERS[spec.kind].level for need in needs), (spec.kind, needs)
    assert {spec.kind for spec in specs} == set(PROVIDERS)  # every kind was checked


@pytest.mark.localstack
def test_each_provider_reads_back_what_it_wants_and_nothing_where_nothing_is(target: Target,
                                                                             deployed: System) -> None:
    for spec in desired_state(deployed, target.place, PROJECT_ROOT):
        provider = PROVIDERS[spec.kind]
        live = provider.read(target, spec)
        assert live is not None and live.props == spec.props, spec.key
        if provider.taggable:
            assert live.owner() == (deployed.name, deployed.stage) and live.tags[SPEC_TAG] == spec.spec_hash
        absent = attrs.evolve(spec, physical=spec.physical.replace(deployed.stage, "nothing-here"))
        assert provider.read(target, absent) is None, spec.key


@pytest.mark.localstack
def test_each_provider_lists_what_the_system_owns(target: Target, deployed: System) -> None:
    specs = desired_state(deployed, target.place, PROJECT_ROOT)
    for kind, provider in PROVIDERS.items():
        wanted = {spec.physical for spec in specs if spec.kind == kind}
        owned = dict(provider.list_owned(target, f"{deployed.prefix}-"))
        assert owned.keys() == wanted, kind
        assert all(tags["oratio:system"] == deployed.name for tags in owned.values()), json.dumps(owned)
        assert dict(provider.list_owned(target, f"{deployed.prefix}-", frozenset(wanted))) == {}
