"""Awards' queries of drafts waiting for their signing officer and of the files officers signed (a part of
`SqlAwardsStore`, which inherits them): rows in and out as `services.awards.domain.drafts.Draft`."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from services.awards.domain.drafts import Draft, DraftFilter, DraftKey, ForwardingLetter, RevocationContent
from services.awards.store.tables import draft_items, drafts, signed_files
from shared.contracts.events import Actor, NominationSnapshot
from shared.contracts.values import UnitRef


class SqlDrafts:
    """The drafts and signed files, on the store's connection inside the caller's transaction."""

    conn: AsyncConnection

    # Drafts waiting for their signing officer

    async def add_draft(self, draft: Draft) -> None:
        await self.conn.execute(drafts.insert().values(**_draft_row(draft)))
        if draft.nominations:  # a forwarding tờ trình lists none of its own (the unit above decides on them)
            items = [{"nomination_id": n.id, "draft_id": draft.id} for n in draft.nominations]
            await self.conn.execute(draft_items.insert(), items)

    async def draft(self, draft_id: str, *, for_update: bool = False) -> Draft | None:
        query = sa.select(drafts).where(drafts.c.id == draft_id)
        row = (await self.conn.execute(query.with_for_update() if for_update else query)).mappings().first()
        return _draft(row) if row is not None else None

    async def drafted_nominations(self, nomination_ids: Sequence[str]) -> set[str]:
        """Which of these nominations a draft (waiting or signed) already lists."""
        i = draft_items
        found = await self.conn.scalars(sa.select(i.c.nomination_id).where(i.c.nomination_id.in_(list(nomination_ids))))
        return set(found.all())

    async def count_drafts(self, where: DraftFilter) -> int:
        total = await self.conn.scalar(sa.select(sa.func.count()).select_from(drafts).where(*_draft_filter(where)))
        return int(total or 0)

    async def list_drafts(self, where: DraftFilter, *, limit: int, after: DraftKey | None = None) -> list[Draft]:
        """Oldest approval first (the signer's list in the order the work came), ties by id."""
        d = drafts
        conditions = _draft_filter(where)
        if after is not None:
            conditions.append(
                sa.or_(d.c.approved_at > after.approved_at, sa.and_(d.c.approved_at == after.approved_at, d.c.id > after.id))
            )
        query = sa.select(d).where(*conditions).order_by(d.c.approved_at, d.c.id).limit(limit)
        return [_draft(row) for row in (await self.conn.execute(query)).mappings().all()]

    async def draft_of_document(self, document_id: str) -> Draft | None:
        """The signed draft a document was issued from (its content: a letter's, a revocation's)."""
        d = drafts
        query = sa.select(d).where(sa.or_(d.c.document_id == document_id, d.c.id == document_id))
        row = (await self.conn.execute(query.limit(1))).mappings().first()
        return _draft(row) if row is not None else None

    async def revocation_waiting(self, decision_id: str) -> Draft | None:
        """The revocation of this decision waiting for its signer, if one does."""
        d = drafts
        query = sa.select(d).where(d.c.target_id == decision_id, d.c.status == "awaiting_signature")
        row = (await self.conn.execute(query)).mappings().first()
        return _draft(row) if row is not None else None

    async def set_draft_prize(self, draft_id: str, nomination_id: str, amount_vnd: int) -> None:
        d = drafts
        current = await self.conn.scalar(sa.select(d.c.prizes).where(d.c.id == draft_id))
        prizes = {**(current or {}), nomination_id: amount_vnd}
        await self.conn.execute(d.update().where(d.c.id == draft_id).values(prizes=prizes))

    async def mark_signed(self, draft_id: str, *, at: datetime, by: str, signed_as: Sequence[tuple[str, str]]) -> bool:
        """Mark a waiting draft signed; False when it was no longer waiting (signed meanwhile by someone else)."""
        d = drafts
        done = await self.conn.execute(
            d.update()
            .where(d.c.id == draft_id, d.c.status == "awaiting_signature")
            .values(
                status="signed",
                signed_at=at,
                signed_by=by,
                signed_as=[list(pair) for pair in signed_as],
                document_id=signed_as[0][0] if signed_as else None,
            )
        )
        return done.rowcount == 1

    async def add_signed_file(self, decision_id: str, content: bytes, *, level: str, at: datetime) -> None:
        sha256 = hashlib.sha256(content).hexdigest()
        values = {"decision_id": decision_id, "content": content, "sha256": sha256, "pades_level": level, "signed_at": at}
        await self.conn.execute(signed_files.insert().values(**values))

    async def signed_file(self, decision_id: str) -> bytes | None:
        f = signed_files
        content = await self.conn.scalar(sa.select(f.c.content).where(f.c.decision_id == decision_id))
        return bytes(content) if content is not None else None


def _draft_row(x: Draft) -> dict[str, Any]:
    return {
        "id": x.id,
        "kind": x.kind,
        "issuer_code": x.issuer.code,
        "issuer": x.issuer.model_dump(),
        "decided_by": x.decided_by,
        "batch_id": x.batch_id,
        "nominations": [n.model_dump(mode="json") for n in x.nominations],
        "award_code": x.award_code,
        "award_name": x.award_name,
        "path_codes": "|" + "|".join(x.readers) + "|",
        "approved_at": x.approved_at,
        "approved_by": x.approved_by.model_dump(mode="json"),
        "status": x.status,
        "prizes": dict(x.prizes) or None,
        "letter": x.letter.model_dump(mode="json") if x.letter else None,
        "revocation": x.revocation.model_dump(mode="json") if x.revocation else None,
        "target_id": x.revocation.decision_id if x.revocation else None,
    }


def _draft(row: sa.RowMapping) -> Draft:
    return Draft(
        id=row["id"],
        kind=row["kind"],
        issuer=UnitRef.model_validate(row["issuer"]),
        decided_by=row["decided_by"],
        batch_id=row["batch_id"],
        nominations=tuple(NominationSnapshot.model_validate(n) for n in row["nominations"]),
        award_code=row["award_code"],
        award_name=row["award_name"],
        approved_at=row["approved_at"],
        approved_by=Actor.model_validate(row["approved_by"]),
        status=row["status"],
        prizes={str(k): int(v) for k, v in (row["prizes"] or {}).items()},
        signed_at=row["signed_at"],
        signed_by=row["signed_by"],
        signed_as=tuple((str(i), str(t)) for i, t in row["signed_as"] or ()),
        letter=ForwardingLetter.model_validate(row["letter"]) if row["letter"] else None,
        revocation=RevocationContent.model_validate(row["revocation"]) if row["revocation"] else None,
    )


def _draft_filter(where: DraftFilter) -> list[Any]:
    d = drafts
    conditions: list[Any] = [d.c.status == where.status]
    if not where.everything:
        # below one of the reader's units, or issued by one of them (its signers)
        conditions.append(
            sa.or_(
                sa.false(), d.c.issuer_code.in_(sorted(where.units)), *(d.c.path_codes.contains(f"|{u}|") for u in where.units)
            )
        )
    if where.issuer:
        conditions.append(d.c.issuer_code == where.issuer)
    if where.nomination_id:
        i = draft_items
        conditions.append(sa.exists().where(i.c.draft_id == d.c.id, i.c.nomination_id == where.nomination_id))
    return conditions
