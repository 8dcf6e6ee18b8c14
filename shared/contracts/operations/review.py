"""Review's RPC operations (`thidua.rpc.review.<name>`): approvers' queues and tasks, council meetings,
batches with their tờ trình, the bell, and figures for operations.

The models describe the JSON on the wire as it has always been: the same field names, optional fields and
defaults; instants as `datetime.isoformat()` writes them (`+00:00`, not `Z`), days as ISO dates. Requests
refuse unknown keys, as review always did.

A little over 600 lines on purpose, as the other services' operation modules: one service's operations and their
models in one place (queue, tasks, councils and their standing rosters share the task and council views).
"""

from __future__ import annotations

import typing
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel

from shared.contracts.commands import (
    AddCouncilMember,
    BatchApprove,
    BatchForward,
    CouncilMeeting,
    EndCouncilMember,
    NewStandingCouncil,
    NotificationsRead,
    TaskDecision,
)
from shared.contracts.commands import ReceiveDirectly as ReceiveDirectlyBody
from shared.contracts.commands import SetDueDate as SetDueDateBody
from shared.contracts.commands import Urge as UrgeBody
from shared.contracts.events import Actor, EligibilityCheck, NominationSnapshot, UnitsReorganised
from shared.contracts.operations import Operation
from shared.contracts.paging import NOTIFICATIONS_PAGE_MAX, OPS_QUEUES_PAGE_MAX, PROPOSALS_PAGE_MAX, QUEUE_PAGE_MAX, Cursor
from shared.contracts.values import Delivery, IsoDateTime, Label, Level, Name, Offset, PersonName, Short, Title, UnitRef


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# Requests


# escalated_in: tasks overdue at units below whose superior this unit was alerted as ("Quá hạn ở cấp dưới", read-only);
# escalated_out: this unit's own overdue tasks with a superior alerted.
QueueState = Literal["open", "claimed", "overdue", "escalated_in", "escalated_out", "active", "done", "all"]
# The orders a queue can be read in, each read off an index of review's store (no other key is accepted): "due" is the
# queue's own order (oldest due first, undated last), "received" when the task entered the queue, "nominee" the
# nominee's name without diacritics, "award" the award's name, "state" the task's state; a leading "-" reverses it.
QueueSortKey = Literal["due", "received", "nominee", "award", "state"]
QueueSort = Literal["due", "-due", "received", "-received", "nominee", "-nominee", "award", "-award", "state", "-state"]
QUEUE_SORT_KEYS: tuple[QueueSortKey, ...] = typing.get_args(QueueSortKey)


class QueueQuery(_Params):
    unit_code: Name
    state: QueueState = "active"
    award_code: Name | None = None
    due_before: date | None = None
    origin_unit_code: Name | None = None
    period: Name | None = None
    q: Name | None = Field(default=None, max_length=200)
    # "Việc của tôi": only the tasks claimed by or assigned to the actor (review knows who claimed what).
    mine: bool = False
    sort: QueueSort = "due"
    limit: int = Field(default=50, ge=1, le=QUEUE_PAGE_MAX)
    offset: Offset = Field(default=0, description="Bỏ qua từng ấy dòng đầu (trang của bảng điều khiển); API dùng cursor")
    cursor: Cursor | None = None


class TaskRef(_Params):
    task_id: Name


class Reassign(_Params):
    task_id: Name
    assignee: Actor


class DecideTask(TaskDecision):
    task_id: Name


class UrgeTask(UrgeBody):
    task_id: Name


class SetDueDate(SetDueDateBody):
    task_id: Name


class ReceiveDirectly(ReceiveDirectlyBody):
    task_id: Name


class ProposalRef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Name


class ProposalDocumentRequest(ProposalRef):
    format: Literal["pdf", "xlsx", "html"] = "pdf"  # html: the printed page's <article>, from the same lines as the PDF


class ProposalsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit_code: Name
    limit: int = Field(default=50, ge=1, le=PROPOSALS_PAGE_MAX)


class NotificationsQuery(_Params):
    unread_only: bool = False
    limit: int = Field(default=20, ge=1, le=NOTIFICATIONS_PAGE_MAX)


class QueuesQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=10, ge=1, le=OPS_QUEUES_PAGE_MAX)


class ReorganisationRef(_Params):
    id: Name


class ReorganisationPreview(_Params):
    event: UnitsReorganised


# Replies: tasks and queues


class QueueTask(BaseModel):
    """A task as a queue lists it (its decision's comment is in the task itself)."""

    id: Short
    nomination_id: Short
    unit_code: Short
    unit_name: Title
    unit_level: Short
    state: Short
    state_label: Label
    round: int
    claimant_id: Short | None
    claimant_name: PersonName | None
    award_code: Short
    award_name: Title
    nominee_name: PersonName
    nominee_kind: Short
    origin_unit_code: Short
    origin_unit_name: Title
    period: Short
    opened_at: IsoDateTime
    due_at: IsoDateTime | None
    claimed_at: IsoDateTime | None
    decided_at: IsoDateTime | None
    decided_by_name: PersonName | None
    queue_unit_code: Short
    queue_unit_name: Title
    escalations: int
    escalated_at: IsoDateTime | None  # when the latest superior was alerted
    is_escalated: bool  # overdue here with a superior alerted (the task stays in its own unit's queue)
    alerted_to: Label | None = Field(default=None, description="Cấp trên cao nhất đã được báo quá hạn (tên ngắn)")
    overdue: bool


class TaskSummary(QueueTask):
    """A task with its decision's comment, as a task's history shows it."""

    comment: str | None


# A queue's counts stop here: past it the page says "hơn 1.000" instead of counting every task (issue 20: exact counts
# cost a scan of the whole queue on each page view). No approver works through a thousand dossiers by the number;
# the ops figures (`queue_figures`) still count every task.
QUEUE_COUNT_CAP = 1000


def queue_total_is_exact(total: int, offset: int) -> bool:
    """Whether a QueuePage's total counts every matching task, or stopped QUEUE_COUNT_CAP past the offset."""
    return total <= offset + QUEUE_COUNT_CAP


class QueueCounts(BaseModel):
    """Each count is exact up to QUEUE_COUNT_CAP; a value above it means "more than QUEUE_COUNT_CAP"."""

    open: int
    claimed: int
    overdue: int
    escalated_in: int  # overdue at units below, this unit alerted ("Quá hạn ở cấp dưới")
    escalated_out: int  # this unit's own overdue tasks with a superior alerted


class QueuePage(BaseModel):
    unit_code: Short
    # The tasks matching the filter, counted up to offset + QUEUE_COUNT_CAP + 1: a total above offset + QUEUE_COUNT_CAP
    # means "more than offset + QUEUE_COUNT_CAP" (queue_total_is_exact).
    total: int
    counts: QueueCounts
    items: list[QueueTask] = Field(max_length=QUEUE_PAGE_MAX)
    next_cursor: Cursor | None = Field(default=None, description="Trang tiếp theo: gửi lại làm cursor; null khi đã hết")


class TaskMoveView(BaseModel):
    """A step on the task's timeline beyond decisions: a superior alerted (escalated), urging (urged), a new due date
    (sent_back), received directly (received), reorganised, or moved home by migration (returned_home)."""

    kind: str
    at: IsoDateTime
    from_unit: UnitRef
    to_unit: UnitRef
    reason: str | None
    was_due_at: IsoDateTime | None
    new_due_at: IsoDateTime | None
    actor_name: str
    comment: str | None


class CouncilVoteSummary(BaseModel):
    """One council vote on one of the nomination's tasks, with its meeting."""

    task_id: str
    meeting_id: str
    unit_name: str
    held_on: date
    held_on_vn: str
    chair: str | None
    recorded_by_name: str
    members: int
    present: int
    votes_for: int
    votes_against: int
    secret_ballot: bool
    passed: bool
    warning: bool = False  # passed, but a check missed an unconfirmed threshold (shown, not blocking)
    summary: str
    explanation: str
    this_task: bool


class CouncilBlock(BaseModel):
    code: str
    message: str


class CouncilView(BaseModel):
    """Whether this level's council must vote, the rule, the vote that counts, the history, and what blocks."""

    required: bool
    rule: str | None
    rule_confirmed: bool | None
    rule_source: str | None
    latest: CouncilVoteSummary | None
    history: list[CouncilVoteSummary]
    blocking: CouncilBlock | None


class ProposalLink(BaseModel):
    """A tờ trình the nomination went up with: numbered and dated once the unit's officer signed it (`title`:
    "Tờ trình số 4/TTr-LĐLĐ ngày 05/3/2026", or "Tờ trình (chờ ký)"); `document_id`: its signed PDF in awards."""

    id: str
    title: str
    number_text: str | None
    issued_on: date | None
    issued_on_vn: str
    unit_name: str
    to_unit_name: str
    signer_name: str | None
    status_label: str  # "Chờ ký" until signed, else ""
    document_id: str | None


class TaskView(TaskSummary):
    """One task with its dossier, history, moves, council and letters, and what the reader may do."""

    nomination: NominationSnapshot | None
    history: list[TaskSummary]
    moves: list[TaskMoveView]
    can_admin: bool
    can_act: bool
    superior_actions: list[Literal["urge", "set_due_date", "receive_directly"]] = Field(
        description="Việc người đọc được làm với tư cách cấp trên đã được báo quá hạn"
    )
    escalation_chain: list[UnitRef]
    eligibility_recheck: list[EligibilityCheck] | None
    council: CouncilView
    can_record_council: bool
    proposals: list[ProposalLink]


# Replies: councils, batches, tờ trình


class CouncilCheck(BaseModel):
    code: str  # quorum | ballot | threshold
    passed: bool
    message: str
    warning: bool = False  # missed, but the threshold is unconfirmed: a warning, not a refusal


class CouncilVoteResult(BaseModel):
    task_id: str
    nominee_name: str
    passed: bool
    required: bool
    summary: str
    explanation: str
    checks: list[CouncilCheck]
    rule: str  # which rule judged it: "Theo quy định: Ban Chấp hành công đoàn cơ sở (áp dụng từ …) — …"
    rule_confirmed: bool  # False: its thresholds only warn
    rule_source: str


class CouncilMeetingRecorded(BaseModel):
    meeting_id: str
    unit_code: str | None
    held_on: date
    votes: list[CouncilVoteResult]
    council_id: str | None = None  # the standing council that met; None: counts typed in
    members: int = 0
    present: int = 0
    warnings: list[str] = []  # e.g. no roster: the counts are as typed


# Standing councils


class StandingCouncilsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit_code: Name = Field(min_length=1, max_length=64)
    on: date | None = Field(default=None, description="who serves on this day (default: today)")


class CouncilMemberView(BaseModel):
    id: str
    full_name: str
    title: str
    role: str
    role_name: str  # "Chủ tịch Hội đồng"
    term_from: date | None
    term_to: date | None
    serving: bool  # on the day asked


class StandingCouncilView(BaseModel):
    id: str
    unit_code: str
    kind: str
    kind_name: str
    name: str
    decision_number: str
    decision_date: date
    decision_signer: str
    members: list[CouncilMemberView]
    serving: int  # members serving on the day asked


class StandingCouncilList(BaseModel):
    unit_code: str
    on: date
    can_manage: bool  # the unit's admin (or an administrator) may found councils and change rosters
    councils: list[StandingCouncilView]


class ProposalItem(BaseModel):
    """One nominee as a tờ trình lists it."""

    task_id: str
    nomination_id: str
    nominee_name: str
    nominee_kind: str
    origin_unit_name: str
    award_name: str
    achievements: str
    council: str


class ProposalHeading(BaseModel):
    """A tờ trình as a list shows it: its number, units and signer, and how many nominees it lists (read the tờ trình
    for them and its comment: a batch lists up to 200, each with its achievements, too many for a page of tờ trình)."""

    id: Short
    title: Title
    number: int | None  # None until the unit's signing officer signs it (then from the unit's register)
    number_text: Label | None
    year: int
    issued_on: date | None
    issued_on_vn: Short
    unit_code: Short
    unit_name: Title
    to_unit_code: Short
    to_unit_name: Title
    signer_name: PersonName | None
    status_label: Short  # "Chờ ký" until signed
    document_id: Short | None  # the signed letter (awards: /quyet-dinh/{id}.pdf)
    item_count: int
    created_at: IsoDateTime


class ProposalSummary(BaseModel):
    id: str
    title: str
    number: int | None
    number_text: str | None
    year: int
    issued_on: date | None
    issued_on_vn: str
    unit_code: str
    unit_name: str
    to_unit_code: str
    to_unit_name: str
    signer_name: str | None
    status_label: str
    document_id: str | None
    comment: str | None
    items: list[ProposalItem]
    created_at: IsoDateTime


class ProposalView(ProposalSummary):
    task_ids: list[str]


class ProposalList(BaseModel):
    items: list[ProposalHeading] = Field(max_length=PROPOSALS_PAGE_MAX)


class ProposalFile(BaseModel):
    filename: str
    media_type: str
    content_base64: str


class BatchApproved(BaseModel):
    batch_id: str
    issuer: UnitRef
    task_ids: list[str]
    nomination_ids: list[str]


# Replies: the bell, operations, reorganisations


NOTIFICATION_TEXT_MAX = 500  # what the bell shows; services.review.domain.reminders cuts a longer text


class NotificationView(BaseModel):
    id: int
    kind: Short
    task_id: Short
    nomination_id: Short
    unit_code: Short
    text: Annotated[str, Field(max_length=NOTIFICATION_TEXT_MAX)]
    due_at: IsoDateTime | None
    created_at: IsoDateTime
    read: bool


# Every kind a person can be notified of, in the order the preferences page lists them.
NotificationKind = Literal[
    "new_in_queue",
    "assigned",
    "returned",
    "rejected",
    "forwarded",
    "approved",
    "decided",
    "council_blocked",
    "before_due",
    "due_day",
    "overdue",
    "escalated_in",
    "urged",
    "sent_back",
]
NOTIFICATION_KINDS: tuple[NotificationKind, ...] = typing.get_args(NotificationKind)
# bell: the bell only; email_now: also an email at once; email_daily: also in a daily digest at `digest_hour`
# (Vietnam time), sent by the notifier (services/notifier) from review's NotificationIssued events.


class NotificationPreference(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: NotificationKind
    delivery: Delivery = "bell"
    digest_hour: int | None = Field(default=None, ge=0, le=23, description="Giờ gửi bản tổng hợp (giờ Việt Nam), 0-23")


class NotificationPreferences(BaseModel):
    """One entry per kind (the bell only unless the person chose otherwise). `email_sent`: review answers False (it
    does not send mail); the portal sets it True when the notifier answers, i.e. email choices take effect."""

    items: list[NotificationPreference] = Field(max_length=len(NOTIFICATION_KINDS))
    email_sent: bool = False


class SetNotificationPreferences(_Params):
    """The kinds to change; a kind left out keeps its choice. A daily digest needs its hour."""

    items: list[NotificationPreference] = Field(min_length=1, max_length=len(NOTIFICATION_KINDS))


class NoParams(_Params):
    pass


class NotificationList(BaseModel):
    unread: int
    items: list[NotificationView] = Field(max_length=NOTIFICATIONS_PAGE_MAX)


class MarkedRead(BaseModel):
    marked: int


class LevelFigures(BaseModel):
    depth: int
    overdue: int


class UnitFigures(BaseModel):
    unit_code: Short
    unit_name: Title
    level: Short
    level_name: Label
    depth: int
    overdue: int
    oldest_age_seconds: int
    decided_30d: int
    avg_decision_seconds: int | None


class OpsQueues(BaseModel):
    at: IsoDateTime
    total_tasks: int
    total_overdue: int
    by_level: dict[Level, LevelFigures]
    slowest: list[UnitFigures] = Field(max_length=OPS_QUEUES_PAGE_MAX)


class MovedTasks(BaseModel):
    name: str
    tasks: int


class ReorganisationSummary(BaseModel):
    """What following one reorganisation moved (or would move), per new holder."""

    model_config = ConfigDict(frozen=True)

    reorganisation_id: str
    tasks_moved: int
    tasks_moved_per_new_unit: dict[str, MovedTasks]
    claims_released: int
    tasks_repointed: int
    nominations_repathed: int


class ReorganisationFollowed(BaseModel):
    processed: Literal[True] = True
    processed_at: IsoDateTime
    summary: ReorganisationSummary


class ReorganisationPending(BaseModel):
    processed: Literal[False] = False
    summary: None = None


class ReorganisationResult(RootModel[ReorganisationFollowed | ReorganisationPending]):
    """Whether review has followed the reorganisation yet, and what it did."""


LIST_QUEUE = Operation(service="review", name="list_queue", request=QueueQuery, reply=QueuePage)
GET_TASK = Operation(service="review", name="get_task", request=TaskRef, reply=TaskView)
CLAIM = Operation(service="review", name="claim", request=TaskRef, reply=TaskView)
RELEASE = Operation(service="review", name="release", request=TaskRef, reply=TaskView)
REASSIGN = Operation(service="review", name="reassign", request=Reassign, reply=TaskView)
DECIDE = Operation(service="review", name="decide", request=DecideTask, reply=TaskView)
URGE = Operation(service="review", name="urge", request=UrgeTask, reply=TaskView)
SET_DUE_DATE = Operation(service="review", name="set_due_date", request=SetDueDate, reply=TaskView)
RECEIVE_DIRECTLY = Operation(service="review", name="receive_directly", request=ReceiveDirectly, reply=TaskView)
RECORD_COUNCIL = Operation(service="review", name="record_council", request=CouncilMeeting, reply=CouncilMeetingRecorded)
LIST_COUNCILS = Operation(service="review", name="list_councils", request=StandingCouncilsQuery, reply=StandingCouncilList)
CREATE_COUNCIL = Operation(service="review", name="create_council", request=NewStandingCouncil, reply=StandingCouncilView)
ADD_COUNCIL_MEMBER = Operation(service="review", name="add_council_member", request=AddCouncilMember, reply=StandingCouncilView)
END_COUNCIL_MEMBER = Operation(service="review", name="end_council_member", request=EndCouncilMember, reply=StandingCouncilView)
FORWARD_BATCH = Operation(service="review", name="forward_batch", request=BatchForward, reply=ProposalView)
APPROVE_BATCH = Operation(service="review", name="approve_batch", request=BatchApprove, reply=BatchApproved)
LIST_PROPOSALS = Operation(service="review", name="list_proposals", request=ProposalsQuery, reply=ProposalList)
GET_PROPOSAL = Operation(service="review", name="get_proposal", request=ProposalRef, reply=ProposalView)
PROPOSAL_DOCUMENT = Operation(service="review", name="proposal_document", request=ProposalDocumentRequest, reply=ProposalFile)
NOTIFICATIONS = Operation(service="review", name="notifications", request=NotificationsQuery, reply=NotificationList)
MARK_NOTIFICATIONS_READ = Operation(service="review", name="mark_notifications_read", request=NotificationsRead, reply=MarkedRead)
NOTIFICATION_PREFERENCES = Operation(
    service="review", name="notification_preferences", request=NoParams, reply=NotificationPreferences
)
SET_NOTIFICATION_PREFERENCES = Operation(
    service="review", name="set_notification_preferences", request=SetNotificationPreferences, reply=NotificationPreferences
)
OPS_QUEUES = Operation(service="review", name="ops_queues", request=QueuesQuery, reply=OpsQueues)
REORGANISATION = Operation(service="review", name="reorganisation", request=ReorganisationRef, reply=ReorganisationResult)
REORGANISATION_PREVIEW = Operation(
    service="review", name="reorganisation_preview", request=ReorganisationPreview, reply=ReorganisationSummary
)
