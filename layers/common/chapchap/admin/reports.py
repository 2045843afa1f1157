"""Payment reports for financial reconciliation: CSV and PDF, kept in S3 for 7 days.

A report covers the payments *created* in the business days [from, to] (every status), the
same set as GET /api/admin/payments with the same from/to, so an admin can check one
against the other. Each row carries its completion time: revenue in the analytics counts a
payment on its *completion* day, so a payment created just before midnight of `to` and
paid after it is in this report and in the next day's revenue. Refunds likewise: this report
shows a refund on the row of the payment it returned (`refunded_amount`, `refunded_at`), while
the analytics count it on the day of the refund; net revenue here is the revenue of these
payments less what was refunded of them.

The file goes to `reports/payments/<from>_<to>/<time>-<id>.<csv|pdf>` (the bucket's
lifecycle deletes `reports/` after 7 days) and the answer is a presigned URL valid for a
few minutes. Amounts are integers (whole shillings), summed exactly.
"""
from __future__ import annotations

import csv
import io
import uuid
from collections import defaultdict
from datetime import date, timedelta
from typing import Any, Mapping

from chapchap import clock, storage
from chapchap.admin.payments import STATUSES, read_range
from chapchap.analytics.periods import check_known, choice, date_range
from chapchap.settings import settings

FORMATS = ("csv", "pdf")
MAX_DAYS = 366
MAX_PAYMENTS = 10_000
URL_SECONDS = 300
CSV_COLUMNS = ("reference", "status", "amount", "currency", "method", "created_at", "created_business_date",
               "completed_at", "completed_business_date", "transaction_id", "channel", "template_id", "cv_id",
               "user_id", "buyer_email", "buyer_name", "phone", "flagged", "duplicate_payment",
               # last, so readers of the older columns by position keep working
               "resolution", "refunded_amount", "refunded_at", "refund_reference")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

def parse(query: Mapping[str, str]) -> tuple[date, date, str]:
    check_known(query, ("from", "to", "format"))
    first, last = date_range(query, default_days=30, max_days=MAX_DAYS)
    return first, last, choice(query, "format", FORMATS, "csv")


def payments_report(query: Mapping[str, str]) -> dict[str, Any]:
    first, last, fmt = parse(query)
    payments = sorted(read_range(first, last, max_items=MAX_PAYMENTS), key=lambda p: (p["created_at"], p["reference"]))
    moment = clock.now()
    body, content_type = ((csv_bytes(payments), "text/csv; charset=utf-8") if fmt == "csv"
                          else (pdf_bytes(payments, first, last, moment), "application/pdf"))
    stamp = clock.iso(moment).replace("-", "").replace(":", "").replace(".", "")
    key = f"reports/payments/{first.isoformat()}_{last.isoformat()}/{stamp}-{uuid.uuid4().hex[:8]}.{fmt}"
    storage.put(key, body, content_type)
    filename = f"payments-{first.isoformat()}-to-{last.isoformat()}.{fmt}"
    return {"url": storage.download_url(key, filename=filename, expires=URL_SECONDS),
            "expires_at": clock.iso(moment + timedelta(seconds=URL_SECONDS)),
            "format": fmt, "filename": filename, "payments": len(payments),
            "from": first.isoformat(), "to": last.isoformat()}


# ---------------------------------------------------------------- CSV
def _business(iso_time: str | None) -> str:
    return clock.business_date(clock.parse_iso(iso_time)).isoformat() if iso_time else ""


def _cell(value: Any) -> Any:
    """Plain values; text that a spreadsheet would run as a formula gets a leading quote."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_row(payment: dict[str, Any]) -> list[Any]:
    values = {**payment, "amount": int(payment["amount"]),
              "created_business_date": _business(payment.get("created_at")),
              "completed_business_date": _business(payment.get("completed_at")),
              "transaction_id": payment.get("transaction_id") or None, "channel": payment.get("channel") or None,
              "flagged": bool(payment.get("flagged")), "duplicate_payment": bool(payment.get("duplicate_payment")),
              **_resolution_cells(payment)}
    return [_cell(values.get(column)) for column in CSV_COLUMNS]


def _resolution_cells(payment: dict[str, Any]) -> dict[str, Any]:
    resolution = payment.get("resolution") or {}
    refunded = resolution.get("action") == "refunded"
    return {"resolution": resolution.get("action"),
            "refunded_amount": int(resolution.get("refunded_amount") or 0) if refunded else None,
            "refunded_at": resolution.get("at") if refunded else None,
            "refund_reference": resolution.get("refund_reference")}


def refunded_amount(payment: dict[str, Any]) -> int:
    """What a refund of this payment took out of revenue (0 when not refunded)."""
    resolution = payment.get("resolution") or {}
    return int(resolution.get("refunded_amount") or 0) if resolution.get("action") == "refunded" else 0


def csv_bytes(payments: list[dict[str, Any]]) -> bytes:
    """UTF-8 with a byte-order mark (spreadsheets then read names like "Zoë" right), CRLF lines."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for payment in payments:
        writer.writerow(csv_row(payment))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# ---------------------------------------------------------------- PDF
def _money(amount: int) -> str:
    return f"{amount:,}"


def _local(iso_time: str | None) -> str:
    if not iso_time:
        return "-"
    return clock.parse_iso(iso_time).astimezone(clock.business_tz()).strftime("%Y-%m-%d %H:%M")


def summarize(payments: list[dict[str, Any]]) -> dict[str, Any]:
    """Totals by status and by business day of creation (what the PDF shows)."""
    by_status = {status: {"payments": 0, "amount": 0} for status in STATUSES}
    by_day: dict[str, dict[str, int]] = defaultdict(lambda: {"payments": 0, "completed": 0, "revenue": 0})
    for payment in payments:
        status = by_status.setdefault(payment["status"], {"payments": 0, "amount": 0})
        status["payments"] += 1
        status["amount"] += int(payment["amount"])
        day = by_day[_business(payment["created_at"])]
        day["payments"] += 1
        if payment["status"] == "completed":
            day["completed"] += 1
            day["revenue"] += int(payment["amount"])
    completed = [p for p in payments if p["status"] == "completed"]
    revenue = sum(int(p["amount"]) for p in completed)
    refunded = [p for p in payments if (p.get("resolution") or {}).get("action") == "refunded"]
    refunds = sum(refunded_amount(p) for p in refunded)
    return {"by_status": by_status, "by_day": dict(sorted(by_day.items())), "completed": completed,
            "revenue": revenue, "refunds": refunds, "net_revenue": revenue - refunds, "refunded": refunded,
            "attention": [p for p in payments if p.get("flagged") or p.get("duplicate_payment")]}


def pdf_bytes(payments: list[dict[str, Any]], first: date, last: date, moment) -> bytes:
    from chapchap.pdf import render_document  # fpdf2 only on this path

    zone = settings().business_timezone
    currency = settings().currency
    summary = summarize(payments)
    status_rows = [[s, str(v["payments"]), _money(v["amount"])] for s, v in summary["by_status"].items()]
    status_rows.append(["Total", str(len(payments)), _money(sum(int(p["amount"]) for p in payments))])
    day_rows = [[d, str(v["payments"]), str(v["completed"]), _money(v["revenue"])] for d, v in summary["by_day"].items()]
    day_rows.append(["Total", str(len(payments)), str(len(summary["completed"])), _money(summary["revenue"])])
    completed_rows = [[p["reference"], p.get("transaction_id") or "-", _money(int(p["amount"])),
                       _local(p.get("completed_at")), _note(p)]
                      for p in summary["completed"]]
    completed_rows.append(["Total", "", _money(summary["revenue"]), "", ""])
    blocks: list[dict[str, Any]] = [
        {"type": "heading", "text": "Payments reconciliation", "level": 1},
        {"type": "paragraph", "muted": True,
         "text": f"Payments created from {first.isoformat()} to {last.isoformat()} (business days, {zone}). "
                 f"Amounts in {currency}, whole shillings. Times in {zone}."},
        {"type": "kv", "items": [
            ["Period", f"{first.isoformat()} to {last.isoformat()}"],
            ["Generated", f"{_local(clock.iso(moment))} ({zone})"],
            ["Payments", str(len(payments))],
            ["Completed", str(len(summary["completed"]))],
            ["Revenue (completed)", f"{currency} {_money(summary['revenue'])}"],
            ["Refunds (of these payments)", f"{currency} {_money(summary['refunds'])}"],
            ["Net revenue", f"{currency} {_money(summary['net_revenue'])}"]]},
        {"type": "heading", "text": "Totals by status", "level": 2},
        {"type": "table", "columns": ["Status", "Payments", f"Amount ({currency})"], "align": ["L", "R", "R"],
         "widths": [2, 1, 1], "rows": status_rows},
        {"type": "heading", "text": "Totals by day of creation", "level": 2},
        {"type": "table", "columns": ["Day", "Payments", "Completed", f"Revenue ({currency})"],
         "align": ["L", "R", "R", "R"], "widths": [2, 1, 1, 1], "rows": day_rows},
        {"type": "heading", "text": "Completed payments", "level": 2},
        {"type": "table", "columns": ["Reference", "Transaction ID", f"Amount ({currency})", "Completed", "Note"],
         "align": ["L", "L", "R", "L", "L"], "widths": [2, 2.4, 1.4, 2, 1.6], "rows": completed_rows},
    ]
    if summary["refunded"]:
        blocks += [
            {"type": "heading", "text": "Refunds", "level": 2},
            {"type": "table", "columns": ["Reference", f"Refunded ({currency})", "Refunded", "Refund reference"],
             "align": ["L", "R", "L", "L"], "widths": [2, 1.4, 2, 2.4],
             "rows": [[p["reference"], _money(refunded_amount(p)), _local(p["resolution"].get("at")),
                       p["resolution"].get("refund_reference") or "-"] for p in summary["refunded"]]
             + [["Total", _money(summary["refunds"]), "", ""]]},
        ]
    if summary["attention"]:
        blocks += [
            {"type": "heading", "text": "Needs attention", "level": 2},
            {"type": "table", "columns": ["Reference", "Status", f"Amount ({currency})", "Issue"],
             "align": ["L", "L", "R", "L"], "widths": [2, 1.2, 1.2, 4],
             "rows": [[p["reference"], p["status"], _money(int(p["amount"])), _issue(p)]
                      for p in summary["attention"]]},
        ]
    return render_document(f"Payments {first.isoformat()} to {last.isoformat()}", "CV Chap Chap", blocks)


def _note(payment: dict[str, Any]) -> str:
    resolution = payment.get("resolution") or {}
    if resolution.get("action") == "refunded":
        return f"refunded {_money(refunded_amount(payment))}"
    return "duplicate: refund" if payment.get("duplicate_payment") else ""


def _issue(payment: dict[str, Any]) -> str:
    if payment.get("duplicate_payment"):
        return "paid twice for one CV: refund"
    mismatch = payment.get("mismatch") or {}
    return (f"Selcom reported {mismatch.get('reported_amount')} {mismatch.get('reported_currency') or ''}; "
            f"never marked paid").strip()
