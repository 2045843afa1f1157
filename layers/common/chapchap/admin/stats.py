"""Admin dashboard numbers from the live counters: a fixed handful of calls at any size.

    1 Query          gsi1 TEMPLATES (every template: names for the popular list)
    BatchGetItem     COUNTER#TOTAL, COUNTER#DAY#<today>, COUNTER#TEMPLATE#<id> of each template,
                     every shard of each (counters.read): (2 + templates) x N / 100 calls

"Today" is the business day (BUSINESS_TIMEZONE). `total_cvs` counts CVs ever created
(deleted ones included, as in the daily analytics); `live_cvs` of each template is in the
templates view. Revenue is gross (what completions brought in); `refunds` is what refunds took
back out, on the refund's day, and `net_revenue` the difference (a day's can be below zero).
"""
from __future__ import annotations

from typing import Any

from chapchap import clock
from chapchap.admin.templates import MAX_TEMPLATES
from chapchap.data import counters, table
from chapchap.settings import settings

POPULAR_TEMPLATES = 5


def stats() -> dict[str, Any]:
    moment = clock.now()
    today = clock.business_date(moment)
    items, _ = table.query(index="gsi1", pk_name="gsi1pk", pk="TEMPLATES", limit=MAX_TEMPLATES)
    keys = [counters.total_key(), counters.day_key(today)] + [counters.template_key(t["id"]) for t in items]
    found = counters.read(keys)
    total = found.get(counters.total_key()) or {}
    day = found.get(counters.day_key(today)) or {}

    def n(item: dict, field: str) -> int:
        return int(item.get(field) or 0)

    popular = []
    for template in items:
        counter = found.get(counters.template_key(template["id"])) or {}
        popular.append({"template_id": template["id"], "name": template["name"], "cvs": n(counter, "cvs"),
                        "paid_cvs": n(counter, "paid_cvs"), "revenue": n(counter, "revenue"),
                        "is_active": bool(template.get("is_active"))})
    popular.sort(key=lambda t: (-t["cvs"], -t["revenue"], t["name"]))
    return {
        "total_users": n(total, "users"),
        "total_cvs": n(total, "cvs"),
        "total_revenue": n(total, "revenue"),
        "total_refunds": n(total, "refunds"),
        "net_revenue": n(total, "revenue") - n(total, "refunds"),
        "paid_cvs": n(total, "paid_cvs"),
        "total_downloads": n(total, "downloads"),
        "cvs_today": n(day, "cvs"),
        "active_users_today": n(day, "active_users"),
        "revenue_today": n(day, "revenue"),
        "refunds_today": n(day, "refunds"),
        "net_revenue_today": n(day, "revenue") - n(day, "refunds"),
        "new_users_today": n(day, "users"),
        "paid_cvs_today": n(day, "paid_cvs"),
        "downloads_today": n(day, "downloads"),
        "currency": settings().currency,
        "popular_templates": popular[:POPULAR_TEMPLATES],
        "business_date": today.isoformat(),
        "time_zone": settings().business_timezone,
        "as_of": clock.iso(moment),
    }
