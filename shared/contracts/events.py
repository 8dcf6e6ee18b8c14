"""Message contracts: the event envelope and every event the services exchange (the actor: `actors`).

One module on purpose (about 620 lines, over the project's 600): it is the bus's vocabulary, and a reader checks a
change to one event against the snapshots and the other events it travels with; `EVENT_TYPES` at the end must list
every event, which one file keeps checkable. Splitting by producer would put a snapshot (DecisionSnapshot, used by
awards' and registration's events) in one service's module and its readers in another.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Literal
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts import subjects

# The actor lives in its own module (the RPC envelope needs it without the events); named here too, as part of the
# bus's vocabulary that event readers import from this module.
from shared.contracts.actors import SYSTEM_ACTOR as SYSTEM_ACTOR  # noqa: PLC0414
from shared.contracts.actors import Actor as Actor  # noqa: PLC0414
from shared.contracts.actors import Role as Role  # noqa: PLC0414
from shared.contracts.actors import RoleGrant as RoleGrant  # noqa: PLC0414
from shared.contracts.values import Delivery, DutyRating, Level, NomineeKind, UnitRef

DisciplineForm = Literal["khien_trach", "canh_cao", "ha_bac_luong", "giang_chuc", "cach_chuc", "buoc_thoi_viec"]
DISCIPLINE_FORMS: tuple[DisciplineForm, ...] = (
    "khien_trach",
    "canh_cao",
    "ha_bac_luong",
    "giang_chuc",
    "cach_chuc",
    "buoc_thoi_viec",
)


class TitleHeld(BaseModel):
    """A title or award the nominee holds, as declared: the year and the catalogue code."""

    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)

    year: int = Field(ge=1945, le=2100)
    title: str = Field(min_length=1, max_length=64)


class DutyRatingHeld(BaseModel):
    """The yearly rating of how the nominee carried out their duties ("xếp loại mức độ hoàn thành nhiệm vụ")."""

    model_config = ConfigDict(frozen=True)

    year: int = Field(ge=1945, le=2100)
    rating: DutyRating


class Nominee(BaseModel):
    """Who is nominated, and the facts the submitter declares for the eligibility checks.

    Every declared fact is optional: a check that needs one that was not declared is a warning
    ("chưa khai báo …") that travels with the dossier, never a refusal.
    """

    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)

    kind: NomineeKind
    name: str = Field(min_length=2, max_length=200)
    position: str | None = Field(default=None, max_length=200)
    birth_year: int | None = Field(default=None, ge=1930, le=2015)
    # The person of registration's register this individual is (issue 18): their titles follow them across units and
    # namesakes are told apart; None for a collective and for nominations made before the register.
    person_id: str | None = Field(default=None, min_length=1, max_length=36, pattern=r"^[A-Za-z0-9-]+$")
    gender: Literal["male", "female"] | None = Field(default=None, description="Giới tính (Ông/Bà trên văn bản)")
    member_count: int | None = Field(default=None, ge=1, le=1_000_000)
    # Declared facts (issue 7, eligibility)
    months_employed: int | None = Field(default=None, ge=0, le=600, description="Số tháng công tác trong kỳ xét")
    absence_working_days: int | None = Field(default=None, ge=0, le=366, description="Số ngày làm việc nghỉ trong kỳ xét")
    absence_exempt_working_days: int | None = Field(
        default=None, ge=0, le=366, description="Trong đó: số ngày nghỉ được loại trừ (ví dụ thai sản)"
    )
    disciplined: bool | None = Field(default=None, description="Bị kỷ luật trong kỳ xét")
    discipline_form: DisciplineForm | None = None
    administrative_sanction: bool | None = Field(default=None, description="Bị xử phạt vi phạm hành chính trong kỳ xét")
    pledge_registered: bool | None = Field(default=None, description="Đã đăng ký thi đua đầu năm")
    union_member_active: bool | None = Field(default=None, description="Đoàn viên đang sinh hoạt, đóng đoàn phí đầy đủ")
    union_service_years: int | None = Field(default=None, ge=0, le=70, description="Số năm công tác trong tổ chức Công đoàn")
    title_history: list[TitleHeld] | None = Field(default=None, max_length=200)
    duty_ratings: list[DutyRatingHeld] | None = Field(default=None, max_length=100)
    innovation_recognised: bool | None = Field(default=None, description="Có sáng kiến, đề tài được công nhận")
    innovation_level: Level | None = Field(default=None, description="Cấp công nhận sáng kiến cao nhất")
    innovation_year: int | None = Field(default=None, ge=1945, le=2100)
    innovation_benefit_vnd: int | None = Field(default=None, ge=0, description="Giá trị làm lợi của một giải pháp (đồng)")
    innovation_benefit_cumulative_vnd: int | None = Field(default=None, ge=0, description="Tổng làm lợi các năm liên tục (đồng)")
    innovation_benefit_cumulative_years: int | None = Field(default=None, ge=1, le=20)


class CouncilVote(BaseModel):
    model_config = ConfigDict(frozen=True)

    members: int = Field(ge=1, le=200)
    present: int = Field(ge=0, le=200)
    votes_for: int = Field(ge=0, le=200)
    votes_against: int = Field(default=0, ge=0, le=200)
    secret_ballot: bool = True


class EligibilityCheck(BaseModel):
    """One eligibility check: pass, fail (blocks submission) or warning (travels to the approver)."""

    model_config = ConfigDict(frozen=True)

    rule: str  # the criterion type, "quota", "one_achievement", "comprehensive_vs_topical"
    status: Literal["pass", "fail", "warning"]
    message: str  # Vietnamese, with the numbers
    source: str = ""  # where the rule comes from; "(chưa xác nhận)" when the catalogue marks it unconfirmed
    field: str | None = None  # the declared fact it judged, e.g. "nominee.absence_working_days"


class CampaignRef(BaseModel):
    """The campaign ("đợt thi đua") a nomination is for, as the snapshot carries it to review and awards."""

    model_config = ConfigDict(frozen=True)

    code: str
    name: str
    plan_ref: str
    launching_unit_code: str
    starts_on: date
    ends_on: date


class AttachmentRef(BaseModel):
    """A file of the dossier as registration keeps it: which document it is, and its SHA-256 to check a download."""

    model_config = ConfigDict(frozen=True)

    id: str
    document_type: str
    document_name: str = ""
    filename: str
    media_type: str
    size: int
    sha256: str
    uploaded_at: datetime | None = None


class NominationSnapshot(BaseModel):
    """What registration tells the other services about a nomination, with the unit chain it needs."""

    model_config = ConfigDict(frozen=True)

    id: str
    unit_path: list[UnitRef]  # submitting CĐCS first, then each superior up to the root
    award_code: str
    award_name: str
    awarding_level: str
    catalog_version: str
    period: str
    nominee: Nominee
    achievements: str
    council_vote: CouncilVote | None = None
    round: int = 1
    # The eligibility checks run at submission (None in events before issue 7's checks).
    eligibility: list[EligibilityCheck] = Field(default_factory=list)
    # The campaign and topic it was nominated under (None in events before 0003_emulation, or when none).
    campaign: CampaignRef | None = None
    topic: str | None = None
    # The submitting CĐCS's sector (enterprise, school, public_administration) as registration knows it; None in
    # events written before reports existed, or for a unit without one.
    unit_sector: str | None = None
    # The dossier's files (empty in events before attachments existed).
    attachments: list[AttachmentRef] = Field(default_factory=list)

    @property
    def unit(self) -> UnitRef:
        return self.unit_path[0]


class Event(BaseModel):
    """Base of every event: a fact, past tense, owned by one service."""

    model_config = ConfigDict(frozen=True)

    SUBJECT: ClassVar[str]
    SCHEMA_VERSION: ClassVar[int] = 1
    SUPPORTED_VERSIONS: ClassVar[frozenset[int]] = frozenset({1})

    event_id: UUID = Field(default_factory=uuid4)
    schema_version: int = 1
    occurred_at: datetime
    correlation_id: str | None = None
    actor: Actor = SYSTEM_ACTOR


class NominationSubmitted(Event):
    SUBJECT = subjects.NOMINATION_SUBMITTED
    nomination: NominationSnapshot


class NominationResubmitted(Event):
    SUBJECT = subjects.NOMINATION_RESUBMITTED
    nomination: NominationSnapshot
    comment: str = ""


class NominationWithdrawn(Event):
    SUBJECT = subjects.NOMINATION_WITHDRAWN
    nomination_id: str
    reason: str = ""


class TaskSnapshot(BaseModel):
    model_config = ConfigDict(frozen=True)

    task_id: str
    nomination_id: str
    unit: UnitRef
    state: str
    round: int
    claimant_id: str | None = None
    claimant_name: str | None = None
    due_at: datetime | None = None
    # Where the task sits now: its own unit, or an ancestor it escalated to (None in events before issue 5).
    queue_unit: UnitRef | None = None
    escalations: int = 0
    # The superiors alerted that the task is overdue at its unit, the lowest first (issue 17; empty before).
    alerted: list[UnitRef] = Field(default_factory=list)


class Recipient(BaseModel):
    model_config = ConfigDict(frozen=True)

    user_id: str
    full_name: str = ""


class TaskOpened(Event):
    SUBJECT = subjects.TASK_OPENED
    task: TaskSnapshot


class TaskClaimed(Event):
    SUBJECT = subjects.TASK_CLAIMED
    task: TaskSnapshot


class TaskReleased(Event):
    SUBJECT = subjects.TASK_RELEASED
    task: TaskSnapshot
    comment: str = ""


class TaskEscalated(Event):
    """A task overdue at its unit (or at a unit with no active approver) was brought to the attention of the superior
    `to_unit`: the unit below it (`from_unit`: the task's own, or the superior before that let it lapse) is alerted
    with it. The task stays in its own unit's queue; before issue 17 it moved to `to_unit`'s queue."""

    SUBJECT = subjects.TASK_ESCALATED
    task: TaskSnapshot  # after the alert: `alerted` ends with `to_unit`
    from_unit: UnitRef
    to_unit: UnitRef
    reason: Literal["overdue", "no_approver"]
    was_due_at: datetime | None = None


class TaskSentBack(Event):
    """A superior alerted to an overdue task (`from_unit`) set a new due date for the task's own unit (`to_unit`),
    with its reason (`comment`). Before issue 17: the unit an overdue task had moved to sent it back down."""

    SUBJECT = subjects.TASK_SENT_BACK
    task: TaskSnapshot  # after the new due date: `to_unit` is the task's unit, no superior alerted
    from_unit: UnitRef
    to_unit: UnitRef
    comment: str


class TaskReorganised(Event):
    """An active task followed its nomination to the new superior after a reorganisation of the unit tree.
    Its due date and timers stay; a claim by an approver of the old holder is released."""

    SUBJECT = subjects.TASK_REORGANISED
    task: TaskSnapshot  # after the move: `unit` is the level's new unit, `queue_unit` the new holder
    from_unit: UnitRef  # the holder before
    to_unit: UnitRef
    reorganisation_id: str
    effective_on: date
    released_claimant: str | None = None


class TaskReminder(Event):
    """A task's due date is near (`before_due`) or today (`due_day`); for any mail or SMS sender."""

    SUBJECT = subjects.TASK_REMINDER
    task: TaskSnapshot
    kind: Literal["before_due", "due_day"]
    recipients: list[Recipient]  # the claimant, or the approvers of the unit whose queue holds the task


class UnitApproversChanged(Event):
    """The portal's roster of a unit's active approvers changed (full list: the latest event wins)."""

    SUBJECT = subjects.UNIT_APPROVERS_CHANGED
    unit_code: str
    approvers: list[Recipient]


class NominationForwarded(Event):
    SUBJECT = subjects.NOMINATION_FORWARDED
    nomination_id: str
    from_unit: UnitRef
    to_unit: UnitRef
    comment: str = ""
    proposal_number: str | None = None  # the tờ trình it went up with ("3/TTr-LĐLĐ"), when forwarded in a batch
    # Not approved by `from_unit`: overdue there, received directly by `to_unit`, its direct superior (issue 17).
    received_directly: bool = False


class ForwardedItem(BaseModel):
    """One nominee as a forwarding tờ trình lists it (frozen when the batch went up)."""

    model_config = ConfigDict(frozen=True)

    task_id: str
    nomination_id: str
    nominee_name: str
    nominee_kind: str
    origin_unit_name: str
    award_name: str
    achievements: str  # shortened to the letter's length
    council: str  # the council's result in words, or that this level need not vote


class ProposalForwarded(Event):
    """A unit forwarded a batch of dossiers to the unit above with one tờ trình. The letter is a draft: awards has the
    unit's signing officer sign it, numbered from the unit's one register (then `ProposalSigned`). Forwarding does not
    wait for the signature: the unit above has the dossiers at once."""

    SUBJECT = subjects.PROPOSAL_FORWARDED
    proposal_id: str
    unit: UnitRef  # the unit that sends it (its issuer)
    to_unit: UnitRef
    comment: str = ""
    items: list[ForwardedItem] = Field(min_length=1, max_length=500)
    # the highest number review itself gave the unit's tờ trình this year before the register numbered them: the
    # register goes on above it, so that no number is given twice
    numbered_before: int = Field(default=0, ge=0)


class NominationReturned(Event):
    SUBJECT = subjects.NOMINATION_RETURNED
    nomination_id: str
    unit: UnitRef
    reason: str


class NominationRejected(Event):
    SUBJECT = subjects.NOMINATION_REJECTED
    nomination_id: str
    unit: UnitRef
    reason: str


class NominationApproved(Event):
    """Final approval at the award's awarding level; awards turns it into a decision."""

    SUBJECT = subjects.NOMINATION_APPROVED
    nomination: NominationSnapshot
    issuer: UnitRef
    comment: str = ""


class NominationsApproved(Event):
    """The awarding level's approver approved several nominations together: one decision lists them all.
    Each nomination gets exactly the treatment a single `NominationApproved` would give it."""

    SUBJECT = subjects.NOMINATIONS_APPROVED
    batch_id: str
    issuer: UnitRef
    nominations: list[NominationSnapshot] = Field(min_length=1, max_length=500)
    comment: str = ""


class CouncilVoteRecorded(Event):
    """A level's Hội đồng Thi đua – Khen thưởng voted on one nominee (one event per nominee of a meeting).
    The latest vote on a task counts; `passed` is judged against the award's council rule."""

    SUBJECT = subjects.COUNCIL_VOTE_RECORDED
    nomination_id: str
    task_id: str
    meeting_id: str
    unit: UnitRef  # the unit whose council met (the holder of the task)
    level_unit: UnitRef  # the task's own level (differs when the task had escalated)
    held_on: date
    vote: CouncilVote
    passed: bool
    required: bool  # whether this level's vote was required by the rule
    explanation: str  # Vietnamese, with the numbers


class DecisionSnapshot(BaseModel):
    model_config = ConfigDict(frozen=True)

    decision_id: str
    number: int
    number_text: str  # e.g. "1/QĐ-LĐLĐ"
    year: int
    issuer: UnitRef
    issued_at: datetime
    award_code: str
    award_name: str
    prize_amount_vnd: int


class DraftSnapshot(BaseModel):
    """A decision or tờ trình prepared from an approval and waiting for its signing officer: no number, no date yet."""

    model_config = ConfigDict(frozen=True)

    draft_id: str
    kind: Literal["decision", "proposal"]
    issuer: UnitRef
    award_code: str
    award_name: str
    drafted_at: datetime


class DecisionDrafted(Event):
    """Awards prepared the document that will list the nomination ("dự thảo"); it is "Chờ ký" until a signing officer
    of the issuer signs it, which numbers and dates it (then AwardGranted or AwardProposed)."""

    SUBJECT = subjects.DECISION_DRAFTED
    nomination_id: str
    draft: DraftSnapshot


class AwardGranted(Event):
    SUBJECT = subjects.AWARD_GRANTED
    nomination_id: str
    decision: DecisionSnapshot


class AwardProposed(Event):
    """A state title: the union's awarding level approved it and sent its tờ trình (numbered, no prize) to the
    state authority that decides (`decided_by`). Not an award yet."""

    SUBJECT = subjects.AWARD_PROPOSED
    nomination_id: str
    proposal: DecisionSnapshot  # number_text e.g. "3/TTr-LĐLĐ", prize_amount_vnd 0
    decided_by: str


class StateOutcome(BaseModel):
    """The state authority's decision on one nominee of a union tờ trình."""

    model_config = ConfigDict(frozen=True)

    authority: str
    number_text: str  # the state decision's number as written, e.g. "1234/QĐ-UBND"
    decided_on: date
    granted: bool


class StateOutcomeRecorded(Event):
    """The unit that sent a tờ trình recorded what the deciding authority decided for one nominee it listed: granted
    (the title now counts in the title history and the reports) or not."""

    SUBJECT = subjects.STATE_OUTCOME_RECORDED
    nomination_id: str
    proposal: DecisionSnapshot  # the union's tờ trình
    outcome: StateOutcome


class RevokedEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    nomination_id: str
    prize_amount_vnd: int  # to be recovered ("phải thu hồi")


class DecisionRevoked(Event):
    """A decision was revoked ("thu hồi") with a reason; its entries stay in the register, their prizes to be recovered."""

    SUBJECT = subjects.DECISION_REVOKED
    decision_id: str
    number_text: str
    issuer: UnitRef
    reason: str
    entries: list[RevokedEntry]


class ProposalSigned(Event):
    """The unit's signing officer signed a forwarding tờ trình: numbered from the unit's register, dated, PAdES-signed;
    review records the number on its proposal. `document_id` is the signed file in awards' register."""

    SUBJECT = subjects.PROPOSAL_SIGNED
    proposal_id: str
    document_id: str
    issuer: UnitRef
    number: int
    number_text: str  # e.g. "4/TTr-LĐLĐ"
    year: int
    issued_at: datetime
    signer_name: str
    # the dossiers it forwarded: their timelines say which letter took them up
    nomination_ids: list[str] = Field(default=[], max_length=500)


class UnitMove(BaseModel):
    model_config = ConfigDict(frozen=True)

    unit: UnitRef
    from_parent: UnitRef
    to_parent: UnitRef
    new_path: list[UnitRef]  # the unit and its superiors as of the effective date, the unit first


class UnitRename(BaseModel):
    model_config = ConfigDict(frozen=True)

    before: UnitRef
    after: UnitRef


class UnitMerge(BaseModel):
    model_config = ConfigDict(frozen=True)

    units: list[UnitRef]
    into: UnitRef


class UnitsReorganised(Event):
    """Registration changed the unit tree from one effective date (one event per reorganisation).
    Enough for another service to re-path what it holds without reading registration's tables."""

    SUBJECT = subjects.UNITS_REORGANISED
    reorganisation_id: str
    title: str
    effective_on: date
    closed: list[UnitRef] = []  # merged units included
    created: list[UnitRef] = []
    renamed: list[UnitRename] = []
    moved: list[UnitMove] = []  # every unit whose parent changed, children of merged units included
    merged: list[UnitMerge] = []

    def new_path(self, path: list[UnitRef]) -> list[UnitRef]:
        """A unit path (nearest first) as it stands after the reorganisation."""
        moves = {m.unit.code: m for m in self.moved}
        renames = {r.before.code: r.after for r in self.renamed}
        rewritten: list[UnitRef] = []
        for unit in path:
            if unit.code in moves:
                return rewritten + moves[unit.code].new_path
            rewritten.append(renames.get(unit.code, unit))
        return rewritten


class NotificationIssued(Event):
    """Review wrote (or, for a batched note, rewrote) one note on a person's bell: everything the notifier needs to
    email it, with the person's delivery choice for its kind at that moment. One event per note written for someone who
    chose an email for its kind (a note on the bell only leaves none)."""

    SUBJECT = subjects.NOTIFICATION_ISSUED
    note_id: int
    revision: int = 1  # a batched "new in queue" note rewritten: its count of dossiers
    user_id: str
    kind: str = Field(max_length=64)  # shared.contracts.operations.review.NotificationKind, or `reorganised_in`
    text: str = Field(max_length=2000)
    nomination_id: str = ""
    task_id: str = ""
    unit_code: str = ""
    due_at: datetime | None = None
    delivery: Delivery = "bell"
    digest_hour: int | None = Field(default=None, ge=0, le=23)


class UserContactChanged(Event):
    """The portal's user got, changed or lost an email address, or was (de)activated: the latest event wins."""

    SUBJECT = subjects.USER_CONTACT_CHANGED
    user_id: str
    username: str
    full_name: str = ""
    email: str | None = Field(default=None, max_length=254)
    active: bool = True


EVENT_TYPES: dict[str, type[Event]] = {
    cls.SUBJECT: cls
    for cls in (
        NominationSubmitted,
        NominationResubmitted,
        NominationWithdrawn,
        UnitsReorganised,
        TaskOpened,
        TaskClaimed,
        TaskReleased,
        TaskEscalated,
        TaskSentBack,
        TaskReorganised,
        TaskReminder,
        UnitApproversChanged,
        NominationForwarded,
        NominationReturned,
        NominationRejected,
        NominationApproved,
        NominationsApproved,
        CouncilVoteRecorded,
        ProposalForwarded,
        DecisionDrafted,
        AwardGranted,
        AwardProposed,
        StateOutcomeRecorded,
        DecisionRevoked,
        ProposalSigned,
        NotificationIssued,
        UserContactChanged,
    )
}
