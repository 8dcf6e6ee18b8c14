"""What an escalation by authority writes on a nomination's timeline in registration: the superior alerted while the
task stays with its unit, a superior's new due date, and (for events from before issue 17) a move up."""

from __future__ import annotations

from datetime import UTC, datetime

from services.registration.domain.nomination import STEP_LABELS_VI, Step
from services.registration.domain.timeline import timeline_step
from shared.contracts.events import SYSTEM_ACTOR, NominationForwarded, TaskEscalated, TaskSentBack, TaskSnapshot
from tests.unit.factories import actor, unit

AT = datetime(2026, 3, 17, 2, 0, tzinfo=UTC)
DUE = datetime(2026, 3, 16, 16, 59, tzinfo=UTC)
DISTRICT, CITY = unit("HN-SONTAY"), unit("HN")


def snapshot(**changes: object) -> TaskSnapshot:
    base = TaskSnapshot(task_id="t-1", nomination_id="n-1", unit=DISTRICT, state="open", round=1, due_at=DUE)
    return base.model_copy(update=changes)


def test_an_alerted_superior_is_said_at_the_units_own_step() -> None:
    event = TaskEscalated(
        occurred_at=AT,
        actor=SYSTEM_ACTOR,
        task=snapshot(queue_unit=DISTRICT, alerted=[CITY]),
        from_unit=DISTRICT,
        to_unit=CITY,
        reason="overdue",
        was_due_at=DUE,
    )
    step, nomination_id, at_unit, comment = timeline_step(event)
    assert (step, nomination_id, at_unit.code) == (Step.ESCALATE, "n-1", "HN-SONTAY")
    assert comment == f"{DISTRICT.short_name} quá hạn 16/03/2026: đã báo cấp trên {CITY.short_name}"


def test_an_escalation_from_before_issue_17_still_reads_as_a_move_up() -> None:
    event = TaskEscalated(
        occurred_at=AT,
        task=snapshot(queue_unit=CITY, due_at=datetime(2026, 3, 24, 16, 59, tzinfo=UTC)),
        from_unit=DISTRICT,
        to_unit=CITY,
        reason="overdue",
        was_due_at=DUE,
    )
    _, _, at_unit, comment = timeline_step(event)
    assert at_unit.code == "HN-SONTAY"
    assert comment is not None
    assert comment.startswith(f"Chuyển lên {CITY.short_name}")


def test_a_superiors_new_due_date_names_the_superior_the_unit_the_date_and_the_reason() -> None:
    event = TaskSentBack(
        occurred_at=AT,
        actor=actor("u-hanoi", ("approver", "HN")),
        task=snapshot(queue_unit=DISTRICT, due_at=datetime(2026, 3, 20, 16, 59, tzinfo=UTC)),
        from_unit=CITY,
        to_unit=DISTRICT,
        comment="Chờ biên bản Hội đồng",
    )
    step, _, at_unit, comment = timeline_step(event)
    assert (step, at_unit.code) == (Step.SEND_BACK, "HN")
    assert comment == f"{CITY.short_name} đặt hạn mới cho {DISTRICT.short_name}: 20/03/2026 — Chờ biên bản Hội đồng"


def test_a_dossier_received_directly_is_not_said_to_be_approved_by_the_lower_unit() -> None:
    event = NominationForwarded(
        occurred_at=AT,
        actor=actor("u-hanoi", ("approver", "HN")),
        nomination_id="n-1",
        from_unit=DISTRICT,
        to_unit=CITY,
        comment="Cấp trên nhận trực tiếp do quá hạn",
        received_directly=True,
    )
    step, _, at_unit, comment = timeline_step(event)
    assert (step, at_unit.code) == (Step.TAKE_UP, "HN")
    assert comment == (
        f"{CITY.short_name} nhận trực tiếp hồ sơ quá hạn ở {DISTRICT.short_name} — Cấp trên nhận trực tiếp do quá hạn"
    )
    assert STEP_LABELS_VI[Step.TAKE_UP] == "Cấp trên nhận trực tiếp do quá hạn"
    forwarded, *_ = timeline_step(event.model_copy(update={"received_directly": False}))
    assert forwarded is Step.FORWARD
