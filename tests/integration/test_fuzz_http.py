"""The OpenAPI contract, fuzzed: schemathesis against a local stack of its own (tests/fuzz).

Bounded here (FUZZ_EXAMPLES examples per operation and phase, a fixed seed so a red run can be
replayed); `make fuzz` runs the same with many more examples and a fresh seed each time.
Every operation is called signed in as a user, every admin operation as an admin, with every
schemathesis check but the two tests/fuzz/EXCLUDED_CHECKS explains: no 5xx, only documented
status codes, bodies and headers that match the document, schema-valid requests accepted and
schema-violating ones refused, authentication enforced.
"""
from __future__ import annotations

import os

from tests.fuzz import STACK_ENV, run
from tests.support.stack import LocalStack

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "5"))
SEED = int(os.environ.get("FUZZ_SEED", "20261122"))


def test_every_operation_keeps_the_documented_contract(tmp_path, capfd):
    stack = LocalStack(tmp_path / "state", tmp_path / "stack.log", STACK_ENV).start()
    try:
        code = run(stack.url, admin=(stack.admin_email, stack.admin_password), examples=EXAMPLES,
                   workdir=tmp_path, seed=SEED)
    finally:
        stack.stop()
    out = capfd.readouterr().out
    assert code == 0, f"schemathesis found contract failures:\n{out[-30000:]}\n--- stack log tail ---\n{stack.output()[-5000:]}"
    assert out.count("== fuzz as ") == 2 and "no failures" in out
