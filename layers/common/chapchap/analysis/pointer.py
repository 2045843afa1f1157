"""JSON Pointers (RFC 6901) into a CV's content: how findings say where they point."""
from __future__ import annotations

from typing import Any


def escape(token: str | int) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def pointer(*tokens: str | int) -> str:
    """`pointer("work", 0, "highlights", 2)` -> `/work/0/highlights/2`; no tokens: `""` (the whole)."""
    return "".join("/" + escape(t) for t in tokens)


def resolves(document: Any, path: Any) -> bool:
    """Whether `path` is a JSON Pointer naming a value inside `document`."""
    if not isinstance(path, str) or (path and not path.startswith("/")):
        return False
    if path == "":
        return True
    node = document
    for raw in path[1:].split("/"):
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict):
            if token not in node:
                return False
            node = node[token]
        elif isinstance(node, list):
            # RFC 6901: decimal digits without a leading zero; "-" names no element
            if not token.isascii() or not token.isdigit() or (len(token) > 1 and token[0] == "0"):
                return False
            if int(token) >= len(node):
                return False
            node = node[int(token)]
        else:
            return False
    return True
