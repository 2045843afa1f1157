"""Reading a JSON Resume document defensively: any field may be missing, empty, of the
wrong type, or unknown (ignored)."""

from __future__ import annotations

import re

from ._fonts import clean_text

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DATE = re.compile(r"^\s*(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?(?:[T ].*)?\s*$")


def text(obj: object, key: str) -> str:
    """A cleaned, stripped string field of a dict ('' when missing or not text)."""
    if not isinstance(obj, dict):
        return ""
    value = obj.get(key)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    return " ".join(clean_text(value).split(" ")).strip()


def multiline(obj: object, key: str) -> str:
    """Like :func:`text` but keeps line breaks (summaries, descriptions)."""
    if not isinstance(obj, dict):
        return ""
    raw = clean_text(obj.get(key)).replace("\r\n", "\n").replace("\r", "\n")
    lines = [" ".join(part.split()) for part in raw.split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def items(obj: object, key: str) -> list[dict]:
    """A list of dicts field (other entries skipped; a lone dict is wrapped)."""
    if not isinstance(obj, dict):
        return []
    value = obj.get(key)
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        return []
    return [v for v in value if isinstance(v, dict)]


def strings(obj: object, key: str) -> list[str]:
    """A list of strings field (a lone string is accepted)."""
    if not isinstance(obj, dict):
        return []
    value = obj.get(key)
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, list):
        return []
    out = []
    for v in value:
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            v = str(v)
        s = " ".join(clean_text(v).split())
        if s:
            out.append(s)
    return out


def section(obj: object, key: str) -> dict:
    value = obj.get(key) if isinstance(obj, dict) else None
    return value if isinstance(value, dict) else {}


def fmt_date(value: str) -> str:
    """'2021' -> '2021', '2021-03' / '2021-03-14' -> 'Mar 2021'; other text as is."""
    if not value:
        return ""
    m = _DATE.match(value)
    if not m:
        return value.strip()
    year, month = m.group(1), m.group(2)
    if month and 1 <= int(month) <= 12:
        return f"{MONTHS[int(month) - 1]} {year}"
    return year


def fmt_range(start: str, end: str, *, open_ended: bool = True) -> str:
    a, b = fmt_date(start), fmt_date(end)
    if a and b:
        return a if a == b else f"{a} – {b}"
    if a:
        return f"{a} – Present" if open_ended else a
    return b


def display_url(url: str) -> str:
    u = re.sub(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", "", url.strip())
    if u.lower().startswith("www."):
        u = u[4:]
    return u.rstrip("/")


def href(url: str) -> str | None:
    """A link target for a URL-ish string, or None (only http(s)/mailto/tel links)."""
    u = url.strip()
    if not u or " " in u:
        return None
    if re.match(r"^(https?://|mailto:|tel:)", u, re.I):
        return u
    if re.match(r"^[\w.-]+\.[a-z]{2,}(/\S*)?$", u, re.I):
        return "https://" + u
    return None


def location_text(loc: object) -> str:
    if not isinstance(loc, dict):
        return clean_text(loc).strip() if isinstance(loc, str) else ""
    city = " ".join(p for p in (text(loc, "postalCode"), text(loc, "city")) if p)
    parts = [text(loc, "address"), city, text(loc, "region"), text(loc, "countryCode")]
    return ", ".join(p for p in parts if p)


def join(parts, sep: str = ", ") -> str:
    return sep.join(p for p in parts if p)


LEVELS = {
    "beginner": 0.2, "novice": 0.2, "basic": 0.3, "elementary": 0.3, "a1": 0.15, "a2": 0.3,
    "intermediate": 0.5, "b1": 0.45, "b2": 0.6, "competent": 0.55, "good": 0.6,
    "proficient": 0.7, "advanced": 0.8, "c1": 0.8, "fluent": 0.85, "strong": 0.8,
    "expert": 1.0, "master": 1.0, "c2": 0.95, "native": 1.0, "native speaker": 1.0,
    "mother tongue": 1.0, "bilingual": 1.0, "excellent": 0.9,
}


def level_fraction(level: str) -> float | None:
    """'Advanced' -> 0.8, '4/5' -> 0.8, '80%' -> 0.8; None when unknown."""
    s = level.strip().lower()
    if not s:
        return None
    if s in LEVELS:
        return LEVELS[s]
    m = re.match(r"^(\d+(?:\.\d+)?)\s*/\s*(\d+(?:\.\d+)?)$", s)
    if m and float(m.group(2)) > 0:
        return max(0.0, min(1.0, float(m.group(1)) / float(m.group(2))))
    m = re.match(r"^(\d+(?:\.\d+)?)\s*%$", s)
    if m:
        return max(0.0, min(1.0, float(m.group(1)) / 100.0))
    for word, frac in LEVELS.items():
        if len(word) > 2 and word in s:
            return frac
    return None
