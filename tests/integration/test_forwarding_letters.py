"""Tờ trình gửi cấp trên in the unit's one register, awards' database on SQLite and PostgreSQL: review forwards a batch
without numbering it, awards drafts the letter for the unit's signing officer, who signs it (numbered TTr from the same
register as the unit's decisions, dated, PAdES-signed), and review records the number; a decision and a letter of one
unit signed at the same moment never share a number and leave no gap."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import io
import json
import unicodedata
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, cast

import pypdf
import pytest
import sqlalchemy as sa

from services.awards import store as awards_store
from services.awards.usecases import documents, forwarding, signing
from services.awards.usecases import issuing as awards
from services.awards.usecases.context import AwardsContext
from services.awards.usecases.ports import UnitDirectory
from services.review import store as review_store
from services.review.routes import operations as review_rpc
from services.review.usecases import batches, intake
from services.review.usecases.context import ReviewContext
from shared.contracts import subjects
from shared.contracts.errors import Conflict
from shared.contracts.events import ForwardedItem, NominationSubmitted, ProposalForwarded, ProposalSigned
from shared.contracts.operations.awards import DocumentRequest, DraftById, SignDraft
from shared.platform.pdfsigning import trust_roots, verify_pdf
from shared.platform.service import ServiceContext
from tests.fakes.awards import chair_of
from tests.integration.conftest import NOW, approver, path_of, snapshot
from tests.integration.signing import seat_chairs, waiting_drafts
from tests.integration.test_idempotent_inbox import approved, awards_draft, delivered_until_handled

SONTAY = approver("ld.sontay", "Phạm Quang Huy", "HN-SONTAY")
HANOI = approver("ld.hanoi", "Đỗ Mạnh Cường", "HN")


def forwarded(name: str) -> ProposalForwarded:
    """A batch of one forwarded by LĐLĐ thị xã Sơn Tây to LĐLĐ Thành phố Hà Nội, as review announces it."""
    item = ForwardedItem(
        task_id=str(uuid.uuid4()),
        nomination_id=str(uuid.uuid4()),
        nominee_name=name,
        nominee_kind="individual",
        origin_unit_name="Công đoàn Công ty CP tập đoàn DST",
        award_name="Công nhân giỏi Thủ đô",
        achievements="Hoàn thành xuất sắc nhiệm vụ năm 2026.",
        council="Đạt (9/9 đồng ý; có mặt 9/9, bỏ phiếu kín)",
    )
    return ProposalForwarded(
        occurred_at=NOW,
        actor=SONTAY,
        proposal_id=str(uuid.uuid4()),
        unit=path_of("HN-SONTAY")[0],
        to_unit=path_of("HN")[0],
        items=[item],
    )


async def register_of(ctx: ServiceContext, issuer_code: str) -> list[tuple[int, str, str]]:
    d = awards_store.decisions
    async with ctx.engine.connect() as conn:
        rows = await conn.execute(sa.select(d.c.number, d.c.number_text, d.c.kind).where(d.c.issuer_code == issuer_code))
        return sorted((int(n), str(t), str(k)) for n, t, k in rows)


async def outbox_of(ctx: ServiceContext, outbox: sa.Table, subject: str) -> list[dict[str, Any]]:
    async with ctx.engine.connect() as conn:
        rows = await conn.execute(sa.select(outbox.c.payload).where(outbox.c.subject == subject).order_by(outbox.c.id))
        return [json.loads(p) for p in rows.scalars()]


@pytest.mark.asyncio
async def test_decisions_and_forwarding_letters_of_one_unit_signed_at_once_share_one_gapless_register(
    service_context: Callable[..., Any],
) -> None:
    ctx: ServiceContext = await service_context("awards")
    context = AwardsContext.of(ctx)
    for i in range(8):
        await awards.on_approved(context, approved("HN-SONTAY", name=f"Người được khen {i}"))
        await forwarding.on_forwarded(context, forwarded(f"Người được trình {i}"))
    drafts = await waiting_drafts(context)
    assert len(drafts) == 16
    await seat_chairs(context)

    def sign(draft_id: str) -> Callable[[], Awaitable[None]]:
        async def once() -> None:
            draft = await awards_draft(ctx, draft_id)
            with contextlib.suppress(Conflict):  # a second click while the first signature commits
                await signing.sign_draft(context, chair_of(draft.issuer), SignDraft(id=draft_id))

        return once

    await asyncio.gather(*(delivered_until_handled(sign(d), attempts=20) for d in [*drafts, *drafts[:4]]))

    register = await register_of(ctx, "HN-SONTAY")
    assert [n for n, _, _ in register] == list(range(1, 17))  # one sequence, no gap, no number twice
    by_kind: dict[str, int] = defaultdict(int)
    for number, text, kind in register:
        by_kind[kind] += 1
        assert text == f"{number}/{'QĐ' if kind == 'decision' else 'TTr'}-LĐLĐ"
    assert dict(by_kind) == {"decision": 8, "forwarding": 8}
    signed = await outbox_of(ctx, awards_store.outbox, subjects.PROPOSAL_SIGNED)
    assert sorted(s["number"] for s in signed) == sorted(n for n, _, k in register if k == "forwarding")


@pytest.mark.asyncio
async def test_a_forwarded_batch_waits_for_its_signer_then_reads_with_its_register_number_and_signed_pdf(
    service_context: Callable[..., Any], tmp_path: Path, demo_pki: Path
) -> None:
    awards_ctx: ServiceContext = await service_context("awards")
    review_ctx: ServiceContext = await service_context("review", url=f"sqlite+aiosqlite:///{tmp_path / 'review.sqlite'}")
    context = AwardsContext.of(awards_ctx)
    # The unit has already issued a decision this year: the letter takes the next number of the same register.
    await awards.on_approved(context, approved("HN-SONTAY", name="Người được khen"))
    await seat_chairs(context)
    [decision_draft] = await waiting_drafts(context)
    await signing.sign_draft(context, chair_of(path_of("HN-SONTAY")[0]), SignDraft(id=decision_draft))

    task_ids = []
    for i in range(2):
        nom = snapshot(str(uuid.uuid4()), award_code="cong_nhan_gioi_thu_do", awarding_level="city", name=f"Người thứ {i}")
        nom = nom.model_copy(update={"catalog_version": "union-2025.1"})
        await intake.on_submitted(ReviewContext.of(review_ctx), NominationSubmitted(occurred_at=NOW, nomination=nom))
        async with review_ctx.engine.connect() as conn:
            t = review_store.tasks
            task_ids.append(await conn.scalar(sa.select(t.c.id).where(t.c.nomination_id == nom.id)))
    council = {"held_on": "2026-03-02", "members": 9, "present": 9, "votes": [{"task_id": i, "votes_for": 9} for i in task_ids]}
    await review_rpc(review_ctx)["record_council"](SONTAY, council)

    letter = await review_rpc(review_ctx)["forward_batch"](SONTAY, {"unit_code": "HN-SONTAY", "task_ids": task_ids})
    assert (letter["number"], letter["number_text"], letter["status_label"]) == (None, None, "Chờ ký")
    assert letter["title"] == "Tờ trình (chờ ký)"
    forwarded_events = await outbox_of(review_ctx, review_store.outbox, subjects.NOMINATION_FORWARDED)
    assert [f["proposal_number"] for f in forwarded_events] == [None, None]  # forwarding does not wait for the signature
    draft_pdf = await review_rpc(review_ctx)["proposal_document"](HANOI, {"id": letter["id"], "format": "pdf"})
    assert "DỰ THẢO" in pdf_text(base64.b64decode(draft_pdf["content_base64"]))

    [sent] = await outbox_of(review_ctx, review_store.outbox, subjects.PROPOSAL_FORWARDED)
    event = ProposalForwarded.model_validate(sent)
    await forwarding.on_forwarded(context, event)
    await forwarding.on_forwarded(context, event)  # a redelivery drafts nothing more
    [letter_draft] = await waiting_drafts(context)
    chair = chair_of(path_of("HN-SONTAY")[0])
    view = await signing.get_draft(context, chair, DraftById(id=letter_draft))
    assert (view.kind, view.can_sign, view.nominee_count, view.decided_by) == (
        "forwarding",
        True,
        2,
        "Liên đoàn Lao động Thành phố Hà Nội",
    )
    signed_view = await signing.sign_draft(context, chair, SignDraft(id=letter_draft))
    [(document_id, number_text)] = [(s.id, s.number_text) for s in signed_view.signed]
    assert number_text == "2/TTr-LĐLĐ"  # after 1/QĐ-LĐLĐ: one register
    assert await register_of(awards_ctx, "HN-SONTAY") == [(1, "1/QĐ-LĐLĐ", "decision"), (2, "2/TTr-LĐLĐ", "forwarding")]

    [announced] = await outbox_of(awards_ctx, awards_store.outbox, subjects.PROPOSAL_SIGNED)
    await batches.on_proposal_signed(ReviewContext.of(review_ctx), ProposalSigned.model_validate(announced))
    shown = await review_rpc(review_ctx)["get_proposal"](HANOI, {"id": letter["id"]})
    assert (shown["number_text"], shown["document_id"], shown["status_label"]) == ("2/TTr-LĐLĐ", document_id, "")
    assert shown["title"] == "Tờ trình số 2/TTr-LĐLĐ ngày 02/03/2026"
    assert shown["signer_name"] == chair.full_name
    async with review_ctx.engine.connect() as conn:
        t = review_store.tasks
        city_task_id = await conn.scalar(sa.select(t.c.id).where(t.c.unit_code == "HN", t.c.state == "open").limit(1))
    city_task = await review_rpc(review_ctx)["get_task"](HANOI, {"task_id": city_task_id})
    assert [p["title"] for p in city_task["proposals"]] == ["Tờ trình số 2/TTr-LĐLĐ ngày 02/03/2026"]

    # The signed letter: served by awards byte for byte to the receiving unit, signed with the unit's key.
    no_units = cast(UnitDirectory, None)  # a signed file is served as kept: no frame to look up
    document = await documents.decision_document(context, no_units, HANOI, DocumentRequest(id=document_id, format="pdf"))
    data = base64.b64decode(document.content_base64)
    checked = verify_pdf(data, trust_roots(demo_pki, ""))
    assert checked.valid, checked.problems
    [signature] = checked.signatures
    assert (signature.signer_unit_code, signature.reason) == ("HN-SONTAY", "Ký ban hành tờ trình số 2/TTr-LĐLĐ")
    text = pdf_text(data)
    for expected in ("TỜ TRÌNH", "Số: 2/TTr-LĐLĐ", "Người thứ 0", "Người thứ 1", "Kính gửi: Liên đoàn Lao động Thành phố Hà Nội"):
        assert expected in text, expected
    assert "DỰ THẢO" not in text


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return unicodedata.normalize("NFC", "\n".join(page.extract_text() for page in reader.pages))
