"""Deciding several tasks of a queue together: forwarding them with one tờ trình, approving them in one decision.

Only tasks that belong to the unit and sit in its own queue may be batched (an escalated task taken over from a
lower unit is decided one by one, with its own level's semantics). Open tasks are claimed by the approver as
part of the batch; a task someone else is working on refuses the batch. Every task must have passed its
council when this level must vote. Everything happens in one transaction: all or nothing.
"""

from __future__ import annotations

import asyncio
import base64
import tomllib
from datetime import date, datetime
from functools import cache
from typing import Any, Literal
from uuid import uuid4

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from services.review import councils, store, usecases
from services.review.domain.council import proposal_number_text, summary_vi
from services.review.domain.task import Action, ReviewTask, TaskState, parent_in_path
from shared.contracts.commands import BatchApprove, BatchForward
from shared.contracts.errors import FieldError, Forbidden, NotFound, ValidationFailed
from shared.contracts.events import Actor, Event, NominationsApproved, NominationSnapshot, TaskClaimed
from shared.contracts.values import VIETNAM_TZ, UnitRef
from shared.platform.outbox import enqueue
from shared.platform.service import ServiceContext
from shared.rules.documents import Column, OfficialDocument, Table, to_pdf, to_xlsx
from shared.rules.reference import DATA_DIR
from shared.rules.text import normalize_name

KIND_VI = {"individual": "Cá nhân", "collective": "Tập thể"}


class LetterSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    place: str
    signer_role: tuple[str, ...]
    subject: str
    basis: tuple[str, ...] = ()
    achievements_chars: int = Field(default=240, ge=40)
    confirmed: bool = False
    source: str = ""


@cache
def letter_settings() -> LetterSettings:
    with (DATA_DIR / "proposals.toml").open("rb") as f:
        return LetterSettings.model_validate(tomllib.load(f))


Batch = list[tuple[ReviewTask, NominationSnapshot, Any]]


async def _prepare(conn: AsyncConnection, actor: Actor, unit_code: str, task_ids: list[str], *, final: bool) -> Batch:
    """Lock the tasks and check that this approver may decide all of them here, together."""
    if not (actor.has_role("approver", unit_code) or actor.has_role("unit_admin", unit_code)):
        raise Forbidden("Bạn không phải người duyệt của đơn vị này", code="not_unit_approver")
    if len(set(task_ids)) != len(task_ids):
        raise ValidationFailed.on("task_ids", "Một hồ sơ được chọn hai lần", code="duplicate_task")
    rows = await councils.tasks_for_update(conn, task_ids)
    batch: Batch = []
    errors: list[FieldError] = []
    for i, task_id in enumerate(task_ids):
        row = rows[task_id]
        task = store.task_from_row(row)
        name = row["nominee_name"]
        field = f"task_ids.{i}"
        nomination = await usecases._nomination(conn, task.nomination_id, for_update=True)
        if nomination is None or nomination["snapshot"] is None:
            raise NotFound("Không tìm thấy hồ sơ của nhiệm vụ này", code="nomination_not_found")
        nom = NominationSnapshot.model_validate(nomination["snapshot"])
        is_final = task.unit.level == nom.awarding_level
        if task.holder.code != unit_code:
            errors.append(FieldError(field=field, message=f"{name}: hồ sơ không ở hộp việc của đơn vị này"))
        elif task.is_escalated:
            errors.append(FieldError(field=field, message=f"{name}: hồ sơ cấp dưới chuyển lên do quá hạn, cần xử lý riêng"))
        elif not task.is_active:
            errors.append(FieldError(field=field, message=f"{name}: hồ sơ không còn chờ xét ({row['state']})"))
        elif task.state is TaskState.CLAIMED and task.claimant_id != actor.user_id:
            errors.append(FieldError(field=field, message=f"{name}: đang được {task.claimant_name} xử lý"))
        elif final and not is_final:
            message = f"{name}: cấp này không có thẩm quyền khen thưởng, cần chuyển cấp trên"
            errors.append(FieldError(field=field, message=message))
        elif not final and is_final:
            errors.append(FieldError(field=field, message=f"{name}: cấp này là cấp khen thưởng, hãy phê duyệt thay vì chuyển"))
        batch.append((task, nom, row))
    if errors:
        raise ValidationFailed("Không thể xử lý chung các hồ sơ đã chọn", fields=errors, code="batch_invalid")
    problems = await councils.gate_problems(conn, [(t, n) for t, n, _ in batch])
    if problems:
        code = "council_vote_missing" if any(p[2] == "council_vote_missing" for p in problems) else "council_vote_failed"
        raise ValidationFailed(
            "Hội đồng Thi đua – Khen thưởng chưa thông qua một số hồ sơ",
            fields=[FieldError(field="council", message=f"{nom.nominee.name}: {message}") for _, nom, _, message in problems],
            code=code,
        )
    return batch


async def _decide_all(
    conn: AsyncConnection, actor: Actor, batch: Batch, *, final: bool, comment: str, now: datetime
) -> tuple[list[ReviewTask], list[Event]]:
    """Claim what is open, then decide every task; the claim events first, for the timeline's order."""
    events: list[Event] = []
    decided: list[ReviewTask] = []
    for task, _, _ in batch:
        claimed = task.claim(actor, now)
        if claimed is not task:
            await usecases._save(conn, claimed, claimed_at=now)
            events.append(TaskClaimed(occurred_at=now, correlation_id=task.nomination_id, actor=actor, task=claimed.snapshot()))
        after = claimed.decide(actor, Action.APPROVE, is_awarding_level=final)
        await usecases._save(
            conn,
            after,
            decided_at=now,
            decided_by=actor.user_id,
            decided_by_name=actor.full_name or actor.username,
            comment=comment or None,
        )
        decided.append(after)
    return decided, events


async def forward_batch(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    """Forward the selected tasks to the unit above with one tờ trình, numbered gaplessly per unit per year."""
    cmd = BatchForward.model_validate(params)
    now = ctx.clock.now()
    issued_on = now.astimezone(VIETNAM_TZ).date()
    async with ctx.engine.begin() as conn:
        batch = await _prepare(conn, actor, cmd.unit_code, cmd.task_ids, final=False)
        parents = {p.code: p for p in (parent_in_path(nom.unit_path, task.unit.code) for task, nom, _ in batch) if p is not None}
        if len(parents) != 1:
            raise ValidationFailed.on("task_ids", "Các hồ sơ không cùng một đơn vị cấp trên để trình", code="mixed_parent_units")
        to_unit = next(iter(parents.values()))
        unit = batch[0][0].unit
        votes = await councils.latest_votes(conn, [t.id for t, _, _ in batch])
        number = await _next_number(conn, unit.code, issued_on.year)
        number_text = proposal_number_text(number, unit.decision_suffix)
        chars = letter_settings().achievements_chars
        items = [
            {
                "task_id": task.id,
                "nomination_id": nom.id,
                "nominee_name": nom.nominee.name,
                "nominee_kind": nom.nominee.kind,
                "origin_unit_name": nom.unit.name,
                "award_name": nom.award_name,
                "achievements": _shorten(nom.achievements, chars),
                "council": summary_vi(v.vote, v.passed) if (v := votes.get(task.id)) else "Không bắt buộc biểu quyết",
            }
            for task, nom, _ in batch
        ]
        proposal_id = str(uuid4())
        await conn.execute(
            store.proposals.insert().values(
                id=proposal_id,
                unit_code=unit.code,
                unit=unit.model_dump(),
                to_unit_code=to_unit.code,
                to_unit=to_unit.model_dump(),
                year=issued_on.year,
                number=number,
                number_text=number_text,
                issued_on=issued_on,
                signer_id=actor.user_id,
                signer_name=actor.full_name or actor.username,
                comment=cmd.comment or None,
                items=items,
                created_at=now,
            )
        )
        await conn.execute(
            store.proposal_tasks.insert(),
            [
                {"proposal_id": proposal_id, "task_id": task.id, "nomination_id": nom.id, "position": i}
                for i, (task, nom, _) in enumerate(batch, start=1)
            ],
        )
        decided, events = await _decide_all(conn, actor, batch, final=False, comment=cmd.comment, now=now)
        comment = cmd.comment or f"Trình {to_unit.short_name} kèm Tờ trình số {number_text}"
        for after, (_, nom, _) in zip(decided, batch, strict=True):
            events += await usecases._consequences(conn, after, nom, actor, comment, now, proposal_number=number_text)
        await enqueue(conn, store.outbox, *events)
    ctx.outbox_written()
    return await get_proposal(ctx, actor, {"id": proposal_id})


async def _next_number(conn: AsyncConnection, unit_code: str, year: int) -> int:
    """Lock the unit's counter for the year and advance it; used in this transaction, so no gap on rollback."""
    c = store.proposal_counters
    where = (c.c.unit_code == unit_code, c.c.year == year)
    # The year's first letter: create the counter at 0 unless a concurrent batch just did (no unique violation),
    # then every batch takes the row lock and advances it.
    insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(c)
    await conn.execute(insert.values(unit_code=unit_code, year=year, last_number=0).on_conflict_do_nothing())
    last = int(await conn.scalar(sa.select(c.c.last_number).where(*where).with_for_update()) or 0)
    await conn.execute(c.update().where(*where).values(last_number=last + 1))
    return last + 1


def _shorten(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rsplit(" ", 1)[0] + "…"


async def approve_batch(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    """Approve the selected tasks at the awarding level: ONE `NominationsApproved`, so one decision lists them."""
    cmd = BatchApprove.model_validate(params)
    now = ctx.clock.now()
    batch_id = str(uuid4())
    async with ctx.engine.begin() as conn:
        batch = await _prepare(conn, actor, cmd.unit_code, cmd.task_ids, final=True)
        issuers = {t.unit.code for t, _, _ in batch}
        if len(issuers) != 1:
            raise ValidationFailed.on("task_ids", "Các hồ sơ không cùng một cấp khen thưởng", code="mixed_issuers")
        _, events = await _decide_all(conn, actor, batch, final=True, comment=cmd.comment, now=now)
        noms = store.nominations
        await conn.execute(
            noms.update().where(noms.c.id.in_([n.id for _, n, _ in batch])).values(status="closed", updated_at=now)
        )
        approved = NominationsApproved(
            occurred_at=now,
            correlation_id=batch_id,
            actor=actor,
            batch_id=batch_id,
            issuer=batch[0][0].unit,
            nominations=[nom for _, nom, _ in batch],
            comment=cmd.comment,
        )
        await enqueue(conn, store.outbox, *events, approved)
    ctx.outbox_written()
    return {
        "batch_id": batch_id,
        "issuer": batch[0][0].unit.model_dump(),
        "task_ids": cmd.task_ids,
        "nomination_ids": [n.id for _, n, _ in batch],
    }


# Tờ trình: reading and rendering


class ProposalRef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str


class ProposalDocument(ProposalRef):
    format: Literal["pdf", "xlsx"] = "pdf"


class ProposalsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit_code: str
    limit: int = Field(default=50, ge=1, le=500)


async def _load_proposal(conn: AsyncConnection, actor: Actor, proposal_id: str) -> Any:
    """The letter, for the approvers of the unit that sent it and of the unit it was sent to (and admin, ops)."""
    p = store.proposals
    row = (await conn.execute(sa.select(p).where(p.c.id == proposal_id))).mappings().first()
    if row is None:
        raise NotFound("Không tìm thấy tờ trình", code="proposal_not_found")
    if not actor.sees_everything() and not any(
        actor.has_role(role, code) for role in ("approver", "unit_admin") for code in (row["unit_code"], row["to_unit_code"])
    ):
        raise Forbidden("Chỉ đơn vị trình và đơn vị nhận tờ trình được xem", code="not_proposal_party")
    return row


def _proposal_view(row: Any) -> dict[str, Any]:
    return {
        "id": row["id"],
        "number": row["number"],
        "number_text": row["number_text"],
        "year": row["year"],
        "issued_on": row["issued_on"].isoformat(),
        "issued_on_vn": f"{row['issued_on']:%d/%m/%Y}",
        "unit_code": row["unit_code"],
        "unit_name": row["unit"]["name"],
        "to_unit_code": row["to_unit_code"],
        "to_unit_name": row["to_unit"]["name"],
        "signer_name": row["signer_name"],
        "comment": row["comment"],
        "items": row["items"],
        "created_at": row["created_at"].isoformat(),
    }


async def get_proposal(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    q = ProposalRef.model_validate(params)
    async with ctx.engine.connect() as conn:
        row = await _load_proposal(conn, actor, q.id)
        pt = store.proposal_tasks
        task_ids = (await conn.scalars(sa.select(pt.c.task_id).where(pt.c.proposal_id == q.id).order_by(pt.c.position))).all()
    return {**_proposal_view(row), "task_ids": list(task_ids)}


async def list_proposals(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    """The letters a unit sent and those it received, newest first."""
    q = ProposalsQuery.model_validate(params)
    if not actor.sees_everything() and not (actor.has_role("approver", q.unit_code) or actor.has_role("unit_admin", q.unit_code)):
        raise Forbidden("Bạn không phải người duyệt của đơn vị này", code="not_unit_approver")
    p = store.proposals
    async with ctx.engine.connect() as conn:
        rows = (
            (
                await conn.execute(
                    sa.select(p)
                    .where(sa.or_(p.c.unit_code == q.unit_code, p.c.to_unit_code == q.unit_code))
                    .order_by(p.c.created_at.desc(), p.c.id)
                    .limit(q.limit)
                )
            )
            .mappings()
            .all()
        )
    return {"items": [_proposal_view(r) for r in rows]}


def proposal_letter(row: Any) -> OfficialDocument:
    """The tờ trình as an official document: addressed to the unit above, listing the nominees."""
    settings = letter_settings()
    unit, to_unit = UnitRef.model_validate(row["unit"]), UnitRef.model_validate(row["to_unit"])
    items = row["items"]
    issued_on: date = row["issued_on"]
    count = len(items)
    individuals = sum(1 for i in items if i["nominee_kind"] == "individual")
    table = Table(
        columns=(
            Column("STT", 0.75, "C"),
            Column("Tên tập thể / Họ và tên", 2.2),
            Column("Tập thể / Cá nhân", 1.1, "C"),
            Column("Đơn vị", 2),
            Column("Hình thức khen thưởng", 2),
            Column("Tóm tắt thành tích", 3.2),
            Column("Kết quả Hội đồng TĐKT", 2.2),
        ),
        rows=tuple(
            (
                n,
                i["nominee_name"],
                KIND_VI.get(i["nominee_kind"], i["nominee_kind"]),
                i["origin_unit_name"],
                i["award_name"],
                i["achievements"],
                i["council"],
            )
            for n, i in enumerate(items, start=1)
        ),
        heading="DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG",
    )
    paragraphs = (
        f"Kính gửi: {to_unit.name}",
        f"{unit.name} kính trình {to_unit.name} xem xét, khen thưởng cho {count} hồ sơ "
        f"({count - individuals} tập thể, {individuals} cá nhân) có thành tích theo danh sách dưới đây.",
    )
    ending = f"{unit.name} kính trình {to_unit.short_name} xem xét, quyết định./."
    closing = ((row["comment"],) if row["comment"] else ()) + (ending,)
    return OfficialDocument(
        kind="TỜ TRÌNH",
        subject=settings.subject,
        issuer=unit.name.upper(),
        issuer_parent=to_unit.name.upper(),
        number_text=row["number_text"],
        place=settings.place,
        issued_on=issued_on,
        basis=settings.basis,
        paragraphs=paragraphs,
        tables=(table,),
        closing=closing,
        recipients=("Như trên", f"Lưu: {unit.short_name}"),
        signer_role=settings.signer_role,
        signer_name=row["signer_name"],
        metadata={"title": f"Tờ trình số {row['number_text']}", "author": unit.name},
    )


async def proposal_document(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    """The tờ trình rendered on request, as PDF or .xlsx (base64 in the RPC reply)."""
    q = ProposalDocument.model_validate(params)
    async with ctx.engine.connect() as conn:
        row = await _load_proposal(conn, actor, q.id)
    letter = proposal_letter(row)
    # Rendering is CPU work (about 1 s per 100 nominees for the PDF): off the event loop, so consumers keep going.
    data = await asyncio.to_thread(to_pdf if q.format == "pdf" else to_xlsx, letter)
    media = "application/pdf" if q.format == "pdf" else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    slug = normalize_name(row["number_text"]).replace("/", "-").replace(" ", "")  # ASCII, e.g. 3-ttr-ldld
    return {
        "filename": f"to-trinh-{slug}-{row['year']}.{q.format}",
        "media_type": media,
        "content_base64": base64.b64encode(data).decode("ascii"),
    }
