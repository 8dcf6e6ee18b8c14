"""Standing councils in review's use cases (in-memory store): who keeps them, and a meeting's counts from the roster."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest

from services.review.usecases import councils, intake, standing_councils
from services.review.usecases.context import ReviewContext
from shared.contracts.commands import AddCouncilMember, CouncilMeeting, EndCouncilMember, NewStandingCouncil, NomineeVote
from shared.contracts.errors import Forbidden, ValidationFailed
from shared.contracts.events import NominationSnapshot, NominationSubmitted, Nominee
from shared.contracts.operations.review import StandingCouncilsQuery
from shared.platform.clock import FixedClock
from tests.fakes import default_rulebook
from tests.fakes.review import FakeUnitOfWork
from tests.unit.factories import actor, path

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
HELD = date(2026, 3, 2)
ADMIN_SONTAY = actor("u-qt", ("unit_admin", "HN-SONTAY"))
SONTAY = actor("u-sontay", ("approver", "HN-SONTAY"))
THANHXUAN = actor("u-tx", ("approver", "HN-THANHXUAN"), ("unit_admin", "HN-THANHXUAN"))
SUBMITTER = actor("u-dst", ("submitter", "HN-SONTAY-DST"))


@pytest.fixture
def review() -> ReviewContext:
    uow = FakeUnitOfWork()
    return ReviewContext(clock=FixedClock(NOW), unit_of_work=lambda: uow, rules=default_rulebook())


def founding(unit_code: str = "HN-SONTAY") -> NewStandingCouncil:
    return NewStandingCouncil.model_validate(
        {
            "unit_code": unit_code,
            "kind": "joint",
            "decision_number": "3/QĐ-LT",
            "decision_date": "2026-01-02",
            "decision_signer": "Phạm Quang Huy",
            "members": [
                {"full_name": "Phạm Quang Huy", "role": "chair"},
                {"full_name": "Nguyễn Văn Hải", "role": "vice_chair"},
                {"full_name": "Lê Thị Thu", "role": "member", "term_from": "2026-04-01"},  # not yet on the day
                {"full_name": "Trần Thị Kim", "role": "secretary"},
            ],
        }
    )


@pytest.mark.asyncio
async def test_only_the_units_admin_founds_and_changes_a_council(review: ReviewContext) -> None:
    for outsider in (SONTAY, THANHXUAN):  # the unit's approver; another unit's admin
        with pytest.raises(Forbidden):
            await standing_councils.create_council(review, outsider, founding())
    created = await standing_councils.create_council(review, ADMIN_SONTAY, founding())
    assert (created.kind_name, created.name, created.serving) == (
        "Hội đồng Thi đua – Khen thưởng liên tịch với người sử dụng lao động",
        "Hội đồng Thi đua – Khen thưởng liên tịch với người sử dụng lao động",
        3,
    )
    assert [m.role_name for m in created.members] == ["Chủ tịch Hội đồng", "Phó Chủ tịch Hội đồng", "Ủy viên", "Thư ký"]
    with pytest.raises(Forbidden):
        await standing_councils.add_member(review, SONTAY, AddCouncilMember(council_id=created.id, full_name="Ai Đó"))
    with pytest.raises(Forbidden):
        await standing_councils.list_councils(review, THANHXUAN, StandingCouncilsQuery(unit_code="HN-SONTAY"))
    listed = await standing_councils.list_councils(review, SONTAY, StandingCouncilsQuery(unit_code="HN-SONTAY"))
    assert (listed.can_manage, len(listed.councils)) == (False, 1)
    chair = created.members[0].id
    with pytest.raises(ValidationFailed) as early:
        await standing_councils.end_member(
            review, ADMIN_SONTAY, EndCouncilMember(council_id=created.id, member_id=created.members[2].id, term_to=HELD)
        )
    assert [f.field for f in early.value.fields] == ["term_to"]
    ended = await standing_councils.end_member(
        review, ADMIN_SONTAY, EndCouncilMember(council_id=created.id, member_id=chair, term_to=date(2026, 3, 1))
    )
    assert ended.serving == 2


async def task_in_sontay(review: ReviewContext) -> str:
    nom = NominationSnapshot(
        id=str(uuid.uuid4()),
        unit_path=path("HN-SONTAY-DST"),
        award_code="giay_khen_ldld_huyen",
        award_name="Giấy khen",
        awarding_level="district",
        catalog_version="union-2025.1",
        period="2026",
        nominee=Nominee(kind="individual", name="Nguyễn Văn An"),
        achievements="Hoàn thành xuất sắc nhiệm vụ được giao trong năm.",
    )
    await intake.on_submitted(review, NominationSubmitted(occurred_at=NOW, actor=SUBMITTER, nomination=nom))
    async with review.unit_of_work() as uow:
        [record] = [r for r in uow.data.tasks.values() if r.task.nomination_id == nom.id]  # type: ignore[attr-defined]
    return str(record.task.id)


@pytest.mark.asyncio
async def test_a_meeting_counts_the_roster_of_the_day_and_is_judged_by_its_kind(review: ReviewContext) -> None:
    created = await standing_councils.create_council(review, ADMIN_SONTAY, founding())
    task_id = await task_in_sontay(review)
    ids = [m.id for m in created.members]
    body = CouncilMeeting(
        held_on=HELD,
        council_id=created.id,
        present_member_ids=[ids[1], ids[3], ids[1]],
        votes=[NomineeVote(task_id=task_id, votes_for=2)],
    )
    recorded = await councils.record_meeting(review, SONTAY, body)
    # Serving on 02/03: three (one starts in April); present: two (a member ticked twice counts once).
    assert (recorded.members, recorded.present, recorded.warnings) == (3, 2, [])
    [vote] = recorded.votes
    assert vote.rule.startswith("Theo quy định: Hội đồng (quy định kiểm thử, đã xác nhận)")  # the joint kind's rule
    assert vote.passed  # 2/3 present ≥ 2/3; 2/2 ≥ 70 %
    not_yet = body.model_copy(update={"present_member_ids": [ids[2]]})
    with pytest.raises(ValidationFailed) as refused:
        await councils.record_meeting(review, SONTAY, not_yet)
    assert "present_member_ids.0" in [f.field for f in refused.value.fields]
    other = await standing_councils.create_council(review, THANHXUAN, founding("HN-THANHXUAN"))
    with pytest.raises(ValidationFailed) as elsewhere:
        await councils.record_meeting(
            review,
            SONTAY,
            body.model_copy(update={"council_id": other.id, "present_member_ids": [m.id for m in other.members[:2]]}),
        )
    assert elsewhere.value.code == "council_other_unit"
