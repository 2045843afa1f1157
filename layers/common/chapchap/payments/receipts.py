"""A completed payment's receipt: a PDF rendered once, kept in the bucket, served by link."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from chapchap import clock, storage
from chapchap.data import payments as pay_data
from chapchap.data import table
from chapchap.errors import Conflict
from chapchap.payments.downloads import DOWNLOAD_URL_SECONDS
from chapchap.payments.mine import own_payment


def receipt(user: dict[str, Any], reference: str) -> dict[str, Any]:
    payment = own_payment(user, reference)
    if payment["status"] != "completed":
        raise Conflict("A receipt exists once the payment is completed.", code="PAYMENT_NOT_COMPLETED")
    key = payment.get("receipt_key")
    if not key:
        key = f"receipts/user/{user['id']}/{payment['reference']}.pdf"
        storage.put(key, _receipt_pdf(payment), "application/pdf")
        try:  # rendered once and kept: a racing request keeps the first
            table.update(*pay_data.payment_key(payment["reference"]), "SET receipt_key = :key",
                         condition="attribute_not_exists(receipt_key)", key=key)
        except table.ConditionFailed:
            key = pay_data.get(payment["reference"])["receipt_key"]
    expires = clock.now() + timedelta(seconds=DOWNLOAD_URL_SECONDS)
    return {"url": storage.download_url(key, filename=f"Receipt-{payment['reference']}.pdf",
                                        expires=DOWNLOAD_URL_SECONDS),
            "expires_at": clock.iso(expires)}


def _receipt_pdf(payment: dict[str, Any]) -> bytes:
    from chapchap.pdf import render_document  # fpdf2 only on this path

    completed = clock.parse_iso(payment["completed_at"]).astimezone(clock.business_tz())
    amount = f"{payment['currency']} {payment['amount']:,}"
    return render_document(f"Receipt {payment['reference']}", "CV Chap Chap", [
        {"type": "heading", "text": "CV Chap Chap", "level": 1},
        {"type": "paragraph", "text": "Payment receipt", "muted": True},
        {"type": "rule"},
        {"type": "kv", "items": [
            ["Receipt for", payment.get("buyer_name", "")], ["Email", payment.get("buyer_email", "")],
            ["Reference", payment["reference"]], ["Transaction ID", payment.get("transaction_id") or "-"],
            ["Date", completed.strftime("%d %B %Y, %H:%M") + f" ({clock.business_tz().key})"],
            ["Method", {"mobile_money": "Mobile money", "card": "Card"}.get(payment["method"], payment["method"])],
            ["Paid through", payment.get("channel") or "Selcom"]]},
        {"type": "spacer"},
        {"type": "table", "columns": ["Item", "Amount"], "align": ["L", "R"], "widths": [3, 1],
         "rows": _receipt_rows(payment, amount)},
        {"type": "spacer"},
        {"type": "paragraph", "text": "Thank you for using CV Chap Chap. Keep this receipt for your records.",
         "muted": True},
    ])


def _receipt_rows(payment: dict[str, Any], amount: str) -> list[list[str]]:
    paid_before = int(payment.get("paid_before", 0))
    if not paid_before:
        return [[f"CV download: {payment.get('cv_title', '')}", amount], ["Total paid", amount]]
    currency = payment["currency"]
    return [[f"Template upgrade to {payment.get('template_id', '')}: {payment.get('cv_title', '')}",
             f"{currency} {pay_data.template_price(payment):,}"],
            ["Already paid for this CV", f"- {currency} {paid_before:,}"], ["Total paid", amount]]
