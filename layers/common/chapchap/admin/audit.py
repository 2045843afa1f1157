"""Admin: the audit log, newest first (order=asc for oldest first).

    no actor_id, no entity    AUDIT#<YYYY-MM> / <at>#<id>: 1 Query per month of the range
    actor_id                  gsi1 AUDITBY#<actor> / <at>#<id>, the range on the sort key: 1 Query
    entity                    gsi2 AUDITON#<entity> / <at>#<id>, the range on the sort key: 1 Query
    actor_id and entity       the actor's index, entity as a filter (an admin's own entries are
                              few): at most 4 Queries, a page may come back short with a cursor
"""
from __future__ import annotations

from chapchap import audit, clock, cursor
from chapchap.admin import query as admin_query
from chapchap.data import buckets, table

ACTOR_ID = r"[A-Za-z0-9-]{1,64}"
ENTITY = r"[a-z][a-z_]{0,31}"
MAX_FILTERED_QUERIES = 4

def list_entries(params: dict[str, str] | None) -> tuple[list[dict], int, str | None]:
    query = admin_query.read(params, allowed=("actor_id", "entity"))
    actor_id = query.text("actor_id", pattern=ACTOR_ID, message="must be a user id")
    entity = query.text("entity", pattern=ENTITY, message="must be an entity name such as user or cv")
    query.check()
    scope = query.scope("admin-audit", actor_id=actor_id, entity=entity)
    if not actor_id and not entity:
        items, next_cursor = buckets.page(index="", prefix="AUDIT", first=query.first, last=query.last,
                                          limit=query.limit, page_cursor=query.cursor, scope=scope,
                                          newest_first=query.newest_first)
        return [audit.public_entry(item) for item in items], query.limit, next_cursor
    index, pk = ("gsi1", f"AUDITBY#{actor_id}") if actor_id else ("gsi2", f"AUDITON#{entity}")
    bounds = {"lower": clock.iso(clock.business_day_bounds(query.first)[0]),
              "upper": clock.iso(clock.business_day_bounds(query.last)[1])}
    both = bool(actor_id and entity)
    sk_values = {**bounds, "entity": entity} if both else bounds
    start_key = cursor.decode(query.cursor, scope)
    items: list[dict] = []
    for _ in range(MAX_FILTERED_QUERIES):
        found, start_key = table.query(
            index=index, pk_name=f"{index}pk", pk=pk, sk_condition=f"{index}sk BETWEEN :lower AND :upper",
            sk_values=sk_values, filter_expression="entity = :entity" if both else None,
            limit=query.limit - len(items), forward=not query.newest_first, start_key=start_key)
        items.extend(found)
        if start_key is None or len(items) >= query.limit:
            break
    return [audit.public_entry(item) for item in items], query.limit, cursor.encode(start_key, scope)
