"""What checking a signed PDF found (`POST /api/v1/documents/verify`, the public page `/xac-thuc`, `thidua verify`):
who signed, when, whether the signed bytes are intact, whether anything was added afterwards, and whether the chain
leads to a trusted root. The report only; the checking, with pyHanko, is shared.platform.pdfsigning.verification."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ProblemCode = Literal[
    "not_a_pdf",
    "unreadable",
    "encrypted",
    "not_signed",
    "altered",
    "signature_invalid",
    "modified_after_signing",
    "untrusted",
]
UNREADABLE: frozenset[str] = frozenset({"not_a_pdf", "unreadable", "encrypted"})
MESSAGES: dict[str, str] = {
    "not_a_pdf": "Tệp không phải là văn bản PDF.",
    "unreadable": "Không đọc được tệp PDF (tệp bị hỏng hoặc không đầy đủ).",
    "encrypted": "Tệp PDF có mật khẩu, không kiểm tra được chữ ký.",
    "not_signed": "Văn bản không có chữ ký số.",
    "altered": "Nội dung văn bản đã bị thay đổi sau khi ký: chữ ký không còn khớp với văn bản.",
    "signature_invalid": "Chữ ký số không hợp lệ (không khớp với chứng thư của người ký).",
    "modified_after_signing": "Văn bản đã được thêm hoặc sửa nội dung sau khi ký.",
    "untrusted": "Chứng thư của người ký không do tổ chức chứng thực tin cậy cấp (hoặc đã hết hạn, bị thu hồi).",
}
# PAdES baseline levels as the file shows them: a timestamp (B-T), and the validation info in the document (B-LT).
Level = Literal["B-B", "B-T", "B-LT"]
Coverage = Literal["entire_file", "entire_revision", "partial", "unclear"]
Modifications = Literal["none", "validation_info", "form_filling", "annotations", "other"]


class Problem(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: ProblemCode
    message: str = Field(description="Tiếng Việt, cho người đọc")
    signature: str | None = Field(default=None, description="Tên trường chữ ký mà vấn đề thuộc về")

    @classmethod
    def of(cls, code: ProblemCode, signature: str | None = None, detail: str = "") -> Problem:
        return cls(code=code, message=MESSAGES[code] + (f" {detail}" if detail else ""), signature=signature)


class SignatureCheck(BaseModel):
    """One signature of the file, as checked."""

    model_config = ConfigDict(frozen=True)

    field_name: str
    intact: bool = Field(description="Các byte đã ký không bị thay đổi")
    valid: bool = Field(description="Chữ ký khớp với chứng thư của người ký")
    coverage: Coverage
    modifications: Modifications = Field(description="Những gì được thêm vào sau khi ký")
    covers_whole_file: bool = Field(description="Không có gì được thêm sau khi ký, ngoài thông tin xác minh")
    signer_common_name: str | None = None
    signer_organisation: str | None = None
    signer_unit_code: str | None = Field(default=None, description="Mã đơn vị (OU của chứng thư)")
    signer_name: str | None = Field(default=None, description="Người ký ghi trong chữ ký")
    reason: str | None = None
    location: str | None = None
    signed_at: datetime | None = Field(default=None, description="Thời điểm ký do người ký khai")
    timestamp: datetime | None = Field(default=None, description="Dấu thời gian của tổ chức cấp dấu thời gian")
    timestamp_trusted: bool | None = Field(
        default=None, description="Tổ chức cấp dấu thời gian thuộc danh sách tin cậy (None: không có dấu thời gian)"
    )
    level: Level = Field(
        default="B-B", description="Mức PAdES: B-B không có dấu thời gian (thời điểm do người ký tự khai), B-T, B-LT"
    )
    trusted: bool
    trust_root: str | None = Field(default=None, description="Tổ chức chứng thực gốc của chuỗi chứng thư")
    demo_ca: bool = Field(description="Chứng thư do CA demo cấp (không có giá trị pháp lý)")
    problems: list[Problem] = []


class Verification(BaseModel):
    """What a signed PDF says about itself, checked against the trusted roots."""

    model_config = ConfigDict(frozen=True)

    readable: bool
    signed: bool
    valid: bool = Field(description="Có chữ ký, mọi chữ ký nguyên vẹn, hợp lệ, tin cậy và không có gì thêm sau khi ký")
    signatures: list[SignatureCheck] = []
    problems: list[Problem] = Field(default=[], description="Mọi vấn đề, của tệp và của từng chữ ký")

    @classmethod
    def refused(cls, code: ProblemCode, detail: str = "") -> Verification:
        return cls(readable=code not in UNREADABLE, signed=False, valid=False, problems=[Problem.of(code, detail=detail)])
