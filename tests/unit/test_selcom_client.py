"""The Selcom client: signing byte for byte, request shapes, result codes, transport, secrecy.

Everything runs on loopback: a tiny recording HTTP server in this file, or the simulator
(local/selcom_sim) in its fault modes. Nothing reaches the internet.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from chapchap.payments import selcom
from chapchap.errors import GatewayError
from chapchap.phone import InvalidPhone
from chapchap.payments.selcom import (
    Outcome,
    SelcomAmbiguous,
    SelcomClient,
    SelcomRejected,
    SelcomUnavailable,
    classify,
    sign,
    signing_string,
    verify_webhook_signature,
)

# The test vector of Selcom's developer documentation (docs/payments.md).
VECTOR_KEY = "202cb962ac59075b964b07152d234b70"
VECTOR_SECRET = "81dc9bdb52d04dc20036dbd8313ed055"
VECTOR_TIMESTAMP = "2019-02-26T09:30:46+03:00"
VECTOR_FIELDS = [
    ("vendor", "VENDORTILL"), ("order_id", "1218d5Qb"), ("buyer_email", "john@example.com"),
    ("buyer_name", "John Joh"), ("buyer_phone", "255682555555"), ("amount", 8000), ("currency", "TZS"),
    ("buyer_remarks", None), ("merchant_remarks", None), ("no_of_items", 1),
]
VECTOR_STRING = (
    "timestamp=2019-02-26T09:30:46+03:00&vendor=VENDORTILL&order_id=1218d5Qb&buyer_email=john@example.com"
    "&buyer_name=John Joh&buyer_phone=255682555555&amount=8000&currency=TZS&buyer_remarks=None"
    "&merchant_remarks=None&no_of_items=1"
)
VECTOR_DIGEST = "j/sa8VD4sz0NlUsXERJk1NrHOantcvpohIw3VmL6m4E="
VECTOR_AUTHORIZATION = "SELCOM MjAyY2I5NjJhYzU5MDc1Yjk2NGIwNzE1MmQyMzRiNzA="

KEY = "test-api-key-3f9a1c"
SECRET = "test-api-secret-77d2e0b4"
VENDOR = "VENDORTILL"
WEBHOOK = "http://127.0.0.1:3000/api/payments/callback"


# --------------------------------------------------------------------------- loopback helpers


class Recorder:
    """A tiny loopback HTTP server: records each request, answers from a queue (or a default)."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.replies: list[tuple[int, object]] = []
        self.default: tuple[int, object] = (200, {"resultcode": "000", "result": "SUCCESS", "data": []})
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                recorder.requests.append({"method": self.command, "path": parts.path, "query": parts.query,
                                          "headers": dict(self.headers.items()), "body": body})
                status, payload = recorder.replies.pop(0) if recorder.replies else recorder.default
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json" if not isinstance(payload, bytes) else "text/html")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_DELETE = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def reply(self, status: int, payload: object) -> None:
        self.replies.append((status, payload))

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class CountingSession(requests.Session):
    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def request(self, *args, **kwargs):
        self.calls += 1
        return super().request(*args, **kwargs)


@pytest.fixture
def recorder():
    server = Recorder()
    yield server
    server.stop()


def make_client(base_url: str, **kwargs) -> SelcomClient:
    options = {"connect_timeout": 2, "read_timeout": 5, **kwargs}
    return SelcomClient(base_url=base_url, api_key=KEY, api_secret=SECRET, vendor=VENDOR, **options)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def expected_digest(secret: str, text: str) -> str:
    """Computed here by hand, not with chapchap.payments.selcom."""
    return base64.b64encode(hmac.new(secret.encode(), text.encode(), hashlib.sha256).digest()).decode()


SECRET_MARKERS = (SECRET, KEY, base64.b64encode(KEY.encode()).decode())


def assert_no_secret(text: str) -> None:
    for marker in SECRET_MARKERS:
        assert marker not in text


# --------------------------------------------------------------------------- the test vector


def test_vector_signing_string_byte_for_byte():
    assert signing_string(VECTOR_TIMESTAMP, VECTOR_FIELDS) == VECTOR_STRING
    assert signing_string(VECTOR_TIMESTAMP, dict(VECTOR_FIELDS)) == VECTOR_STRING  # a dict keeps its order


def test_vector_headers_byte_for_byte():
    headers = sign(VECTOR_KEY, VECTOR_SECRET, VECTOR_FIELDS, VECTOR_TIMESTAMP)
    assert headers == {
        "Authorization": VECTOR_AUTHORIZATION,
        "Timestamp": VECTOR_TIMESTAMP,
        "Digest-Method": "HS256",
        "Digest": VECTOR_DIGEST,
        "Signed-Fields": "vendor,order_id,buyer_email,buyer_name,buyer_phone,amount,currency,"
                         "buyer_remarks,merchant_remarks,no_of_items",
    }
    assert expected_digest(VECTOR_SECRET, VECTOR_STRING) == VECTOR_DIGEST


def test_timestamp_is_dar_es_salaam_with_offset():
    moment = datetime(2019, 2, 26, 6, 30, 46, 987654, tzinfo=timezone.utc)
    assert selcom.format_timestamp(moment) == VECTOR_TIMESTAMP
    now = selcom.format_timestamp()
    assert now.endswith("+03:00") and len(now) == len(VECTOR_TIMESTAMP)


def test_sign_uses_one_timestamp_for_header_and_digest():
    headers = sign(KEY, SECRET, [("order_id", "A1")])
    text = f"timestamp={headers['Timestamp']}&order_id=A1"
    assert headers["Digest"] == expected_digest(SECRET, text)


# --------------------------------------------------------------------------- request shapes


def test_create_order_minimal_body_and_signature(recorder):
    recorder.reply(200, {"reference": "0289999288", "resultcode": "000", "result": "SUCCESS", "message": "ok",
                         "data": [{"gateway_buyer_uuid": "12344321", "payment_token": "80008000", "qr": "QR",
                                   "payment_gateway_url": "aHR0cDpleGFtcGxlLmNvbS9wZy90MTIyMjI="}]})
    client = make_client(recorder.url + "/v1")
    order = client.create_order_minimal("ORD-1", "asha@example.com", "Asha Juma", "0712 345 678", 5000, WEBHOOK,
                                        redirect_url="http://localhost:5173/paid", expiry_minutes=30)
    assert order.reference == "0289999288"
    assert order.payment_token == "80008000"
    assert order.payment_gateway_url == "http:example.com/pg/t12222"  # decoded from base64
    assert order.raw["resultcode"] == "000"

    (request,) = recorder.requests
    assert request["method"] == "POST" and request["path"] == "/v1/checkout/create-order-minimal"
    headers, raw = request["headers"], request["body"]
    body = json.loads(raw)
    names = headers["Signed-Fields"].split(",")
    assert names == list(body)  # every field sent is signed, in the body's order
    assert "cancel_url" not in body and "buyer_remarks" not in body and "merchant_remarks" not in body
    assert body["vendor"] == VENDOR and body["buyer_phone"] == "255712345678"
    assert body["amount"] == 5000 and b'"amount":5000' in raw  # an integer, never 5000.0
    assert body["currency"] == "TZS" and body["no_of_items"] == 1 and body["expiry"] == 30
    assert base64.b64decode(body["webhook"]).decode() == WEBHOOK
    assert base64.b64decode(body["redirect_url"]).decode() == "http://localhost:5173/paid"
    assert headers["Authorization"] == "SELCOM " + base64.b64encode(KEY.encode()).decode()
    assert headers["Digest-Method"] == "HS256"
    text = "timestamp=" + headers["Timestamp"] + "".join(f"&{n}={body[n]}" for n in names)
    assert headers["Digest"] == expected_digest(SECRET, text)


def test_create_order_card_sends_flat_billing_fields(recorder):
    recorder.default = (200, {"reference": "1", "resultcode": "000", "result": "SUCCESS",
                              "data": [{"payment_gateway_url": base64.b64encode(b"http://x/pay").decode()}]})
    client = make_client(recorder.url + "/v1")
    order = client.create_order("ORD-2", "asha@example.com", "Asha Juma Said", "255712345678", 7000, WEBHOOK,
                                cancel_url="http://localhost:5173/cancel")
    assert order.payment_gateway_url == "http://x/pay"
    body = json.loads(recorder.requests[0]["body"])
    assert recorder.requests[0]["path"] == "/v1/checkout/create-order"
    assert body["payment_methods"] == "ALL"
    assert body["billing.firstname"] == "Asha" and body["billing.lastname"] == "Juma Said"
    for name in ("billing.address_1", "billing.city", "billing.state_or_region", "billing.postcode_or_pobox"):
        assert body[name]
    assert body["billing.country"] == "TZ" and body["billing.phone"] == "255712345678"
    assert "billing" not in body and "billing.address_2" not in body
    assert recorder.requests[0]["headers"]["Signed-Fields"].split(",") == list(body)

    client.create_order("ORD-3", "a@example.com", "Asha", "0712345678", 7000, WEBHOOK,
                        billing={"firstname": "A", "lastname": "J", "address_1": "Plot 5", "phone": "0754000111"})
    body = json.loads(recorder.requests[1]["body"])
    assert body["billing.address_1"] == "Plot 5" and body["billing.phone"] == "255754000111"


def test_get_query_fields_are_signed(recorder):
    recorder.reply(200, {"reference": "9", "resultcode": "000", "result": "SUCCESS", "message": "fetched",
                         "data": [{"order_id": "ORD 1&x", "creation_date": "2019-06-06 22:00:00", "amount": "8000",
                                   "payment_status": "completed", "transid": "T1", "channel": "TIGOPESATZ",
                                   "reference": "0289999288", "phone": "255712345678"}]})
    status = make_client(recorder.url + "/v1").order_status("ORD 1&x")
    (request,) = recorder.requests
    assert request["method"] == "GET" and request["path"] == "/v1/checkout/order-status"
    assert parse_qsl(request["query"]) == [("order_id", "ORD 1&x")]  # URL-encoded on the wire...
    headers = request["headers"]
    assert headers["Signed-Fields"] == "order_id"
    # ...but signed as the plain value
    assert headers["Digest"] == expected_digest(SECRET, f"timestamp={headers['Timestamp']}&order_id=ORD 1&x")
    assert status.payment_status == "COMPLETED" and status.is_paid
    assert status.amount == 8000 and status.transid == "T1" and status.channel == "TIGOPESATZ"
    assert status.phone == "255712345678" and status.reference == "0289999288"


def test_cancel_is_a_signed_delete(recorder):
    recorder.reply(200, {"reference": "1", "resultcode": "000", "result": "SUCCESS", "message": "ok", "data": []})
    result = make_client(recorder.url + "/v1").cancel_order("ORD-9")
    assert result.outcome is Outcome.SUCCESS
    (request,) = recorder.requests
    assert request["method"] == "DELETE" and request["path"] == "/v1/checkout/cancel-order"
    assert request["query"] == "order_id=ORD-9" and request["headers"]["Signed-Fields"] == "order_id"


def test_wallet_payment_fields(recorder):
    recorder.reply(200, {"reference": "1", "resultcode": "111", "result": "PENDING", "message": "wait", "data": []})
    result = make_client(recorder.url + "/v1").wallet_payment("ORD-1", "+255 754 000 111", "TX-1")
    assert result.outcome is Outcome.IN_PROGRESS and result.accepted
    body = json.loads(recorder.requests[0]["body"])
    assert body == {"transid": "TX-1", "order_id": "ORD-1", "msisdn": "255754000111"}
    assert recorder.requests[0]["headers"]["Signed-Fields"] == "transid,order_id,msisdn"


@pytest.mark.parametrize("amount", [5000.0, 5000.5, True, "5000", None, 0, -5])
def test_bad_amounts_are_refused_before_any_call(recorder, amount):
    client = make_client(recorder.url + "/v1")
    with pytest.raises(ValueError):
        client.create_order_minimal("ORD-1", "a@example.com", "Asha", "0712345678", amount, WEBHOOK)
    assert recorder.requests == []


def test_bad_phone_and_urls_are_refused(recorder):
    client = make_client(recorder.url + "/v1")
    with pytest.raises(InvalidPhone):
        client.create_order_minimal("ORD-1", "a@example.com", "Asha", "+254712345678", 5000, WEBHOOK)
    with pytest.raises(ValueError):
        client.create_order_minimal("ORD-1", "a@example.com", "Asha", "0712345678", 5000, "not a url")
    with pytest.raises(ValueError):
        client.wallet_payment("ORD-1", "12345", "T1")
    assert recorder.requests == []


def test_urls_round_trip_base64():
    encoded = selcom.encode_url("https://example.com/pay?x=1&y=é")
    assert encoded == base64.b64encode("https://example.com/pay?x=1&y=é".encode()).decode()
    assert selcom.decode_url(encoded) == "https://example.com/pay?x=1&y=é"
    assert selcom.decode_url("https://already.plain/x") == "https://already.plain/x"
    assert selcom.decode_url(None) is None


# --------------------------------------------------------------------------- result codes


@pytest.mark.parametrize("code, outcome", [
    ("000", Outcome.SUCCESS), ("111", Outcome.IN_PROGRESS), ("927", Outcome.IN_PROGRESS),
    ("999", Outcome.AMBIGUOUS), ("403", Outcome.FAILED), ("651", Outcome.FAILED), ("", Outcome.FAILED),
    (None, Outcome.FAILED), (0, Outcome.FAILED),
])
def test_result_code_mapping(code, outcome):
    assert classify(code) is outcome


def test_failed_code_raises_rejected_with_code_and_message(recorder):
    recorder.reply(200, {"reference": "1", "resultcode": "651", "result": "FAIL", "message": "Invalid order",
                         "data": []})
    with pytest.raises(SelcomRejected) as err:
        make_client(recorder.url + "/v1").create_order_minimal("ORD-1", "a@example.com", "Asha", "0712345678",
                                                               5000, WEBHOOK)
    assert err.value.resultcode == "651" and err.value.gateway_message == "Invalid order"
    assert isinstance(err.value, GatewayError) and err.value.status == 502 and err.value.code == "GATEWAY_ERROR"
    assert "651" in err.value.message and "Invalid order" in err.value.message


def test_http_401_with_selcom_error_shape_is_rejected(recorder):
    recorder.reply(401, {"reference": "1", "resultcode": "403", "result": "FAIL", "message": "Invalid signature",
                         "data": []})
    with pytest.raises(SelcomRejected) as err:
        make_client(recorder.url + "/v1").order_status("ORD-1")
    assert err.value.resultcode == "403" and err.value.status_code == 401


def test_in_progress_and_ambiguous_answers(recorder):
    client = make_client(recorder.url + "/v1")
    recorder.reply(200, {"reference": "1", "resultcode": "999", "result": "AMBIGOUS", "message": "?", "data": []})
    assert client.wallet_payment("ORD-1", "0712345678", "T1").outcome is Outcome.AMBIGUOUS
    recorder.reply(200, {"reference": "1", "resultcode": "927", "result": "PENDING", "message": "...", "data": []})
    with pytest.raises(SelcomAmbiguous) as err:  # no order data: cannot tell whether it exists
        client.create_order_minimal("ORD-1", "a@example.com", "Asha", "0712345678", 5000, WEBHOOK)
    assert isinstance(err.value, SelcomUnavailable) and err.value.resultcode == "927"
    recorder.reply(200, {"reference": "1", "resultcode": "999", "result": "AMBIGOUS", "message": "?", "data": []})
    with pytest.raises(SelcomAmbiguous):
        client.order_status("ORD-1")


def test_gateway_message_echoing_a_secret_is_redacted(recorder):
    recorder.reply(200, {"reference": "1", "resultcode": "403", "result": "FAIL", "message": f"bad key {KEY} {SECRET}",
                         "data": []})
    with pytest.raises(SelcomRejected) as err:
        make_client(recorder.url + "/v1").order_status("ORD-1")
    assert_no_secret(str(err.value))
    assert_no_secret(json.dumps(err.value.body()))


# --------------------------------------------------------------------------- transport


def test_order_status_is_retried_once_on_connection_error():
    session = CountingSession()
    client = make_client(f"http://127.0.0.1:{closed_port()}/v1", session=session)
    with pytest.raises(SelcomUnavailable) as err:
        client.order_status("ORD-1")
    assert session.calls == 2 and err.value.reason == "connection"
    session.calls = 0
    with pytest.raises(SelcomUnavailable):
        client.cancel_order("ORD-1")
    assert session.calls == 2


def test_create_and_push_are_never_retried():
    session = CountingSession()
    client = make_client(f"http://127.0.0.1:{closed_port()}/v1", session=session)
    with pytest.raises(SelcomUnavailable):
        client.create_order_minimal("ORD-1", "a@example.com", "Asha", "0712345678", 5000, WEBHOOK)
    assert session.calls == 1
    with pytest.raises(SelcomUnavailable):
        client.create_order("ORD-1", "a@example.com", "Asha", "0712345678", 5000, WEBHOOK)
    assert session.calls == 2
    with pytest.raises(SelcomUnavailable):
        client.wallet_payment("ORD-1", "0712345678", "T1")
    assert session.calls == 3


@pytest.fixture
def sim():
    from local.selcom_sim import start

    simulator = start(api_key=KEY, api_secret=SECRET, vendor=VENDOR, webhook_delay=0.05, push_delay=0.05)
    yield simulator
    simulator.stop()


def _api_requests(simulator, path):
    return [r for r in simulator.requests if r["path"] == path]


def test_flaky_gateway_one_retry_for_status_none_for_create(sim):
    client = make_client(sim.url)
    client.create_order_minimal("ORD-F", "a@example.com", "Asha", "0712345678", 5000, WEBHOOK)
    sim.set_mode("flaky")
    status = client.order_status("ORD-F")  # first connection dropped, the retry answered
    assert status.payment_status == "PENDING"
    attempts = _api_requests(sim, "/checkout/order-status")
    assert [a["dropped"] for a in attempts] == [True, False]

    assert client.cancel_order("ORD-F").outcome is Outcome.SUCCESS
    assert [a["dropped"] for a in _api_requests(sim, "/checkout/cancel-order")] == [True, False]

    with pytest.raises(SelcomUnavailable) as err:
        client.create_order_minimal("ORD-G", "a@example.com", "Asha", "0712345678", 5000, WEBHOOK)
    assert err.value.reason == "connection"
    assert [a["dropped"] for a in _api_requests(sim, "/checkout/create-order-minimal")] == [False, True]
    assert "ORD-G" not in sim.orders
    with pytest.raises(SelcomUnavailable):
        client.wallet_payment("ORD-F", "0712345678", "T1")
    assert len(_api_requests(sim, "/checkout/wallet-payment")) == 1


def test_read_timeout_is_unavailable_and_not_retried(sim):
    client = make_client(sim.url, read_timeout=0.2)
    client.create_order_minimal("ORD-S", "a@example.com", "Asha", "0712345678", 5000, WEBHOOK)
    sim.set_mode("slow", slow_seconds=1.0)
    with pytest.raises(SelcomUnavailable) as err:
        client.order_status("ORD-S")
    assert err.value.reason == "timeout"
    assert len(_api_requests(sim, "/checkout/order-status")) == 1


def test_5xx_is_unavailable(sim):
    sim.set_mode("down")
    client = make_client(sim.url)
    with pytest.raises(SelcomUnavailable) as err:
        client.order_status("ORD-1")
    assert err.value.status_code == 503 and err.value.status == 502
    with pytest.raises(SelcomUnavailable):
        client.create_order_minimal("ORD-1", "a@example.com", "Asha", "0712345678", 5000, WEBHOOK)
    assert len(_api_requests(sim, "/checkout/order-status")) == 1  # an answer, even a 503, is not retried


def test_non_json_answer_is_unavailable(recorder):
    recorder.reply(200, b"<html>maintenance</html>")
    with pytest.raises(SelcomUnavailable) as err:
        make_client(recorder.url + "/v1").order_status("ORD-1")
    assert err.value.reason == "not_json"


def test_errors_and_logs_never_show_secrets(recorder, caplog):
    from chapchap.observability import logger

    previous = logger.log_level
    logger.setLevel("INFO")
    try:
        recorder.reply(500, {"message": "boom"})
        recorder.reply(200, b"nope")
        recorder.reply(200, {"reference": "1", "resultcode": "111", "result": "PENDING", "message": "ok", "data": []})
        client = make_client(recorder.url + "/v1")
        failures = []
        for call in (lambda: client.order_status("ORD-1"), lambda: client.order_status("ORD-1"),
                     lambda: make_client(f"http://127.0.0.1:{closed_port()}/v1").order_status("ORD-1")):
            with pytest.raises(SelcomUnavailable) as err:
                call()
            failures.append(err.value)
        client.wallet_payment("ORD-1", "0712345678", "T1")
    finally:
        logger.setLevel(previous)
    for failure in failures:
        assert_no_secret(str(failure))
        assert_no_secret(json.dumps(failure.body()))
        assert_no_secret(repr(failure))
    digests = [r["headers"]["Digest"] for r in recorder.requests]
    records = [r for r in caplog.records if getattr(r, "selcom_call", None)]
    logs = "\n".join(json.dumps({k: str(v) for k, v in vars(r).items()}) for r in records)
    assert_no_secret(logs)
    for value in digests:
        assert value not in logs
    assert [r.selcom_call for r in records] == ["order-status"] * 4 + ["wallet-payment"]
    assert all(r.order_id == "ORD-1" and isinstance(r.elapsed_ms, float) for r in records)
    assert [r.status_code for r in records] == [500, 200, None, None, 200]
    assert records[-1].resultcode == "111"
    assert_no_secret(repr(client))


# --------------------------------------------------------------------------- settings and webhooks


def test_from_settings_reads_environment(monkeypatch):
    monkeypatch.setenv("SELCOM_BASE_URL", "http://127.0.0.1:9/v1/")
    monkeypatch.setenv("SELCOM_API_KEY", KEY)
    monkeypatch.setenv("SELCOM_API_SECRET", SECRET)
    monkeypatch.setenv("SELCOM_VENDOR", "TILL123")
    monkeypatch.setenv("SELCOM_WEBHOOK_SECRET", "hook-secret")
    monkeypatch.setenv("SELCOM_READ_TIMEOUT", "4")
    client = SelcomClient.from_settings()
    assert client.base_url == "http://127.0.0.1:9/v1" and client.vendor == "TILL123"
    assert client.timeout == (3.0, 4.0) and client.webhook_secret_configured
    monkeypatch.delenv("SELCOM_BASE_URL")
    assert SelcomClient.from_settings().base_url == selcom.SANDBOX_BASE_URL


def test_webhook_secret_helper_never_raises(monkeypatch):
    from chapchap import secretstore

    monkeypatch.setenv("SELCOM_WEBHOOK_SECRET", "from-env")
    assert selcom.webhook_secret() == "from-env"
    monkeypatch.delenv("SELCOM_WEBHOOK_SECRET")

    def unavailable(name):
        raise secretstore.SecretUnavailable(f"secret {name!r} is not configured")

    monkeypatch.setattr(secretstore, "get_secret", unavailable)
    assert selcom.webhook_secret() is None
    monkeypatch.setattr(secretstore, "get_secret", lambda name: "from-ssm")
    assert selcom.webhook_secret() == "from-ssm"


def test_verify_webhook_signature():
    body = {"transid": "T1", "order_id": "ORD-1", "reference": "0289999288", "result": "SUCCESS",
            "resultcode": "000", "payment_status": "COMPLETED"}
    headers = sign(KEY, SECRET, list(body.items()))
    assert verify_webhook_signature(headers, body, KEY, SECRET)
    assert verify_webhook_signature({k.lower(): v for k, v in headers.items()}, json.dumps(body), KEY, SECRET)
    assert verify_webhook_signature(headers, body, KEY, SECRET, max_skew_seconds=300)
    assert not verify_webhook_signature(headers, {**body, "payment_status": "PENDING"}, KEY, SECRET)
    assert not verify_webhook_signature(headers, body, KEY, "other-secret")
    assert not verify_webhook_signature(headers, body, "other-key", SECRET)
    assert not verify_webhook_signature({**headers, "Digest-Method": "RS256"}, body, KEY, SECRET)
    assert not verify_webhook_signature({**headers, "Signed-Fields": "transid,missing"}, body, KEY, SECRET)
    without_digest = {k: v for k, v in headers.items() if k != "Digest"}
    assert not verify_webhook_signature(without_digest, body, KEY, SECRET)
    assert not verify_webhook_signature(headers, "not json", KEY, SECRET)
    old = sign(KEY, SECRET, list(body.items()), "2019-02-26T09:30:46+03:00")
    assert verify_webhook_signature(old, body, KEY, SECRET)
    assert not verify_webhook_signature(old, body, KEY, SECRET, max_skew_seconds=300)
    # The client checks only when a webhook secret is configured.
    assert make_client("http://127.0.0.1:9/v1").verify_webhook(headers, body) is None
    assert make_client("http://127.0.0.1:9/v1", webhook_secret=SECRET).verify_webhook(headers, body) is True
