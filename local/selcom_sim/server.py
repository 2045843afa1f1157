"""The Selcom simulator: a loopback HTTP server speaking Selcom's Checkout API as documented.

See the package docstring (and README.md) for the endpoints, the magic phone numbers and the
fault modes. Standard library only; it never imports chapchap (it checks our client against
the documented scheme, not against itself).
"""
from __future__ import annotations

import base64
import binascii
import copy
import heapq
import ipaddress
import itertools
import json
import re
import secrets
import threading
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qsl, urlsplit

from . import page
from .signing import DAR_ES_SALAAM, SignatureProblem, check_request, make_headers

MODES = ("normal", "down", "slow", "flaky")
MAX_BODY = 64 * 1024
MAX_SKEW_SECONDS = 300.0
AMOUNT_MISMATCH_EXTRA = 500

# Outcomes chosen by the last four digits of the paying phone number.
REJECT_SUFFIX = "0001"       # push/payment REJECTED, webhook sent
LOST_WEBHOOK_SUFFIX = "0002"  # paid, webhook never sent
WRONG_AMOUNT_SUFFIX = "0003"  # paid, order-status amount = asked + 500
NO_ANSWER_SUFFIX = "0004"     # stays PENDING forever

RESULTCODE_AUTH = "403"
RESULTCODE_FIELDS = "400"
RESULTCODE_NOT_FOUND = "404"
RESULTCODE_CONFLICT = "409"
RESULTCODE_REJECTED = "051"
RESULTCODE_CANCELLED = "052"

_PHONE = re.compile(r"255\d{9}")
_ORDER_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_PAYMENT_METHODS = {"ALL", "MASTERPASS", "CARD", "MOBILEMONEYPULL"}

_MINIMAL_MANDATORY = ("vendor", "order_id", "buyer_email", "buyer_name", "buyer_phone", "amount", "currency",
                      "no_of_items")
_CARD_MANDATORY = _MINIMAL_MANDATORY + (
    "payment_methods", "billing.firstname", "billing.lastname", "billing.address_1", "billing.city",
    "billing.state_or_region", "billing.postcode_or_pobox", "billing.country", "billing.phone")


class _Problem(Exception):
    def __init__(self, status: int, resultcode: str, message: str):
        super().__init__(message)
        self.status, self.resultcode, self.message = status, resultcode, message


def _fields_problem(message: str) -> _Problem:
    return _Problem(400, RESULTCODE_FIELDS, message)


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  # close the connection without answering


@dataclass
class Order:
    order_id: str
    kind: str  # "minimal" or "card"
    vendor: str
    amount: int
    currency: str
    buyer_email: str
    buyer_name: str
    buyer_phone: str
    payment_token: str
    reference: str
    gateway_buyer_uuid: str
    creation_date: str
    created_at: float
    webhook: str | None = None
    redirect_url: str | None = None
    cancel_url: str | None = None
    buyer_remarks: str | None = None
    merchant_remarks: str | None = None
    payment_methods: str | None = None
    expiry: int | None = None
    payment_status: str = "PENDING"
    paid_amount: int | None = None
    transid: str | None = None
    channel: str | None = None
    payment_reference: str | None = None
    phone: str | None = None
    pushes: list[dict] = field(default_factory=list)
    fields: dict = field(default_factory=dict)


def is_loopback_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _decode_url(name: str, value: Any, *, loopback_only: bool) -> str:
    if not isinstance(value, str) or not value:
        raise _fields_problem(f"{name} must be a base64 encoded URL")
    try:
        url = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise _fields_problem(f"{name} must be a base64 encoded URL") from None
    if not url.startswith(("http://", "https://")):
        raise _fields_problem(f"{name} must be a base64 encoded http(s) URL")
    if loopback_only and not is_loopback_url(url):
        raise _fields_problem(f"{name} must point at a loopback address (simulator)")
    return url


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _positive_int_like(name: str, value: Any) -> int:
    if _is_int(value) and value > 0:
        return value
    if isinstance(value, str) and value.isdigit() and int(value) > 0:
        return int(value)
    raise _fields_problem(f"{name} must be a positive integer")


def _text(name: str, value: Any, limit: int = 200) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fields_problem(f"{name} must be a non-empty string")
    if len(value) > limit:
        raise _fields_problem(f"{name} is too long")
    return value.strip()


def _phone(name: str, value: Any) -> str:
    if not isinstance(value, str) or not _PHONE.fullmatch(value):
        raise _fields_problem(f"{name} must be 255 followed by 9 digits")
    return value


def channel_for(msisdn: str | None) -> str:
    prefix = (msisdn or "")[3:5]
    return {"65": "TIGOPESATZ", "67": "TIGOPESATZ", "71": "TIGOPESATZ", "68": "AIRTELMONEY",
            "69": "AIRTELMONEY", "78": "AIRTELMONEY", "74": "VMCASHIN", "75": "VMCASHIN",
            "76": "VMCASHIN", "62": "HALOPESA", "61": "HALOPESA", "73": "TTCLMOBILE"}.get(prefix, "MOBILEMONEY")


class _Scheduler:
    """Runs callables after a delay, each in its own daemon thread; stops cleanly."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._counter = itertools.count()
        self._cv = threading.Condition()
        self._stopped = False
        self._workers: list[threading.Thread] = []
        self._thread = threading.Thread(target=self._run, name="selcom-sim-scheduler", daemon=True)
        self._thread.start()

    def later(self, delay: float, fn: Callable[[], None]) -> None:
        with self._cv:
            if self._stopped:
                return
            heapq.heappush(self._heap, (time.monotonic() + max(0.0, delay), next(self._counter), fn))
            self._cv.notify()

    def _run(self) -> None:
        while True:
            with self._cv:
                while not self._stopped and (not self._heap or self._heap[0][0] > time.monotonic()):
                    timeout = None if not self._heap else max(0.0, self._heap[0][0] - time.monotonic())
                    self._cv.wait(timeout)
                if self._stopped:
                    return
                _, _, fn = heapq.heappop(self._heap)
            worker = threading.Thread(target=fn, name="selcom-sim-task", daemon=True)
            self._workers = [w for w in self._workers if w.is_alive()] + [worker]
            worker.start()

    def stop(self, timeout: float = 2.0) -> None:
        with self._cv:
            self._stopped = True
            self._heap.clear()
            self._cv.notify_all()
        self._thread.join(timeout)
        deadline = time.monotonic() + timeout
        for worker in list(self._workers):
            worker.join(max(0.0, deadline - time.monotonic()))


class Simulator:
    """A running simulator. Build it with `start(...)`; stop it with `.stop()`."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, api_key: str, api_secret: str, vendor: str,
                 webhook_delay: float = 1.0, push_delay: float = 1.0, webhook_secret: str | None = None,
                 slow_seconds: float = 12.0, webhook_attempts: int = 3, webhook_retry_delay: float = 0.5,
                 webhook_timeout: float = 5.0, max_skew_seconds: float = MAX_SKEW_SECONDS,
                 public_url: str | None = None, verbose: bool = False):
        if not (api_key and api_secret and vendor):
            raise ValueError("api_key, api_secret and vendor are required")
        self.api_key = api_key
        self.api_secret = api_secret
        self.vendor = vendor
        self.webhook_secret = webhook_secret or api_secret
        self.webhook_delay = float(webhook_delay)
        self.push_delay = float(push_delay)
        self.slow_seconds = float(slow_seconds)
        self.webhook_attempts = max(1, int(webhook_attempts))
        self.webhook_retry_delay = float(webhook_retry_delay)
        self.webhook_timeout = float(webhook_timeout)
        self.max_skew_seconds = float(max_skew_seconds)
        self.verbose = verbose
        self._lock = threading.RLock()
        self._orders: dict[str, Order] = {}
        self._tokens: dict[str, str] = {}
        self._webhooks: list[dict] = []
        self._requests: list[dict] = []
        self._dropped: set[tuple] = set()
        self._mode = "normal"
        self._stopping = threading.Event()
        self._scheduler = _Scheduler()
        self._httpd = _Server((host, port), _Handler)
        self._httpd.sim = self
        bound_host, bound_port = self._httpd.server_address[:2]
        shown = bound_host if ":" not in bound_host else f"[{bound_host}]"
        self.root_url = (public_url or f"http://{shown}:{bound_port}").rstrip("/")
        self.url = self.root_url + "/v1"
        self.host, self.port = bound_host, bound_port
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="selcom-sim-http", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ lifecycle

    def stop(self) -> None:
        if self._stopping.is_set():
            return
        self._stopping.set()
        self._scheduler.stop()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(2.0)

    def __enter__(self) -> "Simulator":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def env(self) -> dict[str, str]:
        """Environment for a backend talking to this simulator."""
        return {"SELCOM_BASE_URL": self.url, "SELCOM_API_KEY": self.api_key, "SELCOM_API_SECRET": self.api_secret,
                "SELCOM_VENDOR": self.vendor, "SELCOM_WEBHOOK_SECRET": self.webhook_secret}

    # ------------------------------------------------------------------ inspection

    @property
    def orders(self) -> dict[str, dict]:
        """A snapshot: order_id -> the order's fields (decoded URLs, status, pushes...)."""
        with self._lock:
            return {oid: copy.deepcopy(asdict(order)) for oid, order in self._orders.items()}

    def order(self, order_id: str) -> dict | None:
        with self._lock:
            order = self._orders.get(order_id)
            return copy.deepcopy(asdict(order)) if order else None

    @property
    def webhooks_sent(self) -> list[dict]:
        """Every webhook delivery started: url, body, headers, attempts [{at, status|error}], delivered."""
        with self._lock:
            return copy.deepcopy(self._webhooks)

    @property
    def requests(self) -> list[dict]:
        """Every API request received: method, path, order_id, status, dropped, mode."""
        with self._lock:
            return copy.deepcopy(self._requests)

    @property
    def mode(self) -> str:
        return self._mode

    def set_mode(self, mode: str, *, slow_seconds: float | None = None) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        with self._lock:
            self._mode = mode
            self._dropped.clear()
            if slow_seconds is not None:
                self.slow_seconds = float(slow_seconds)

    def reset(self) -> None:
        with self._lock:
            self._orders.clear()
            self._tokens.clear()
            self._webhooks.clear()
            self._requests.clear()
            self._dropped.clear()
            self._mode = "normal"

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 5.0, interval: float = 0.01) -> Any:
        """Poll until predicate() is truthy (returns it) or raise TimeoutError."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() >= deadline:
                raise TimeoutError("condition not met in time")
            time.sleep(interval)

    def wait_for_webhook(self, order_id: str, timeout: float = 5.0) -> dict:
        """The first finished webhook delivery for this order (delivered or given up)."""
        return self.wait_for(lambda: next((w for w in self.webhooks_sent
                                           if w["order_id"] == order_id and w["finished"]), None), timeout)

    # ------------------------------------------------------------------ actions (page, tests)

    def pay(self, order_id: str, *, channel: str | None = None) -> dict:
        """Pay an order as the checkout page does (magic suffixes of its buyer_phone apply)."""
        with self._lock:
            order = self._require(order_id)
            self._settle(order, order.buyer_phone, channel or ("CARD" if order.kind == "card" else
                                                              channel_for(order.buyer_phone)), transid=None)
            return copy.deepcopy(asdict(order))

    def cancel(self, order_id: str) -> dict:
        with self._lock:
            order = self._require(order_id)
            if order.payment_status == "PENDING":
                order.payment_status = "CANCELLED"
                self._schedule_webhook(order)
            return copy.deepcopy(asdict(order))

    def _require(self, order_id: str) -> Order:
        order = self._orders.get(order_id)
        if order is None:
            raise KeyError(f"unknown order {order_id!r}")
        return order

    def _settle(self, order: Order, phone: str, channel: str, transid: str | None) -> None:
        """Apply the outcome the paying phone number selects (lock held)."""
        if order.payment_status != "PENDING":
            return
        suffix = phone[-4:]
        if suffix == NO_ANSWER_SUFFIX:
            return
        order.phone = phone
        order.channel = channel
        if suffix == REJECT_SUFFIX:
            order.payment_status = "REJECTED"
            self._schedule_webhook(order)
            return
        order.payment_status = "COMPLETED"
        order.transid = transid or ("SIM" + secrets.token_hex(6).upper())
        order.payment_reference = _digits(10)
        order.paid_amount = order.amount + (AMOUNT_MISMATCH_EXTRA if suffix == WRONG_AMOUNT_SUFFIX else 0)
        if suffix != LOST_WEBHOOK_SUFFIX:
            self._schedule_webhook(order)

    # ------------------------------------------------------------------ webhooks

    def _schedule_webhook(self, order: Order) -> None:
        if not order.webhook:
            return
        status = order.payment_status
        ok = status == "COMPLETED"
        payload = {
            "transid": order.transid or "",
            "order_id": order.order_id,
            "reference": order.payment_reference or order.reference,
            "result": "SUCCESS" if ok else "FAIL",
            "resultcode": "000" if ok else (RESULTCODE_CANCELLED if status == "CANCELLED" else RESULTCODE_REJECTED),
            "payment_status": status,
        }
        url = order.webhook
        self._scheduler.later(self.webhook_delay, lambda: self._deliver(url, payload))

    def _deliver(self, url: str, payload: dict) -> None:
        record = {"order_id": payload["order_id"], "url": url, "body": payload, "headers": {}, "attempts": [],
                  "delivered": False, "finished": False}
        if not is_loopback_url(url):  # checked at creation too; never talk to anything else
            record["attempts"].append({"at": _now_iso(), "error": "refused: not a loopback URL"})
            record["finished"] = True
            with self._lock:
                self._webhooks.append(record)
            return
        with self._lock:
            self._webhooks.append(record)
        pairs = list(payload.items())
        for attempt in range(1, self.webhook_attempts + 1):
            if self._stopping.is_set():
                break
            headers = make_headers(self.api_key, self.webhook_secret, pairs)
            data = json.dumps(payload, separators=(",", ":")).encode("utf-8")
            request = urllib.request.Request(url, data=data, method="POST",
                                             headers={**headers, "Content-Type": "application/json",
                                                      "User-Agent": "SelcomSimulator/1.0"})
            entry: dict[str, Any] = {"at": _now_iso(), "attempt": attempt}
            retry = False
            try:
                with _NO_PROXY_OPENER.open(request, timeout=self.webhook_timeout) as response:
                    entry["status"] = response.status
            except urllib.error.HTTPError as exc:
                entry["status"] = exc.code
                retry = exc.code >= 500
            except (urllib.error.URLError, OSError) as exc:
                entry["error"] = type(getattr(exc, "reason", exc)).__name__
                retry = True
            with self._lock:
                record["headers"] = headers
                record["attempts"].append(entry)
                if "status" in entry and entry["status"] < 300:
                    record["delivered"] = True
            if not retry or attempt == self.webhook_attempts:
                break
            if self._stopping.wait(self.webhook_retry_delay * attempt):
                break
        with self._lock:
            record["finished"] = True

    # ------------------------------------------------------------------ the API

    def handle_api(self, method: str, path: str, query: str, raw: bytes, headers) -> Reply:
        route = _ROUTES.get(path)
        entry = {"at": _now_iso(), "method": method, "path": path, "order_id": None, "status": None,
                 "dropped": False, "mode": self._mode}
        with self._lock:
            self._requests.append(entry)
        reply = self._handle(method, path, query, raw, headers, route, entry)
        with self._lock:
            entry["status"] = None if reply.drop else reply.status
            entry["dropped"] = reply.drop
        return reply

    def _handle(self, method, path, query, raw, headers, route, entry) -> Reply:
        mode = self._mode
        if mode == "down":
            return Reply(503, b"Service Unavailable\n", "text/plain; charset=utf-8")
        try:
            fields = self._read_fields(method, query, raw)
        except _Problem as problem:
            fields = None
            early = problem
        else:
            early = None
        order_id = fields.get("order_id") if isinstance(fields, dict) else None
        entry["order_id"] = order_id if isinstance(order_id, str) else None
        if mode == "flaky":
            key = (method, path, str(order_id), query if method in ("GET", "DELETE") else "")
            with self._lock:
                first = key not in self._dropped
                if first:
                    self._dropped.add(key)
                else:
                    self._dropped.discard(key)
            if first:
                return Reply(drop=True)
        elif mode == "slow":
            if self._stopping.wait(self.slow_seconds):
                return Reply(drop=True)
        if route is None:
            return _error(404, RESULTCODE_NOT_FOUND, "Unknown endpoint")
        expected_method, action, mandatory = route
        if method != expected_method:
            return _error(405, "405", f"Use {expected_method} for this endpoint")
        if early is not None:
            return _error(early.status, early.resultcode, early.message)
        try:
            signed = check_request(headers, fields, keys={self.api_key: self.api_secret},
                                   max_skew=self.max_skew_seconds)
            missing = [name for name in mandatory if name not in fields or fields[name] in (None, "")]
            if missing:
                raise _fields_problem(f"Missing mandatory fields: {', '.join(missing)}")
            unsigned = [name for name in fields if name not in signed]
            if unsigned:
                raise SignatureProblem(f"Fields not listed in Signed-Fields: {', '.join(unsigned)}")
            return getattr(self, action)(fields)
        except SignatureProblem as problem:
            return _error(401, RESULTCODE_AUTH, str(problem))
        except _Problem as problem:
            return _error(problem.status, problem.resultcode, problem.message)

    @staticmethod
    def _read_fields(method: str, query: str, raw: bytes) -> dict:
        if method in ("GET", "DELETE"):
            pairs = parse_qsl(query, keep_blank_values=True)
            names = [name for name, _ in pairs]
            if len(set(names)) != len(names):
                raise _fields_problem("A query parameter is repeated")
            return dict(pairs)
        try:
            body = json.loads(raw.decode("utf-8")) if raw else None
        except (UnicodeDecodeError, ValueError):
            raise _fields_problem("Body must be JSON") from None
        if not isinstance(body, dict):
            raise _fields_problem("Body must be a JSON object")
        return body

    # each action returns a Reply; the lock guards the state

    def _create_minimal(self, f: dict) -> Reply:
        return self._create(f, "minimal")

    def _create_card(self, f: dict) -> Reply:
        methods = _text("payment_methods", f["payment_methods"]).upper()
        if not set(m.strip() for m in methods.split(",")) <= _PAYMENT_METHODS:
            raise _fields_problem("payment_methods must list ALL, MASTERPASS, CARD or MOBILEMONEYPULL")
        for name in _CARD_MANDATORY[len(_MINIMAL_MANDATORY) + 1:]:
            value = f[name]
            _text(name, str(value) if _is_int(value) else value)
        _phone("billing.phone", f["billing.phone"])
        if not re.fullmatch(r"[A-Z]{2}", f["billing.country"]):
            raise _fields_problem("billing.country must be an ISO 3166 alpha-2 code")
        return self._create(f, "card", payment_methods=methods)

    def _create(self, f: dict, kind: str, payment_methods: str | None = None) -> Reply:
        if f["vendor"] != self.vendor:
            raise _fields_problem("Unknown vendor")
        order_id = _text("order_id", f["order_id"], 64)
        if not _ORDER_ID.fullmatch(order_id):
            raise _fields_problem("order_id may contain letters, digits and - _ . : only")
        email = _text("buyer_email", f["buyer_email"])
        if "@" not in email:
            raise _fields_problem("buyer_email must be an email address")
        name = _text("buyer_name", f["buyer_name"])
        phone = _phone("buyer_phone", f["buyer_phone"])
        amount = f["amount"]
        if not _is_int(amount):
            raise _fields_problem("amount must be an integer")
        if amount <= 0:
            raise _fields_problem("amount must be positive")
        currency = f["currency"]
        if currency not in ("TZS", "USD"):
            raise _fields_problem("currency must be TZS or USD")
        _positive_int_like("no_of_items", f["no_of_items"])
        expiry = _positive_int_like("expiry", f["expiry"]) if f.get("expiry") not in (None, "") else None
        urls = {name: _decode_url(name, f[name], loopback_only=name == "webhook") if f.get(name) else None
                for name in ("webhook", "redirect_url", "cancel_url")}
        webhook, redirect, cancel = urls["webhook"], urls["redirect_url"], urls["cancel_url"]
        with self._lock:
            if order_id in self._orders:
                return _error(200, RESULTCODE_CONFLICT, "Duplicate order_id: an order with this id exists")
            token = _digits(8)
            while token in self._tokens:
                token = _digits(8)
            order = Order(
                order_id=order_id, kind=kind, vendor=self.vendor, amount=amount, currency=currency,
                buyer_email=email, buyer_name=name, buyer_phone=phone, payment_token=token,
                reference=_digits(10), gateway_buyer_uuid=f.get("gateway_buyer_uuid") or secrets.token_hex(6),
                creation_date=datetime.now(DAR_ES_SALAAM).strftime("%Y-%m-%d %H:%M:%S"), created_at=time.time(),
                webhook=webhook, redirect_url=redirect, cancel_url=cancel,
                buyer_remarks=_opt_str(f.get("buyer_remarks")), merchant_remarks=_opt_str(f.get("merchant_remarks")),
                payment_methods=payment_methods, expiry=expiry, fields=dict(f))
            self._orders[order_id] = order
            self._tokens[token] = order_id
        gateway_url = f"{self.root_url}/checkout/pay/{token}"
        return _json(200, {
            "reference": order.reference, "resultcode": "000", "result": "SUCCESS",
            "message": "Order creation successful",
            "data": [{"gateway_buyer_uuid": order.gateway_buyer_uuid, "payment_token": token,
                      "qr": base64.b64encode(f"SELCOM-SIM-{token}".encode()).decode("ascii"),
                      "payment_gateway_url": base64.b64encode(gateway_url.encode("utf-8")).decode("ascii")}],
        })

    def _wallet(self, f: dict) -> Reply:
        transid = _text("transid", f["transid"], 64)
        order_id = _text("order_id", f["order_id"], 64)
        msisdn = _phone("msisdn", f["msisdn"])
        with self._lock:
            order = self._orders.get(order_id)
            if order is None:
                return _error(200, RESULTCODE_NOT_FOUND, "Order not found")
            if order.payment_status != "PENDING":
                return _error(200, RESULTCODE_CONFLICT, f"Order is {order.payment_status}, not payable")
            order.pushes.append({"transid": transid, "msisdn": msisdn, "at": _now_iso()})
            reference = _digits(10)
        self._scheduler.later(self.push_delay, lambda: self._push_answered(order_id, msisdn, transid))
        return _json(200, {"reference": reference, "resultcode": "111", "result": "PENDING",
                           "message": "Request in progress. You will receive a callback shortly", "data": []})

    def _push_answered(self, order_id: str, msisdn: str, transid: str) -> None:
        with self._lock:
            order = self._orders.get(order_id)
            if order is not None:
                self._settle(order, msisdn, channel_for(msisdn), transid=transid)

    def _status(self, f: dict) -> Reply:
        with self._lock:
            order = self._orders.get(str(f["order_id"]))
            if order is None:
                return _error(200, RESULTCODE_NOT_FOUND, "Order not found")
            row = {
                "order_id": order.order_id,
                "creation_date": order.creation_date,
                "amount": str(order.paid_amount if order.paid_amount is not None else order.amount),
                "payment_status": order.payment_status,
                "transid": order.transid,
                "channel": order.channel,
                "reference": order.payment_reference,
                "phone": order.phone,
            }
        return _json(200, {"reference": _digits(10), "resultcode": "000", "result": "SUCCESS",
                           "message": "Order fetch successful", "data": [row]})

    def _cancel_api(self, f: dict) -> Reply:
        with self._lock:
            order = self._orders.get(str(f["order_id"]))
            if order is None:
                return _error(200, RESULTCODE_NOT_FOUND, "Order not found")
            if order.payment_status not in ("PENDING", "CANCELLED"):
                return _error(200, RESULTCODE_CONFLICT, f"Order is {order.payment_status}, cannot cancel")
            if order.payment_status == "PENDING":
                order.payment_status = "CANCELLED"
                self._schedule_webhook(order)
        return _json(200, {"reference": _digits(10), "resultcode": "000", "result": "SUCCESS",
                           "message": "Order cancelled", "data": []})

    def _list(self, f: dict) -> Reply:
        try:
            start = date.fromisoformat(f["fromdate"]) if _DATE.fullmatch(f["fromdate"]) else None
            end = date.fromisoformat(f["todate"]) if _DATE.fullmatch(f["todate"]) else None
        except ValueError:
            start = end = None
        if start is None or end is None:
            raise _fields_problem("fromdate and todate must be YYYY-MM-DD")
        with self._lock:
            rows = [{"order_id": o.order_id, "creation_date": o.creation_date, "amount": str(o.amount),
                     "payment_status": o.payment_status, "result": "SUCCESS"}
                    for o in self._orders.values() if start <= date.fromisoformat(o.creation_date[:10]) <= end]
        return _json(200, {"reference": _digits(10), "resultcode": "000", "result": "SUCCESS",
                           "message": "Order fetch successful", "data": rows})

    # ------------------------------------------------------------------ the checkout page

    def handle_page(self, method: str, path: str) -> Reply:
        if path in ("/", "/checkout", "/checkout/") and method == "GET":
            with self._lock:
                orders = [asdict(o) for o in self._orders.values()]
            return Reply(200, page.index_page(orders[::-1], vendor=self.vendor), "text/html; charset=utf-8")
        match = re.fullmatch(r"/checkout/pay/([0-9A-Za-z_-]{1,64})(?:/(pay|cancel))?/?", path)
        if not match:
            return Reply(404, page.not_found_page(), "text/html; charset=utf-8")
        token, action = match.groups()
        with self._lock:
            order_id = self._tokens.get(token)
            order = self._orders.get(order_id) if order_id else None
            if order is None:
                return Reply(404, page.not_found_page(), "text/html; charset=utf-8")
            if action is None:
                if method != "GET":
                    return Reply(405, b"", "text/plain", {"Allow": "GET"})
                return Reply(200, page.checkout_page(asdict(order), vendor=self.vendor), "text/html; charset=utf-8")
            if method != "POST":
                return Reply(405, b"", "text/plain", {"Allow": "POST"})
            notice = None
            if action == "pay":
                self.pay(order.order_id)
                target = order.redirect_url
                if order.payment_status == "PENDING":
                    notice = "PENDING_PUSH"
            else:
                self.cancel(order.order_id)
                target = order.cancel_url
            snapshot = asdict(order)
        if target:
            return Reply(303, b"", "text/plain", {"Location": target})
        return Reply(200, page.checkout_page(snapshot, vendor=self.vendor, notice=notice), "text/html; charset=utf-8")


_ROUTES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "/checkout/create-order-minimal": ("POST", "_create_minimal", _MINIMAL_MANDATORY),
    "/checkout/create-order": ("POST", "_create_card", _CARD_MANDATORY),
    "/checkout/wallet-payment": ("POST", "_wallet", ("transid", "order_id", "msisdn")),
    "/checkout/order-status": ("GET", "_status", ("order_id",)),
    "/checkout/cancel-order": ("DELETE", "_cancel_api", ("order_id",)),
    "/checkout/list-orders": ("GET", "_list", ("fromdate", "todate")),
}

# Webhooks go straight to the loopback URL, whatever HTTP(S)_PROXY says.
_NO_PROXY_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _digits(n: int) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(n))


def _opt_str(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def _now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _json(status: int, payload: dict) -> Reply:
    return Reply(status, json.dumps(payload).encode("utf-8"))


def _error(status: int, resultcode: str, message: str) -> Reply:
    return _json(status, {"reference": _digits(10), "resultcode": resultcode, "result": "FAIL",
                          "message": message, "data": []})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    sim: Simulator


class _Handler(BaseHTTPRequestHandler):
    server_version = "SelcomSimulator/1.0"
    sys_version = ""
    protocol_version = "HTTP/1.0"  # one request per connection: "flaky" drops are per call

    def log_message(self, fmt: str, *args) -> None:
        if self.server.sim.verbose:
            super().log_message(fmt, *args)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def _dispatch(self, method: str) -> None:
        sim: Simulator = self.server.sim
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            self._send(_error(413 if length > 0 else 400, RESULTCODE_FIELDS, "Bad or too large body"))
            return
        raw = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        try:
            if parts.path == "/v1" or parts.path.startswith("/v1/"):
                reply = sim.handle_api(method, parts.path[3:], parts.query, raw, self.headers)
            else:
                reply = sim.handle_page(method, parts.path)
        except Exception as exc:  # noqa: BLE001 - a simulator bug answers 500, never hangs
            reply = _error(500, "500", f"Simulator error: {type(exc).__name__}")
        if reply.drop:
            self.close_connection = True
            return  # the server closes the socket without a byte of answer
        self._send(reply)

    def _send(self, reply: Reply) -> None:
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (e.g. its read timeout in "slow" mode)


def start(*, host: str = "127.0.0.1", port: int = 0, api_key: str, api_secret: str, vendor: str,
          webhook_delay: float = 1.0, push_delay: float = 1.0, **options: Any) -> Simulator:
    """Start a simulator on a loopback port (0: a free one) and return it; `.url` ends in /v1.

    Options: webhook_secret (default api_secret), slow_seconds (12), webhook_attempts (3),
    webhook_retry_delay (0.5), webhook_timeout (5), max_skew_seconds (300), public_url, verbose.
    """
    return Simulator(host=host, port=port, api_key=api_key, api_secret=api_secret, vendor=vendor,
                     webhook_delay=webhook_delay, push_delay=push_delay, **options)
