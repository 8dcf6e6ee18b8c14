"""Registration's use cases on in-memory fakes of the store and the outbox: what a command accepts, refuses, stores
and announces, with no database and no broker (the integration tests prove the SQL store and the relay)."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from services.registration.store.port import Store
from services.registration.usecases import emulation, nominations, reactions, units
from services.registration.usecases.context import RegistrationContext
from shared.contracts.commands import NewCampaign, NominationDraft, PledgeRegistration
from shared.contracts.errors import Conflict, Forbidden, InconsistentEvent, InvalidTransition, ValidationFailed
from shared.contracts.events import (
    Actor,
    AwardGranted,
    DecisionSnapshot,
    NominationResubmitted,
    NominationReturned,
    NominationSubmitted,
    NominationWithdrawn,
    ProposalSigned,
    RoleGrant,
    TaskOpened,
    TaskSnapshot,
)
from shared.contracts.operations.registration import (
    CampaignCode,
    DecidePledge,
    EditNomination,
    IgnoredParams,
    NominationId,
    NominationQuery,
    WithdrawNomination,
)
from shared.platform.clock import FixedClock
from shared.rules.reference import UnitTree, load_seed_campaigns, load_units
from shared.rules.rulebook import Rulebook
from tests.fakes import default_rulebook
from tests.fakes.registration import FakeUnitOfWork

MARCH_2026 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
TREE = UnitTree(load_units())
SONTAY = TREE.path("HN-SONTAY")[0]


def actor(user_id: str, role: Any, unit_code: str | None, full_name: str = "") -> Actor:
    return Actor(user_id=user_id, username=user_id, full_name=full_name, roles=(RoleGrant(role=role, unit_code=unit_code),))


SUBMITTER = actor("u-dst", "submitter", "HN-SONTAY-DST", "Cán bộ CĐCS Đường sắt")
VANQUAN_SUBMITTER = actor("u-vanquan", "submitter", "HN-HADONG-VANQUAN")
APPROVER_SONTAY = actor("u-sontay", "approver", "HN-SONTAY", "Lãnh đạo LĐLĐ Sơn Tây")
APPROVER_THANHXUAN = actor("u-thanhxuan", "approver", "HN-THANHXUAN")
APPROVER_HN = actor("u-hanoi", "approver", "HN")


def draft(name: str = "Nguyễn Văn An", **changes: Any) -> NominationDraft:
    """What a CĐCS of Sơn Tây submits for a district Giấy khen."""
    body: dict[str, Any] = {
        "unit_code": "HN-SONTAY-DST",
        "award_code": "giay_khen_ldld_huyen",
        "period": "2026",
        "nominee": {"kind": "individual", "name": name},
        "achievements": "Hoàn thành xuất sắc nhiệm vụ, có sáng kiến được công nhận cấp cơ sở.",
    }
    return NominationDraft.model_validate(body | changes)


@dataclass
class World:
    ctx: RegistrationContext
    uow: FakeUnitOfWork
    clock: FixedClock


@pytest_asyncio.fixture
async def world() -> World:
    """The demo unit tree and the seed campaigns, in a fresh in-memory store, on 2 March 2026."""
    clock = FixedClock(MARCH_2026)
    uow = FakeUnitOfWork()
    ctx = RegistrationContext(uow=uow, clock=clock, rules=default_rulebook())
    await units.load_units(ctx, load_units())
    await emulation.load_campaigns(ctx, load_seed_campaigns())
    return World(ctx=ctx, uow=uow, clock=clock)


async def returned(world: World, nomination_id: str, reason: str = "Bổ sung biên bản họp Hội đồng") -> None:
    """Review queues the nomination at Sơn Tây, then returns it for correction."""
    task = TaskSnapshot(task_id="t-1", nomination_id=nomination_id, unit=SONTAY, state="open", round=1)
    world.clock.advance(timedelta(hours=1))
    await reactions.on_review_event(world.ctx, TaskOpened(occurred_at=world.clock.now(), task=task))
    world.clock.advance(timedelta(hours=1))
    returning = NominationReturned(
        occurred_at=world.clock.now(), actor=APPROVER_SONTAY, nomination_id=nomination_id, unit=SONTAY, reason=reason
    )
    await reactions.on_review_event(world.ctx, returning)


# Submission


@pytest.mark.asyncio
async def test_the_root_of_the_unit_tree_is_the_unit_with_no_parent(world: World) -> None:
    root = await units.unit_root(world.ctx, SUBMITTER, IgnoredParams())
    assert (root.code, root.level) == ("TLD", "national")


@pytest.mark.asyncio
async def test_a_valid_submission_is_stored_with_its_path_and_timeline_and_announces_one_event(world: World) -> None:
    view = await nominations.submit(world.ctx, SUBMITTER, draft())

    assert (view.status, view.status_label, view.round) == ("submitted", "Đã nộp", 1)
    assert [u.code for u in view.unit_path] == ["HN-SONTAY-DST", "HN-SONTAY", "HN", "TLD"]
    assert [(s.step, s.actor_name) for s in view.timeline] == [("submitted", "Cán bộ CĐCS Đường sắt")]
    assert str(view.timeline[0].comment).startswith("Kiểm tra điều kiện:")
    assert {c.rule for c in view.eligibility} >= {"one_achievement", "min_months_employed"}
    [event] = world.uow.outbox.events
    assert isinstance(event, NominationSubmitted)
    assert (event.correlation_id, event.nomination.id, event.actor) == (view.id, view.id, SUBMITTER)
    assert event.nomination.unit_sector == TREE.units["HN-SONTAY-DST"].sector


class ReviewAtOnce(FakeUnitOfWork):
    """Review opens the task the moment a submission commits, before registration has answered its caller: the order
    a busy machine may give."""

    ctx: RegistrationContext

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Store]:
        before = len(self.outbox.events)
        async with super().transaction() as store:
            yield store
        for event in [e for e in self.outbox.events[before:] if isinstance(e, NominationSubmitted)]:
            task = TaskSnapshot(task_id="t-1", nomination_id=event.nomination.id, unit=SONTAY, state="open", round=1)
            await reactions.on_review_event(self.ctx, TaskOpened(occurred_at=event.occurred_at, task=task))


@pytest.mark.asyncio
async def test_the_reply_to_a_submission_is_the_nomination_as_submitted_however_soon_review_takes_it_up() -> None:
    uow = ReviewAtOnce()
    uow.ctx = RegistrationContext(uow=uow, clock=FixedClock(MARCH_2026), rules=default_rulebook())
    await units.load_units(uow.ctx, load_units())
    view = await nominations.submit(uow.ctx, SUBMITTER, draft())
    assert (view.status, [s.step for s in view.timeline]) == ("submitted", ["submitted"])
    later = await nominations.get_nomination(uow.ctx, SUBMITTER, NominationId(id=view.id))
    assert later.status != "submitted"  # review had taken it up before the reply was sent


@pytest.mark.asyncio
async def test_a_submission_with_wrong_fields_is_refused_naming_each_field_and_leaves_nothing(world: World) -> None:
    with pytest.raises(ValidationFailed) as refused:
        await nominations.submit(world.ctx, SUBMITTER, draft(period="19", achievements="Ngắn quá"))

    assert {f.field for f in refused.value.fields} == {"period", "achievements"}
    assert world.uow.state.nominations == {}
    assert world.uow.outbox.events == []


@pytest.mark.asyncio
async def test_an_unconfirmed_exclusion_only_warns_the_approver(world: World) -> None:
    """The CĐCS exclusions come from one province's guideline (`confirmed = false`): they may not refuse anybody."""
    nominee = {"kind": "individual", "name": "Nguyễn Văn An", "months_employed": 8, "absence_working_days": 45}

    view = await nominations.submit(world.ctx, SUBMITTER, draft(nominee=nominee))

    warned = {c.field: c for c in view.eligibility if c.status == "warning"}
    assert warned["nominee.months_employed"].message.startswith("Công tác 8 tháng, cần từ 10 tháng")
    assert warned["nominee.months_employed"].source.endswith("(chưa xác nhận)")
    assert "nominee.absence_working_days" in warned
    assert not [c for c in view.eligibility if c.status == "fail"]


def confirmed_exclusions(tmp_path: Path) -> Rulebook:
    """The shipped catalogue, as an office that confirmed the CĐCS exclusions with their source would install it."""
    catalog_dir = tmp_path / "catalog"
    shutil.copytree(default_rulebook().catalog_dir, catalog_dir)
    for version in catalog_dir.glob("union-*.toml"):
        text = version.read_text(encoding="utf-8")
        version.write_text(text.replace('MyFile/17269"\nconfirmed = false', 'MyFile/17269"\nconfirmed = true'), encoding="utf-8")
    assert 'MyFile/17269"\nconfirmed = true' in (catalog_dir / "union-2025-01-01.toml").read_text(encoding="utf-8")
    return replace(default_rulebook(), catalog_dir=catalog_dir)


@pytest.mark.asyncio
async def test_a_nominee_who_fails_a_confirmed_criterion_is_refused_with_the_reason_on_the_declared_fact(
    world: World, tmp_path: Path
) -> None:
    world = World(ctx=replace(world.ctx, rules=confirmed_exclusions(tmp_path)), uow=world.uow, clock=world.clock)
    nominee = {"kind": "individual", "name": "Nguyễn Văn An", "months_employed": 8, "absence_working_days": 45}

    with pytest.raises(ValidationFailed) as refused:
        await nominations.submit(world.ctx, SUBMITTER, draft(nominee=nominee))

    assert refused.value.code == "not_eligible"
    messages = {f.field: f.message for f in refused.value.fields}
    assert set(messages) == {"nominee.months_employed", "nominee.absence_working_days"}
    assert messages["nominee.months_employed"].startswith("Công tác 8 tháng, cần từ 10 tháng")
    assert world.uow.state.nominations == {}
    assert world.uow.outbox.events == []


@pytest.mark.asyncio
async def test_a_submitter_of_another_unit_is_refused(world: World) -> None:
    with pytest.raises(Forbidden) as refused:
        await nominations.submit(world.ctx, VANQUAN_SUBMITTER, draft())

    assert refused.value.code == "not_unit_submitter"
    assert world.uow.outbox.events == []


@pytest.mark.asyncio
async def test_the_same_nominee_award_and_period_again_is_a_duplicate_until_the_first_is_withdrawn(world: World) -> None:
    first = await nominations.submit(world.ctx, SUBMITTER, draft())

    with pytest.raises(Conflict) as refused:
        await nominations.submit(world.ctx, SUBMITTER, draft(name="  nguyễn văn  an "))
    assert refused.value.code == "duplicate_nomination"
    assert len(world.uow.state.nominations) == 1

    await nominations.withdraw(world.ctx, SUBMITTER, WithdrawNomination(id=first.id, reason="Nộp nhầm kỳ"))
    again = await nominations.submit(world.ctx, SUBMITTER, draft(name="Nguyễn Văn An"))
    assert again.id != first.id
    assert [type(e) for e in world.uow.outbox.events] == [NominationSubmitted, NominationWithdrawn, NominationSubmitted]


# Edit and resubmission after a return


@pytest.mark.asyncio
async def test_a_returned_nomination_is_edited_then_resubmitted_for_a_second_round(world: World) -> None:
    submitted = await nominations.submit(world.ctx, SUBMITTER, draft())
    await returned(world, submitted.id)
    back = await nominations.get_nomination(world.ctx, SUBMITTER, NominationId(id=submitted.id))
    assert (back.status, back.last_reason, back.current_unit_code) == ("returned", "Bổ sung biên bản họp Hội đồng", "HN-SONTAY")

    world.clock.advance(timedelta(hours=1))
    longer = "Hoàn thành xuất sắc nhiệm vụ, hai sáng kiến được công nhận cấp cơ sở, dẫn đầu phong trào thi đua."
    edited = await nominations.update(world.ctx, SUBMITTER, EditNomination(id=submitted.id, achievements=longer, comment="Sửa"))
    assert (edited.status, edited.round, edited.achievements) == ("returned", 1, longer)
    assert edited.timeline[-1].step == "edited"
    assert edited.timeline[-1].comment == "Sửa"
    assert len(world.uow.outbox.events) == 1  # an edit announces nothing

    world.clock.advance(timedelta(hours=1))
    again = await nominations.resubmit(world.ctx, SUBMITTER, EditNomination(id=submitted.id, comment="Đã bổ sung biên bản"))

    assert (again.status, again.round) == ("submitted", 2)
    assert [s.step for s in again.timeline] == ["submitted", "queued", "returned", "edited", "resubmitted"]
    assert str(again.timeline[-1].comment).startswith("Đã bổ sung biên bản; Kiểm tra điều kiện:")
    [resubmission] = world.uow.outbox.of_type(NominationResubmitted)
    assert isinstance(resubmission, NominationResubmitted)
    assert (resubmission.nomination.round, resubmission.nomination.achievements) == (2, longer)
    assert resubmission.comment == "Đã bổ sung biên bản"


@pytest.mark.asyncio
async def test_a_nomination_not_returned_cannot_be_edited_or_resubmitted(world: World) -> None:
    submitted = await nominations.submit(world.ctx, SUBMITTER, draft())

    with pytest.raises(InvalidTransition):
        await nominations.update(world.ctx, SUBMITTER, EditNomination(id=submitted.id, period="2025"))
    with pytest.raises(InvalidTransition):
        await nominations.resubmit(world.ctx, SUBMITTER, EditNomination(id=submitted.id))
    assert world.uow.state.nominations[submitted.id].period == "2026"


@pytest.mark.asyncio
async def test_review_events_are_applied_once_even_when_delivered_twice(world: World) -> None:
    submitted = await nominations.submit(world.ctx, SUBMITTER, draft())
    task = TaskSnapshot(task_id="t-1", nomination_id=submitted.id, unit=SONTAY, state="open", round=1)
    opened = TaskOpened(occurred_at=world.clock.now(), task=task)

    await reactions.on_review_event(world.ctx, opened)
    await reactions.on_review_event(world.ctx, opened)

    view = await nominations.get_nomination(world.ctx, SUBMITTER, NominationId(id=submitted.id))
    assert (view.status, view.current_unit_name) == ("in_review", SONTAY.name)
    assert [s.step for s in view.timeline] == ["submitted", "queued"]


@pytest.mark.asyncio
async def test_the_signed_letter_that_took_a_dossier_up_is_on_its_timeline_once_without_changing_its_status(
    world: World,
) -> None:
    submitted = await nominations.submit(world.ctx, SUBMITTER, draft())
    task = TaskSnapshot(task_id="t-1", nomination_id=submitted.id, unit=SONTAY, state="open", round=1)
    await reactions.on_review_event(world.ctx, TaskOpened(occurred_at=world.clock.now(), task=task))
    signed = ProposalSigned(
        occurred_at=world.clock.now(),
        actor=actor("u-ky", "signer", "HN-SONTAY", "Nguyễn Văn Ký"),
        proposal_id="p-1",
        document_id="d-1",
        issuer=SONTAY,
        number=4,
        number_text="4/TTr-LĐLĐ",
        year=2026,
        issued_at=MARCH_2026,
        signer_name="Nguyễn Văn Ký",
        nomination_ids=[submitted.id, "n-of-another-registration"],
    )

    await reactions.on_proposal_signed(world.ctx, signed)
    await reactions.on_proposal_signed(world.ctx, signed)  # redelivered

    view = await nominations.get_nomination(world.ctx, SUBMITTER, NominationId(id=submitted.id))
    assert view.status == "in_review"
    assert [(s.step, s.comment) for s in view.timeline][-1] == (
        "letter_signed",
        "Tờ trình số 4/TTr-LĐLĐ ngày 02/03/2026 do Nguyễn Văn Ký ký",
    )
    assert [s.step for s in view.timeline].count("letter_signed") == 1


@pytest.mark.asyncio
async def test_a_decision_for_another_award_or_by_another_level_is_refused_and_changes_nothing(world: World) -> None:
    """Events are checked against the nomination registration holds (issue 14): a grant of the city's Bằng khen for a
    nomination asking a district Giấy khen, or the right award from the wrong level, is `InconsistentEvent` (the
    consumer dead-letters it) and the nomination keeps its status and timeline."""
    submitted = await nominations.submit(world.ctx, SUBMITTER, draft())
    task = TaskSnapshot(task_id="t-1", nomination_id=submitted.id, unit=SONTAY, state="open", round=1)
    await reactions.on_review_event(world.ctx, TaskOpened(occurred_at=world.clock.now(), task=task))
    hanoi = TREE.path("HN")[0]

    def granted(award_code: str, issuer: Any) -> AwardGranted:
        decision = DecisionSnapshot(
            decision_id="d-1",
            number=1,
            number_text="1/QĐ-LĐLĐ",
            year=2026,
            issuer=issuer,
            issued_at=world.clock.now(),
            award_code=award_code,
            award_name=award_code,
            prize_amount_vnd=0,
        )
        return AwardGranted(occurred_at=world.clock.now(), nomination_id=submitted.id, decision=decision)

    with pytest.raises(InconsistentEvent, match="for award bang_khen_ldld_tp"):
        await reactions.on_review_event(world.ctx, granted("bang_khen_ldld_tp", hanoi))
    with pytest.raises(InconsistentEvent, match="awarded at district"):
        await reactions.on_review_event(world.ctx, granted("giay_khen_ldld_huyen", hanoi))
    view = await nominations.get_nomination(world.ctx, SUBMITTER, NominationId(id=submitted.id))
    assert (view.status, view.decision) == ("in_review", None)
    assert [s.step for s in view.timeline] == ["submitted", "queued"]
    await reactions.on_review_event(world.ctx, granted("giay_khen_ldld_huyen", SONTAY))  # consistent: taken


# Withdrawal


@pytest.mark.asyncio
async def test_a_withdrawn_nomination_keeps_its_reason_and_announces_it(world: World) -> None:
    submitted = await nominations.submit(world.ctx, SUBMITTER, draft())

    with pytest.raises(Forbidden):
        await nominations.withdraw(world.ctx, VANQUAN_SUBMITTER, WithdrawNomination(id=submitted.id))
    view = await nominations.withdraw(world.ctx, SUBMITTER, WithdrawNomination(id=submitted.id, reason="Nộp nhầm"))

    assert (view.status, view.last_reason) == ("withdrawn", "Nộp nhầm")
    assert (view.timeline[-1].step, view.timeline[-1].comment) == ("withdrawn", "Nộp nhầm")
    [withdrawal] = world.uow.outbox.of_type(NominationWithdrawn)
    assert isinstance(withdrawal, NominationWithdrawn)
    assert (withdrawal.nomination_id, withdrawal.reason) == (submitted.id, "Nộp nhầm")
    with pytest.raises(InvalidTransition):
        await nominations.withdraw(world.ctx, SUBMITTER, WithdrawNomination(id=submitted.id))


@pytest.mark.asyncio
async def test_lists_show_a_submitter_their_unit_and_an_approver_what_is_under_them(world: World) -> None:
    submitted = await nominations.submit(world.ctx, SUBMITTER, draft())

    mine = await nominations.list_nominations(world.ctx, SUBMITTER, NominationQuery())
    under_sontay = await nominations.list_nominations(world.ctx, APPROVER_SONTAY, NominationQuery(status="submitted"))
    elsewhere = await nominations.list_nominations(world.ctx, APPROVER_THANHXUAN, NominationQuery())

    assert [n.id for n in mine.items] == [n.id for n in under_sontay.items] == [submitted.id]
    assert (elsewhere.total, elsewhere.items) == (0, [])
    with pytest.raises(Forbidden):
        await nominations.get_nomination(world.ctx, APPROVER_THANHXUAN, NominationId(id=submitted.id))


# Emulation


def campaign(quota: int) -> NewCampaign:
    return NewCampaign.model_validate(
        {
            "code": "HN-2026-THANG-CONG-NHAN",
            "name": "Tháng Công nhân 2026",
            "plan_ref": "12/KH-LĐLĐ",
            "launching_unit_code": "HN",
            "starts_on": "2026-02-01",
            "ends_on": "2026-05-31",
            "targets": [{"award_code": "cong_nhan_gioi_thu_do", "quota": quota}],
        }
    )


@pytest.mark.asyncio
async def test_a_campaign_launched_with_one_place_takes_the_first_nomination_and_refuses_the_next(world: World) -> None:
    with pytest.raises(Forbidden):
        await emulation.create_campaign(world.ctx, APPROVER_SONTAY, campaign(quota=1))
    created = await emulation.create_campaign(world.ctx, APPROVER_HN, campaign(quota=1))
    assert (created.open, created.targets[0].remaining) == (True, 1)

    for_campaign = {"award_code": "cong_nhan_gioi_thu_do", "campaign_code": created.code}
    first = await nominations.submit(world.ctx, SUBMITTER, draft(**for_campaign))
    with pytest.raises(ValidationFailed) as refused:
        await nominations.submit(world.ctx, SUBMITTER, draft(name="Trần Thị Bình", **for_campaign))

    assert first.campaign_code == created.code
    assert {c.rule for c in first.eligibility} >= {"campaign_window", "campaign_quota"}
    assert refused.value.code == "campaign_quota_reached"
    assert [f.field for f in refused.value.fields] == ["campaign_code"]
    after = await emulation.get_campaign(world.ctx, SUBMITTER, CampaignCode(code=created.code))
    assert (after.targets[0].used, after.targets[0].remaining) == (1, 0)
    with pytest.raises(Conflict):
        await emulation.create_campaign(world.ctx, APPROVER_HN, campaign(quota=5))


@pytest.mark.asyncio
async def test_a_pledge_returned_by_the_direct_superior_is_corrected_and_then_confirmed(world: World) -> None:
    pledge = PledgeRegistration.model_validate(
        {"unit_code": "HN-SONTAY-DST", "year": 2026, "targets": [{"award_code": "lao_dong_tien_tien", "count": 5}]}
    )
    registered = await emulation.register_pledge(world.ctx, SUBMITTER, pledge)
    assert (registered.status, registered.superior_code, registered.late) == ("submitted", "HN-SONTAY", False)
    assert registered.deadline >= date(2026, 3, 2)

    with pytest.raises(Forbidden):
        await emulation.decide_pledge(world.ctx, APPROVER_HN, DecidePledge(id=registered.id, action="confirm"))
    with pytest.raises(ValidationFailed):
        await emulation.decide_pledge(world.ctx, APPROVER_SONTAY, DecidePledge(id=registered.id, action="return"))
    sent_back = await emulation.decide_pledge(
        world.ctx, APPROVER_SONTAY, DecidePledge(id=registered.id, action="return", reason="Thiếu chỉ tiêu")
    )
    assert (sent_back.status, sent_back.reason, sent_back.decided_by) == ("returned", "Thiếu chỉ tiêu", "Lãnh đạo LĐLĐ Sơn Tây")

    corrected = await emulation.register_pledge(world.ctx, SUBMITTER, pledge.model_copy(update={"note": "Thêm chỉ tiêu"}))
    confirmed = await emulation.decide_pledge(world.ctx, APPROVER_SONTAY, DecidePledge(id=registered.id, action="confirm"))

    assert (corrected.id, corrected.status, corrected.note) == (registered.id, "submitted", "Thêm chỉ tiêu")
    assert confirmed.status == "confirmed"
    with pytest.raises(Conflict):
        await emulation.register_pledge(world.ctx, SUBMITTER, pledge)
    assert world.uow.outbox.events == []  # pledges announce nothing
