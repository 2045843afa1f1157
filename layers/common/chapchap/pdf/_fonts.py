"""Shipped fonts, parsed once per process and shared by every document.

fpdf2 parses a TrueType file with fontTools on every ``add_font`` call (150-200 ms for
a few faces) and, when the document is written, subsets the font *in place* with
fontTools (30-60 ms per face), which makes its font objects single-use. Here:

* each face is parsed once per process (:func:`get_face`) into an fpdf2 ``TTFFont``
  prototype, read straight from the tables with ``struct`` (:func:`_fast_proto`, a few
  ms; the values are those of fpdf2's own parser, which a test checks); every document
  gets a light copy of it (:func:`doc_font`) whose per-document state (glyph subset
  map, missing glyphs, PDF font descriptor, font index) is fresh, while the read-only
  tables (cmap, widths, glyph ids) are shared;
* subsetting for embedding stays per document but is done by :class:`FontProgram`, a
  small byte-level TrueType subsetter: the used glyphs (+ components of composite
  glyphs) are copied and renumbered, hinting tables kept, layout tables (GSUB, GPOS,
  kern...) and glyph names dropped, a minimal cmap written. About half a millisecond a
  face instead of tens;
* text widths are memoised per face (:meth:`Face.width`), in font units, so that line
  breaking never re-sums the glyph widths of the same word.

Nothing here is shared mutable state between documents except those caches, which
only ever hold values computed from the (immutable) font files.

Why one module of about 700 lines: the parse, the per-document copy and the subsetter
read and write the same TrueType tables with the same private helpers; apart, each would
need the others' internals.
"""

from __future__ import annotations

import copy
import re
import struct
import threading
import unicodedata
from array import array
from collections import defaultdict
from pathlib import Path
from types import SimpleNamespace

from fpdf.enums import FontDescriptorFlags, TextEmphasis
from fpdf.fonts import PDFFontDescriptor, SubsetMap, TTFFont

FONT_DIR = Path(__file__).resolve().parent / "fonts"

# family -> style ("" regular, "B" bold, "I" italic) -> file name in FONT_DIR
FONT_FILES: dict[str, dict[str, str]] = {
    "Noto Sans": {
        "": "NotoSans-Regular.ttf",
        "B": "NotoSans-Bold.ttf",
        "I": "NotoSans-Italic.ttf",
    },
    "Noto Serif": {
        "": "NotoSerif-Regular.ttf",
        "B": "NotoSerif-Bold.ttf",
        "I": "NotoSerif-Italic.ttf",
    },
    "Open Sans": {
        "": "OpenSans-Regular.ttf",
        "B": "OpenSans-Bold.ttf",
        "I": "OpenSans-Italic.ttf",
    },
}
FONT_FAMILIES: tuple[str, ...] = tuple(FONT_FILES)
# Faces tried, in order, for a character the requested face lacks.
FALLBACK_FAMILIES: tuple[str, ...] = ("Noto Sans", "Noto Serif")

_FAMILY_LOOKUP = {
    "".join(ch for ch in name.lower() if ch.isalnum()): name for name in FONT_FAMILIES
}


def canonical_family(name: object) -> str | None:
    """'noto-sans', 'NotoSans', 'Noto Sans' -> 'Noto Sans'; unknown -> None."""
    if not isinstance(name, str):
        return None
    return _FAMILY_LOOKUP.get("".join(ch for ch in name.lower() if ch.isalnum()))


def font_key(family: str, style: str) -> str:
    """The fpdf2 font key of a shipped face (family lower-cased, no spaces, + style)."""
    return family.lower().replace(" ", "") + style


# --------------------------------------------------------------------------- subsetting

_KEEP_TABLES = (
    "OS/2", "cvt ", "fpgm", "gasp", "head", "hhea", "hmtx", "maxp", "name", "prep",
)

_LITTLE = struct.pack("=H", 1) != struct.pack(">H", 1)
_ARG_1_AND_2_ARE_WORDS = 0x0001
_WE_HAVE_A_SCALE = 0x0008
_MORE_COMPONENTS = 0x0020
_WE_HAVE_AN_X_AND_Y_SCALE = 0x0040
_WE_HAVE_A_TWO_BY_TWO = 0x0080


def _checksum(data: bytes) -> int:
    if len(data) % 4:
        data = data + b"\0" * (4 - len(data) % 4)
    words = array("I", data)
    if words.itemsize != 4:  # pragma: no cover - exotic platforms
        return sum(struct.unpack(f">{len(data) // 4}I", data)) & 0xFFFFFFFF
    if _LITTLE:
        words.byteswap()
    return sum(words) & 0xFFFFFFFF


def _pad4(data: bytes) -> bytes:
    return data + b"\0" * (-len(data) % 4)


class FontProgram:
    """The raw tables of one glyf-based TrueType file and a fast glyph subsetter."""

    def __init__(self, data: bytes):
        sfnt_version, num_tables = struct.unpack_from(">IH", data, 0)
        if sfnt_version not in (0x00010000, 0x74727565):  # TrueType outlines only
            raise ValueError("not a TrueType (glyf) font")
        self.tables: dict[str, bytes] = {}
        for i in range(num_tables):
            tag, _checksum_, offset, length = struct.unpack_from(">4sIII", data, 12 + 16 * i)
            self.tables[tag.decode("latin-1")] = data[offset : offset + length]
        head = self.tables["head"]
        self.num_glyphs = struct.unpack_from(">H", self.tables["maxp"], 4)[0]
        self.num_hmetrics = struct.unpack_from(">H", self.tables["hhea"], 34)[0]
        long_loca = struct.unpack_from(">h", head, 50)[0] == 1
        loca = array("I" if long_loca else "H", self.tables["loca"])
        if _LITTLE:
            loca.byteswap()
        self.loca = list(loca) if long_loca else [2 * off for off in loca]
        self.glyf = self.tables["glyf"]
        self.hmtx = self.tables["hmtx"]
        nhm = self.num_hmetrics
        longs = array("H", self.hmtx[: 4 * nhm])
        if _LITTLE:
            longs.byteswap()
        self.advances = longs[0::2] + array("H", [longs[2 * nhm - 2]]) * max(0, self.num_glyphs - nhm)
        # composite glyph -> ((offset of the component id in the glyph data, component id), ...)
        self._components: dict[int, tuple[tuple[int, int], ...]] = {}

    def glyph(self, gid: int) -> bytes:
        if gid < 0 or gid >= self.num_glyphs:
            return b""
        return self.glyf[self.loca[gid] : self.loca[gid + 1]]

    def components(self, gid: int) -> tuple[tuple[int, int], ...]:
        """(offset, glyph id) of the components of a composite glyph (empty if simple)."""
        found = self._components.get(gid)
        if found is not None:
            return found
        data = self.glyph(gid)
        comps: list[tuple[int, int]] = []
        if len(data) >= 10 and struct.unpack_from(">h", data, 0)[0] < 0:
            pos = 10
            while pos + 4 <= len(data):
                flags, comp = struct.unpack_from(">HH", data, pos)
                comps.append((pos + 2, comp))
                pos += 4 + (4 if flags & _ARG_1_AND_2_ARE_WORDS else 2)
                if flags & _WE_HAVE_A_SCALE:
                    pos += 2
                elif flags & _WE_HAVE_AN_X_AND_Y_SCALE:
                    pos += 4
                elif flags & _WE_HAVE_A_TWO_BY_TWO:
                    pos += 8
                if not flags & _MORE_COMPONENTS:
                    break
        found = tuple(comps)
        self._components[gid] = found
        return found

    def metrics(self, gid: int) -> tuple[int, int]:
        """(advance width, left side bearing) of a glyph."""
        nhm = self.num_hmetrics
        if gid < nhm:
            return struct.unpack_from(">Hh", self.hmtx, 4 * gid)
        advance = struct.unpack_from(">H", self.hmtx, 4 * (nhm - 1))[0]
        lsb = struct.unpack_from(">h", self.hmtx, 4 * nhm + 2 * (gid - nhm))[0]
        return advance, lsb

    def subset(self, glyph_ids, unicode_to_gid: dict[int, int] | None = None) -> tuple[bytes, dict[int, int]]:
        """A valid TrueType file holding only ``glyph_ids`` (+ .notdef and the
        components of composite glyphs), renumbered in their original order.

        Returns the font bytes and the map old glyph id -> new glyph id.
        """
        used = {0}
        stack = [g for g in glyph_ids if 0 <= g < self.num_glyphs]
        while stack:
            gid = stack.pop()
            if gid in used:
                continue
            used.add(gid)
            stack.extend(c for _pos, c in self.components(gid) if c not in used)
        order = sorted(used)
        new_id = {old: new for new, old in enumerate(order)}
        count = len(order)

        glyf_parts: list[bytes] = []
        offsets = array("I", bytes(4 * (count + 1)))
        hmtx = array("h", bytes(4 * count))
        pos = 0
        for new, old in enumerate(order):
            offsets[new] = pos
            advance, lsb = self.metrics(old)
            hmtx[2 * new] = advance - 65536 if advance > 32767 else advance
            hmtx[2 * new + 1] = lsb
            data = self.glyph(old)
            if not data:
                continue
            comps = self.components(old)
            if comps:
                patched = bytearray(data)
                for at, comp in comps:
                    struct.pack_into(">H", patched, at, new_id.get(comp, 0))
                data = bytes(patched)
            data = _pad4(data)
            glyf_parts.append(data)
            pos += len(data)
        offsets[count] = pos
        short = pos // 2 <= 0xFFFF
        if short:
            loca = array("H", (o // 2 for o in offsets))
        else:
            loca = offsets
        if _LITTLE:
            loca.byteswap()
            hmtx.byteswap()

        tables = {tag: self.tables[tag] for tag in _KEEP_TABLES if tag in self.tables}
        head = bytearray(self.tables["head"])
        struct.pack_into(">I", head, 8, 0)  # checkSumAdjustment, set by _assemble
        struct.pack_into(">h", head, 50, 0 if short else 1)
        tables["head"] = bytes(head)
        hhea = bytearray(self.tables["hhea"])
        struct.pack_into(">H", hhea, 34, count)
        tables["hhea"] = bytes(hhea)
        maxp = bytearray(self.tables["maxp"])
        struct.pack_into(">H", maxp, 4, count)
        tables["maxp"] = bytes(maxp)
        tables["hmtx"] = hmtx.tobytes()
        tables["loca"] = loca.tobytes()
        tables["glyf"] = b"".join(glyf_parts) or b"\0\0\0\0"
        post = bytearray(self.tables["post"][:32])  # format 3: no glyph names
        struct.pack_into(">I", post, 0, 0x00030000)
        tables["post"] = bytes(post)
        tables["cmap"] = _cmap_format4(
            {u: new_id[g] for u, g in (unicode_to_gid or {}).items() if g in new_id}
        )
        return _assemble(tables), new_id


def _cmap_format4(unicode_to_gid: dict[int, int]) -> bytes:
    """A minimal (3, 1) format 4 cmap, one segment per run of consecutive codes."""
    pairs = sorted((u, g) for u, g in unicode_to_gid.items() if 0 < u < 0xFFFF)
    segments: list[tuple[int, int, int]] = []  # start, end, delta
    for u, g in pairs:
        delta = (g - u) & 0xFFFF
        if segments and segments[-1][1] == u - 1 and segments[-1][2] == delta:
            start, _end, _delta = segments[-1]
            segments[-1] = (start, u, delta)
        else:
            segments.append((u, u, delta))
    segments.append((0xFFFF, 0xFFFF, 1))
    seg_count = len(segments)
    search_range = 2 * (1 << (seg_count.bit_length() - 1))
    entry_selector = search_range.bit_length() - 2
    range_shift = 2 * seg_count - search_range
    body = struct.pack(
        f">HHHHHHH{seg_count}HH{seg_count}H{seg_count}H{seg_count}H",
        4,
        16 + 8 * seg_count,
        0,
        2 * seg_count,
        search_range,
        entry_selector,
        range_shift,
        *(s[1] for s in segments),
        0,
        *(s[0] for s in segments),
        *(s[2] for s in segments),
        *(0 for _ in segments),
    )
    return struct.pack(">HHHHI", 0, 1, 3, 1, 12) + body


def _assemble(tables: dict[str, bytes]) -> bytes:
    tags = sorted(tables)
    num = len(tags)
    entry_selector = num.bit_length() - 1
    search_range = 16 * (1 << entry_selector)
    header = struct.pack(">IHHHH", 0x00010000, num, search_range, entry_selector, num * 16 - search_range)
    directory = []
    body = []
    offset = 12 + 16 * num
    for tag in tags:
        data = tables[tag]
        directory.append(struct.pack(">4sIII", tag.encode("latin-1"), _checksum(data), offset, len(data)))
        padded = _pad4(data)
        body.append(padded)
        offset += len(padded)
    font = bytearray(header + b"".join(directory) + b"".join(body))
    adjustment = (0xB1B0AFBA - _checksum(bytes(font))) & 0xFFFFFFFF
    head_offset = struct.unpack_from(">I", font, 12 + 16 * tags.index("head") + 8)[0]
    struct.pack_into(">I", font, head_offset + 8, adjustment)
    return bytes(font)


# --------------------------------------------------------------------------- fast parsing

_CMAP_PREFERENCES = ((3, 10), (0, 6), (0, 4), (3, 1), (0, 3), (0, 2), (0, 1), (0, 0))


def _parse_cmap(data: bytes) -> dict[int, int]:
    """The best Unicode subtable of a cmap table (fontTools' order): code -> glyph id."""
    _version, count = struct.unpack_from(">HH", data, 0)
    offsets = {}
    for i in range(count):
        platform, encoding, offset = struct.unpack_from(">HHI", data, 4 + 8 * i)
        offsets.setdefault((platform, encoding), offset)
    for key in _CMAP_PREFERENCES:
        if key in offsets:
            return _parse_cmap_subtable(data, offsets[key])
    raise ValueError("no Unicode cmap")


def _parse_cmap_subtable(data: bytes, off: int) -> dict[int, int]:
    fmt = struct.unpack_from(">H", data, off)[0]
    out: dict[int, int] = {}
    if fmt == 4:
        seg2 = struct.unpack_from(">H", data, off + 6)[0]
        seg = seg2 // 2
        ends = struct.unpack_from(f">{seg}H", data, off + 14)
        starts = struct.unpack_from(f">{seg}H", data, off + 16 + seg2)
        deltas = struct.unpack_from(f">{seg}H", data, off + 16 + 2 * seg2)
        ro_base = off + 16 + 3 * seg2
        range_offsets = struct.unpack_from(f">{seg}H", data, ro_base)
        for i in range(seg):
            start, end, delta, ro = starts[i], ends[i], deltas[i], range_offsets[i]
            if start == 0xFFFF:
                continue
            end = min(end, 0xFFFE)
            if ro == 0:
                for code in range(start, end + 1):
                    gid = (code + delta) & 0xFFFF
                    if gid:
                        out[code] = gid
            else:
                base = ro_base + 2 * i + ro
                gids = struct.unpack_from(f">{end - start + 1}H", data, base)
                for k, gid in enumerate(gids):
                    if gid:
                        gid = (gid + delta) & 0xFFFF
                        if gid:
                            out[start + k] = gid
    elif fmt == 12:
        n_groups = struct.unpack_from(">I", data, off + 12)[0]
        for g in range(n_groups):
            start, end, first = struct.unpack_from(">III", data, off + 16 + 12 * g)
            for code in range(start, end + 1):
                gid = first + code - start
                if gid:
                    out[code] = gid
    else:
        raise ValueError(f"cmap format {fmt} not supported by the fast parser")
    return out


def _debug_name(name_table: bytes, name_id: int) -> str | None:
    """fontTools' getDebugName: English first (Windows, then Mac), else any record."""
    _fmt, count, storage = struct.unpack_from(">HHH", name_table, 0)
    english = mac = other = None
    for i in range(count):
        platform, encoding, lang, nid, length, offset = struct.unpack_from(">6H", name_table, 6 + 12 * i)
        if nid != name_id:
            continue
        raw = name_table[storage + offset : storage + offset + length]
        try:
            if platform in (0, 3):
                value = raw.decode("utf-16-be")
            elif platform == 1 and encoding == 0:
                value = raw.decode("mac_roman")
            else:
                continue
        except UnicodeDecodeError:
            continue
        if platform == 3 and lang == 0x409 and english is None:
            english = value
        elif platform == 1 and lang == 0 and mac is None:
            mac = value
        elif other is None:
            other = value
    return english or mac or other


def _best_full_name(name_table: bytes) -> str | None:
    for ids in ((21, 22), (16, 17), (1, 2), (4,), (6,)):
        if len(ids) == 2:
            fam, sub = _debug_name(name_table, ids[0]), _debug_name(name_table, ids[1])
            if fam is None or sub is None:
                continue
            return fam if sub.lower() == "regular" else f"{fam} {sub}"
        value = _debug_name(name_table, ids[0])
        if value is not None:
            return value
    return None


def _fast_proto(program: "FontProgram", path: Path, key: str, style: str) -> TTFFont:
    """fpdf2's TTFFont for a shipped face, built from the raw tables with struct
    (TTFFont.__init__ goes through fontTools: 10-40 ms a face). Same values: checked
    against fpdf2's own parser by tests/unit/test_pdf_render.py."""
    t = program.tables
    scale = 1000 / struct.unpack_from(">H", t["head"], 18)[0]
    x_min, y_min, x_max, y_max = struct.unpack_from(">4h", t["head"], 36)
    ascent, descent = struct.unpack_from(">hh", t["hhea"], 4)
    os2 = t["OS/2"]
    os2_version, _avg, weight = struct.unpack_from(">HhH", os2, 0)
    strike_size, strike_pos = struct.unpack_from(">hh", os2, 26)
    cap_height = struct.unpack_from(">h", os2, 88)[0] if os2_version >= 2 and len(os2) >= 90 else ascent
    post = t["post"]
    italic_angle = struct.unpack_from(">i", post, 4)[0] / 65536.0
    underline_pos, underline_thick = struct.unpack_from(">hh", post, 8)
    fixed_pitch = struct.unpack_from(">I", post, 12)[0]
    if "glyf" not in t or "loca" not in t:
        raise ValueError("not a glyf-based TrueType font")

    flags = FontDescriptorFlags.SYMBOLIC
    if fixed_pitch:
        flags |= FontDescriptorFlags.FIXED_PITCH
    if italic_angle != 0:
        flags |= FontDescriptorFlags.ITALIC
    if weight >= 600:
        flags |= FontDescriptorFlags.FORCE_BOLD
    default_width = round(scale * program.metrics(0)[0])

    font = TTFFont.__new__(TTFFont)
    font.i = 0
    font.type = "TTF"
    font.ttffile = path
    font.is_compressed = False
    font._hbfont = None
    font.fontkey = key
    font.biggest_size_pt = 0
    font.collection_font_number = 0
    font.ttfont = None
    font.is_cff = False
    font.is_cid_keyed = False
    font.is_symbol = False
    font.cff_ros = None
    font.scale = scale
    font.desc = PDFFontDescriptor(
        ascent=round(ascent * scale),
        descent=round(descent * scale),
        cap_height=round(cap_height * scale),
        flags=flags,
        font_b_box=f"[{x_min * scale:.0f} {y_min * scale:.0f} {x_max * scale:.0f} {y_max * scale:.0f}]",
        italic_angle=int(italic_angle),
        stem_v=round(50 + int(pow((weight / 65), 2))),
        missing_width=default_width,
    )
    codes = _parse_cmap(t["cmap"])
    cw: dict[int, float] = defaultdict(lambda: default_width)
    advances = program.advances
    for code, gid in codes.items():
        advance = advances[gid] if gid < len(advances) else 0
        if advance == 65535:
            advance = 0
        cw[code] = round(scale * advance + 0.001)
    font.cw = cw
    font.cmap = {code: f"gid{gid}" for code, gid in codes.items()}
    font.glyph_ids = codes
    font.missing_glyphs = []
    full_name = _best_full_name(t["name"]) or path.stem
    font.name = re.sub("[ ()]", "", full_name)
    font.up = round(underline_pos * scale)
    font.ut = round(underline_thick * scale)
    font.sp = round(strike_pos * scale)
    font.ss = round(strike_size * scale)
    font.emphasis = TextEmphasis.coerce(style)
    font.unicode_range = None
    font.palette_index = 0
    font.color_font = None
    font.subset = None
    return font


# --------------------------------------------------------------------------- faces


class Face:
    """One shipped face, parsed once per process."""

    WIDTH_CACHE_LIMIT = 20000

    def __init__(self, family: str, style: str):
        self.family = family
        self.style = style
        self.key = font_key(family, style)
        self.path = path = FONT_DIR / FONT_FILES[family][style]
        self.program = FontProgram(path.read_bytes())
        try:
            self.proto = _fast_proto(self.program, path, self.key, style)
        except (ValueError, KeyError, struct.error):  # pragma: no cover - shipped fonts parse
            self.proto = self.fpdf_proto()
        self.missing_width = self.proto.desc.missing_width
        self.cw: dict[int, float] = defaultdict(lambda: self.missing_width, self.proto.cw)
        self.codepoints = frozenset(self.proto.cmap)
        self.charset = frozenset(chr(cp) for cp in self.proto.cmap)
        self._widths: dict[str, float] = {}

    def fpdf_proto(self) -> TTFFont:
        """The same prototype built by fpdf2's own (fontTools based, slower) parser."""
        holder = SimpleNamespace(fonts={}, render_color_fonts=False)
        return TTFFont(holder, self.path, self.key, self.style)  # type: ignore[arg-type]

    @property
    def ttfont(self):
        """fontTools' object for the face, parsed on first use only (nothing in the
        rendering path needs it: no text shaping, no colour fonts)."""
        font = self.__dict__.get("_ttfont")
        if font is None:
            from fontTools import ttLib

            font = self.__dict__["_ttfont"] = ttLib.TTFont(self.path, recalcTimestamp=False, lazy=True)
        return font

    def width(self, text: str) -> float:
        """Advance width of ``text`` in thousandths of the font size (memoised), with
        the characters this face lacks measured in their fallback face (see runs)."""
        w = self._widths.get(text)
        if w is None:
            if self.covers(text):
                cw = self.cw
                w = float(sum([cw[ch] for ch in map(ord, text)]))
            else:
                w = sum(face.width(run) for face, run in runs(self, text))
            if len(self._widths) > self.WIDTH_CACHE_LIMIT:
                self._widths.clear()
            self._widths[text] = w
        return w

    def covers(self, text: str) -> bool:
        return self.charset.issuperset(text)


_RUNS_CACHE: dict[tuple[str, str], tuple] = {}


def _fallback_face(style: str, ch: str) -> Face | None:
    cp = ord(ch)
    for family in FALLBACK_FAMILIES:
        face = get_face(family, style)
        if cp in face.codepoints:
            return face
    return None


def runs(face: Face, text: str) -> tuple:
    """``text`` split into (face, text) runs: characters the face lacks come from a
    fallback face; characters no shipped face has are replaced by their decomposition
    without accents when the face has it, else dropped."""
    if face.covers(text):
        return ((face, text),)
    key = (face.key, text)
    found = _RUNS_CACHE.get(key)
    if found is not None:
        return found
    out: list[list] = []
    for ch in text:
        target: Face | None = face if ord(ch) in face.codepoints else _fallback_face(face.style, ch)
        if target is None:
            base = "".join(
                c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)
            )
            if base and base != ch and face.covers(base):
                target, ch = face, base
            else:
                continue
        if out and out[-1][0] is target:
            out[-1][1] += ch
        else:
            out.append([target, ch])
    found = tuple((f, t) for f, t in out)
    if len(_RUNS_CACHE) > 5000:
        _RUNS_CACHE.clear()
    _RUNS_CACHE[key] = found
    return found


_FACES: dict[tuple[str, str], Face] = {}
_FACES_LOCK = threading.Lock()


def get_face(family: str, style: str = "") -> Face:
    """The process-wide parsed face (style "" / "B" / "I")."""
    key = (family, style)
    face = _FACES.get(key)
    if face is None:
        with _FACES_LOCK:
            face = _FACES.get(key)
            if face is None:
                face = Face(family, style)
                _FACES[key] = face
    return face


# --------------------------------------------------------------------------- per document


# the undecorated method (fpdf2 wraps it in functools.cache)
_BASE_GET_GLYPH = getattr(SubsetMap.get_glyph, "__wrapped__", SubsetMap.get_glyph)


class DocSubsetMap(SubsetMap):
    """fpdf2's SubsetMap with per-instance memo dicts.

    The base class memoises ``pick``/``get_glyph`` with ``functools.cache`` on the
    methods, a process-wide cache that keeps every document's map alive; these
    dictionaries die with the document.
    """

    def __init__(self, font: TTFFont) -> None:
        self._pick_memo: dict[int, int | None] = {}
        self._glyph_memo: dict[tuple, object] = {}
        super().__init__(font)

    def pick(self, unicode: int):  # type: ignore[override]
        memo = self._pick_memo
        if unicode in memo:
            return memo[unicode]
        glyph = self.get_glyph(unicode=unicode)
        if glyph is None and unicode not in self.font.missing_glyphs:
            self.font.missing_glyphs.append(unicode)
        result = self.pick_glyph(glyph)
        memo[unicode] = result
        return result

    def get_glyph(self, glyph=None, unicode=None, glyph_name=None, glyph_width=None):  # type: ignore[override]
        key = (glyph, unicode, glyph_name, glyph_width)
        memo = self._glyph_memo
        if key in memo:
            return memo[key]
        result = _BASE_GET_GLYPH(self, glyph, unicode, glyph_name, glyph_width)
        memo[key] = result
        return result


class DocFont(TTFFont):
    """A per-document copy of a shipped face's prototype ``TTFFont``."""

    __slots__ = ("face",)

    @property  # type: ignore[override]
    def ttfont(self):
        return self.face.ttfont

    @ttfont.setter
    def ttfont(self, value) -> None:  # the prototype's (None): the face parses on demand
        pass

    def encode_text(self, text: str) -> str:
        # same result as TTFFont.encode_text (non-symbol fonts), without string
        # concatenation in a loop
        pick = self.subset.pick
        mapped = "".join([chr(c) for c in map(pick, map(ord, text)) if c is not None])
        return f"({self.escape_text(mapped)}) Tj"


_PER_DOC_SLOTS = {"i", "desc", "subset", "missing_glyphs", "biggest_size_pt", "_hbfont", "color_font"}


def doc_font(face: Face, index: int) -> DocFont:
    proto = face.proto
    font = DocFont.__new__(DocFont)
    for slot in TTFFont.__slots__:
        if slot in _PER_DOC_SLOTS:
            continue
        try:
            setattr(font, slot, getattr(proto, slot))
        except AttributeError:
            pass
    font.face = face
    font.i = index
    desc = copy.copy(proto.desc)
    desc._id = None
    desc.font_name = None
    font.desc = desc
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font._hbfont = None
    font.color_font = None
    font.subset = DocSubsetMap(font)
    return font


# --------------------------------------------------------------------------- text


_CONTROL = {c: None for c in range(32) if c not in (9, 10)}
_CONTROL.update({0x7F: None, 0xAD: None, 0x200B: None, 0xFEFF: None})
_CONTROL[9] = " "
_SPACES = {c: " " for c in (0xA0, 0x2007, 0x202F, 0x2002, 0x2003, 0x2009)}


def clean_text(value: object) -> str:
    """Any JSON value -> NFC text without control characters or odd spaces."""
    if value is None or isinstance(value, (dict, list, tuple, set)):
        return ""
    if isinstance(value, bool):
        return ""
    text = value if isinstance(value, str) else str(value)
    text = unicodedata.normalize("NFC", text)
    text = text.translate(_CONTROL).translate(_SPACES)
    return text
