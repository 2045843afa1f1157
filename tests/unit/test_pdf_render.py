"""chapchap.pdf: CV layouts × sample CVs, Unicode, themes, photos, generic documents.

Every PDF is read back with pypdf: text extraction, page count, metadata, fonts. No
wall-clock assertions here (see bench/pdf_render.py for timings).
"""
from __future__ import annotations

import copy
import io
import json
import re
import unicodedata
from pathlib import Path

import pytest
from pypdf import PdfReader

from chapchap.pdf import FONT_FAMILIES, LAYOUTS, render_cv, render_document

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "cvs"
FIXTURE_NAMES = ("one_page", "two_pages", "three_pages", "unicode")
UNICODE_NAMES = ("Ngũgĩ wa Thiong'o", "Zoë Ørsted-Müller", "Đặng Thị Hương")

SECTION_TITLES = {
    "work": "Experience", "education": "Education", "skills": "Skills", "languages": "Languages",
    "projects": "Projects", "certificates": "Certificates", "awards": "Awards",
    "volunteer": "Volunteering", "publications": "Publications", "interests": "Interests",
    "references": "References",
}


def load(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def read(pdf: bytes) -> PdfReader:
    assert pdf.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(pdf))


def text_of(reader: PdfReader) -> str:
    return unicodedata.normalize("NFC", "\n".join(page.extract_text() for page in reader.pages))


def expected_titles(content: dict) -> list[str]:
    titles = ["Summary"] if content.get("basics", {}).get("summary") else []
    titles += [title for key, title in SECTION_TITLES.items() if content.get(key)]
    return titles


def png(width: int = 24, height: int = 30) -> bytes:
    from PIL import Image  # fpdf2 depends on Pillow

    img = Image.new("RGB", (width, height), (200, 120, 60))
    for x in range(width):
        img.putpixel((x, height // 2), (20, 40, 200))
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def image_count(reader: PdfReader) -> int:
    count = 0
    for page in reader.pages:
        xobjects = page["/Resources"].get("/XObject") or {}
        count += sum(1 for x in xobjects.values() if x.get_object().get("/Subtype") == "/Image")
    return count


def fonts_of(reader: PdfReader) -> dict[str, dict]:
    """BaseFont -> descendant font dict, over all pages."""
    fonts = {}
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            fonts[str(font["/BaseFont"])] = font["/DescendantFonts"][0].get_object()
    return fonts


@pytest.fixture(scope="module")
def rendered() -> dict[tuple[str, str], tuple[bytes, PdfReader, str]]:
    out = {}
    for name in FIXTURE_NAMES:
        content = load(name)
        for layout in LAYOUTS:
            pdf = render_cv(content, layout=layout, title=f"CV of {name}", author="Test Author")
            reader = read(pdf)
            out[(name, layout)] = (pdf, reader, text_of(reader))
    return out


def test_public_api():
    assert LAYOUTS == ("classic", "modern", "compact")
    assert isinstance(FONT_FAMILIES, tuple) and len(FONT_FAMILIES) >= 2
    assert all(isinstance(f, str) for f in FONT_FAMILIES)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_layout_renders_fixture(rendered, name, layout):
    content = load(name)
    _pdf, reader, text = rendered[(name, layout)]
    assert unicodedata.normalize("NFC", content["basics"]["name"]) in text
    for title in expected_titles(content):
        assert title in text, f"section {title!r} missing in {name}/{layout}"
    pages = len(reader.pages)
    assert f"Page 1 of {pages}" in text
    assert f"Page {pages} of {pages}" in text
    meta = reader.metadata
    assert meta.title == f"CV of {name}"
    assert meta.author == "Test Author"
    assert meta.get("/Creator") == "CV Chap Chap"
    assert "\ufffd" not in text
    box = reader.pages[0].mediabox  # A4 portrait
    assert round(float(box.width)) == 595 and round(float(box.height)) == 842


@pytest.mark.parametrize("layout", LAYOUTS)
def test_page_counts(rendered, layout):
    assert len(rendered[("one_page", layout)][1].pages) == 1
    assert len(rendered[("two_pages", layout)][1].pages) == 2
    assert len(rendered[("three_pages", layout)][1].pages) >= (3 if layout == "classic" else 2)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_unicode_names_exact(rendered, layout):
    text = rendered[("unicode", layout)][2]
    for name in UNICODE_NAMES:
        assert name in text, f"{name!r} not extracted from {layout}"
    assert "?" not in text  # nothing replaced (the fixture has no question mark)
    for fragment in ("–", "•", "’", "“Pamoja tutashinda.”", "Kiswahili", "Gĩkũyũ", "Tiếng Việt"):
        assert fragment in text, fragment


@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_page_has_the_name_and_dates_are_formatted(rendered, layout):
    text = rendered[("three_pages", layout)][2]
    assert "Feb 2023 – Present" in text  # open-ended range
    assert "Feb 2021 – Jan 2023" in text
    assert "2023-02" not in text


def test_fonts_are_embedded_subsets(rendered):
    for (_name, _layout), (_pdf, reader, _text) in rendered.items():
        for base_font, descendant in fonts_of(reader).items():
            assert re.match(r"^/[A-Z]{6}\+", base_font), base_font  # subset tag
            font_file = descendant["/FontDescriptor"]["/FontFile2"].get_object()
            assert font_file["/Length1"] < 80_000  # a subset, not the whole face


def test_documents_do_not_share_state():
    """A render between two renders of the same CV changes nothing (no glyph leak)."""
    one, uni = load("one_page"), load("unicode")
    first = render_cv(one, layout="modern")
    render_cv(uni, layout="modern")
    again = render_cv(one, layout="modern")
    strip = re.compile(rb"/(CreationDate|ModDate) \([^)]*\)|/ID \[[^\]]*\]")
    assert strip.sub(b"", first) == strip.sub(b"", again)
    assert "Ngũgĩ" not in text_of(read(again))


def test_unknown_keys_and_odd_values_are_ignored():
    content = copy.deepcopy(load("two_pages"))
    content["$schema"] = "https://jsonresume.org/schema"
    content["meta"] = {"theme": "elegant", "version": "v1.0.0"}
    content["something"] = [1, {"x": None}]
    content["basics"]["mystery"] = {"deep": ["value"]}
    content["work"][0]["extra"] = 42
    content["work"].append("not a dict")
    content["work"].append({"position": None, "highlights": "one highlight only", "startDate": 2020})
    content["skills"].append({"name": "", "keywords": []})
    for layout in LAYOUTS:
        text = text_of(read(render_cv(content, layout=layout)))
        assert "Baraka Mwakyusa" in text
        assert "one highlight only" in text
        assert "elegant" not in text


@pytest.mark.parametrize("layout", LAYOUTS)
def test_empty_and_minimal_content(layout):
    reader = read(render_cv({}, layout=layout))
    assert len(reader.pages) == 1
    assert "Page 1 of 1" in text_of(reader)
    reader = read(render_cv({"basics": {"name": "Asha"}}, layout=layout))
    assert "Asha" in text_of(reader)
    assert reader.metadata.title == "Asha – CV"  # defaults from the CV
    assert reader.metadata.author == "Asha"


def test_sections_only_when_not_empty():
    content = {"basics": {"name": "Asha", "summary": ""}, "work": [], "skills": [{"name": "Go"}],
               "awards": [{}], "languages": [{"language": "Swahili", "fluency": "Native"}]}
    for layout in LAYOUTS:
        text = text_of(read(render_cv(content, layout=layout)))
        assert "Skills" in text and "Languages" in text
        for absent in ("Summary", "Experience", "Awards"):
            assert absent not in text


def test_nfd_input_is_normalised():
    content = {"basics": {"name": unicodedata.normalize("NFD", "Zoë Ørsted-Müller")}}
    text = text_of(read(render_cv(content, layout="classic")))
    assert "Zoë Ørsted-Müller" in text


def test_unknown_layout_is_refused():
    with pytest.raises(ValueError):
        render_cv(load("one_page"), layout="fancy")


@pytest.mark.parametrize("layout", LAYOUTS)
def test_bad_theme_values_fall_back_to_defaults(layout):
    theme = {
        "colors": {"primary": "red", "accent": "#12", "text": [1, 2], "muted": None,
                   "sidebar_bg": "#GGGGGG", "sidebar_text": 7},
        "fonts": {"heading": "Comic Sans MS", "body": 12},
        "margins": {"top": -10, "right": "wide", "bottom": 10_000, "left": None},
        "font_size": "big",
        "unknown": True,
    }
    for bad in (theme, "not a dict", {"colors": "blue", "fonts": [], "margins": 3}):
        reader = read(render_cv(load("one_page"), layout=layout, theme=bad))
        assert "Amina Juma" in text_of(reader)
        assert len(reader.pages) == 1


def test_theme_colours_and_fonts_are_used():
    theme = {"colors": {"primary": "#FF0000"}, "fonts": {"heading": "open-sans", "body": "Noto Serif"}}
    reader = read(render_cv(load("one_page"), layout="classic", theme=theme))
    stream = reader.pages[0].get_contents().get_data()
    assert re.search(rb"(^|\s)1(\.0+)? 0(\.0+)? 0(\.0+)? (rg|RG)", stream)
    names = " ".join(fonts_of(reader))
    assert "OpenSans" in names and "NotoSerif" in names
    default = read(render_cv(load("one_page"), layout="modern"))
    assert any("OpenSans" in n for n in fonts_of(default))


def test_every_font_family_renders_unicode():
    content = load("unicode")
    for family in FONT_FAMILIES:
        theme = {"fonts": {"heading": family, "body": family}}
        text = text_of(read(render_cv(content, layout="compact", theme=theme)))
        for name in UNICODE_NAMES:
            assert name in text, (family, name)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_photo(layout):
    reader = read(render_cv(load("one_page"), layout=layout, photo=png()))
    assert image_count(reader) == (0 if layout == "compact" else 1)
    assert "Amina Juma" in text_of(reader)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("photo", [b"not an image at all", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, b"", png()[:40]])
def test_broken_photo_is_skipped(layout, photo):
    reader = read(render_cv(load("one_page"), layout=layout, photo=photo))
    assert image_count(reader) == 0
    assert "Amina Juma" in text_of(reader)


def test_photo_formats():
    from PIL import Image

    for fmt, mode in (("JPEG", "RGB"), ("WEBP", "RGB"), ("PNG", "RGBA"), ("PNG", "P")):
        img = Image.new(mode, (50, 80))
        out = io.BytesIO()
        img.save(out, format=fmt)
        reader = read(render_cv(load("one_page"), layout="modern", photo=out.getvalue()))
        assert image_count(reader) == 1, fmt


def test_render_document():
    pdf = render_document("Receipt CCC-1", "CV Chap Chap", [
        {"type": "heading", "text": "Payment receipt"},
        {"type": "paragraph", "text": "Asante! Thank you for your payment – Ngũgĩ wa Thiong'o."},
        {"type": "kv", "items": [["Reference", "CCC-2024-0001"], ["Method", "Mobile money"]]},
        {"type": "spacer"},
        {"type": "table", "columns": ["Item", "Qty", "Amount"],
         "rows": [["CV download (modern)", "1", "TZS 5,000"], ["Total", "", "TZS 5,000"]],
         "align": ["L", "C", "R"]},
        {"type": "heading", "text": "Notes", "level": 2},
        {"type": "rule"},
        {"type": "unknown"},
        "not a block",
    ])
    reader = read(pdf)
    text = text_of(reader)
    assert len(reader.pages) == 1
    assert reader.metadata.title == "Receipt CCC-1"
    assert reader.metadata.author == "CV Chap Chap"
    for fragment in ("Payment receipt", "Ngũgĩ wa Thiong'o", "CCC-2024-0001", "Item", "Amount",
                     "CV download (modern)", "TZS 5,000", "Total", "Notes", "Page 1 of 1"):
        assert fragment in text, fragment


def test_render_document_long_table_flows_over_pages():
    rows = [[f"Row {i}", str(i), f"{i * 100:,}"] for i in range(120)]
    reader = read(render_document("Report", "Admin", [
        {"type": "table", "columns": ["Name", "N", "Value"], "rows": rows, "align": ["L", "R", "R"]},
    ]))
    text = text_of(reader)
    assert len(reader.pages) >= 2
    assert "Row 0" in text and "Row 119" in text
    assert f"Page 1 of {len(reader.pages)}" in text


def test_fast_font_parser_matches_fpdf2():
    """The per-process prototype fonts are built without fontTools; they must hold exactly
    what fpdf2's own TTFFont parser finds in the shipped files."""
    from chapchap.pdf import _fonts

    for family, styles in _fonts.FONT_FILES.items():
        for style in styles:
            face = _fonts.get_face(family, style)
            fast, ref = face.proto, face.fpdf_proto()
            for attr in ("scale", "name", "up", "ut", "sp", "ss", "emphasis", "is_symbol"):
                assert getattr(fast, attr) == getattr(ref, attr), (family, style, attr)
            for attr in ("ascent", "descent", "cap_height", "flags", "font_b_box", "italic_angle",
                         "stem_v", "missing_width"):
                assert getattr(fast.desc, attr) == getattr(ref.desc, attr), (family, style, attr)
            assert dict(fast.cw) == dict(ref.cw)
            assert fast.glyph_ids == ref.glyph_ids
            assert set(fast.cmap) == set(ref.cmap)


def test_subset_font_is_valid_truetype():
    from fontTools.ttLib import TTFont

    from chapchap.pdf import _fonts

    face = _fonts.get_face("Noto Sans", "")
    text = "Đặng Thị Hương Ngũgĩ Zoë Ørsted-Müller – • ’ Ǻ"
    gids = {ord(ch): face.proto.glyph_ids[ord(ch)] for ch in text if ord(ch) in face.proto.glyph_ids}
    data, new_ids = face.program.subset(gids.values(), gids)
    font = TTFont(io.BytesIO(data))
    order = font.getGlyphOrder()
    assert font["maxp"].numGlyphs == len(order) == len(new_ids) < 80
    for name in order:  # every glyph, composites included, decompiles
        font["glyf"][name].getCoordinates(font["glyf"])
    cmap = font.getBestCmap()
    assert {ord(ch) for ch in "ĐặịươũĩØü–•’"} <= set(cmap)
    assert font["hmtx"][cmap[ord("Đ")]][0] == face.program.metrics(gids[ord("Đ")])[0]
