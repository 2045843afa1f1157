"""The resume check without a language model: a score of 0-100 from explained sub-scores,
and findings that each name a rule, a severity, a message in the reader's language and a
JSON Pointer into the content. Pure: a JSON Resume document and a date in, values out.

Sub-scores and their weights (docs/resume-check.md explains each):

    structure 20   contact 10   summary 10   action_verbs 15
    quantified 15  dates 15     length 10    consistency 5
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from chapchap.analysis import texts, words
from chapchap.analysis.pointer import pointer

WEIGHTS = {"structure": 20, "contact": 10, "summary": 10, "action_verbs": 15, "quantified": 15, "dates": 15,
           "length": 10, "consistency": 5}
SEVERITIES = ("info", "warning", "error")
SUMMARY_WORDS = (30, 120)
QUANTIFIED_TARGET = 0.5  # half the points with a figure earns the whole sub-score
GAP_MONTHS = 6
MAX_FINDINGS = 100
# The page estimate: lines of the classic layout at its body size (A4, 10 pt), calibrated on
# tests/fixtures/cvs/*.json against the real renderer (1, 2, 2 and 4 pages in classic).
CHARS_PER_LINE = 95
LINES_PER_PAGE = 60
EXTRA_SECTIONS = ("projects", "volunteer", "certificates", "languages", "awards", "publications")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass
class Check:
    locale: str
    findings: list[dict[str, Any]] = field(default_factory=list)

    def find(self, rule: str, severity: str, path: str, **params: Any) -> None:
        self.findings.append({"rule": rule, "severity": severity, "message": texts.message(rule, self.locale, params),
                              "path": path, "source": "rules"})


def _list(content: dict[str, Any], name: str) -> list[dict[str, Any]]:
    value = content.get(name)
    return [e for e in value if isinstance(e, dict)] if isinstance(value, list) else []


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _bullets(content: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(pointer, text, entry) of every highlight of work, volunteering and projects."""
    found = []
    for section in ("work", "volunteer", "projects"):
        value = content.get(section)
        if not isinstance(value, list):
            continue
        for i, entry in enumerate(value):
            if not isinstance(entry, dict):
                continue
            for j, text in enumerate(entry.get("highlights") or []):
                if isinstance(text, str) and text.strip():
                    found.append((pointer(section, i, "highlights", j), text, entry))
    return found


def _month(value: Any) -> tuple[int, int] | None:
    """(year, month) of a JSON Resume date (`2021`, `2021-03`, `2021-03-14`)."""
    match = re.match(r"^(\d{4})(?:-(\d{2}))?", _text(value))
    if not match:
        return None
    return int(match.group(1)), int(match.group(2) or 1)


def _months_between(a: tuple[int, int], b: tuple[int, int]) -> int:
    return (b[0] - a[0]) * 12 + (b[1] - a[1])


# ---------------------------------------------------------------- sub-scores
def _structure(content: dict[str, Any], check: Check) -> int:
    points = 0
    if _list(content, "work"):
        points += 8
    else:
        check.find("structure.missing_work", "error", "")
    if _list(content, "education"):
        points += 6
    else:
        check.find("structure.missing_education", "warning", "")
    if _list(content, "skills"):
        points += 4
    else:
        check.find("structure.missing_skills", "warning", "")
    if any(_list(content, name) for name in EXTRA_SECTIONS):
        points += 2
    return points


def _contact(content: dict[str, Any], check: Check) -> int:
    basics = content.get("basics") if isinstance(content.get("basics"), dict) else None
    base = pointer("basics") if basics is not None else ""
    basics = basics or {}
    points = 0
    if _text(basics.get("name")):
        points += 3
    else:
        check.find("contact.missing_name", "error", base)
    email = _text(basics.get("email"))
    if not email:
        check.find("contact.missing_email", "warning", base)
    elif not _EMAIL.match(email):
        check.find("contact.bad_email", "error", pointer("basics", "email"))
    else:
        points += 3
    phone = _text(basics.get("phone"))
    digits = re.sub(r"\D", "", phone)
    if not phone:
        check.find("contact.missing_phone", "warning", base)
    elif len(digits) < 9:
        check.find("contact.bad_phone", "warning", pointer("basics", "phone"))
    else:
        points += 2
    location = basics.get("location") if isinstance(basics.get("location"), dict) else {}
    if _text(location.get("city")) or _text(location.get("region")) or _text(location.get("countryCode")):
        points += 2
    else:
        check.find("contact.missing_location", "info", base)
    return points


def _summary(content: dict[str, Any], check: Check) -> int:
    basics = content.get("basics") if isinstance(content.get("basics"), dict) else None
    summary = _text((basics or {}).get("summary"))
    if not summary:
        check.find("summary.missing", "warning", pointer("basics") if basics is not None else "")
        return 0
    count = len(summary.split())
    low, high = SUMMARY_WORDS
    if count < low:
        check.find("summary.too_short", "info", pointer("basics", "summary"), words=count)
        return 4 if count < 15 else 7
    if count > high:
        check.find("summary.too_long", "info", pointer("basics", "summary"), words=count)
        return 7
    return 10


def _action_verbs(content: dict[str, Any], bullets: list, check: Check) -> int:
    for i, entry in enumerate(_list(content, "work")):
        if not _strings(entry.get("highlights")):
            check.find("verbs.no_highlights", "warning", pointer("work", i))
        phrase = words.weak_phrase(_text(entry.get("summary")))
        if phrase:
            check.find("verbs.weak_phrase", "warning", pointer("work", i, "summary"), phrase=phrase)
    if not bullets:
        return 0
    strong = weak = 0
    for path, text, _ in bullets:
        phrase = words.weak_phrase(text)
        if phrase:
            weak += 1
            check.find("verbs.weak_phrase", "warning", path, phrase=phrase)
            continue
        if words.action_verb(text)[0]:
            strong += 1
        else:
            check.find("verbs.no_action_verb", "info", path)
    return max(0, round(WEIGHTS["action_verbs"] * strong / len(bullets) - 3 * weak))


def _quantified(bullets: list, check: Check) -> int:
    if not bullets:
        check.find("quantified.none", "warning", "")
        return 0
    share = sum(1 for _, text, _ in bullets if words.quantified(text)) / len(bullets)
    if share == 0:
        check.find("quantified.none", "warning", bullets[0][0].rsplit("/", 2)[0])
    elif share < QUANTIFIED_TARGET:
        check.find("quantified.low", "info", bullets[0][0].rsplit("/", 2)[0], share=round(share * 100))
    return round(WEIGHTS["quantified"] * min(1.0, share / QUANTIFIED_TARGET))


def _dates(content: dict[str, Any], today: date, check: Check) -> int:
    entries = [("work", i, e) for i, e in enumerate(content.get("work") or []) if isinstance(e, dict)]
    entries += [("education", i, e) for i, e in enumerate(content.get("education") or []) if isinstance(e, dict)]
    if not entries:
        return 0
    now = (today.year, today.month)
    dated, penalty = 0, 0
    spans: list[tuple[tuple[int, int], tuple[int, int], int]] = []
    for section, i, entry in entries:
        start, end = _month(entry.get("startDate")), _month(entry.get("endDate"))
        if start is None:
            check.find("dates.missing", "error" if section == "work" else "warning", pointer(section, i))
            continue
        dated += 1
        if end is not None and end < start:
            check.find("dates.end_before_start", "error", pointer(section, i, "endDate"))
            penalty += 3
        for name, moment in (("startDate", start), ("endDate", end)):
            # a course may end in the future; a start or a job's end may not
            if moment is not None and moment > now and (section == "work" or name == "startDate"):
                check.find("dates.future", "warning", pointer(section, i, name))
                penalty += 2
        if section == "work":
            spans.append((start, end or now, i))
    gaps = 0
    spans.sort()
    reach: tuple[int, int] | None = None
    for start, end, i in spans:
        if reach is not None and _months_between(reach, start) > GAP_MONTHS:
            check.find("dates.gap", "info", pointer("work", i), months=_months_between(reach, start))
            gaps += 1
        reach = end if reach is None or end > reach else reach
    points = 10 * dated / len(entries) + max(0, 5 - 2 * gaps) * (1 if dated else 0) - penalty
    return max(0, round(points))


def _lines(text: str) -> int:
    return max(1, math.ceil(len(text) / CHARS_PER_LINE)) if text else 0


def estimate_pages(content: dict[str, Any]) -> tuple[int, int]:
    """(pages, words): the CV's length as the classic layout would print it."""
    lines = 0
    basics = content.get("basics") if isinstance(content.get("basics"), dict) else {}
    lines += 4 + _lines(_text(basics.get("summary")))
    count = len(_text(basics.get("summary")).split()) + len(_text(basics.get("name")).split())
    for name, value in content.items():
        if name in ("basics", "meta", "$schema") or not isinstance(value, list) or not value:
            continue
        lines += 3  # the section's heading and the space around it
        for entry in value:
            if not isinstance(entry, dict):
                continue
            lines += 2
            for key, item in entry.items():
                if key in ("url", "startDate", "endDate", "date", "releaseDate"):
                    continue
                for text in ([item] if isinstance(item, str) else _strings(item)):
                    count += len(text.split())
                    if key in ("highlights", "summary", "description", "reference"):
                        lines += _lines(text)
            lines += _lines(", ".join(_strings(entry.get("keywords")) + _strings(entry.get("courses"))))
    return max(1, math.ceil(lines / LINES_PER_PAGE)), count


def _length(content: dict[str, Any], check: Check) -> tuple[int, int, int]:
    pages, count = estimate_pages(content)
    if count < 150:
        check.find("length.too_thin", "warning", "", words=count)
        return 2, pages, count
    if pages > 2:
        check.find("length.too_long", "warning", "", pages=pages)
        return (5 if pages == 3 else 2), pages, count
    return (7 if count < 300 else 10), pages, count


def _consistency(content: dict[str, Any], bullets: list, check: Check) -> int:
    points = WEIGHTS["consistency"]
    tense_issues = 0
    for path, text, entry in bullets:
        if path.startswith("/work/") and _month(entry.get("endDate")) and words.action_verb(text) == (True, "present"):
            if tense_issues < 3:
                check.find("consistency.tense", "info", path)
            tense_issues += 1
    points -= min(3, tense_issues)
    shapes = set()
    first_path = None
    for section in ("work", "education", "volunteer", "projects"):
        for i, entry in enumerate(_list(content, section)):
            for name in ("startDate", "endDate"):
                value = _text(entry.get(name))
                if value:
                    shapes.add(len(value))
                    first_path = first_path or pointer(section, i, name)
    if len(shapes) > 1:
        check.find("consistency.date_format", "info", first_path or "")
        points -= 2
    return max(0, points)


# ---------------------------------------------------------------- the check
def score(content: dict[str, Any], *, locale: str, today: date) -> dict[str, Any]:
    """`{score, sections: {name: {score, max}}, findings, pages, words}` of a JSON Resume document."""
    check = Check(locale)
    content = content if isinstance(content, dict) else {}
    bullets = _bullets(content)
    length, pages, count = _length(content, check)
    parts = {
        "structure": _structure(content, check),
        "contact": _contact(content, check),
        "summary": _summary(content, check),
        "action_verbs": _action_verbs(content, bullets, check),
        "quantified": _quantified(bullets, check),
        "dates": _dates(content, today, check),
        "length": length,
        "consistency": _consistency(content, bullets, check),
    }
    sections = {name: {"score": min(points, WEIGHTS[name]), "max": WEIGHTS[name]} for name, points in parts.items()}
    order = {s: n for n, s in enumerate(reversed(SEVERITIES))}
    # The most serious first, at most MAX_FINDINGS: a 100 KB CV of one-line points would
    # otherwise make a list longer than anyone reads (and than a DynamoDB item holds).
    findings = sorted(check.findings, key=lambda f: order[f["severity"]])[:MAX_FINDINGS]
    return {"score": sum(s["score"] for s in sections.values()), "sections": sections, "findings": findings,
            "pages": pages, "words": count}
