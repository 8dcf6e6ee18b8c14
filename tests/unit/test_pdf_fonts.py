"""The fonts of shared.rules.documents.fonts (faces parsed once per process, subset from their repertoire cut) print what
fpdf2 alone prints, its own `add_font` and output: every sample document and a sheet of certificates, one after another
in one process, so that nothing one document used leaks into the next.

The cut changes only the embedded fonts' bounding boxes (the cut's, not re-measured): every other object of the PDF is
the same, and each embedded font draws the same glyphs, with the same outlines, codes and widths, inside its boxes. A
document with a character outside the repertoire is fpdf2's own, byte for byte."""

from __future__ import annotations

import dataclasses
import io
import re
from importlib import resources
from typing import Any

import pytest
from fontTools import ttLib
from fpdf import FPDF
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

from shared.rules.documents import certificate_pdf, certificates_pdf, pdf, to_pdf
from shared.rules.documents.model import FONT, FONT_FILES
from tests.document_samples import SAMPLES, decision_certificates

TRUETYPE = (b"\x00\x01\x00\x00", b"true")
BOUNDING = ("head", "hhea", "maxp")  # the tables whose summary of the glyphs (boxes, extremes, counts) the cut keeps


def add_font_each_time(target: FPDF) -> None:
    """What the documents did before: fpdf2 parses each face for each document."""
    folder = resources.files("shared") / "data" / "fonts"
    for style, name in FONT_FILES.items():
        with resources.as_file(folder / name) as path:
            target.add_font(FONT, style, str(path))


def fpdf_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    for module in (pdf, certificate_pdf):
        monkeypatch.setattr(module, "add_fonts", add_font_each_time)
        monkeypatch.setattr(module, "pdf_bytes", lambda document: bytes(document.output()))


def without_creation_time(data: bytes) -> bytes:
    """The bytes but the creation time and the file identifier fpdf2 derives from it."""
    return re.sub(rb"/ID \[<[0-9A-F]+><[0-9A-F]+>\]", b"", re.sub(rb"/CreationDate \(D:\d+Z?\)", b"", data))


def printed() -> list[bytes]:
    builds = list(SAMPLES.values())
    printed = [to_pdf(build()) for build in builds]
    printed.append(certificates_pdf(decision_certificates(3)))
    printed.append(to_pdf(builds[0]()))  # the first again, after all the others
    return [without_creation_time(data) for data in printed]


def plain(obj: Any) -> Any:
    """A PDF object as plain values: a reference as its object's number."""
    if isinstance(obj, IndirectObject):
        return ("ref", obj.idnum)
    if isinstance(obj, DictionaryObject):
        return {str(k): plain(v) for k, v in obj.items() if k not in ("/Length", "/Length1")}
    if isinstance(obj, ArrayObject):
        return [plain(v) for v in obj]
    return repr(obj)


def objects(data: bytes) -> dict[int, Any]:
    """Every object of the PDF by number: a stream as its entries (but its lengths) and its decoded data."""
    reader = PdfReader(io.BytesIO(data))
    found: dict[int, Any] = {}
    for number in sorted(reader.xref[0]):
        obj = reader.get_object(number)
        found[number] = (plain(obj), obj.get_data()) if isinstance(obj, StreamObject) else plain(obj)
    return found


def assert_draws_the_same(ours: bytes, theirs: bytes) -> None:
    ours_font, theirs_font = ttLib.TTFont(io.BytesIO(ours)), ttLib.TTFont(io.BytesIO(theirs))
    assert sorted(ours_font.keys()) == sorted(theirs_font.keys())
    assert ours_font.getGlyphOrder() == theirs_font.getGlyphOrder()
    for tag in ours_font.keys():  # noqa: SIM118 (a TTFont has keys but no iterator)
        if tag not in (*BOUNDING, "glyf", "loca", "GlyphOrder"):
            assert ours_font.getTableData(tag) == theirs_font.getTableData(tag), tag
    ours_glyphs, theirs_glyphs, head = ours_font["glyf"], theirs_font["glyf"], ours_font["head"]
    for name in ours_font.getGlyphOrder():
        glyph = ours_glyphs[name]
        assert glyph.compile(ours_glyphs, recalcBBoxes=False) == theirs_glyphs[name].compile(theirs_glyphs, recalcBBoxes=False)
        if glyph.numberOfContours:
            glyph.recalcBounds(ours_glyphs)
            inside = (head.xMin <= glyph.xMin, glyph.xMax <= head.xMax, head.yMin <= glyph.yMin, glyph.yMax <= head.yMax)
            assert all(inside), name


def assert_same_document(ours: bytes, theirs: bytes) -> None:
    ours_objects, theirs_objects = objects(ours), objects(theirs)
    assert ours_objects.keys() == theirs_objects.keys()
    fonts = 0
    for number, ours_object in ours_objects.items():
        theirs_object = theirs_objects[number]
        if isinstance(ours_object, tuple) and ours_object[1][:4] in TRUETYPE:
            assert ours_object[0] == theirs_object[0]
            assert_draws_the_same(ours_object[1], theirs_object[1])
            fonts += 1
        else:
            assert ours_object == theirs_object, number
    assert fonts >= 1


def test_every_document_draws_what_fpdf_alone_draws_and_nothing_leaks_from_one_to_the_next(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ours = printed()
    fpdf_alone(monkeypatch)
    theirs = printed()

    assert len(ours) == len(theirs)
    for mine, fpdfs in zip(ours, theirs, strict=True):
        assert mine != fpdfs  # the cut's boxes: the test compares what differs
        assert_same_document(mine, fpdfs)
    assert ours[0] == ours[-1]


def embedded_fonts(data: bytes) -> list[bytes]:
    return [obj[1] for obj in objects(data).values() if isinstance(obj, tuple) and obj[1][:4] in TRUETYPE]


def test_a_face_that_printed_a_character_outside_the_repertoire_is_fpdfs_own(monkeypatch: pytest.MonkeyPatch) -> None:
    [certificate] = decision_certificates(1)
    foreign = [dataclasses.replace(certificate, nominee_name="Иван Петрович Сидоров")]  # Cyrillic: not in the cut

    ours = without_creation_time(certificates_pdf(foreign))
    fpdf_alone(monkeypatch)
    theirs = without_creation_time(certificates_pdf(foreign))

    assert_same_document(ours, theirs)
    whole = [font for font in embedded_fonts(ours) if "uni0418" in ttlib_glyphs(font) or "afii10026" in ttlib_glyphs(font)]
    assert len(whole) == 1  # the face of the name: subset from the whole face, as fpdf2 alone does
    assert whole[0] in embedded_fonts(theirs)


def ttlib_glyphs(font: bytes) -> list[str]:
    names: list[str] = ttLib.TTFont(io.BytesIO(font)).getGlyphOrder()
    return names
