"""Người ký văn bản: the signature block a document prints is the issuer's signing officer in force on its date
(the Chủ tịch; else a Phó Chủ tịch, "KT. CHỦ TỊCH"; else an empty name line and a warning), never the approver;
the roster is kept by the unit's admin and read by the unit's people."""

from __future__ import annotations

import base64
import dataclasses
import io
from datetime import UTC, date, datetime

import pypdf
import pytest

from services.awards.domain.signers import NO_SIGNER_WARNING_VI, SigningOfficer, SigningRule, choose_signature
from services.awards.usecases import decisions, documents, issuing, signers, signing
from shared.contracts.errors import Conflict, Forbidden, ValidationFailed
from shared.contracts.events import NominationApproved, NominationSnapshot, Nominee
from shared.contracts.operations.awards import (
    AddSigner,
    DecisionById,
    DocumentRequest,
    DraftById,
    DraftQuery,
    EndSignerTerm,
    SetDraftPrize,
    SignDraft,
    SignersQuery,
)
from tests.fakes.awards import FakeAwards, fake_awards, sign_drafts
from tests.unit.factories import TREE, actor, path, unit

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 09:00 on 02/03/2026 in Hà Nội
RULE = SigningRule(
    position="Chủ tịch",
    role=("TM. BAN THƯỜNG VỤ", "CHỦ TỊCH"),
    deputy_position="Phó Chủ tịch",
    deputy_role=("KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"),
)
APPROVER = actor("u-sontay", ("approver", "HN-SONTAY"), full_name="Lãnh đạo LĐLĐ Sơn Tây")
UNIT_ADMIN = actor("u-admin-sontay", ("unit_admin", "HN-SONTAY"), full_name="Quản trị LĐLĐ Sơn Tây")
OTHER_ADMIN = actor("u-admin-myduc", ("unit_admin", "HN-MYDUC"))


def officer(name: str, position: str, start: date, end: date | None = None, officer_id: str = "") -> SigningOfficer:
    return SigningOfficer(officer_id or name, "HN-SONTAY", name, position, start, end)


CHAIR = officer("Đỗ Văn Minh", "Chủ tịch", date(2023, 5, 1), date(2025, 12, 31))
NEW_CHAIR = officer("Nguyễn Hữu Phúc", "Chủ tịch", date(2026, 2, 1))
VICE = officer("Nguyễn Thị Lan Anh", "Phó Chủ tịch", date(2023, 5, 1))


def test_the_chair_in_force_on_the_document_date_signs_on_behalf_of_the_standing_committee() -> None:
    signature = choose_signature([CHAIR, NEW_CHAIR, VICE], RULE, date(2025, 6, 30))
    assert (signature.role, signature.name) == (("TM. BAN THƯỜNG VỤ", "CHỦ TỊCH"), "Đỗ Văn Minh")
    signature = choose_signature([CHAIR, NEW_CHAIR, VICE], RULE, date(2026, 3, 2))
    assert signature.name == "Nguyễn Hữu Phúc"


def test_a_term_counts_from_its_first_to_its_last_day_inclusive() -> None:
    assert choose_signature([CHAIR], RULE, date(2023, 5, 1)).name == "Đỗ Văn Minh"
    assert choose_signature([CHAIR], RULE, date(2025, 12, 31)).name == "Đỗ Văn Minh"
    assert choose_signature([CHAIR], RULE, date(2026, 1, 1)).name == ""
    assert choose_signature([CHAIR], RULE, date(2023, 4, 30)).name == ""


def test_a_vice_chair_signs_for_the_chair_with_kt_when_no_chair_is_in_force() -> None:
    signature = choose_signature([CHAIR, NEW_CHAIR, VICE], RULE, date(2026, 1, 15))  # between the two chairs
    assert (signature.role, signature.name) == (("KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"), "Nguyễn Thị Lan Anh")


def test_with_no_officer_in_force_the_block_keeps_its_lines_with_an_empty_name() -> None:
    signature = choose_signature([officer("Ủy viên", "Ủy viên Ban Thường vụ", date(2023, 1, 1))], RULE, date(2026, 3, 2))
    assert (signature.role, signature.name, signature.missing) == (("TM. BAN THƯỜNG VỤ", "CHỦ TỊCH"), "", True)
    assert choose_signature([], RULE, date(2026, 3, 2)).missing


def test_of_two_chairs_in_force_the_latest_appointed_signs() -> None:
    overlapping = officer("Nguyễn Hữu Phúc", "Chủ tịch", date(2025, 12, 1))
    assert choose_signature([CHAIR, overlapping], RULE, date(2025, 12, 15)).name == "Nguyễn Hữu Phúc"


@pytest.fixture
def awards() -> FakeAwards:
    return fake_awards(TREE, now=NOW, base_salary_vnd=2_340_000)


def approval(nomination_id: str = "n-1") -> NominationApproved:
    nomination = NominationSnapshot(
        id=nomination_id,
        unit_path=path("HN-SONTAY-DST"),
        award_code="giay_khen_ldld_huyen",
        award_name="Giấy khen",
        awarding_level="district",
        catalog_version="union-2025.1",
        period="2026",
        nominee=Nominee.model_validate({"kind": "individual", "name": "Nguyễn Văn An"}),
        achievements="Hoàn thành xuất sắc nhiệm vụ được giao trong năm.",
        unit_sector="enterprise",
    )
    return NominationApproved(occurred_at=NOW, actor=APPROVER, nomination=nomination, issuer=unit("HN-SONTAY"))


async def pdf_text(awards: FakeAwards, decision_id: str) -> str:
    file = await documents.decision_document(
        awards.context, awards.units, APPROVER, DocumentRequest(id=decision_id, format="pdf")
    )
    reader = pypdf.PdfReader(io.BytesIO(base64.b64decode(file.content_base64)))
    return "\n".join(page.extract_text() for page in reader.pages)


def add(name: str, position: str, start: date = date(2023, 5, 1), *, username: str | None = None) -> AddSigner:
    return AddSigner(unit_code="HN-SONTAY", full_name=name, position=position, valid_from=start, username=username)


CHAIR_ACCOUNT = actor("u-minh", ("signer", "HN-SONTAY"), full_name="Đỗ Văn Minh")
VICE_ACCOUNT = actor("u-lananh", ("signer", "HN-SONTAY"), full_name="Nguyễn Thị Lan Anh")


@pytest.mark.asyncio
async def test_the_chair_on_the_roster_signs_the_draft_in_person_and_the_decision_prints_them_not_the_approver(
    awards: FakeAwards,
) -> None:
    await signers.add_signer(awards.context, UNIT_ADMIN, add("Đỗ Văn Minh", "Chủ tịch", username=CHAIR_ACCOUNT.username))
    await issuing.on_approved(awards.context, approval())
    [waiting] = (await signing.list_drafts(awards.context, CHAIR_ACCOUNT, DraftQuery())).items
    assert (waiting.status_label, waiting.can_sign, waiting.approved_by) == ("Chờ ký", True, "Lãnh đạo LĐLĐ Sơn Tây")
    [approver_sees] = (await signing.list_drafts(awards.context, APPROVER, DraftQuery())).items
    assert approver_sees.can_sign is False  # the approver prepares; the officer signs

    await sign_drafts(awards, by=CHAIR_ACCOUNT)

    [decision] = awards.store.all_decisions()
    assert decision.signed_by == "Đỗ Văn Minh"
    assert decision.document is not None
    assert (decision.document.signer_role, decision.document.signer_name) == (["TM. BAN THƯỜNG VỤ", "CHỦ TỊCH"], "Đỗ Văn Minh")
    text = await pdf_text(awards, decision.id)
    assert "TM. BAN THƯỜNG VỤ" in text
    assert "Đỗ Văn Minh" in text
    assert "Lãnh đạo LĐLĐ Sơn Tây" not in text
    assert "(đã ký)" not in text
    view = await decisions.get_decision(awards.context, APPROVER, DecisionById(id=decision.id))
    assert view.signer_warning == ""
    assert (await signing.list_drafts(awards.context, CHAIR_ACCOUNT, DraftQuery())).items == []


@pytest.mark.asyncio
async def test_only_an_officer_of_the_issuer_in_a_signing_position_may_sign_and_a_refusal_changes_nothing(
    awards: FakeAwards,
) -> None:
    member = actor("u-member", ("signer", "HN-SONTAY"), full_name="Trần Văn Bình")
    await signers.add_signer(awards.context, UNIT_ADMIN, add("Trần Văn Bình", "Ủy viên Ban Chấp hành", username=member.username))
    await issuing.on_approved(awards.context, approval())
    [draft] = awards.store.register.drafts.values()

    with pytest.raises(Forbidden) as approver_refused:
        await signing.sign_draft(awards.context, APPROVER, SignDraft(id=draft.id))  # not on the roster
    assert approver_refused.value.code == "not_a_signer"
    with pytest.raises(Forbidden) as member_refused:
        await signing.sign_draft(awards.context, member, SignDraft(id=draft.id))  # on it, but does not sign decisions
    assert member_refused.value.code == "not_signing_position"
    other = actor("u-myduc", ("signer", "HN-MYDUC"))
    with pytest.raises(Forbidden) as stranger_refused:
        await signing.sign_draft(awards.context, other, SignDraft(id=draft.id))
    assert stranger_refused.value.code == "not_your_unit"
    assert awards.store.all_decisions() == []
    assert awards.store.register.counters == {}  # no number taken


@pytest.mark.asyncio
async def test_a_draft_signed_twice_is_issued_once(awards: FakeAwards) -> None:
    await signers.add_signer(awards.context, UNIT_ADMIN, add("Đỗ Văn Minh", "Chủ tịch", username=CHAIR_ACCOUNT.username))
    await issuing.on_approved(awards.context, approval())
    [draft] = awards.store.register.drafts.values()
    first = await signing.sign_draft(awards.context, CHAIR_ACCOUNT, SignDraft(id=draft.id))
    again = await signing.sign_draft(awards.context, CHAIR_ACCOUNT, SignDraft(id=draft.id))
    assert first == again
    assert [d.number_text for d in awards.store.all_decisions()] == ["1/QĐ-LĐLĐ"]


@pytest.mark.asyncio
async def test_the_unit_admin_keeps_the_roster_and_ending_a_term_hands_signing_to_the_vice_chair(awards: FakeAwards) -> None:
    roster = await signers.add_signer(awards.context, UNIT_ADMIN, add("Đỗ Văn Minh", "Chủ tịch", username=CHAIR_ACCOUNT.username))
    chair_id = roster.signers[0].id
    await signers.add_signer(
        awards.context, UNIT_ADMIN, add("Nguyễn Thị Lan Anh", "Phó Chủ tịch", username=VICE_ACCOUNT.username)
    )
    roster = await signers.end_signer_term(
        awards.context, UNIT_ADMIN, EndSignerTerm(unit_code="HN-SONTAY", id=chair_id, last_day=date(2026, 3, 1))
    )
    assert {s.full_name: s.status_label for s in roster.signers} == {
        "Đỗ Văn Minh": "Đã hết nhiệm kỳ",
        "Nguyễn Thị Lan Anh": "Đang ký",
    }
    await issuing.on_approved(awards.context, approval())
    [draft] = awards.store.register.drafts.values()
    with pytest.raises(Forbidden):
        await signing.sign_draft(awards.context, CHAIR_ACCOUNT, SignDraft(id=draft.id))  # the term has ended
    await sign_drafts(awards, by=VICE_ACCOUNT)
    [decision] = awards.store.all_decisions()
    assert decision.document is not None
    assert (decision.document.signer_role, decision.document.signer_name) == (
        ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"],
        "Nguyễn Thị Lan Anh",
    )


@pytest.mark.asyncio
async def test_only_the_units_admin_may_change_the_roster_and_only_its_people_may_read_it(awards: FakeAwards) -> None:
    with pytest.raises(Forbidden):
        await signers.add_signer(awards.context, OTHER_ADMIN, add("Đỗ Văn Minh", "Chủ tịch"))
    with pytest.raises(Forbidden):
        await signers.add_signer(awards.context, APPROVER, add("Đỗ Văn Minh", "Chủ tịch"))
    with pytest.raises(Forbidden):
        await signers.list_signers(awards.context, OTHER_ADMIN, SignersQuery(unit_code="HN-SONTAY"))
    roster = await signers.list_signers(awards.context, APPROVER, SignersQuery(unit_code="HN-SONTAY"))
    assert (roster.signers, roster.can_edit, roster.warning) == ([], False, NO_SIGNER_WARNING_VI)


@pytest.mark.asyncio
async def test_a_term_is_refused_with_the_field_named_in_vietnamese(awards: FakeAwards) -> None:
    bad = AddSigner(
        unit_code="HN-SONTAY", full_name=" ", position="Giám đốc", valid_from=date(2026, 3, 1), valid_to=date(2026, 2, 1)
    )
    with pytest.raises(ValidationFailed) as refused:
        await signers.add_signer(awards.context, UNIT_ADMIN, bad)
    assert {f.field for f in refused.value.fields} == {"full_name", "position", "valid_to"}
    roster = await signers.add_signer(awards.context, UNIT_ADMIN, add("Đỗ Văn Minh", "Chủ tịch"))
    end = EndSignerTerm(unit_code="HN-SONTAY", id=roster.signers[0].id, last_day=date(2026, 3, 1))
    await signers.end_signer_term(awards.context, UNIT_ADMIN, end)
    with pytest.raises(Conflict):
        await signers.end_signer_term(awards.context, UNIT_ADMIN, end)


@pytest.mark.asyncio
async def test_the_demo_roster_gives_each_issuing_unit_a_chair_and_a_vice_chair_once(awards: FakeAwards) -> None:
    demo = signers.load_demo_roster()
    assert await signers.seed_roster(awards.context, demo) == len(demo)
    assert await signers.seed_roster(awards.context, demo) == 0
    assert {o.username for o in await awards.store.signing_officers("HN-SONTAY")} == {"ky.sontay", None}
    for code in ("TLD", "HN", "HN-SONTAY", "HN-THANHXUAN"):
        positions = {o.position for o in await awards.store.signing_officers(code)}
        assert positions == {"Chủ tịch", "Phó Chủ tịch"}, code


@pytest.mark.asyncio
async def test_a_demo_roster_loaded_before_accounts_gets_its_chairs_accounts_and_nothing_else(awards: FakeAwards) -> None:
    demo = signers.load_demo_roster()
    without_accounts = [dataclasses.replace(o, username=None) for o in demo]  # as an earlier version loaded it
    await signers.seed_roster(awards.context, without_accounts)

    assert await signers.seed_roster(awards.context, demo) == 0
    chairs = {o.unit_code: o.username for o in await awards.store.signing_officers("HN") if o.position == "Chủ tịch"}
    assert chairs == {"HN": "ky.hanoi"}
    assert len(awards.store.register.officers) == len(demo)


@pytest.mark.asyncio
async def test_a_proposal_for_a_state_title_is_signed_from_the_roster_too(awards: FakeAwards) -> None:
    hanoi_admin = actor("u-admin-hn", ("unit_admin", "HN"))
    vice_account = actor("u-hang", ("signer", "HN"), full_name="Lê Thị Thu Hằng")
    vice = AddSigner(
        unit_code="HN",
        full_name="Lê Thị Thu Hằng",
        position="Phó Chủ tịch",
        valid_from=date(2023, 7, 1),
        username=vice_account.username,
    )
    await signers.add_signer(awards.context, hanoi_admin, vice)
    hanoi = actor("u-hanoi", ("approver", "HN"), full_name="Lãnh đạo LĐLĐ TP Hà Nội")
    nomination = approval().nomination.model_copy(
        update={"award_code": "chien_si_thi_dua_cap_tinh", "awarding_level": "city", "catalog_version": "state-2024.1"}
    )
    await issuing.on_approved(
        awards.context, NominationApproved(occurred_at=NOW, actor=hanoi, nomination=nomination, issuer=unit("HN"))
    )
    [draft] = await sign_drafts(awards, by=vice_account)

    [proposal] = awards.store.all_decisions()
    assert (proposal.kind, draft.kind_label, draft.approved_by) == ("proposal", "Tờ trình", "Lãnh đạo LĐLĐ TP Hà Nội")
    assert proposal.document is not None
    assert (proposal.document.signer_role, proposal.document.signer_name) == (
        ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"],
        "Lê Thị Thu Hằng",
    )
    assert proposal.signed_by == "Lê Thị Thu Hằng"


@pytest.mark.asyncio
async def test_signing_signs_the_rendered_file_with_the_issuers_key_and_the_download_is_that_file(awards: FakeAwards) -> None:
    await signers.add_signer(awards.context, UNIT_ADMIN, add("Đỗ Văn Minh", "Chủ tịch", username=CHAIR_ACCOUNT.username))
    await issuing.on_approved(awards.context, approval())
    [signed] = await sign_drafts(awards, by=CHAIR_ACCOUNT)

    assert awards.signer.signed == [("HN-SONTAY", "Đỗ Văn Minh", "Ký ban hành quyết định số 1/QĐ-LĐLĐ")]
    kept = awards.store.register.signed_files[signed.id]
    assert kept.startswith(b"%PDF")
    file = await documents.decision_document(awards.context, awards.units, APPROVER, DocumentRequest(id=signed.id))
    assert base64.b64decode(file.content_base64) == kept  # the file as signed, never rendered again


@pytest.mark.asyncio
async def test_a_unit_without_a_signing_key_cannot_sign_and_nothing_is_issued(awards: FakeAwards) -> None:
    awards.signer.refuse = frozenset({"HN-SONTAY"})
    await signers.add_signer(awards.context, UNIT_ADMIN, add("Đỗ Văn Minh", "Chủ tịch", username=CHAIR_ACCOUNT.username))
    await issuing.on_approved(awards.context, approval())
    [draft] = awards.store.register.drafts.values()

    with pytest.raises(Conflict) as refused:
        await signing.sign_draft(awards.context, CHAIR_ACCOUNT, SignDraft(id=draft.id))

    assert refused.value.code == "no_signing_key"
    assert "khoá ký" in refused.value.title
    assert awards.store.all_decisions() == []
    assert awards.store.register.drafts[draft.id].status == "awaiting_signature"


def cdcs_approval() -> NominationApproved:
    """A final approval of "Công đoàn cơ sở vững mạnh": the catalogue has no amount for it (coefficient 0, unconfirmed)."""
    event = approval()
    nomination = event.nomination.model_copy(
        update={
            "award_code": "cdcs_vung_manh",
            "award_name": "Công đoàn cơ sở vững mạnh",
            "nominee": Nominee.model_validate({"kind": "collective", "name": "Công đoàn Công ty CP tập đoàn DST"}),
        }
    )
    return event.model_copy(update={"nomination": nomination})


@pytest.mark.asyncio
async def test_an_unknown_prize_blocks_signing_until_the_unit_sets_it_and_the_decision_grants_that_amount(
    awards: FakeAwards,
) -> None:
    await signers.add_signer(awards.context, UNIT_ADMIN, add("Đỗ Văn Minh", "Chủ tịch", username=CHAIR_ACCOUNT.username))
    await issuing.on_approved(awards.context, cdcs_approval())
    [draft] = awards.store.register.drafts.values()
    view = await signing.get_draft(awards.context, CHAIR_ACCOUNT, DraftById(id=draft.id))
    [nominee] = view.nominees
    assert (nominee.prize_vnd, nominee.prize_label, nominee.prize_needed, view.prizes_missing) == (None, "Chưa xác định", True, 1)
    assert view.can_set_prizes is True
    submitter = actor("u-dst", ("submitter", "HN-SONTAY-DST"))  # reads the draft of its dossier, sets nothing
    assert (await signing.get_draft(awards.context, submitter, DraftById(id=draft.id))).can_set_prizes is False

    with pytest.raises(Conflict) as blocked:
        await signing.sign_draft(awards.context, CHAIR_ACCOUNT, SignDraft(id=draft.id))
    assert blocked.value.code == "prize_unknown"
    assert "Công đoàn Công ty CP tập đoàn DST" in blocked.value.title
    assert awards.store.all_decisions() == []

    outsider = actor("u-myduc", ("approver", "HN-MYDUC"))
    prize = SetDraftPrize(id=draft.id, nomination_id=nominee.nomination_id, amount_vnd=1_500_000)
    with pytest.raises(Forbidden):
        await signing.set_draft_prize(awards.context, outsider, prize)
    set_view = await signing.set_draft_prize(awards.context, APPROVER, prize)  # the unit's approver sets its amount
    assert (set_view.nominees[0].prize_label, set_view.prizes_missing) == ("1.500.000 đ (mức của đơn vị)", 0)

    await signing.sign_draft(awards.context, CHAIR_ACCOUNT, SignDraft(id=draft.id))
    [entry] = awards.store.all_entries()
    assert entry.prize_amount_vnd == 1_500_000


@pytest.mark.asyncio
async def test_a_catalogue_amount_is_not_the_units_to_change(awards: FakeAwards) -> None:
    await issuing.on_approved(awards.context, approval())  # Giấy khen: 0,3 × the base salary
    [draft] = awards.store.register.drafts.values()
    view = await signing.get_draft(awards.context, APPROVER, DraftById(id=draft.id))
    assert (view.nominees[0].prize_label, view.nominees[0].prize_needed) == ("710.000 đ", False)
    prize = SetDraftPrize(id=draft.id, nomination_id=view.nominees[0].nomination_id, amount_vnd=5_000_000)
    with pytest.raises(Conflict) as refused:
        await signing.set_draft_prize(awards.context, APPROVER, prize)
    assert refused.value.code == "prize_set_by_catalogue"
