"""The three CV layouts: classic, modern (sidebar) and compact (ATS-friendly)."""

from __future__ import annotations

from dataclasses import dataclass, field

from . import _content as C
from ._engine import NBSP, PT, Canvas, Flow, Style, footer_text, paginate
from ._fonts import get_face
from ._photo import prepare
from ._theme import Theme, mix

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


# --------------------------------------------------------------------------- data


@dataclass
class Entry:
    title: str = ""
    subtitle: str = ""
    location: str = ""
    dates: str = ""
    url: str = ""
    summary: str = ""
    bullets: list = field(default_factory=list)
    extras: list = field(default_factory=list)  # [(label, text)]

    def empty(self) -> bool:
        return not any((self.title, self.subtitle, self.location, self.dates, self.url,
                        self.summary, self.bullets, self.extras))


@dataclass
class Named:
    name: str
    detail: str = ""  # level / fluency
    keywords: list = field(default_factory=list)


@dataclass
class CV:
    name: str = ""
    label: str = ""
    email: str = ""
    phone: str = ""
    url: str = ""
    location: str = ""
    summary: str = ""
    profiles: list = field(default_factory=list)  # [(network, shown, href)]
    work: list = field(default_factory=list)
    volunteer: list = field(default_factory=list)
    education: list = field(default_factory=list)
    awards: list = field(default_factory=list)
    certificates: list = field(default_factory=list)
    publications: list = field(default_factory=list)
    projects: list = field(default_factory=list)
    skills: list = field(default_factory=list)
    languages: list = field(default_factory=list)
    interests: list = field(default_factory=list)
    references: list = field(default_factory=list)  # [(name, text)]

    def contacts(self) -> list[tuple[str, str, str | None]]:
        """[(kind, text, link)] in display order."""
        out: list[tuple[str, str, str | None]] = []
        if self.email:
            out.append(("Email", self.email, "mailto:" + self.email if "@" in self.email and " " not in self.email else None))
        if self.phone:
            tel = "".join(ch for ch in self.phone if ch.isdigit() or ch == "+")
            out.append(("Phone", self.phone, "tel:" + tel if len(tel) >= 5 else None))
        if self.location:
            out.append(("Location", self.location, None))
        if self.url:
            out.append(("Website", C.display_url(self.url), C.href(self.url)))
        for network, shown, link in self.profiles:
            out.append((network or "Profile", shown, link))
        return out


def read_cv(content: object) -> CV:
    basics = C.section(content, "basics")
    cv = CV(
        name=C.text(basics, "name"),
        label=C.text(basics, "label"),
        email=C.text(basics, "email"),
        phone=C.text(basics, "phone"),
        url=C.text(basics, "url") or C.text(basics, "website"),
        location=C.location_text(basics.get("location")),
        summary=C.multiline(basics, "summary"),
    )
    for p in C.items(basics, "profiles"):
        network, username, url = C.text(p, "network"), C.text(p, "username"), C.text(p, "url")
        shown = username or C.display_url(url)
        if shown or network:
            cv.profiles.append((network, shown or network, C.href(url) if url else None))

    def add(target: list, entry: Entry) -> None:
        if not entry.empty():
            target.append(entry)

    for w in C.items(content, "work"):
        position, company = C.text(w, "position"), C.text(w, "name") or C.text(w, "company")
        add(cv.work, Entry(
            title=position or company, subtitle=company if position else "",
            location=C.text(w, "location"), dates=C.fmt_range(C.text(w, "startDate"), C.text(w, "endDate")),
            url=C.text(w, "url"), summary=C.multiline(w, "summary") or C.multiline(w, "description"),
            bullets=C.strings(w, "highlights"),
        ))
    for v in C.items(content, "volunteer"):
        position, org = C.text(v, "position"), C.text(v, "organization")
        add(cv.volunteer, Entry(
            title=position or org, subtitle=org if position else "",
            dates=C.fmt_range(C.text(v, "startDate"), C.text(v, "endDate")), url=C.text(v, "url"),
            summary=C.multiline(v, "summary"), bullets=C.strings(v, "highlights"),
        ))
    for e in C.items(content, "education"):
        study, area, inst = C.text(e, "studyType"), C.text(e, "area"), C.text(e, "institution")
        degree = f"{study} in {area}" if study and area else (study or area)
        extras = []
        if C.text(e, "score"):
            extras.append(("Grade", C.text(e, "score")))
        courses = C.strings(e, "courses")
        if courses:
            extras.append(("Courses", ", ".join(courses)))
        add(cv.education, Entry(
            title=degree or inst, subtitle=inst if degree else "",
            dates=C.fmt_range(C.text(e, "startDate"), C.text(e, "endDate")), url=C.text(e, "url"),
            extras=extras,
        ))
    for a in C.items(content, "awards"):
        add(cv.awards, Entry(title=C.text(a, "title"), subtitle=C.text(a, "awarder"),
                             dates=C.fmt_date(C.text(a, "date")), summary=C.multiline(a, "summary")))
    for c in C.items(content, "certificates"):
        add(cv.certificates, Entry(title=C.text(c, "name"), subtitle=C.text(c, "issuer"),
                                   dates=C.fmt_date(C.text(c, "date")), url=C.text(c, "url")))
    for p in C.items(content, "publications"):
        add(cv.publications, Entry(title=C.text(p, "name"), subtitle=C.text(p, "publisher"),
                                   dates=C.fmt_date(C.text(p, "releaseDate")), url=C.text(p, "url"),
                                   summary=C.multiline(p, "summary")))
    for p in C.items(content, "projects"):
        add(cv.projects, Entry(
            title=C.text(p, "name"), subtitle=C.join(C.strings(p, "roles")) or C.text(p, "entity"),
            dates=C.fmt_range(C.text(p, "startDate"), C.text(p, "endDate"), open_ended=False),
            url=C.text(p, "url"), summary=C.multiline(p, "description") or C.multiline(p, "summary"),
            bullets=C.strings(p, "highlights"),
        ))
    for s in C.items(content, "skills"):
        item = Named(C.text(s, "name"), C.text(s, "level"), C.strings(s, "keywords"))
        if item.name or item.detail or item.keywords:
            cv.skills.append(item)
    for lang in C.items(content, "languages"):
        item = Named(C.text(lang, "language"), C.text(lang, "fluency"))
        if item.name or item.detail:
            cv.languages.append(item)
    for i in C.items(content, "interests"):
        item = Named(C.text(i, "name"), "", C.strings(i, "keywords"))
        if item.name or item.keywords:
            cv.interests.append(item)
    for r in C.items(content, "references"):
        name, ref = C.text(r, "name"), C.multiline(r, "reference")
        if name or ref:
            cv.references.append((name, ref))
    return cv


def initials(name: str) -> str:
    parts = [p for p in name.replace("-", " ").split() if p[:1].isalpha()]
    if not parts:
        return ""
    if len(parts) == 1:
        return parts[0][0].upper()
    return (parts[0][0] + parts[-1][0]).upper()


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


def entry_blocks(flow: Flow, e: Entry, k: Kit, *, title: Style, sub: Style, date: Style,
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
        sub_spans.append(((" · " if sub_spans else "") + loc, k.sub_i))
    if e.dates and not dates_right:
        sub_spans.append(((" · " if sub_spans else "") + e.dates, date))
    if sub_spans:
        link = C.href(e.url) if e.url else None
        flow.text(sub_spans, keep=True, link=link, line_h=k.lh)
    if e.url and show_url and not e.subtitle:
        link = C.href(e.url)
        flow.text([(C.display_url(e.url), k.small)], keep=True, link=link, line_h=k.lh * 0.95)
    flow.keep_last()
    if e.summary:
        flow.space(0.6)
        flow.text([(e.summary, k.body)], line_h=k.lh)
    if e.bullets:
        flow.space(0.6)
        indent = 4.2
        for b in e.bullets:
            flow.text([(b, k.body)], indent=indent, bullet=(bullet_char, k.bullet, -3.4), line_h=k.lh,
                      together=True)
            flow.space(0.35)
    for label, value in e.extras:
        flow.space(0.4)
        flow.text([(label + ": ", k.small_b), (value, k.small)], line_h=k.lh * 0.95)
    # nothing after the title rows: drop the keep flag so the next entry may move alone
    if flow.blocks and flow.blocks[-1].keep and not (e.summary or e.bullets or e.extras):
        flow.blocks[-1].keep = False


def pairs_blocks(flow: Flow, rows: list[tuple[str, list]], k: Kit, label_style: Style,
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
            flow.text(value_spans, line_h=k.lh)
            continue
        sub = Flow(flow.w - label_w)
        if value_spans:
            sub.text(value_spans, line_h=k.lh)
        head = Flow(label_w - 3.0)
        head.text([(label, label_style)], line_h=k.lh)
        n = max(len(sub.blocks), len(head.blocks))
        for i in range(n):
            ops: list = []
            if i < len(head.blocks):
                ops.extend(head.blocks[i].ops)
            if i < len(sub.blocks):
                ops.extend(_shift(sub.blocks[i].ops, label_w))
            flow.add(k.lh, ops, keep=i < n - 1)


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


# --------------------------------------------------------------------------- classic


def build_classic(pdf: Canvas, cv: CV, t: Theme, photo: bytes | None) -> None:
    k = Kit(t)
    left, right, top, bottom = t.left, t.right, t.top, t.bottom
    width = A4_W - left - right
    flow = Flow(width)
    heading_b = get_face(t.heading_font, "B")
    name_style = Style(heading_b, 25, t.primary)
    label_style = Style(get_face(t.body_font, "I"), 12, t.accent)
    contact_style = Style(get_face(t.body_font, ""), k.size * 0.92, t.text)
    sep_style = Style(get_face(t.body_font, ""), k.size * 0.92, t.accent)

    image = prepare(photo) if photo else None
    photo_w = 28.0 if image is not None else 0.0
    header_w = width - (photo_w + 6.0 if image is not None else 0.0)
    head = Flow(header_w)
    if cv.name:
        head.text([(cv.name, name_style)], line_h=name_style.line_height(1.25), keep=True)
    if cv.label:
        head.space(0.5)
        head.text([(cv.label, label_style)], line_h=label_style.line_height(1.3), keep=True)
    contacts = cv.contacts()
    if contacts:
        head.space(2.2)
        contact_line(head, contacts, contact_style, "   ·   ", sep_style, k.lh, with_kind=True,
                     kind_style=Style(get_face(t.body_font, "B"), k.size * 0.92, t.text))
    head_h = sum(b.gap + b.h for b in head.blocks)
    ops: list = []
    y = 0.0
    for b in head.blocks:
        y += b.gap
        ops.extend(_shift_y(b.ops, y))
        y += b.h
    total_h = max(head_h, photo_w)
    if image is not None:
        ops.append(("r", width - photo_w - 0.6, -0.6, photo_w + 1.2, photo_w + 1.2, mix(t.primary, WHITE, 0.75)))
        ops.append(("i", width - photo_w, 0.0, photo_w, photo_w, image, False))
    flow.add(total_h, ops, keep=True)
    flow.space(3.5)
    flow.rule(t.primary, 0.7, keep=False)
    flow.space(1.0)

    def heading(title: str) -> None:
        flow.space(5.2)
        st = Style(heading_b, k.size * 1.25, t.primary)
        flow.text([(title, st)], line_h=st.line_height(1.3), keep=True)
        flow.space(0.4)
        flow.rule(mix(t.primary, WHITE, 0.45), 0.3, keep=True)
        flow.space(0.6)

    classic_entries = dict(title=k.title, sub=k.sub, date=k.date)
    order = ["summary", "work", "education", "projects", "skills", "languages", "certificates",
             "awards", "publications", "volunteer", "interests", "references"]
    for key in order:
        if not cv_sections(cv)[key]:
            continue
        heading(SECTION_TITLES[key])
        if key == "summary":
            flow.space(1.5)
            flow.text([(cv.summary, k.body)], line_h=k.lh)
        elif key in ("work", "education", "projects", "certificates", "awards", "publications", "volunteer"):
            for index, e in enumerate(getattr(cv, key)):
                entry_blocks(flow, e, k, gap=2.0 if index == 0 else 3.6, **classic_entries)
        elif key == "skills":
            flow.space(0.8)
            rows = []
            for s in cv.skills:
                spans = []
                if s.detail:
                    spans.append((s.detail + ("  ·  " if s.keywords else ""), k.sub_i))
                spans.append((", ".join(s.keywords), k.body))
                rows.append((s.name, spans))
            pairs_blocks(flow, rows, k, k.body_b, k.body)
        elif key == "languages":
            flow.space(0.8)
            pairs_blocks(flow, [(x.name, [(x.detail, k.body)]) for x in cv.languages], k, k.body_b, k.body)
        elif key == "interests":
            flow.space(0.8)
            pairs_blocks(flow, [(x.name, [(", ".join(x.keywords), k.body)]) for x in cv.interests], k, k.body_b, k.body)
        elif key == "references":
            references(flow, cv, k, gap_first=2.0)

    footer = k.footer

    def page_end(p: Canvas) -> None:
        y = A4_H - bottom + 4.0
        p.set_draw_color(*mix(t.primary, WHITE, 0.6))
        p.set_line_width(0.2)
        p.line(left, y - 1.5, A4_W - right, y - 1.5)
        footer_text(p, footer, left, width, y, cv.name)

    pdf.on_page_end = page_end
    pages = paginate(flow.blocks, top, top, A4_H - bottom)
    pdf.render_pages([(left, pages)])


def references(flow: Flow, cv: CV, k: Kit, *, gap_first: float = 2.0, quote: bool = True) -> None:
    for i, (name, ref) in enumerate(cv.references):
        flow.space(gap_first if i == 0 else 3.0)
        if ref:
            text = f"“{ref}”" if quote and not ref.startswith(("“", '"')) else ref
            flow.text([(text, k.body_i)], line_h=k.lh, keep=bool(name))
        if name:
            flow.text([("— " + name, k.small_b)], line_h=k.lh)


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


# --------------------------------------------------------------------------- modern


SIDEBAR_W = 70.0


def build_modern(pdf: Canvas, cv: CV, t: Theme, photo: bytes | None) -> None:
    k = Kit(t)
    top, bottom = t.top, t.bottom
    pad = max(7.0, min(t.left, 14.0))
    side_w = SIDEBAR_W - 2 * pad
    main_x = SIDEBAR_W + 9.0
    main_w = A4_W - main_x - t.right
    bg, fg = t.sidebar_bg, t.sidebar_text
    fg_soft = mix(fg, bg, 0.28)
    fg_faint = mix(fg, bg, 0.7)
    b = get_face(t.body_font, "")
    bb = get_face(t.body_font, "B")
    hb = get_face(t.heading_font, "B")

    # ---- sidebar
    side = Flow(side_w)
    image = prepare(photo) if photo else None
    disc = 38.0
    if image is not None:
        ring = disc + 2.4
        side.add(disc + 1.2, [
            ("c", side_w / 2, disc / 2, ring / 2, fg_faint),
            ("i", (side_w - disc) / 2, 0.0, disc, disc, image, True),
        ])
        side.space(7.0)
    elif cv.name:
        ini = initials(cv.name)
        if ini:
            d = 30.0
            st = Style(hb, 22, fg)
            side.add(d, [
                ("c", side_w / 2, d / 2, d / 2, mix(bg, fg, 0.16)),
                ("t", side_w / 2 - st.width(ini) / 2, d / 2 + 0.36 * st.mm, ini, st),
            ])
            side.space(7.0)

    s_head = Style(hb, k.size * 1.12, fg)
    s_label = Style(b, k.size * 0.78, fg_soft)
    s_value = Style(b, k.size * 0.92, fg)
    s_name = Style(bb, k.size * 0.95, fg)
    s_detail = Style(get_face(t.body_font, "I"), k.size * 0.85, fg_soft)
    s_kw = Style(b, k.size * 0.86, fg_soft)
    lh_side = k.size * 0.92 * PT * 1.38

    def side_heading(title: str) -> None:
        side.space(5.5)
        side.text([(title, s_head)], line_h=s_head.line_height(1.3), keep=True)
        side.space(0.6)
        side.rule(fg_faint, 0.35, keep=True)
        side.space(1.6)

    contacts = cv.contacts()
    if contacts:
        side_heading("Contact")
        for kind, text, link in contacts:
            side.text([(kind, s_label)], line_h=s_label.line_height(1.3), keep=True)
            side.text([(text, s_value)], line_h=lh_side, link=link)
            side.space(1.5)
    if cv.skills:
        side_heading(SECTION_TITLES["skills"])
        for s in cv.skills:
            frac = C.level_fraction(s.detail) if s.detail else None
            right = (s.detail, s_detail) if s.detail else None
            if s.name:
                side.text([(s.name, s_name)], line_h=lh_side, right=right, keep=bool(frac is not None or s.keywords))
            elif s.detail:
                side.text([(s.detail, s_detail)], line_h=lh_side, keep=bool(s.keywords))
            if frac is not None:
                side.add(2.6, [
                    ("rr", 0.0, 0.8, side_w, 1.3, 0.65, fg_faint),
                    ("rr", 0.0, 0.8, max(1.3, side_w * frac), 1.3, 0.65, fg),
                ], keep=bool(s.keywords))
            if s.keywords:
                side.text([(", ".join(s.keywords), s_kw)], line_h=s_kw.line_height(1.36))
            side.space(2.2)
    if cv.languages:
        side_heading(SECTION_TITLES["languages"])
        for lang in cv.languages:
            side.text([(lang.name or lang.detail, s_name)], line_h=lh_side,
                      right=(lang.detail, s_detail) if lang.name and lang.detail else None)
            side.space(1.2)
    if cv.interests:
        side_heading(SECTION_TITLES["interests"])
        for it in cv.interests:
            if it.name:
                side.text([(it.name, s_name)], line_h=lh_side, keep=bool(it.keywords))
            if it.keywords:
                side.text([(", ".join(it.keywords), s_kw)], line_h=s_kw.line_height(1.36))
            side.space(2.0)

    # ---- main column
    main = Flow(main_w)
    name_style = Style(hb, 26, t.primary)
    if cv.name:
        main.text([(cv.name, name_style)], line_h=name_style.line_height(1.2), keep=True)
    if cv.label:
        st = Style(b, 13, t.accent)
        main.space(0.5)
        main.text([(cv.label, st)], line_h=st.line_height(1.3), keep=True)
    if cv.name or cv.label:
        main.space(3.0)
        main.add(1.0, [("r", 0.0, 0.0, 16.0, 1.0, t.accent)])
        main.space(1.0)

    title_st = Style(hb, k.size * 1.3, t.primary)

    def heading(title: str) -> None:
        main.space(6.0)
        main.text([(title, title_st)], line_h=title_st.line_height(1.3), keep=True)
        main.space(0.4)
        main.rule(mix(t.primary, WHITE, 0.7), 0.35, keep=True)
        main.space(0.4)

    entry_styles = dict(title=Style(hb, k.size * 1.05, t.text), sub=Style(bb, k.size * 0.95, t.accent),
                        date=Style(b, k.size * 0.88, t.muted))
    order = ["summary", "work", "education", "projects", "certificates", "awards",
             "publications", "volunteer", "references"]
    present = cv_sections(cv)
    for key in order:
        if not present[key]:
            continue
        heading(SECTION_TITLES[key])
        if key == "summary":
            main.space(1.6)
            main.text([(cv.summary, k.body)], line_h=k.lh)
        elif key == "references":
            references(main, cv, k)
        else:
            for index, e in enumerate(getattr(cv, key)):
                entry_blocks(main, e, k, gap=2.0 if index == 0 else 3.8, **entry_styles)

    def background(p: Canvas) -> None:
        p.fill_rect(0, 0, SIDEBAR_W, A4_H, bg)

    def page_end(p: Canvas) -> None:
        footer_text(p, k.footer, main_x, main_w, A4_H - bottom + 4.0)

    pdf.on_page_start = background
    pdf.on_page_end = page_end
    side_pages = paginate(side.blocks, top, top, A4_H - bottom)
    main_pages = paginate(main.blocks, top, top, A4_H - bottom)
    # continuation pages with an empty sidebar: the name at its top
    if cv.name:
        recall = Flow(side_w)
        recall.text([(cv.name, Style(hb, k.size * 1.3, fg))], line_h=k.size * 1.3 * PT * 1.25)
        if cv.label:
            recall.text([(cv.label, Style(b, k.size * 0.9, fg_soft))], line_h=lh_side)
        stacked, y = [], top
        for block in recall.blocks:
            y += block.gap
            stacked.append((y, block))
            y += block.h
        for index in range(1, len(main_pages)):
            while len(side_pages) <= index:
                side_pages.append([])
            if not side_pages[index]:
                side_pages[index] = stacked
    pdf.render_pages([(pad, side_pages), (main_x, main_pages)])


# --------------------------------------------------------------------------- compact


def build_compact(pdf: Canvas, cv: CV, t: Theme, photo: bytes | None) -> None:
    del photo  # never shown: ATS parsers ignore images
    k = Kit(t)
    left, right, top, bottom = t.left, t.right, t.top, t.bottom
    width = A4_W - left - right
    flow = Flow(width)
    b = get_face(t.body_font, "")
    bb = get_face(t.body_font, "B")
    hb = get_face(t.heading_font, "B")
    lh = k.size * PT * 1.3

    if cv.name:
        st = Style(hb, 17, t.primary)
        flow.text([(cv.name, st)], line_h=st.line_height(1.2), keep=True)
    if cv.label:
        st = Style(b, k.size * 1.1, t.text)
        flow.text([(cv.label, st)], line_h=st.line_height(1.3), keep=True)
    contacts = cv.contacts()
    if contacts:
        flow.space(0.8)
        plain = Style(b, k.size * 0.92, t.text)
        contact_line(flow, contacts, plain, "  |  ", Style(b, k.size * 0.92, t.muted), lh,
                     with_kind=True, kind_style=plain)

    title_st = Style(hb, k.size * 1.12, t.primary)

    def heading(title: str) -> None:
        flow.space(4.2)
        flow.text([(title, title_st)], line_h=title_st.line_height(1.25), keep=True)
        flow.space(0.5)

    date_st = Style(b, k.size, t.muted)
    sub_st = Style(b, k.size, t.text)
    order = ["summary", "work", "education", "skills", "projects", "certificates", "awards",
             "publications", "volunteer", "languages", "interests", "references"]
    present = cv_sections(cv)
    for key in order:
        if not present[key]:
            continue
        heading(SECTION_TITLES[key])
        if key == "summary":
            flow.text([(cv.summary, k.body)], line_h=lh)
        elif key in ("work", "education", "projects", "certificates", "awards", "publications", "volunteer"):
            for index, e in enumerate(getattr(cv, key)):
                flow.space(0.0 if index == 0 else 2.2)
                spans = [(e.title, Style(bb, k.size, t.text))]
                tail = C.join([e.subtitle, e.location])
                if tail:
                    spans.append(((", " if e.title else "") + tail, sub_st))
                if e.dates:
                    spans.append((("  |  " if (e.title or tail) else "") + e.dates.replace(" ", NBSP), date_st))
                flow.text(spans, line_h=lh, keep=bool(e.summary or e.bullets or e.extras or e.url))
                if e.url:
                    flow.text([(C.display_url(e.url), k.small)], line_h=lh, link=C.href(e.url),
                              keep=bool(e.summary or e.bullets or e.extras))
                if e.summary:
                    flow.text([(e.summary, k.body)], line_h=lh)
                for bullet in e.bullets:
                    flow.text([(bullet, k.body)], indent=3.6, bullet=("•", Style(b, k.size, t.text), -3.0), line_h=lh,
                              together=True)
                for label, value in e.extras:
                    flow.text([(label + ": ", Style(bb, k.size, t.text)), (value, k.body)], line_h=lh)
        elif key in ("skills", "interests"):
            for s in getattr(cv, key):
                head = s.name + (f" ({s.detail})" if s.detail else "")
                spans = []
                if head:
                    spans.append((head + (": " if s.keywords else ""), Style(bb, k.size, t.text)))
                spans.append((", ".join(s.keywords), k.body))
                flow.text(spans, line_h=lh)
        elif key == "languages":
            text = ", ".join(x.name + (f" ({x.detail})" if x.detail and x.name else x.detail if not x.name else "")
                             for x in cv.languages)
            flow.text([(text, k.body)], line_h=lh)
        elif key == "references":
            for name, ref in cv.references:
                spans = []
                if name:
                    spans.append((name + (": " if ref else ""), Style(bb, k.size, t.text)))
                if ref:
                    spans.append((ref, k.body))
                flow.text(spans, line_h=lh)
                flow.space(1.0)

    def page_end(p: Canvas) -> None:
        footer_text(p, k.footer, left, width, A4_H - bottom + 4.0, cv.name)

    pdf.on_page_end = page_end
    pages = paginate(flow.blocks, top, top, A4_H - bottom)
    pdf.render_pages([(left, pages)])


BUILDERS = {"classic": build_classic, "modern": build_modern, "compact": build_compact}
