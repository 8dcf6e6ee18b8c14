"""Registration's figures for operations: where nominations are in the pipeline and how many enter each
stage per day (the ops page's stages and its 30-day chart), and the nominations stuck at a step."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from services.registration.domain.nomination import ACTIVE, STATUS_LABELS_VI, STEP_LABELS_VI, Status, Step
from services.registration.usecases.context import RegistrationContext
from shared.contracts.events import Actor
from shared.contracts.operations.registration import (
    PipelineDay,
    PipelineFigures,
    PipelineQuery,
    PipelineStage,
    StuckNomination,
    StuckNominations,
    StuckQuery,
    StuckStep,
)
from shared.contracts.values import LEVEL_NAMES_VI, LEVELS, VIETNAM_TZ
from shared.platform.observability import require_operations

# Submitted (at the grassroots), then in review at each level above it, approved and waiting to be signed, then decided.
STAGES: tuple[tuple[str, str], ...] = (
    ("submitted", "Đã nộp, chờ xét"),
    *((level, LEVEL_NAMES_VI[level]) for level in LEVELS[1:]),
    ("signing", "Đã duyệt, chờ ký"),
    ("decided", "Đã quyết định"),
)
SIGNING = {Status.APPROVED.value, Status.AWAITING_SIGNATURE.value}
DECIDED = {s.value for s in (Status.GRANTED, Status.PROPOSED, Status.NOT_GRANTED, Status.REVOKED, Status.REJECTED)}
AT_GRASSROOTS = {Status.SUBMITTED.value, Status.RETURNED.value}
# Timeline steps that mean "entered this stage" (a queued step enters the level of its unit).
ENTERING: dict[Step, str] = {
    Step.SUBMIT: "submitted",
    Step.RESUBMIT: "submitted",
    Step.DRAFT: "signing",
    Step.GRANT: "decided",
    Step.PROPOSE: "decided",
    Step.REJECT: "decided",
}


def stage_of(status: str, level: str | None) -> str | None:
    if status in DECIDED:
        return "decided"
    if status in SIGNING:
        return "signing"
    if status in AT_GRASSROOTS or level in (None, "grassroots"):
        return None if status == Status.WITHDRAWN.value else "submitted"
    if status == Status.IN_REVIEW.value:
        return level
    return None


async def ops_pipeline(ctx: RegistrationContext, actor: Actor, q: PipelineQuery) -> PipelineFigures:
    """Nominations per stage now, entries per stage in the last 24 hours, and per day over `days` days."""
    require_operations(actor)
    now = ctx.clock.now()
    today = now.astimezone(VIETNAM_TZ).date()
    first_day = today - timedelta(days=q.days - 1)
    since = datetime.combine(first_day, datetime.min.time(), tzinfo=VIETNAM_TZ)
    async with ctx.uow.reading() as store:
        current = await store.stage_counts()
        steps = await store.stage_entries(since, frozenset({*ENTERING, Step.QUEUE}))
    counts = dict.fromkeys((code for code, _ in STAGES), 0)
    for c in current:
        stage = stage_of(c.status, c.level)
        if stage in counts:
            counts[stage] += c.count
    days = [first_day + timedelta(days=i) for i in range(q.days)]
    per_day: dict[date, dict[str, int]] = {d: dict.fromkeys(counts, 0) for d in days}
    last_24h = dict.fromkeys(counts, 0)
    for entry in steps:
        stage = ENTERING.get(entry.step) or entry.level
        if stage not in counts:
            continue
        day = entry.at.astimezone(VIETNAM_TZ).date()
        if day in per_day:
            per_day[day][stage] += 1
        if entry.at >= now - timedelta(hours=24):
            last_24h[stage] += 1
    return PipelineFigures(
        at=now,
        stages=[PipelineStage(stage=code, label=label, count=counts[code], entered_24h=last_24h[code]) for code, label in STAGES],
        per_day=[PipelineDay(date=d, **per_day[d]) for d in days],
    )


async def stuck_nominations(ctx: RegistrationContext, actor: Actor, q: StuckQuery) -> StuckNominations:
    """Nominations not yet decided whose last step is older than the threshold, oldest first, with that step."""
    require_operations(actor)
    now = ctx.clock.now()
    async with ctx.uow.reading() as store:
        total, rows = await store.stuck_nominations(ACTIVE, now - timedelta(seconds=q.older_than_seconds), q.limit)
    items = [
        StuckNomination(
            id=r.nomination.id,
            status=r.nomination.status.value,
            status_label=STATUS_LABELS_VI[r.nomination.status],
            unit_code=r.nomination.unit_code,
            award_code=r.nomination.award_code,
            nominee_name=r.nomination.nominee.name,
            current_unit_code=r.nomination.current_unit_code,
            current_unit_name=r.nomination.current_unit_name,
            step=StuckStep(
                step=r.last_step.step.value,
                label=STEP_LABELS_VI.get(r.last_step.step, r.last_step.step.value),
                unit_code=r.last_step.unit_code,
                unit_name=r.last_step.unit_name,
                actor_name=r.last_step.actor_name,
                at=r.last_step.at,
            ),
            waiting_seconds=int((now - r.last_step.at).total_seconds()),
        )
        for r in rows
    ]
    return StuckNominations(older_than_seconds=q.older_than_seconds, now=now, total=total, items=items)
