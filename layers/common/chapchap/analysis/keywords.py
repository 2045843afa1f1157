"""Keywords of a job description found in a CV, and those missing.

Both texts are folded (case, accents), split into words, stripped of English and Swahili
stop words, and compared by stem (`managers` meets `managed`). The description's keywords
are its distinct stems, most frequent first (ties in the order they appear), at most
`MAX_KEYWORDS`; each is shown as the word the description used first.
"""
from __future__ import annotations

from collections import Counter
from typing import Any

from chapchap.analysis import words

MAX_KEYWORDS = 40


def cv_text(content: Any) -> str:
    """Every string of the content except links, dates and the photo, joined."""
    parts: list[str] = []
    stack = [content]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            parts.append(node)
        elif isinstance(node, dict):
            stack.extend(v for k, v in node.items()
                         if k not in ("url", "image", "email", "startDate", "endDate", "date", "releaseDate", "meta"))
        elif isinstance(node, list):
            stack.extend(node)
    return " ".join(parts)


def compare(content: dict[str, Any], job_description: str) -> dict[str, Any]:
    """`{matched: [...], missing: [...], coverage: 0..100}`."""
    found = {words.stem(w) for w in words.keywords_of(cv_text(content))}
    order: dict[str, str] = {}
    counts: Counter[str] = Counter()
    for word, written in words.keywords_as_written(job_description):
        key = words.stem(word)
        order.setdefault(key, written)
        counts[key] += 1
    position = {key: n for n, key in enumerate(order)}
    ranked = sorted(order, key=lambda k: (-counts[k], position[k]))[:MAX_KEYWORDS]
    matched = [order[k] for k in ranked if k in found]
    missing = [order[k] for k in ranked if k not in found]
    coverage = round(100 * len(matched) / len(ranked)) if ranked else 0
    return {"matched": matched, "missing": missing, "coverage": coverage}
