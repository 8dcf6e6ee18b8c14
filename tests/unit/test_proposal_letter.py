"""The tờ trình as an official document: its number, addressee and list render with every Vietnamese letter."""

from __future__ import annotations

import io
import unicodedata
from datetime import UTC, date, datetime
from typing import Any

import pypdf
from openpyxl import load_workbook

from services.review.domain.proposal import Proposal, ProposalItem, proposal_letter
from shared.rules.documents import to_pdf, to_xlsx
from shared.rules.forwarding import letter_settings
from shared.rules.reference import load_units

UNITS = {u.code: u.ref() for u in load_units()}


def row(**changes: Any) -> Proposal:
    items = [
        {
            "task_id": "t-1",
            "nomination_id": "n-1",
            "nominee_name": "Nguyễn Thị Hường",
            "nominee_kind": "individual",
            "origin_unit_name": "Công đoàn Công ty CP tập đoàn DST",
            "award_name": "Công nhân giỏi Thủ đô",
            "achievements": "Có sáng kiến giảm 12 % chi phí vận hành.",
            "council": "Đạt (9/9 đồng ý, 0 không đồng ý; có mặt 9/11, bỏ phiếu kín)",
        },
        {
            "task_id": "t-2",
            "nomination_id": "n-2",
            "nominee_name": "Tổ bảo dưỡng số 3",
            "nominee_kind": "collective",
            "origin_unit_name": "Công đoàn Trường THCS Văn Quán",
            "award_name": "Công nhân giỏi Thủ đô",
            "achievements": "Dẫn đầu phong trào thi đua.",
            "council": "Đạt (7/9 đồng ý, 2 không đồng ý; có mặt 9/11, biểu quyết công khai)",
        },
    ]
    base: dict[str, Any] = {
        "id": "p-1",
        "unit": UNITS["HN-SONTAY"],
        "to_unit": UNITS["HN"],
        "year": 2026,
        "number": 3,
        "items": tuple(ProposalItem(**i) for i in items),
        "issued_on": date(2026, 3, 2),
        "number_text": "3/TTr-LĐLĐ",
        "comment": None,
        "forwarded_by_id": "u-sontay",
        "signer_name": "Phạm Quang Huy",
        "created_at": datetime(2026, 3, 2, 2, 0, tzinfo=UTC),
    }
    return Proposal(**(base | changes))


def test_the_letter_names_its_number_addressee_nominees_and_council_results() -> None:
    data = to_pdf(proposal_letter(row()))
    reader = pypdf.PdfReader(io.BytesIO(data))
    text = " ".join(unicodedata.normalize("NFC", "\n".join(p.extract_text() for p in reader.pages)).split())  # lines joined
    for expected in (
        "TỜ TRÌNH",
        "Số: 3/TTr-LĐLĐ",
        "Kính gửi: Liên đoàn Lao động Thành phố Hà Nội",
        "cho 2 hồ sơ (1 tập thể, 1 cá nhân)",
        "Nguyễn Thị Hường",
        "Tổ bảo dưỡng số 3",
        "Phạm Quang Huy",
        "Hà Nội, ngày 02 tháng 3 năm 2026",
    ):
        assert expected in text, expected
    assert letter_settings().confirmed is False  # the wording is the demo's convention, marked so


def test_the_xlsx_lists_one_row_per_nominee() -> None:
    sheet = load_workbook(io.BytesIO(to_xlsx(proposal_letter(row())))).active
    assert sheet is not None
    values = [[c.value for c in r] for r in sheet.iter_rows()]
    names = [v for r in values for v in r if v in ("Nguyễn Thị Hường", "Tổ bảo dưỡng số 3")]
    assert names == ["Nguyễn Thị Hường", "Tổ bảo dưỡng số 3"]
