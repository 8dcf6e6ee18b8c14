"""Awards' use cases on in-memory fakes of the store, the outbox and registration's unit directory (no database, no
broker): a final approval becomes a numbered decision with its prize, a batch one decision, a replay nothing new, a
revocation prizes to recover, a state title a tờ trình; the register's documents and the grassroots register."""

from __future__ import annotations

import base64
import dataclasses
import io
from datetime import UTC, date, datetime
from typing import Any

import pypdf
import pytest

from services.awards.usecases import catalog, decisions, documents, grassroots, issuing, outgoing, reports, revocation, signing
from shared.contracts.errors import Conflict, Forbidden, InconsistentEvent, ValidationFailed
from shared.contracts.events import (
    AwardGranted,
    AwardProposed,
    DecisionDrafted,
    DecisionRevoked,
    Event,
    NominationApproved,
    NominationsApproved,
    NominationSnapshot,
    Nominee,
)
from shared.contracts.operations.awards import (
    CatalogQuery,
    DecisionById,
    DocumentRequest,
    GrassrootsRow,
    MarkRecovered,
    OutgoingQuery,
    RecordGrassroots,
    ReportQuery,
    RevokeDecision,
    SignDraft,
)
from shared.contracts.values import UnitRef
from shared.rules import catalog as catalog_rules
from shared.rules.catalog import award_on
from tests.fakes.awards import FakeAwards, FakeOutbox, FakeUnitOfWork, approve_and_sign, chair_of, fake_awards, sign_drafts
from tests.unit.factories import TREE, actor, path, unit

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 09:00 in Hà Nội
BASE = 2_340_000  # the base salary the tests fix, in đồng
SONTAY = actor("u-sontay", ("approver", "HN-SONTAY"), full_name="Lãnh đạo LĐLĐ Sơn Tây")
HANOI = actor("u-hanoi", ("approver", "HN"), full_name="Lãnh đạo LĐLĐ TP Hà Nội")
DST = actor("u-dst", ("submitter", "HN-SONTAY-DST"))
OPS = actor("u-ops", ("ops", None))
REASON = "Phát hiện hồ sơ khai sai thành tích sau khi ban hành"


def nomination(
    nomination_id: str,
    award_code: str = "giay_khen_ldld_huyen",
    *,
    unit_code: str = "HN-SONTAY-DST",
    kind: str = "individual",
    name: str = "Nguyễn Văn An",
    unit_path: list[UnitRef] | None = None,
) -> NominationSnapshot:
    return NominationSnapshot(
        id=nomination_id,
        unit_path=unit_path or path(unit_code),
        award_code=award_code,
        award_name=award_code,
        awarding_level=awarding_level(award_code),
        catalog_version="union-2025.1",
        period="2026",
        nominee=Nominee.model_validate({"kind": kind, "name": name}),
        achievements="Hoàn thành xuất sắc nhiệm vụ được giao trong năm.",
        unit_sector="enterprise",
    )


def awarding_level(award_code: str) -> str:
    award = award_on(award_code, NOW.date())
    assert award is not None, award_code
    return award.awarding_level


def approved(nom: NominationSnapshot, issuer: str = "HN-SONTAY", *, at: datetime = NOW) -> NominationApproved:
    return NominationApproved(
        occurred_at=at, actor=SONTAY if issuer == "HN-SONTAY" else HANOI, nomination=nom, issuer=unit(issuer)
    )


@pytest.fixture
def awards() -> FakeAwards:
    return fake_awards(TREE, now=NOW, base_salary_vnd=BASE)


async def counted(awards: FakeAwards, unit_code: str) -> int:
    view = await reports.report(awards.context, awards.units, OPS, ReportQuery(unit_code=unit_code))
    return view.total.count


@pytest.mark.asyncio
async def test_a_report_for_no_unit_covers_the_root_of_registrations_tree(awards: FakeAwards) -> None:
    view = await reports.report(awards.context, awards.units, OPS, ReportQuery())
    assert view.unit_code == "TLD"


@pytest.mark.asyncio
async def test_a_final_approval_drafts_the_decision_without_number_or_date_until_it_is_signed(awards: FakeAwards) -> None:
    await issuing.on_approved(awards.context, approved(nomination("n-1")))

    assert awards.store.all_decisions() == []  # nothing issued
    assert awards.store.all_entries() == []  # nothing counted
    [draft] = awards.store.register.drafts.values()
    assert (draft.kind, draft.issuer.code, draft.status, draft.approved_by) == (
        "decision",
        "HN-SONTAY",
        "awaiting_signature",
        SONTAY,
    )
    [drafted] = awards.outbox.events
    assert isinstance(drafted, DecisionDrafted)
    assert (drafted.nomination_id, drafted.draft.draft_id, drafted.draft.kind) == ("n-1", draft.id, "decision")


@pytest.mark.asyncio
async def test_signing_numbers_the_decision_grants_its_prize_and_records_the_officer_apart_from_the_approver(
    awards: FakeAwards,
) -> None:
    await issuing.on_approved(awards.context, approved(nomination("n-1")))
    awards.clock.at = datetime(2026, 3, 4, 3, 0, tzinfo=UTC)  # signed two days after the approval
    [signed] = await sign_drafts(awards)

    [decision] = awards.store.all_decisions()
    assert (decision.kind, decision.number_text, decision.issuer_code) == ("decision", "1/QĐ-LĐLĐ", "HN-SONTAY")
    assert decision.id == signed.id  # the draft's links lead to its decision
    assert decision.issued_at == awards.clock.at  # dated the day it is signed, not the day it was approved
    assert decision.signed_by == "Chủ tịch Liên đoàn Lao động thị xã Sơn Tây"
    assert (signed.status, signed.status_label, signed.approved_by) == ("signed", "Đã ký", "Lãnh đạo LĐLĐ Sơn Tây")
    assert [(d.id, d.number_text) for d in signed.signed] == [(decision.id, "1/QĐ-LĐLĐ")]
    [entry] = awards.store.all_entries()
    assert (entry.decision_id, entry.nomination_id, entry.status) == (decision.id, "n-1", "granted")
    # Giấy khen of a district union: 0,3 × the base salary
    assert (entry.coefficient, entry.base_salary_vnd, entry.prize_amount_vnd) == ("0.3", BASE, 710_000)
    [granted] = [e for e in awards.outbox.events if isinstance(e, AwardGranted)]
    assert (granted.nomination_id, granted.decision.decision_id, granted.decision.number_text) == (
        "n-1",
        decision.id,
        "1/QĐ-LĐLĐ",
    )
    assert granted.decision.prize_amount_vnd == 710_000
    assert granted.actor.username == "chair.HN-SONTAY"


@pytest.mark.asyncio
async def test_decision_numbers_have_no_gaps_per_issuing_unit_and_per_year_in_vietnam_time(awards: FakeAwards) -> None:
    approvals = [
        approved(nomination("n-1"), at=datetime(2025, 12, 31, 16, 0, tzinfo=UTC)),  # 23:00 on 31/12/2025 in Hà Nội
        approved(nomination("n-2"), at=datetime(2025, 12, 31, 18, 30, tzinfo=UTC)),  # already 01/01/2026 there
        approved(nomination("n-3", "bang_khen_ldld_tp"), "HN"),
        approved(nomination("n-4")),
        approved(nomination("n-5")),
    ]
    for event in approvals:
        await approve_and_sign(awards, event, unit_prize=1_000_000)  # Bằng khen LĐLĐ TP: no amount in the catalogue

    numbered = [(d.issuer_code, d.year, d.number_text) for d in awards.store.all_decisions()]
    assert numbered == [
        ("HN", 2026, "1/QĐ-LĐLĐ"),
        ("HN-SONTAY", 2025, "1/QĐ-LĐLĐ"),
        ("HN-SONTAY", 2026, "1/QĐ-LĐLĐ"),
        ("HN-SONTAY", 2026, "2/QĐ-LĐLĐ"),
        ("HN-SONTAY", 2026, "3/QĐ-LĐLĐ"),
    ]


@pytest.mark.asyncio
async def test_a_batch_approval_yields_one_decision_listing_every_nomination(awards: FakeAwards) -> None:
    batch = [
        nomination("n-1", name="Nguyễn Văn An"),
        nomination("n-2", "cdcs_vung_manh", kind="collective", name="Công đoàn Công ty CP tập đoàn DST"),
        nomination("n-3", unit_code="HN-SONTAY-THPTSONTAY", kind="collective", name="Tổ Toán"),
    ]
    event = NominationsApproved(occurred_at=NOW, actor=SONTAY, batch_id="b-1", issuer=unit("HN-SONTAY"), nominations=batch)

    await approve_and_sign(awards, event, unit_prize=500_000)  # CĐCS vững mạnh: the unit's own amount

    [decision] = awards.store.all_decisions()
    assert (decision.number_text, decision.batch_id) == ("1/QĐ-LĐLĐ", "b-1")
    view = await decisions.get_decision(awards.context, SONTAY, DecisionById(id=decision.id))
    assert [n.nomination_id for n in view.nominees] == ["n-1", "n-2", "n-3"]
    assert [a.code for a in view.awards] == ["giay_khen_ldld_huyen", "cdcs_vung_manh"]
    assert (view.individuals, view.collectives, view.total_prize_vnd) == (1, 2, 710_000 + 500_000 + 1_410_000)
    granted = awards.outbox.of_type(AwardGranted)
    assert len(granted) == 3
    assert {g.decision.decision_id for g in granted if isinstance(g, AwardGranted)} == {decision.id}
    assert view.document is not None
    assert view.document.basis[-1] == "Xét đề nghị của Công đoàn Công ty CP tập đoàn DST, Công đoàn Trường THPT Sơn Tây,"


@pytest.mark.asyncio
async def test_a_replayed_approval_changes_nothing(awards: FakeAwards) -> None:
    event = approved(nomination("n-1"))
    await approve_and_sign(awards, event)
    before = (awards.store.all_decisions(), awards.store.all_entries(), list(awards.outbox.events))

    await approve_and_sign(awards, event)  # the same event redelivered
    await approve_and_sign(awards, approved(nomination("n-1")))  # the same nomination approved again

    assert (awards.store.all_decisions(), awards.store.all_entries(), awards.outbox.events) == before
    await approve_and_sign(awards, approved(nomination("n-2")))
    assert [d.number for d in awards.store.all_decisions()] == [1, 2]  # the replays took no number


class FailingOutbox(FakeOutbox):
    async def add(self, *events: Event) -> None:
        raise ConnectionError("lost the database mid-transaction")


@pytest.mark.asyncio
async def test_an_approval_that_fails_before_commit_leaves_no_trace_and_its_redelivery_gets_the_next_number(
    awards: FakeAwards,
) -> None:
    first, second = approved(nomination("n-1")), approved(nomination("n-2"))
    failing = FailingOutbox()
    broken = dataclasses.replace(awards.context, unit_of_work=lambda: FakeUnitOfWork(awards.store, failing))

    with pytest.raises(ConnectionError):
        await issuing.on_approved(broken, first)
    assert awards.store.all_decisions() == []
    await approve_and_sign(awards, second)
    await approve_and_sign(awards, first)  # the redelivery

    numbers = {d.id: d.number for d in awards.store.all_decisions()}
    assert sorted((numbers[e.decision_id or ""], e.nomination_id) for e in awards.store.all_entries()) == [(1, "n-2"), (2, "n-1")]


@pytest.mark.asyncio
async def test_revocation_marks_every_prize_to_recover_and_takes_the_decision_out_of_the_reports(awards: FakeAwards) -> None:
    batch = [nomination("n-1"), nomination("n-2", kind="collective", name="Phòng Kỹ thuật")]
    event = NominationsApproved(occurred_at=NOW, actor=SONTAY, batch_id="b-1", issuer=unit("HN-SONTAY"), nominations=batch)
    await approve_and_sign(awards, event)
    [decision] = awards.store.all_decisions()
    assert await counted(awards, "HN-SONTAY") == 2

    signed_file = await awards.store.signed_file(decision.id)
    view = await revocation.revoke(awards.context, SONTAY, RevokeDecision(id=decision.id, reason=f"  {REASON}  "))

    # Asking drafts the revocation decision: the decision stands, still counted, until the issuer's officer signs it.
    assert (view.status, view.status_label, view.revocation_pending, view.can_revoke) == (
        "issued",
        "Đang chờ ký quyết định thu hồi",
        True,
        False,
    )
    assert awards.outbox.of_type(DecisionRevoked) == []
    assert await counted(awards, "HN-SONTAY") == 2
    with pytest.raises(Conflict) as twice:
        await revocation.revoke(awards.context, SONTAY, RevokeDecision(id=decision.id, reason=REASON))
    assert twice.value.code == "revocation_pending"
    [draft] = [d for d in awards.store.register.drafts.values() if d.status == "awaiting_signature"]
    assert (draft.kind, draft.issuer.code, draft.approved_by) == ("revocation", "HN-SONTAY", SONTAY)
    with pytest.raises(Forbidden):  # the approver who asked does not sign it
        await signing.sign_draft(awards.context, SONTAY, SignDraft(id=draft.id))

    awards.clock.at = datetime(2026, 3, 5, 3, 0, tzinfo=UTC)
    [signed] = await sign_drafts(awards)
    [(revocation_id, number_text)] = [(d.id, d.number_text) for d in signed.signed]
    assert number_text == "2/QĐ-LĐLĐ"  # the issuer's one register: after the decision it revokes
    chair = chair_of(unit("HN-SONTAY")).full_name
    view = await decisions.get_decision(awards.context, SONTAY, DecisionById(id=decision.id))
    assert (view.status, view.status_label, view.can_revoke, view.can_mark_recovered) == ("revoked", "Đã thu hồi", False, True)
    assert view.revoked_in is not None
    assert (view.revoked_in.id, view.revoked_in.number_text) == (revocation_id, "2/QĐ-LĐLĐ")
    assert view.revocation is not None
    assert (view.revocation.reason, view.revocation.by, view.revocation.at) == (REASON, chair, awards.clock.at)
    assert [(n.status, n.recovery, n.recovery_amount_vnd) for n in view.nominees] == [
        ("revoked", "due", 710_000),
        ("revoked", "due", 1_410_000),
    ]
    assert view.recovery_due_vnd == 2_120_000
    [revoked] = awards.outbox.of_type(DecisionRevoked)
    assert isinstance(revoked, DecisionRevoked)
    assert [(e.nomination_id, e.prize_amount_vnd) for e in revoked.entries] == [("n-1", 710_000), ("n-2", 1_410_000)]
    assert await counted(awards, "HN-SONTAY") == 0
    assert await awards.store.signed_file(decision.id) == signed_file  # the signed decision is never altered
    its_revocation = await decisions.get_decision(awards.context, SONTAY, DecisionById(id=revocation_id))
    assert its_revocation.revokes is not None
    assert (its_revocation.kind, its_revocation.revokes.id, its_revocation.can_revoke) == ("revocation", decision.id, False)
    assert awards.signer.signed[-1] == ("HN-SONTAY", chair, "Ký ban hành quyết định thu hồi số 2/QĐ-LĐLĐ")
    book = await outgoing.outgoing_register(awards.context, SONTAY, OutgoingQuery(unit_code="HN-SONTAY", year=2026))
    assert [(line.number_text, line.kind_label, line.subject) for line in book.items] == [
        ("1/QĐ-LĐLĐ", "Quyết định", "Về việc khen thưởng Giấy khen của Ban Chấp hành Liên đoàn Lao động thị xã Sơn Tây năm 2026"),
        ("2/QĐ-LĐLĐ", "Quyết định", "Về việc thu hồi Quyết định số 1/QĐ-LĐLĐ"),
    ]
    printed = await documents.decision_document(
        awards.context, awards.units, SONTAY, DocumentRequest(id=revocation_id, format="html")
    )  # the console's page, from the template of the signed PDF
    page = base64.b64decode(printed.content_base64).decode()
    for expected in ("Số: 2/QĐ-LĐLĐ", "Về việc thu hồi Quyết định số 1/QĐ-LĐLĐ ngày 02/3/2026", REASON, "Phòng Kỹ thuật"):
        assert expected in page, expected

    view = await revocation.mark_recovered(awards.context, SONTAY, MarkRecovered(id=decision.id, nomination_id="n-1"))
    assert [(n.recovery, n.recovered_by) for n in view.nominees] == [("recovered", "Lãnh đạo LĐLĐ Sơn Tây"), ("due", None)]
    assert view.recovery_due_vnd == 1_410_000


@pytest.mark.asyncio
async def test_a_revocation_without_a_reason_is_refused_and_changes_nothing(awards: FakeAwards) -> None:
    await approve_and_sign(awards, approved(nomination("n-1")))
    [decision] = awards.store.all_decisions()
    events = list(awards.outbox.events)

    with pytest.raises(ValidationFailed) as refused:
        await revocation.revoke(awards.context, SONTAY, RevokeDecision(id=decision.id, reason="sai"))

    assert [f.field for f in refused.value.fields] == ["reason"]
    assert awards.store.all_decisions() == [decision]
    assert awards.outbox.events == events


@pytest.mark.asyncio
async def test_a_state_title_yields_a_numbered_proposal_without_prize_beside_the_union_decision(awards: FakeAwards) -> None:
    batch = [nomination("n-1", "chien_si_thi_dua_cap_tinh"), nomination("n-2", "bang_khen_ldld_tp")]
    event = NominationsApproved(occurred_at=NOW, actor=HANOI, batch_id="b-1", issuer=unit("HN"), nominations=batch)

    await approve_and_sign(awards, event, unit_prize=1_000_000)  # Bằng khen LĐLĐ TP: no amount in the catalogue

    by_kind = {d.kind: d for d in awards.store.all_decisions()}
    # One register of outgoing documents: the tờ trình (signed first) and the decision share the issuer's sequence
    assert (by_kind["proposal"].number_text, by_kind["decision"].number_text) == ("1/TTr-LĐLĐ", "2/QĐ-LĐLĐ")
    proposal = by_kind["proposal"]
    assert proposal.decided_by == "Bộ trưởng, Chủ tịch UBND tỉnh"
    [entry] = [e for e in awards.store.all_entries() if e.decision_id == proposal.id]
    assert (entry.nomination_id, entry.status, entry.prize_amount_vnd) == ("n-1", "proposed", 0)
    [proposed] = awards.outbox.of_type(AwardProposed)
    assert isinstance(proposed, AwardProposed)
    assert (proposed.nomination_id, proposed.decided_by, proposed.proposal.number_text) == (
        "n-1",
        proposal.decided_by,
        "1/TTr-LĐLĐ",
    )
    assert await counted(awards, "HN") == 1  # the Bằng khen; a proposal is not an award (yet)


@pytest.mark.asyncio
async def test_the_issuers_superior_is_read_from_the_path_the_approval_carries(awards: FakeAwards) -> None:
    """A ward union a reorganisation created (registration's tree has it, the seed file does not)."""
    ward = UnitRef(code="HN-P-THANHXUAN", name="Công đoàn phường Thanh Xuân", short_name="CĐ phường", level="district")
    route = [unit("HN-THANHXUAN-UBNDPHUONG"), ward, unit("HN"), unit("TLD")]
    event = NominationApproved(
        occurred_at=NOW,
        actor=SONTAY,
        nomination=nomination("n-1", unit_code="HN-THANHXUAN-UBNDPHUONG", unit_path=route),
        issuer=ward,
    )

    await approve_and_sign(awards, event)

    [decision] = awards.store.all_decisions()
    assert decision.document is not None
    assert decision.document.issuer_parent_name == "Liên đoàn Lao động Thành phố Hà Nội"
    assert decision.readers == ("HN", "HN-P-THANHXUAN", "HN-THANHXUAN-UBNDPHUONG", "TLD")
    assert awards.units.asked == []  # nothing asked of registration: the event said it


def pdf_words(content_base64: str) -> str:
    reader = pypdf.PdfReader(io.BytesIO(base64.b64decode(content_base64)))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@pytest.mark.asyncio
async def test_a_decision_issued_before_frames_were_stored_asks_registration_for_its_issuers_superior(
    awards: FakeAwards,
) -> None:
    await approve_and_sign(awards, approved(nomination("n-1")))
    [decision] = awards.store.all_decisions()
    awards.store.register.decisions[decision.id] = dataclasses.replace(decision, document=None)
    del awards.store.register.signed_files[decision.id]  # issued before documents were signed, too

    file = await documents.decision_document(awards.context, awards.units, SONTAY, DocumentRequest(id=decision.id))

    assert (file.filename, file.media_type) == ("quyet-dinh-1-2026-HN-SONTAY.pdf", "application/pdf")
    assert awards.units.asked == [("HN-SONTAY", frozenset({date(2026, 3, 2)}))]
    # The masthead: the superior's name over the issuer's.
    assert pdf_words(file.content_base64).startswith("LIÊN ĐOÀN LAO ĐỘNG THÀNH PHỐ HÀ NỘI LIÊN ĐOÀN LAO ĐỘNG THỊ XÃ SƠN TÂY")


@pytest.mark.asyncio
async def test_the_grassroots_register_records_a_row_sent_twice_once(awards: FakeAwards) -> None:
    row = GrassrootsRow(
        award_code="sang_kien_co_so",
        nominee_name="Trần Thị Bình",
        decided_on=date(2025, 12, 20),
        title="Giải pháp tiết kiệm điện",
    )
    cmd = RecordGrassroots(unit_code="HN-SONTAY-DST", entries=[row, row])

    first = await grassroots.record_grassroots(awards.context, awards.units, DST, cmd)
    again = await grassroots.record_grassroots(awards.context, awards.units, DST, cmd)

    assert (first.recorded, first.already_recorded, first.rows) == (1, 1, 2)
    assert (again.recorded, again.already_recorded) == (0, 2)
    [entry] = awards.store.all_entries()
    assert (entry.unit_code, entry.decision_id, entry.status) == ("HN-SONTAY-DST", None, "granted")
    assert await counted(awards, "HN-SONTAY") == 1
    assert awards.outbox.events == []  # the grassroots register publishes nothing


@pytest.mark.asyncio
async def test_the_grassroots_register_looks_at_the_catalogue_directory_once_a_batch(
    awards: FakeAwards, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each look lists and stats every version file (~0.2 ms): once a row, a register of 2,000 rows held awards' event
    loop 0.35 s longer."""
    looks: list[object] = []
    read = catalog_rules.catalog_files

    def counted_read(*args: Any) -> Any:
        looks.append(args)
        return read(*args)

    monkeypatch.setattr(catalog_rules, "catalog_files", counted_read)
    rows = [
        GrassrootsRow(award_code="sang_kien_co_so", nominee_name=f"Trần Thị Bình {i}", decided_on=date(2025, 12, 20))
        for i in range(50)
    ]

    done = await grassroots.record_grassroots(
        awards.context, awards.units, DST, RecordGrassroots(unit_code="HN-SONTAY-DST", entries=rows)
    )

    assert (done.recorded, len(looks)) == (50, 1)


@pytest.mark.asyncio
async def test_an_approval_by_a_unit_not_of_the_awarding_level_issues_nothing_and_is_refused_as_inconsistent(
    awards: FakeAwards,
) -> None:
    """A forged or garbled approval: the city approving a district Giấy khen, or a Bằng khen of the city approved by a
    district. No number is taken, no document, no event: the consumer dead-letters it (`inconsistent_event`)."""
    with pytest.raises(InconsistentEvent, match="awarded at district"):
        await approve_and_sign(awards, approved(nomination("n-1"), "HN"))
    with pytest.raises(InconsistentEvent, match="awarded at city"):
        await approve_and_sign(awards, approved(nomination("n-2", "bang_khen_ldld_tp")))
    batch = [nomination("n-3"), nomination("n-4", "bang_khen_ldld_tp")]
    with pytest.raises(InconsistentEvent):
        await issuing.on_batch_approved(
            awards.context,
            NominationsApproved(occurred_at=NOW, actor=HANOI, batch_id="b-9", issuer=unit("HN"), nominations=batch),
        )
    assert awards.store.all_decisions() == []
    assert awards.outbox.events == []
    await approve_and_sign(awards, approved(nomination("n-1")))  # the real one still gets number 1
    assert [d.number_text for d in awards.store.all_decisions()] == ["1/QĐ-LĐLĐ"]


@pytest.mark.asyncio
async def test_the_catalogue_names_each_award_as_the_unions_above_the_submitting_unit_print_it(awards: FakeAwards) -> None:
    named = {
        a.code: a.issued_as
        for a in (await catalog.list_catalog(awards.context, awards.units, DST, CatalogQuery(unit_code="HN-SONTAY-DST"))).awards
    }
    assert named["giay_khen_cdcs"] == "Giấy khen của Ban Chấp hành Công đoàn Công ty CP tập đoàn DST"
    assert named["giay_khen_ldld_huyen"] == "Giấy khen của Ban Chấp hành Liên đoàn Lao động thị xã Sơn Tây"
    assert named["bang_khen_ldld_tp"] == "Bằng khen của Ban Chấp hành Liên đoàn Lao động Thành phố Hà Nội"
    assert named["bang_khen_tong_ldld"] == "Bằng khen của Ban Chấp hành Tổng Liên đoàn Lao động Việt Nam"
    plain = (await catalog.list_catalog(awards.context, awards.units, DST, CatalogQuery())).awards
    assert all(a.issued_as == a.name for a in plain)  # no unit asked about: the catalogue's own names
