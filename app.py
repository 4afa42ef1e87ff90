#!/usr/bin/env python3
"""oratio's command line; see ``python app.py --help``. Also the CDK CLI's app (cdk.json)."""

import sys

from oratio.cli import main

if __name__ == "__main__":
    sys.exit(main())
