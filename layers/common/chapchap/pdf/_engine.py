"""A small layout engine on top of fpdf2.

Layouts build *blocks* (a height and a list of drawing operations relative to the
block's top-left corner) in columns; :func:`paginate` splits each column into pages
(keeping headings with what follows); :class:`Canvas` then draws every page in
order, so nothing ever goes back to an earlier page. Text is measured with the
per-face width cache of :mod:`._fonts` and written with ``FPDF.text``, which skips the
costly generic line breaking of ``multi_cell``.

Why one module of about 550 lines: blocks, flows, pagination and the canvas are one small
vocabulary that every layout uses together; the fpdf2 specifics stay in this one place.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from typing import Callable, NamedTuple, Sequence

from fpdf import FPDF
from fpdf.fonts import CoreFont
from fpdf.output import (
    CIDSystemInfo,
    OutputProducer,
    PDFContentStream,
    PDFFont,
    PDFFontStream,
    _build_cmap_blocks,
    _tt_font_widths,
)
from fpdf.syntax import Name, PDFArray

from ._fonts import DocFont, Face, clean_text, doc_font, runs

PT = 25.4 / 72.0  # mm per point


# --------------------------------------------------------------------------- text


class Style(NamedTuple):
    face: Face
    size: float  # pt
    color: tuple

    @property
    def mm(self) -> float:
        return self.size * PT

    def width(self, text: str) -> float:
        """Width of ``text`` in mm."""
        return self.face.width(text) * self.size * PT / 1000.0

    def line_height(self, factor: float = 1.32) -> float:
        return self.size * PT * factor

    def baseline(self, line_h: float) -> float:
        """Offset from a line box top to the baseline, vertically centring the glyphs."""
        return line_h / 2.0 + 0.37 * self.size * PT


Span = tuple  # (text, Style)
NBSP = "\u00a0"  # joins words for line breaking; drawn as a plain space


def wrap_spans(spans: Sequence[Span], max_w: float) -> list[list[tuple[str, Style, float]]]:
    """Greedy line breaking of styled text.

    Returns lines as lists of (text, style, dx) pieces. Newlines force breaks; words
    longer than the line are split; NBSP joins words (and is drawn as a space).
    """
    # words: list of fragments [(text, style)], None = forced line break
    words: list = []
    cur: list | None = None
    for text, style in spans:
        if not text:
            continue
        paragraphs = text.split("\n")
        for p_index, para in enumerate(paragraphs):
            if p_index:
                if cur:
                    words.append(cur)
                words.append(None)
                cur = None
            parts = para.split(" ")
            for k, part in enumerate(parts):
                if k:
                    if cur:
                        words.append(cur)
                    cur = None
                if part:
                    if cur is None:
                        cur = []
                    cur.append((part, style))
    if cur:
        words.append(cur)

    lines: list[list[tuple[str, Style, float]]] = []
    line: list[list] = []  # [text, style, dx, width]
    x = 0.0

    def flush():
        nonlocal line, x
        lines.append([(t, s, dx) for t, s, dx, _w in line])
        line = []
        x = 0.0

    def put(word: list, at: float, with_space: bool):
        nonlocal x
        pos = at
        for i, (text, style) in enumerate(word):
            text = text.replace(NBSP, " ")
            w = style.width(text)
            glue = bool(line) and line[-1][1] is style
            if glue and i == 0 and with_space:
                line[-1][0] += " " + text
            elif glue and i > 0:
                line[-1][0] += text
            else:
                line.append([text, style, pos, w])
                pos += w
                continue
            line[-1][3] = pos + w - line[-1][2]
            pos += w
        x = pos

    for word in words:
        if word is None:
            flush()
            continue
        word_w = sum(style.width(text) for text, style in word)
        space_w = word[0][1].width(" ")
        if line and x + space_w + word_w <= max_w + 1e-6:
            put(word, x + space_w, True)
            continue
        if line:
            flush()
        if word_w <= max_w + 1e-6:
            put(word, 0.0, False)
            continue
        # a word wider than the line: split it character by character
        for text, style in word:
            chunk = ""
            chunk_w = 0.0
            for ch in text:
                ch_w = style.width(ch)
                if chunk and x + chunk_w + ch_w > max_w:
                    put([(chunk, style)], x, False)
                    flush()
                    chunk, chunk_w = "", 0.0
                chunk += ch
                chunk_w += ch_w
            if chunk:
                put([(chunk, style)], x, False)
    if line:
        flush()
    return lines


# --------------------------------------------------------------------------- blocks


class Block:
    """Something placed as a whole: height, drawing ops, pagination hints."""

    __slots__ = ("h", "ops", "keep", "gap")

    def __init__(self, h: float, ops: list, keep: bool = False, gap: float = 0.0):
        self.h = h
        self.ops = ops
        self.keep = keep  # keep on the same page as the next block
        self.gap = gap  # space before, dropped at the top of a page


class Flow:
    """Builds the blocks of one column of a given width."""

    def __init__(self, width: float):
        self.w = width
        self.blocks: list[Block] = []
        self._gap = 0.0

    def space(self, h: float) -> None:
        self._gap += h

    def add(self, h: float, ops: list, keep: bool = False) -> Block:
        block = Block(h, ops, keep, self._gap)
        self._gap = 0.0
        self.blocks.append(block)
        return block

    def keep_last(self) -> None:
        if self.blocks:
            self.blocks[-1].keep = True

    def text(
        self,
        spans: Sequence[Span] | str,
        style: Style | None = None,
        *,
        indent: float = 0.0,
        width: float | None = None,
        line_h: float | None = None,
        keep: bool = False,
        keep_first: bool = False,
        bullet: tuple | None = None,
        link: str | None = None,
        right: Span | None = None,
        together: bool = False,
    ) -> int:
        """Wrapped text, one block per line. ``bullet`` = (text, style, dx) drawn on the
        first line; ``right`` = (text, style) right-aligned on the first line;
        ``together`` keeps all the lines on one page (else no single first or last
        line is left alone on a page). Returns the number of lines."""
        if isinstance(spans, str):
            assert style is not None
            spans = [(spans, style)]
        spans = [(t, s) for t, s in spans if t]
        if not spans:
            return 0
        avail = (width if width is not None else self.w) - indent
        right_w = 0.0
        if right is not None and right[0]:
            right_w = right[1].width(right[0])
            first_avail = avail - right_w - 3.0
        else:
            right = None
            first_avail = avail
        lines = wrap_spans(spans, max(first_avail, 10.0))
        if right is not None and len(lines) > 1:
            # re-wrap the rest at full width
            consumed = "".join(t for t, _s, _dx in lines[0])
            rest_spans = _drop_prefix(spans, consumed)
            lines = [lines[0]] + wrap_spans(rest_spans, max(avail, 10.0))
        base_style = spans[0][1]
        lh = line_h if line_h is not None else max(s.line_height() for _t, s in spans)
        for index, line in enumerate(lines):
            ops: list = []
            bl = max(s.baseline(lh) for _t, s, _dx in line) if line else base_style.baseline(lh)
            if index == 0 and bullet is not None:
                b_text, b_style, b_dx = bullet
                ops.append(("t", indent + b_dx, bl, b_text, b_style))
            for text, style_, dx in line:
                ops.append(("t", indent + dx, bl, text, style_))
            if index == 0:
                if right is not None:
                    r_text, r_style = right
                    ops.append(("t", indent + avail - right_w, bl, r_text, r_style))
                if link:
                    line_w = max((dx + s.width(t) for t, s, dx in line), default=0.0)
                    ops.append(("a", indent, 0.0, line_w, lh, link))
            n = len(lines)
            is_last = index == n - 1
            hold = (keep and is_last) or (keep_first and index == 0)
            if not is_last and (together or index == 0 or index == n - 2):
                hold = True
            self.add(lh, ops, keep=hold)
        return len(lines)

    def rule(self, color: tuple, weight: float = 0.3, *, x: float = 0.0, w: float | None = None,
             h: float = 0.0, keep: bool = True) -> None:
        width = self.w - x if w is None else w
        self.add(max(h, weight), [("l", x, weight / 2, x + width, weight / 2, color, weight)], keep=keep)


def _drop_prefix(spans: Sequence[Span], consumed: str) -> list[Span]:
    """The spans without their first ``consumed`` characters (ignoring spaces)."""
    need = len(consumed.replace(" ", ""))
    out: list[Span] = []
    for text, style in spans:
        if need <= 0:
            out.append((text, style))
            continue
        i = 0
        while i < len(text) and need > 0:
            if text[i] not in " \n":
                need -= 1
            i += 1
        rest = text[i:].lstrip(" ")
        if rest:
            out.append((rest, style))
    return out


def paginate(blocks: Sequence[Block], top_first: float, top_other: float, bottom: float) -> list[list[tuple[float, Block]]]:
    """Split a column's blocks into pages: [[(y, block), ...], ...]."""
    pages: list[list[tuple[float, Block]]] = [[]]
    y = top_first
    at_top = True
    n = len(blocks)
    i = 0
    while i < n:
        block = blocks[i]
        gap = 0.0 if at_top else block.gap
        need = gap + block.h
        j = i
        while blocks[j].keep and j + 1 < n and j - i < 8:
            j += 1
            need += blocks[j].gap + blocks[j].h
        if not at_top and y + need > bottom + 1e-6:
            pages.append([])
            y = top_other
            at_top = True
            continue
        y += gap
        pages[-1].append((y, block))
        y += block.h
        at_top = False
        i += 1
    return pages


# --------------------------------------------------------------------------- fpdf glue


class FastFontOutputProducer(OutputProducer):
    """Writes the per-document copies of shipped faces with the fast subsetter."""

    def _add_fonts(self, image_objects_per_index, gfxstate_objs_per_name, pattern_objs_per_name):  # type: ignore[override]
        fonts = list(self.fpdf.fonts.values())
        if not all(isinstance(f, (DocFont, CoreFont)) for f in fonts):  # pragma: no cover
            return super()._add_fonts(image_objects_per_index, gfxstate_objs_per_name, pattern_objs_per_name)
        out = {}
        for font in sorted(fonts, key=lambda f: f.i):
            if isinstance(font, CoreFont):
                encoding = "WinAnsiEncoding" if font.name not in ("Symbol", "ZapfDingbats") else None
                obj = PDFFont(subtype="Type1", base_font=font.name, encoding=encoding)
                self._add_pdf_obj(obj, "fonts")
                out[font.i] = obj
            else:
                out[font.i] = self._add_doc_font(font)
        return out

    def _add_doc_font(self, font: DocFont) -> PDFFont:
        items = [(glyph, cid) for glyph, cid in font.subset.items() if glyph is not None]
        uni_to_gid: dict[int, int] = {}
        for glyph, _cid in items:
            if isinstance(glyph.unicode, tuple) and len(glyph.unicode) == 1:
                uni_to_gid.setdefault(glyph.unicode[0], glyph.glyph_id)
        font_bytes, new_gid = font.face.program.subset([g.glyph_id for g, _ in items], uni_to_gid)
        tag = "".join(chr(65 + (font.i * 7 + k * 3) % 26) for k in range(6))
        fontname = f"{tag}+{font.name}"

        composite = PDFFont(subtype="Type0", base_font=fontname, encoding="Identity-H")
        self._add_pdf_obj(composite, "fonts")
        cid_font = PDFFont(
            subtype="CIDFontType2",
            base_font=fontname,
            d_w=font.desc.missing_width,
            w=_tt_font_widths(font),
        )
        self._add_pdf_obj(cid_font, "fonts")
        composite.descendant_fonts = PDFArray([cid_font])

        bf_char = []
        for glyph, cid in items:
            if not isinstance(glyph.unicode, tuple) or not glyph.unicode:
                continue
            codes = "".join(_utf16_hex(code) for code in glyph.unicode)
            bf_char.append(f"<{cid:04X}> <{codes}>\n")
        to_unicode = PDFContentStream(
            (
                "/CIDInit /ProcSet findresource begin\n"
                "12 dict begin\n"
                "begincmap\n"
                "/CIDSystemInfo\n"
                "<</Registry (Adobe)\n"
                "/Ordering (UCS)\n"
                "/Supplement 0\n"
                ">> def\n"
                "/CMapName /Adobe-Identity-UCS def\n"
                "/CMapType 2 def\n"
                "1 begincodespacerange\n"
                "<0000> <FFFF>\n"
                "endcodespacerange\n"
                f"{_build_cmap_blocks(bf_char, 'bfchar')}"
                "endcmap\n"
                "CMapName currentdict /CMap defineresource pop\n"
                "end\n"
                "end"
            ).encode("latin-1")
        )
        self._add_pdf_obj(to_unicode, "fonts")
        composite.to_unicode = to_unicode

        system_info = CIDSystemInfo()
        self._add_pdf_obj(system_info, "fonts")
        cid_font.c_i_d_system_info = system_info

        descriptor = font.desc
        descriptor.font_name = Name(fontname)
        self._add_pdf_obj(descriptor, "fonts")
        cid_font.font_descriptor = descriptor

        cid_to_gid = bytearray(2 * 65536)
        for glyph, cid in items:
            gid = new_gid.get(glyph.glyph_id, 0)
            cid_to_gid[2 * cid] = gid >> 8
            cid_to_gid[2 * cid + 1] = gid & 0xFF
        cid_to_gid_obj = _FastStream(contents=bytes(cid_to_gid), compress=True)
        self._add_pdf_obj(cid_to_gid_obj, "fonts")
        cid_font.c_i_d_to_g_i_d_map = cid_to_gid_obj

        font_file = PDFFontStream(contents=font_bytes)
        self._add_pdf_obj(font_file, "fonts")
        descriptor.font_file2 = font_file
        return composite


class _FastStream(PDFContentStream):
    """Mostly-zero binary data: the fastest zlib level compresses it as well."""

    _COMPRESSION_LEVEL = 1


def _utf16_hex(code: int) -> str:
    if code > 0xFFFF:
        high = 0xD800 | (code - 0x10000) >> 10
        low = 0xDC00 | (code & 0x3FF)
        return f"{high:04X}{low:04X}"
    return f"{code:04X}"


def _creation_date() -> datetime:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=timezone.utc)
    return datetime.now(timezone.utc)


class Canvas(FPDF):
    """An A4 fpdf2 document whose fonts come from the per-process face cache."""

    def __init__(self, *, title: str = "", author: str = ""):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.set_auto_page_break(False)
        self.set_margins(0, 0, 0)
        self.c_margin = 0
        self.alias_nb_pages()
        self.set_title(clean_text(title))
        self.set_author(clean_text(author))
        self.set_creator("CV Chap Chap")
        self.set_producer("CV Chap Chap (fpdf2)")
        self.set_creation_date(_creation_date())
        self.on_page_start: Callable[[Canvas], None] | None = None
        self.on_page_end: Callable[[Canvas], None] | None = None
        self.planned_pages = 0

    def add_font(self, *args, **kwargs):  # pragma: no cover - guard
        raise TypeError("Canvas only uses the shipped, cached faces (chapchap.pdf._fonts): fonts are not added per document")

    # fpdf2 hooks
    def header(self) -> None:
        if self.on_page_start is not None:
            self.on_page_start(self)

    def footer(self) -> None:
        if self.on_page_end is not None:
            self.on_page_end(self)

    # fonts
    def _use_face(self, face: Face, size: float) -> None:
        key = face.key
        font = self.fonts.get(key)
        if font is None:
            font = self.fonts[key] = doc_font(face, len(self.fonts) + 1)
        elif self.current_font is font and self.font_size_pt == size:
            return
        self.set_font(face.family.lower().replace(" ", ""), face.style, size)

    # drawing
    def fill_rect(self, x: float, y: float, w: float, h: float, color: tuple) -> None:
        self.set_fill_color(*color)
        self.rect(x, y, w, h, style="F")

    def draw_text(self, x: float, y: float, text: str, style: Style) -> None:
        """``text`` with its baseline at ``y``."""
        self.set_text_color(*style.color)
        if style.face.covers(text):
            self._use_face(style.face, style.size)
            self.text(x, y, text)
            return
        for face, run in runs(style.face, text):
            self._use_face(face, style.size)
            self.text(x, y, run)
            x += face.width(run) * style.size * PT / 1000.0

    def draw_ops(self, ops: Sequence[tuple], x0: float, y0: float) -> None:
        for op in ops:
            kind = op[0]
            if kind == "t":
                _k, dx, dy, text, style = op
                self.draw_text(x0 + dx, y0 + dy, text, style)
            elif kind == "r":
                _k, dx, dy, w, h, color = op
                self.fill_rect(x0 + dx, y0 + dy, w, h, color)
            elif kind == "l":
                _k, x1, y1, x2, y2, color, weight = op
                self.set_draw_color(*color)
                self.set_line_width(weight)
                self.line(x0 + x1, y0 + y1, x0 + x2, y0 + y2)
            elif kind == "c":
                _k, cx, cy, r, color = op
                self.set_fill_color(*color)
                self.circle(x0 + cx, y0 + cy, r, style="F")
            elif kind == "a":
                _k, dx, dy, w, h, url = op
                self.link(x0 + dx, y0 + dy, w, h, url)
            elif kind == "i":
                _k, dx, dy, w, h, image, round_ = op
                if round_:
                    with self.round_clip(x0 + dx, y0 + dy, w):
                        self.image(image, x0 + dx, y0 + dy, w, h)
                else:
                    self.image(image, x0 + dx, y0 + dy, w, h)
            elif kind == "rr":
                _k, dx, dy, w, h, r, color = op
                self.set_fill_color(*color)
                self.rect(x0 + dx, y0 + dy, w, h, style="F", round_corners=True, corner_radius=r)

    def render_pages(self, columns: Sequence[tuple[float, list[list[tuple[float, Block]]]]]) -> None:
        """Draw paginated columns [(x, pages), ...] page by page."""
        count = max((len(pages) for _x, pages in columns), default=1)
        self.planned_pages = max(count, 1)
        for page_index in range(max(count, 1)):
            self.add_page()
            for x, pages in columns:
                if page_index < len(pages):
                    for y, block in pages[page_index]:
                        self.draw_ops(block.ops, x, y)

    def to_bytes(self) -> bytes:
        return bytes(self.output(output_producer_class=FastFontOutputProducer))


def footer_text(pdf: Canvas, text_style: Style, x: float, w: float, y: float, left: str = "") -> None:
    """'Page N of M' right-aligned at (x + w, y), optional left text; M via alias_nb_pages."""
    if left:
        pdf.draw_text(x, y + 3.0, left, text_style)
    total = pdf.planned_pages or pdf.page_no()
    label = f"Page {pdf.page_no()} of "
    text_w = text_style.width(f"{label}{total}")
    pdf._use_face(text_style.face, text_style.size)
    pdf.set_text_color(*text_style.color)
    pdf.set_xy(x + w - text_w, y)
    pdf.cell(text_w + 5.0, 4.0, label + pdf.str_alias_nb_pages, align="L")
