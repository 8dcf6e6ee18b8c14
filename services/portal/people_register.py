"""A unit's people, as the JSON API and the console both ask for them: reading a member list upload and importing it.

Registration owns the register and decides who may see or change whom; this module reads the spreadsheet (in a worker
process, a few at a time: `shared/platform/workers.py`) and turns registration's reply into problems by row and column.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import Request

from services.portal.gateway import Gateway
from services.portal.people_import import problems_from_reply, rows_from_xlsx, skipped_problems
from services.portal.register_import import MAX_FILE_BYTES, RowProblem
from services.portal.uploads import Upload, read_upload
from shared.contracts.errors import ValidationFailed
from shared.contracts.events import Actor
from shared.contracts.operations import RemoteError
from shared.contracts.operations import registration as registration_ops
from shared.contracts.people import ImportOutcome
from shared.platform.workers import in_worker

TRUE = ("1", "true", "on", "yes")


@dataclass(frozen=True)
class Imported:
    """What an upload did: the counts (None when nothing was imported) and the problems by row and column."""

    outcome: ImportOutcome | None
    problems: list[RowProblem] = field(default_factory=list)


async def read_people_upload(request: Request) -> Upload:
    """A member list upload: at most `MAX_FILE_BYTES`, with the unit it is for. Who may import is registration's."""
    upload = await read_upload(request, MAX_FILE_BYTES)
    if not 1 <= len(upload.fields.get("unit_code", "")) <= 64:
        raise ValidationFailed.on("unit_code", "Cần chọn đơn vị", code="validation_failed")
    return upload


async def import_people_file(gateway: Gateway, actor: Actor, unit_code: str, data: bytes, *, valid_only: bool) -> Imported:
    """Import a member list: nothing when a row is in error, unless `valid_only` (then the rows in error are skipped
    and told). Raises `WorkbookTooLarge`, `WorkbookTooSlow`, or `ValidationFailed` on `file` for a file too long."""
    rows, problems = await in_worker(rows_from_xlsx, data, limiter=gateway.spreadsheet_readers)
    if not rows or (problems and not valid_only):
        return Imported(None, problems)
    params = {"unit_code": unit_code, "rows": rows, "valid_only": valid_only}
    try:
        outcome = await gateway.ask(registration_ops.IMPORT_PEOPLE, actor, params)
    except RemoteError as exc:
        if not exc.fields or not all(f.field.startswith("rows.") for f in exc.fields):
            raise
        return Imported(None, problems + problems_from_reply([f.model_dump() for f in exc.fields], rows))
    skipped = skipped_problems([s.model_dump() for s in outcome.skipped])
    return Imported(outcome, sorted(problems + skipped, key=lambda p: p.row))
