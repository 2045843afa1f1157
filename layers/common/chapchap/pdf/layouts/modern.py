"""The modern layout: a coloured sidebar (photo, contact, skills) beside the main column."""

from __future__ import annotations

from .. import _content as json_resume
from .._engine import PT, Canvas, Flow, Style, footer_text, paginate
from .._fonts import get_face
from .._photo import prepare
from .._resume import CV, initials
from .._theme import Theme, mix
from ._shared import (
    A4_H,
    A4_W,
    SECTION_TITLES,
    WHITE,
    Kit,
    cv_sections,
    entry_blocks,
    references,
)

# --------------------------------------------------------------------------- modern


SIDEBAR_W = 70.0


def build_modern(pdf: Canvas, cv: CV, t: Theme, photo: bytes | None) -> None:
    kit = Kit(t)
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

    s_head = Style(hb, kit.size * 1.12, fg)
    s_label = Style(b, kit.size * 0.78, fg_soft)
    s_value = Style(b, kit.size * 0.92, fg)
    s_name = Style(bb, kit.size * 0.95, fg)
    s_detail = Style(get_face(t.body_font, "I"), kit.size * 0.85, fg_soft)
    s_kw = Style(b, kit.size * 0.86, fg_soft)
    lh_side = kit.size * 0.92 * PT * 1.38

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
            frac = json_resume.level_fraction(s.detail) if s.detail else None
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

    title_st = Style(hb, kit.size * 1.3, t.primary)

    def heading(title: str) -> None:
        main.space(6.0)
        main.text([(title, title_st)], line_h=title_st.line_height(1.3), keep=True)
        main.space(0.4)
        main.rule(mix(t.primary, WHITE, 0.7), 0.35, keep=True)
        main.space(0.4)

    entry_styles = dict(title=Style(hb, kit.size * 1.05, t.text), sub=Style(bb, kit.size * 0.95, t.accent),
                        date=Style(b, kit.size * 0.88, t.muted))
    order = ["summary", "work", "education", "projects", "certificates", "awards",
             "publications", "volunteer", "references"]
    present = cv_sections(cv)
    for key in order:
        if not present[key]:
            continue
        heading(SECTION_TITLES[key])
        if key == "summary":
            main.space(1.6)
            main.text([(cv.summary, kit.body)], line_h=kit.lh)
        elif key == "references":
            references(main, cv, kit)
        else:
            for index, e in enumerate(getattr(cv, key)):
                entry_blocks(main, e, kit, gap=2.0 if index == 0 else 3.8, **entry_styles)

    def background(p: Canvas) -> None:
        p.fill_rect(0, 0, SIDEBAR_W, A4_H, bg)

    def page_end(p: Canvas) -> None:
        footer_text(p, kit.footer, main_x, main_w, A4_H - bottom + 4.0)

    pdf.on_page_start = background
    pdf.on_page_end = page_end
    side_pages = paginate(side.blocks, top, top, A4_H - bottom)
    main_pages = paginate(main.blocks, top, top, A4_H - bottom)
    # continuation pages with an empty sidebar: the name at its top
    if cv.name:
        recall = Flow(side_w)
        recall.text([(cv.name, Style(hb, kit.size * 1.3, fg))], line_h=kit.size * 1.3 * PT * 1.25)
        if cv.label:
            recall.text([(cv.label, Style(b, kit.size * 0.9, fg_soft))], line_h=lh_side)
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


