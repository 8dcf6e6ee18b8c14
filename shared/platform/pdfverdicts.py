"""A verification in plain Vietnamese, the same words for `thidua verify` and the portal's page `/xac-thuc`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from shared.contracts.values import VIETNAM_TZ
from shared.contracts.verification import SignatureCheck, Verification

LEVELS = {
    "B-LT": "PAdES B-LT: có dấu thời gian và thông tin xác minh chứng thư trong văn bản",
    "B-T": "PAdES B-T: có dấu thời gian của tổ chức cấp dấu thời gian",
    "B-B": "PAdES B-B: không có dấu thời gian; thời điểm ký do máy của người ký tự ghi, không được bên thứ ba xác nhận",
}
DEMO_NOTE = "chứng thư của CA demo – chỉ dùng thử, không có giá trị pháp lý"
# The headline names the gravest problem: a changed text before an unknown signer, before a missing signature.
HEADLINES: tuple[tuple[str, str], ...] = (
    ("not_a_pdf", "Tệp không phải là văn bản PDF"),
    ("unreadable", "Không đọc được tệp PDF"),
    ("encrypted", "Tệp PDF có mật khẩu, không kiểm tra được"),
    ("not_signed", "Văn bản không có chữ ký số"),
    ("altered", "Văn bản đã bị thay đổi sau khi ký"),
    ("signature_invalid", "Chữ ký số không hợp lệ"),
    ("modified_after_signing", "Văn bản đã bị thay đổi sau khi ký"),
    ("untrusted", "Chữ ký không do tổ chức chứng thực tin cậy cấp"),
)


@dataclass(frozen=True)
class Verdict:
    tone: Literal["ok", "bad"]
    headline: str


def verdict(verification: Verification) -> Verdict:
    if verification.valid:
        return Verdict("ok", "Văn bản hợp lệ")
    codes = {p.code for p in verification.problems}
    return Verdict("bad", next((text for code, text in HEADLINES if code in codes), "Văn bản không hợp lệ"))


def vietnam_time(moment: datetime) -> str:
    return moment.astimezone(VIETNAM_TZ).strftime("%d/%m/%Y %H:%M:%S") + " (giờ Việt Nam)"


def details(check: SignatureCheck) -> list[tuple[str, str]]:
    """The signature as label and value lines, in the order a person reads them."""
    lines: list[tuple[str, str]] = []
    unit = check.signer_organisation or check.signer_common_name or "(không rõ)"
    lines.append(("Đơn vị ký", f"{unit} (mã {check.signer_unit_code})" if check.signer_unit_code else unit))
    if check.signer_name:
        lines.append(("Người ký", check.signer_name))
    if check.signed_at is not None:
        claimed = "" if check.timestamp is not None else " (do người ký tự khai)"
        lines.append(("Thời điểm ký", vietnam_time(check.signed_at) + claimed))
    if check.timestamp is not None:
        unverified = "" if check.timestamp_trusted else " (tổ chức cấp dấu thời gian không thuộc danh sách tin cậy)"
        lines.append(("Dấu thời gian", vietnam_time(check.timestamp) + unverified))
    lines.append(("Mức chữ ký", LEVELS[check.level]))
    if check.reason:
        lines.append(("Lý do ký", check.reason))
    if check.location:
        lines.append(("Nơi ký", check.location))
    lines.append(("Nội dung", "nguyên vẹn, đúng như khi ký" if check.intact else "đã bị thay đổi sau khi ký"))
    if check.intact:
        whole = "không có gì thêm sau khi ký" + (" (ngoài thông tin xác minh chữ ký)" if check.modifications != "none" else "")
        lines.append(("Phạm vi", whole if check.covers_whole_file else "có nội dung được thêm hoặc sửa sau khi ký"))
    if check.trusted:
        trust = f"tin cậy (tổ chức chứng thực gốc: {check.trust_root})"
    elif check.intact and check.valid:
        trust = "không tin cậy: không do tổ chức chứng thực nào được tin cậy cấp"
    else:
        trust = "không kiểm tra được vì chữ ký không khớp với văn bản"
    lines.append(("Chứng thư", trust + (f"; {DEMO_NOTE}" if check.demo_ca else "")))
    return lines
