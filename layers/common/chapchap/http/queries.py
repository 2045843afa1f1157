"""The query parameters of the document (openapi.json): how a handler declares what its
domain function reads. Each declaration must accept exactly what the parser accepts; the
parsers are the domain's (chapchap.analytics.periods, chapchap.admin.query)."""
from __future__ import annotations

from typing import Any, Iterable

from chapchap.admin.query import DEFAULT_DAYS, MAX_DAYS
from chapchap.analytics.periods import DATE_PATTERN
from chapchap.http.apidoc import param


def date_param(name: str, description: str) -> dict[str, Any]:
    return param(name, {"type": "string", "format": "date", "pattern": f"^{DATE_PATTERN}$"},
                 f"{description} (business day, inclusive)")


def enum_param(name: str, values: Iterable[str], description: str, default: str | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "enum": list(values)}
    if default is not None:
        schema["default"] = default
    return param(name, schema, description)


def flag_param(name: str, description: str) -> dict[str, Any]:
    return enum_param(name, ("true", "false"), description)


ORDER_PARAM = enum_param("order", ("asc", "desc"), "`desc`: newest (or largest) first", "desc")


def list_parameters(*, filters: list[dict[str, Any]] = (), sorts: tuple[str, ...] = (), dated: bool = True,
                    dates_of: str = "`created_at`", default_note: str = "") -> list[dict[str, Any]]:
    """The query parameters of an admin list read with `chapchap.admin.query.read` (limit and
    cursor are every list's): the same names, values and defaults."""
    found = []
    if dated:
        found += [date_param("from", f"first day of {dates_of}; default: `to` minus {DEFAULT_DAYS - 1} "
                                     f"days{default_note}"),
                  date_param("to", f"last day of {dates_of}, at most {MAX_DAYS - 1} days after `from`; "
                                   f"default: today{default_note}")]
    found.append(ORDER_PARAM)
    if sorts:
        found.append(enum_param("sort", sorts, "what the list is sorted by", sorts[0]))
    return found + list(filters)
