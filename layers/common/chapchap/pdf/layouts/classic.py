"""The classic layout: one column, a header with the name and the contact line."""

from __future__ import annotations

from .._engine import Canvas, Flow, Style, footer_text, paginate
from .._fonts import get_face
from .._photo import prepare
from .._resume import CV
from .._theme import Theme, mix
from ._shared import (
    A4_H,
    A4_W,
    SECTION_TITLES,
    WHITE,
    Kit,
    _shift_y,
    contact_line,
    cv_sections,
    entry_blocks,
    pairs_blocks,
    references,
)

# --------------------------------------------------------------------------- classic


def build_classic(pdf: Canvas, cv: CV, t: Theme, photo: bytes | None) -> None:
    kit = Kit(t)
    left, right, top, bottom = t.left, t.right, t.top, t.bottom
    width = A4_W - left - right
    flow = Flow(width)
    heading_b = get_face(t.heading_font, "B")
    name_style = Style(heading_b, 25, t.primary)
    label_style = Style(get_face(t.body_font, "I"), 12, t.accent)
    contact_style = Style(get_face(t.body_font, ""), kit.size * 0.92, t.text)
    sep_style = Style(get_face(t.body_font, ""), kit.size * 0.92, t.accent)

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
        contact_line(head, contacts, contact_style, "   ·   ", sep_style, kit.lh, with_kind=True,
                     kind_style=Style(get_face(t.body_font, "B"), kit.size * 0.92, t.text))
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
        st = Style(heading_b, kit.size * 1.25, t.primary)
        flow.text([(title, st)], line_h=st.line_height(1.3), keep=True)
        flow.space(0.4)
        flow.rule(mix(t.primary, WHITE, 0.45), 0.3, keep=True)
        flow.space(0.6)

    classic_entries = dict(title=kit.title, sub=kit.sub, date=kit.date)
    order = ["summary", "work", "education", "projects", "skills", "languages", "certificates",
             "awards", "publications", "volunteer", "interests", "references"]
    for key in order:
        if not cv_sections(cv)[key]:
            continue
        heading(SECTION_TITLES[key])
        if key == "summary":
            flow.space(1.5)
            flow.text([(cv.summary, kit.body)], line_h=kit.lh)
        elif key in ("work", "education", "projects", "certificates", "awards", "publications", "volunteer"):
            for index, e in enumerate(getattr(cv, key)):
                entry_blocks(flow, e, kit, gap=2.0 if index == 0 else 3.6, **classic_entries)
        elif key == "skills":
            flow.space(0.8)
            rows = []
            for s in cv.skills:
                spans = []
                if s.detail:
                    spans.append((s.detail + ("  ·  " if s.keywords else ""), kit.sub_i))
                spans.append((", ".join(s.keywords), kit.body))
                rows.append((s.name, spans))
            pairs_blocks(flow, rows, kit, kit.body_b, kit.body)
        elif key == "languages":
            flow.space(0.8)
            pairs_blocks(flow, [(x.name, [(x.detail, kit.body)]) for x in cv.languages], kit, kit.body_b, kit.body)
        elif key == "interests":
            flow.space(0.8)
            pairs_blocks(flow, [(x.name, [(", ".join(x.keywords), kit.body)]) for x in cv.interests], kit, kit.body_b, kit.body)
        elif key == "references":
            references(flow, cv, kit, gap_first=2.0)

    footer = kit.footer

    def page_end(p: Canvas) -> None:
        y = A4_H - bottom + 4.0
        p.set_draw_color(*mix(t.primary, WHITE, 0.6))
        p.set_line_width(0.2)
        p.line(left, y - 1.5, A4_W - right, y - 1.5)
        footer_text(p, footer, left, width, y, cv.name)

    pdf.on_page_end = page_end
    pages = paginate(flow.blocks, top, top, A4_H - bottom)
    pdf.render_pages([(left, pages)])
