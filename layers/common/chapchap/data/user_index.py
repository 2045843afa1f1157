"""Finding users by phone number and by name (admin search, docs/funnel.md#finding-users).

    USERPHONE#<255XXXXXXXXX> / USER#<id>    one per account holding the number: every account
                                            with it (PHONE#<number> names only the latest one,
                                            which is what a password reset needs)
    NAMEWORD#<first two letters> / <word>#<id>
                                            one per distinct word of the folded name (accents
                                            and case removed, apostrophes dropped): a prefix of
                                            any word is a begins_with inside the partition of
                                            its first two letters

Both are written in the same transaction as the user's creation and rewritten (old items
deleted, new ones put) in the same transaction as a change of name or number, so the index
never names a user for a name or number it does not have (the search re-checks anyway).
Users created before these items existed have none: `backfill` writes them (idempotent).
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any

from chapchap.data import table

MAX_WORDS = 6          # words of a name indexed (a sign-up's transaction has room for them)
MIN_PREFIX = 2         # the partition is chosen by a word's first two letters
_SPLIT = re.compile(r"[\s\-_/.,]+")


def fold(text: str) -> str:
    """Case and accents removed: "Ngũgĩ" -> "ngugi"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _kept(char: str) -> bool:
    """Letters and digits; not modifier letters such as the apostrophe of "Ngʼwandu" (U+02BC)."""
    category = unicodedata.category(char)
    return category[0] in "LN" and category != "Lm"


def words(text: str) -> list[str]:
    """The folded words of a name, distinct, in order; apostrophes and other marks inside a
    word are dropped ("Thiong'o" -> "thiongo"); words shorter than MIN_PREFIX are left out."""
    found: list[str] = []
    for part in _SPLIT.split(fold(text or "")):
        word = "".join(c for c in part if _kept(c))
        if len(word) >= MIN_PREFIX and word not in found:
            found.append(word)
    return found


def _name_key(word: str, user_id: str) -> tuple[str, str]:
    return f"NAMEWORD#{word[:MIN_PREFIX]}", f"{word}#{user_id}"


def _phone_key(phone: str, user_id: str) -> tuple[str, str]:
    return f"USERPHONE#{phone}", f"USER#{user_id}"


def _keys(user: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """The index items a user should have, by key."""
    items: dict[tuple[str, str], dict[str, Any]] = {}
    for word in words(user.get("full_name") or "")[:MAX_WORDS]:
        pk, sk = _name_key(word, user["id"])
        items[(pk, sk)] = {"pk": pk, "sk": sk, "type": "user_name_word", "word": word, "user_id": user["id"],
                           "email": user["email"]}  # an email never changes: the search's tie-break
    if user.get("phone_number"):
        pk, sk = _phone_key(user["phone_number"], user["id"])
        items[(pk, sk)] = {"pk": pk, "sk": sk, "type": "user_phone", "phone_number": user["phone_number"],
                           "user_id": user["id"]}
    return items


def index_ops(user: dict[str, Any]) -> list[dict]:
    """Put a new user's items (unconditional: putting the same item twice changes nothing)."""
    return [table.put_op(item) for item in _keys(user).values()]


def reindex_ops(before: dict[str, Any], after: dict[str, Any]) -> list[dict]:
    """Delete the items `before` had and `after` has not; put the ones `after` adds."""
    old, new = _keys(before), _keys(after)
    return ([table.delete_op(pk, sk) for (pk, sk) in old if (pk, sk) not in new]
            + [table.put_op(item) for key, item in new.items() if key not in old])


def delete_ops(user: dict[str, Any]) -> list[dict]:
    return [table.delete_op(pk, sk) for (pk, sk) in _keys(user)]


def backfill_months(options: dict[str, Any] | None) -> dict[str, Any]:
    """`backfill` over an operator's `{"from": "YYYY-MM", "to": "YYYY-MM"}` (default this
    business month, at most 12 months a run: the function's 5 minutes): `{months, users}`."""
    from chapchap.data.buckets import month_range

    months = month_range(options, max_months=12)
    first, last = (date(int(m[:4]), int(m[5:7]), 1) for m in (months[0], months[-1]))
    return {"months": months, "users": backfill(first, last)}


def backfill(first: date, last: date) -> int:
    """Write the items of every user created in the business months of [first, last] (gsi2
    `USERS#<YYYY-MM>`, one Query per page of 100, then one transaction per user): for users
    created before these items existed. Idempotent: a user's items put again change nothing,
    so it may be run again, or over a range that holds indexed users. Returns the users seen."""
    from chapchap.data.buckets import months

    seen = 0
    for month in months(first, last):
        start_key: dict | None = None
        while True:
            found, start_key = table.query(index="gsi2", pk_name="gsi2pk", pk=f"USERS#{month}", limit=100,
                                           start_key=start_key)
            for user in found:
                if user.get("type") == "user":
                    table.transact(index_ops(user))
                    seen += 1
            if not start_key:
                break
    return seen


def user_ids_by_phone(phone: str, *, limit: int) -> list[str]:
    """Every account holding the (normalized) number, oldest item first (one Query)."""
    items, _ = table.query(pk=f"USERPHONE#{phone}", limit=limit)
    return [item["user_id"] for item in items]


def by_name_prefix(prefix: str, *, limit: int, forward: bool,
                   start_key: dict | None) -> tuple[list[dict[str, Any]], dict | None]:
    """Name-word items whose word starts with the folded `prefix` (one Query), in word order."""
    return table.query(pk=f"NAMEWORD#{prefix[:MIN_PREFIX]}", sk_condition="begins_with(sk, :prefix)",
                       sk_values={"prefix": prefix}, limit=limit, forward=forward, start_key=start_key)
