"""Admin: every payment, by creation date, filtered by status, sorted by date or amount.

Payments carry gsi3 `PAYMENTS#<YYYY-MM>` (business month) / `<created_at>#<reference>`.

- `flagged=true` (sort by date): the flagged index, one Query and one BatchGetItem a page
  (`_flagged`).
- `sort=created_at` (default): month-bucket pages (data/buckets.py): one Query per month the
  page touches, `Limit` = what the page still needs; a `status`/`flagged` filter is applied by
  DynamoDB after reading, so a rare status may give a short page with a cursor. At most 12
  Queries per request whatever the range.
- `sort=amount`: amounts are not in any key, so the whole date range is read (every month
  bucket of it, at most AMOUNT_SORT_MAX payments, else 400 asking for a shorter range),
  filtered and sorted in memory by (amount, created_at, reference); the cursor is the last
  row's sort key (keyset), so a payment created while paging does not shift the pages. The
  answer's `meta.total` is the number of matching payments. Cost follows the range (capped),
  never the table.
"""
from __future__ import annotations

from typing import Any, Mapping

from chapchap import clock, cursor
from chapchap.data import buckets, refunds, table
from chapchap.data import payments as pay_data
from chapchap.analytics.periods import (bad_query, check_known, choice, date_range, flag)

STATUSES = ("pending", "completed", "failed", "cancelled", "expired")
SORTS = ("created_at", "amount")
DEFAULT_DAYS = 90
MAX_DAYS = 3660  # ten years: the month buckets of data/buckets.py
AMOUNT_SORT_MAX = 2000
AMOUNT_SORT_MAX_DAYS = 366
QUERY_PARAMETERS = ("limit", "cursor", "from", "to", "status", "sort", "order", "flagged", "q")  # q: admin/desk.py

def admin_payment(payment: dict[str, Any]) -> dict[str, Any]:
    """The `payment` object plus what an admin needs to act on it."""
    flagged, duplicate = bool(payment.get("flagged")), bool(payment.get("duplicate_payment"))
    return {
        **pay_data.public_payment(payment),
        "user_id": payment.get("user_id"), "buyer_email": payment.get("buyer_email"),
        "buyer_name": payment.get("buyer_name"), "phone": payment.get("phone"),
        "cv_title": payment.get("cv_title"), "template_id": payment.get("template_id"),
        "business_date": payment.get("business_date"), "channel": payment.get("channel") or None,
        "selcom_reference": payment.get("selcom_reference") or None, "completed_by": payment.get("completed_by"),
        "failure_reason": payment.get("failure_reason"), "selcom_status": payment.get("selcom_status"),
        "flagged": flagged, "mismatch": payment.get("mismatch"), "duplicate_payment": duplicate,
        "refund_due": (int(payment.get("refund_due", payment["amount"])) if duplicate else None),
        "needs_attention": flagged or duplicate, "resolution": _resolution(payment.get("resolution")),
        "updated_at": payment.get("updated_at"),
    }


RESOLUTION_FIELDS = ("action", "reason", "refund_reference", "refunded_amount", "flag", "refund_due", "at", "by")


def _resolution(stored: dict[str, Any] | None) -> dict[str, Any] | None:
    """Every field present (the table keeps no nulls), amounts as integers."""
    if not stored:
        return None
    shown = {k: stored.get(k) for k in RESOLUTION_FIELDS}
    for k in ("refunded_amount", "refund_due"):
        shown[k] = int(shown[k]) if shown[k] is not None else None
    shown["refunded_amount"] = shown["refunded_amount"] or 0
    return shown


def parse(query: Mapping[str, str]) -> dict[str, Any]:
    check_known(query, QUERY_PARAMETERS)
    first, last = date_range(query, default_days=DEFAULT_DAYS, max_days=MAX_DAYS)
    params = {"first": first, "last": last,
              "status": choice(query, "status", STATUSES, None),
              "sort": choice(query, "sort", SORTS, "created_at"),
              "order": choice(query, "order", ("asc", "desc"), "desc"),
              "flagged": flag(query, "flagged")}
    if params["sort"] == "amount" and (last - first).days + 1 > AMOUNT_SORT_MAX_DAYS:
        raise bad_query("sort", f"sorting by amount reads the whole range: give from/to at most "
                                f"{AMOUNT_SORT_MAX_DAYS} days apart")
    return params


def _scope(p: dict[str, Any]) -> str:
    return (f"admin-payments:{p['first']}:{p['last']}:{p['status']}:{p['sort']}:{p['order']}:"
            f"{p['flagged']}")


def _matches(payment: dict[str, Any], p: dict[str, Any]) -> bool:
    if p["status"] and payment.get("status") != p["status"]:
        return False
    if p["flagged"] is not None:
        attention = bool(payment.get("flagged")) or bool(payment.get("duplicate_payment"))
        if attention != p["flagged"]:
            return False
    return True


def list_payments(query: Mapping[str, str], *, limit: int, page: str | None) -> tuple[list[dict], str | None, dict]:
    """(payments, next cursor, extra meta)."""
    p = parse(query)
    scope = _scope(p)
    meta = {"from": p["first"].isoformat(), "to": p["last"].isoformat(), "sort": p["sort"], "order": p["order"]}
    if p["sort"] == "amount":
        items, next_cursor, total = _by_amount(p, limit=limit, page=page, scope=scope)
        return [admin_payment(i) for i in items], next_cursor, {**meta, "total": total}
    if p["flagged"] is True:
        items, next_cursor = _flagged(p, limit=limit, page=page, scope=scope)
        return [admin_payment(i) for i in items], next_cursor, meta
    filters, names, values = [], {}, {}
    if p["status"]:
        filters.append("#status = :status")
        names["#status"] = "status"
        values["status"] = p["status"]
    if p["flagged"] is False:
        filters.append("(attribute_not_exists(flagged) AND attribute_not_exists(duplicate_payment))")
    items, next_cursor = buckets.page(
        index="gsi3", prefix="PAYMENTS", first=p["first"], last=p["last"], limit=limit, page_cursor=page,
        scope=scope, newest_first=p["order"] == "desc", filter_expression=" AND ".join(filters) or None,
        names=names or None, filter_values=values or None)
    return [admin_payment(i) for i in items], next_cursor, meta


def _flagged(p: dict[str, Any], *, limit: int, page: str | None, scope: str) -> tuple[list[dict], str | None]:
    """flagged=true: a page of the flagged index (data/refunds.py: an entry per payment flagged
    and not resolved) in the range, then its payments by key: one Query and one BatchGetItem
    whatever the table holds. A `status` narrows the page after reading (a short page may
    still have a cursor)."""
    start, end = clock.business_day_bounds(p["first"])[0], clock.business_day_bounds(p["last"])[1]
    entries, last_key = refunds.flagged_page(lower=clock.iso(start), upper=clock.iso(end), limit=limit,
                                             newest_first=p["order"] == "desc",
                                             start_key=cursor.decode(page, scope))
    items = [i for i in refunds.payments_of(entries) if _matches(i, p)]
    return items, cursor.encode(last_key, scope)


def read_range(first, last, *, max_items: int) -> list[dict]:
    """Every payment created in the business days [first, last], oldest first; more than
    `max_items` is a 400 (the caller names a shorter range). One Query per month bucket
    per 1 MB read."""
    start, end = clock.business_day_bounds(first)[0], clock.business_day_bounds(last)[1]
    bounds = {"lower": clock.iso(start), "upper": clock.iso(end)}
    found: list[dict] = []
    for month in buckets.months(first, last):
        start_key = None
        while True:
            items, start_key = table.query(index="gsi3", pk_name="gsi3pk", pk=f"PAYMENTS#{month}",
                                           sk_condition="gsi3sk BETWEEN :lower AND :upper", sk_values=bounds,
                                           limit=max_items + 1 - len(found), start_key=start_key)
            found.extend(items)
            if len(found) > max_items:
                raise bad_query("from", f"more than {max_items:,} payments between {first} and {last}: "
                                        "narrow from/to")
            if not start_key:
                break
    return found


def _sort_key(payment: dict[str, Any]) -> tuple:
    return int(payment["amount"]), payment["created_at"], payment["reference"]


def _by_amount(p: dict[str, Any], *, limit: int, page: str | None, scope: str) -> tuple[list[dict], str | None, int]:
    after = cursor.decode(page, scope)
    descending = p["order"] == "desc"
    items = [i for i in read_range(p["first"], p["last"], max_items=AMOUNT_SORT_MAX) if _matches(i, p)]
    items.sort(key=_sort_key, reverse=descending)
    position = 0
    if after:
        mark = (after.get("a"), after.get("c"), after.get("r"))
        if not (isinstance(mark[0], int) and isinstance(mark[1], str) and isinstance(mark[2], str)):
            raise bad_query("cursor", "not a cursor of this list")
        position = next((n for n, i in enumerate(items)
                         if (_sort_key(i) < mark if descending else _sort_key(i) > mark)), len(items))
    chosen = items[position:position + limit]
    next_cursor = None
    if position + limit < len(items) and chosen:
        amount, created_at, reference = _sort_key(chosen[-1])
        next_cursor = cursor.encode({"a": amount, "c": created_at, "r": reference}, scope)
    return chosen, next_cursor, len(items)
