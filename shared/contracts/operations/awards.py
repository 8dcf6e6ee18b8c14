"""Awards' RPC operations: the register of decisions and tờ trình, their documents, the drafts waiting for signature,
the register of outgoing documents, the catalogue in force, the grassroots register and the reports over it.

One module on purpose (about 750 lines, over the project's 600, as `events.py` is for events): it is one service's
vocabulary on the bus, read as a whole when a reply model changes (a list item is built from its full view:
`DecisionSummary.of`, `DraftView` extends `DraftSummary`), and the page-size guard (shared.platform.replysize) walks it.

The replies are the JSON the portal has always read: times as Python's ISO text ("…+00:00"), dates as ISO dates,
a document's bytes in base64. A catalogue award carries every field of the catalogue's own award model (nested
rules as plain JSON: criteria, quotas, council) and travels with any field the catalogue adds.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, model_validator

from shared.contracts.operations import Operation
from shared.contracts.paging import DECISIONS_PAGE_MAX, DRAFTS_PAGE_MAX, OUTGOING_PAGE_MAX, Cursor
from shared.contracts.values import (
    IsoDateTime,
    Label,
    Level,
    Name,
    NomineeKind,
    Offset,
    PersonName,
    Reason,
    Short,
    Text,
    Title,
    Year,
)

SERVICE = "awards"
MAX_GRASSROOTS_ROWS = 2000

# Quyết định | Tờ trình to a state authority | Tờ trình sending a batch of dossiers up to the unit above | Quyết định
# thu hồi (revoking a decision)
DocumentKind = Literal["decision", "proposal", "forwarding", "revocation"]
IssueStatus = Literal["issued", "revoked"]
# proposed: listed in a tờ trình, not an award yet; granted by the state authority it went to, or "not_granted" by it
EntryStatus = Literal["granted", "proposed", "revoked", "not_granted"]
RecoveryStatus = Literal["due", "recovered"]  # a revoked decision's prize: phải thu hồi | đã thu hồi


# The register


class DecisionQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    issuer: Name | None = None
    year: Year | None = None
    award_code: Name | None = None
    status: IssueStatus | None = None
    kind: DocumentKind | None = None
    limit: int = Field(default=50, ge=1, le=DECISIONS_PAGE_MAX)
    offset: Offset = Field(default=0, description="Bỏ qua từng ấy dòng đầu (trang của bảng điều khiển); API dùng cursor")
    cursor: Cursor | None = None


class DecisionById(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Name


class RevokeDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Name
    reason: Text = Field(default="", max_length=2000)


class MarkRecovered(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Name
    nomination_id: Name


class StateOutcomeItem(BaseModel):
    """What the state authority decided for one nominee of the tờ trình."""

    model_config = ConfigDict(extra="forbid")

    nomination_id: Name = Field(min_length=1, max_length=64)
    granted: bool


class RecordStateOutcome(BaseModel):
    """The deciding authority's answer to a tờ trình, recorded by the unit that sent it: the number and date of the
    state's decision, and for every nominee the tờ trình listed whether it was granted."""

    model_config = ConfigDict(extra="forbid")

    id: Name  # the tờ trình
    authority: Title = Field(min_length=2)  # e.g. "Chủ tịch Ủy ban nhân dân thành phố Hà Nội"
    number_text: Label = Field(min_length=1)  # the state decision's number as written, e.g. "1234/QĐ-UBND"
    decided_on: date
    items: list[StateOutcomeItem] = Field(min_length=1, max_length=MAX_GRASSROOTS_ROWS)
    note: Reason = ""


class StateOutcomeView(BaseModel):
    authority: str
    number_text: str
    decided_on: date
    note: str
    recorded_by: str
    recorded_at: IsoDateTime
    granted: int
    not_granted: int


class DecisionFrame(BaseModel):
    """What a document printed around its list, chosen on its date and stored with it so it never changes."""

    place: str
    basis: list[str]
    authority: str
    signer_role: list[str]
    # The signing officer taken from the issuer's roster on the document's date; None on documents issued before the
    # roster (they print the approver's name); "" when the roster had no one in force (the name line stays empty).
    signer_name: str | None = None
    unconfirmed: list[str] = []
    issuer_parent_name: str = ""
    addressee: str = ""  # a tờ trình's "Kính gửi:" (the state authority, as configured in legal_basis.toml)


class AwardRef(BaseModel):
    code: str
    name: str


class DocumentLink(BaseModel):
    """Another document of the register this one refers to: a decision's revocation, or the decision it revokes."""

    id: str
    number_text: str
    issued_at: IsoDateTime


class RevocationView(BaseModel):
    reason: str | None
    by: str | None
    at: IsoDateTime


class DecisionEntryView(BaseModel):
    """One nominee of a decision, with its prize and, once the decision is revoked, the prize's recovery."""

    nomination_id: str | None
    name: str
    kind: NomineeKind
    unit_code: str
    unit_name: str
    period: str
    award_code: str
    award_name: str
    coefficient: str
    base_salary_vnd: int
    prize_amount_vnd: int
    status: EntryStatus
    status_label: str
    recovery: RecoveryStatus | None
    recovery_label: str
    recovery_amount_vnd: int | None
    recovered_at: IsoDateTime | None
    recovered_by: str | None
    has_certificate: bool = False  # a Bằng khen or Giấy khen of a decision that stands: its certificate can be printed


class DecisionView(BaseModel):
    id: str
    kind: DocumentKind
    kind_label: str
    number: int
    number_text: str
    year: int
    issuer_code: str
    issuer_name: str
    issued_at: IsoDateTime
    signed_by: str  # the officer who signed it (before drafts existed: the approver)
    approved_by: str = ""  # who approved the dossiers it lists ("" in a list: read the decision)
    # thu hồi: the revocation decision waiting for the issuer's signer ("Đang chờ ký quyết định thu hồi"), the one that
    # revoked it once signed, and for a revocation decision the decision it revokes
    revocation_pending: bool = False
    revoked_in: DocumentLink | None = None
    revokes: DocumentLink | None = None
    award_code: str  # the first award it lists
    award_name: str
    awards: list[AwardRef]  # every award it lists, in order
    catalog_version: str
    batch_id: str | None
    decided_by: str  # a tờ trình's state authority
    status: IssueStatus
    status_label: str
    revocation: RevocationView | None
    document: DecisionFrame | None  # None for a decision issued before frames were stored
    signer_warning: str = ""  # "Chưa có người ký trong danh sách" when it issued with an empty name line
    nominees: list[DecisionEntryView]
    collectives: int
    individuals: int
    total_prize_vnd: int
    recovery_due_vnd: int
    can_revoke: bool  # what the asking user may do
    can_mark_recovered: bool
    state_outcome: StateOutcomeView | None = None  # a tờ trình: what the state authority decided, once recorded
    can_record_outcome: bool = False


# A decision in a list: the first of the awards it lists and of its nominees' names (the decision itself has them all).
AWARDS_LISTED_MAX = 3
NOMINEES_NAMED_MAX = 3


class ListedAward(BaseModel):
    code: Short
    name: Title


class ListedRevocation(BaseModel):
    """Who revoked it and when (the reason is in the decision)."""

    by: PersonName | None
    at: IsoDateTime


class DecisionSummary(BaseModel):
    """A decision or tờ trình as a list shows it: its number, issuer, the first awards and nominees' names, totals.
    A batch decision lists up to 500 nominees, too many for a page of decisions: read the decision for them."""

    id: Short
    kind: DocumentKind
    kind_label: Label
    number: int
    number_text: Label
    year: int
    issuer_code: Short
    issuer_name: Title
    issued_at: IsoDateTime
    signed_by: PersonName
    award_code: Short
    award_name: Title
    awards: list[ListedAward] = Field(
        max_length=AWARDS_LISTED_MAX, description=f"Các hình thức đầu tiên (tối đa {AWARDS_LISTED_MAX})"
    )
    award_count: int
    catalog_version: Short
    batch_id: Short | None
    decided_by: Title
    status: IssueStatus
    status_label: Label
    revocation: ListedRevocation | None
    nominee_count: int
    nominee_names: list[PersonName] = Field(
        max_length=NOMINEES_NAMED_MAX, description=f"Tên những người được khen đầu tiên (tối đa {NOMINEES_NAMED_MAX})"
    )
    collectives: int
    individuals: int
    total_prize_vnd: int
    recovery_due_vnd: int
    can_revoke: bool
    can_mark_recovered: bool

    @classmethod
    def of(cls, view: DecisionView) -> DecisionSummary:
        listed = view.model_dump(exclude={"nominees", "document", "awards", "approved_by"})
        return cls(
            **listed,
            awards=[ListedAward(code=a.code, name=a.name) for a in view.awards[:AWARDS_LISTED_MAX]],
            award_count=len(view.awards),
            nominee_count=len(view.nominees),
            nominee_names=[x.name for x in view.nominees[:NOMINEES_NAMED_MAX]],
        )


class DecisionPage(BaseModel):
    total: int
    items: list[DecisionSummary] = Field(max_length=DECISIONS_PAGE_MAX)
    next_cursor: Cursor | None = Field(default=None, description="Trang tiếp theo: gửi lại làm cursor; null khi đã hết")


class DocumentRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Name
    format: Literal["pdf", "xlsx", "html"] = "pdf"  # html: the printed page's <article>, from the same lines as the PDF


class CertificatesRequest(BaseModel):
    """The certificates (văn bằng) of a decision: every one, or the one of `nomination_id`, on A4 or A3 landscape."""

    model_config = ConfigDict(extra="forbid")

    id: Name
    nomination_id: Name | None = None
    paper: Literal["A4", "A3"] = "A4"


class DocumentFile(BaseModel):
    filename: str
    media_type: str
    content_base64: str


# The catalogue in force


class CatalogQuery(BaseModel):
    """The catalogues in force today; with `unit_code`, each award also named as the unit above that one at the award's
    level prints it (`issued_as`). Whatever else the caller sends is ignored, as always."""

    model_config = ConfigDict(extra="ignore")

    unit_code: Name | None = None


class CatalogVersion(BaseModel):
    catalog: Literal["union", "state"]
    name: str
    version: str
    effective_from: date


class CatalogTopic(BaseModel):
    code: str
    name: str


class CatalogAward(BaseModel):
    """An award of the catalogue as `shared.rules.catalog.Award` dumps it, then what the portal shows with it."""

    model_config = ConfigDict(extra="allow")

    code: str
    name: str
    description: str
    categories: list[str]
    nominee_kinds: list[NomineeKind]
    kind: str
    period_kind: str = "calendar_year"  # calendar_year "2025" | school_year "2024-2025" | term "2023-2028"
    scope: str | None
    topics: list[CatalogTopic]
    awarding_level: Level
    route: list[Level]
    decided_by: str
    documents: list[str]
    optional_documents: list[str]
    criteria_sets: list[str]
    criteria: list[dict[str, JsonValue]]
    quotas: list[dict[str, JsonValue]]
    council: dict[str, JsonValue] | None
    individual_coefficient: Decimal
    collective_coefficient: Decimal
    coefficient_source: str
    coefficient_confirmed: bool
    catalog: Literal["union", "state"] | None
    catalog_version: str
    outcome: DocumentKind  # a union award ends in a decision, a state title in a tờ trình
    submittable: bool
    awarding_level_name: str
    prize_kind: Literal["coefficient", "flat", "gift", "none"] = "coefficient"  # `prize_vnd`: money, or a gift's value
    prize_vnd: dict[NomineeKind, int]  # at today's base salary
    council_text: str
    declared_facts: dict[NomineeKind, list[str]]
    # The name as the unit that would issue it for `CatalogQuery.unit_code` prints it ("Giấy khen của Ban Chấp hành Công
    # đoàn phường Thanh Xuân"); `name` when no unit was asked about or none on its path issues at the award's level.
    issued_as: str = ""


class CatalogView(BaseModel):
    version: str  # the union catalogue's ("" when none is in force), as before the state catalogue existed
    effective_from: str
    catalogs: list[CatalogVersion]
    base_salary_vnd: int
    awards: list[CatalogAward]


# The grassroots register


class GrassrootsRow(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    award_code: Name = Field(min_length=1, max_length=64)
    nominee_kind: NomineeKind = "individual"
    nominee_name: Name = Field(min_length=2, max_length=200)
    decided_on: date
    decision_number: Name | None = Field(default=None, max_length=120)
    period: Name | None = Field(default=None, max_length=20)
    title: Name | None = Field(default=None, max_length=300, description="e.g. the innovation's name")
    entry_key: Name | None = Field(default=None, min_length=1, max_length=64)


class RecordGrassroots(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit_code: Name = Field(min_length=1, max_length=64)
    entries: list[GrassrootsRow] = Field(min_length=1, max_length=MAX_GRASSROOTS_ROWS)


class GrassrootsRecorded(BaseModel):
    recorded: int
    already_recorded: int  # rows whose entry the register already held
    rows: int


# Reports


class ReportQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit_code: Name | None = Field(default=None, max_length=64)
    year: int | None = Field(default=None, ge=1945, le=2100)
    date_from: date | None = None
    date_to: date | None = None
    award_code: Name | None = Field(default=None, max_length=64)
    level: Level | None = None
    sector: Literal["public_administration", "school", "enterprise", "unknown"] | None = None
    nominee_kind: NomineeKind | None = None
    period: Name | None = Field(default=None, max_length=20, description="kỳ xét as stored: 2025, 2024-2025, 2023-2028")

    @model_validator(mode="after")
    def _period(self) -> ReportQuery:
        if self.year is not None and (self.date_from or self.date_to):
            raise ValueError("Chọn năm hoặc khoảng ngày, không chọn cả hai")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("Ngày bắt đầu ở sau ngày kết thúc")
        return self

    def bounds(self) -> tuple[date | None, date | None]:
        if self.year is not None:
            return date(self.year, 1, 1), date(self.year, 12, 31)
        return self.date_from, self.date_to


# Each count below carries the same figures: entries, prize total (money; the value of gifts apart), individuals,
# collectives, entries by sector (public_administration, school, enterprise, unknown) and the sectors in words
# ("HCSN 75, trường học 446").


class ReportTotal(BaseModel):
    count: int
    prize_vnd: int
    gift_vnd: int = 0  # the value of gifts (tặng phẩm), apart from the money in prize_vnd
    individual: int
    collective: int
    by_sector: dict[str, int]
    sector_text: str
    headline: str  # "2.219 lượt khen thưởng (HCSN 75, …)"


class AwardCount(BaseModel):
    award_code: str
    award_name: str
    category: str | None
    level: str
    level_label: str
    count: int
    prize_vnd: int
    gift_vnd: int = 0  # the value of gifts (tặng phẩm), apart from the money in prize_vnd
    individual: int
    collective: int
    by_sector: dict[str, int]
    sector_text: str
    headline: str


class LevelCount(BaseModel):
    level: str
    label: str
    count: int
    prize_vnd: int
    gift_vnd: int = 0  # the value of gifts (tặng phẩm), apart from the money in prize_vnd
    individual: int
    collective: int
    by_sector: dict[str, int]
    sector_text: str


class SectorCount(BaseModel):
    sector: str
    label: str
    count: int
    prize_vnd: int
    gift_vnd: int = 0  # the value of gifts (tặng phẩm), apart from the money in prize_vnd
    individual: int
    collective: int
    by_sector: dict[str, int]
    sector_text: str


class YearCount(BaseModel):
    year: int
    count: int
    prize_vnd: int
    gift_vnd: int = 0  # the value of gifts (tặng phẩm), apart from the money in prize_vnd
    individual: int
    collective: int
    by_sector: dict[str, int]
    sector_text: str


class PeriodCount(BaseModel):
    """Entries of one kỳ xét: a year, a school year or a term (shared.rules.periods), in order."""

    period: str  # "" for entries recorded before reports kept the period
    label: str  # "Năm học 2024-2025"
    count: int
    prize_vnd: int
    individual: int
    collective: int
    by_sector: dict[str, int]
    sector_text: str


class UnitCount(BaseModel):
    """A unit directly below the report's unit (or the unit itself, for its own entries)."""

    code: str
    name: str
    count: int
    prize_vnd: int
    gift_vnd: int = 0  # the value of gifts (tặng phẩm), apart from the money in prize_vnd
    by_sector: dict[str, int]
    sector_text: str


class ReportView(BaseModel):
    unit_code: str
    date_from: date | None
    date_to: date | None
    narrowed_to_own_units: bool  # a unit below the asker's: only entries also under one of the asker's units
    total: ReportTotal
    by_award: list[AwardCount]
    by_level: list[LevelCount]
    by_sector: list[SectorCount]
    by_year: list[YearCount]
    by_period: list[PeriodCount]
    by_unit: list[UnitCount]


# Người ký văn bản: a unit's roster of signing officers


class SignersQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit_code: Name


class AddSigner(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit_code: Name
    full_name: Name = Field(max_length=200)
    position: Name = Field(max_length=100)
    valid_from: date
    valid_to: date | None = None
    username: Name | None = Field(default=None, max_length=64)


class EndSignerTerm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit_code: Name
    id: Name
    last_day: date | None = None  # None: today


class SignerView(BaseModel):
    id: str
    unit_code: str
    full_name: str
    position: str
    valid_from: date
    valid_to: date | None
    username: str | None
    in_force: bool  # on the day it was asked
    status_label: str  # "Đang ký" | "Chưa đến nhiệm kỳ" | "Đã hết nhiệm kỳ"


class SignerRoster(BaseModel):
    unit_code: str
    signers: list[SignerView]
    positions: list[str]  # the positions one may choose
    can_edit: bool  # whether the asking user may add or end a term
    warning: str = ""  # "Chưa có người ký trong danh sách" when no one is in force today


# Drafts waiting for their signing officer ("Chờ ký")

DraftStatus = Literal["awaiting_signature", "signed"]


class DraftQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    issuer: Name | None = None
    nomination_id: Name | None = Field(default=None, description="Chỉ dự thảo có hồ sơ này")
    status: DraftStatus = "awaiting_signature"
    limit: int = Field(default=50, ge=1, le=DRAFTS_PAGE_MAX)
    cursor: Cursor | None = None


class DraftById(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Name


class DraftNominee(BaseModel):
    nomination_id: str
    name: str
    kind: NomineeKind
    position: str
    unit_name: str
    award_code: str
    award_name: str
    period: str
    prize_vnd: int | None  # what signing today would grant; None: unknown (a tờ trình: 0)
    prize_label: str  # "710.000 đ", "Không kèm tiền thưởng", "Chưa xác định", "… (mức của đơn vị)"
    prize_needed: bool  # the catalogue knows no amount: the unit sets one (before the decision can be signed)


class SignedDocument(BaseModel):
    """What signing a draft issued: normally one decision or tờ trình (the draft's id), numbered and dated."""

    id: Short
    number_text: Label
    issued_at: IsoDateTime


class DraftSummary(BaseModel):
    id: Short
    kind: DocumentKind
    kind_label: Label
    issuer_code: Short
    issuer_name: Title
    award_code: Short
    award_name: Title
    decided_by: Title
    batch_id: Short | None
    proposal_id: Short | None = None  # a forwarding tờ trình's proposal (review: /to-trinh/{id})
    status: DraftStatus
    status_label: Label
    drafted_at: IsoDateTime
    approved_by: PersonName
    nominee_count: int
    nominee_names: list[PersonName] = Field(
        max_length=NOMINEES_NAMED_MAX, description=f"Tên những người được đề nghị đầu tiên (tối đa {NOMINEES_NAMED_MAX})"
    )
    signed: list[SignedDocument] = Field(max_length=4, description="Văn bản đã ban hành khi ký (thường là một)")
    signed_by: PersonName | None
    can_sign: bool  # whether the asking user is a signing officer of the issuer in force today
    prizes_missing: int = 0  # nominees whose prize nobody knows yet: signing waits for the unit to set them


class DraftView(DraftSummary):
    """A draft with every nominee it lists (the signer reads what they sign)."""

    nominees: list[DraftNominee]
    can_set_prizes: bool = False  # whether the asking user may set the unit's amounts (its approvers and signers)


class DraftPage(BaseModel):
    total: int
    items: list[DraftSummary] = Field(max_length=DRAFTS_PAGE_MAX)
    next_cursor: Cursor | None = Field(default=None, description="Trang tiếp theo: gửi lại làm cursor; null khi đã hết")


class SetDraftPrize(BaseModel):
    """The prize the unit grants a nominee whose award has no amount in the catalogue (its own quy chế decides)."""

    model_config = ConfigDict(extra="forbid")

    id: Name
    nomination_id: Name
    amount_vnd: int = Field(ge=1_000, le=10_000_000_000, description="Mức tiền thưởng, đồng")


class SignDraft(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Name


# Sổ văn bản đi: a unit's register of outgoing documents for a year, in number order


class OutgoingQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit_code: Name
    year: Year
    limit: int = Field(default=OUTGOING_PAGE_MAX, ge=1, le=OUTGOING_PAGE_MAX)
    cursor: Cursor | None = None


class OutgoingDocument(BaseModel):
    """One line of the register: number and symbol, date, kind, trích yếu, who signed, to whom, how many it lists."""

    id: Short
    number: int
    number_text: Label
    kind: DocumentKind
    kind_label: Label
    issued_at: IsoDateTime
    subject: Reason  # the trích yếu as the document prints it
    signed_by: PersonName
    addressee: Title  # a tờ trình's "Kính gửi" ("" for a decision)
    listed: int  # the people and collectives it lists
    status: IssueStatus
    status_label: Label


class OutgoingRegister(BaseModel):
    unit_code: Short
    unit_name: Title
    year: int
    total: int
    items: list[OutgoingDocument] = Field(max_length=OUTGOING_PAGE_MAX)
    next_cursor: Cursor | None = Field(default=None, description="Trang tiếp theo: gửi lại làm cursor; null khi đã hết")


class OutgoingWorkbook(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit_code: Name
    year: Year


LIST_DECISIONS = Operation(service=SERVICE, name="list_decisions", request=DecisionQuery, reply=DecisionPage)
GET_DECISION = Operation(service=SERVICE, name="get_decision", request=DecisionById, reply=DecisionView)
REVOKE = Operation(service=SERVICE, name="revoke", request=RevokeDecision, reply=DecisionView)
MARK_RECOVERED = Operation(service=SERVICE, name="mark_recovered", request=MarkRecovered, reply=DecisionView)
RECORD_STATE_OUTCOME = Operation(service=SERVICE, name="record_state_outcome", request=RecordStateOutcome, reply=DecisionView)
DECISION_DOCUMENT = Operation(service=SERVICE, name="decision_document", request=DocumentRequest, reply=DocumentFile)
CERTIFICATES = Operation(service=SERVICE, name="certificates", request=CertificatesRequest, reply=DocumentFile)
LIST_CATALOG = Operation(service=SERVICE, name="list_catalog", request=CatalogQuery, reply=CatalogView)
RECORD_GRASSROOTS = Operation(service=SERVICE, name="record_grassroots", request=RecordGrassroots, reply=GrassrootsRecorded)
REPORT = Operation(service=SERVICE, name="report", request=ReportQuery, reply=ReportView)
LIST_SIGNERS = Operation(service=SERVICE, name="list_signers", request=SignersQuery, reply=SignerRoster)
ADD_SIGNER = Operation(service=SERVICE, name="add_signer", request=AddSigner, reply=SignerRoster)
END_SIGNER_TERM = Operation(service=SERVICE, name="end_signer_term", request=EndSignerTerm, reply=SignerRoster)
LIST_DRAFTS = Operation(service=SERVICE, name="list_drafts", request=DraftQuery, reply=DraftPage)
GET_DRAFT = Operation(service=SERVICE, name="get_draft", request=DraftById, reply=DraftView)
SIGN_DRAFT = Operation(service=SERVICE, name="sign_draft", request=SignDraft, reply=DraftView)
SET_DRAFT_PRIZE = Operation(service=SERVICE, name="set_draft_prize", request=SetDraftPrize, reply=DraftView)
OUTGOING_REGISTER = Operation(service=SERVICE, name="outgoing_register", request=OutgoingQuery, reply=OutgoingRegister)
OUTGOING_WORKBOOK = Operation(service=SERVICE, name="outgoing_workbook", request=OutgoingWorkbook, reply=DocumentFile)
