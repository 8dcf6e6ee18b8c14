"""Registration's RPC operations (`thidua.rpc.registration.<name>`), each with its request and its reply.

The models describe exactly the JSON the wire has carried since before they were declared: field names, optional
fields and defaults are those the portal sends and reads. Timestamps a reply has always written with
`datetime.isoformat()` keep that form (`IsoDateTime`: "+00:00", not "Z").

About 630 lines on purpose: one service's operations (the register of people's among them) and their models in one
file, so that a caller finds everything registration answers in one place (the operations are listed at the end). The
register of people's models are apart, in `shared.contracts.people`.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel

from shared.contracts.commands import (
    PLEDGE_TARGETS_MAX,
    ClusterVoteRecord,
    NewCampaign,
    NewCluster,
    NominationDraft,
    NominationEdit,
    PledgeDecision,
    PledgeRegistration,
    Reorganisation,
    Withdrawal,
)
from shared.contracts.events import AttachmentRef, CouncilVote, EligibilityCheck, Nominee, UnitsReorganised
from shared.contracts.operations import Operation
from shared.contracts.paging import NOMINATIONS_PAGE_MAX, PLEDGES_PAGE_MAX, STUCK_PAGE_MAX, Cursor
from shared.contracts.people import (
    EditPerson,
    ImportOutcome,
    ImportPeople,
    NewPerson,
    PeoplePage,
    PeopleQuery,
    PersonId,
    PersonView,
    TransferPerson,
)
from shared.contracts.values import (
    IsoDateTime,
    Label,
    Level,
    Name,
    NomineeKind,
    Note,
    Offset,
    PersonName,
    Reason,
    Short,
    Title,
    UnitRef,
)

SERVICE = "registration"


class NominationStatus(StrEnum):
    """A nomination's status, on the wire and in registration's domain (`domain.nomination.Status` is this class;
    the domain adds the transitions and the Vietnamese labels)."""

    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    RETURNED = "returned"
    APPROVED = "approved"
    AWAITING_SIGNATURE = "awaiting_signature"  # its decision (or tờ trình) is drafted: "Chờ ký"
    GRANTED = "granted"
    PROPOSED = "proposed"  # a state title: the union sent its tờ trình to the authority that decides
    NOT_GRANTED = "not_granted"  # the state authority decided not to grant the title proposed
    REVOKED = "revoked"  # the decision granting it was revoked (thu hồi)
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class IgnoredParams(BaseModel):
    """The request of an operation that takes nothing: whatever params come are ignored, as they always were."""

    model_config = ConfigDict(extra="ignore")


# The unit tree


class UnitListing(BaseModel):
    code: str
    name: str
    short_name: str
    level: Level
    parent_code: str | None
    sector: str | None
    valid_from: dt.date | None
    valid_to: dt.date | None


class UnitList(RootModel[list[UnitListing]]):
    """Every unit, closed ones included (old names stay readable), with its validity."""


class UnitPathsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Name = Field(min_length=1, max_length=64)
    dates: list[dt.date] = Field(min_length=1, max_length=400)


class UnitPaths(BaseModel):
    """The unit's sector, and its path (the unit, its superior, … up to the root) on each date asked for, keyed by
    the ISO date; an empty path: the unit did not exist that day."""

    sector: str | None
    paths: dict[str, list[UnitRef]]


class Reorganise(_Params):
    reorganisation: Reorganisation
    apply: bool = False


class UnitNamed(BaseModel):
    code: str
    name: str


class UnitCreated(BaseModel):
    code: str
    name: str
    level: Level


class UnitRenamed(BaseModel):
    code: str
    before: str
    after: str


class UnitsMerged(BaseModel):
    units: list[str]
    into: str


class UnitMoved(BaseModel):
    model_config = ConfigDict(serialize_by_alias=True, validate_by_name=True, validate_by_alias=True)

    code: str
    name: str
    level: Level
    from_: str = Field(alias="from")
    to: str


class ReorganisationSummary(BaseModel):
    reorganisation_id: str
    title: str
    effective_on: dt.date
    closed: list[UnitNamed]
    created: list[UnitCreated]
    renamed: list[UnitRenamed]
    merged: list[UnitsMerged]
    moved: list[UnitMoved]
    cdcs_moved: int
    nominations_repathed: int
    nominations_per_new_superior: dict[str, int]


class ReorganisationResult(BaseModel):
    """What a reorganisation changes (checked) or changed (applied), and the event it is (or would be) announced by."""

    applied: bool
    summary: ReorganisationSummary
    event: UnitsReorganised


# Nominations


class NominationId(_Params):
    id: Name


class EditNomination(NominationEdit):
    id: Name


class WithdrawNomination(Withdrawal):
    id: Name


# The orders the nominations list can be read in, each off ix_nominations_created_id: "-created" newest first (the
# default), "created" oldest first. No other key is accepted.
NominationSort = Literal["-created", "created"]


class NominationQuery(_Params):
    unit_code: Name | None = None
    status: NominationStatus | None = None
    award_code: Name | None = None
    period: Name | None = None
    sort: NominationSort = "-created"
    limit: int = Field(default=50, ge=1, le=NOMINATIONS_PAGE_MAX)
    offset: Offset = Field(default=0, description="Bỏ qua từng ấy dòng đầu (trang của bảng điều khiển); API dùng cursor")
    cursor: Cursor | None = None


class NomineeHeading(BaseModel):
    """Who is nominated, as a list shows it (the declared facts are in the nomination itself)."""

    kind: NomineeKind
    name: PersonName
    position: PersonName | None = None


class DecisionHeading(BaseModel):
    """The decision (or tờ trình) of a nomination, as a list shows it."""

    decision_id: Short
    kind: Literal["decision", "proposal"]
    number_text: Label
    issuer_name: Label = ""  # who issued it (its short name): a number means nothing without its issuer
    issued_at: Short
    revoked: bool


class NominationFacts(BaseModel):
    """What a nomination's summary and its full view share."""

    id: Short
    status: NominationStatus
    status_label: Label
    unit_code: Short
    unit_name: Title
    award_code: Short
    award_name: Title
    awarding_level: Short
    catalog_version: Short
    period: Short
    council_vote: CouncilVote | None
    round: int
    current_unit_code: Short | None
    current_unit_name: Title | None
    campaign_code: Short | None
    topic: Short | None
    submitted_by: PersonName
    created_at: IsoDateTime
    updated_at: IsoDateTime


class NominationSummary(NominationFacts):
    """A nomination as lists show it: without its unit path, declared facts, achievements, eligibility report, last
    reason and the decision's details (read the nomination for those), so that a page always fits in one message."""

    nominee: NomineeHeading
    decision: DecisionHeading | None

    @classmethod
    def heading(cls, decision: dict[str, Any] | None) -> DecisionHeading | None:
        """The list's heading of the decision as registration keeps it (as awards announced it)."""
        if decision is None:
            return None
        return DecisionHeading(
            decision_id=decision["decision_id"],
            kind=decision["kind"],
            number_text=decision["number_text"],
            issuer_name=_issuer_short_name(decision.get("issuer") or {}),
            issued_at=decision["issued_at"],
            revoked="revoked" in decision,
        )


def _issuer_short_name(issuer: dict[str, Any]) -> str:
    name = str(issuer.get("short_name") or issuer.get("name") or "")
    return name if len(name) <= LABEL_MAX else name[: LABEL_MAX - 1] + "…"


LABEL_MAX = 100  # Label's bound


class AttachmentView(AttachmentRef):
    size_text: str
    round: int
    uploaded_by: str


class DocumentName(BaseModel):
    code: str
    name: str


class TimelineEntry(BaseModel):
    at: IsoDateTime
    step: str
    label: str
    actor_id: str
    actor_name: str
    unit_code: str | None
    unit_name: str | None
    comment: str | None


class NominationView(NominationFacts):
    """A nomination with its unit path, declared facts, achievements, eligibility report, last reason, decision,
    files, the required documents it lacks, and its timeline."""

    unit_path: list[UnitRef]
    nominee: Nominee
    eligibility: list[EligibilityCheck]
    achievements: str
    last_reason: str | None
    decision: dict[str, Any] | None = Field(description="The decision or proposal as awards announced it, and its revocation")
    attachments: list[AttachmentView]
    missing_documents: list[DocumentName]
    timeline: list[TimelineEntry]


class NominationPage(BaseModel):
    total: int
    items: list[NominationSummary] = Field(max_length=NOMINATIONS_PAGE_MAX)
    next_cursor: Cursor | None = Field(default=None, description="Trang tiếp theo: gửi lại làm cursor; null khi đã hết")


# The dossier's files


class AttachmentQuery(_Params):
    nomination_id: Name
    attachment_id: Name


class AttachmentLocation(AttachmentView):
    """A file of a dossier and where its bytes are (the portal reads them and checks the SHA-256)."""

    bucket: str
    object_name: str


class RequirementsQuery(_Params):
    award_code: Name


class DocumentRequirement(BaseModel):
    code: str
    name: str
    required: bool


class DocumentRequirements(BaseModel):
    """The award's documents, the limits in force and whether missing documents refuse a submission."""

    award_code: str
    documents: list[DocumentRequirement]
    enforced: bool
    max_file_bytes: int
    max_files: int
    max_total_bytes: int
    allowed_types: list[str]
    accept: str
    limits_text: str


# Campaigns, pledges, clusters


class CampaignCode(_Params):
    code: Name = Field(min_length=1, max_length=64)


class CampaignTargetView(BaseModel):
    award_code: str
    award_name: str
    quota: int
    per_unit_quota: int | None
    proposing_level: Level
    used: int
    remaining: int


class CampaignView(BaseModel):
    code: str
    name: str
    plan_ref: str
    launching_unit_code: str
    starts_on: dt.date
    ends_on: dt.date
    topic: str | None
    source: str
    targets: list[CampaignTargetView]
    launching_unit_name: str
    open: bool
    window_text: str


class CampaignList(RootModel[list[CampaignView]]):
    """Every campaign, newest window first."""


class PledgeQuery(_Params):
    year: int | None = Field(default=None, ge=2000, le=2100)
    unit_code: Name | None = None
    status: Name | None = None
    limit: int = Field(default=PLEDGES_PAGE_MAX, ge=1, le=PLEDGES_PAGE_MAX)
    cursor: Cursor | None = None


class DecidePledge(PledgeDecision):
    id: Name


class PledgeTargetView(BaseModel):
    award_code: Short
    count: int
    award_name: Title


class PledgeView(BaseModel):
    id: Short
    unit_code: Short
    superior_code: Short
    superior_name: Title
    year: int
    status: Short
    status_label: Label
    targets: list[PledgeTargetView] = Field(max_length=PLEDGE_TARGETS_MAX)
    note: Note
    late: bool
    deadline: dt.date
    registered_by: PersonName
    registered_at: IsoDateTime
    decided_by: PersonName | None
    decided_at: IsoDateTime | None
    reason: Reason | None


class PledgeList(BaseModel):
    """A page of the pledges the caller may see, and this year's registration rule."""

    items: list[PledgeView] = Field(max_length=PLEDGES_PAGE_MAX)
    next_cursor: Cursor | None = Field(default=None, description="Trang tiếp theo: gửi lại làm cursor; null khi đã hết")
    deadline: dt.date
    late_policy: Short
    source: Reason  # where the rule comes from (shared/data/emulation.toml)
    confirmed: bool


class VoteInCluster(ClusterVoteRecord):
    cluster_code: Name = Field(min_length=1, max_length=64)


class ClusterMemberView(BaseModel):
    unit_code: str
    unit_name: str
    valid_from: dt.date


class ClusterLeader(BaseModel):
    unit_code: str
    unit_name: str


class ClusterVoteView(BaseModel):
    year: int
    leaders: list[ClusterLeader]
    note: str
    recorded_by: str
    recorded_at: IsoDateTime


class ClusterView(BaseModel):
    code: str
    name: str
    parent_unit_code: str
    parent_unit_name: str
    national: bool
    valid_from: dt.date
    valid_to: dt.date | None
    members: list[ClusterMemberView]
    votes: list[ClusterVoteView]


class ClusterList(RootModel[list[ClusterView]]):
    """Every cluster with its members and its votes."""


# Figures for operations


class PipelineQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    days: int = Field(default=30, ge=1, le=366)


class PipelineStage(BaseModel):
    stage: str
    label: str
    count: int
    entered_24h: int


class PipelineDay(BaseModel):
    """How many nominations entered each stage that day."""

    date: dt.date
    submitted: int
    district: int
    city: int
    national: int
    decided: int


class PipelineFigures(BaseModel):
    at: IsoDateTime
    stages: list[PipelineStage]
    per_day: list[PipelineDay]


class StuckQuery(_Params):
    older_than_seconds: int = Field(default=3 * 24 * 3600, ge=60, le=10 * 366 * 24 * 3600)
    limit: int = Field(default=100, ge=1, le=STUCK_PAGE_MAX)


class StuckStep(BaseModel):
    step: Short
    label: Label
    unit_code: Short | None
    unit_name: Title | None
    actor_name: PersonName
    at: IsoDateTime


class StuckNomination(BaseModel):
    id: Short
    status: NominationStatus
    status_label: Label
    unit_code: Short
    award_code: Short
    nominee_name: PersonName
    current_unit_code: Short | None
    current_unit_name: Title | None
    step: StuckStep
    waiting_seconds: int


class StuckNominations(BaseModel):
    older_than_seconds: int
    now: IsoDateTime
    total: int
    items: list[StuckNomination] = Field(max_length=STUCK_PAGE_MAX)


# The operations

LIST_UNITS = Operation(service=SERVICE, name="list_units", request=IgnoredParams, reply=UnitList)
UNIT_PATHS = Operation(service=SERVICE, name="unit_paths", request=UnitPathsQuery, reply=UnitPaths)
# The top of the unit tree (the Tổng LĐLĐ): whose subtree a report covers when no unit is asked for.
UNIT_ROOT = Operation(service=SERVICE, name="unit_root", request=IgnoredParams, reply=UnitRef)
REORGANISE = Operation(service=SERVICE, name="reorganise", request=Reorganise, reply=ReorganisationResult)

SUBMIT = Operation(service=SERVICE, name="submit", request=NominationDraft, reply=NominationView)
GET_NOMINATION = Operation(service=SERVICE, name="get", request=NominationId, reply=NominationView)
LIST_NOMINATIONS = Operation(service=SERVICE, name="list", request=NominationQuery, reply=NominationPage)
UPDATE = Operation(service=SERVICE, name="update", request=EditNomination, reply=NominationView)
RESUBMIT = Operation(service=SERVICE, name="resubmit", request=EditNomination, reply=NominationView)
WITHDRAW = Operation(service=SERVICE, name="withdraw", request=WithdrawNomination, reply=NominationView)

ATTACHMENT = Operation(service=SERVICE, name="attachment", request=AttachmentQuery, reply=AttachmentLocation)
DOCUMENT_REQUIREMENTS = Operation(
    service=SERVICE, name="document_requirements", request=RequirementsQuery, reply=DocumentRequirements
)

CREATE_CAMPAIGN = Operation(service=SERVICE, name="create_campaign", request=NewCampaign, reply=CampaignView)
LIST_CAMPAIGNS = Operation(service=SERVICE, name="list_campaigns", request=IgnoredParams, reply=CampaignList)
GET_CAMPAIGN = Operation(service=SERVICE, name="get_campaign", request=CampaignCode, reply=CampaignView)
REGISTER_PLEDGE = Operation(service=SERVICE, name="register_pledge", request=PledgeRegistration, reply=PledgeView)
DECIDE_PLEDGE = Operation(service=SERVICE, name="decide_pledge", request=DecidePledge, reply=PledgeView)
LIST_PLEDGES = Operation(service=SERVICE, name="list_pledges", request=PledgeQuery, reply=PledgeList)
CREATE_CLUSTER = Operation(service=SERVICE, name="create_cluster", request=NewCluster, reply=ClusterView)
LIST_CLUSTERS = Operation(service=SERVICE, name="list_clusters", request=IgnoredParams, reply=ClusterList)
RECORD_CLUSTER_VOTE = Operation(service=SERVICE, name="record_cluster_vote", request=VoteInCluster, reply=ClusterView)

# The register of people (shared.contracts.people: the models live there, by their own subject)
LIST_PEOPLE = Operation(service=SERVICE, name="list_people", request=PeopleQuery, reply=PeoplePage)
GET_PERSON = Operation(service=SERVICE, name="get_person", request=PersonId, reply=PersonView)
CREATE_PERSON = Operation(service=SERVICE, name="create_person", request=NewPerson, reply=PersonView)
UPDATE_PERSON = Operation(service=SERVICE, name="update_person", request=EditPerson, reply=PersonView)
TRANSFER_PERSON = Operation(service=SERVICE, name="transfer_person", request=TransferPerson, reply=PersonView)
IMPORT_PEOPLE = Operation(service=SERVICE, name="import_people", request=ImportPeople, reply=ImportOutcome)

OPS_PIPELINE = Operation(service=SERVICE, name="ops_pipeline", request=PipelineQuery, reply=PipelineFigures)
OPS_STUCK = Operation(service=SERVICE, name="ops_stuck", request=StuckQuery, reply=StuckNominations)

OPERATIONS: tuple[Operation[Any, Any], ...] = (
    LIST_UNITS,
    UNIT_PATHS,
    REORGANISE,
    SUBMIT,
    GET_NOMINATION,
    LIST_NOMINATIONS,
    UPDATE,
    RESUBMIT,
    WITHDRAW,
    ATTACHMENT,
    DOCUMENT_REQUIREMENTS,
    CREATE_CAMPAIGN,
    LIST_CAMPAIGNS,
    GET_CAMPAIGN,
    REGISTER_PLEDGE,
    DECIDE_PLEDGE,
    LIST_PLEDGES,
    CREATE_CLUSTER,
    LIST_CLUSTERS,
    RECORD_CLUSTER_VOTE,
    LIST_PEOPLE,
    GET_PERSON,
    CREATE_PERSON,
    UPDATE_PERSON,
    TRANSFER_PERSON,
    IMPORT_PEOPLE,
    OPS_PIPELINE,
    OPS_STUCK,
)
