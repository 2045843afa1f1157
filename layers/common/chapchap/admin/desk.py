"""The support desk: find a payment from what a caller has in hand, read its whole story, ask
Selcom about it again now. Keys and reads: chapchap/data/paydesk.py.

- `search`: `q` is one exact value (reference, Selcom transaction id or reference, phone in
  any accepted form, email), brought to the form the lookup items are stored in; newest
  first; one Query of `PAYFIND#<value>` + one BatchGetItem of the page's payments. `q`
  takes no other filter: a caller's payments are few, and a date or a status the caller
  misremembers would hide the one sought.
- `story`: the payment and everything that happened to it, oldest first, in four calls
  whatever the table holds.
- `recheck`: Selcom's order-status now, applied through the one confirmation path
  (payments/confirm.py), recorded and audited.
"""
from __future__ import annotations

import json
import re
from typing import Any, Mapping

from chapchap import audit, cursor
from chapchap.admin.payments import QUERY_PARAMETERS, admin_payment
from chapchap.analytics.periods import bad_query, check_known
from chapchap.data import cvs as cv_data
from chapchap.data import messages as message_data
from chapchap.data import paydesk, table, users
from chapchap.data import payments as pay_data
from chapchap.errors import NotFound

SEARCH_TAKES_ALONE = tuple(p for p in QUERY_PARAMETERS if p not in ("limit", "cursor", "q"))
_REFERENCE = re.compile(r"[A-Za-z0-9]{4,32}")
# Never shown from a stored webhook: what Selcom signs with, and anything named like a secret.
_SECRET_NAME = re.compile(r"authorization|digest|signed-fields|signature|secret|token|password|api[-_]?key",
                          re.IGNORECASE)
SHOWN_BODY_CHARS = 4000


# ---------------------------------------------------------------- find
def search(query: Mapping[str, str], *, limit: int, page: str | None) -> tuple[list[dict], str | None, dict]:
    """(payments, next cursor, meta) for `?q=`."""
    check_known(query, QUERY_PARAMETERS)
    others = [p for p in SEARCH_TAKES_ALONE if p in query]
    if others:
        raise bad_query(others[0], "q finds exact matches whatever their date or status: give it alone "
                                   "(with limit and cursor)")
    value = paydesk.lookup_value(query.get("q"))
    if value is None:
        raise bad_query("q", f"give a reference, a transaction id, a phone number or an email "
                             f"(1 to {paydesk.MAX_VALUE} characters)")
    scope = f"admin-payments-q:{value}"
    references, last = paydesk.find(value, limit=limit, start_key=cursor.decode(page, scope))
    found = paydesk.payments(references)
    return [admin_payment(p) for p in found], cursor.encode(last, scope), {"q": value}


# ---------------------------------------------------------------- one payment
def _reference(reference: str) -> str:
    if not _REFERENCE.fullmatch(reference or ""):
        raise NotFound("No such payment.")
    return reference.upper()


def story(reference: str) -> dict[str, Any]:
    """{payment, cv, user, timeline}: the timeline oldest first."""
    reference = _reference(reference)
    payment, trail = paydesk.payment_and_trail(reference)
    if payment is None:
        raise NotFound("No such payment.")
    webhooks = paydesk.webhooks_of(reference)
    entries = paydesk.audit_of("payment", reference)
    causes = [f"payment-completed#{reference}#{channel}" for channel in ("sms", "email")]
    user_key, cv_key = users.user_key(payment["user_id"]), cv_data.cv_key(payment["cv_id"])
    found = paydesk.related(user_key, cv_key, *(message_data.message_key(c) for c in causes))
    user, cv = found.get(user_key), found.get(cv_key)
    timeline = [_initiated(payment), *_outcomes(payment), *(_webhook(w) for w in webhooks),
                *(_trail(t) for t in trail), *(_audit(e) for e in entries),
                *(_message(m) for m in (found.get(message_data.message_key(c)) for c in causes) if m)]
    timeline.sort(key=lambda event: event["at"])
    return {"payment": admin_payment(payment), "user": users.public_user(user) if user else None,
            "cv": cv_data.public_cv(cv, admin=True) if cv else None, "timeline": timeline}


def _event(at: str, kind: str, summary: str, details: dict[str, Any]) -> dict[str, Any]:
    return {"at": at, "kind": kind, "summary": summary, "details": details}


def _initiated(p: dict[str, Any]) -> dict[str, Any]:
    return _event(p["created_at"], "initiated",
                  f"{p['method'].replace('_', ' ')} payment of {p['amount']:,} {p['currency']} started",
                  {"amount": p["amount"], "currency": p["currency"], "method": p["method"], "phone": p.get("phone"),
                   "template_id": p.get("template_id"), "paid_before": int(p.get("paid_before", 0)),
                   "selcom_reference": p.get("selcom_reference") or None})


def _outcomes(p: dict[str, Any]) -> list[dict[str, Any]]:
    """What the payment item itself says happened (its checks tell how)."""
    events = []
    if p.get("completed_at"):
        events.append(_event(p["completed_at"], "completed", f"completed by {p.get('completed_by') or 'unknown'}",
                             {"completed_by": p.get("completed_by"), "transaction_id": p.get("transaction_id") or None,
                              "channel": p.get("channel") or None, "duplicate_payment": bool(p.get("duplicate_payment")),
                              "refund_due": p.get("refund_due")}))
    if p.get("failure_reason"):
        events.append(_event(p.get("updated_at") or p["created_at"], "failed",
                             f"failed when starting: {p['failure_reason']}", {"failure_reason": p["failure_reason"]}))
    mismatch = p.get("mismatch")
    if isinstance(mismatch, dict) and mismatch.get("seen_at"):
        events.append(_event(mismatch["seen_at"], "flagged", "flagged: Selcom reports another amount or currency",
                             dict(mismatch)))
    return events


def _redacted(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: ("[hidden]" if _SECRET_NAME.search(str(k)) else _redacted(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_redacted(v) for v in value]
    return value


def _webhook(w: dict[str, Any]) -> dict[str, Any]:
    body: Any = w.get("body") or ""
    try:
        body = _redacted(json.loads(body))
    except ValueError:
        # Not JSON: shown as text, cut; what Selcom signs with travels in headers, never shown.
        body = body[:SHOWN_BODY_CHARS]
    headers = {k: v for k, v in (w.get("headers") or {}).items() if not _SECRET_NAME.search(k)}
    signature = w.get("signature") or "not checked"
    return _event(w["received_at"], "webhook", f"webhook received (signature {signature}): "
                                               f"{w.get('outcome') or 'no outcome recorded'}",
                  {"signature": signature, "outcome": w.get("outcome"), "body": body, "headers": headers})


def _trail(t: dict[str, Any]) -> dict[str, Any]:
    if t.get("type") == "payment_step":
        return _event(t["at"], t["kind"], f"{t['kind']} by the reconciliation schedule ({t.get('cancel')})",
                      {k: t.get(k) for k in ("cancel",)})
    source = t.get("source")
    if t.get("error"):
        summary = f"status check ({source}): no answer from Selcom ({t['error']})"
    else:
        answer = t.get("answer") or {}
        summary = (f"status check ({source}): Selcom says {answer.get('payment_status') or 'nothing'}; "
                   f"payment {t.get('status_before')} -> {t.get('status_after')}")
    return _event(t["at"], "status_check", summary,
                  {k: t.get(k) for k in ("source", "status_before", "status_after", "answer", "error", "flagged")})


def _audit(e: dict[str, Any]) -> dict[str, Any]:
    who = e.get("actor_email") or e.get("actor_id")
    return _event(e["at"], "admin_action", f"{e.get('action')} by {who}" + (f": {e['reason']}" if e.get("reason") else ""),
                  audit.public_entry(e))


def _message(m: dict[str, Any]) -> dict[str, Any]:
    return _event(m["created_at"], "message", f"{m.get('channel')} confirmation to the payer: {m.get('status')}",
                  {k: m.get(k) for k in ("channel", "kind", "status", "attempts", "finished_at")})


# ---------------------------------------------------------------- re-check now
def recheck(actor: dict[str, Any], reference: str) -> dict[str, Any]:
    """Ask Selcom now and apply its answer as a webhook's would be (exactly once: the one
    conditional completion); the check is in the story, the request in the audit log.
    Not bound by the spacing of verify and webhooks (an admin asks on purpose, and is
    audited). Selcom unreachable: its 502/503 error, the payment unchanged."""
    # Here, not at the top: the list and the story (read-only) load no Selcom client at cold start.
    from chapchap.payments import confirm as confirming

    reference = _reference(reference)
    before = pay_data.get(reference, consistent=True)
    if before is None:
        raise NotFound("No such payment.")
    after = confirming.confirm(before, source="recheck", ask_when_completed=True)
    table.transact([audit.entry_op(actor=actor, action="payment.recheck", entity="payment", entity_id=reference,
                                   before=_audited(before), after=_audited(after))])
    return admin_payment(after)


def _audited(p: dict[str, Any]) -> dict[str, Any]:
    return {"status": p["status"], "transaction_id": p.get("transaction_id") or None,
            "flagged": bool(p.get("flagged")), "completed_by": p.get("completed_by")}


# ---------------------------------------------------------------- backfill (operator)
BACKFILL_MAX_MONTHS = 12


def backfill_lookups(options: dict[str, Any] | None) -> dict[str, Any]:
    """Write the lookup items of the payments created in `{"from": "YYYY-MM", "to": "YYYY-MM"}`
    (default: this business month; at most 12 months a run). Idempotent: the same keys again."""
    from chapchap.data import buckets

    months = buckets.month_range(options, max_months=BACKFILL_MAX_MONTHS)
    summary = {"months": months, "payments": 0, "lookups": 0}
    for month in months:
        start_key = None
        while True:
            found, start_key = paydesk.payments_of_month(month, start_key=start_key)
            ops = [op for payment in found for op in paydesk.backfill_ops(payment)]
            for start in range(0, len(ops), 100):
                table.transact(ops[start:start + 100])
            summary["payments"] += len(found)
            summary["lookups"] += len(ops)
            if not start_key:
                break
    return summary
