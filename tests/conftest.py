"""Shared test setup: paths like the Lambda runtime's, fake AWS credentials, moto.

Nothing here talks to the internet: moto answers every AWS call in-process.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT / "layers" / "common", ROOT / "functions", ROOT):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

# Before boto3 or moto are imported: no real credentials, no real endpoints, ever.
os.environ.update({
    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing", "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "af-south-1", "AWS_REGION": "af-south-1",
    "JWT_SECRET": "test-secret-that-is-long-enough-for-hs256-0123456789",
    "BCRYPT_ROUNDS": "4",
    "POWERTOOLS_METRICS_NAMESPACE": "CvChapChapTest",
    "POWERTOOLS_SERVICE_NAME": "cvchapchap-test",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
})
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.pop("AWS_PROFILE", None)

pytest_plugins = ["tests.support.fixtures"]
