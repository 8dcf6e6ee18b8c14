"""Command bodies: what a person sends, validated the same in the portal and in the owning service.

What a person types is `Name` (one line) or `Text` (several lines): control characters are refused here, where the
text comes in, and not in the models that read stored history back (events, snapshots, stored campaigns)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.contracts.events import CouncilVote, Nominee
from shared.contracts.values import CouncilKind, CouncilRole, Level, Name, RowId, Text


class CampaignTarget(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    award_code: str = Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")
    quota: int = Field(ge=1, le=1_000_000)
    # Optional headroom of each proposing unit (the nominating CĐCS's superior at `proposing_level`) within the quota.
    per_unit_quota: int | None = Field(default=None, ge=1, le=1_000_000)
    proposing_level: Level = "district"


class Campaign(BaseModel):
    """A campaign as registration stores it (and `data/campaigns.toml` seeds it)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(min_length=3, max_length=64, pattern=r"^[A-Z0-9][A-Z0-9-]*$")
    name: str = Field(min_length=3, max_length=300)
    plan_ref: str = Field(min_length=1, max_length=100, description="Số kế hoạch phát động, ví dụ 80/KH-LĐLĐ")
    launching_unit_code: str = Field(min_length=1, max_length=64)
    starts_on: date
    ends_on: date
    topic: str | None = Field(default=None, max_length=200)
    source: str = Field(default="", max_length=2000)
    targets: list[CampaignTarget] = Field(min_length=1)

    @model_validator(mode="after")
    def _window_and_targets(self) -> Campaign:
        if self.ends_on < self.starts_on:
            raise ValueError("ngày kết thúc trước ngày bắt đầu")
        codes = [t.award_code for t in self.targets]
        if len(set(codes)) != len(codes):
            raise ValueError("mỗi hình thức khen thưởng chỉ một chỉ tiêu")
        return self

    def target(self, award_code: str) -> CampaignTarget | None:
        return next((t for t in self.targets if t.award_code == award_code), None)

    def open_on(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on

    @property
    def window_vi(self) -> str:
        return f"từ {self.starts_on:%d/%m/%Y} đến {self.ends_on:%d/%m/%Y}"


class PledgeTarget(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    award_code: str = Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")
    count: int = Field(ge=1, le=100_000, description="Số cá nhân, tập thể đăng ký phấn đấu đạt")


TaskId = Annotated[Name, Field(min_length=1, max_length=64)]
MAX_VND = 10**15  # a sum of money in đồng: far beyond any prize or benefit, within every integer column
MAX_CHANGES = 2000  # changes of one kind in one reorganisation of the unit tree


class CommandBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class StagedAttachment(CommandBody):
    """A file uploaded with POST /api/v1/attachments, named for one document of the dossier."""

    document_type: str = Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$", description="Mã loại tài liệu")
    staged_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$", description="Mã tệp đã tải lên")


class NomineeEntry(Nominee):
    """The nominee as a submitter declares them: the name and position as typed, with no control character."""

    name: Name = Field(min_length=2, max_length=200)
    position: Name | None = Field(default=None, max_length=200)
    innovation_benefit_vnd: int | None = Field(
        default=None, ge=0, le=MAX_VND, description="Giá trị làm lợi của một giải pháp (đồng)"
    )
    innovation_benefit_cumulative_vnd: int | None = Field(
        default=None, ge=0, le=MAX_VND, description="Tổng làm lợi các năm liên tục (đồng)"
    )


class NominationDraft(CommandBody):
    unit_code: Name = Field(min_length=1, max_length=64, description="Mã công đoàn cơ sở nộp hồ sơ")
    award_code: Name = Field(min_length=1, max_length=64, description="Mã hình thức khen thưởng trong danh mục")
    period: Name = Field(min_length=1, max_length=20, description="Kỳ xét, ví dụ 2025")
    nominee: NomineeEntry
    achievements: Text = Field(min_length=1, max_length=10_000, description="Tóm tắt thành tích")
    council_vote: CouncilVote | None = None
    campaign_code: Name | None = Field(default=None, max_length=64, description="Mã đợt thi đua (nếu đề nghị theo đợt)")
    topic: Name | None = Field(default=None, max_length=64, description="Mã chuyên đề (hình thức khen theo chuyên đề)")
    attachments: list[StagedAttachment] = Field(default_factory=list, max_length=100, description="Tài liệu kèm hồ sơ")


class NominationEdit(CommandBody):
    period: Name | None = Field(default=None, min_length=1, max_length=20)
    nominee: NomineeEntry | None = None
    achievements: Text | None = Field(default=None, min_length=1, max_length=10_000)
    council_vote: CouncilVote | None = None
    attachments: list[StagedAttachment] = Field(default_factory=list, max_length=100, description="Tài liệu thêm vào")
    remove_attachments: list[Annotated[Name, Field(max_length=64)]] = Field(
        default_factory=list, max_length=100, description="Mã các tài liệu bỏ đi"
    )
    comment: Text = Field(default="", max_length=2000)


class Withdrawal(CommandBody):
    reason: Text = Field(default="", max_length=2000)


class TaskDecision(CommandBody):
    action: Literal["approve", "return", "reject"]
    comment: Text = Field(default="", max_length=4000)


class NomineeVote(CommandBody):
    task_id: Name = Field(min_length=1, max_length=36)
    votes_for: int = Field(ge=0, le=200, description="Số phiếu đồng ý")
    votes_against: int = Field(default=0, ge=0, le=200, description="Số phiếu không đồng ý")


class CouncilMeeting(CommandBody):
    """One meeting of a unit's Hội đồng Thi đua – Khen thưởng and its vote on each nominee (task) it judged."""

    held_on: date = Field(description="Ngày họp")
    council_id: Name | None = Field(
        default=None, max_length=36, description="Hội đồng của đơn vị đã họp: số thành viên, số có mặt lấy từ danh sách"
    )
    present_member_ids: list[Annotated[Name, Field(max_length=36)]] | None = Field(
        default=None, max_length=200, description="Thành viên có mặt (mã thành viên trong danh sách hội đồng)"
    )
    members: int | None = Field(default=None, ge=1, le=200, description="Tổng số thành viên (khi đơn vị chưa có danh sách)")
    present: int | None = Field(default=None, ge=0, le=200, description="Số có mặt (khi đơn vị chưa có danh sách)")
    secret_ballot: bool = Field(default=False, description="Bỏ phiếu kín")
    chair: Name | None = Field(default=None, max_length=200, description="Chủ trì")
    note: Text | None = Field(default=None, max_length=4000)
    votes: list[NomineeVote] = Field(min_length=1, max_length=500)


class CouncilMemberInput(CommandBody):
    """One member of a standing council: name, chức vụ, role in the council and term (both days served)."""

    full_name: Name = Field(min_length=2, max_length=200, description="Họ và tên")
    title: Name = Field(default="", max_length=300, description="Chức vụ, đơn vị công tác")
    role: CouncilRole = Field(default="member", description="Vai trò trong hội đồng")
    term_from: date | None = Field(default=None, description="Bắt đầu tham gia")
    term_to: date | None = Field(default=None, description="Ngày cuối tham gia (trống: đang tham gia)")

    @model_validator(mode="after")
    def _term(self) -> CouncilMemberInput:
        if self.term_from and self.term_to and self.term_to < self.term_from:
            raise ValueError("Ngày cuối tham gia ở trước ngày bắt đầu")
        return self


class NewStandingCouncil(CommandBody):
    """A unit's standing council as its founding decision ("Quyết định thành lập") sets it up."""

    unit_code: Name = Field(min_length=1, max_length=64)
    kind: CouncilKind = Field(description="tdkt: Hội đồng TĐKT; bch_cdcs: Ban Chấp hành CĐCS; joint: liên tịch với NSDLĐ")
    name: Name = Field(default="", max_length=300, description="Tên hội đồng (trống: theo loại)")
    decision_number: Name = Field(min_length=1, max_length=120, description="Số quyết định thành lập")
    decision_date: date = Field(description="Ngày quyết định")
    decision_signer: Name = Field(min_length=2, max_length=200, description="Người ký quyết định")
    members: list[CouncilMemberInput] = Field(min_length=1, max_length=200)


class AddCouncilMember(CouncilMemberInput):
    council_id: Name = Field(min_length=1, max_length=36)


class EndCouncilMember(CommandBody):
    council_id: Name = Field(min_length=1, max_length=36)
    member_id: Name = Field(min_length=1, max_length=36)
    term_to: date = Field(description="Ngày cuối tham gia")


class BatchSelection(CommandBody):
    """Tasks of one unit's queue decided together."""

    task_ids: list[TaskId] = Field(min_length=1, max_length=500, description="Các nhiệm vụ được chọn")
    comment: Text = Field(default="", max_length=4000)


class BatchForward(BatchSelection):
    """Forward several tasks of one unit's queue to the unit above, with one tờ trình listing them.
    At most 200: the letter's PDF is rendered on request in about 1 s per 100 nominees."""

    unit_code: Name = Field(min_length=1, max_length=64)
    task_ids: list[TaskId] = Field(min_length=1, max_length=200, description="Các nhiệm vụ được chọn (tối đa 200)")


class BatchApprove(BatchSelection):
    """Approve several tasks at the awarding level together: one decision lists them."""

    unit_code: Name = Field(min_length=1, max_length=64)


class Reassignment(CommandBody):
    assignee_username: Name = Field(min_length=1, max_length=64)


class Urge(CommandBody):
    """A superior alerted to a task overdue at a unit below it urges that unit (đôn đốc)."""

    message: Text = Field(max_length=2000, description="Nội dung đôn đốc gửi đơn vị cấp dưới (ít nhất 5 ký tự)")


class SetDueDate(CommandBody):
    """A superior alerted to a task overdue at a unit below it gives that unit a new due date, with its reason."""

    due_on: date = Field(description="Hạn mới (ngày, hết ngày theo giờ Việt Nam)")
    reason: Text = Field(max_length=2000, description="Lý do đặt hạn mới (ít nhất 5 ký tự)")


class ReceiveDirectly(CommandBody):
    """The direct superior receives an overdue dossier at its own level ("xét vượt cấp"), where the award's route passes
    through it anyway."""

    comment: Text = Field(default="", max_length=2000, description="Ghi chú (không bắt buộc)")


class NotificationsRead(CommandBody):
    ids: list[RowId] | None = Field(default=None, max_length=1000, description="Các thông báo đã đọc; bỏ trống: tất cả")


UnitCode = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Z0-9][A-Z0-9-]*$")]


class NewUnit(CommandBody):
    code: UnitCode
    name: Name = Field(min_length=2, max_length=300)
    short_name: Name = Field(min_length=2, max_length=200)
    level: Level = "district"
    parent: UnitCode
    decision_suffix: Name | None = Field(default=None, max_length=40)
    sector: Name | None = Field(default=None, max_length=40)


class MoveOrder(CommandBody):
    unit: UnitCode
    to: UnitCode


class RenameOrder(CommandBody):
    unit: UnitCode
    name: Name = Field(min_length=2, max_length=300)
    short_name: Name = Field(min_length=2, max_length=200)
    decision_suffix: Name | None = Field(default=None, max_length=40)


class MergeOrder(CommandBody):
    units: list[UnitCode] = Field(min_length=2, max_length=MAX_CHANGES)
    into: UnitCode


class Reorganisation(CommandBody):
    """A reorganisation file (`shared/data/reorganisations/*.toml`): every change to the tree from one date."""

    id: str = Field(min_length=3, max_length=100, pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: Name = Field(min_length=3, max_length=300)
    effective_on: date
    source: Text = Field(default="", max_length=2000)
    close: list[UnitCode] = Field(default=[], max_length=MAX_CHANGES)
    create: list[NewUnit] = Field(default=[], max_length=MAX_CHANGES)
    move: list[MoveOrder] = Field(default=[], max_length=MAX_CHANGES)
    rename: list[RenameOrder] = Field(default=[], max_length=MAX_CHANGES)
    merge: list[MergeOrder] = Field(default=[], max_length=MAX_CHANGES)


# Emulation: campaigns, pledges, clusters (registration owns them)


class NewCampaign(Campaign, CommandBody):
    """A campaign a launching unit's approver creates: code, name, plan, window, target awards with quotas."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    # As `Campaign` has them, typed text (a stored campaign is read back as a `Campaign`, unchecked).
    name: Name = Field(min_length=3, max_length=300)
    plan_ref: Name = Field(min_length=1, max_length=100, description="Số kế hoạch phát động, ví dụ 80/KH-LĐLĐ")
    launching_unit_code: Name = Field(min_length=1, max_length=64)
    topic: Name | None = Field(default=None, max_length=200)
    source: Text = Field(default="", max_length=2000)
    targets: list[CampaignTarget] = Field(min_length=1, max_length=100)


# A pledge names each award of the catalogue in force at most once (the union's lists 14): the bound keeps a page of
# pledges within one message (shared.contracts.paging).
PLEDGE_TARGETS_MAX = 20


class PledgeRegistration(CommandBody):
    unit_code: Name = Field(min_length=1, max_length=64, description="Mã công đoàn cơ sở đăng ký")
    year: int = Field(ge=2000, le=2100, description="Năm giao ước thi đua")
    targets: list[PledgeTarget] = Field(
        min_length=1, max_length=PLEDGE_TARGETS_MAX, description="Danh hiệu đăng ký phấn đấu và số lượng (mỗi danh hiệu một dòng)"
    )
    note: Text = Field(default="", max_length=4000, description="Nội dung giao ước, chỉ tiêu khác")


class PledgeDecision(CommandBody):
    action: Literal["confirm", "return"]
    reason: Text = Field(default="", max_length=2000, description="Lý do trả lại (bắt buộc khi trả lại)")


class NewCluster(CommandBody):
    code: UnitCode
    name: Name = Field(min_length=3, max_length=300)
    parent_unit_code: UnitCode = Field(description="Đơn vị cấp trên tổ chức cụm; cụm toàn quốc: TLD")
    members: list[UnitCode] = Field(min_length=2, max_length=500)
    valid_from: date
    valid_to: date | None = None


class ClusterVoteRecord(CommandBody):
    year: int = Field(ge=2000, le=2100)
    leaders: list[UnitCode] = Field(min_length=1, max_length=50, description="Đơn vị được suy tôn dẫn đầu cụm")
    note: Text = Field(default="", max_length=2000, description="Biên bản bình xét, suy tôn")
