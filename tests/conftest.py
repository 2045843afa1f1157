"""Shared test setup: paths like the Lambda runtime's, fake AWS credentials, moto.

Nothing here talks to the internet: moto answers every AWS call in-process.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support.world import prepare_process  # noqa: E402

# Before boto3 or moto are imported: no real credentials, no real endpoints, ever.
prepare_process()

pytest_plugins = ["tests.support.fixtures"]
