"""The local stack (`python -m local`) in a subprocess, reached over HTTP on loopback.

Used by the integration tests (tests/integration/conftest.py) and the contract fuzzer
(tests/fuzz). Startup is bounded (STARTUP_TIMEOUT); the stack's output goes to a log file.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = 120  # generous: a loaded 2-core machine imports slowly
ADMIN_EMAIL = "admin@stack-tests.local"
ADMIN_PASSWORD = "Stack-Tests-Admin-2026!"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalStack:
    """One `python -m local` process; its output goes to a log file (never a full pipe)."""

    def __init__(self, state_dir: Path, log_path: Path, env: dict | None = None):
        self.state_dir = Path(state_dir)
        self.log_path = Path(log_path)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.admin_email, self.admin_password = ADMIN_EMAIL, ADMIN_PASSWORD
        self.extra_env = env or {}
        self.session = requests.Session()
        self.process: subprocess.Popen | None = None

    # ------------------------------------------------------------ process
    def env(self) -> dict:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("AWS_", "POWERTOOLS_")) and k not in ("JWT_SECRET", "PORT")}
        env.update({"BCRYPT_ROUNDS": "4", "LOCAL_SCHEDULES": "off", "LOCAL_RETRY_DELAY": "0",
                    "LOCAL_SELCOM_DELAY": "0.2",
                    "ADMIN_EMAIL": self.admin_email, "ADMIN_PASSWORD": self.admin_password,
                    "PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1", **self.extra_env})
        return env

    def start(self) -> "LocalStack":
        log = open(self.log_path, "ab")  # noqa: SIM115 - the child writes to it
        self.process = subprocess.Popen(
            [sys.executable, "-m", "local", "--port", str(self.port), "--state-dir", str(self.state_dir)],
            cwd=ROOT, env=self.env(), stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        health = (ROOT / "functions" / "health" / "get.py").exists()
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the local stack exited with {self.process.returncode}:\n{self.output()}")
            try:
                status = self.session.get(f"{self.url}/api/health", timeout=5).status_code
                if status < 500 or not health:
                    return
            except requests.RequestException:  # not listening yet, or still starting (bound early)
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the local stack was not ready within {STARTUP_TIMEOUT} s:\n{self.output()}")

    def stop(self, timeout: float = 30) -> int | None:
        """SIGTERM (the stack saves its state), then wait; kill only if it hangs."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(10)

    def restart(self) -> "LocalStack":
        """Stop and start again on the same state dir and port."""
        self.stop()
        self.session.close()
        self.session = requests.Session()
        return self.start()

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    # ------------------------------------------------------------ HTTP
    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", 30)
        return self.session.request(method, self.url + path, **kwargs)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def put(self, path, **kw):
        return self.request("PUT", path, **kw)

    def patch(self, path, **kw):
        return self.request("PATCH", path, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def options(self, path, **kw):
        return self.request("OPTIONS", path, **kw)

    def info(self) -> dict:
        """Endpoints (moto_endpoint), physical resource names, state file."""
        return self.get("/_local/info").json()["data"]

    def drain(self, timeout: float = 30) -> bool:
        """Wait until the consumed queues are empty."""
        return self.post(f"/_local/queues/drain?timeout={timeout}", timeout=timeout + 10).json()["data"]["drained"]

    def counter_total(self) -> dict[str, int]:
        """The all-time counters as the table holds them: every shard of `COUNTER#TOTAL` added
        up (one BatchGetItem of every possible shard key: the stack's shard count may differ
        from this process's environment)."""
        from chapchap.data import counters

        keys = [counters.shard_key(counters.total_key(), s) for s in range(counters.MAX_SHARDS)]
        table = self.info()["resources"]["Table"]["Ref"]
        found = self.boto3_client("dynamodb").batch_get_item(RequestItems={table: {
            "Keys": [{"pk": {"S": pk}, "sk": {"S": sk}} for pk, sk in keys], "ConsistentRead": True}})
        totals: dict[str, int] = {}
        for item in found["Responses"][table]:
            for name, value in item.items():
                if "N" in value:
                    totals[name] = totals.get(name, 0) + int(value["N"])
        return totals

    def boto3_client(self, service: str):
        """A boto3 client of the stack's emulated AWS."""
        import boto3

        return boto3.client(service, endpoint_url=self.info()["moto_endpoint"], region_name="af-south-1",
                            aws_access_key_id="testing", aws_secret_access_key="testing")
