"""escalation by authority (issue 17): an overdue task stays in its unit's queue and its superiors are alerted;
tasks escalated under the old rule (held by an ancestor) go back to their own unit's queue, the ancestors they
passed through recorded as alerted, their history kept

Revision ID: 0008_escalation_by_authority
Revises: 0007_bell
Create Date: 2026-12-06 22:30:00

"""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

import shared.platform.db

revision: str = "0008_escalation_by_authority"
down_revision: str | Sequence[str] | None = "0007_bell"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SYSTEM_ID = "system"
SYSTEM_NAME = "Hệ thống"
HOME_COMMENT = "Trả về hộp việc của đơn vị: cấp trên không xử lý thay cấp dưới (issue 17), cấp trên được báo quá hạn"


def upgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("alerted", sa.JSON, nullable=True))
        batch.add_column(sa.Column("alerted_codes", sa.String(700), nullable=False, server_default=""))
    conn = op.get_bind()
    tasks = sa.table(
        "tasks",
        sa.column("id", sa.String),
        sa.column("nomination_id", sa.String),
        sa.column("unit_code", sa.String),
        sa.column("unit", sa.JSON),
        sa.column("state", sa.String),
        sa.column("claimant_id", sa.String),
        sa.column("claimant_name", sa.String),
        sa.column("claimed_at", shared.platform.db.UtcDateTime()),
        sa.column("queue_unit_code", sa.String),
        sa.column("queue_unit", sa.JSON),
        sa.column("due_at", shared.platform.db.UtcDateTime()),
        sa.column("alerted", sa.JSON),
        sa.column("alerted_codes", sa.String),
    )
    nominations = sa.table("nominations", sa.column("id", sa.String), sa.column("snapshot", sa.JSON))
    moves = sa.table(
        "task_moves",
        sa.column("task_id", sa.String),
        sa.column("kind", sa.String),
        sa.column("at", shared.platform.db.UtcDateTime()),
        sa.column("from_unit", sa.JSON),
        sa.column("to_unit", sa.JSON),
        sa.column("reason", sa.String),
        sa.column("was_due_at", shared.platform.db.UtcDateTime()),
        sa.column("new_due_at", shared.platform.db.UtcDateTime()),
        sa.column("actor_id", sa.String),
        sa.column("actor_name", sa.String),
        sa.column("comment", sa.Text),
    )
    held_away = (
        sa.select(tasks, nominations.c.snapshot)
        .select_from(tasks.outerjoin(nominations, nominations.c.id == tasks.c.nomination_id))
        .where(tasks.c.queue_unit_code != tasks.c.unit_code, tasks.c.state.in_(["open", "claimed"]))
    )
    now = datetime.now(UTC)
    for row in conn.execute(held_away).mappings().all():
        alerted = _alerted(row["unit"], row["queue_unit"], row["snapshot"])
        claimed_by_holder = row["state"] == "claimed"  # only the holder's approvers could claim an escalated task
        conn.execute(
            tasks.update()
            .where(tasks.c.id == row["id"])
            .values(
                queue_unit_code=row["unit_code"],
                queue_unit=row["unit"],
                alerted=alerted,
                alerted_codes="|" + "|".join(u["code"] for u in alerted) + "|",
                state="open" if claimed_by_holder else row["state"],
                claimant_id=None if claimed_by_holder else row["claimant_id"],
                claimant_name=None if claimed_by_holder else row["claimant_name"],
                claimed_at=None if claimed_by_holder else row["claimed_at"],
            )
        )
        conn.execute(
            moves.insert().values(
                task_id=row["id"],
                kind="returned_home",
                at=now,
                from_unit=row["queue_unit"],
                to_unit=row["unit"],
                reason="authority",
                was_due_at=row["due_at"],
                new_due_at=row["due_at"],
                actor_id=SYSTEM_ID,
                actor_name=SYSTEM_NAME,
                comment=HOME_COMMENT,
            )
        )


def _alerted(unit: dict[str, Any], holder: dict[str, Any], snapshot: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The ancestors from the task's unit (excluded) up to the one that held it (included), by the nomination's path;
    the holder alone when the path does not have both."""
    path = (snapshot or {}).get("unit_path") or []
    codes = [u["code"] for u in path]
    if unit["code"] in codes and holder["code"] in codes and codes.index(unit["code"]) < codes.index(holder["code"]):
        return list(path[codes.index(unit["code"]) + 1 : codes.index(holder["code"]) + 1])
    return [holder]


def downgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("alerted_codes")
        batch.drop_column("alerted")
