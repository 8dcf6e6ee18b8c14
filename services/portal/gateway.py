"""How the portal reaches the services: NATS request/reply with the caller as an `Actor`."""

from __future__ import annotations

import hashlib
import logging
import time
from datetime import timedelta
from functools import partial
from typing import Any
from uuid import uuid4

import nats.errors
import sqlalchemy as sa
from anyio import CapacityLimiter
from faststream.nats import NatsBroker
from nats.js import JetStreamContext
from nats.js.api import ObjectMeta
from nats.js.errors import BucketNotFoundError, DigestMismatchError
from sqlalchemy.ext.asyncio import AsyncEngine

from services.portal import sessions, store, users
from services.portal.settings import PortalSettings
from services.portal.throttle import LoginThrottle
from shared.contracts.errors import DomainError, Forbidden, NotFound, ServiceUnavailable, Unauthenticated
from shared.contracts.events import Actor
from shared.contracts.operations import Operation, ReplyT
from shared.contracts.operations import notifier as notifier_ops
from shared.contracts.operations import review as review_ops
from shared.contracts.subjects import STAGING_BUCKET
from shared.contracts.values import VIETNAM_TZ
from shared.platform import deadletters
from shared.platform.assertions import load_signer
from shared.platform.clock import Clock, SystemClock
from shared.platform.deadletters import AuditEntry, DeadLetter, list_dead_letters
from shared.platform.objectstore import Buckets, ObjectNotFoundError, ObjectTooLarge, read_object
from shared.platform.observability import require_operations
from shared.platform.opsstatus import OpsStatus, collect
from shared.platform.rpcclient import RpcClient
from shared.platform.workers import in_worker
from shared.rules import attachments as att

log = logging.getLogger("thidua.portal.attachments")
MAIL_STATUS_SECONDS = 10.0
sessions_log = logging.getLogger("thidua.portal.sessions")

UNITS_TTL_SECONDS = 60.0
SPREADSHEET_READERS = 2
# Uploaded attachments are read by their parsers (pypdf, oletools) in worker processes, this many at once.
ATTACHMENT_READERS = 2


class AttachmentDamaged(DomainError):
    """The stored bytes are missing or do not match the SHA-256 registration recorded: never served."""

    code = "attachment_corrupted"
    status = 502
    title = "Tệp đính kèm bị hỏng hoặc không còn trong kho (mã kiểm tra SHA-256 không khớp); lỗi đã được ghi lại"


class Gateway:
    def __init__(self, settings: PortalSettings, engine: AsyncEngine, clock: Clock, broker: NatsBroker) -> None:
        self.settings = settings
        self.rules = settings.rulebook()  # the rules the portal checks uploads by, chosen once at start-up
        self.engine = engine
        self.clock = clock  # business time: what pages show as "now", shifted by `thidua clock` in demos
        self.wall_clock = SystemClock()  # security time: token expiry and sign-in throttling never move with it
        self.broker = broker
        # Every request carries the portal's signed assertion of the actor: services believe nothing else.
        self.rpc = RpcClient(broker, settings.rpc_timeout_seconds, signer=load_signer(settings.keys_dir(), "portal"))
        self.secret = settings.token_secret()
        self.throttle = LoginThrottle()
        # Uploaded spreadsheets are parsed in worker processes, this many at once (the others wait their turn).
        self.spreadsheet_readers = CapacityLimiter(SPREADSHEET_READERS)
        self.attachment_readers = CapacityLimiter(ATTACHMENT_READERS)
        self._units: dict[str, dict[str, Any]] | None = None
        self._units_read_at = 0.0
        self._mail_status: tuple[float, notifier_ops.MailStatus | None] | None = None

        def jetstream() -> JetStreamContext:  # the broker connects at start-up, after this is built
            return broker.connection.jetstream()

        self.buckets = Buckets(jetstream, replicas=settings.stream_replicas)

    async def staging(self) -> Any:
        """The portal's staging bucket (created at start-up; uploads live there until registration takes them)."""
        return await self.buckets.own(
            STAGING_BUCKET,
            ttl_seconds=self.settings.attachment_staging_ttl_seconds,
            description="Thi Đua: tệp tải lên chờ nộp (portal)",
        )

    def attachment_rules(self) -> att.AttachmentRules:
        return self.rules.attachment_rules_on(self.clock.now().astimezone(VIETNAM_TZ).date())

    async def stage(self, actor: Actor, filename: str, data: bytes) -> dict[str, Any]:
        """Keep an uploaded file in the staging bucket for the submitter's next submission; refused early when it is
        too large, not an allowed type or a program (registration checks it again when it takes it)."""
        if not (actor.is_admin or actor.units_with("submitter")):
            raise Forbidden("Chỉ cán bộ nộp hồ sơ được tải tài liệu lên", code="not_a_submitter")
        rules = self.attachment_rules()
        # parsing a 10 MB file takes up to seconds: in a worker process, never in the portal's
        checked = await in_worker(partial(att.check_file, field="file"), filename, data, rules, limiter=self.attachment_readers)
        staged_id = uuid4().hex
        meta = ObjectMeta(
            name=staged_id,
            description=checked.filename,
            headers={att.UPLOADED_BY_HEADER: [actor.user_id], att.FILENAME_HEADER: [checked.filename]},
        )
        try:
            await (await self.staging()).put(staged_id, data, meta=meta)
        except (nats.errors.Error, TimeoutError) as exc:
            log.exception("attachment.stage_failed")
            raise ServiceUnavailable("Kho tệp tạm thời không ghi được, vui lòng thử lại sau") from exc
        return {
            "staged_id": staged_id,
            "filename": checked.filename,
            "size": checked.size,
            "size_text": att.format_size(checked.size),
            "media_type": checked.media_type,
            "type": checked.kind,
            "sha256": checked.sha256,
            "expires_in_seconds": int(self.settings.attachment_staging_ttl_seconds),
        }

    async def download(self, actor: Actor, nomination_id: str, attachment_id: str) -> tuple[dict[str, Any], bytes]:
        """A file of a dossier: registration decides who may read it and names the object; the bytes are checked
        against the SHA-256 registration recorded before they leave."""
        found = await self.call(
            "registration", "attachment", actor, {"nomination_id": nomination_id, "attachment_id": attachment_id}
        )
        where = {"nomination_id": nomination_id, "attachment_id": attachment_id, "object": found["object_name"]}
        try:
            bucket = await self.buckets.other(found["bucket"])
            _, data = await read_object(bucket, found["object_name"], max_bytes=int(found["size"]))
        except (ObjectNotFoundError, BucketNotFoundError) as exc:
            log.error("attachment.missing", extra=where)
            raise AttachmentDamaged() from exc
        except (ObjectTooLarge, DigestMismatchError) as exc:
            log.error("attachment.corrupted", extra={**where, "reason": type(exc).__name__})
            raise AttachmentDamaged() from exc
        except (nats.errors.Error, TimeoutError) as exc:
            raise ServiceUnavailable("Kho tệp tạm thời không đọc được, vui lòng thử lại sau") from exc
        actual = hashlib.sha256(data).hexdigest()
        if actual != found["sha256"]:
            log.error(
                "attachment.corrupted",
                extra={**where, "reason": "sha256 mismatch", "expected": found["sha256"], "actual": actual},
            )
            raise AttachmentDamaged()
        return found, data

    async def login(self, username: str, password: str, address: str) -> Actor:
        """Check the password, refusing for a while after repeated failures (API and console alike)."""
        now = self.wall_clock.now()
        self.throttle.check(username, address, now)
        try:
            actor = await users.authenticate(self.engine, username, password)
        except Unauthenticated:
            self.throttle.failed(username, address, now)
            raise
        self.throttle.succeeded(username, address)
        return actor

    async def call(self, service: str, operation: str, actor: Actor, params: dict[str, Any] | None = None) -> Any:
        return await self.rpc.call_untyped(service, operation, actor, params)

    async def ask(self, operation: Operation[Any, ReplyT], actor: Actor, params: dict[str, Any] | None = None) -> ReplyT:
        """A declared operation, its reply as its model (so the API documents and checks it). The parameters go as
        the caller gave them: the owning service validates them and names any bad field."""
        return operation.reply.model_validate(await self.call(operation.service, operation.name, actor, params))

    async def mail_status(self, actor: Actor) -> notifier_ops.MailStatus | None:
        """Whether the notifier runs (email choices take effect) and sends to the demo sink; None when it does not
        answer. Kept MAIL_STATUS_SECONDS: every preferences page and bell page asks."""
        now = time.monotonic()
        if self._mail_status is not None and now - self._mail_status[0] < MAIL_STATUS_SECONDS:
            return self._mail_status[1]
        try:
            status: notifier_ops.MailStatus | None = await self.ask(notifier_ops.MAIL_STATUS, actor, {})
        except (ServiceUnavailable, TimeoutError):
            status = None
        self._mail_status = (now, status)
        return status

    async def address_status(self, actor: Actor) -> notifier_ops.AddressStatus | None:
        """The person's address as the notifier knows it and whether a server refused it; None when it does not answer."""
        try:
            return await self.ask(notifier_ops.ADDRESS_STATUS, actor, {})
        except (ServiceUnavailable, TimeoutError):
            return None

    async def notification_preferences(
        self, actor: Actor, operation: Operation[Any, review_ops.NotificationPreferences], params: dict[str, Any]
    ) -> review_ops.NotificationPreferences:
        """Review's preferences with `email_sent` true when the notifier answers (review itself sends no mail)."""
        chosen = await self.ask(operation, actor, params)
        status = await self.mail_status(actor)
        return chosen.model_copy(update={"email_sent": chosen.email_sent or status is not None})

    async def ops_status(self, actor: Actor) -> OpsStatus:
        """The ops page's figures; the services check the actor's role for theirs."""
        require_operations(actor)

        async def call(service: str, operation: str, params: dict[str, Any]) -> Any:
            return await self.call(service, operation, actor, params)

        return await collect(self.broker.connection.jetstream(), call)

    async def dead_letters(self, actor: Actor, limit: int = 20) -> list[DeadLetter]:
        """The newest dead letters, read straight from the DEADLETTER stream."""
        require_operations(actor)
        return await list_dead_letters(self.broker.connection.jetstream(), limit=limit)

    async def retry_dead_letter(self, actor: Actor, seq: int) -> AuditEntry:
        """The service whose consumer gave up runs its handler again; then the portal, an operator tool, records
        who did it and removes the letter (a service may do neither)."""
        require_operations(actor)

        async def run_again(letter: DeadLetter) -> None:
            await self.call(letter.service, "ops_dlq_retry", actor, {"seq": letter.seq})

        return await deadletters.retry(self.broker.connection.jetstream(), seq, by=actor.username, run_again=run_again)

    async def discard_dead_letter(self, actor: Actor, seq: int, reason: str) -> AuditEntry:
        """Remove a dead letter for good, with who and why in the audit trail."""
        require_operations(actor)
        return await deadletters.discard(self.broker.connection.jetstream(), seq, by=actor.username, reason=reason)

    def session_ttl(self) -> timedelta:
        return timedelta(minutes=self.settings.token_ttl_minutes)

    async def open_session(self, actor: Actor, kind: sessions.SessionKind) -> str:
        """Record a console session or an API token for someone who just signed in; its id."""
        return await sessions.open_session(self.engine, actor.user_id, kind, self.wall_clock.now(), self.session_ttl())

    async def issue_token(self, actor: Actor) -> str:
        session_id = await self.open_session(actor, "api")
        return users.issue_token(actor, self.secret, self.wall_clock.now(), self.session_ttl(), session_id)

    async def actor_from_session(self, user_id: str, session_id: str) -> Actor:
        """The signed-in person of a console session still in force (it lasts `token_ttl_minutes` after the last use)."""
        return await sessions.session_actor(self.engine, session_id, user_id, self.wall_clock.now(), renew_for=self.session_ttl())

    async def end_session(self, session_id: str) -> None:
        await sessions.end_session(self.engine, session_id)

    async def revoke_token(self, token: str) -> None:
        """Sign out the API token presented (it must still be in force)."""
        user_id, session_id = users.verify_token(token, self.secret, self.wall_clock.now())
        await sessions.check_session(self.engine, session_id, user_id, self.wall_clock.now())
        await sessions.end_session(self.engine, session_id)

    async def revoke_user_sessions(self, actor: Actor, username: str) -> int:
        """An administrator ends every console session and API token of a user; how many there were."""
        if not actor.is_admin:
            raise Forbidden("Chỉ quản trị hệ thống được thu hồi phiên đăng nhập của người khác", code="not_admin")
        async with self.engine.begin() as conn:
            user_id = await conn.scalar(sa.select(store.users.c.id).where(store.users.c.username == username))
            if user_id is None:
                raise NotFound("Không có người dùng này", code="user_not_found")
            revoked = await sessions.end_user_sessions(conn, user_id)
        sessions_log.info("sessions.revoked", extra={"user_id": user_id, "revoked": revoked, "by": actor.user_id})
        return revoked

    async def units(self, actor: Actor) -> dict[str, dict[str, Any]]:
        """The unit tree by code, asked of registration and kept for a minute (a reorganisation changes it)."""
        if self._units is None or time.monotonic() - self._units_read_at > UNITS_TTL_SECONDS:
            self._units = {u["code"]: u for u in await self.call("registration", "list_units", actor)}
            self._units_read_at = time.monotonic()
        return self._units

    async def actor_from_token(self, token: str | None) -> Actor:
        if not token:
            raise Unauthenticated()
        user_id, session_id = users.verify_token(token, self.secret, self.wall_clock.now())
        return await sessions.session_actor(self.engine, session_id, user_id, self.wall_clock.now())
