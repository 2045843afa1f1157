"""A tiny generic A4 document writer (receipts, reports) on the CV engine."""

from __future__ import annotations

from ._content import multiline
from ._engine import PT, Canvas, Flow, Style, footer_text, paginate
from ._fonts import clean_text, get_face
from ._theme import resolve, mix

A4_W, A4_H = 210.0, 297.0
WHITE = (255, 255, 255)


def _s(value: object) -> str:
    return " ".join(clean_text(value).split())


def render_document(title: str, author: str, blocks: list) -> bytes:
    """Blocks (dicts), drawn top to bottom, flowing over pages when needed:

    - ``{"type": "heading", "text": str, "level": 1 | 2}``
    - ``{"type": "paragraph", "text": str, "muted": bool}``
    - ``{"type": "table", "columns": [str], "rows": [[cell]], "align": ["L" | "C" | "R"],
      "widths": [relative numbers] (optional)}``
    - ``{"type": "kv", "items": [[label, value], ...]}``
    - ``{"type": "spacer", "height": mm (default 5)}``
    - ``{"type": "rule"}``

    ``title`` and ``author`` are the PDF metadata; add a heading block for a visible title.
    Unknown block types and malformed blocks are skipped.
    """
    t = resolve("document", None)
    body_face = get_face(t.body_font, "")
    bold_face = get_face(t.body_font, "B")
    head_face = get_face(t.heading_font, "B")
    size = t.font_size
    body = Style(body_face, size, t.text)
    bold = Style(bold_face, size, t.text)
    muted = Style(body_face, size, t.muted)
    lh = size * PT * 1.45
    left, right, top, bottom = t.left, t.right, t.top, t.bottom
    width = A4_W - left - right
    flow = Flow(width)

    for block in blocks if isinstance(blocks, list) else []:
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        if kind == "heading":
            text = _s(block.get("text"))
            if not text:
                continue
            level = 2 if block.get("level") == 2 else 1
            st = Style(head_face, 17 if level == 1 else 12.5, t.primary)
            flow.space(4.0 if level == 1 else 5.0)
            flow.text([(text, st)], line_h=st.line_height(1.3), keep=True)
            if level == 1:
                flow.space(1.0)
                flow.rule(t.accent, 0.6, keep=True)
            flow.space(2.0)
        elif kind == "paragraph":
            text = multiline(block, "text")
            if text:
                flow.text([(text, muted if block.get("muted") else body)], line_h=lh)
                flow.space(2.0)
        elif kind == "spacer":
            h = block.get("height", 5)
            flow.space(float(h) if isinstance(h, (int, float)) and not isinstance(h, bool) and 0 <= h <= 100 else 5.0)
        elif kind == "rule":
            flow.space(1.5)
            flow.rule(mix(t.muted, WHITE, 0.5), 0.3, keep=False)
            flow.space(1.5)
        elif kind == "kv":
            _kv(flow, block.get("items"), bold, body, lh, t)
        elif kind == "table":
            _table(flow, block, body, bold, lh, t)

    pdf = Canvas(title=title, author=author)
    footer_style = Style(body_face, 7.5, t.muted)

    def page_end(p: Canvas) -> None:
        y = A4_H - bottom + 4.0
        p.set_draw_color(*mix(t.muted, WHITE, 0.6))
        p.set_line_width(0.2)
        p.line(left, y - 1.5, A4_W - right, y - 1.5)
        footer_text(p, footer_style, left, width, y, "CV Chap Chap")

    pdf.on_page_end = page_end
    pdf.render_pages([(left, paginate(flow.blocks, top, top, A4_H - bottom))])
    return pdf.to_bytes()


def _kv(flow: Flow, items: object, bold: Style, body: Style, lh: float, t) -> None:
    rows = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, (list, tuple)) and len(item) >= 2:
            rows.append((_s(item[0]), _s(item[1])))
        elif isinstance(item, dict):
            rows.append((_s(item.get("label")), _s(item.get("value"))))
    if not rows:
        return
    label_style = Style(bold.face, bold.size, t.muted)
    label_w = min(max(label_style.width(r[0]) for r in rows) + 6.0, flow.w * 0.45)
    for label, value in rows:
        head = Flow(label_w - 2.0)
        head.text([(label, label_style)], line_h=lh)
        val = Flow(flow.w - label_w)
        val.text([(value, body)], line_h=lh)
        n = max(len(head.blocks), len(val.blocks), 1)
        for i in range(n):
            ops: list = []
            if i < len(head.blocks):
                ops.extend(head.blocks[i].ops)
            if i < len(val.blocks):
                for op in val.blocks[i].ops:
                    ops.append((op[0], op[1] + label_w) + tuple(op[2:]))
            flow.add(lh, ops, keep=i < n - 1)
    flow.space(2.0)


def _table(flow: Flow, block: dict, body: Style, bold: Style, lh: float, t) -> None:
    columns = [_s(c) for c in block.get("columns") or [] if not isinstance(c, (dict, list))]
    raw_rows = block.get("rows") if isinstance(block.get("rows"), list) else []
    rows = [[_s(c) for c in r] for r in raw_rows if isinstance(r, (list, tuple))]
    ncols = max([len(columns)] + [len(r) for r in rows] + [0])
    if ncols == 0:
        return
    columns += [""] * (ncols - len(columns))
    rows = [r + [""] * (ncols - len(r)) for r in rows]
    align_in = block.get("align") if isinstance(block.get("align"), list) else []
    align = [(a.upper() if isinstance(a, str) and a.upper() in ("L", "C", "R") else "L") for a in align_in]
    align += ["L"] * (ncols - len(align))
    pad = 2.0
    head_style = Style(bold.face, bold.size, t.primary)

    widths_in = block.get("widths")
    if (isinstance(widths_in, list) and len(widths_in) == ncols
            and all(isinstance(w, (int, float)) and not isinstance(w, bool) and w > 0 for w in widths_in)):
        total = float(sum(widths_in))
        widths = [flow.w * w / total for w in widths_in]
    else:
        natural = []
        for c in range(ncols):
            cells = [head_style.width(columns[c])] + [body.width(r[c]) for r in rows]
            natural.append(max(cells) + 2 * pad + 0.5)
        total = sum(natural)
        if total <= flow.w:
            extra = flow.w - total
            # give the spare width to the widest (usually the description) column
            widest = max(range(ncols), key=lambda c: natural[c])
            natural[widest] += extra
            widths = natural
        else:
            floor = min(22.0, flow.w / ncols)
            widths = [max(floor, flow.w * n / total) for n in natural]
            scale = flow.w / sum(widths)
            widths = [w * scale for w in widths]

    xs = [sum(widths[:c]) for c in range(ncols)]
    line_color = mix(t.muted, WHITE, 0.65)
    header_fill = mix(t.primary, WHITE, 0.88)

    def row_block(cells: list[str], style: Style, header: bool) -> None:
        cell_lines = []
        for c in range(ncols):
            sub = Flow(widths[c] - 2 * pad)
            sub.text([(cells[c], style)], line_h=lh)
            cell_lines.append(sub.blocks)
        n = max(1, max(len(b) for b in cell_lines))
        h = n * lh + 2 * 1.2
        ops: list = []
        if header:
            ops.append(("r", 0.0, 0.0, flow.w, h, header_fill))
        for c in range(ncols):
            for i, b in enumerate(cell_lines[c]):
                for op in b.ops:
                    if op[0] != "t":
                        continue
                    _k, dx, dy, text, st = op
                    line_w = st.width(text)
                    if align[c] == "R":
                        x = xs[c] + widths[c] - pad - line_w
                    elif align[c] == "C":
                        x = xs[c] + (widths[c] - line_w) / 2
                    else:
                        x = xs[c] + pad + dx
                    ops.append(("t", x, 1.2 + i * lh + dy, text, st))
        ops.append(("l", 0.0, h, flow.w, h, t.primary if header else line_color, 0.4 if header else 0.2))
        flow.add(h, ops, keep=header)

    flow.space(1.0)
    if any(columns):
        row_block(columns, head_style, True)
    for r in rows:
        row_block(r, body, False)
    flow.space(3.0)
