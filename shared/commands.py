"""Command bodies: what a person sends, validated the same in the portal and in the owning service."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts import CouncilVote, Nominee


class CommandBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class NominationDraft(CommandBody):
    unit_code: str = Field(min_length=1, max_length=64, description="Mã công đoàn cơ sở nộp hồ sơ")
    award_code: str = Field(min_length=1, max_length=64, description="Mã hình thức khen thưởng trong danh mục")
    period: str = Field(min_length=1, max_length=20, description="Kỳ xét, ví dụ 2025")
    nominee: Nominee
    achievements: str = Field(min_length=1, max_length=10_000, description="Tóm tắt thành tích")
    council_vote: CouncilVote | None = None


class NominationEdit(CommandBody):
    period: str | None = Field(default=None, min_length=1, max_length=20)
    nominee: Nominee | None = None
    achievements: str | None = Field(default=None, min_length=1, max_length=10_000)
    council_vote: CouncilVote | None = None
    comment: str = Field(default="", max_length=2000)


class Withdrawal(CommandBody):
    reason: str = Field(default="", max_length=2000)


class TaskDecision(CommandBody):
    action: Literal["approve", "return", "reject"]
    comment: str = Field(default="", max_length=4000)


class Reassignment(CommandBody):
    assignee_username: str = Field(min_length=1, max_length=64)


class SendBack(CommandBody):
    """An approver of the unit an overdue task escalated to returns it to the task's own unit."""

    due_on: date = Field(description="Hạn mới (ngày, hết ngày theo giờ Việt Nam)")
    comment: str = Field(min_length=1, max_length=2000, description="Yêu cầu gửi cấp dưới")


class NotificationsRead(CommandBody):
    ids: list[int] | None = Field(default=None, description="Các thông báo đã đọc; bỏ trống: tất cả")
