"""make seed: demo data through the domain code into a running stack, twice, then used over HTTP."""
from __future__ import annotations

import os
import re
import subprocess
import sys

from tests.integration.conftest import ROOT


def seed(stack, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_")) and k != "JWT_SECRET"}
    done = subprocess.run([sys.executable, "-m", "local.seed", "--url", stack.url, *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def counter_total(stack) -> dict:
    return stack.counter_total()


def test_seed_fills_the_running_stack_through_the_domain(start_stack):
    stack = start_stack()
    out = seed(stack, "--days", "5", "--users", "12", "--seed", "3")
    assert "12 registered" in out and "revenue     TZS" in out and "\n  failed " not in out
    email, password = re.search(r"sign in as\s+(\S+) / (\S+)", out).groups()
    totals = counter_total(stack)
    assert totals["users"] == 12 and totals["cvs"] >= 12

    signed_in = stack.post("/api/auth/login", json={"email": email, "password": password})
    assert signed_in.status_code == 200, signed_in.text
    token = signed_in.json()["data"]["access_token"]
    cvs = stack.get("/api/cvs", headers={"authorization": f"Bearer {token}"}).json()["data"]
    assert cvs and all(cv["content"]["basics"]["name"] for cv in cvs)
    languages = {lang["language"] for cv in cvs for lang in cv["content"].get("languages", [])}
    assert {"Kiswahili", "English"} <= languages
    admin = stack.post("/api/auth/login", json={"email": stack.admin_email, "password": stack.admin_password})
    assert admin.status_code == 200

    again = seed(stack, "--days", "5", "--users", "12", "--seed", "3")  # a second batch, no clash
    assert "12 registered" in again and "\n  failed " not in again
    assert re.search(r"sign in as\s+(\S+)", again).group(1) != email
    assert counter_total(stack)["users"] == 24


def test_seed_says_how_to_start_a_stack(tmp_path):
    done = subprocess.run([sys.executable, "-m", "local.seed", "--url", "http://127.0.0.1:9"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "make dev" in done.stderr
