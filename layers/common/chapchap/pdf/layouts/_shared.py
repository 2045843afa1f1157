"""What the three layouts share: the styles of a theme (`Kit`), entries, label/value rows,
the contact line, references."""

from __future__ import annotations

from .. import _content as json_resume
from .._engine import PT, Flow, Style
from .._fonts import get_face
from .._resume import CV, Entry
from .._theme import Theme

A4_W, A4_H = 210.0, 297.0
WHITE = (255, 255, 255)

SECTION_TITLES = {
    "summary": "Summary",
    "work": "Experience",
    "education": "Education",
    "skills": "Skills",
    "languages": "Languages",
    "projects": "Projects",
    "certificates": "Certificates",
    "awards": "Awards",
    "volunteer": "Volunteering",
    "publications": "Publications",
    "interests": "Interests",
    "references": "References",
}


# --------------------------------------------------------------------------- styles


class Kit:
    """The styles of one rendering."""

    def __init__(self, theme: Theme, *, scale: float = 1.0):
        t = theme
        s = t.font_size * scale
        self.t = t
        hb = get_face(t.heading_font, "B")
        b, bb, bi = (get_face(t.body_font, st) for st in ("", "B", "I"))
        self.size = s
        self.body = Style(b, s, t.text)
        self.body_b = Style(bb, s, t.text)
        self.body_i = Style(bi, s, t.text)
        self.title = Style(hb, s * 1.05, t.text)  # entry titles
        self.sub = Style(b, s, t.accent)
        self.sub_i = Style(bi, s, t.muted)
        self.date = Style(bi, s * 0.92, t.muted)
        self.small = Style(b, s * 0.9, t.muted)
        self.small_b = Style(bb, s * 0.9, t.text)
        self.bullet = Style(bb, s, t.accent)
        self.footer = Style(b, 7.5, t.muted)
        self.lh = s * PT * 1.38


# --------------------------------------------------------------------------- shared pieces


def entry_blocks(flow: Flow, e: Entry, kit: Kit, *, title: Style, sub: Style, date: Style,
                 bullet_char: str = "•", show_url: bool = True, gap: float = 3.0) -> None:
    """Title + dates row, subtitle row, summary, bullets, extras."""
    flow.space(gap)
    loc = e.location
    # free-text dates too long to sit right of the title go to the subtitle row
    dates_right = bool(e.dates) and bool(e.title) and date.width(e.dates) <= 0.4 * flow.w
    if e.title:
        flow.text([(e.title, title)], right=(e.dates, date) if dates_right else None, keep=True,
                  line_h=title.line_height(1.36))
    sub_spans = []
    if e.subtitle:
        sub_spans.append((e.subtitle, sub))
    if loc:
        sub_spans.append(((" · " if sub_spans else "") + loc, kit.sub_i))
    if e.dates and not dates_right:
        sub_spans.append(((" · " if sub_spans else "") + e.dates, date))
    if sub_spans:
        link = json_resume.href(e.url) if e.url else None
        flow.text(sub_spans, keep=True, link=link, line_h=kit.lh)
    if e.url and show_url and not e.subtitle:
        link = json_resume.href(e.url)
        flow.text([(json_resume.display_url(e.url), kit.small)], keep=True, link=link, line_h=kit.lh * 0.95)
    flow.keep_last()
    if e.summary:
        flow.space(0.6)
        flow.text([(e.summary, kit.body)], line_h=kit.lh)
    if e.bullets:
        flow.space(0.6)
        indent = 4.2
        for b in e.bullets:
            flow.text([(b, kit.body)], indent=indent, bullet=(bullet_char, kit.bullet, -3.4), line_h=kit.lh,
                      together=True)
            flow.space(0.35)
    for label, value in e.extras:
        flow.space(0.4)
        flow.text([(label + ": ", kit.small_b), (value, kit.small)], line_h=kit.lh * 0.95)
    # nothing after the title rows: drop the keep flag so the next entry may move alone
    if flow.blocks and flow.blocks[-1].keep and not (e.summary or e.bullets or e.extras):
        flow.blocks[-1].keep = False


def pairs_blocks(flow: Flow, rows: list[tuple[str, list]], kit: Kit, label_style: Style,
                 value_style: Style, *, max_label: float = 48.0, gap: float = 1.2) -> None:
    """A label column and a wrapped value column (skills, languages, interests)."""
    widths = [label_style.width(label) for label, _ in rows if label]
    label_w = min(max(widths, default=0.0) + 5.0, max_label)
    for index, (label, value_spans) in enumerate(rows):
        if index == len(rows) - 1 and index > 0 and flow.blocks:
            flow.blocks[-1].keep = True  # the last row never alone on a page
        flow.space(gap)
        value_spans = [(t, s) for t, s in value_spans if t]
        if not label:
            flow.text(value_spans, line_h=kit.lh)
            continue
        sub = Flow(flow.w - label_w)
        if value_spans:
            sub.text(value_spans, line_h=kit.lh)
        head = Flow(label_w - 3.0)
        head.text([(label, label_style)], line_h=kit.lh)
        n = max(len(sub.blocks), len(head.blocks))
        for i in range(n):
            ops: list = []
            if i < len(head.blocks):
                ops.extend(head.blocks[i].ops)
            if i < len(sub.blocks):
                ops.extend(_shift(sub.blocks[i].ops, label_w))
            flow.add(kit.lh, ops, keep=i < n - 1)


def _shift(ops: list, dx: float) -> list:
    out = []
    for op in ops:
        if op[0] in ("t", "a", "r", "i", "rr"):
            out.append((op[0], op[1] + dx) + tuple(op[2:]))
        elif op[0] == "l":
            out.append(("l", op[1] + dx, op[2], op[3] + dx) + tuple(op[4:]))
        elif op[0] == "c":
            out.append(("c", op[1] + dx) + tuple(op[2:]))
        else:
            out.append(op)
    return out


def contact_line(flow: Flow, items: list[tuple[str, str, str | None]], style: Style, sep: str,
                 sep_style: Style, line_h: float, *, with_kind: bool = False, kind_style: Style | None = None) -> None:
    """Contact items on wrapped lines, each item kept whole and clickable."""
    lines: list[list] = [[]]
    x = 0.0
    sep_w = sep_style.width(sep)
    for kind, text, link in items:
        pieces = []
        if with_kind and kind_style is not None and kind not in ("Email", "Phone", "Location", "Website"):
            pieces.append((kind + ": ", kind_style))
        prefix_w = sum(s.width(t) for t, s in pieces)
        if prefix_w + style.width(text) > flow.w:  # one item wider than the line: shorten it
            while text and prefix_w + style.width(text + "…") > flow.w:
                text = text[:-1]
            text += "…"
        pieces.append((text, style))
        w = sum(s.width(t) for t, s in pieces)
        if lines[-1] and x + sep_w + w > flow.w:
            lines.append([])
            x = 0.0
        if lines[-1]:
            lines[-1].append((sep, sep_style, x, None, sep_w))
            x += sep_w
        for t, s in pieces:
            tw = s.width(t)
            lines[-1].append((t, s, x, link, tw))
            x += tw
    for line in lines:
        if not line:
            continue
        ops = []
        bl = style.baseline(line_h)
        for t, s, dx, link, w in line:
            ops.append(("t", dx, bl, t, s))
            if link:
                ops.append(("a", dx, 0.0, w, line_h, link))
        flow.add(line_h, ops, keep=True)
    if flow.blocks:
        flow.blocks[-1].keep = False


def cv_sections(cv: CV) -> dict[str, bool]:
    return {
        "summary": bool(cv.summary), "work": bool(cv.work), "education": bool(cv.education),
        "skills": bool(cv.skills), "languages": bool(cv.languages), "projects": bool(cv.projects),
        "certificates": bool(cv.certificates), "awards": bool(cv.awards),
        "volunteer": bool(cv.volunteer), "publications": bool(cv.publications),
        "interests": bool(cv.interests), "references": bool(cv.references),
    }


def references(flow: Flow, cv: CV, kit: Kit, *, gap_first: float = 2.0, quote: bool = True) -> None:
    for i, (name, ref) in enumerate(cv.references):
        flow.space(gap_first if i == 0 else 3.0)
        if ref:
            text = f"“{ref}”" if quote and not ref.startswith(("“", '"')) else ref
            flow.text([(text, kit.body_i)], line_h=kit.lh, keep=bool(name))
        if name:
            flow.text([("— " + name, kit.small_b)], line_h=kit.lh)


def _shift_y(ops: list, dy: float) -> list:
    out = []
    for op in ops:
        kind = op[0]
        if kind in ("t", "a", "r", "i", "rr", "c"):
            out.append((kind, op[1], op[2] + dy) + tuple(op[3:]))
        elif kind == "l":
            out.append(("l", op[1], op[2] + dy, op[3], op[4] + dy) + tuple(op[5:]))
        else:
            out.append(op)
    return out
