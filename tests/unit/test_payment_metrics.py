"""The payment metrics the alarms watch (template.yaml: PaymentCompletedWithoutWebhookAlarm,
PaymentFlaggedAlarm), read from the EMF lines the real handlers print, as CloudWatch would."""
from __future__ import annotations

import json
import os
from datetime import timedelta

import pytest

from chapchap import clock
from local.template import load_template
from tests.support.apigw import invoke

pytestmark = pytest.mark.usefixtures("catalog", "selcom_sim")
PASSWORD = "correct horse battery"
ALARMS = load_template().raw["Resources"]


def emitted(capsys) -> dict[str, float]:
    """Sum of every metric in the EMF documents printed since the last call, by name."""
    totals: dict[str, float] = {}
    for line in capsys.readouterr().out.splitlines():
        try:
            doc = json.loads(line)
        except ValueError:
            continue
        if not isinstance(doc, dict) or "_aws" not in doc:
            continue
        for directive in doc["_aws"]["CloudWatchMetrics"]:
            assert directive["Namespace"] == os.environ["POWERTOOLS_METRICS_NAMESPACE"]
            assert ["service"] in directive["Dimensions"]
            for metric in directive["Metrics"]:
                values = doc[metric["Name"]]
                totals[metric["Name"]] = totals.get(metric["Name"], 0) + sum(
                    values if isinstance(values, list) else [values])
    return totals


@pytest.fixture
def buyer(api):
    def make(email="buyer@example.com", phone="0754321987"):
        auth = api.post("/api/auth/register", json={"full_name": "Amina Juma", "email": email,
                                                    "password": PASSWORD, "phone_number": phone}).data
        cv = api.post("/api/cvs", json={"template_id": "modern-ocean", "content": {"basics": {"name": "Amina"}}},
                      token=auth["access_token"]).data["cv"]
        return {"token": auth["access_token"], "cv": cv}
    return make


def initiate(api, b, **body):
    return api.post("/api/payments/initiate", json={"cv_id": b["cv"]["id"], **body},
                    token=b["token"]).data["payment"]["reference"]


def webhook(api, reference):
    return api.post("/api/payments/callback", json={"order_id": reference, "payment_status": "COMPLETED",
                                                    "result": "SUCCESS", "resultcode": "000"})


def test_the_alarms_watch_the_names_and_dimension_the_code_emits():
    for alarm, name in (("PaymentCompletedWithoutWebhookAlarm", "PaymentCompletedWithoutWebhook"),
                        ("PaymentFlaggedAlarm", "PaymentFlagged")):
        props = ALARMS[alarm]["Properties"]
        assert props["MetricName"] == name
        globals_env = load_template().raw["Globals"]["Function"]["Environment"]["Variables"]
        assert props["Namespace"] == globals_env["POWERTOOLS_METRICS_NAMESPACE"]
        assert props["Dimensions"] == [{"Name": "service", "Value": globals_env["POWERTOOLS_SERVICE_NAME"]}]


def test_a_webhook_completion_emits_neither(api, buyer, selcom_sim, capsys):
    ref = initiate(api, buyer())
    selcom_sim.pay(ref)
    capsys.readouterr()
    webhook(api, ref)
    metrics = emitted(capsys)
    assert metrics.get("PaymentCompleted") == 1
    assert "PaymentCompletedWithoutWebhook" not in metrics and "PaymentFlagged" not in metrics


def test_reconciliation_completing_a_payment_emits_completed_without_webhook(api, buyer, selcom_sim,
                                                                             monkeypatch, capsys):
    ref = initiate(api, buyer(phone="0754320002"))  # paid, the webhook never comes
    selcom_sim.pay(ref)
    real_now = clock.now()
    monkeypatch.setattr(clock, "now", lambda: real_now + timedelta(minutes=3))
    capsys.readouterr()
    assert invoke("ReconcilePaymentsFunction", {})["completed"] == 1
    assert emitted(capsys).get("PaymentCompletedWithoutWebhook") == 1
    # Settled: the next run finds nothing to complete and says nothing.
    invoke("ReconcilePaymentsFunction", {})
    assert "PaymentCompletedWithoutWebhook" not in emitted(capsys)


def test_a_mismatch_is_flagged_once_however_often_it_is_seen(api, buyer, selcom_sim, monkeypatch, capsys):
    ref = initiate(api, buyer(phone="0754320003"))  # Selcom reports 500 more than asked
    selcom_sim.pay(ref)
    capsys.readouterr()
    webhook(api, ref)
    assert emitted(capsys).get("PaymentFlagged") == 1
    real_now = clock.now()
    monkeypatch.setattr(clock, "now", lambda: real_now + timedelta(minutes=3))
    invoke("ReconcilePaymentsFunction", {})  # still pending: asked again, flagged already
    assert "PaymentFlagged" not in emitted(capsys)


def test_a_second_payment_for_a_paid_cv_is_flagged(api, buyer, selcom_sim, capsys):
    b = buyer()
    first, second = initiate(api, b), initiate(api, b)
    for ref in (first, second):
        selcom_sim.pay(ref)
    capsys.readouterr()
    webhook(api, first)
    assert "PaymentFlagged" not in emitted(capsys)
    webhook(api, second)
    metrics = emitted(capsys)
    assert metrics.get("PaymentFlagged") == 1 and metrics.get("PaymentCompleted") == 1
