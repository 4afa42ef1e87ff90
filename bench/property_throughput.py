"""How many generated systems per minute the CDK round trip checks here: generate (oratio/testing/strategies.py), render
through the CDK backend, read the templates back, compare. Prints the figures; not a timed test.

Usage: .venv/bin/python bench/property_throughput.py [--examples 200]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from hypothesis import HealthCheck, given, settings  # noqa: E402

from oratio.model import System  # noqa: E402
from oratio.testing.strategies import systems  # noqa: E402
from tests.properties.test_cdk_rendering import test_the_template_reads_back_as_the_model  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=200)
    examples = parser.parse_args().examples
    counted = {"systems": 0, "resources": 0}
    round_trip = test_the_template_reads_back_as_the_model.hypothesis.inner_test

    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(systems())
    def measured(system: System) -> None:
        round_trip(system)
        counted["systems"] += 1
        counted["resources"] += sum(len(group) for group in (system.tables, system.buckets, system.functions,
                                                             system.workflows, system.user_pools))

    started = time.perf_counter()
    measured()
    elapsed = time.perf_counter() - started
    print(f"{counted['systems']} generated systems ({counted['resources']} model resources) rendered through the "
          f"CDK backend, read back and compared in {elapsed:.1f} s: {counted['systems'] / elapsed * 60:.0f} "
          "systems per minute")


if __name__ == "__main__":
    main()
