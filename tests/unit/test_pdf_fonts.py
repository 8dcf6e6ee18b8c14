"""The faces parsed once per process (shared.rules.documents.fonts) print exactly what fpdf2's own `add_font` prints:
every sample document and a sheet of certificates, byte for byte (but the creation time and the /ID made from it),
one after another in one process, so that nothing one document used leaks into the next."""

from __future__ import annotations

import re
from importlib import resources

import pytest
from fpdf import FPDF

from shared.rules.documents import certificate_pdf, certificates_pdf, pdf, to_pdf
from shared.rules.documents.model import FONT, FONT_FILES
from tests.document_samples import SAMPLES, decision_certificates


def add_font_each_time(target: FPDF) -> None:
    """What the documents did before: fpdf2 parses each face for each document."""
    folder = resources.files("shared") / "data" / "fonts"
    for style, name in FONT_FILES.items():
        with resources.as_file(folder / name) as path:
            target.add_font(FONT, style, str(path))


def without_creation_time(data: bytes) -> bytes:
    """The bytes but the creation time and the file identifier fpdf2 derives from it."""
    return re.sub(rb"/ID \[<[0-9A-F]+><[0-9A-F]+>\]", b"", re.sub(rb"/CreationDate \(D:\d+Z?\)", b"", data))


def printed() -> list[bytes]:
    builds = list(SAMPLES.values())
    printed = [to_pdf(build()) for build in builds]
    printed.append(certificates_pdf(decision_certificates(3)))
    printed.append(to_pdf(builds[0]()))  # the first again, after all the others
    return [without_creation_time(data) for data in printed]


def test_every_document_prints_the_same_bytes_as_with_fpdfs_own_add_font(monkeypatch: pytest.MonkeyPatch) -> None:
    parsed_once = printed()
    monkeypatch.setattr(pdf, "add_fonts", add_font_each_time)
    monkeypatch.setattr(certificate_pdf, "add_fonts", add_font_each_time)
    assert printed() == parsed_once
    assert parsed_once[0] == parsed_once[-1]
