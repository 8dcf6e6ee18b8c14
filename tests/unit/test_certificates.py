"""Certificates (văn bằng): one landscape page per Bằng khen or Giấy khen of a decision, in the decision's order, read
back from the PDF with pypdf (page size, text, positions, fonts); a 200-character name stays in its box; awards' use
case on fakes prints them for whoever may read the decision and refuses a tờ trình and a revoked decision."""

from __future__ import annotations

import base64
import io
import unicodedata
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pypdf
import pytest
import pytest_asyncio

from services.awards.domain.certificate import (
    achievement_line,
    certificate_title,
    certificates_of,
    has_certificate,
    period_phrase,
)
from services.awards.usecases import certificates, decisions, revocation
from shared.contracts.errors import Conflict, Forbidden, NotFound
from shared.contracts.events import NominationApproved, NominationsApproved, NominationSnapshot, Nominee
from shared.contracts.operations.awards import CertificatesRequest, DecisionById, RevokeDecision
from shared.rules.documents import Certificate, certificates_pdf, load_layout
from shared.rules.documents.certificate import text_lines
from shared.rules.documents.model import LAYOUT_FILE
from tests.document_samples import LONG_NAME, certified_decision, decision_certificates
from tests.fakes.awards import FakeAwards, approve_and_sign, fake_awards, sign_drafts
from tests.unit.factories import TREE, actor, path, unit

A4 = (841.89, 595.28)  # landscape, in points
A3 = (1190.55, 841.89)
MM_PT = 72 / 25.4
Placed = tuple[str, float, float]  # text, x, y (PDF points, origin bottom left)


def pages_of(data: bytes) -> list[list[Placed]]:
    pages = []
    for page in pypdf.PdfReader(io.BytesIO(data)).pages:
        found: list[Placed] = []

        def visit(text: str, cm: list[float], tm: list[float], font: object, size: float, found: list[Placed] = found) -> None:
            if text.strip():
                found.append((unicodedata.normalize("NFC", text.strip()), tm[4], tm[5]))

        page.extract_text(visitor_text=visit)
        pages.append(found)
    return pages


def sizes(data: bytes) -> list[tuple[float, float]]:
    return [
        (round(float(p.mediabox.width), 2), round(float(p.mediabox.height), 2)) for p in pypdf.PdfReader(io.BytesIO(data)).pages
    ]


def words(data: bytes) -> list[list[str]]:
    return [unicodedata.normalize("NFC", p.extract_text()).split() for p in pypdf.PdfReader(io.BytesIO(data)).pages]


def at(page: list[Placed], needle: str) -> list[tuple[float, float]]:
    return [(x, y) for text, x, y in page if needle in text]


@pytest.fixture(scope="module")
def four() -> tuple[list[Certificate], bytes]:
    printed = decision_certificates(4)
    return printed, certificates_pdf(printed)


# The page


def test_each_nominee_gets_one_landscape_a4_page_in_the_decisions_order(four: tuple[list[Certificate], bytes]) -> None:
    printed, data = four
    assert sizes(data) == [A4] * 4
    _, entries, _ = certified_decision(4)
    for page, entry in zip(words(data), entries, strict=True):
        assert " ".join(entry.nominee_name.split()) in " ".join(page)
    assert [c.register_number for c in printed] == [f"15/QĐ-LĐLĐ – {i}" for i in range(1, 5)]


def test_a3_is_the_same_page_larger() -> None:
    printed = decision_certificates(2)
    a4, a3 = certificates_pdf(printed), certificates_pdf(printed, "A3")
    assert sizes(a3) == [A3] * 2
    assert words(a3) == words(a4)
    scale = A3[0] / A4[0]
    (x4, y4), (x3, y3) = at(pages_of(a4)[0], "GIẤY KHEN")[0], at(pages_of(a3)[0], "GIẤY KHEN")[0]
    assert x3 == pytest.approx(x4 * scale, abs=1)
    assert y3 == pytest.approx(y4 * scale, abs=1)


def test_the_page_prints_every_line_of_the_certificate_and_nothing_else(four: tuple[list[Certificate], bytes]) -> None:
    printed, data = four
    for cert, page in zip(printed, words(data), strict=True):
        assert page == " ".join(text_lines(cert)).split()
    first = " ".join(words(data)[0])
    for expected in (
        "LIÊN ĐOÀN LAO ĐỘNG THÀNH PHỐ HÀ NỘI LIÊN ĐOÀN LAO ĐỘNG THỊ XÃ SƠN TÂY GIẤY KHEN",
        "BAN THƯỜNG VỤ LIÊN ĐOÀN LAO ĐỘNG THỊ XÃ SƠN TÂY TẶNG Nguyễn Thị Hường",
        "Chủ tịch Công đoàn cơ sở, Công đoàn Công ty CP tập đoàn DST",
        "Đã có thành tích trong phong trào thi đua năm 2025",
        "Hà Nội, ngày 05 tháng 3 năm 2026 TM. BAN THƯỜNG VỤ CHỦ TỊCH Nguyễn Văn Hùng",
        "Quyết định số 15/QĐ-LĐLĐ ngày 05/3/2026 Số vào sổ: 15/QĐ-LĐLĐ – 1",
    ):
        assert expected in first, expected
    assert "đã ký" not in first.lower()


def test_the_title_stands_top_centre_the_signature_bottom_right_and_the_numbers_bottom_left(
    four: tuple[list[Certificate], bytes],
) -> None:
    page = pages_of(four[1])[0]
    width, height = A4
    [(x, y)] = at(page, "GIẤY KHEN")
    assert y > height * 0.6
    assert width * 0.3 < x < width * 0.5  # a centred line starts left of the centre
    for needle in ("Nguyễn Văn Hùng", "TM. BAN THƯỜNG VỤ", "Hà Nội, ngày"):
        [(x, y)] = at(page, needle)
        assert x > width / 2, needle
        assert y < height * 0.4, needle
    for needle in ("Quyết định số 15/QĐ-LĐLĐ", "Số vào sổ:"):
        [(x, y)] = at(page, needle)
        assert x < width * 0.2, needle
        assert y < height * 0.2, needle
    [(_, title_y)] = at(page, "GIẤY KHEN")
    [(_, name_y)] = at(page, "Nguyễn Thị Hường")
    [(_, date_y)] = at(page, "Hà Nội, ngày")
    assert title_y > name_y > date_y


def test_every_text_stays_inside_the_margins(four: tuple[list[Certificate], bytes]) -> None:
    margin = load_layout().v("certificate_margin_mm") * MM_PT
    width, height = A4
    for page in pages_of(four[1]):
        for text, x, y in page:
            assert margin - 0.5 <= x <= width - margin, text
            assert margin - 0.5 <= y <= height - margin, text


def test_the_font_is_the_shipped_liberation_serif_embedded(four: tuple[list[Certificate], bytes]) -> None:
    for page in pypdf.PdfReader(io.BytesIO(four[1])).pages:
        resources: Any = page["/Resources"]  # pypdf's dictionaries are loosely typed
        for ref in resources["/Font"].values():
            font = ref.get_object()
            assert "LiberationSerif" in str(font["/BaseFont"])
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor


@pytest.mark.parametrize("name", [LONG_NAME, "Nguyễn" * 33 + "Vă", "Ư" * 200])
def test_a_200_character_name_shrinks_and_wraps_inside_its_box_between_tang_and_the_next_line(name: str) -> None:
    assert len(name) == 200
    [cert] = decision_certificates(1)
    long = replace(cert, nominee_name=name)
    data = certificates_pdf([long])
    assert sizes(data) == [A4]  # still one page
    [page] = pages_of(data)
    margin = load_layout().v("certificate_margin_mm") * MM_PT
    [(_, tang_y)] = at(page, "TẶNG")
    [(_, details_y)] = at(page, "Chủ tịch Công đoàn cơ sở")
    name_lines = [(text, x, y) for text, x, y in page if details_y < y < tang_y]
    assert "".join(text for text, _, _ in name_lines).replace(" ", "") == name.replace(" ", "")
    for text, x, _ in name_lines:
        assert x >= margin - 0.5, text  # centred in the text width: starting inside it, it ends inside it too
    assert 2 <= len(name_lines) <= 4


def test_a_layout_file_without_the_certificate_values_and_an_empty_list_are_refused(tmp_path: Path) -> None:
    documents_only = tmp_path / "layout.toml"
    with LAYOUT_FILE.open(encoding="utf-8") as f:
        kept = f.read().split("[values.certificate_margin_mm]")[0]
    documents_only.write_text(kept, encoding="utf-8")
    with pytest.raises(ValueError, match="missing certificate values"):
        certificates_pdf(decision_certificates(1), layout=load_layout(documents_only))
    with pytest.raises(ValueError, match="no certificates"):
        certificates_pdf([])


# What a certificate says, from the register


@pytest.mark.parametrize(
    ("award_name", "title"),
    [
        ("Bằng khen của Ban Chấp hành LĐLĐ Thành phố Hà Nội", "BẰNG KHEN"),
        ("Giấy khen của Liên đoàn Lao động cấp huyện", "GIẤY KHEN"),
        ("Bằng khen chuyên đề của Tổng Liên đoàn Lao động Việt Nam", "BẰNG KHEN"),
        ("Cờ thi đua của LĐLĐ Thành phố Hà Nội", None),
        ("Công đoàn cơ sở vững mạnh", None),
        ('Bằng "Lao động sáng tạo" của Tổng Liên đoàn Lao động Việt Nam', None),
    ],
)
def test_only_a_bang_khen_or_a_giay_khen_has_a_certificate(award_name: str, title: str | None) -> None:
    assert certificate_title(award_name) == title


def test_the_achievement_line_says_only_the_period_when_the_register_holds_no_achievement_text() -> None:
    assert period_phrase("2025") == "năm 2025"
    assert period_phrase("2021-2025") == "giai đoạn 2021-2025"
    assert period_phrase("Q1/2026") == "kỳ Q1/2026"
    assert achievement_line("2025") == "Đã có thành tích trong phong trào thi đua năm 2025"
    assert "xuất sắc" not in achievement_line("2025")


def test_the_register_number_is_the_entrys_position_in_the_decision_even_when_an_entry_between_has_no_certificate() -> None:
    decision, entries, frame = certified_decision(3)
    flag = replace(entries[1], award_code="cdcs_vung_manh", award_name="Công đoàn cơ sở vững mạnh")
    printed = certificates_of(decision, (entries[0], flag, entries[2]), frame)
    assert [(c.nominee_name, c.register_number) for c in printed] == [
        (entries[0].nominee_name, "15/QĐ-LĐLĐ – 1"),
        (entries[2].nominee_name, "15/QĐ-LĐLĐ – 3"),
    ]
    [one] = certificates_of(decision, entries, frame, nomination_id="n-3")
    assert one.register_number == "15/QĐ-LĐLĐ – 3"
    assert not has_certificate(decision, flag)


def test_a_collective_prints_its_unit_and_an_individual_its_position_and_unit() -> None:
    individual, collective = decision_certificates(2)
    assert individual.details == "Chủ tịch Công đoàn cơ sở, Công đoàn Công ty CP tập đoàn DST"
    assert (collective.nominee_name, collective.details) == ("Tổ Công đoàn số 2", "Công đoàn Trường THCS Sơn Tây")


def test_a_nominee_whose_gender_the_register_knows_is_addressed_ong_or_ba_on_the_certificate() -> None:
    decision, entries, frame = certified_decision(2)
    her = replace(entries[0], nominee_salutation="Bà")
    printed = certificates_of(decision, (her, entries[1]), frame)
    assert printed[0].nominee_name == f"Bà {entries[0].nominee_name}"
    assert printed[1].nominee_name == entries[1].nominee_name  # gender unknown: the name alone, as before


def test_a_proposal_and_a_revoked_decision_have_no_certificates() -> None:
    decision, entries, frame = certified_decision(2)
    with pytest.raises(Conflict) as proposal:
        certificates_of(replace(decision, kind="proposal"), entries, frame)
    assert proposal.value.code == "not_a_decision"
    with pytest.raises(Conflict) as revoked:
        certificates_of(replace(decision, status="revoked"), entries, frame)
    assert (revoked.value.code, revoked.value.status) == ("decision_revoked", 409)


# Awards' use case on fakes

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
SONTAY = actor("u-sontay", ("approver", "HN-SONTAY"), full_name="Lãnh đạo LĐLĐ Sơn Tây")
DST = actor("u-dst", ("submitter", "HN-SONTAY-DST"))
ELSEWHERE = actor("u-vq", ("submitter", "HN-HADONG-VANQUAN"))


def nominated(
    nomination_id: str, name: str, award_code: str = "giay_khen_ldld_huyen", kind: str = "individual"
) -> NominationSnapshot:
    return NominationSnapshot(
        id=nomination_id,
        unit_path=path("HN-SONTAY-DST"),
        award_code=award_code,
        award_name=award_code,
        awarding_level="district",
        catalog_version="union-2025.1",
        period="2026",
        nominee=Nominee.model_validate({"kind": kind, "name": name}),
        achievements="Hoàn thành xuất sắc nhiệm vụ được giao trong năm.",
        unit_sector="enterprise",
    )


@pytest_asyncio.fixture
async def awards() -> FakeAwards:
    awards = fake_awards(TREE, now=NOW, base_salary_vnd=2_340_000)
    batch = [
        nominated("n-1", "Nguyễn Văn An"),
        nominated("n-2", "Công đoàn Công ty CP tập đoàn DST", "cdcs_vung_manh", "collective"),
        nominated("n-3", "Trần Thị Bích"),
    ]
    await approve_and_sign(
        awards,
        NominationsApproved(occurred_at=NOW, actor=SONTAY, batch_id="b-1", issuer=unit("HN-SONTAY"), nominations=batch),
        unit_prize=500_000,  # CĐCS vững mạnh: no amount in the catalogue, the unit's own
    )
    return awards


def decision_id(awards: FakeAwards) -> str:
    [decision] = awards.store.all_decisions()
    return decision.id


@pytest.mark.asyncio
async def test_a_reader_of_the_decision_gets_one_page_per_bang_khen_or_giay_khen_in_its_order(awards: FakeAwards) -> None:
    file = await certificates.certificates(awards.context, awards.units, DST, CertificatesRequest(id=decision_id(awards)))
    assert (file.filename, file.media_type) == ("van-bang-1-2026-HN-SONTAY-A4.pdf", "application/pdf")
    data = base64.b64decode(file.content_base64)
    assert sizes(data) == [A4, A4]  # the Công đoàn cơ sở vững mạnh title has no such certificate
    first, second = (" ".join(page) for page in words(data))
    assert "Nguyễn Văn An" in first
    assert "Số vào sổ: 1/QĐ-LĐLĐ – 1" in first
    assert "Trần Thị Bích" in second
    assert "Số vào sổ: 1/QĐ-LĐLĐ – 3" in second
    assert "Chủ tịch Liên đoàn Lao động thị xã Sơn Tây" in first  # the officer who signed the decision (the fakes' chair)
    view = await decisions.get_decision(awards.context, DST, DecisionById(id=decision_id(awards)))
    assert [n.has_certificate for n in view.nominees] == [True, False, True]


@pytest.mark.asyncio
async def test_one_nominees_certificate_on_a3(awards: FakeAwards) -> None:
    q = CertificatesRequest(id=decision_id(awards), nomination_id="n-3", paper="A3")
    file = await certificates.certificates(awards.context, awards.units, SONTAY, q)
    data = base64.b64decode(file.content_base64)
    assert file.filename == "van-bang-1-2026-HN-SONTAY-n-3-A3.pdf"
    assert sizes(data) == [A3]
    assert "Trần Thị Bích" in " ".join(words(data)[0])


@pytest.mark.asyncio
async def test_a_nominee_without_a_certificate_or_not_in_the_decision_is_refused(awards: FakeAwards) -> None:
    with pytest.raises(Conflict) as flag:
        await certificates.certificates(
            awards.context, awards.units, DST, CertificatesRequest(id=decision_id(awards), nomination_id="n-2")
        )
    assert flag.value.code == "no_certificates"
    with pytest.raises(NotFound) as absent:
        await certificates.certificates(
            awards.context, awards.units, DST, CertificatesRequest(id=decision_id(awards), nomination_id="n-9")
        )
    assert absent.value.code == "nominee_not_found"


@pytest.mark.asyncio
async def test_a_reader_of_another_unit_is_refused_403(awards: FakeAwards) -> None:
    with pytest.raises(Forbidden) as refused:
        await certificates.certificates(awards.context, awards.units, ELSEWHERE, CertificatesRequest(id=decision_id(awards)))
    assert (refused.value.status, refused.value.code) == (403, "not_your_unit")


@pytest.mark.asyncio
async def test_a_revoked_decision_prints_no_certificates_409(awards: FakeAwards) -> None:
    reason = "Phát hiện hồ sơ khai sai thành tích sau khi ban hành"
    revoked = decision_id(awards)
    await revocation.revoke(awards.context, SONTAY, RevokeDecision(id=revoked, reason=reason))
    await certificates.certificates(awards.context, awards.units, DST, CertificatesRequest(id=revoked))  # it stands
    await sign_drafts(awards)  # until its revocation is signed
    with pytest.raises(Conflict) as refused:
        await certificates.certificates(awards.context, awards.units, DST, CertificatesRequest(id=revoked))
    assert (refused.value.status, refused.value.code) == (409, "decision_revoked")
    view = await decisions.get_decision(awards.context, DST, DecisionById(id=revoked))
    assert not any(n.has_certificate for n in view.nominees)


@pytest.mark.asyncio
async def test_a_proposal_prints_no_certificates_409() -> None:
    awards = fake_awards(TREE, now=NOW, base_salary_vnd=2_340_000)
    hanoi = actor("u-hanoi", ("approver", "HN"), full_name="Lãnh đạo LĐLĐ TP Hà Nội")
    title = nominated("n-1", "Nguyễn Văn An", "chien_si_thi_dua_cap_tinh").model_copy(update={"awarding_level": "city"})
    await approve_and_sign(awards, NominationApproved(occurred_at=NOW, actor=hanoi, nomination=title, issuer=unit("HN")))
    [proposal] = [d for d in awards.store.all_decisions() if d.kind == "proposal"]
    with pytest.raises(Conflict) as refused:
        await certificates.certificates(awards.context, awards.units, hanoi, CertificatesRequest(id=proposal.id))
    assert refused.value.code == "not_a_decision"


def test_the_samples_render_the_long_name_case() -> None:
    printed = decision_certificates(3, long_name=True)
    assert printed[1].nominee_name == LONG_NAME
    assert date(2026, 3, 5) == printed[0].decided_on
