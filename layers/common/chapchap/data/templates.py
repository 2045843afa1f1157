"""CV templates (designs): a layout, a theme and an optional price.

    TEMPLATE#<id> / TEMPLATE                 thumbnail_key, thumbnail_look: the generated
                                             thumbnail (chapchap.templates.thumbnails) and the look it shows
    gsi1: TEMPLATES / <sort>#<id>            every template (admin)
    gsi2: TEMPLATES#ACTIVE / <sort>#<id>     active ones only (sparse): the public list
    TEMPLATES#STARTERS / WRITTEN             the bootstrap wrote the starter set (once: a
                                             starter an admin deleted later stays deleted)
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chapchap import clock
from chapchap.data import table

ACTIVE = "TEMPLATES#ACTIVE"
STARTERS_WRITTEN = ("TEMPLATES#STARTERS", "WRITTEN")


def template_key(template_id: str) -> tuple[str, str]:
    return f"TEMPLATE#{template_id}", "TEMPLATE"


def new_template(*, id: str, name: str, description: str, layout: str, theme: dict[str, Any],
                 price: int | None = None, thumbnail_url: str | None = None, is_active: bool = True,
                 sort: int = 100) -> dict[str, Any]:
    now = clock.now_iso()
    pk, sk = template_key(id)
    item = {"pk": pk, "sk": sk, "type": "template", "id": id, "name": name, "description": description,
            "layout": layout, "theme": theme, "price": price, "thumbnail_url": thumbnail_url,
            "is_active": is_active, "sort": sort, "created_at": now, "updated_at": now,
            "gsi1pk": "TEMPLATES", "gsi1sk": f"{sort:05d}#{id}"}
    if is_active:
        item.update(gsi2pk=ACTIVE, gsi2sk=f"{sort:05d}#{id}")
    return item


def get(template_id: str, *, consistent: bool = False) -> dict[str, Any] | None:
    return table.get(*template_key(template_id), consistent=consistent)


def list_active() -> list[dict[str, Any]]:
    items, _ = table.query(index="gsi2", pk_name="gsi2pk", pk=ACTIVE, limit=100)
    return items


def all_ids() -> list[str]:
    """Ids of every template, active or not, in id order (one Query; the catalogue is small)."""
    items, _ = table.query(index="gsi1", pk_name="gsi1pk", pk="TEMPLATES", limit=100)
    return sorted(item["id"] for item in items)


def put_if_absent(template: dict[str, Any], *, also: Sequence[dict] = ()) -> bool:
    """Write the template unless its id exists, with `also` (its audit entry) in the same
    transaction; False (and nothing written) when it existed."""
    try:
        table.transact([table.put_op(template, condition="attribute_not_exists(pk)"), *also])
    except table.TransactionFailed as exc:
        if exc.failed_at(0):
            return False
        raise
    return True


def starters_written() -> bool:
    return table.get(*STARTERS_WRITTEN, consistent=True) is not None


def mark_starters_written() -> None:
    """Idempotent: a second mark (a racing bootstrap) keeps the first one's time."""
    pk, sk = STARTERS_WRITTEN
    try:
        table.transact([table.put_op({"pk": pk, "sk": sk, "type": "starters_written", "at": clock.now_iso()},
                                     condition="attribute_not_exists(pk)")])
    except table.TransactionFailed as exc:
        if not exc.failed_at(0):
            raise


def set_thumbnail(template_id: str, *, key: str, look: str, read_at: str) -> bool:
    """Point the template at its generated thumbnail, unless it changed since it was read at
    `read_at` (its `updated_at`); False then, and nothing is written. `updated_at` stays: this
    is not an admin's change, and an admin's save in flight must not fail on it."""
    try:
        table.update(*template_key(template_id), "SET thumbnail_key = :key, thumbnail_look = :look",
                     condition="attribute_exists(pk) AND updated_at = :read_at",
                     key=key, look=look, read_at=read_at)
    except table.ConditionFailed:
        return False
    return True
