"""Every sample event in events/ runs through its function against moto and succeeds.

The placeholders are filled by tests/support/events.py (see events/README.md).
"""
from __future__ import annotations

import pytest

from local.template import ROOT
from tests.support.apigw import invoke
from tests.support.events import EVENT_FILES, TEMPLATE, fill, function_for, sample_context


@pytest.fixture
def tokens(aws, catalog, selcom_sim, api):
    return sample_context(api, selcom_sim)


@pytest.mark.parametrize("path", EVENT_FILES, ids=lambda p: str(p.relative_to(ROOT / "events")))
def test_sample_event_runs(path, tokens):
    fn = function_for(path)
    event = fill(path.read_text(), tokens)
    result = invoke(fn.logical_id, event)
    if fn.events_of("HttpApi"):
        assert result["statusCode"] < 400, result.get("body")
        assert result["headers"]["X-Content-Type-Options"] == "nosniff"
    else:
        assert not (result or {}).get("batchItemFailures"), result


def test_every_function_has_an_event():
    missing = [fn.logical_id for fn in TEMPLATE.functions.values() if not fn.event_file.exists()]
    assert not missing, f"functions without a sample event in events/: {missing}"
