"""Liberation Serif for every PDF, parsed once per process.

fpdf2's `add_font` parses a TrueType file anew for each document (its character map, widths and glyph ids: about
60 ms a face, four faces a document), and every trial layout (`offset_rendering`, to keep a signature with its last
paragraph) deep-copies those tables object by object. Here each face is parsed once; a document gets its own copy
of what it changes (the subset of glyphs it uses, and a fontTools font opened afresh, because writing the PDF
subsets that font in place) and shares the rest. The widths and glyph ids map ints to ints, so a shallow copy of
them is a deep one.

Writing the PDF then subsets each face to the glyphs the document printed (fontTools), about 100 ms a document for the
four faces of the whole Liberation Serif (2,600 glyphs each). So each face is also cut once per process to the
characters documents are written in (`REPERTOIRE`: some 840 glyphs, every glyph unchanged: its name, outline, metrics
and hinting), and a document whose every glyph of a face is in that cut subsets the cut instead, keeping the bounding
boxes the cut was saved with (the cut's, enclosing every glyph it keeps) rather than measuring its glyphs again. A
document with any other character of a face (a name in Cyrillic, say) subsets the whole face, as fpdf2 does. The
embedded fonts draw the same glyphs with the same codes and widths either way (tests/unit/test_pdf_fonts.py); a
one-page decision renders in about half the CPU (bench/sign_decision.py: ~160 → ~70 ms).
"""

from __future__ import annotations

import copy
import functools
import io
from collections import defaultdict
from importlib import resources
from typing import Any

from fontTools import subset, ttLib
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont

from shared.rules.documents.model import FONT, FONT_FILES


class _Widths(defaultdict[int, float]):
    """A face's advance width per character: ints to numbers, copied shallowly even when deep-copied."""

    def __deepcopy__(self, memo: dict[int, Any]) -> _Widths:
        return _Widths(self.default_factory, self)


class _GlyphIds(dict[int, int]):
    """A face's glyph id per character: ints to ints, copied shallowly even when deep-copied."""

    def __deepcopy__(self, memo: dict[int, Any]) -> _GlyphIds:
        return _GlyphIds(self)


@functools.cache
def _parsed_faces() -> tuple[TTFFont, ...]:
    parser = FPDF()
    folder = resources.files("shared") / "data" / "fonts"
    for style, name in FONT_FILES.items():
        with resources.as_file(folder / name) as path:
            parser.add_font(FONT, style, str(path))
    return tuple(parser.fonts.values())  # type: ignore[arg-type]  # TrueType faces only, as added above


def _own_copy(face: TTFFont, index: int) -> TTFFont:
    font = copy.copy(face)
    font.i = index
    font.ttfont = ttLib.TTFont(face.ttffile, recalcTimestamp=False, lazy=True)
    widths = face.cw  # a defaultdict in fpdf2: a character the face lacks has its default width
    font.cw = _Widths(widths.default_factory if isinstance(widths, defaultdict) else None, widths)
    font.glyph_ids = _GlyphIds(face.glyph_ids)
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font.subset = SubsetMap(font)
    return font


# The characters official documents are written in: ASCII and Latin-1, Latin Extended-A and -B (đ, ơ, ư…), the
# combining marks, Vietnamese's precomposed letters (U+1EA0–U+1EF9), general punctuation (– — ‘ ’ “ ” … •), ₫, € and №.
REPERTOIRE = (
    *range(0x20, 0x7F),
    *range(0xA0, 0x250),
    *range(0x300, 0x370),
    *range(0x1EA0, 0x1EFA),
    *range(0x2000, 0x2070),
    0x20AB,
    0x20AC,
    0x2116,
)


@functools.cache
def _repertoire_cut(ttffile: str) -> tuple[bytes, frozenset[str]]:
    """The face cut to REPERTOIRE (the glyphs its characters need, composites' parts included), saved, and the names of
    the glyphs it keeps. Glyph names are kept: fpdf2 subsets by name."""
    face = ttLib.TTFont(ttffile, recalcTimestamp=False)
    options = subset.Options(notdef_outline=True, recommended_glyphs=True, glyph_names=True)
    options.drop_tables += ["FFTM"]  # FontForge's timestamp, which fontTools cannot subset (fpdf2 drops it too)
    cutter = subset.Subsetter(options)
    cutter.populate(unicodes=REPERTOIRE)
    cutter.subset(face)
    saved = io.BytesIO()
    face.save(saved)
    return saved.getvalue(), frozenset(face.getGlyphOrder())


def pdf_bytes(pdf: FPDF) -> bytes:
    """The finished document: each face subset from its repertoire cut when the document printed only glyphs the cut
    has, else from the whole face."""
    for font in pdf.fonts.values():
        if not isinstance(font, TTFFont):
            continue
        cut, names = _repertoire_cut(font.ttffile)
        if names.issuperset(font.subset.get_all_glyph_names()):
            font.ttfont.close()  # the whole face's file, opened for the document and not needed now
            font.ttfont = ttLib.TTFont(io.BytesIO(cut), recalcTimestamp=False, recalcBBoxes=False, lazy=True)
    return bytes(pdf.output())


def add_fonts(pdf: FPDF) -> None:
    """The four faces of Liberation Serif (regular, bold, italic, bold italic) into a new document."""
    for face in _parsed_faces():
        pdf.fonts[face.fontkey] = _own_copy(face, len(pdf.fonts) + 1)
