"""Our Selcom client against the simulator (local/selcom_sim), all on loopback.

The simulator verifies signatures with its own code, so these tests check the client against
the documented scheme. Delays are tiny and every wait is a bounded poll.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from chapchap.payments.selcom import (
    Outcome,
    SelcomClient,
    SelcomRejected,
    SelcomUnavailable,
    verify_webhook_signature,
)
from local.selcom_sim import start

KEY = "sim-api-key-9b1e"
SECRET = "sim-api-secret-4c7a2f"
VENDOR = "VENDORTILL"
DELAY = 0.05
WAIT = 5.0  # upper bound of every poll; polls return as soon as the condition holds


class Hook:
    """A tiny loopback webhook receiver: records each POST (headers and JSON body)."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.status = 200
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                hook.received.append({"headers": dict(self.headers.items()), "body": json.loads(raw), "raw": raw})
                self.send_response(hook.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/payments/callback"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def for_order(self, order_id: str) -> list[dict]:
        return [r for r in list(self.received) if r["body"].get("order_id") == order_id]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def poll(predicate, timeout: float = WAIT, interval: float = 0.01):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError("condition not met within the poll bound")
        time.sleep(interval)


@pytest.fixture
def sim():
    simulator = start(api_key=KEY, api_secret=SECRET, vendor=VENDOR, webhook_delay=DELAY, push_delay=DELAY,
                      webhook_retry_delay=0.02)
    yield simulator
    simulator.stop()


@pytest.fixture
def hook():
    receiver = Hook()
    yield receiver
    receiver.stop()


@pytest.fixture
def client(sim):
    return SelcomClient(base_url=sim.url, api_key=KEY, api_secret=SECRET, vendor=VENDOR, webhook_secret=SECRET,
                        connect_timeout=2, read_timeout=5)


_counter = iter(range(1, 10**6))


def new_order(client, hook, *, phone="0712345678", amount=8000, card=False, **kwargs):
    order_id = f"ORD-{next(_counter)}"
    create = client.create_order if card else client.create_order_minimal
    created = create(order_id, "asha@example.com", "Asha Juma", phone, amount, hook.url, **kwargs)
    return order_id, created


def status_is(client, order_id, wanted):
    def check():
        status = client.order_status(order_id)
        return status if status.payment_status == wanted else None
    return check


# --------------------------------------------------------------------------- the happy paths


def test_create_order_minimal(sim, client, hook):
    order_id, created = new_order(client, hook, remarks="CV Chap Chap: Modern template")
    assert created.payment_gateway_url.startswith(sim.root_url + "/checkout/pay/")
    assert created.payment_token and created.reference and created.gateway_buyer_uuid
    assert created.raw["resultcode"] == "000" and isinstance(created.raw["data"], list)
    stored = sim.orders[order_id]
    assert stored["kind"] == "minimal" and stored["amount"] == 8000 and stored["webhook"] == hook.url
    assert stored["buyer_phone"] == "255712345678" and stored["buyer_remarks"] == "CV Chap Chap: Modern template"
    status = client.order_status(order_id)
    assert status.payment_status == "PENDING" and status.amount == 8000 and status.transid is None
    assert set(status.raw["data"][0]) == {"order_id", "creation_date", "amount", "payment_status", "transid",
                                          "channel", "reference", "phone"}


def test_create_order_card(sim, client, hook):
    order_id, created = new_order(client, hook, card=True, redirect_url="http://localhost:5173/paid",
                                  cancel_url="http://localhost:5173/cancelled")
    stored = sim.orders[order_id]
    assert stored["kind"] == "card" and stored["payment_methods"] == "ALL"
    assert stored["fields"]["billing.firstname"] == "Asha" and stored["fields"]["billing.country"] == "TZ"
    assert stored["redirect_url"] == "http://localhost:5173/paid"
    assert stored["cancel_url"] == "http://localhost:5173/cancelled"
    assert sim.pay(order_id)["channel"] == "CARD"
    assert client.order_status(order_id).is_paid


def test_duplicate_order_id_is_a_failed_result(client, hook):
    order_id, _ = new_order(client, hook)
    with pytest.raises(SelcomRejected) as err:
        client.create_order_minimal(order_id, "asha@example.com", "Asha Juma", "0712345678", 8000, hook.url)
    assert err.value.resultcode == "409"


def test_unknown_order_status_is_a_failed_result(client):
    with pytest.raises(SelcomRejected) as err:
        client.order_status("NO-SUCH-ORDER")
    assert err.value.resultcode == "404"


def test_wallet_push_completes_and_sends_a_signed_webhook(sim, client, hook):
    order_id, created = new_order(client, hook)
    push = client.wallet_payment(order_id, "0754000123", "TX-77")
    assert push.outcome is Outcome.IN_PROGRESS and push.resultcode == "111"

    (delivery,) = poll(lambda: hook.for_order(order_id))
    body, headers = delivery["body"], delivery["headers"]
    assert body == {"transid": "TX-77", "order_id": order_id, "reference": body["reference"], "result": "SUCCESS",
                    "resultcode": "000", "payment_status": "COMPLETED"}
    assert headers["Signed-Fields"] == "transid,order_id,reference,result,resultcode,payment_status"
    assert headers["Digest-Method"] == "HS256" and headers["Timestamp"].endswith("+03:00")
    assert verify_webhook_signature(headers, body, KEY, SECRET, max_skew_seconds=300)
    assert verify_webhook_signature(headers, delivery["raw"], KEY, SECRET)
    assert client.verify_webhook(headers, body) is True
    assert not verify_webhook_signature(headers, {**body, "payment_status": "REJECTED"}, KEY, SECRET)

    status = client.order_status(order_id)
    assert status.is_paid and status.amount == 8000 and status.transid == "TX-77"
    assert status.channel == "VMCASHIN" and status.phone == "255754000123" and status.reference == body["reference"]
    record = sim.wait_for_webhook(order_id)
    assert record["delivered"] and record["attempts"][0]["status"] == 200


def test_cancel_order(sim, client, hook):
    order_id, _ = new_order(client, hook)
    assert client.cancel_order(order_id).outcome is Outcome.SUCCESS
    assert client.order_status(order_id).payment_status == "CANCELLED"
    (delivery,) = poll(lambda: hook.for_order(order_id))
    assert delivery["body"]["payment_status"] == "CANCELLED" and delivery["body"]["result"] == "FAIL"
    assert verify_webhook_signature(delivery["headers"], delivery["body"], KEY, SECRET)
    assert client.cancel_order(order_id).outcome is Outcome.SUCCESS  # cancelling twice is harmless
    with pytest.raises(SelcomRejected):
        client.wallet_payment(order_id, "0712345678", "TX-1")  # not payable any more


def test_a_paid_order_cannot_be_cancelled(sim, client, hook):
    order_id, _ = new_order(client, hook)
    sim.pay(order_id)
    with pytest.raises(SelcomRejected) as err:
        client.cancel_order(order_id)
    assert err.value.resultcode == "409"


def test_list_orders(client, hook):
    order_id, _ = new_order(client, hook)
    today = datetime.now(timezone(timedelta(hours=3))).date()
    rows = client.list_orders((today - timedelta(days=1)).isoformat(), (today + timedelta(days=1)).isoformat())
    assert order_id in [row["order_id"] for row in rows]
    assert client.list_orders("2001-01-01", "2001-01-02") == []


# --------------------------------------------------------------------------- the checkout page


def test_checkout_page_pay(sim, client, hook):
    order_id, created = new_order(client, hook, amount=12500)
    page = requests.get(created.payment_gateway_url, timeout=5)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    html = page.text
    assert 'name="viewport"' in html and "<script" not in html
    assert "TZS 12,500" in html and VENDOR in html and "Asha Juma" in html
    assert ">Pay TZS 12,500</button>" in html and ">Cancel</button>" in html
    assert html.count('method="post"') == 2

    paid = requests.post(created.payment_gateway_url + "/pay", timeout=5, allow_redirects=False)
    assert paid.status_code == 200 and "Payment received" in paid.text and "</button>" not in paid.text
    assert client.order_status(order_id).is_paid
    (delivery,) = poll(lambda: hook.for_order(order_id))
    assert delivery["body"]["payment_status"] == "COMPLETED"


def test_checkout_page_redirects_after_pay_and_cancel(client, hook):
    _, created = new_order(client, hook, redirect_url="http://localhost:5173/paid",
                           cancel_url="http://localhost:5173/cancelled")
    paid = requests.post(created.payment_gateway_url + "/pay", timeout=5, allow_redirects=False)
    assert paid.status_code == 303 and paid.headers["Location"] == "http://localhost:5173/paid"

    other_id, other = new_order(client, hook, cancel_url="http://localhost:5173/cancelled")
    cancelled = requests.post(other.payment_gateway_url + "/cancel", timeout=5, allow_redirects=False)
    assert cancelled.status_code == 303 and cancelled.headers["Location"] == "http://localhost:5173/cancelled"
    assert client.order_status(other_id).payment_status == "CANCELLED"
    assert requests.get(other.payment_gateway_url.rsplit("/", 1)[0] + "/00000000", timeout=5).status_code == 404


# --------------------------------------------------------------------------- magic phone numbers


def test_suffix_0001_push_is_rejected_with_webhook(client, hook):
    order_id, _ = new_order(client, hook)
    assert client.wallet_payment(order_id, "0712340001", "TX-1").outcome is Outcome.IN_PROGRESS
    status = poll(status_is(client, order_id, "REJECTED"))
    assert not status.is_paid
    (delivery,) = poll(lambda: hook.for_order(order_id))
    assert delivery["body"]["payment_status"] == "REJECTED" and delivery["body"]["result"] == "FAIL"
    assert delivery["body"]["resultcode"] != "000"


def test_suffix_0002_paid_but_webhook_lost(sim, client, hook):
    order_id, _ = new_order(client, hook)
    client.wallet_payment(order_id, "0712340002", "TX-2")
    assert poll(status_is(client, order_id, "COMPLETED")).is_paid
    # A control order paid after it gets its webhook; the lost one never does.
    control_id, _ = new_order(client, hook)
    sim.pay(control_id)
    poll(lambda: hook.for_order(control_id))
    time.sleep(DELAY * 4)
    assert hook.for_order(order_id) == [] and all(w["order_id"] != order_id for w in sim.webhooks_sent)


def test_suffix_0003_paid_with_a_different_amount(client, hook):
    order_id, _ = new_order(client, hook, amount=8000)
    client.wallet_payment(order_id, "0712340003", "TX-3")
    status = poll(status_is(client, order_id, "COMPLETED"))
    assert status.amount == 8500
    poll(lambda: hook.for_order(order_id))


def test_suffix_0004_stays_pending(sim, client, hook):
    order_id, _ = new_order(client, hook)
    client.wallet_payment(order_id, "0712340004", "TX-4")
    control_id, _ = new_order(client, hook)
    client.wallet_payment(control_id, "0712345678", "TX-5")
    poll(lambda: hook.for_order(control_id))  # a normal push has long been answered by now
    time.sleep(DELAY * 4)
    assert client.order_status(order_id).payment_status == "PENDING"
    assert hook.for_order(order_id) == []
    assert len(sim.orders[order_id]["pushes"]) == 1


def test_buyer_phone_suffix_applies_to_page_payments(sim, client, hook):
    order_id, _ = new_order(client, hook, phone="0712340001")
    assert sim.pay(order_id)["payment_status"] == "REJECTED"
    pending_id, created = new_order(client, hook, phone="0712340004")
    page = requests.post(created.payment_gateway_url + "/pay", timeout=5)
    assert "Waiting for the payer" in page.text
    assert client.order_status(pending_id).payment_status == "PENDING"


# --------------------------------------------------------------------------- refusals (raw requests)


def hand_signed(fields: dict, *, key: str = KEY, secret: str = SECRET, timestamp: str | None = None,
                names: list[str] | None = None) -> dict:
    """The five headers built by hand, independently of chapchap.payments.selcom."""
    stamp = timestamp or datetime.now(timezone(timedelta(hours=3))).replace(microsecond=0).isoformat()
    names = list(fields) if names is None else names
    text = "timestamp=" + stamp + "".join(f"&{n}={fields[n]}" for n in names if n in fields)
    digest = base64.b64encode(hmac.new(secret.encode(), text.encode(), hashlib.sha256).digest()).decode()
    return {"Authorization": "SELCOM " + base64.b64encode(key.encode()).decode(), "Timestamp": stamp,
            "Digest-Method": "HS256", "Digest": digest, "Signed-Fields": ",".join(names),
            "Content-Type": "application/json"}


def order_fields(**overrides) -> dict:
    fields = {"vendor": VENDOR, "order_id": "RAW-1", "buyer_email": "asha@example.com", "buyer_name": "Asha Juma",
              "buyer_phone": "255712345678", "amount": 8000, "currency": "TZS",
              "webhook": base64.b64encode(b"http://127.0.0.1:3000/api/payments/callback").decode(), "no_of_items": 1}
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not None}


def post_raw(sim, fields: dict, headers: dict, path: str = "/checkout/create-order-minimal") -> requests.Response:
    return requests.post(sim.url + path, data=json.dumps(fields), headers=headers, timeout=5)


def assert_selcom_error(response: requests.Response, status: int, resultcode: str) -> dict:
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"reference", "resultcode", "result", "message", "data"}
    assert body["resultcode"] == resultcode and body["result"] == "FAIL" and body["data"] == []
    assert body["message"] and SECRET not in body["message"]
    return body


def test_a_correct_raw_request_is_accepted(sim):
    fields = order_fields()
    response = post_raw(sim, fields, hand_signed(fields))
    assert response.status_code == 200 and response.json()["resultcode"] == "000"


def test_bad_signature_is_401(sim):
    fields = order_fields()
    headers = hand_signed(fields)
    tampered = {**fields, "amount": 1}  # signed 8000, sent 1
    assert_selcom_error(post_raw(sim, tampered, headers), 401, "403")
    assert_selcom_error(post_raw(sim, fields, hand_signed(fields, secret="wrong-secret")), 401, "403")
    assert "RAW-1" not in sim.orders


def test_stale_future_or_garbled_timestamp_is_401(sim):
    fields = order_fields()
    dar = timezone(timedelta(hours=3))
    stale = (datetime.now(dar) - timedelta(minutes=6)).replace(microsecond=0).isoformat()
    future = (datetime.now(dar) + timedelta(minutes=6)).replace(microsecond=0).isoformat()
    for stamp in (stale, future, "yesterday", "2019-02-26 09:30:46"):
        body = assert_selcom_error(post_raw(sim, fields, hand_signed(fields, timestamp=stamp)), 401, "403")
        assert "Timestamp" in body["message"]
    recent = (datetime.now(dar) - timedelta(minutes=2)).replace(microsecond=0).isoformat()
    assert post_raw(sim, fields, hand_signed(fields, timestamp=recent)).json()["resultcode"] == "000"


def test_wrong_key_or_digest_method_is_401(sim):
    fields = order_fields()
    body = assert_selcom_error(post_raw(sim, fields, hand_signed(fields, key="someone-else")), 401, "403")
    assert "key" in body["message"].lower()
    assert_selcom_error(post_raw(sim, fields, {**hand_signed(fields), "Digest-Method": "RS256"}), 401, "403")
    no_auth = {k: v for k, v in hand_signed(fields).items() if k != "Authorization"}
    assert_selcom_error(post_raw(sim, fields, no_auth), 401, "403")


def test_signed_fields_problems_are_401(sim):
    fields = order_fields()
    # lists a field the body does not have
    listed = hand_signed(fields, names=list(fields) + ["merchant_remarks"])
    assert_selcom_error(post_raw(sim, fields, listed), 401, "403")
    # leaves a mandatory field (amount) out of the signature
    unsigned = hand_signed(fields, names=[n for n in fields if n != "amount"])
    body = assert_selcom_error(post_raw(sim, fields, unsigned), 401, "403")
    assert "amount" in body["message"]


def test_missing_mandatory_field_is_400(sim):
    fields = order_fields(buyer_phone=None)
    body = assert_selcom_error(post_raw(sim, fields, hand_signed(fields)), 400, "400")
    assert "buyer_phone" in body["message"]
    card = order_fields(payment_methods="ALL")  # card order without billing.*
    body = assert_selcom_error(post_raw(sim, card, hand_signed(card), "/checkout/create-order"), 400, "400")
    assert "billing.firstname" in body["message"]


@pytest.mark.parametrize("overrides, word", [
    ({"amount": 8000.0}, "amount"),
    ({"amount": "8000"}, "amount"),
    ({"buyer_phone": "0712345678"}, "buyer_phone"),
    ({"buyer_phone": "+255712345678"}, "buyer_phone"),
    ({"webhook": "http://127.0.0.1:3000/hook"}, "webhook"),
    ({"webhook": base64.b64encode(b"https://example.com/hook").decode()}, "loopback"),
    ({"vendor": "OTHER"}, "vendor"),
])
def test_bad_fields_are_400(sim, overrides, word):
    fields = order_fields(**overrides)
    body = assert_selcom_error(post_raw(sim, fields, hand_signed(fields)), 400, "400")
    assert word in body["message"]


def test_get_with_a_bad_signature_is_401(sim):
    headers = hand_signed({"order_id": "RAW-1"})
    ok = requests.get(sim.url + "/checkout/order-status", params={"order_id": "RAW-1"}, headers=headers, timeout=5)
    assert ok.json()["resultcode"] == "404"  # authenticated; the order just does not exist
    other = requests.get(sim.url + "/checkout/order-status", params={"order_id": "RAW-2"}, headers=headers, timeout=5)
    assert_selcom_error(other, 401, "403")


# --------------------------------------------------------------------------- webhooks and lifecycle


def test_webhook_delivery_is_retried_and_each_attempt_recorded(client):
    simulator = start(api_key=KEY, api_secret=SECRET, vendor=VENDOR, webhook_delay=DELAY, push_delay=DELAY,
                      webhook_attempts=3, webhook_retry_delay=0.01)
    try:
        retrying = SelcomClient(base_url=simulator.url, api_key=KEY, api_secret=SECRET, vendor=VENDOR)
        dead = Hook()
        dead_url = dead.url
        dead.stop()  # nothing listens there any more
        retrying.create_order_minimal("ORD-DEAD", "a@example.com", "Asha", "0712345678", 5000, dead_url)
        simulator.pay("ORD-DEAD")
        record = simulator.wait_for_webhook("ORD-DEAD")
        assert not record["delivered"] and len(record["attempts"]) == 3
        assert all("error" in attempt for attempt in record["attempts"])
    finally:
        simulator.stop()


def test_webhook_retried_after_a_5xx(sim, client, hook):
    hook.status = 503
    order_id, _ = new_order(client, hook)
    sim.pay(order_id)
    record = sim.wait_for_webhook(order_id)
    assert [a["status"] for a in record["attempts"]] == [503, 503, 503] and not record["delivered"]


def test_modes_are_validated_and_reset(sim, client, hook):
    with pytest.raises(ValueError):
        sim.set_mode("sideways")
    sim.set_mode("down")
    with pytest.raises(SelcomUnavailable):
        new_order(client, hook)
    sim.set_mode("normal")
    new_order(client, hook)


def test_stop_is_clean_and_idempotent():
    simulator = start(api_key=KEY, api_secret=SECRET, vendor=VENDOR, webhook_delay=10, push_delay=10)
    url = simulator.url
    simulator.stop()
    simulator.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/checkout/order-status", params={"order_id": "x"}, timeout=1)
