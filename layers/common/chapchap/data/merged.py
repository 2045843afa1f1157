"""Pages merged from several month-bucketed partitions (keyed filters, sort=template).

`buckets.page` walks one partition family (`<PREFIX>#<YYYY-MM>`). A keyed filter that leaves a
dimension open reads a few families at once: users of any status are `USERSBY#admin#active`
and `USERSBY#admin#suspended`. This module merges such families in sort-key order, exactly,
and chains groups of them one after the other (sort=template: one group per template).

    groups = [[prefix, ...], ...]    items of group 0 first, then group 1, ...; within a group
                                     the prefixes are merged by sort key, month by month

A round queries each open prefix of the current month once, with `Limit` = what the page still
needs, merges, and keeps only items that no unread item of another prefix could precede. The
cursor remembers the group, the month and, per prefix, the key of the last item handed out (or
that the prefix is finished in this month). A page costs at most `max_queries` Queries, or
its first round when that is wider (one round always runs, so every page moves on): its cost
follows the page, the months it crosses and the number of prefixes, never the table. When a
month holds enough items one round fills the page: an item among the page's first `need` of
the merge is among the first `need` of its own prefix.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from chapchap import clock, cursor
from chapchap.data import buckets, table
from chapchap.errors import BadRequest


def _key_of(item: dict[str, Any], index: str) -> dict[str, Any]:
    key = {"pk": item["pk"], "sk": item["sk"]}
    if index:
        key.update({f"{index}pk": item[f"{index}pk"], f"{index}sk": item[f"{index}sk"]})
    return key


def _state(page_cursor: str | None, scope: str, groups: int, months: int) -> dict[str, Any]:
    state = cursor.decode(page_cursor, scope) or {"g": 0, "m": 0, "k": {}, "d": []}
    ok = (isinstance(state.get("g"), int) and 0 <= state["g"] < groups and isinstance(state.get("m"), int)
          and 0 <= state["m"] < months and isinstance(state.get("k"), dict) and isinstance(state.get("d"), list))
    if not ok:
        raise BadRequest("The cursor is not valid for this list. Start again without it.", code="BAD_CURSOR")
    return state


def page(*, index: str, groups: list[list[str]], first: date, last: date, limit: int,
         page_cursor: str | None, scope: str, newest_first: bool = True,
         max_queries: int = 16) -> tuple[list[dict], str | None]:
    """One page of the items whose sort key lies in the business days [first, last]."""
    start_utc, _ = clock.business_day_bounds(first)
    _, end_utc = clock.business_day_bounds(last)
    bounds = {"lower": clock.iso(start_utc), "upper": clock.iso(end_utc)}
    months = buckets.months(first, last)
    if newest_first:
        months.reverse()
    groups = [g for g in groups if g]
    if not months or not groups:
        return [], None
    state = _state(page_cursor, scope, len(groups), len(months))
    g, m = state["g"], state["m"]
    keys: dict[int, dict] = {int(i): k for i, k in state["k"].items()}
    done: set[int] = {int(i) for i in state["d"]}
    sk_name = f"{index}sk" if index else "sk"

    def before(a: str, b: str) -> bool:  # a is handed out before b
        return a > b if newest_first else a < b

    items: list[dict] = []
    queries = 0
    while g < len(groups) and len(items) < limit:
        prefixes = groups[g]
        open_prefixes = [i for i in range(len(prefixes)) if i not in done]
        if queries and queries + len(open_prefixes) > max_queries:
            break
        need = limit - len(items)
        fetched: list[tuple[str, int, dict]] = []
        more: dict[int, str] = {}  # prefix -> sort key of the last item read, when it has more
        started = {i: keys.get(i) for i in open_prefixes}
        for i in open_prefixes:
            found, last_key = table.query(
                index=index or None, pk_name=f"{index}pk" if index else "pk", pk=f"{prefixes[i]}#{months[m]}",
                sk_condition=f"{sk_name} BETWEEN :lower AND :upper", sk_values=bounds, limit=need,
                forward=not newest_first, start_key=started[i])
            queries += 1
            fetched.extend((item[sk_name], i, item) for item in found)
            if last_key is not None:
                more[i] = last_key[sk_name]
                keys[i] = last_key
        fetched.sort(key=lambda entry: entry[0], reverse=newest_first)
        # An item may be handed out only if no prefix with unread items could have one before it.
        taken = [entry for entry in fetched if not any(before(unread, entry[0]) for unread in more.values())]
        taken = taken[:need]
        for i in open_prefixes:
            mine = [entry for entry in taken if entry[1] == i]
            read_here = sum(1 for entry in fetched if entry[1] == i)
            if len(mine) < read_here:  # read but not all handed out: resume after the last handed out
                if mine:
                    keys[i] = _key_of(mine[-1][2], index)
                elif started[i] is not None:
                    keys[i] = started[i]
                else:
                    keys.pop(i, None)
            elif i not in more:
                done.add(i)
        items.extend(entry[2] for entry in taken)
        if len(done) == len(prefixes):
            keys, done = {}, set()
            m += 1
            if m == len(months):
                g, m = g + 1, 0
    if g >= len(groups):
        return items, None
    return items, cursor.encode({"g": g, "m": m, "k": {str(i): k for i, k in keys.items()}, "d": sorted(done)},
                                scope)
