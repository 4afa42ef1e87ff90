"""``python -m oratio``: the command line (the CDK CLI runs ``python -m oratio synth`` from cdk.json)."""

import sys

from oratio.cli import main

sys.exit(main())
