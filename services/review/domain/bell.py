"""Who hears of what happens to a dossier, in what words: the bell's notes built from review's and awards' events.

Pure: the use cases (usecases.bell) load the roster, the submitter and any unread batched note, and write what
these functions return. Recipients:
- a new dossier in a unit's queue: the unit's approvers (the portal's roster), batched per unit while unread;
- a task assigned to someone by another person (reassign): that person;
- the dossier returned, rejected, forwarded (approved at a level), approved at the awarding level, decided with its
  number, or blocked by a council vote: the user who submitted it.
Nobody is told of what they did themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from shared.contracts.events import Actor, Recipient
from shared.contracts.operations.review import NOTIFICATION_TEXT_MAX, NotificationKind

BATCHED_KINDS: frozenset[NotificationKind] = frozenset({"new_in_queue"})


@dataclass(frozen=True)
class Dossier:
    """What a note says about the dossier it tells of."""

    nomination_id: str
    nominee_name: str
    award_name: str


def clip(text: str) -> str:
    return text if len(text) <= NOTIFICATION_TEXT_MAX else text[: NOTIFICATION_TEXT_MAX - 1] + "…"


def approvers_to_tell(roster: Sequence[Recipient] | None, actor: Actor) -> list[str]:
    """The unit's approvers, each once, in roster order, without the person who caused the event."""
    seen: list[str] = []
    for r in roster or ():
        if r.user_id != actor.user_id and r.user_id not in seen:
            seen.append(r.user_id)
    return seen


def assignee_to_tell(claimant_id: str | None, actor: Actor) -> str | None:
    """A task claimed by someone other than the actor was assigned to them; one's own claim tells nobody."""
    return claimant_id if claimant_id and claimant_id != actor.user_id else None


def submitter_to_tell(submitted_by: str | None, actor: Actor) -> str | None:
    """The dossier's submitter, unless they caused the event (or review never learnt who submitted it)."""
    return submitted_by if submitted_by and submitted_by != actor.user_id else None


def new_in_queue_text(count: int, unit_name: str, newest: Dossier) -> str:
    """A batched note: one dossier names it, several count them and name the newest."""
    if count <= 1:
        return clip(f"Hồ sơ mới chờ xét tại {unit_name}: {newest.nominee_name} – {newest.award_name}")
    return clip(f"{count} hồ sơ mới chờ xét tại {unit_name}; mới nhất: {newest.nominee_name} – {newest.award_name}")


def batched_count(unread_count: int | None) -> int:
    """The count once one more dossier joins the unread note (None: no unread note, a new one counts one)."""
    return 1 if unread_count is None else unread_count + 1


def assigned_text(dossier: Dossier, by: Actor) -> str:
    return clip(f"{by.full_name or by.username} giao cho bạn xử lý hồ sơ {dossier.nominee_name} – {dossier.award_name}")


def returned_text(dossier: Dossier, unit_name: str, reason: str) -> str:
    return clip(f"Hồ sơ {dossier.nominee_name} – {dossier.award_name} bị {unit_name} trả lại để bổ sung: {reason}")


def rejected_text(dossier: Dossier, unit_name: str, reason: str) -> str:
    return clip(f"Hồ sơ {dossier.nominee_name} – {dossier.award_name} không được {unit_name} chấp thuận: {reason}")


def forwarded_text(dossier: Dossier, from_unit: str, to_unit: str, proposal_number: str | None) -> str:
    letter = f" (tờ trình số {proposal_number})" if proposal_number else ""
    return clip(f"Hồ sơ {dossier.nominee_name} – {dossier.award_name} được {from_unit} duyệt và chuyển lên {to_unit}{letter}")


def approved_text(dossier: Dossier, issuer_name: str) -> str:
    return clip(f"Hồ sơ {dossier.nominee_name} – {dossier.award_name} được {issuer_name} duyệt; đang chờ ra quyết định")


def granted_text(dossier: Dossier, number_text: str, issuer_name: str) -> str:
    return clip(f"Đã có quyết định khen thưởng số {number_text} của {issuer_name}: {dossier.nominee_name} – {dossier.award_name}")


def proposed_text(dossier: Dossier, number_text: str, decided_by: str) -> str:
    return clip(f"Hồ sơ {dossier.nominee_name} – {dossier.award_name} đã được trình {decided_by} theo tờ trình số {number_text}")


def state_outcome_text(dossier: Dossier, granted: bool, number_text: str, authority: str) -> str:
    verdict = "được khen thưởng" if granted else "không được khen thưởng"
    return clip(f"Hồ sơ {dossier.nominee_name} – {dossier.award_name} {verdict} theo Quyết định số {number_text} của {authority}")


def council_blocked_text(dossier: Dossier, unit_name: str, explanation: str) -> str:
    return clip(
        f"Hội đồng Thi đua – Khen thưởng {unit_name} không thông qua hồ sơ {dossier.nominee_name} – "
        f"{dossier.award_name}: {explanation}"
    )


def council_blocks(passed: bool, required: bool) -> bool:
    """A vote blocks the dossier when this level had to vote and the vote did not pass."""
    return required and not passed
