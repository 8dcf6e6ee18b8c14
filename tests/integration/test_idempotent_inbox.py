"""The idempotent inbox and gapless decision numbers, on SQLite and PostgreSQL.

JetStream delivers at least once; a redelivered event must change nothing the second time.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError

from services.awards import store as awards_store
from services.awards.domain.drafts import Draft
from services.awards.store import sql as awards_sql
from services.awards.usecases import issuing as awards
from services.awards.usecases import signing
from services.awards.usecases.context import AwardsContext
from services.review import store as review_store
from services.review.usecases import intake
from services.review.usecases.context import ReviewContext
from shared.contracts.errors import Conflict
from shared.contracts.events import AwardGranted, DecisionDrafted, NominationApproved, NominationSubmitted, TaskOpened
from shared.contracts.operations.awards import SignDraft
from shared.platform.outbox import enqueue as real_enqueue
from shared.platform.service import ServiceContext
from tests.fakes.awards import chair_of
from tests.integration.conftest import APPROVER_SONTAY, NOW, SUBMITTER, count_rows, path_of, snapshot
from tests.integration.signing import at, issue, seat_chairs, sign_all, waiting_drafts


def submitted(nomination_id: str | None = None) -> NominationSubmitted:
    return NominationSubmitted(occurred_at=NOW, actor=SUBMITTER, nomination=snapshot(nomination_id or str(uuid.uuid4())))


def approved(issuer_code: str, *, at: datetime = NOW, name: str = "Nguyễn Văn An") -> NominationApproved:
    award, level = {
        "HN-SONTAY": ("giay_khen_ldld_huyen", "district"),
        "HN-THANHXUAN": ("giay_khen_ldld_huyen", "district"),
        "HN": ("cong_nhan_gioi_thu_do", "city"),
    }[issuer_code]
    origin = {"HN-SONTAY": "HN-SONTAY-DST", "HN-THANHXUAN": "HN-THANHXUAN-UBNDPHUONG", "HN": "HN-SONTAY-DST"}[issuer_code]
    issuer = path_of(issuer_code)[0]
    nom = snapshot(str(uuid.uuid4()), unit_code=origin, award_code=award, awarding_level=level, name=name)
    return NominationApproved(occurred_at=at, actor=APPROVER_SONTAY, nomination=nom, issuer=issuer)


async def delivered_until_handled(handle: Callable[[], Awaitable[None]], attempts: int = 5) -> None:
    """What EventConsumer does with a failing handler: the message is redelivered until it succeeds."""
    for attempt in range(attempts):
        try:
            await handle()
            return
        except (IntegrityError, DBAPIError):
            if attempt == attempts - 1:
                raise
            await asyncio.sleep(0.01)


async def outbox_events(ctx: ServiceContext, outbox: sa.Table) -> list[dict[str, Any]]:
    async with ctx.engine.connect() as conn:
        return [dict(r) for r in (await conn.execute(sa.select(outbox).order_by(outbox.c.id))).mappings().all()]


async def awards_draft(ctx: ServiceContext, draft_id: str) -> Draft:
    async with AwardsContext.of(ctx).unit_of_work() as uow:
        draft = await uow.store.draft(draft_id)
    assert draft is not None
    return draft


async def decisions(ctx: ServiceContext) -> list[dict[str, Any]]:
    d = awards_store.decisions
    async with ctx.engine.connect() as conn:
        rows = await conn.execute(sa.select(d.c.issuer_code, d.c.year, d.c.number, d.c.number_text).order_by(d.c.number))
        return [dict(r) for r in rows.mappings().all()]


# Review: NominationSubmitted opens one task


@pytest.mark.asyncio
async def test_the_same_submission_delivered_twice_opens_exactly_one_task(service_context: Callable[..., Any]) -> None:
    ctx = await service_context("review")
    event = submitted()

    await intake.on_submitted(ReviewContext.of(ctx), event)
    await intake.on_submitted(ReviewContext.of(ctx), event)

    async with ctx.engine.connect() as conn:
        tasks = (await conn.execute(sa.select(review_store.tasks))).mappings().all()
    assert len(tasks) == 1
    assert tasks[0]["nomination_id"] == event.nomination.id
    assert tasks[0]["unit_code"] == "HN-SONTAY"  # the superior of the submitting CĐCS
    assert tasks[0]["state"] == "open"
    [opened] = await outbox_events(ctx, review_store.outbox)
    assert opened["subject"] == TaskOpened.SUBJECT
    assert await count_rows(ctx.engine, review_store.inbox) == 1


@pytest.mark.asyncio
async def test_a_resent_copy_of_a_submission_with_the_same_event_id_is_recognised_after_a_roundtrip_through_json(
    service_context: Callable[..., Any],
) -> None:
    ctx = await service_context("review")
    event = submitted()
    copy = NominationSubmitted.model_validate_json(event.model_dump_json())  # as decoded from the stream

    await intake.on_submitted(ReviewContext.of(ctx), event)
    await intake.on_submitted(ReviewContext.of(ctx), copy)

    assert await count_rows(ctx.engine, review_store.tasks) == 1
    assert await count_rows(ctx.engine, review_store.outbox) == 1


@pytest.mark.asyncio
async def test_two_submissions_of_different_nominations_open_two_tasks(service_context: Callable[..., Any]) -> None:
    ctx = await service_context("review")

    await intake.on_submitted(ReviewContext.of(ctx), submitted())
    await intake.on_submitted(ReviewContext.of(ctx), submitted())

    assert await count_rows(ctx.engine, review_store.tasks) == 2
    assert await count_rows(ctx.engine, review_store.inbox) == 2


@pytest.mark.asyncio
async def test_concurrent_redeliveries_of_one_submission_open_one_task(service_context: Callable[..., Any]) -> None:
    ctx = await service_context("review")
    event = submitted()

    await asyncio.gather(*(delivered_until_handled(lambda: intake.on_submitted(ReviewContext.of(ctx), event)) for _ in range(4)))

    assert await count_rows(ctx.engine, review_store.tasks) == 1
    assert await count_rows(ctx.engine, review_store.outbox) == 1


# Awards: NominationApproved becomes one draft; signing it numbers it


@pytest.mark.asyncio
async def test_the_same_approval_delivered_twice_drafts_once_and_signing_issues_exactly_one_decision_numbered_one(
    service_context: Callable[..., Any],
) -> None:
    ctx = await service_context("awards")
    event = approved("HN-SONTAY")

    await awards.on_approved(AwardsContext.of(ctx), event)
    await awards.on_approved(AwardsContext.of(ctx), event)
    assert await decisions(ctx) == []  # a draft has no number
    assert len(await waiting_drafts(AwardsContext.of(ctx))) == 1
    await sign_all(AwardsContext.of(ctx))
    await sign_all(AwardsContext.of(ctx))  # nothing waits any more

    assert await decisions(ctx) == [{"issuer_code": "HN-SONTAY", "year": 2026, "number": 1, "number_text": "1/QĐ-LĐLĐ"}]
    assert await count_rows(ctx.engine, awards_store.registry) == 1
    drafted, granted = await outbox_events(ctx, awards_store.outbox)
    assert (drafted["subject"], granted["subject"]) == (DecisionDrafted.SUBJECT, AwardGranted.SUBJECT)
    body = AwardGranted.model_validate_json(granted["payload"])
    assert body.nomination_id == event.nomination.id
    assert body.decision.number == 1
    assert body.decision.prize_amount_vnd == 710_000  # 0.3 x 2,340,000, rounded up to 10.000 đ


@pytest.mark.asyncio
async def test_decision_numbers_are_gapless_per_issuer_across_many_approvals(service_context: Callable[..., Any]) -> None:
    ctx = await service_context("awards")
    events = [approved("HN-SONTAY" if i % 2 else "HN-THANHXUAN", name=f"Người số {i}") for i in range(20)]

    for event in events:
        await awards.on_approved(AwardsContext.of(ctx), event)
    for event in events[:5]:  # late redeliveries change nothing
        await awards.on_approved(AwardsContext.of(ctx), event)
    await sign_all(AwardsContext.of(ctx))

    numbers: dict[str, list[int]] = defaultdict(list)
    for d in await decisions(ctx):
        numbers[d["issuer_code"]].append(d["number"])
    assert {k: sorted(v) for k, v in numbers.items()} == {
        "HN-SONTAY": list(range(1, 11)),
        "HN-THANHXUAN": list(range(1, 11)),
    }
    assert await count_rows(ctx.engine, awards_store.outbox) == 40  # 20 drafted, 20 granted


@pytest.mark.asyncio
async def test_concurrent_approvals_and_signatures_still_get_gapless_unique_numbers(service_context: Callable[..., Any]) -> None:
    ctx = await service_context("awards")
    events = [approved("HN" if i % 2 else "HN-SONTAY", name=f"Người số {i}") for i in range(20)]
    deliveries = [*events, *events[:6]]  # some arrive twice, concurrently

    def deliver(event: NominationApproved) -> Callable[[], Awaitable[None]]:
        return lambda: awards.on_approved(AwardsContext.of(ctx), event)

    await asyncio.gather(*(delivered_until_handled(deliver(e)) for e in deliveries))
    drafts = await waiting_drafts(AwardsContext.of(ctx))
    assert len(drafts) == 20
    await seat_chairs(AwardsContext.of(ctx))

    def sign(draft_id: str) -> Callable[[], Awaitable[None]]:
        async def once() -> None:
            draft = await awards_draft(ctx, draft_id)
            with contextlib.suppress(Conflict):  # a second officer's click while the first one's signature commits
                await signing.sign_draft(AwardsContext.of(ctx), chair_of(draft.issuer), SignDraft(id=draft_id))

        return once

    await asyncio.gather(*(delivered_until_handled(sign(d)) for d in [*drafts, *drafts[:6]]))  # some signed twice at once

    by_issuer: dict[str, list[int]] = defaultdict(list)
    for d in await decisions(ctx):
        by_issuer[d["issuer_code"]].append(d["number"])
    assert {k: sorted(v) for k, v in by_issuer.items()} == {"HN": list(range(1, 11)), "HN-SONTAY": list(range(1, 11))}
    assert await count_rows(ctx.engine, awards_store.registry) == 20


@pytest.mark.asyncio
async def test_the_first_decisions_of_a_year_signed_at_the_same_moment_all_succeed_numbered_one_to_n(
    service_context: Callable[..., Any],
) -> None:
    """Signing is an officer's click (an RPC), not a redelivered event: nothing retries it. Before the issuer has a
    number in the year, concurrent signatures used to race to create the year's register (a unique violation: a 500)."""
    ctx = await service_context("awards")
    await asyncio.gather(*(awards.on_approved(AwardsContext.of(ctx), approved("HN-SONTAY", name=f"Người {i}")) for i in range(4)))
    await seat_chairs(AwardsContext.of(ctx))
    drafts = await waiting_drafts(AwardsContext.of(ctx))

    async def sign(draft_id: str) -> None:
        draft = await awards_draft(ctx, draft_id)
        await signing.sign_draft(AwardsContext.of(ctx), chair_of(draft.issuer), SignDraft(id=draft_id))

    await asyncio.gather(*(sign(d) for d in drafts))

    assert sorted(d["number"] for d in await decisions(ctx)) == [1, 2, 3, 4]


@pytest.mark.asyncio
async def test_numbering_restarts_at_one_each_year_counted_in_vietnam_time(service_context: Callable[..., Any]) -> None:
    ctx = await service_context("awards")
    # 2025-12-31 18:30 UTC is already 2026-01-01 01:30 in Hà Nội; each is signed the moment it is approved.
    events = [
        approved("HN-SONTAY", at=datetime(2025, 6, 1, 3, 0, tzinfo=UTC), name="Một"),
        approved("HN-SONTAY", at=datetime(2025, 12, 31, 16, 0, tzinfo=UTC), name="Hai"),
        approved("HN-SONTAY", at=datetime(2025, 12, 31, 18, 30, tzinfo=UTC), name="Ba"),
        approved("HN-SONTAY", at=datetime(2026, 3, 1, 3, 0, tzinfo=UTC), name="Bốn"),
    ]

    await issue(AwardsContext.of(ctx), *events)

    assert [(d["year"], d["number"]) for d in sorted(await decisions(ctx), key=lambda d: (d["year"], d["number"]))] == [
        (2025, 1),
        (2025, 2),
        (2026, 1),
        (2026, 2),
    ]


@pytest.mark.asyncio
async def test_a_decision_is_dated_and_numbered_in_the_year_it_is_signed_not_the_year_it_was_approved(
    service_context: Callable[..., Any],
) -> None:
    ctx = await service_context("awards")
    await issue(AwardsContext.of(ctx), approved("HN-SONTAY", at=datetime(2025, 12, 30, 3, 0, tzinfo=UTC), name="Một"))
    await awards.on_approved(
        AwardsContext.of(ctx), approved("HN-SONTAY", at=datetime(2025, 12, 31, 3, 0, tzinfo=UTC), name="Hai")
    )
    at(AwardsContext.of(ctx), datetime(2026, 1, 5, 2, 0, tzinfo=UTC))  # signed after the New Year
    await sign_all(AwardsContext.of(ctx))

    assert [(d["year"], d["number"]) for d in sorted(await decisions(ctx), key=lambda d: (d["year"], d["number"]))] == [
        (2025, 1),
        (2026, 1),
    ]


@pytest.mark.asyncio
async def test_a_signature_whose_transaction_fails_consumes_no_number_and_signing_again_gets_it(
    service_context: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = await service_context("awards")
    first, second = approved("HN-SONTAY", name="Một"), approved("HN-SONTAY", name="Hai")
    await awards.on_approved(AwardsContext.of(ctx), first)
    await awards.on_approved(AwardsContext.of(ctx), second)
    await seat_chairs(AwardsContext.of(ctx))
    by_nomination = {(await awards_draft(ctx, d)).nominations[0].id: d for d in await waiting_drafts(AwardsContext.of(ctx))}
    chair = chair_of(path_of("HN-SONTAY")[0])

    async def crash(*_args: Any) -> None:
        raise ConnectionError("lost the database mid-transaction")

    monkeypatch.setattr(awards_sql, "enqueue", crash)
    with pytest.raises(ConnectionError):
        await signing.sign_draft(AwardsContext.of(ctx), chair, SignDraft(id=by_nomination[first.nomination.id]))
    monkeypatch.setattr(awards_sql, "enqueue", real_enqueue)

    await signing.sign_draft(AwardsContext.of(ctx), chair, SignDraft(id=by_nomination[second.nomination.id]))
    await signing.sign_draft(AwardsContext.of(ctx), chair, SignDraft(id=by_nomination[first.nomination.id]))  # again

    d, r = awards_store.decisions, awards_store.registry
    async with ctx.engine.connect() as conn:
        rows = await conn.execute(
            sa.select(r.c.nomination_id, d.c.number).join(d, d.c.id == r.c.decision_id).order_by(d.c.number)
        )
        assert [tuple(row) for row in rows] == [(second.nomination.id, 1), (first.nomination.id, 2)]
