"""Tờ trình gửi cấp trên in awards, on fakes: review's `ProposalForwarded` waits as a draft of the sending unit; only
its signing officer signs it, which numbers it from the unit's one register (TTr beside the unit's QĐ), dates it,
signs its PDF and announces `ProposalSigned`."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime

import pytest

from services.awards.domain.signers import SigningOfficer
from services.awards.usecases import documents, forwarding, issuing, outgoing, signing
from shared.contracts.errors import Forbidden
from shared.contracts.events import ForwardedItem, ProposalForwarded, ProposalSigned
from shared.contracts.operations.awards import DocumentRequest, DraftById, DraftQuery, OutgoingQuery, SignDraft
from tests.fakes.awards import FakeAwards, chair_of, fake_awards, sign_drafts
from tests.unit.factories import TREE, actor, unit
from tests.unit.test_awards_usecases import approved, nomination

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
SONTAY = actor("u-sontay", ("approver", "HN-SONTAY"), full_name="Lãnh đạo LĐLĐ Sơn Tây")
HANOI = actor("u-hanoi", ("approver", "HN"), full_name="Lãnh đạo LĐLĐ TP Hà Nội")
MYDUC = actor("u-myduc", ("approver", "HN-MYDUC"))


def forwarded(proposal_id: str = "p-1", *, names: tuple[str, ...] = ("Nguyễn Thị Hường",), before: int = 0) -> ProposalForwarded:
    return ProposalForwarded(
        occurred_at=NOW,
        actor=SONTAY,
        proposal_id=proposal_id,
        unit=unit("HN-SONTAY"),
        to_unit=unit("HN"),
        items=[
            ForwardedItem(
                task_id=f"t-{i}",
                nomination_id=f"n-{proposal_id}-{i}",
                nominee_name=name,
                nominee_kind="individual",
                origin_unit_name="Công đoàn Công ty CP tập đoàn DST",
                award_name="Công nhân giỏi Thủ đô",
                achievements="Hoàn thành xuất sắc nhiệm vụ.",
                council="Đạt (9/9 đồng ý)",
            )
            for i, name in enumerate(names)
        ],
        numbered_before=before,
    )


@pytest.fixture
def awards() -> FakeAwards:
    return fake_awards(TREE, now=NOW)


@pytest.mark.asyncio
async def test_a_forwarded_batch_waits_as_a_draft_letter_of_the_sending_unit_without_number(awards: FakeAwards) -> None:
    event = forwarded(names=("Nguyễn Thị Hường", "Tổ bảo dưỡng số 3"))
    await forwarding.on_forwarded(awards.context, event)
    await forwarding.on_forwarded(awards.context, event)  # a redelivery drafts nothing more

    [draft] = awards.store.register.drafts.values()
    assert (draft.kind, draft.issuer.code, draft.status, draft.readers) == (
        "forwarding",
        "HN-SONTAY",
        "awaiting_signature",
        ("HN", "HN-SONTAY"),
    )
    assert awards.store.all_decisions() == []  # no number
    assert awards.outbox.events == []  # nothing announced
    # The sending unit's officer sees it in "Văn bản chờ ký" with the nominees it sends up; the unit above reads it.
    officer = chair_of(unit("HN-SONTAY"))
    await awards.store.add_signing_officer(
        SigningOfficer("o-1", "HN-SONTAY", officer.full_name, "Chủ tịch", date(2020, 1, 1), username=officer.username)
    )
    page = await signing.list_drafts(awards.context, officer, DraftQuery())
    [summary] = page.items
    assert (summary.kind_label, summary.decided_by, summary.nominee_count, summary.can_sign) == (
        "Tờ trình",
        "Liên đoàn Lao động Thành phố Hà Nội",
        2,
        True,
    )
    view = await signing.get_draft(awards.context, HANOI, DraftById(id=draft.id))
    assert [n.name for n in view.nominees] == ["Nguyễn Thị Hường", "Tổ bảo dưỡng số 3"]
    with pytest.raises(Forbidden):
        await signing.get_draft(awards.context, MYDUC, DraftById(id=draft.id))


@pytest.mark.asyncio
async def test_only_the_sending_units_officer_signs_the_letter_never_the_approver_who_forwarded_it(awards: FakeAwards) -> None:
    await forwarding.on_forwarded(awards.context, forwarded())
    [draft] = awards.store.register.drafts.values()
    for someone in (SONTAY, HANOI):
        with pytest.raises(Forbidden):
            await signing.sign_draft(awards.context, someone, SignDraft(id=draft.id))
    assert awards.store.all_decisions() == []


@pytest.mark.asyncio
async def test_signing_numbers_the_letter_from_the_units_one_register_beside_its_decisions(awards: FakeAwards) -> None:
    await issuing.on_approved(awards.context, approved(nomination("n-1")))
    await sign_drafts(awards)  # 1/QĐ-LĐLĐ
    await forwarding.on_forwarded(awards.context, forwarded("p-1"))
    await issuing.on_approved(awards.context, approved(nomination("n-2")))
    await forwarding.on_forwarded(awards.context, forwarded("p-2"))
    awards.clock.at = datetime(2026, 3, 5, 3, 0, tzinfo=UTC)
    await sign_drafts(awards)

    register = sorted((d.number, d.number_text, d.kind) for d in awards.store.all_decisions())
    assert register == [
        (1, "1/QĐ-LĐLĐ", "decision"),
        (2, "2/TTr-LĐLĐ", "forwarding"),
        (3, "3/QĐ-LĐLĐ", "decision"),
        (4, "4/TTr-LĐLĐ", "forwarding"),
    ]
    signed = [e for e in awards.outbox.events if isinstance(e, ProposalSigned)]
    assert [(e.proposal_id, e.number_text, e.issued_at, e.signer_name) for e in signed] == [
        ("p-1", "2/TTr-LĐLĐ", awards.clock.at, chair_of(unit("HN-SONTAY")).full_name),
        ("p-2", "4/TTr-LĐLĐ", awards.clock.at, chair_of(unit("HN-SONTAY")).full_name),
    ]
    assert [e.nomination_ids for e in signed] == [["n-p-1-0"], ["n-p-2-0"]]  # for the dossiers' timelines
    # Its PDF signed with the unit's key, served as signed to the unit above; the Sổ văn bản đi lists it.
    assert [(u, reason) for u, _, reason in awards.signer.signed][1] == ("HN-SONTAY", "Ký ban hành tờ trình số 2/TTr-LĐLĐ")
    letter = next(d for d in awards.store.all_decisions() if d.number == 2)
    file = await documents.decision_document(awards.context, awards.units, HANOI, DocumentRequest(id=letter.id, format="pdf"))
    assert file.filename == "to-trinh-2-2026-HN-SONTAY.pdf"
    sheet = await documents.decision_document(awards.context, awards.units, HANOI, DocumentRequest(id=letter.id, format="xlsx"))
    assert sheet.filename == "to-trinh-2-2026-HN-SONTAY.xlsx"  # the same template as the signed PDF
    printed = await documents.decision_document(awards.context, awards.units, HANOI, DocumentRequest(id=letter.id, format="html"))
    page = base64.b64decode(printed.content_base64).decode()
    assert "Số: 2/TTr-LĐLĐ" in page
    assert "Nguyễn Thị Hường" in page
    book = await outgoing.outgoing_register(awards.context, SONTAY, OutgoingQuery(unit_code="HN-SONTAY", year=2026))
    line = book.items[1]
    assert (line.number_text, line.kind_label, line.subject, line.addressee, line.status_label) == (
        "2/TTr-LĐLĐ",
        "Tờ trình",
        "Về việc đề nghị khen thưởng",
        "Liên đoàn Lao động Thành phố Hà Nội",
        "Đã trình",
    )


@pytest.mark.asyncio
async def test_the_register_goes_on_above_the_numbers_review_gave_before_it_kept_the_letters(awards: FakeAwards) -> None:
    await forwarding.on_forwarded(awards.context, forwarded(before=7))
    await sign_drafts(awards)
    [letter] = awards.store.all_decisions()
    assert letter.number_text == "8/TTr-LĐLĐ"
