"""Deciding several tasks of a queue together: forwarding them with one tờ trình, approving them in one decision.

Only tasks of the unit's own queue may be batched (an overdue one too: it never leaves its unit). Open tasks are
claimed by the approver as part of the batch; a task someone else is working on refuses the batch. Every task must
have passed its council when this level must vote. Everything happens in one transaction: all or nothing.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from uuid import uuid4

from services.review.domain.council import summary_vi
from services.review.domain.proposal import Proposal, ProposalItem, proposal_letter
from services.review.domain.task import Action, ReviewTask, TaskState, parent_in_path
from services.review.store.port import UnitOfWork
from services.review.store.records import ProposalTask, TaskRecord
from services.review.usecases import councils, loading, tasks
from services.review.usecases.context import ReviewContext
from services.review.usecases.views import proposal_heading, proposal_summary
from shared.contracts.commands import BatchApprove, BatchForward
from shared.contracts.errors import FieldError, Forbidden, InconsistentEvent, NotFound, ValidationFailed
from shared.contracts.events import (
    Actor,
    Event,
    NominationsApproved,
    NominationSnapshot,
    ProposalForwarded,
    ProposalSigned,
    TaskClaimed,
)
from shared.contracts.operations.review import (
    BatchApproved,
    ProposalDocumentRequest,
    ProposalFile,
    ProposalList,
    ProposalRef,
    ProposalsQuery,
    ProposalView,
)
from shared.contracts.values import VIETNAM_TZ
from shared.rules.documents import OfficialDocument, to_html, to_pdf, to_xlsx
from shared.rules.forwarding import NOT_REQUIRED_VI, letter_settings, shorten
from shared.rules.rulebook import Rulebook
from shared.rules.text import normalize_name

Batch = list[tuple[TaskRecord, NominationSnapshot]]
log = logging.getLogger("thidua.review")


async def _prepare(uow: UnitOfWork, actor: Actor, unit_code: str, task_ids: list[str], *, final: bool, rules: Rulebook) -> Batch:
    """Lock the tasks and check that this approver may decide all of them here, together."""
    if not (actor.has_role("approver", unit_code) or actor.has_role("unit_admin", unit_code)):
        raise Forbidden("Bạn không phải người duyệt của đơn vị này", code="not_unit_approver")
    if len(set(task_ids)) != len(task_ids):
        raise ValidationFailed.on("task_ids", "Một hồ sơ được chọn hai lần", code="duplicate_task")
    records = await loading.lock_tasks(uow, task_ids)
    batch: Batch = []
    errors: list[FieldError] = []
    for i, task_id in enumerate(task_ids):
        record = records[task_id]
        task = record.task
        name = record.nominee_name
        field = f"task_ids.{i}"
        nom = await loading.nomination_of(uow, task, lock=True)
        is_final = task.unit.level == nom.awarding_level
        if task.holder.code != unit_code:
            errors.append(FieldError(field=field, message=f"{name}: hồ sơ không ở hộp việc của đơn vị này"))
        elif not task.is_active:
            errors.append(FieldError(field=field, message=f"{name}: hồ sơ không còn chờ xét ({task.state.value})"))
        elif task.state is TaskState.CLAIMED and task.claimant_id != actor.user_id:
            errors.append(FieldError(field=field, message=f"{name}: đang được {task.claimant_name} xử lý"))
        elif final and not is_final:
            message = f"{name}: cấp này không có thẩm quyền khen thưởng, cần chuyển cấp trên"
            errors.append(FieldError(field=field, message=message))
        elif not final and is_final:
            errors.append(FieldError(field=field, message=f"{name}: cấp này là cấp khen thưởng, hãy phê duyệt thay vì chuyển"))
        batch.append((record, nom))
    if errors:
        raise ValidationFailed("Không thể xử lý chung các hồ sơ đã chọn", fields=errors, code="batch_invalid")
    problems = await councils.gate_problems(uow, [(r.task, n) for r, n in batch], rules)
    if problems:
        code = "council_vote_missing" if any(p[2] == "council_vote_missing" for p in problems) else "council_vote_failed"
        raise ValidationFailed(
            "Hội đồng Thi đua – Khen thưởng chưa thông qua một số hồ sơ",
            fields=[FieldError(field="council", message=f"{nom.nominee.name}: {message}") for _, nom, _, message in problems],
            code=code,
        )
    return batch


async def _decide_all(
    uow: UnitOfWork, actor: Actor, batch: Batch, *, final: bool, comment: str, now: datetime
) -> tuple[list[ReviewTask], list[Event]]:
    """Claim what is open, then decide every task; the claim events first, for the timeline's order."""
    events: list[Event] = []
    decided: list[ReviewTask] = []
    for record, _ in batch:
        task = record.task
        claimed = task.claim(actor, now)
        newly_claimed = claimed is not task
        if newly_claimed:
            events.append(TaskClaimed(occurred_at=now, correlation_id=task.nomination_id, actor=actor, task=claimed.snapshot()))
        after = claimed.decide(actor, Action.APPROVE, is_awarding_level=final)
        claim = replace(record, claimed_at=now) if newly_claimed else record
        await uow.tasks.save(tasks.decision(claim, after, actor, comment, now))
        decided.append(after)
    return decided, events


async def forward_batch(review: ReviewContext, actor: Actor, cmd: BatchForward) -> ProposalView:
    """Forward the selected tasks to the unit above with one tờ trình. The letter waits for the unit's signing officer
    (`ProposalForwarded`: awards drafts it, numbers it from the unit's one register when signed); the unit above has
    the dossiers at once, the letter reading "chờ ký" until then."""
    now = review.clock.now()
    year = now.astimezone(VIETNAM_TZ).year
    async with review.unit_of_work() as uow:
        batch = await _prepare(uow, actor, cmd.unit_code, cmd.task_ids, final=False, rules=review.rules)
        parents = {p.code: p for p in (parent_in_path(nom.unit_path, r.task.unit.code) for r, nom in batch) if p is not None}
        if len(parents) != 1:
            raise ValidationFailed.on("task_ids", "Các hồ sơ không cùng một đơn vị cấp trên để trình", code="mixed_parent_units")
        to_unit = next(iter(parents.values()))
        unit = batch[0][0].task.unit
        votes = await councils.latest_votes(uow, [r.id for r, _ in batch])
        chars = letter_settings().achievements_chars
        items = tuple(
            ProposalItem(
                task_id=record.id,
                nomination_id=nom.id,
                nominee_name=nom.nominee.name,
                nominee_kind=nom.nominee.kind,
                origin_unit_name=nom.unit.name,
                award_name=nom.award_name,
                achievements=shorten(nom.achievements, chars),
                council=summary_vi(v.vote, v.passed) if (v := votes.get(record.id)) else NOT_REQUIRED_VI,
            )
            for record, nom in batch
        )
        proposal = Proposal(
            id=str(uuid4()),
            unit=unit,
            to_unit=to_unit,
            year=year,
            forwarded_by_id=actor.user_id,
            comment=cmd.comment or None,
            items=items,
            created_at=now,
        )
        listed = [ProposalTask(proposal.id, record.id, nom.id, i) for i, (record, nom) in enumerate(batch, start=1)]
        await uow.proposals.add(proposal, listed)
        decided, events = await _decide_all(uow, actor, batch, final=False, comment=cmd.comment, now=now)
        comment = cmd.comment or f"Trình {to_unit.short_name} kèm tờ trình (chờ ký)"
        for after, (_, nom) in zip(decided, batch, strict=True):
            events += await tasks.consequences(uow, after, nom, actor, comment, now, review.rules)
        letter = ProposalForwarded(
            occurred_at=now,
            correlation_id=proposal.id,
            actor=actor,
            proposal_id=proposal.id,
            unit=unit,
            to_unit=to_unit,
            comment=cmd.comment,
            items=list(items),
            numbered_before=await uow.proposals.numbered_before(unit.code, year),
        )
        await uow.publish(*events, letter)
        view = await _proposal_reply(uow, actor, proposal.id)
        await uow.commit()
    return view


async def on_proposal_signed(review: ReviewContext, event: ProposalSigned) -> None:
    """The unit's officer signed the letter: keep its number, date, signer and signed file on the proposal, so that
    the task, the dossier and the proposal page read "Tờ trình số … ngày …". A redelivery writes the same again."""
    async with review.unit_of_work() as uow:
        proposal = await uow.proposals.get(event.proposal_id)
        if proposal is None:
            raise InconsistentEvent(f"tờ trình {event.proposal_id} signed in awards is unknown to review")
        if proposal.unit.code != event.issuer.code:
            raise InconsistentEvent(f"tờ trình {proposal.id} of {proposal.unit.code} signed as {event.issuer.code}'s")
        signed = proposal.signed_as(
            document_id=event.document_id,
            number=event.number,
            number_text=event.number_text,
            issued_at=event.issued_at,
            signer_name=event.signer_name,
        )
        await uow.proposals.record_signature(signed)
        await uow.commit()
    log.info("review.proposal_signed", extra={"proposal_id": proposal.id, "unit_id": proposal.unit.code})


async def approve_batch(review: ReviewContext, actor: Actor, cmd: BatchApprove) -> BatchApproved:
    """Approve the selected tasks at the awarding level: ONE `NominationsApproved`, so one decision lists them."""
    now = review.clock.now()
    batch_id = str(uuid4())
    async with review.unit_of_work() as uow:
        batch = await _prepare(uow, actor, cmd.unit_code, cmd.task_ids, final=True, rules=review.rules)
        issuers = {r.task.unit.code for r, _ in batch}
        if len(issuers) != 1:
            raise ValidationFailed.on("task_ids", "Các hồ sơ không cùng một cấp khen thưởng", code="mixed_issuers")
        _, events = await _decide_all(uow, actor, batch, final=True, comment=cmd.comment, now=now)
        await uow.nominations.set_status([n.id for _, n in batch], "closed", now)
        approved = NominationsApproved(
            occurred_at=now,
            correlation_id=batch_id,
            actor=actor,
            batch_id=batch_id,
            issuer=batch[0][0].task.unit,
            nominations=[nom for _, nom in batch],
            comment=cmd.comment,
        )
        await uow.publish(*events, approved)
        await uow.commit()
    return BatchApproved(
        batch_id=batch_id, issuer=batch[0][0].task.unit, task_ids=cmd.task_ids, nomination_ids=[n.id for _, n in batch]
    )


async def _load_proposal(uow: UnitOfWork, actor: Actor, proposal_id: str) -> Proposal:
    """The letter, for the approvers of the unit that sent it and of the unit it was sent to (and admin, ops)."""
    proposal = await uow.proposals.get(proposal_id)
    if proposal is None:
        raise NotFound("Không tìm thấy tờ trình", code="proposal_not_found")
    if not actor.sees_everything() and not any(
        actor.has_role(role, code) for role in ("approver", "unit_admin") for code in (proposal.unit.code, proposal.to_unit.code)
    ):
        raise Forbidden("Chỉ đơn vị trình và đơn vị nhận tờ trình được xem", code="not_proposal_party")
    return proposal


async def _proposal_reply(uow: UnitOfWork, actor: Actor, proposal_id: str) -> ProposalView:
    proposal = await _load_proposal(uow, actor, proposal_id)
    return ProposalView(**dict(proposal_summary(proposal)), task_ids=await uow.proposals.task_ids(proposal_id))


async def get_proposal(review: ReviewContext, actor: Actor, request: ProposalRef) -> ProposalView:
    async with review.reading() as uow:
        return await _proposal_reply(uow, actor, request.id)


async def list_proposals(review: ReviewContext, actor: Actor, q: ProposalsQuery) -> ProposalList:
    """The letters a unit sent and those it received, newest first."""
    if not actor.sees_everything() and not (actor.has_role("approver", q.unit_code) or actor.has_role("unit_admin", q.unit_code)):
        raise Forbidden("Bạn không phải người duyệt của đơn vị này", code="not_unit_approver")
    async with review.reading() as uow:
        proposals = await uow.proposals.of_unit(q.unit_code, q.limit)
    return ProposalList(items=[proposal_heading(p) for p in proposals])


MEDIA_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
}
RENDERERS: dict[str, Callable[[OfficialDocument], bytes]] = {
    "pdf": to_pdf,
    "xlsx": to_xlsx,
    "html": lambda doc: str(to_html(doc)).encode(),
}


async def proposal_document(review: ReviewContext, actor: Actor, q: ProposalDocumentRequest) -> ProposalFile:
    """The tờ trình rendered on request, as PDF or .xlsx (base64 in the RPC reply)."""
    async with review.reading() as uow:
        proposal = await _load_proposal(uow, actor, q.id)
    letter = proposal_letter(proposal)
    # Rendering is CPU work (about 1 s per 100 nominees for the PDF): off the event loop, so consumers keep going.
    data = await asyncio.to_thread(RENDERERS[q.format], letter)
    media = MEDIA_TYPES[q.format]
    # ASCII, e.g. 3-ttr-ldld; a letter waiting for its signer is a draft ("du-thao")
    slug = normalize_name(proposal.number_text).replace("/", "-").replace(" ", "") if proposal.number_text else "du-thao"
    return ProposalFile(
        filename=f"to-trinh-{slug}-{proposal.year}.{q.format}",
        media_type=media,
        content_base64=base64.b64encode(data).decode("ascii"),
    )
