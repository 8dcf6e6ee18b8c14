"""Council meetings at review levels, batch forward with one tờ trình, batch approval — on real NATS, SQLite and PostgreSQL.

Registration submits real dossiers (judged by the 2025 union catalogue, whose council rule makes every level vote);
its outbox goes through NATS to review; review's events go back through NATS to registration's timeline.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import unicodedata
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import date
from pathlib import Path
from typing import Any

import pypdf
import pytest
import pytest_asyncio
import sqlalchemy as sa
from faststream.nats import NatsBroker
from openpyxl import load_workbook

from services.registration import routes as registration_routes
from services.registration import store as registration_store
from services.registration.usecases import units as registration_units
from services.registration.usecases.context import RegistrationContext
from services.review import routes as review_routes
from services.review import store as review_store
from services.review.routes import operations as review_rpc
from services.review.usecases import intake
from services.review.usecases.context import ReviewContext
from shared.contracts import subjects
from shared.contracts.errors import Forbidden, ValidationFailed
from shared.contracts.events import Actor, NominationSubmitted, RoleGrant
from shared.contracts.subjects import REGISTRATION_FROM_AWARDS, REGISTRATION_FROM_REVIEW, REVIEW_FROM_REGISTRATION
from shared.platform.messaging import make_broker, publish_event
from shared.platform.outbox import OutboxRelay
from shared.platform.service import ServiceContext
from shared.platform.settings import COUNCIL_RULES_ENV
from shared.platform.topology import ensure_topology
from shared.rules import reference
from tests.integration.conftest import SUBMITTER, approver, count_rows, eventually, running_broker, snapshot, stream_count

SONTAY = approver("ld.sontay", "Phạm Quang Huy", "HN-SONTAY")
HANOI = approver("ld.hanoi", "Đỗ Mạnh Cường", "HN")
THANHXUAN = approver("ld.thanhxuan", "Lê Thu Trang", "HN-THANHXUAN")
HELD = date(2026, 3, 2)


class System:
    def __init__(self, registration: ServiceContext, review: ServiceContext, publisher: NatsBroker) -> None:
        self.registration = registration
        self.review = review
        self.publisher = publisher

    async def _relay(self, ctx: ServiceContext, outbox: sa.Table) -> int:
        async def publish(subject: str, payload: bytes, headers: dict[str, str]) -> None:
            await publish_event(self.publisher, subject, payload, headers)

        return await OutboxRelay(ctx.engine, outbox, publish, ctx.clock).publish_batch()

    async def submit(self, name: str, award_code: str, achievements: str) -> str:
        body = {
            "unit_code": "HN-SONTAY-DST",
            "award_code": award_code,
            "period": "2026",
            "nominee": {"kind": "individual", "name": name},
            "achievements": achievements,
        }
        nomination = await registration_routes.operations(self.registration)["submit"](SUBMITTER, body)
        return str(nomination["id"])

    async def to_review(self) -> None:
        await self._relay(self.registration, registration_store.outbox)

    async def to_registration(self) -> None:
        await self._relay(self.review, review_store.outbox)

    async def task(self, nomination_id: str, unit_code: str = "HN-SONTAY") -> dict[str, Any]:
        async def probe() -> list[Any]:
            async with self.review.engine.connect() as conn:
                t = review_store.tasks
                rows = await conn.execute(
                    sa.select(t.c.id).where(t.c.nomination_id == nomination_id, t.c.unit_code == unit_code, t.c.state == "open")
                )
                return list(rows.scalars())

        [task_id] = await eventually(probe, lambda ids: len(ids) == 1)
        view: dict[str, Any] = await review_rpc(self.review)["get_task"](
            SONTAY if unit_code == "HN-SONTAY" else HANOI, {"task_id": task_id}
        )
        return view

    async def meeting(self, actor: Any, votes: dict[str, int], *, members: int = 9, present: int = 9) -> dict[str, Any]:
        body = {
            "held_on": HELD.isoformat(),
            "members": members,
            "present": present,
            "secret_ballot": True,
            "chair": "Phạm Quang Huy",
            "votes": [{"task_id": task_id, "votes_for": n, "votes_against": present - n} for task_id, n in votes.items()],
        }
        recorded: dict[str, Any] = await review_rpc(self.review)["record_council"](actor, body)
        return recorded

    async def timeline(self, nomination_id: str) -> list[dict[str, Any]]:
        view = await registration_routes.operations(self.registration)["get"](SUBMITTER, {"id": nomination_id})
        return list(view["timeline"])


@pytest_asyncio.fixture
async def shipped_rules_system(
    service_context: Callable[..., Any], clean_nats: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[System]:
    """As `system`, under the council rules shipped in shared/data/councils.toml (every threshold unconfirmed)."""
    monkeypatch.setenv(COUNCIL_RULES_ENV, "")
    async for running in system.__wrapped__(service_context, clean_nats, tmp_path):  # type: ignore[attr-defined]
        yield running


@pytest_asyncio.fixture
async def system(service_context: Callable[..., Any], clean_nats: str, tmp_path: Path) -> AsyncIterator[System]:
    # Review on the parametrised backend (SQLite, PostgreSQL); registration in its own SQLite file.
    reg: ServiceContext = await service_context("registration", url=f"sqlite+aiosqlite:///{tmp_path / 'registration.sqlite'}")
    await registration_units.load_units(RegistrationContext.of(reg), reference.load_units())
    rev: ServiceContext = await service_context("review")
    await ensure_topology(clean_nats, (REGISTRATION_FROM_REVIEW, REGISTRATION_FROM_AWARDS, REVIEW_FROM_REGISTRATION))
    publisher = make_broker(clean_nats, "tests")
    await publisher.start()
    try:
        async with (
            running_broker(clean_nats, "registration", lambda router, broker: registration_routes.wire(router, broker, reg)),
            running_broker(clean_nats, "review", lambda router, broker: review_routes.wire(router, broker, rev)),
        ):
            yield System(reg, rev, publisher)
    finally:
        await publisher.stop()


async def outbox_payloads(ctx: ServiceContext, subject: str) -> list[dict[str, Any]]:
    async with ctx.engine.connect() as conn:
        rows = await conn.execute(
            sa.select(review_store.outbox.c.payload)
            .where(review_store.outbox.c.subject == subject)
            .order_by(review_store.outbox.c.id)
        )
        return [json.loads(p) for p in rows.scalars()]


def refusal(exc: pytest.ExceptionInfo[ValidationFailed]) -> tuple[str, list[str], str]:
    return exc.value.code, [f.field for f in exc.value.fields], " | ".join(f.message for f in exc.value.fields)


@pytest.mark.asyncio
async def test_a_failed_council_vote_blocks_approval_a_passed_revote_allows_it_and_the_timeline_shows_both(
    system: System,
) -> None:
    award = "giay_khen_ldld_huyen"
    first = await system.submit("Nguyễn Thị Hường", award, "Hoàn thành xuất sắc nhiệm vụ năm 2026 tại tổ sản xuất.")
    second = await system.submit("Trần Văn Đức", "giay_khen_ldld_huyen", "Có sáng kiến giảm chi phí vận hành được công nhận.")
    other = await system.submit("Lê Thị Ngọc Ánh", "giay_khen_ldld_huyen", "Tích cực trong phong trào văn hoá, thể thao.")
    await system.to_review()
    t1, t2, t3 = [await system.task(n) for n in (first, second, other)]
    assert t1["council"]["required"] is True
    assert t1["council"]["blocking"]["code"] == "council_vote_missing"

    await review_rpc(system.review)["claim"](SONTAY, {"task_id": t1["id"]})
    with pytest.raises(ValidationFailed) as missing:
        await review_rpc(system.review)["decide"](SONTAY, {"task_id": t1["id"], "action": "approve", "comment": ""})
    assert refusal(missing)[:2] == ("council_vote_missing", ["council"])

    # Only the approvers of the unit holding the task may record its council's vote.
    with pytest.raises(Forbidden):
        await system.meeting(THANHXUAN, {t1["id"]: 9})
    with pytest.raises(ValidationFailed) as counts:
        await system.meeting(SONTAY, {t1["id"]: 9}, members=9, present=10)
    assert [f.field for f in counts.value.fields] == ["present"]

    meeting = await system.meeting(SONTAY, {t1["id"]: 6, t2["id"]: 8, t3["id"]: 2})
    assert [v["passed"] for v in meeting["votes"]] == [False, True, False]  # 6/9 = 66,7 % < 70 %
    with pytest.raises(ValidationFailed) as failed:
        await review_rpc(system.review)["decide"](SONTAY, {"task_id": t1["id"], "action": "approve", "comment": ""})
    code, fields, message = refusal(failed)
    assert (code, fields) == ("council_vote_failed", ["council"])
    assert "Đồng ý 6/9 thành viên có mặt (66,7 %), cần ít nhất 70 %: không đạt" in message

    # Returning a dossier its council did not pass stays possible.
    await review_rpc(system.review)["claim"](SONTAY, {"task_id": t3["id"]})
    back = {"task_id": t3["id"], "action": "return", "comment": "Hội đồng chưa thông qua"}
    returned = await review_rpc(system.review)["decide"](SONTAY, back)
    assert returned["state"] == "returned"

    # A batch is refused as a whole while one of its dossiers has failed; nothing is decided.
    with pytest.raises(ValidationFailed) as batch_failed:
        await review_rpc(system.review)["approve_batch"](SONTAY, {"unit_code": "HN-SONTAY", "task_ids": [t1["id"], t2["id"]]})
    assert batch_failed.value.code == "council_vote_failed"
    assert "Nguyễn Thị Hường" in refusal(batch_failed)[2]
    assert await count_rows(system.review.engine, review_store.tasks, review_store.tasks.c.state == "approved") == 0

    revote = await system.meeting(SONTAY, {t1["id"]: 7})  # a new meeting: the latest vote counts
    assert revote["votes"][0]["passed"] is True
    task_view = await review_rpc(system.review)["get_task"](SONTAY, {"task_id": t1["id"]})
    assert task_view["council"]["blocking"] is None
    assert [h["passed"] for h in task_view["council"]["history"]] == [True, False]  # newest first, history kept

    approved = await review_rpc(system.review)["approve_batch"](
        SONTAY, {"unit_code": "HN-SONTAY", "task_ids": [t1["id"], t2["id"]], "comment": "Đồng ý khen thưởng"}
    )
    assert sorted(approved["nomination_ids"]) == sorted([first, second])
    [batch_event] = await outbox_payloads(system.review, subjects.NOMINATIONS_APPROVED)
    assert sorted(n["id"] for n in batch_event["nominations"]) == sorted([first, second])
    assert batch_event["issuer"]["code"] == "HN-SONTAY"
    assert await outbox_payloads(system.review, subjects.NOMINATION_APPROVED) == []

    await system.to_registration()

    async def status_of(nomination_id: str) -> str:
        return str((await registration_routes.operations(system.registration)["get"](SUBMITTER, {"id": nomination_id}))["status"])

    await eventually(lambda: status_of(second), lambda s: s == "approved")
    assert await status_of(first) == "approved"
    steps = await system.timeline(first)
    council_lines = [s["comment"] for s in steps if s["step"] == "council_voted"]
    assert council_lines == [
        "Hội đồng TĐKT LĐLĐ thị xã Sơn Tây biểu quyết: Không đạt (6/9 đồng ý, 3 không đồng ý; có mặt 9/9, bỏ phiếu kín), "
        "họp ngày 02/03/2026",
        "Hội đồng TĐKT LĐLĐ thị xã Sơn Tây biểu quyết: Đạt (7/9 đồng ý, 2 không đồng ý; có mặt 9/9, bỏ phiếu kín), "
        "họp ngày 02/03/2026",
    ]
    assert [s["step"] for s in steps][-1] == "approved"
    assert await stream_count_dead(system) == 0


async def stream_count_dead(system: System) -> int:
    js = system.publisher.connection.jetstream()
    return await stream_count(js, subjects.DEADLETTER_STREAM.name)


@pytest.mark.asyncio
async def test_batch_forward_makes_one_proposal_waiting_for_its_signer_and_announces_it(system: System) -> None:
    names = ("Phạm Quốc Vượng", "Đặng Thị Thuỷ", "Vũ Đình Khải")
    ids = [
        await system.submit(name, "cong_nhan_gioi_thu_do", f"Thành tích nổi bật của {name} trong lao động sản xuất năm 2026.")
        for name in names
    ]
    await system.to_review()
    tasks = [await system.task(n) for n in ids]
    pair = [tasks[0]["id"], tasks[1]["id"]]

    with pytest.raises(ValidationFailed) as missing:
        await review_rpc(system.review)["forward_batch"](SONTAY, {"unit_code": "HN-SONTAY", "task_ids": pair})
    assert missing.value.code == "council_vote_missing"

    await system.meeting(SONTAY, {pair[0]: 9, pair[1]: 8})
    letter = await review_rpc(system.review)["forward_batch"](SONTAY, {"unit_code": "HN-SONTAY", "task_ids": pair})
    # No number of review's own: the unit's signing officer signs it in awards, from the unit's one register
    assert (letter["number"], letter["number_text"], letter["to_unit_code"]) == (None, None, "HN")
    assert (letter["title"], letter["status_label"]) == ("Tờ trình (chờ ký)", "Chờ ký")
    assert [i["nominee_name"] for i in letter["items"]] == list(names[:2])
    assert letter["items"][0]["council"].startswith("Đạt (9/9 đồng ý")

    with pytest.raises(ValidationFailed):  # refused: announces no letter
        await review_rpc(system.review)["forward_batch"](SONTAY, {"unit_code": "HN-SONTAY", "task_ids": [tasks[2]["id"]]})
    await system.meeting(SONTAY, {tasks[2]["id"]: 9})
    second = await review_rpc(system.review)["forward_batch"](SONTAY, {"unit_code": "HN-SONTAY", "task_ids": [tasks[2]["id"]]})
    assert second["number_text"] is None

    forwarded = await outbox_payloads(system.review, subjects.NOMINATION_FORWARDED)
    assert [(f["nomination_id"], f["proposal_number"]) for f in forwarded] == [(ids[0], None), (ids[1], None), (ids[2], None)]
    letters = await outbox_payloads(system.review, subjects.PROPOSAL_FORWARDED)
    assert [(p["proposal_id"], p["unit"]["code"], p["to_unit"]["code"]) for p in letters] == [
        (letter["id"], "HN-SONTAY", "HN"),
        (second["id"], "HN-SONTAY", "HN"),
    ]
    assert [i["nominee_name"] for i in letters[0]["items"]] == list(names[:2])
    city_task = await system.task(ids[0], "HN")
    assert city_task["council"]["blocking"]["code"] == "council_vote_missing"  # the city's own council votes again
    assert [(p["title"], p["status_label"]) for p in city_task["proposals"]] == [("Tờ trình (chờ ký)", "Chờ ký")]

    # The draft: the sender and the receiver may read it, another district may not; no number, no signer yet.
    doc = await review_rpc(system.review)["proposal_document"](HANOI, {"id": letter["id"], "format": "pdf"})
    reader = pypdf.PdfReader(io.BytesIO(base64.b64decode(doc["content_base64"])))
    text = unicodedata.normalize("NFC", "\n".join(page.extract_text() for page in reader.pages))
    for expected in ("TỜ TRÌNH", "DỰ THẢO", "/TTr-LĐLĐ", *names[:2], "Kính gửi: Liên đoàn Lao động Thành phố Hà Nội"):
        assert expected in text
    assert "Phạm Quang Huy" not in text  # the approver who forwarded it never signs it
    xlsx = await review_rpc(system.review)["proposal_document"](SONTAY, {"id": letter["id"], "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(base64.b64decode(xlsx["content_base64"]))).active
    assert sheet is not None
    cells = {str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None}
    assert set(names[:2]) <= cells
    with pytest.raises(Forbidden):
        await review_rpc(system.review)["proposal_document"](THANHXUAN, {"id": letter["id"], "format": "pdf"})

    await system.to_registration()

    async def forward_comments() -> list[str]:
        return [s["comment"] for s in await system.timeline(ids[0]) if s["step"] == "forwarded"]

    [comment] = await eventually(forward_comments, lambda c: len(c) == 1)
    assert "kèm tờ trình (chờ ký)" in comment


@pytest.mark.asyncio
async def test_concurrent_batch_forwards_of_one_unit_each_announce_their_own_letter(service_context: Callable[..., Any]) -> None:
    ctx: ServiceContext = await service_context("review")
    task_ids = []
    for i in range(6):
        nom = snapshot(str(uuid.uuid4()), award_code="cong_nhan_gioi_thu_do", awarding_level="city", name=f"Người thứ {i}")
        nom = nom.model_copy(update={"catalog_version": "union-2025.1"})
        await intake.on_submitted(ReviewContext.of(ctx), NominationSubmitted(occurred_at=ctx.clock.now(), nomination=nom))
        async with ctx.engine.connect() as conn:
            t = review_store.tasks
            task_ids.append(await conn.scalar(sa.select(t.c.id).where(t.c.nomination_id == nom.id)))
    body = {"held_on": HELD.isoformat(), "members": 9, "present": 9, "votes": [{"task_id": i, "votes_for": 9} for i in task_ids]}
    await review_rpc(ctx)["record_council"](SONTAY, body)

    letters = await asyncio.gather(
        *(review_rpc(ctx)["forward_batch"](SONTAY, {"unit_code": "HN-SONTAY", "task_ids": [i]}) for i in task_ids)
    )
    assert [letter["number"] for letter in letters] == [None] * 6  # numbered when signed, in awards (one register)
    assert await count_rows(ctx.engine, review_store.proposals) == 6
    announced = await outbox_payloads(ctx, subjects.PROPOSAL_FORWARDED)
    assert sorted(p["proposal_id"] for p in announced) == sorted(letter["id"] for letter in letters)


@pytest.mark.asyncio
async def test_under_the_shipped_unconfirmed_rules_a_short_vote_warns_names_its_rule_and_does_not_block(
    shipped_rules_system: System,
) -> None:
    system = shipped_rules_system
    nomination = await system.submit(
        "Đinh Thị Lan", "giay_khen_ldld_huyen", "Hoàn thành xuất sắc nhiệm vụ năm 2026 tại phân xưởng."
    )
    await system.to_review()
    task = await system.task(nomination)
    assert task["council"]["rule_confirmed"] is False
    assert task["council"]["rule"].startswith("Theo quy định: Hội đồng Thi đua – Khen thưởng của công đoàn cấp trên")
    assert "TT 35/2015" in task["council"]["rule_source"]

    [vote] = (await system.meeting(SONTAY, {task["id"]: 6}))["votes"]  # 6/9 present < 70 %, unconfirmed
    assert vote["passed"] is True
    assert [(c["code"], c["passed"], c["warning"]) for c in vote["checks"]] == [
        ("quorum", True, False),
        ("threshold", False, True),
    ]
    assert (vote["rule_confirmed"], "chỉ cảnh báo, không chặn" in vote["rule"]) == (False, True)
    assert "Đồng ý 6/9 thành viên có mặt (66,7 %), cần ít nhất 70 %: không đạt" in vote["explanation"]

    view = await review_rpc(system.review)["get_task"](SONTAY, {"task_id": task["id"]})
    assert view["council"]["blocking"] is None
    assert (view["council"]["latest"]["passed"], view["council"]["latest"]["warning"]) == (True, True)
    await review_rpc(system.review)["claim"](SONTAY, {"task_id": task["id"]})
    decided = await review_rpc(system.review)["decide"](SONTAY, {"task_id": task["id"], "action": "approve", "comment": ""})
    assert decided["state"] == "approved"


@pytest.mark.asyncio
async def test_a_school_year_nomination_goes_through_review_with_its_period(system: System) -> None:
    body = {
        "unit_code": "HN-SONTAY-DST",
        "award_code": "giay_khen_ldld_huyen_nam_hoc",
        "period": "2026",
        "nominee": {"kind": "individual", "name": "Vũ Thị Mai"},
        "achievements": "Giáo viên dạy giỏi cấp huyện, hoàn thành xuất sắc nhiệm vụ năm học.",
    }
    submit = registration_routes.operations(system.registration)["submit"]
    with pytest.raises(ValidationFailed) as wrong:
        await submit(SUBMITTER, body)
    assert [(f.field, f.message) for f in wrong.value.fields] == [
        ("period", "Kỳ xét của hình thức này là năm học, ví dụ 2024-2025")
    ]
    created = await submit(SUBMITTER, body | {"period": "2025 – 2026"})
    assert created["period"] == "2025-2026"
    await system.to_review()
    task = await system.task(created["id"])
    assert task["period"] == "2025-2026"
    await system.meeting(SONTAY, {task["id"]: 8})
    await review_rpc(system.review)["claim"](SONTAY, {"task_id": task["id"]})
    decided = await review_rpc(system.review)["decide"](SONTAY, {"task_id": task["id"], "action": "approve", "comment": ""})
    assert decided["state"] == "approved"


SONTAY_ADMIN = Actor(
    user_id="u-qt-sontay",
    username="qt.sontay",
    full_name="Quản trị Sơn Tây",
    roles=(RoleGrant(role="unit_admin", unit_code="HN-SONTAY"),),
)


@pytest.mark.asyncio
async def test_a_standing_council_roster_gives_the_meetings_counts(system: System) -> None:
    rpc = review_rpc(system.review)
    members = [
        {"full_name": "Phạm Quang Huy", "title": "Chủ tịch LĐLĐ thị xã", "role": "chair"},
        {"full_name": "Nguyễn Thị Lan", "title": "Phó Chủ tịch LĐLĐ", "role": "vice_chair"},
        {"full_name": "Trần Văn Bình", "role": "standing"},
        {"full_name": "Lê Thị Hoa", "role": "member"},
        {"full_name": "Đỗ Văn Nam", "role": "member", "term_to": "2026-02-28"},  # left before the meeting
        {"full_name": "Vũ Thị Thu", "role": "secretary"},
    ]
    council = {
        "unit_code": "HN-SONTAY",
        "kind": "tdkt",
        "decision_number": "15/QĐ-LĐLĐ",
        "decision_date": "2026-01-05",
        "decision_signer": "Phạm Quang Huy",
        "members": members,
    }
    with pytest.raises(Forbidden):  # the unit's approvers record meetings; its admin keeps the council
        await rpc["create_council"](SONTAY, council)
    created = await rpc["create_council"](SONTAY_ADMIN, council)
    assert (created["name"], created["serving"], len(created["members"])) == ("Hội đồng Thi đua – Khen thưởng", 5, 6)
    listed = await rpc["list_councils"](SONTAY, {"unit_code": "HN-SONTAY", "on": HELD.isoformat()})
    assert (listed["can_manage"], [c["id"] for c in listed["councils"]]) == (False, [created["id"]])
    ids = {m["full_name"]: m["id"] for m in created["members"]}

    nomination = await system.submit(
        "Hồ Thị Nga", "giay_khen_ldld_huyen", "Hoàn thành xuất sắc nhiệm vụ năm 2026 tại tổ chăm sóc."
    )
    await system.to_review()
    task = await system.task(nomination)
    meeting = {
        "held_on": HELD.isoformat(),
        "council_id": created["id"],
        "present_member_ids": [ids["Nguyễn Thị Lan"], ids["Trần Văn Bình"], ids["Lê Thị Hoa"], ids["Vũ Thị Thu"]],
        "votes": [{"task_id": task["id"], "votes_for": 3, "votes_against": 1}],
    }
    with pytest.raises(ValidationFailed) as gone:
        await rpc["record_council"](SONTAY, meeting | {"present_member_ids": [ids["Đỗ Văn Nam"]]})
    assert [f.field for f in gone.value.fields] == ["present_member_ids.0", "votes.0.votes_for"]  # and 0 present
    recorded = await rpc["record_council"](SONTAY, meeting)
    assert (recorded["council_id"], recorded["members"], recorded["present"], recorded["warnings"]) == (created["id"], 5, 4, [])
    [vote] = recorded["votes"]
    assert vote["passed"] is True  # 4/5 present ≥ 2/3; 3/4 = 75 % ≥ 70 %
    view = await rpc["get_task"](SONTAY, {"task_id": task["id"]})
    latest = view["council"]["latest"]
    assert (latest["members"], latest["present"], latest["chair"]) == (5, 4, "Nguyễn Thị Lan")  # the vice chair presided

    # Without a roster the typed counts still count, with a warning.
    typed = await rpc["record_council"](
        SONTAY, {"held_on": HELD.isoformat(), "members": 9, "present": 9, "votes": [{"task_id": task["id"], "votes_for": 8}]}
    )
    assert typed["warnings"] == [
        "Đơn vị chưa chọn Hội đồng có danh sách thành viên: số thành viên và số có mặt là số do người ghi nhập"
    ]
    with pytest.raises(ValidationFailed) as no_counts:
        await rpc["record_council"](SONTAY, {"held_on": HELD.isoformat(), "votes": [{"task_id": task["id"], "votes_for": 8}]})
    assert [f.field for f in no_counts.value.fields] == ["members", "present"]

    ended = await rpc["end_council_member"](
        SONTAY_ADMIN, {"council_id": created["id"], "member_id": ids["Lê Thị Hoa"], "term_to": "2026-03-01"}
    )
    assert ended["serving"] == 4
    added = await rpc["add_council_member"](
        SONTAY_ADMIN, {"council_id": created["id"], "full_name": "Bùi Văn Khánh", "role": "member", "term_from": "2026-03-02"}
    )
    assert [m["full_name"] for m in added["members"]][-1] == "Bùi Văn Khánh"
    assert (await rpc["list_councils"](SONTAY_ADMIN, {"unit_code": "HN-SONTAY", "on": HELD.isoformat()}))["councils"][0][
        "serving"
    ] == 5
