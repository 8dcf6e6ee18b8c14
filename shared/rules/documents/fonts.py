"""Liberation Serif for every PDF, parsed once per process.

fpdf2's `add_font` parses a TrueType file anew for each document (its character map, widths and glyph ids: about
60 ms a face, four faces a document), and every trial layout (`offset_rendering`, to keep a signature with its last
paragraph) deep-copies those tables object by object. Here each face is parsed once; a document gets its own copy
of what it changes (the subset of glyphs it uses, and a fontTools font opened afresh, because writing the PDF
subsets that font in place) and shares the rest. The widths and glyph ids map ints to ints, so a shallow copy of
them is a deep one. The bytes of every PDF are the same as with `add_font` (tests/unit/test_pdf_fonts.py).
"""

from __future__ import annotations

import copy
import functools
from collections import defaultdict
from importlib import resources
from typing import Any

from fontTools import ttLib
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


def add_fonts(pdf: FPDF) -> None:
    """The four faces of Liberation Serif (regular, bold, italic, bold italic) into a new document."""
    for face in _parsed_faces():
        pdf.fonts[face.fontkey] = _own_copy(face, len(pdf.fonts) + 1)
