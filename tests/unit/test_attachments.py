"""Dossier attachments: the type by content, the limits, and the award's required documents."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.contracts.errors import ValidationFailed
from shared.rules import attachments as att
from shared.rules.catalog import catalog_version, catalogs_on
from tests.samples import sample_docx, sample_pdf, sample_png

RULES = att.rules_on(date(2026, 3, 2), att.RULES_FILE)
AWARD = catalogs_on(date(2026, 3, 2)).get("giay_khen_ldld_huyen")
NAMES = att.document_names(catalogs_on(date(2026, 3, 2)).catalogs)


def test_the_shipped_rules_take_10_mb_20_files_50_mb_and_enforce_required_documents() -> None:
    shipped = att.rules_on(date(2026, 11, 25), att.RULES_FILE)
    assert (shipped.max_file_bytes, shipped.max_files, shipped.max_total_bytes) == (10 * 1024 * 1024, 20, 50 * 1024 * 1024)
    assert set(shipped.allowed_types) == {"pdf", "jpeg", "png", "docx", "xlsx"}
    assert shipped.require_documents is True
    assert shipped.confirmed is False
    assert att.rules_on(date(2024, 1, 1), att.RULES_FILE).require_documents is True
    with pytest.raises(LookupError):
        att.rules_on(date(2023, 12, 31), att.RULES_FILE)


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (sample_pdf(), "pdf"),
        (sample_png(), "png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32, "jpeg"),
        (sample_docx(), "docx"),
        (b"MZ\x90\x00" + b"\x00" * 60, "executable"),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 60, "executable"),
        (b"#!/bin/sh\nrm -rf /\n", "executable"),
        (sample_docx(macros=True), "docx"),  # a Word document by type; its macros are found by reading it (check_file)
        (sample_docx(macro_enabled_type=True), "executable"),  # declared macro-enabled (.docm)
        (b"PK\x03\x04not really a zip", None),
        (b"plain text, no signature", None),
    ],
)
def test_the_type_comes_from_the_content(data: bytes, kind: str | None) -> None:
    """filetype names the format (%PDF- must open the file, not sit somewhere in its first KB), oletools' ftguess what
    an Office zip is from its declared content types."""
    assert att.sniff(data) == kind


def test_an_xlsx_is_recognised_from_its_workbook_part() -> None:
    from shared.rules.documents import OfficialDocument, to_xlsx

    doc = OfficialDocument(
        kind="DANH SÁCH", subject="Danh sách đề nghị", issuer="CĐCS", number_text="1", place="Hà Nội", issued_on=date(2026, 1, 5)
    )
    assert att.sniff(to_xlsx(doc)) == "xlsx"


def test_a_good_pdf_is_taken_with_its_sha256_and_media_type() -> None:
    data = sample_pdf()
    checked = att.check_file("C:\\Hồ sơ\\Tờ trình.pdf", data, RULES, field="attachments.to_trinh")
    assert checked.filename == "Tờ trình.pdf"  # the path the browser sent is dropped
    assert (checked.kind, checked.media_type, checked.size) == ("pdf", "application/pdf", len(data))
    assert checked.sha256 == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(
    ("filename", "data", "code"),
    [
        ("to-trinh.pdf", b"", "attachment_empty"),
        ("setup.pdf", b"MZ" + b"\x00" * 100, "attachment_executable"),
        ("bao-cao.exe", sample_pdf(), "attachment_executable"),
        ("bao-cao.docm", sample_docx(macros=True), "attachment_executable"),
        ("bao-cao.docx", sample_docx(macros=True), "attachment_executable"),
        ("to-trinh.pdf", b"<html><script>alert(1)</script>" + sample_pdf(), "attachment_type_not_allowed"),
        ("ghi-chu.txt", b"hello", "attachment_type_not_allowed"),
        ("anh.png", sample_pdf(), "attachment_extension_mismatch"),
        ("to-trinh", sample_pdf(), "attachment_extension_mismatch"),
        ("   ", sample_pdf(), "attachment_filename_missing"),
    ],
)
def test_refused_files_name_the_field_with_a_stable_code(filename: str, data: bytes, code: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        att.check_file(filename, data, RULES, field="attachments.bao_cao_thanh_tich")
    assert refused.value.code == code
    assert [f.field for f in refused.value.fields] == ["attachments.bao_cao_thanh_tich"]


def test_a_file_over_the_limit_is_refused_before_its_type_is_looked_at() -> None:
    small = RULES.model_copy(update={"max_file_bytes": 1000})
    with pytest.raises(ValidationFailed) as refused:
        att.check_file("to-trinh.pdf", b"%PDF-1.7" + b"0" * 1000, small)
    assert refused.value.code == "attachment_too_large"
    assert "1000 B" in refused.value.title or "KB" in refused.value.title


def test_an_allowed_type_list_can_narrow_what_is_taken() -> None:
    pdf_only = RULES.model_copy(update={"allowed_types": ("pdf",)})
    with pytest.raises(ValidationFailed) as refused:
        att.check_file("anh.png", sample_png(), pdf_only)
    assert refused.value.code == "attachment_type_not_allowed"


@given(st.lists(st.integers(min_value=1, max_value=20 * 1024 * 1024), max_size=30))
def test_totals_refuse_exactly_when_a_limit_is_passed(sizes: list[int]) -> None:
    too_many = len(sizes) > RULES.max_files
    too_big = sum(sizes) > RULES.max_total_bytes
    if not (too_many or too_big):
        att.check_totals(sizes, RULES)
        return
    with pytest.raises(ValidationFailed) as refused:
        att.check_totals(sizes, RULES)
    assert refused.value.code == ("too_many_attachments" if too_many else "attachments_too_large")
    assert refused.value.fields[0].field == "attachments"


@given(st.sets(st.sampled_from(["to_trinh", "bao_cao_thanh_tich", "bien_ban_hop", "danh_sach", "tom_tat_thanh_tich"])))
def test_missing_required_documents_are_refused_only_when_enforced(present: set[str]) -> None:
    assert AWARD is not None
    missing = [d for d in AWARD.documents if d not in present]
    assert att.missing_documents(AWARD, present) == missing
    optional = RULES.model_copy(update={"require_documents": False})
    assert att.require_documents(AWARD, present, optional, NAMES) == missing  # not enforced: listed, not refused
    enforced = RULES
    if not missing:
        assert att.require_documents(AWARD, present, enforced, NAMES) == []
        return
    with pytest.raises(ValidationFailed) as refused:
        att.require_documents(AWARD, present, enforced, NAMES)
    assert refused.value.code == "missing_documents"
    assert [f.field for f in refused.value.fields] == [f"attachments.{d}" for d in missing]
    assert all(f.message.startswith("Thiếu tài liệu bắt buộc: ") for f in refused.value.fields)
    assert NAMES["to_trinh"] == "Tờ trình đề nghị khen thưởng"


def test_an_optional_document_is_not_required() -> None:
    assert AWARD is not None
    award = AWARD.model_copy(update={"optional_documents": ["bien_ban_hop"]})
    assert att.required_documents(award) == ["to_trinh", "bao_cao_thanh_tich"]
    enforced = RULES.model_copy(update={"require_documents": True})
    assert att.require_documents(award, ["to_trinh", "bao_cao_thanh_tich"], enforced, NAMES) == []


def test_a_document_the_award_does_not_list_is_refused() -> None:
    assert AWARD is not None
    with pytest.raises(ValidationFailed) as refused:
        att.check_document_types(AWARD, ["to_trinh", "sang_kien_proof"], NAMES)
    assert refused.value.code == "attachment_document_type_unknown"
    assert [f.field for f in refused.value.fields] == ["attachments.sang_kien_proof"]


def test_the_catalogue_refuses_an_optional_document_the_award_does_not_list(tmp_path: Path) -> None:
    version = catalog_version("union-2025.1")
    award = version.awards[0]
    data = version.model_dump(mode="json")
    data["awards"] = [{**a, "criteria": [], "catalog": None} for a in data["awards"] if a["code"] == award.code]
    data["awards"][0]["optional_documents"] = ["danh_sach_khong_co"]
    with pytest.raises(ValueError, match="optional_documents"):
        type(version).model_validate(data)


def test_sizes_read_the_vietnamese_way() -> None:
    assert att.format_size(12) == "12 B"
    assert att.format_size(820 * 1024) == "820 KB"
    assert att.format_size(int(1.5 * 1024 * 1024)) == "1,5 MB"


@given(
    st.sampled_from([sample_pdf(), sample_png(), sample_docx(), sample_docx(macros=True), b"MZ\x00\x00", b"GIF89a", b""]),
    st.sampled_from([".pdf", ".png", ".jpg", ".jpeg", ".docx", ".xlsx", ".exe", ".txt", ""]),
    st.binary(max_size=64),
)
def test_a_taken_file_is_always_an_allowed_type_whose_extension_matches_its_content(
    head: bytes, extension: str, tail: bytes
) -> None:
    data = head + tail if head[:2] != b"PK" else head  # appending to a zip may still leave a readable archive; keep it whole
    try:
        checked = att.check_file(f"tai-lieu{extension}", data, RULES)
    except ValidationFailed as refused:
        assert refused.code in {  # noqa: PT017
            "attachment_empty",
            "attachment_executable",
            "attachment_type_not_allowed",
            "attachment_extension_mismatch",
            "attachment_polyglot",  # bytes appended after a PDF's %%EOF or a PNG's IEND
            "attachment_corrupt",
        }
        return
    assert checked.kind in RULES.allowed_types
    assert extension in att.EXTENSIONS[checked.kind]
    assert att.sniff(data) == checked.kind


def test_the_console_refuses_a_form_declared_larger_than_a_whole_dossier_before_reading_it() -> None:
    from starlette.requests import Request

    from services.portal.web.dossier_files import FORM_OVERHEAD_BYTES, refuse_oversized_form

    class Rules:
        def attachment_rules(self) -> att.AttachmentRules:
            return RULES

    def request(length: int) -> Request:
        return Request({"type": "http", "method": "POST", "headers": [(b"content-length", str(length).encode())]})

    refuse_oversized_form(request(RULES.max_total_bytes + FORM_OVERHEAD_BYTES), Rules())  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed) as refused:
        refuse_oversized_form(request(RULES.max_total_bytes + FORM_OVERHEAD_BYTES + 1), Rules())  # type: ignore[arg-type]
    assert refused.value.code == "attachments_too_large"
    assert refused.value.fields[0].field == "attachments"
