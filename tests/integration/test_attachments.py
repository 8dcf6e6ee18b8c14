"""Dossier attachments on a real nats-server and both databases: the portal stages an upload in its bucket, registration
takes it into its own at submission, and a download is authorised by registration and checked against the SHA-256."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from nats.js import JetStreamContext
from nats.js.api import ObjectMeta
from pypdf.actions import JavaScript

from services.portal.gateway import AttachmentDamaged, Gateway
from services.portal.settings import PortalSettings
from services.registration import routes, store
from services.registration.domain.nomination import Status
from services.registration.usecases import units as registration_units
from services.registration.usecases.context import RegistrationContext
from shared.contracts.errors import DomainError, Forbidden
from shared.contracts.events import Actor, NominationSubmitted
from shared.contracts.subjects import ATTACHMENTS_BUCKET, REGISTRATION_FROM_AWARDS, REGISTRATION_FROM_REVIEW, STAGING_BUCKET
from shared.platform.assertions import generate_keys
from shared.platform.clock import FixedClock
from shared.platform.service import ServiceContext
from shared.platform.settings import ATTACHMENT_RULES_ENV
from shared.platform.topology import ensure_topology
from shared.rules import attachments as att
from shared.rules import reference
from tests.integration.conftest import APPROVER_SONTAY, NOW, SUBMITTER, approver, count_rows, draft, running_broker
from tests.samples import pdf_with, sample_docx, sample_pdf, sample_png

ENFORCED = """
[[rules]]
effective_from = 2024-01-01
max_file_bytes = 200_000
max_files = 5
max_total_bytes = 400_000
allowed_types = ["pdf", "png"]
require_documents = true
source = "test"
"""
APPROVER_THANHXUAN = approver("ld.thanhxuan", "Lãnh đạo LĐLĐ Thanh Xuân", "HN-THANHXUAN")


@pytest.fixture(autouse=True)
def enforced_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Small limits and required documents enforced from 2024 (the shipped file enforces them from 2027)."""
    path = tmp_path / "attachments.toml"
    path.write_text(ENFORCED)
    monkeypatch.setenv(ATTACHMENT_RULES_ENV, str(path))


@pytest_asyncio.fixture
async def system(
    service_context: Callable[..., Any], clean_nats: str, tmp_path: Path
) -> AsyncIterator[tuple[ServiceContext, Gateway]]:
    """Registration wired on its broker, and the portal's gateway on its own connection."""
    ctx: ServiceContext = await service_context("registration")
    await registration_units.load_units(RegistrationContext.of(ctx), reference.load_units())
    await ensure_topology(clean_nats, (REGISTRATION_FROM_REVIEW, REGISTRATION_FROM_AWARDS))
    settings = PortalSettings(nats_url=clean_nats, jwt_secret="s" * 40, var_dir=tmp_path)
    generate_keys(settings.keys_dir())  # the portal signs its callers; registration runs in-process, unverified
    async with (
        running_broker(clean_nats, "registration", lambda router, broker: routes.wire(router, broker, ctx)),
        running_broker(clean_nats, "portal") as portal_broker,
    ):
        gateway = Gateway(settings, ctx.engine, FixedClock(NOW), portal_broker)
        await gateway.staging()
        yield ctx, gateway


async def submit(gateway: Gateway, actor: Actor, files: dict[str, tuple[str, bytes]], **overrides: Any) -> Any:
    staged = [
        {"document_type": doc, "staged_id": (await gateway.stage(actor, name, data))["staged_id"]}
        for doc, (name, data) in files.items()
    ]
    return await gateway.call("registration", "submit", actor, {**draft(), **overrides, "attachments": staged})


def full_set() -> dict[str, tuple[str, bytes]]:
    return {
        "to_trinh": ("Tờ trình.pdf", sample_pdf("Tờ trình đề nghị khen thưởng")),
        "bao_cao_thanh_tich": ("Báo cáo thành tích.pdf", sample_pdf("Báo cáo thành tích năm 2026")),
        "bien_ban_hop": ("bien-ban.png", sample_png()),
    }


@pytest.mark.asyncio
async def test_upload_submit_and_download_give_back_the_same_bytes(system: tuple[ServiceContext, Gateway]) -> None:
    ctx, gateway = system
    files = full_set()
    created = await submit(gateway, SUBMITTER, files)

    assert created["status"] == "submitted"
    assert created["missing_documents"] == []
    listed = {a["document_type"]: a for a in created["attachments"]}
    assert set(listed) == set(files)
    for doc, (name, data) in files.items():
        assert listed[doc]["filename"] == name
        assert listed[doc]["size"] == len(data)
        assert listed[doc]["sha256"] == hashlib.sha256(data).hexdigest()
    assert listed["bien_ban_hop"]["media_type"] == "image/png"
    assert await count_rows(ctx.engine, store.attachments) == 3

    # the event review reads carries the list (approvers see it with the dossier)
    async with ctx.engine.connect() as conn:
        payload = (await conn.execute(store.outbox.select())).mappings().one()["payload"]
    event = NominationSubmitted.model_validate_json(payload)
    assert {a.document_type: a.sha256 for a in event.nomination.attachments} == {d: a["sha256"] for d, a in listed.items()}

    # the approver of Sơn Tây, on the nomination's path, downloads it; the bytes are the ones uploaded
    found, data = await gateway.download(APPROVER_SONTAY, created["id"], listed["to_trinh"]["id"])
    assert data == files["to_trinh"][1]
    assert found["sha256"] == hashlib.sha256(data).hexdigest()


@pytest.mark.asyncio
async def test_someone_who_cannot_see_the_nomination_cannot_download_its_files(system: tuple[ServiceContext, Gateway]) -> None:
    _, gateway = system
    created = await submit(gateway, SUBMITTER, full_set())
    attachment_id = created["attachments"][0]["id"]
    with pytest.raises(DomainError) as refused:
        await gateway.download(APPROVER_THANHXUAN, created["id"], attachment_id)
    assert (refused.value.code, refused.value.status) == ("not_your_unit", 403)
    # registration itself refuses (the portal only relays): asked directly, the same answer
    with pytest.raises(Forbidden):
        await routes.operations(system[0])["attachment"](
            APPROVER_THANHXUAN, {"nomination_id": created["id"], "attachment_id": attachment_id}
        )


@pytest.mark.asyncio
async def test_a_missing_required_document_is_refused_naming_it(system: tuple[ServiceContext, Gateway]) -> None:
    ctx, gateway = system
    files = full_set()
    del files["bien_ban_hop"]
    with pytest.raises(DomainError) as refused:
        await submit(gateway, SUBMITTER, files)
    assert (refused.value.code, refused.value.status) == ("missing_documents", 422)
    assert [(f.field, f.message) for f in refused.value.fields] == [
        ("attachments.bien_ban_hop", "Thiếu tài liệu bắt buộc: Biên bản họp Hội đồng Thi đua – Khen thưởng (kết quả biểu quyết)")
    ]
    assert await count_rows(ctx.engine, store.nominations) == 0
    assert await count_rows(ctx.engine, store.attachments) == 0


@pytest.mark.asyncio
async def test_oversize_and_wrong_type_are_refused_at_upload_with_field_codes(system: tuple[ServiceContext, Gateway]) -> None:
    _, gateway = system
    cases = [
        ("to-trinh.pdf", b"%PDF-1.7\n" + b"0" * 200_000, "attachment_too_large"),
        ("to-trinh.pdf", b"MZ" + b"\x00" * 200, "attachment_executable"),
        ("to-trinh.png", sample_pdf(), "attachment_extension_mismatch"),
        ("bang-tinh.docx", b"PK\x03\x04" + b"\x00" * 64, "attachment_type_not_allowed"),
        ("to-trinh.pdf", pdf_with(lambda w: w.add_open_action(JavaScript("app.alert(1)"))), "attachment_active_content"),
        ("to-trinh.pdf", pdf_with(lambda w: w.add_attachment("setup.exe", b"MZ" + b"\x00" * 64)), "attachment_embedded_file"),
        ("to-trinh.pdf", sample_pdf() + sample_docx(), "attachment_polyglot"),
        ("to-trinh.pdf", sample_pdf()[:20_000], "attachment_corrupt"),
    ]
    for name, data, code in cases:
        with pytest.raises(DomainError) as refused:
            await gateway.stage(SUBMITTER, name, data)
        assert refused.value.code == code, name
        assert [f.field for f in refused.value.fields] == ["file"]


@pytest.mark.asyncio
async def test_registration_checks_the_staged_file_again_and_only_its_uploaders(
    system: tuple[ServiceContext, Gateway], js: JetStreamContext
) -> None:
    ctx, gateway = system
    staging = await js.object_store(STAGING_BUCKET)
    # a file put in staging without the portal's checks (e.g. by an older portal): registration refuses it itself
    headers = {att.UPLOADED_BY_HEADER: [SUBMITTER.user_id], att.FILENAME_HEADER: ["bao-cao.pdf"]}
    await staging.put("sneaky", b"MZ" + b"\x00" * 100, meta=ObjectMeta(name="sneaky", headers=headers))
    files = full_set()
    staged = [
        {"document_type": d, "staged_id": (await gateway.stage(SUBMITTER, n, b))["staged_id"]} for d, (n, b) in files.items()
    ]
    staged.append({"document_type": "bao_cao_thanh_tich", "staged_id": "sneaky"})
    with pytest.raises(DomainError) as refused:
        await gateway.call("registration", "submit", SUBMITTER, {**draft(), "attachments": staged})
    assert refused.value.code == "attachment_executable"
    assert [f.field for f in refused.value.fields] == ["attachments.bao_cao_thanh_tich"]

    # another person's upload cannot be attached: as if it did not exist
    other = Actor(user_id="u-other", username="cdcs.other", roles=SUBMITTER.roles)
    with pytest.raises(DomainError) as refused:
        await gateway.call("registration", "submit", other, {**draft(), "attachments": staged[:3]})
    assert refused.value.code == "staged_not_found"
    assert await count_rows(ctx.engine, store.nominations) == 0


@pytest.mark.asyncio
async def test_a_returned_dossier_replaces_a_file_before_resubmission(system: tuple[ServiceContext, Gateway]) -> None:
    ctx, gateway = system
    created = await submit(gateway, SUBMITTER, full_set())
    async with ctx.engine.begin() as conn:  # review returned it (the event's effect on the row)
        await conn.execute(store.nominations.update().values(status=Status.RETURNED))
    old = next(a for a in created["attachments"] if a["document_type"] == "bien_ban_hop")
    new_pdf = sample_pdf("Biên bản họp Hội đồng, bản có chữ ký")
    staged = await gateway.stage(SUBMITTER, "Biên bản họp (ký).pdf", new_pdf)

    # removing the only biên bản without a new one: the resubmission is refused, nothing changes
    with pytest.raises(DomainError) as refused:
        await gateway.call("registration", "resubmit", SUBMITTER, {"id": created["id"], "remove_attachments": [old["id"]]})
    assert refused.value.code == "missing_documents"

    updated = await gateway.call(
        "registration",
        "resubmit",
        SUBMITTER,
        {
            "id": created["id"],
            "remove_attachments": [old["id"]],
            "attachments": [{"document_type": "bien_ban_hop", "staged_id": staged["staged_id"]}],
            "comment": "Bổ sung biên bản có chữ ký",
        },
    )
    now = {a["document_type"]: a for a in updated["attachments"]}
    assert now["bien_ban_hop"]["filename"] == "Biên bản họp (ký).pdf"
    assert now["bien_ban_hop"]["round"] == 2
    assert "Tài liệu: thêm 1 tệp, bỏ 1 tệp" in updated["timeline"][-1]["comment"]
    # the replaced file stays on record and readable by whoever may see the dossier
    _, data = await gateway.download(SUBMITTER, created["id"], old["id"])
    assert data == sample_png()
    assert await count_rows(ctx.engine, store.attachments, store.attachments.c.removed_at.is_not(None)) == 1


@pytest.mark.asyncio
async def test_a_corrupted_object_is_not_served_and_is_logged(
    system: tuple[ServiceContext, Gateway], js: JetStreamContext, caplog: pytest.LogCaptureFixture
) -> None:
    _, gateway = system
    created = await submit(gateway, SUBMITTER, full_set())
    target = created["attachments"][0]
    bucket = await js.object_store(ATTACHMENTS_BUCKET)
    await bucket.put(target["id"], b"%PDF-1.7 tampered")  # same name, other bytes: the recorded SHA-256 no longer matches

    with caplog.at_level(logging.ERROR, logger="thidua.portal.attachments"), pytest.raises(AttachmentDamaged) as refused:
        await gateway.download(SUBMITTER, created["id"], target["id"])
    assert refused.value.code == "attachment_corrupted"
    logged = [r for r in caplog.records if r.name == "thidua.portal.attachments"]
    assert [r.getMessage() for r in logged] == ["attachment.corrupted"]
    assert logged[0].__dict__["expected"] == target["sha256"]


@pytest.mark.asyncio
async def test_the_award_documents_say_which_are_required(system: tuple[ServiceContext, Gateway]) -> None:
    _, gateway = system
    requirements = await gateway.call("registration", "document_requirements", SUBMITTER, {"award_code": "giay_khen_ldld_huyen"})
    assert [(d["code"], d["required"]) for d in requirements["documents"]] == [
        ("to_trinh", True),
        ("bao_cao_thanh_tich", True),
        ("bien_ban_hop", True),
    ]
    assert requirements["enforced"] is True
    assert requirements["accept"] == ".pdf,.png"


@pytest.mark.asyncio
async def test_nobody_adds_files_while_the_dossier_is_in_review(system: tuple[ServiceContext, Gateway]) -> None:
    ctx, gateway = system
    created = await submit(gateway, SUBMITTER, full_set())
    staged = await gateway.stage(SUBMITTER, "bo-sung.pdf", sample_pdf("Bổ sung"))
    extra = {"id": created["id"], "attachments": [{"document_type": "to_trinh", "staged_id": staged["staged_id"]}]}
    for operation in ("update", "resubmit"):
        with pytest.raises(DomainError) as refused:
            await gateway.call("registration", operation, SUBMITTER, extra)
        assert (refused.value.code, refused.value.status) == ("invalid_transition", 409)
    assert await count_rows(ctx.engine, store.attachments) == 3
