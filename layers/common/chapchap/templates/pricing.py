"""What a payment buys: a CV paid up to a price.

A payment pays for one template at its price. The CV keeps `paid_amount`, the price it is
paid up to (the price of the dearest template paid for: a first payment's price, raised by
each upgrade, which charges only the difference). A paid CV may use any template whose price
is at most that; a dearer one needs an upgrade payment first. See docs/pricing.md.
"""
from __future__ import annotations

from typing import Any

from chapchap.templates import catalog
from chapchap.data import templates


def paid_level(cv: dict[str, Any], current_template: dict[str, Any] | None = None) -> int:
    """The price a CV is paid up to (0 when unpaid). A CV paid before payments recorded their
    price, or marked paid by an admin, is paid up to the price of the template it uses
    (`current_template`, when the caller has read it already, saves that read)."""
    if not cv.get("is_paid"):
        return 0
    if cv.get("paid_amount") is not None:
        return int(cv["paid_amount"])
    template = current_template if current_template is not None else templates.get(cv["template_id"])
    return catalog.price_of(template or {})["amount"]


def shortfall(cv: dict[str, Any], template: dict[str, Any], *, paid: int | None = None) -> dict[str, Any] | None:
    """None when the CV may use `template` as paid; else what is missing, as the `details` of
    a 402 (the difference is what an upgrade payment charges). Unpaid CVs use any template:
    they pay when they download. `paid`: the CV's `paid_level`, when the caller has it."""
    if not cv.get("is_paid"):
        return None
    price = catalog.price_of(template)
    paid = paid_level(cv) if paid is None else paid
    if price["amount"] <= paid:
        return None
    return {"field": "template_id", "template_id": template["id"], "price": price["amount"], "paid": paid,
            "difference": price["amount"] - paid, "currency": price["currency"]}
