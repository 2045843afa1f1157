"""Admin: templates with their usage and revenue; create, update, delete, (de)activate.

Every change and its audit entry are one transaction, conditioned on the template's
`updated_at` as read, so the audit's before/after is exactly what changed. Reads:

    list (GET /api/admin/templates)        1 Query (gsi1 TEMPLATES) + BatchGetItem of their counters' shards
    usage (GET /api/admin/templates/stats) 1 Query + BatchGetItem (the total and their counters, all shards)

A template is deleted only while no live CV uses it: the template's `live_cvs` counter
(moved by every CV create, duplicate, delete and template change in the same transaction)
is read, all its shards, and each shard is checked unchanged by a ConditionCheck in the
delete's own transaction (counters.unchanged_ops), so a CV created at the same moment either
lands first (the delete is refused) or fails its own check that the template is active. Its counters stay: revenue already earned remains in the totals.
"""
from __future__ import annotations

import re
import secrets
import unicodedata
from typing import TYPE_CHECKING, Any

from chapchap import audit, clock, cursor
from chapchap.templates import catalog
from chapchap.templates import thumbnails
from chapchap.data import counters, table, templates
from chapchap.errors import Conflict, NotFound, ValidationFailed

if TYPE_CHECKING:  # the read-only views (stats, lists) need no pydantic models at import
    from chapchap.models.admin_money import TemplateCreateIn, TemplateUpdateIn

MAX_TEMPLATES = 100  # the public list and these views read every template in one Query
SNAPSHOT_FIELDS = ("id", "name", "description", "thumbnail_url", "layout", "theme", "price", "sort", "is_active")


# ---------------------------------------------------------------- views
def snapshot(template: dict[str, Any]) -> dict[str, Any]:
    """What an audit entry records of a template."""
    return {k: template.get(k) for k in SNAPSHOT_FIELDS}


def admin_view(template: dict[str, Any], counter: dict[str, Any] | None) -> dict[str, Any]:
    counter = counter or {}
    return {
        # thumbnail_url: the admin's own (the field they edit), not a link to the generated one
        **catalog.public_template(template, generated_thumbnail=False),
        "own_price": template.get("price"),  # null: the default price applies
        "is_active": bool(template.get("is_active")),
        "sort": template.get("sort", 100),
        "created_at": template.get("created_at"),
        "updated_at": template.get("updated_at"),
        "cvs_count": int(counter.get("cvs") or 0),
        "live_cvs": counters.template_in_use(counter),
        "paid_count": int(counter.get("paid_cvs") or 0),
        "revenue": int(counter.get("revenue") or 0),
        "refunds": int(counter.get("refunds") or 0),
        "net_revenue": int(counter.get("revenue") or 0) - int(counter.get("refunds") or 0),
        "downloads": int(counter.get("downloads") or 0),
        "currency": "TZS",
    }


def _all_templates(limit: int = MAX_TEMPLATES, start_key: dict | None = None) -> tuple[list[dict], dict | None]:
    return table.query(index="gsi1", pk_name="gsi1pk", pk="TEMPLATES", limit=limit, start_key=start_key)


def list_all(*, limit: int, page: str | None) -> tuple[list[dict], str | None]:
    scope = "admin-templates"
    items, last = _all_templates(limit, cursor.decode(page, scope))
    found = counters.read([counters.template_key(t["id"]) for t in items])
    return ([admin_view(t, found.get(counters.template_key(t["id"]))) for t in items],
            cursor.encode(last, scope))


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


USAGE_FIELDS = ("cvs", "paid_cvs", "revenue", "downloads", "refunds")


def _with_net(row: dict[str, int]) -> dict[str, int]:
    return {**row, "net_revenue": row["revenue"] - row["refunds"]}


def usage() -> dict[str, Any]:
    """Usage and revenue per template, with each one's share of the all-time totals. Totals
    come from COUNTER#TOTAL, so templates deleted since keep their part in a row of their own."""
    items, _ = _all_templates()
    keys = [counters.total_key()] + [counters.template_key(t["id"]) for t in items]
    found = counters.read(keys)
    total = found.get(counters.total_key()) or {}
    totals = _with_net({k: int(total.get(k) or 0) for k in USAGE_FIELDS})
    rows = []
    for template in items:
        counter = found.get(counters.template_key(template["id"])) or {}
        row = {"template_id": template["id"], "name": template["name"], "is_active": bool(template.get("is_active")),
               **_with_net({k: int(counter.get(k) or 0) for k in USAGE_FIELDS})}
        rows.append(row)
    rows.sort(key=lambda r: (-r["revenue"], -r["cvs"], r["name"]))
    listed = {k: sum(r[k] for r in rows) for k in totals}
    deleted = {k: totals[k] - listed[k] for k in totals}
    for row in rows:
        row.update(cvs_share=_share(row["cvs"], totals["cvs"]), paid_share=_share(row["paid_cvs"], totals["paid_cvs"]),
                   revenue_share=_share(row["revenue"], totals["revenue"]),
                   conversion=_share(row["paid_cvs"], row["cvs"]))
    deleted_row = None
    if any(deleted.values()):
        deleted_row = {"template_id": None, "name": "Deleted templates", "is_active": False, **deleted,
                       "cvs_share": _share(deleted["cvs"], totals["cvs"]),
                       "paid_share": _share(deleted["paid_cvs"], totals["paid_cvs"]),
                       "revenue_share": _share(deleted["revenue"], totals["revenue"]),
                       "conversion": _share(deleted["paid_cvs"], deleted["cvs"])}
    return {"currency": "TZS", "totals": totals, "templates": rows, "deleted_templates": deleted_row}


# ---------------------------------------------------------------- changes
def _slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-")[:50] or "template"


def _load(template_id: str) -> dict[str, Any]:
    template = templates.get(template_id, consistent=True) if _valid_id(template_id) else None
    if not template:
        raise NotFound("No such template.")
    return template


def _valid_id(template_id: str) -> bool:
    return bool(re.fullmatch(r"[a-z0-9][a-z0-9-]{0,62}", template_id or ""))


def _counter(template_id: str) -> dict[str, Any] | None:
    return counters.template(template_id, consistent=True)


def create(actor: dict[str, Any], data: TemplateCreateIn) -> dict[str, Any]:
    existing, _ = _all_templates()
    if len(existing) >= MAX_TEMPLATES:
        raise Conflict(f"There are already {MAX_TEMPLATES} templates: delete or reuse one.", code="TOO_MANY_TEMPLATES")
    theme = data.theme.model_dump(exclude_none=True)
    base_id = data.id or _slug(data.name)
    for attempt in range(4):
        template_id = base_id if attempt == 0 else f"{base_id[:57]}-{secrets.token_hex(2)}"
        item = templates.new_template(id=template_id, name=data.name, description=data.description,
                                      layout=data.layout, theme=theme, price=data.price,
                                      thumbnail_url=data.thumbnail_url, is_active=data.is_active, sort=data.sort)
        try:
            audit.admin_transact(actor, [
                table.put_op(item, condition="attribute_not_exists(pk)"),
                audit.entry_op(actor=actor, action="template.create", entity="template", entity_id=template_id,
                               before=None, after=snapshot(item))])
            thumbnails.request(item)
            return admin_view(item, None)
        except table.TransactionFailed as exc:
            if not exc.failed_at(0):
                raise
            if data.id:
                raise Conflict(f"A template with id {template_id!r} exists already.", code="TEMPLATE_EXISTS") from None
    raise Conflict("Could not find a free id for this name; give an id.", code="TEMPLATE_EXISTS")


def update(actor: dict[str, Any], template_id: str, data: TemplateUpdateIn) -> dict[str, Any]:
    changes = data.model_dump(exclude_unset=True)
    if not changes:
        raise ValidationFailed("Give at least one field to change.", details=[
            {"field": "body", "location": "body", "message": "no field to change"}])
    if "theme" in changes:
        changes["theme"] = data.theme.model_dump(exclude_none=True)
    current = _load(template_id)
    changed = {k: v for k, v in changes.items() if current.get(k) != v}
    if not changed:
        # Also how a template made before thumbnails existed gets one: save it unchanged.
        thumbnails.request(current)
        return admin_view(current, _counter(template_id))
    now = clock.now_iso()
    sets, removes, names, values = table.field_changes(changed)
    sets.append("updated_at = :now")
    values.update(now=now, old=current["updated_at"])
    if "sort" in changed:
        sets.append("gsi1sk = :sortkey")
        values["sortkey"] = f"{changed['sort']:05d}#{template_id}"
        if current.get("is_active"):
            sets.append("gsi2sk = :sortkey")
    expression = table.set_remove(sets, removes)
    after_item = {**current, **changed, "updated_at": now}
    try:
        audit.admin_transact(actor, [
            table.update_op(*templates.template_key(template_id), expression,
                            condition="attribute_exists(pk) AND updated_at = :old", names=names, **values),
            audit.entry_op(actor=actor, action="template.update", entity="template", entity_id=template_id,
                           before={k: current.get(k) for k in changed}, after={k: changed[k] for k in changed}),
        ])
    except table.TransactionFailed as exc:
        if exc.failed_at(0):
            raise Conflict("The template changed while saving. Load it again and retry.",
                           code="CONCURRENT_UPDATE") from None
        raise
    thumbnails.request(after_item)  # queued only when its look has no thumbnail yet
    return admin_view(after_item, _counter(template_id))


def set_status(actor: dict[str, Any], template_id: str, is_active: bool) -> dict[str, Any]:
    """Activate or deactivate: the sparse gsi2 `TEMPLATES#ACTIVE` entry comes and goes with it,
    so the public list (one Query) shows exactly the active ones."""
    current = _load(template_id)
    if bool(current.get("is_active")) == is_active:
        return admin_view(current, _counter(template_id))
    now = clock.now_iso()
    sort_key = f"{int(current.get('sort', 100)):05d}#{template_id}"
    if is_active:
        expression = "SET is_active = :active, gsi2pk = :index, gsi2sk = :sortkey, updated_at = :now"
        values = {"active": True, "index": templates.ACTIVE, "sortkey": sort_key}
    else:
        expression = "SET is_active = :active, updated_at = :now REMOVE gsi2pk, gsi2sk"
        values = {"active": False}
    try:
        audit.admin_transact(actor, [
            table.update_op(*templates.template_key(template_id), expression,
                            condition="attribute_exists(pk) AND updated_at = :old",
                            now=now, old=current["updated_at"], **values),
            audit.entry_op(actor=actor, action="template.activate" if is_active else "template.deactivate",
                           entity="template", entity_id=template_id,
                           before={"is_active": bool(current.get("is_active"))}, after={"is_active": is_active}),
        ])
    except table.TransactionFailed as exc:
        if exc.failed_at(0):
            raise Conflict("The template changed while saving. Load it again and retry.",
                           code="CONCURRENT_UPDATE") from None
        raise
    return admin_view({**current, "is_active": is_active, "updated_at": now}, _counter(template_id))


def delete(actor: dict[str, Any], template_id: str) -> None:
    if not _valid_id(template_id):
        raise NotFound("No such template.")
    template_key, shard_keys = templates.template_key(template_id), counters.template_shards(template_id)
    found = table.batch_get([template_key, *shard_keys], consistent=True)
    current = found.get(template_key)
    if not current:
        raise NotFound("No such template.")
    _refuse_if_used(counters.merge(found.get(k) for k in shard_keys))
    guard = counters.unchanged_ops(template_id, found)
    try:
        audit.admin_transact(actor, [
            *guard,
            table.delete_op(*template_key, condition="updated_at = :old", old=current["updated_at"]),
            audit.entry_op(actor=actor, action="template.delete", entity="template", entity_id=template_id,
                           before=snapshot(current), after=None),
        ])
    except table.TransactionFailed as exc:
        moved = any(exc.failed_at(i) for i in range(len(guard)))
        if moved:
            _refuse_if_used(_counter(template_id))
        if moved or exc.failed_at(len(guard)):
            raise Conflict("The template changed while deleting it. Load it again and retry.",
                           code="CONCURRENT_UPDATE") from None
        raise


def _refuse_if_used(counter: dict[str, Any] | None) -> None:
    in_use = counters.template_in_use(counter)
    if in_use:
        raise Conflict(f"{in_use} CV{'s' if in_use != 1 else ''} use this template: deactivate it instead "
                       "(PUT /api/admin/templates/{id}/status with is_active false).", code="TEMPLATE_IN_USE",
                       details=[{"field": "live_cvs", "message": str(in_use)}])
