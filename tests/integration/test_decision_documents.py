"""Decisions over the real broker, awards' database on SQLite and PostgreSQL: a batch approval becomes ONE numbered
decision listing every nomination (grouped by award) and N AwardGranted that registration follows; replays change
nothing; a revocation with its reason reaches registration; a state title ends in a numbered tờ trình with no prize."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pypdf
import pytest
import pytest_asyncio
import sqlalchemy as sa
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext

from services.awards import routes as awards_routes
from services.awards import store as awards_store
from services.awards.store import tables as awards_tables
from services.awards.usecases.context import AwardsContext
from services.registration import routes as registration_routes
from services.registration import store as registration_store
from services.registration.usecases import reactions as registration_reactions
from services.registration.usecases import units as registration_units
from services.registration.usecases.context import RegistrationContext
from shared.contracts import subjects
from shared.contracts.events import (
    Actor,
    AwardGranted,
    AwardProposed,
    DecisionRevoked,
    DecisionSnapshot,
    Event,
    NominationApproved,
    NominationsApproved,
    NominationSnapshot,
    NominationSubmitted,
    RoleGrant,
    StateOutcomeRecorded,
)
from shared.contracts.operations import RpcRequest
from shared.contracts.subjects import AWARDS_FROM_REVIEW, REGISTRATION_FROM_AWARDS, REGISTRATION_FROM_REVIEW
from shared.contracts.values import VIETNAM_TZ
from shared.platform.messaging import make_broker, publish_event
from shared.platform.outbox import OutboxRelay
from shared.platform.service import ServiceContext
from shared.platform.topology import ensure_consumer, ensure_streams, ensure_topology
from shared.rules import reference
from tests.integration.conftest import NOW, SUBMITTER, approver, count_rows, eventually, path_of, running_broker, stream_messages
from tests.integration.signing import sign_over_the_bus

APPROVER_SONTAY = approver("ld.sontay", "Lãnh đạo LĐLĐ Sơn Tây", "HN-SONTAY")
APPROVER_HN = approver("ld.hanoi", "Lãnh đạo LĐLĐ TP Hà Nội", "HN")
OUTSIDER = Actor(
    user_id="u-x", username="x", full_name="Người khác", roles=(RoleGrant(role="submitter", unit_code="HN-HADONG-VANQUAN"),)
)


@pytest_asyncio.fixture
async def world(service_context: Callable[..., Any], clean_nats: str, tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    """Registration (SQLite file) and awards (the parametrised database) running on the session's nats-server."""
    reg: ServiceContext = await service_context("registration", url=f"sqlite+aiosqlite:///{tmp_path / 'registration.sqlite'}")
    await registration_units.load_units(RegistrationContext.of(reg), reference.load_units())
    awards: ServiceContext = await service_context("awards")
    await ensure_topology(clean_nats, (REGISTRATION_FROM_REVIEW, REGISTRATION_FROM_AWARDS, AWARDS_FROM_REVIEW))
    publisher = make_broker(clean_nats, "awards")
    await publisher.start()

    async def publish(subject: str, payload: bytes, headers: dict[str, str]) -> None:
        await publish_event(publisher, subject, payload, headers)

    relay = OutboxRelay(awards.engine, awards_store.outbox, publish, awards.clock)
    async with (
        running_broker(clean_nats, "registration", lambda router, broker: registration_routes.wire(router, broker, reg)),
        running_broker(clean_nats, "awards", lambda router, broker: awards_routes.wire(router, broker, awards)),
    ):
        yield {"registration": reg, "awards": awards, "relay": relay}
    await publisher.stop()


async def submitted(reg: ServiceContext, award_code: str, name: str, kind: str = "individual") -> NominationSnapshot:
    """A nomination filed through registration's own use case; its snapshot as it left in the outbox."""
    body = {
        "unit_code": "HN-SONTAY-DST",
        "award_code": award_code,
        "period": "2026",
        "nominee": {"kind": kind, "name": name},
        "achievements": "Hoàn thành xuất sắc nhiệm vụ, dẫn đầu phong trào thi đua của đơn vị trong năm.",
    }
    view = await registration_routes.operations(reg)["submit"](SUBMITTER, body)
    o = registration_store.outbox
    async with reg.engine.connect() as conn:
        payloads = (await conn.scalars(sa.select(o.c.payload).where(o.c.subject == subjects.NOMINATION_SUBMITTED))).all()
    for payload in payloads:
        event = NominationSubmitted.model_validate_json(payload)
        if event.nomination.id == view["id"]:
            return event.nomination
    raise AssertionError(f"no NominationSubmitted for {view['id']}")


async def publish_review_event(js: JetStreamContext, event: Event, msg_id: str | None = None) -> None:
    """What review's relay does: the event on its subject in the REVIEW stream (a new msg id: a replay, not a duplicate)."""
    await js.publish(event.SUBJECT, event.model_dump_json().encode(), headers={"Nats-Msg-Id": msg_id or str(uuid.uuid4())})


async def rpc(nc: NatsClient, operation: str, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    reply = await nc.request(
        subjects.rpc_subject("awards", operation), RpcRequest(actor=actor, params=params).model_dump_json().encode(), timeout=10
    )
    decoded: dict[str, Any] = json.loads(reply.data)
    return decoded


async def awards_events(js: JetStreamContext, subject: str) -> list[Any]:
    return [m for m in await stream_messages(js, "AWARDS") if m.subject == subject]


async def nomination(reg: ServiceContext, nomination_id: str) -> dict[str, Any]:
    view: dict[str, Any] = await registration_routes.operations(reg)["get"](SUBMITTER, {"id": nomination_id})
    return view


async def statuses(reg: ServiceContext, ids: list[str]) -> list[str]:
    return [(await nomination(reg, i))["status"] for i in ids]


UNIT_PRIZE = 1_500_000  # what the district's quy chế grants a CĐCS vững mạnh (the catalogue knows no amount)


async def signed_file_hash(awards: ServiceContext, decision_id: str) -> str:
    f = awards_tables.signed_files
    async with awards.engine.connect() as conn:
        return str(await conn.scalar(sa.select(f.c.sha256).where(f.c.decision_id == decision_id)))


async def signed_by_the_chairs(world: dict[str, Any], nc: NatsClient, drafted: int) -> None:
    """The issuers' chairs sign every draft over the bus once `drafted` nominations are drafted, first setting the
    unit's own amount (UNIT_PRIZE) for each nominee whose award has none in the catalogue."""

    async def sign(actor: Actor, draft_id: str) -> None:
        draft = (await rpc(nc, "get_draft", actor, {"id": draft_id}))["data"]
        for nominee in (n for n in draft["nominees"] if n["prize_needed"]):
            params = {"id": draft_id, "nomination_id": nominee["nomination_id"], "amount_vnd": UNIT_PRIZE}
            assert (await rpc(nc, "set_draft_prize", actor, params))["ok"]
        reply = await rpc(nc, "sign_draft", actor, {"id": draft_id})
        assert "data" in reply, reply

    await sign_over_the_bus(AwardsContext.of(world["awards"]), sign, drafted)


async def relay_and_wait(world: dict[str, Any], ids: list[str], status: str) -> None:
    await world["relay"].publish_batch()
    await eventually(lambda: statuses(world["registration"], ids), lambda s: s == [status] * len(ids), within=10)


@pytest.mark.asyncio
async def test_a_batch_approval_issues_one_decision_grouped_by_award_and_every_nomination_is_granted_once(
    world: dict[str, Any], js: JetStreamContext, nc: NatsClient
) -> None:
    reg, awards = world["registration"], world["awards"]
    noms = [
        await submitted(reg, "giay_khen_ldld_huyen", "Nguyễn Thị Hường"),
        await submitted(reg, "cdcs_vung_manh", "Công đoàn Công ty CP tập đoàn DST", "collective"),
        await submitted(reg, "giay_khen_ldld_huyen", "Tổ Công đoàn Phân xưởng Đúc", "collective"),
        await submitted(reg, "giay_khen_ldld_huyen", "Trần Văn Đức"),
    ]
    ids = [n.id for n in noms]
    batch = NominationsApproved(
        occurred_at=NOW, actor=APPROVER_SONTAY, batch_id="batch-1", issuer=path_of("HN-SONTAY")[0], nominations=noms
    )

    await publish_review_event(js, batch)
    await publish_review_event(js, batch)  # a replay of the same event under another message id
    await signed_by_the_chairs(world, nc, 4)
    await eventually(lambda: count_rows(awards.engine, awards_store.registry), lambda n: n == 4)
    await relay_and_wait(world, ids, "granted")

    decisions = (await rpc(nc, "list_decisions", APPROVER_SONTAY, {}))["data"]
    assert decisions["total"] == 1
    [d] = decisions["items"]
    assert (d["number_text"], d["kind"], d["batch_id"], d["status"]) == ("1/QĐ-LĐLĐ", "decision", "batch-1", "issued")
    assert [a["code"] for a in d["awards"]] == ["giay_khen_ldld_huyen", "cdcs_vung_manh"]
    assert (d["collectives"], d["individuals"]) == (2, 2)
    # 0.3 and 0.6 x 2,340,000 rounded up to 10.000 đ; CĐCS vững mạnh's prize is not known (coefficient 0, unconfirmed)
    assert d["total_prize_vnd"] == 710_000 * 2 + 1_410_000 + UNIT_PRIZE
    granted = await awards_events(js, subjects.AWARD_GRANTED)
    assert sorted(AwardGranted.model_validate_json(m.data).nomination_id for m in granted) == sorted(ids)
    assert {AwardGranted.model_validate_json(m.data).decision.decision_id for m in granted} == {d["id"]}

    # A single approval of a nomination already in the register is skipped: no second decision, no event.
    await publish_review_event(
        js, NominationApproved(occurred_at=NOW, actor=APPROVER_SONTAY, nomination=noms[0], issuer=path_of("HN-SONTAY")[0])
    )
    other = await submitted(reg, "giay_khen_ldld_huyen", "Lê Thị Lan")
    await publish_review_event(
        js, NominationApproved(occurred_at=NOW, actor=APPROVER_SONTAY, nomination=other, issuer=path_of("HN-SONTAY")[0])
    )
    await signed_by_the_chairs(world, nc, 5)
    await eventually(lambda: count_rows(awards.engine, awards_store.registry), lambda n: n == 5)
    await relay_and_wait(world, [other.id], "granted")
    assert await count_rows(awards.engine, awards_store.decisions) == 2
    assert len(await awards_events(js, subjects.AWARD_GRANTED)) == 5
    assert (await rpc(nc, "get_decision", APPROVER_SONTAY, {"id": d["id"]}))["data"]["nominees"][0]["name"] == "Nguyễn Thị Hường"

    document = (await rpc(nc, "decision_document", SUBMITTER, {"id": d["id"], "format": "pdf"}))["data"]
    assert document["filename"] == "quyet-dinh-1-2026-HN-SONTAY.pdf"
    text = " ".join(
        " ".join(
            p.extract_text() for p in pypdf.PdfReader(io.BytesIO(base64.b64decode(document["content_base64"]))).pages
        ).split()
    )
    for expected in (
        "Số: 1/QĐ-LĐLĐ",
        "BAN THƯỜNG VỤ LIÊN ĐOÀN LAO ĐỘNG THỊ XÃ SƠN TÂY",
        "A. TẬP THỂ",
        "B. CÁ NHÂN",
        "Trần Văn Đức",
    ):
        assert expected in text, expected
    assert "Xét đề nghị của Công đoàn Công ty CP tập đoàn DST" in text
    assert "1.500.000" in text  # CĐCS vững mạnh: the amount the unit set before signing (the catalogue knows none)
    assert "chưa xác định" not in text  # a signed decision never states an amount nobody knows
    assert "đã ký" not in text
    # The printed page comes from the same lines: every word of it is in the PDF
    printed = (await rpc(nc, "decision_document", SUBMITTER, {"id": d["id"], "format": "html"}))["data"]
    assert printed["media_type"].startswith("text/html")
    html = base64.b64decode(printed["content_base64"]).decode()
    assert '<article class="doc official">' in html
    for expected in ("Số: 1/QĐ-LĐLĐ", "DANH SÁCH", "Kèm theo Quyết định số 1/QĐ-LĐLĐ", "Trần Văn Đức", "1.500.000"):
        assert expected in html, expected
    refused = await rpc(nc, "decision_document", OUTSIDER, {"id": d["id"], "format": "xlsx"})
    assert (refused["ok"], refused["error"]["code"]) == (False, "not_your_unit")


@pytest.mark.asyncio
async def test_a_revoked_decision_marks_its_prizes_for_recovery_and_registration_shows_the_revocation(
    world: dict[str, Any], js: JetStreamContext, nc: NatsClient
) -> None:
    reg = world["registration"]
    noms = [await submitted(reg, "giay_khen_ldld_huyen", name) for name in ("Phạm Văn Hải", "Đỗ Thị Nga")]
    ids = [n.id for n in noms]
    batch = NominationsApproved(
        occurred_at=NOW, actor=APPROVER_SONTAY, batch_id="b-2", issuer=path_of("HN-SONTAY")[0], nominations=noms
    )
    await publish_review_event(js, batch)
    await signed_by_the_chairs(world, nc, 2)
    await eventually(lambda: count_rows(world["awards"].engine, awards_store.registry), lambda n: n == 2)
    await relay_and_wait(world, ids, "granted")
    [d] = (await rpc(nc, "list_decisions", APPROVER_SONTAY, {}))["data"]["items"]
    assert await reported(nc, APPROVER_SONTAY, "HN-SONTAY") == 2
    signed_hash = await signed_file_hash(world["awards"], d["id"])

    short = await rpc(nc, "revoke", APPROVER_SONTAY, {"id": d["id"], "reason": "sai"})
    assert (short["error"]["status"], short["error"]["fields"]) == (
        422,
        [{"field": "reason", "message": "Nêu lý do thu hồi, ít nhất 10 ký tự"}],
    )
    stranger = await rpc(nc, "revoke", APPROVER_HN, {"id": d["id"], "reason": "Khai man thành tích trong báo cáo"})
    assert (stranger["error"]["status"], stranger["error"]["code"]) == (403, "not_issuer")

    signed_pdf = (await rpc(nc, "decision_document", APPROVER_SONTAY, {"id": d["id"], "format": "pdf"}))["data"]
    done = await rpc(nc, "revoke", APPROVER_SONTAY, {"id": d["id"], "reason": "Khai man thành tích trong báo cáo"})
    assert done["ok"] is True
    asked = done["data"]  # a revocation decision is drafted; the decision stands until it is signed
    assert (asked["status"], asked["status_label"], asked["revocation_pending"]) == (
        "issued",
        "Đang chờ ký quyết định thu hồi",
        True,
    )
    pending = await rpc(nc, "revoke", APPROVER_SONTAY, {"id": d["id"], "reason": "Khai man thành tích trong báo cáo"})
    assert (pending["error"]["status"], pending["error"]["code"]) == (409, "revocation_pending")
    assert await reported(nc, APPROVER_SONTAY, "HN-SONTAY") == 2

    await signed_by_the_chairs(world, nc, 2)  # the Chủ tịch signs the revocation decision
    revoked = (await rpc(nc, "get_decision", APPROVER_SONTAY, {"id": d["id"]}))["data"]
    assert (revoked["status"], revoked["revocation"]["reason"], revoked["recovery_due_vnd"]) == (
        "revoked",
        "Khai man thành tích trong báo cáo",
        1_420_000,
    )
    assert {x["recovery"] for x in revoked["nominees"]} == {"due"}
    assert revoked["revoked_in"]["number_text"] == "2/QĐ-LĐLĐ"  # numbered from the issuer's one register
    its_revocation = (await rpc(nc, "get_decision", APPROVER_SONTAY, {"id": revoked["revoked_in"]["id"]}))["data"]
    assert (its_revocation["kind"], its_revocation["revokes"]["id"]) == ("revocation", d["id"])
    revocation_pdf = await rpc(nc, "decision_document", APPROVER_SONTAY, {"id": its_revocation["id"], "format": "pdf"})
    data = base64.b64decode(revocation_pdf["data"]["content_base64"])
    assert b"/ByteRange" in data  # signed PAdES
    text = " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages).split())
    for expected in (
        "Số: 2/QĐ-LĐLĐ",
        "Về việc thu hồi Quyết định số 1/QĐ-LĐLĐ",
        "Khai man thành tích trong báo cáo",
        "Phạm Văn Hải",
        "1.420.000",
    ):
        assert expected in text, expected
    again = await rpc(nc, "revoke", APPROVER_SONTAY, {"id": d["id"], "reason": "Khai man thành tích trong báo cáo"})
    assert (again["error"]["status"], again["error"]["code"]) == (409, "already_revoked")
    assert await reported(nc, APPROVER_SONTAY, "HN-SONTAY") == 0  # kept in the register, no longer counted

    await relay_and_wait(world, ids, "revoked")
    [event] = [DecisionRevoked.model_validate_json(m.data) for m in await awards_events(js, subjects.DECISION_REVOKED)]
    assert (event.decision_id, event.reason, sorted(e.nomination_id for e in event.entries)) == (
        d["id"],
        "Khai man thành tích trong báo cáo",
        sorted(ids),
    )
    first = await nomination(reg, ids[0])
    assert first["status_label"] == "Đã thu hồi quyết định"
    assert first["decision"]["revoked"]["prize_to_recover_vnd"] == 710_000
    assert first["timeline"][-1]["step"] == "revoked"
    assert "Khai man thành tích trong báo cáo" in first["timeline"][-1]["comment"]

    recovered = await rpc(nc, "mark_recovered", APPROVER_SONTAY, {"id": d["id"], "nomination_id": ids[0]})
    assert [x["recovery"] for x in recovered["data"]["nominees"]] == ["recovered", "due"]
    assert recovered["data"]["recovery_due_vnd"] == 710_000
    twice = await rpc(nc, "mark_recovered", APPROVER_SONTAY, {"id": d["id"], "nomination_id": ids[0]})
    assert twice["error"]["code"] == "already_recovered"

    filtered = (await rpc(nc, "list_decisions", APPROVER_SONTAY, {"status": "revoked"}))["data"]
    assert [x["id"] for x in filtered["items"]] == [d["id"]]
    issued = (await rpc(nc, "list_decisions", APPROVER_SONTAY, {"status": "issued"}))["data"]["items"]
    assert [x["id"] for x in issued] == [its_revocation["id"]]  # the revocation decision itself stands
    pdf = (await rpc(nc, "decision_document", APPROVER_SONTAY, {"id": d["id"], "format": "pdf"}))["data"]
    assert pdf["content_base64"] == signed_pdf["content_base64"]  # the signed file is never altered by a revocation
    assert await signed_file_hash(world["awards"], d["id"]) == signed_hash
    assert hashlib.sha256(base64.b64decode(pdf["content_base64"])).hexdigest() == signed_hash
    printed = (await rpc(nc, "decision_document", APPROVER_SONTAY, {"id": d["id"], "format": "html"}))["data"]
    assert "ĐÃ THU HỒI" in base64.b64decode(printed["content_base64"]).decode()  # the console's page says so


@pytest.mark.asyncio
async def test_a_state_title_ends_in_a_numbered_proposal_without_prize_and_registration_says_it_was_submitted_upwards(
    world: dict[str, Any], js: JetStreamContext, nc: NatsClient
) -> None:
    reg, awards = world["registration"], world["awards"]
    collective = await submitted(reg, "tap_the_lao_dong_xuat_sac", "Phòng Kỹ thuật Công ty DST", "collective")
    individual = await submitted(reg, "chien_si_thi_dua_cap_tinh", "Vũ Minh Tuấn")
    union = await submitted(reg, "cong_nhan_gioi_thu_do", "Hoàng Thị Mai")
    batch = NominationsApproved(
        occurred_at=NOW, actor=APPROVER_HN, batch_id="b-3", issuer=path_of("HN")[0], nominations=[collective, union, individual]
    )
    await publish_review_event(js, batch)
    await signed_by_the_chairs(world, nc, 3)
    await eventually(lambda: count_rows(awards.engine, awards_store.registry), lambda n: n == 3)
    await relay_and_wait(world, [collective.id, individual.id], "proposed")
    await eventually(lambda: statuses(reg, [union.id]), lambda s: s == ["granted"])

    items = (await rpc(nc, "list_decisions", APPROVER_HN, {}))["data"]["items"]
    decisions = [x for x in items if x["kind"] == "decision"]
    proposals = sorted((x for x in items if x["kind"] == "proposal"), key=lambda x: x["number"])
    # The union award in one decision; one tờ trình per deciding authority: the catalogue annotates one of the two
    # titles ("(thẩm quyền … chưa xác nhận)"), the same authority decides both, so they go in one letter.
    # One register of outgoing documents: the tờ trình and the decision share its sequence (1 and 2, in the order the
    # chair signed them)
    assert sorted(x["number"] for x in items) == [1, 2]
    assert [x["number_text"] for x in decisions] == [f"{decisions[0]['number']}/QĐ-LĐLĐ"]
    assert [(x["number_text"], x["total_prize_vnd"], x["decided_by"]) for x in proposals] == [
        (f"{proposals[0]['number']}/TTr-LĐLĐ", 0, "Bộ trưởng, Chủ tịch UBND tỉnh"),
    ]
    assert [p["nominee_count"] for p in proposals] == [2]  # a list counts its nominees; get_decision has them all
    [proposal] = proposals
    read = (await rpc(nc, "get_decision", APPROVER_HN, {"id": proposal["id"]}))["data"]
    assert [x["status"] for x in read["nominees"]] == ["proposed", "proposed"]
    assert {x["status_label"] for x in read["nominees"]} == {"Đã đề nghị Bộ trưởng, Chủ tịch UBND tỉnh"}
    printed = (await rpc(nc, "decision_document", APPROVER_HN, {"id": proposal["id"], "format": "pdf"}))["data"]
    letter = " ".join(
        " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(base64.b64decode(printed["content_base64"]))).pages).split()
    )
    assert "Kính gửi: Ủy ban nhân dân thành phố Hà Nội" in letter  # the authority in legal_basis.toml
    assert "chưa xác nhận" not in letter  # the catalogue's notes are not printed

    [proposed] = [
        AwardProposed.model_validate_json(m.data)
        for m in await awards_events(js, subjects.AWARD_PROPOSED)
        if AwardProposed.model_validate_json(m.data).nomination_id == individual.id
    ]
    assert proposed.proposal.prize_amount_vnd == 0
    view = await nomination(reg, individual.id)
    assert view["status_label"] == "Đã trình cấp có thẩm quyền"
    assert view["decision"]["kind"] == "proposal"
    assert view["timeline"][-1]["step"] == "proposed"
    letter_number = proposals[0]["number_text"]
    assert f"Tờ trình số {letter_number}: đã đề nghị Bộ trưởng, Chủ tịch UBND tỉnh" in view["timeline"][-1]["comment"]

    assert await reported(nc, APPROVER_HN, "HN") == 1  # the union award; proposals are not awards (yet)

    refused = await rpc(nc, "revoke", APPROVER_HN, {"id": proposal["id"], "reason": "Không còn đủ tiêu chuẩn đề nghị"})
    assert refused["error"]["code"] == "not_a_decision"
    document = (await rpc(nc, "decision_document", APPROVER_HN, {"id": proposal["id"], "format": "xlsx"}))["data"]
    assert document["filename"] == f"to-trinh-{proposal['number']}-2026-HN.xlsx"

    # The state's answer, recorded by LĐLĐ TP: the individual granted, the collective not
    answer = {
        "id": proposal["id"],
        "authority": "Chủ tịch Ủy ban nhân dân thành phố Hà Nội",
        "number_text": "1234/QĐ-UBND",
        "decided_on": NOW.astimezone(VIETNAM_TZ).date().isoformat(),
        "items": [{"nomination_id": individual.id, "granted": True}, {"nomination_id": collective.id, "granted": False}],
    }
    assert (await rpc(nc, "record_state_outcome", APPROVER_SONTAY, answer))["error"]["code"] == "not_issuer"
    recorded = (await rpc(nc, "record_state_outcome", APPROVER_HN, answer))["data"]
    assert (recorded["state_outcome"]["granted"], recorded["state_outcome"]["not_granted"]) == (1, 1)
    assert (await rpc(nc, "record_state_outcome", APPROVER_HN, answer))["error"]["code"] == "outcome_already_recorded"
    await relay_and_wait(world, [individual.id], "granted")
    await relay_and_wait(world, [collective.id], "not_granted")
    view = await nomination(reg, individual.id)
    assert view["decision"]["state_outcome"]["number_text"] == "1234/QĐ-UBND"
    authority_line = "Quyết định số 1234/QĐ-UBND ngày {:%d/%m/%Y} của Chủ tịch Ủy ban nhân dân thành phố Hà Nội"
    # the fixed clock dates the answer with the tờ trình: find its line rather than expect it last
    assert [t["comment"] for t in view["timeline"] if t["step"] == "state_granted"] == [
        authority_line.format(NOW.astimezone(VIETNAM_TZ))
    ]
    assert (await nomination(reg, collective.id))["status_label"] == "Cấp có thẩm quyền không khen thưởng"
    outcomes = [
        StateOutcomeRecorded.model_validate_json(m.data) for m in await awards_events(js, subjects.STATE_OUTCOME_RECORDED)
    ]
    assert {(e.nomination_id, e.outcome.granted) for e in outcomes} == {(individual.id, True), (collective.id, False)}
    assert await reported(nc, APPROVER_HN, "HN") == 2  # the union award and the title the state granted
    report = (await rpc(nc, "report", APPROVER_HN, {"unit_code": "HN-SONTAY"}))["data"]
    assert [(x["level"], x["label"], x["count"]) for x in report["by_level"] if x["level"] == "state"] == [
        ("state", "cấp Nhà nước", 1)
    ]


@pytest.mark.asyncio
@pytest.mark.parametrize("old_filter", [(subjects.NOMINATION_APPROVED,), subjects.REVIEW_STREAM.subjects])
async def test_an_awards_durable_created_with_an_older_filter_takes_its_events_after_migrate(
    js: JetStreamContext, old_filter: tuple[str, ...]
) -> None:
    """An upgraded deployment: the durable still filters nomination_approved (the first releases), or every review event
    (before the filters were narrowed); ensure_consumer (run by every `thidua migrate`) updates it to the events awards
    handles, batch approvals and forwarded batches among them."""
    await ensure_streams(js)
    old = subjects.ConsumerDef(AWARDS_FROM_REVIEW.durable, subjects.REVIEW_STREAM, old_filter)
    await ensure_consumer(js, old)
    await ensure_consumer(js, AWARDS_FROM_REVIEW)
    info = await js.consumer_info("REVIEW", AWARDS_FROM_REVIEW.durable)
    assert not info.config.filter_subject
    assert info.config.filter_subjects == [
        subjects.NOMINATION_APPROVED,
        subjects.NOMINATIONS_APPROVED,
        subjects.PROPOSAL_FORWARDED,
    ]


async def reported(nc: NatsClient, actor: Actor, unit_code: str) -> int:
    """How many awards the unit's report counts."""
    report = await rpc(nc, "report", actor, {"unit_code": unit_code})
    return int(report["data"]["total"]["count"])


@pytest.mark.asyncio
async def test_a_decision_that_reaches_registration_before_its_approval_still_ends_the_timeline(
    world: dict[str, Any],
) -> None:
    """AwardGranted (awards' stream) and NominationApproved (review's) race to registration; both carry the approval's
    instant. Whatever order they are recorded in, the dossier ends with the decision and the status is granted."""
    reg = world["registration"]
    nom = await submitted(reg, "giay_khen_ldld_huyen", "Lương Thị Thảo")
    issuer = path_of("HN-SONTAY")[0]
    granted = AwardGranted(
        occurred_at=NOW,
        actor=APPROVER_SONTAY,
        nomination_id=nom.id,
        decision=DecisionSnapshot(
            decision_id=str(uuid.uuid4()),
            number=7,
            number_text="7/QĐ-LĐLĐ",
            year=2026,
            issuer=issuer,
            issued_at=NOW,
            award_code=nom.award_code,
            award_name=nom.award_name,
            prize_amount_vnd=702_000,
        ),
    )
    await registration_reactions.on_review_event(RegistrationContext.of(reg), granted)
    approved = NominationApproved(occurred_at=NOW, actor=APPROVER_SONTAY, nomination=nom, issuer=issuer)
    await registration_reactions.on_review_event(RegistrationContext.of(reg), approved)
    view = await nomination(reg, nom.id)
    assert view["status"] == "granted"
    assert [s["step"] for s in view["timeline"]][-2:] == ["approved", "granted"]


def pdf_text(document: dict[str, Any]) -> str:
    pages = pypdf.PdfReader(io.BytesIO(base64.b64decode(document["content_base64"]))).pages
    return " ".join(" ".join(p.extract_text() for p in pages).split())


@pytest.mark.asyncio
async def test_prizes_of_every_kind_print_in_their_own_words_and_reports_sum_money_and_gifts_apart(
    world: dict[str, Any], js: JetStreamContext, nc: NatsClient
) -> None:
    """A flat amount (biểu dương, seed 000: 1.000.000 đ each), a work marking an occasion with no prize, and a city
    tuyên dương whose gift value the chair sets: each decision prints its prize in its words and names its award
    from its issuer; the report counts the gifts' value apart from the money."""
    reg, awards = world["registration"], world["awards"]
    flat = [await submitted(reg, "bieu_duong_cong_nhan_gioi_sang_kien", name) for name in ("Nguyễn Văn An", "Lê Thị Bình")]
    works = await submitted(reg, "cong_trinh_chao_mung_cap_tren_co_so", "Tổ Cơ điện Công ty DST", "collective")
    batch = NominationsApproved(
        occurred_at=NOW, actor=APPROVER_SONTAY, batch_id="b-kinds", issuer=path_of("HN-SONTAY")[0], nominations=[*flat, works]
    )
    await publish_review_event(js, batch)
    await signed_by_the_chairs(world, nc, 3)
    await eventually(lambda: count_rows(awards.engine, awards_store.registry), lambda n: n == 3)
    gift = await submitted(reg, "tuyen_duong_ldld_tp", "Phạm Thị Cúc")
    await publish_review_event(
        js, NominationApproved(occurred_at=NOW, actor=APPROVER_HN, nomination=gift, issuer=path_of("HN")[0])
    )
    await signed_by_the_chairs(world, nc, 4)
    await eventually(lambda: count_rows(awards.engine, awards_store.registry), lambda n: n == 4)
    await relay_and_wait(world, [*(n.id for n in flat), works.id, gift.id], "granted")

    items = (await rpc(nc, "list_decisions", APPROVER_HN, {}))["data"]["items"]
    [district] = [x for x in items if x["issuer_code"] == "HN-SONTAY"]
    [city] = [x for x in items if x["issuer_code"] == "HN"]
    assert district["total_prize_vnd"] == 2_000_000
    assert district["award_name"] == "Biểu dương công nhân giỏi, sáng kiến sáng tạo của Liên đoàn Lao động thị xã Sơn Tây"
    assert city["award_name"] == "Tuyên dương của Liên đoàn Lao động Thành phố Hà Nội"

    text = pdf_text((await rpc(nc, "decision_document", APPROVER_SONTAY, {"id": district["id"], "format": "pdf"}))["data"])
    assert "tiền thưởng 1.000.000 đồng mỗi cá nhân (cộng 2.000.000 đồng)" in text
    assert "tổng cộng 2.000.000 đồng" in text
    assert "hệ số nhân mức lương cơ sở" not in text  # no coefficient prize in this decision
    assert "Công trình, sản phẩm chào mừng được Liên đoàn Lao động thị xã Sơn Tây công nhận" in text
    html = base64.b64decode(
        (await rpc(nc, "decision_document", APPROVER_SONTAY, {"id": district["id"], "format": "html"}))["data"]["content_base64"]
    ).decode()
    assert ">Không<" in html  # the work's row: no prize
    letter = pdf_text((await rpc(nc, "decision_document", APPROVER_HN, {"id": city["id"], "format": "pdf"}))["data"])
    assert "Tặng phẩm trị giá 1.500.000" in letter
    assert "tặng phẩm trị giá 1.500.000 đồng mỗi cá nhân" in letter

    report = (await rpc(nc, "report", APPROVER_HN, {"unit_code": "HN"}))["data"]
    assert (report["total"]["count"], report["total"]["prize_vnd"], report["total"]["gift_vnd"]) == (4, 2_000_000, UNIT_PRIZE)
    by_award = {a["award_code"]: (a["count"], a["prize_vnd"], a["gift_vnd"]) for a in report["by_award"]}
    assert by_award == {
        "bieu_duong_cong_nhan_gioi_sang_kien": (2, 2_000_000, 0),
        "cong_trinh_chao_mung_cap_tren_co_so": (1, 0, 0),
        "tuyen_duong_ldld_tp": (1, 0, UNIT_PRIZE),
    }
