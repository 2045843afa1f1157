"""The compact layout: dense, one column, plain text an applicant tracking system reads."""

from __future__ import annotations

from .. import _content as json_resume
from .._engine import NBSP, PT, Canvas, Flow, Style, footer_text, paginate
from .._fonts import get_face
from .._resume import CV
from .._theme import Theme
from ._shared import (
    A4_H,
    A4_W,
    SECTION_TITLES,
    Kit,
    contact_line,
    cv_sections,
)

# --------------------------------------------------------------------------- compact


def build_compact(pdf: Canvas, cv: CV, t: Theme, photo: bytes | None) -> None:
    del photo  # never shown: ATS parsers ignore images
    kit = Kit(t)
    left, right, top, bottom = t.left, t.right, t.top, t.bottom
    width = A4_W - left - right
    flow = Flow(width)
    b = get_face(t.body_font, "")
    bb = get_face(t.body_font, "B")
    hb = get_face(t.heading_font, "B")
    lh = kit.size * PT * 1.3

    if cv.name:
        st = Style(hb, 17, t.primary)
        flow.text([(cv.name, st)], line_h=st.line_height(1.2), keep=True)
    if cv.label:
        st = Style(b, kit.size * 1.1, t.text)
        flow.text([(cv.label, st)], line_h=st.line_height(1.3), keep=True)
    contacts = cv.contacts()
    if contacts:
        flow.space(0.8)
        plain = Style(b, kit.size * 0.92, t.text)
        contact_line(flow, contacts, plain, "  |  ", Style(b, kit.size * 0.92, t.muted), lh,
                     with_kind=True, kind_style=plain)

    title_st = Style(hb, kit.size * 1.12, t.primary)

    def heading(title: str) -> None:
        flow.space(4.2)
        flow.text([(title, title_st)], line_h=title_st.line_height(1.25), keep=True)
        flow.space(0.5)

    date_st = Style(b, kit.size, t.muted)
    sub_st = Style(b, kit.size, t.text)
    order = ["summary", "work", "education", "skills", "projects", "certificates", "awards",
             "publications", "volunteer", "languages", "interests", "references"]
    present = cv_sections(cv)
    for key in order:
        if not present[key]:
            continue
        heading(SECTION_TITLES[key])
        if key == "summary":
            flow.text([(cv.summary, kit.body)], line_h=lh)
        elif key in ("work", "education", "projects", "certificates", "awards", "publications", "volunteer"):
            for index, e in enumerate(getattr(cv, key)):
                flow.space(0.0 if index == 0 else 2.2)
                spans = [(e.title, Style(bb, kit.size, t.text))]
                tail = json_resume.join([e.subtitle, e.location])
                if tail:
                    spans.append(((", " if e.title else "") + tail, sub_st))
                if e.dates:
                    spans.append((("  |  " if (e.title or tail) else "") + e.dates.replace(" ", NBSP), date_st))
                flow.text(spans, line_h=lh, keep=bool(e.summary or e.bullets or e.extras or e.url))
                if e.url:
                    flow.text([(json_resume.display_url(e.url), kit.small)], line_h=lh, link=json_resume.href(e.url),
                              keep=bool(e.summary or e.bullets or e.extras))
                if e.summary:
                    flow.text([(e.summary, kit.body)], line_h=lh)
                for bullet in e.bullets:
                    flow.text([(bullet, kit.body)], indent=3.6, bullet=("•", Style(b, kit.size, t.text), -3.0), line_h=lh,
                              together=True)
                for label, value in e.extras:
                    flow.text([(label + ": ", Style(bb, kit.size, t.text)), (value, kit.body)], line_h=lh)
        elif key in ("skills", "interests"):
            for s in getattr(cv, key):
                head = s.name + (f" ({s.detail})" if s.detail else "")
                spans = []
                if head:
                    spans.append((head + (": " if s.keywords else ""), Style(bb, kit.size, t.text)))
                spans.append((", ".join(s.keywords), kit.body))
                flow.text(spans, line_h=lh)
        elif key == "languages":
            text = ", ".join(x.name + (f" ({x.detail})" if x.detail and x.name else x.detail if not x.name else "")
                             for x in cv.languages)
            flow.text([(text, kit.body)], line_h=lh)
        elif key == "references":
            for name, ref in cv.references:
                spans = []
                if name:
                    spans.append((name + (": " if ref else ""), Style(bb, kit.size, t.text)))
                if ref:
                    spans.append((ref, kit.body))
                flow.text(spans, line_h=lh)
                flow.space(1.0)

    def page_end(p: Canvas) -> None:
        footer_text(p, kit.footer, left, width, A4_H - bottom + 4.0, cv.name)

    pdf.on_page_end = page_end
    pages = paginate(flow.blocks, top, top, A4_H - bottom)
    pdf.render_pages([(left, pages)])


