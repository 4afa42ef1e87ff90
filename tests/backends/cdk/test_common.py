"""What every kind's rendering shares (``oratio/backends/cdk/common.py``)."""

from __future__ import annotations

from oratio.backends.cdk.common import construct_id


def test_construct_ids_are_the_model_names_in_pascal_case() -> None:
    assert construct_id("api-keys") == "ApiKeys"
    assert construct_id("agent_creation") == "AgentCreation"
    assert construct_id("kb-provisioner") == "KbProvisioner"
    assert construct_id("agents") == "Agents"
