"""A Selcom Checkout simulator on loopback, for the local stack and the tests.

    from local.selcom_sim import start
    sim = start(api_key="k", api_secret="s", vendor="VENDORTILL", webhook_delay=0.05, push_delay=0.05)
    sim.url            # http://127.0.0.1:<port>/v1  (SELCOM_BASE_URL)
    sim.env            # SELCOM_BASE_URL / _API_KEY / _API_SECRET / _VENDOR / _WEBHOOK_SECRET
    sim.orders, sim.webhooks_sent, sim.requests, sim.set_mode(...), sim.pay(id), sim.cancel(id)
    sim.stop()

    python -m local.selcom_sim --port 3100     # manual use; keys from SELCOM_API_KEY/SECRET/VENDOR

Endpoints (under /v1, every call signed as Selcom documents; the simulator has its own
verifier in `signing.py` and never imports chapchap):
    POST   /checkout/create-order-minimal   POST /checkout/create-order (card: billing.* fields)
    POST   /checkout/wallet-payment         GET  /checkout/order-status?order_id=
    DELETE /checkout/cancel-order?order_id= GET  /checkout/list-orders?fromdate=&todate=
Refusals use Selcom's error shape {"reference", "resultcode", "result": "FAIL", "message", "data": []}:
    401 + resultcode "403": Authorization (unknown key), Digest-Method, Timestamp (unparseable or
        more than 5 minutes from now), Signed-Fields (listing a field the request lacks, or not
        listing a field the request has), Digest;
    400 + resultcode "400": missing mandatory fields, amount not a JSON integer, phone not
        255XXXXXXXXX, webhook/redirect_url/cancel_url not base64 of an http(s) URL, webhook not
        loopback, unknown vendor;
    200 + resultcode "409": duplicate order_id, push or cancel of an order that is not PENDING;
    200 + resultcode "404": unknown order_id.

The checkout page: `payment_gateway_url` (base64) decodes to http://127.0.0.1:<port>/checkout/pay/<token>,
a small HTML page (vendor, amount "TZS 8,000", buyer) with "Pay" and "Cancel" forms; afterwards
it redirects to redirect_url / cancel_url when the order gave them. GET / lists the orders.

Magic phone numbers (the last four digits of the paying number: the wallet-payment `msisdn`,
or the order's `buyer_phone` when paid on the page or with `.pay()`):
    ...0001  payment REJECTED (payment_status REJECTED, webhook sent, resultcode "051")
    ...0002  paid (COMPLETED) but the webhook is never sent (lost webhook)
    ...0003  paid, but order-status reports amount = asked + 500
    ...0004  never answered: stays PENDING forever, no webhook
    other    paid: COMPLETED with transid and channel, webhook sent
A push completes `push_delay` seconds after wallet-payment; a webhook leaves `webhook_delay`
seconds after the change, JSON {transid, order_id, reference, result, resultcode, payment_status}
with the five Selcom headers (signed with the api key and `webhook_secret`, default the api
secret), retried on connection errors and 5xx (`webhook_attempts`, default 3), each attempt
recorded in `webhooks_sent`. Cancelling (API, page or `.cancel()`) sets CANCELLED and sends a
webhook (resultcode "052"). Webhook URLs must be loopback: others are refused with 400.

Modes (`sim.set_mode(...)`), for fault tests; they affect /v1 only, not the page:
    "normal"  answer as documented
    "down"    every call answers 503 (text/plain) at once
    "slow"    every call sleeps `slow_seconds` (default 12, longer than the client's 10 s read
              timeout; `set_mode("slow", slow_seconds=0.5)` for tests) before answering
    "flaky"   the first connection of each call (same method, path and order_id/query) is
              closed without an answer; the next one is answered (exercises one retry)
"""
from __future__ import annotations

from .server import (
    LOST_WEBHOOK_SUFFIX,
    MODES,
    NO_ANSWER_SUFFIX,
    REJECT_SUFFIX,
    WRONG_AMOUNT_SUFFIX,
    Simulator,
    start,
)

__all__ = ["start", "Simulator", "MODES", "REJECT_SUFFIX", "LOST_WEBHOOK_SUFFIX", "WRONG_AMOUNT_SUFFIX",
           "NO_ANSWER_SUFFIX"]
