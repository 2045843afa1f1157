"""The simulator's checkout page: plain HTML, mobile friendly, no JavaScript."""
from __future__ import annotations

from html import escape

_STYLE = """
*{box-sizing:border-box}
body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
background:#f2f4f7;color:#1d2939}
main{max-width:420px;margin:0 auto;padding:24px 16px}
.card{background:#fff;border-radius:14px;box-shadow:0 1px 3px rgba(16,24,40,.12);padding:24px}
.badge{display:inline-block;font-size:12px;letter-spacing:.04em;text-transform:uppercase;
background:#fef0c7;color:#93370d;border-radius:999px;padding:2px 10px;margin:0 0 12px}
h1{font-size:18px;margin:0 0 4px}
.amount{font-size:32px;font-weight:700;margin:4px 0 20px}
dl{display:grid;grid-template-columns:auto 1fr;gap:6px 16px;margin:0 0 20px;font-size:14px}
dt{color:#667085}dd{margin:0;text-align:right;word-break:break-word}
form{margin:0 0 10px}
button{width:100%;border:0;border-radius:10px;padding:14px;font-size:16px;font-weight:600;
cursor:pointer}
.pay{background:#0b8a4b;color:#fff}.cancel{background:#fff;color:#b42318;border:1px solid #fda29b}
.notice{border-radius:10px;padding:12px;margin:0 0 16px;font-size:14px}
.ok{background:#ecfdf3;color:#05603a}.bad{background:#fef3f2;color:#b42318}.wait{background:#eff8ff;color:#175cd3}
.hint{font-size:12px;color:#667085;margin-top:16px}
table{width:100%;border-collapse:collapse;font-size:14px}
td,th{padding:6px;border-bottom:1px solid #eaecf0;text-align:left}
"""


def money(amount: int, currency: str = "TZS") -> str:
    return f"{currency} {amount:,}"


def _layout(title: str, body: str) -> bytes:
    return (
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>\n"
    ).encode("utf-8")


_NOTICES = {
    "COMPLETED": ("ok", "Payment received. Thank you!"),
    "REJECTED": ("bad", "The payment was rejected."),
    "CANCELLED": ("bad", "The order was cancelled."),
    "PENDING_PUSH": ("wait", "Waiting for the payer to confirm on their phone…"),
}


def checkout_page(order: dict, *, vendor: str, notice: str | None = None) -> bytes:
    token = escape(order["payment_token"])
    status = order["payment_status"]
    rows = [
        ("Merchant", vendor),
        ("Order", order["order_id"]),
        ("Buyer", order["buyer_name"]),
        ("Email", order["buyer_email"]),
        ("Phone", order["buyer_phone"]),
        ("Status", status),
    ]
    if order.get("buyer_remarks"):
        rows.insert(2, ("For", order["buyer_remarks"]))
    details = "".join(f"<dt>{escape(k)}</dt><dd>{escape(str(v))}</dd>" for k, v in rows)
    banner = ""
    key = notice or (status if status != "PENDING" else None)
    if key in _NOTICES:
        css, text = _NOTICES[key]
        banner = f'<p class="notice {css}" role="status">{escape(text)}</p>'
    actions = ""
    if status == "PENDING":
        actions = (
            f'<form method="post" action="/checkout/pay/{token}/pay">'
            f'<button class="pay" type="submit">Pay {escape(money(order["amount"], order["currency"]))}</button></form>'
            f'<form method="post" action="/checkout/pay/{token}/cancel">'
            '<button class="cancel" type="submit">Cancel</button></form>'
        )
    body = (
        '<section class="card">'
        '<p class="badge">Selcom simulator</p>'
        f"<h1>{escape(vendor)}</h1>"
        f'<p class="amount">{escape(money(order["amount"], order["currency"]))}</p>'
        f"{banner}<dl>{details}</dl>{actions}"
        '<p class="hint">Test numbers: …0001 rejected, …0002 paid without webhook, '
        "…0003 paid with a different amount, …0004 never answered.</p>"
        "</section>"
    )
    return _layout(f"Pay {vendor}", body)


def not_found_page() -> bytes:
    return _layout("Order not found", '<section class="card"><h1>Order not found</h1>'
                   "<p>This payment link is unknown or has been removed.</p></section>")


def index_page(orders: list[dict], *, vendor: str) -> bytes:
    rows = "".join(
        "<tr>"
        f'<td><a href="/checkout/pay/{escape(o["payment_token"])}">{escape(o["order_id"])}</a></td>'
        f"<td>{escape(money(o['amount'], o['currency']))}</td><td>{escape(o['payment_status'])}</td>"
        "</tr>"
        for o in orders
    ) or '<tr><td colspan="3">No orders yet.</td></tr>'
    body = (
        '<section class="card"><p class="badge">Selcom simulator</p>'
        f"<h1>{escape(vendor)}: orders</h1>"
        f"<table><thead><tr><th>Order</th><th>Amount</th><th>Status</th></tr></thead><tbody>{rows}</tbody></table>"
        "</section>"
    )
    return _layout("Selcom simulator", body)
