"""The system is valid for every stage name the model accepts, and its names fit AWS's limits: generated with
the model's own Hypothesis strategies (``oratio.testing.strategies``, limits from ``oratio.model.rules``)."""

from hypothesis import given
from infra import system

from oratio.model import rules
from oratio.testing.strategies import identifiers


@given(identifiers(rules.STAGE))
def test_every_stage_builds_a_valid_system(stage: str) -> None:
    built = system(stage)
    built.check()
    assert built.stage == stage
    for name in built.physical_names("123456789012").values():
        assert len(name) <= 255
    for function in built.functions:
        assert len(built.physical_name(function)) <= rules.LAMBDA_FUNCTION_NAME.max_length
