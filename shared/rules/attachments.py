"""Dossier attachments: what a file is (by its content, not its name), the limits, and the award's required documents.

Pure rules shared by the portal (which refuses early) and registration (which decides): no I/O here. The limits and
whether required documents are enforced are dated configuration in `shared/data/attachments.toml`.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.errors import FieldError, ValidationFailed
from shared.rules.catalog import Award, Catalog
from shared.rules.dated import require_in_force

if TYPE_CHECKING:
    from shared.rules import file_content

RULES_FILE = Path(__file__).resolve().parents[1] / "data" / "attachments.toml"

# JetStream Object Store buckets: the portal's short-lived staging area, and registration's own store.
STAGING_TTL_SECONDS = 6 * 3600
# Object headers the portal writes on a staged upload (registration checks them before taking the file).
UPLOADED_BY_HEADER = "Thidua-Uploaded-By"
FILENAME_HEADER = "Thidua-Filename"

FileKind = Literal["pdf", "jpeg", "png", "docx", "xlsx"]
MEDIA_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
EXTENSIONS: dict[str, tuple[str, ...]] = {
    "pdf": (".pdf",),
    "jpeg": (".jpg", ".jpeg"),
    "png": (".png",),
    "docx": (".docx",),
    "xlsx": (".xlsx",),
}
KIND_NAMES_VI: dict[str, str] = {
    "pdf": "PDF",
    "jpeg": "ảnh JPEG",
    "png": "ảnh PNG",
    "docx": "Word (.docx)",
    "xlsx": "Excel (.xlsx)",
}
# Programs and scripts by their name, whatever their content (by content: shared/rules/file_content.py).
_EXECUTABLE_EXTENSIONS = frozenset(
    {".exe", ".dll", ".com", ".bat", ".cmd", ".msi", ".scr", ".ps1", ".vbs", ".js", ".jse", ".wsf", ".jar", ".sh", ".bin"}
    | {".elf", ".app", ".apk", ".dmg", ".py", ".pl"}
)
MAX_FILENAME = 200


class AttachmentRules(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    effective_from: date
    max_file_bytes: int = Field(gt=0)
    max_files: int = Field(gt=0)
    max_total_bytes: int = Field(gt=0)
    allowed_types: tuple[FileKind, ...] = Field(min_length=1)
    require_documents: bool
    source: str = Field(min_length=1)
    confirmed: bool = True


class _RulesFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    rules: list[AttachmentRules] = Field(min_length=1)


@cache
def _load(path: Path) -> _RulesFile:
    with path.open("rb") as f:
        return _RulesFile.model_validate(tomllib.load(f))


def rules_on(on: date, path: Path = RULES_FILE) -> AttachmentRules:
    """The attachment rules of a file (default: the shipped one) in force on `on`: the latest entry already started."""
    return require_in_force(_load(path).rules, on, "attachment rules")


# What a file is


def sniff(data: bytes) -> FileKind | Literal["executable"] | None:
    """The file's type from its content (filetype, and oletools' ftguess for Office containers); None when not one we
    take. Only the type: `check_file` also reads the file for what it must not carry."""
    from shared.rules import file_content  # the parsers (pypdf, oletools…) load with the first file, not the rules

    return file_content.detect(data)


# Why the parsers refused a file: (code, message), the message naming the file.
_REFUSALS: dict[file_content.Reason, tuple[str, str]] = {
    "executable": ("attachment_executable", "Tệp “{name}” là chương trình hoặc có macro: không được đính kèm"),
    "active_content": (
        "attachment_active_content",
        "Tệp “{name}” chứa nội dung tự thực thi (mã JavaScript, lệnh tự chạy khi mở, hoặc liên kết nạp nội dung từ "
        "bên ngoài): không được đính kèm. Hãy lưu lại thành tệp thông thường rồi tải lên (chi tiết: {finding})",
    ),
    "embedded_file": (
        "attachment_embedded_file",
        "Tệp “{name}” có tệp hoặc đối tượng nhúng bên trong: không được đính kèm. Hãy gỡ phần nhúng hoặc in lại "
        "thành PDF rồi tải lên (chi tiết: {finding})",
    ),
    "polyglot": (
        "attachment_polyglot",
        "Tệp “{name}” vừa là {kind} vừa mang nội dung của định dạng khác ({finding}): không được đính kèm",
    ),
    "encrypted": (
        "attachment_encrypted",
        "Tệp “{name}” được đặt mật khẩu nên không kiểm tra được nội dung: hãy bỏ mật khẩu rồi tải lên lại",
    ),
    "corrupt": (
        "attachment_corrupt",
        "Tệp “{name}” bị hỏng hoặc không đọc được như một tệp {kind} hợp lệ: hãy lưu lại tệp rồi tải lên lại",
    ),
}


def _inspect(name: str, data: bytes, kind: FileKind | None, field: str) -> None:
    """The parsers' reading of the file (shared/rules/file_content.py); a 422 on `field` with the refusal's code."""
    from shared.rules import file_content

    try:
        file_content.inspect(data, kind)
    except file_content.Refused as refused:
        code, message = _REFUSALS[refused.reason]
        kind_vi = KIND_NAMES_VI[kind] if kind else "Office"
        finding = "".join(ch for ch in refused.finding if ch.isprintable())[:160]  # may quote the file's own text
        raise ValidationFailed.on(field, message.format(name=name, kind=kind_vi, finding=finding), code=code) from None


def clean_filename(name: str) -> str:
    """The file's own name, without a path, control characters or surrounding spaces."""
    base = PurePosixPath(name.replace("\\", "/")).name
    return "".join(ch for ch in base if ch.isprintable()).strip()[:MAX_FILENAME]


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    kind: FileKind
    media_type: str
    size: int
    sha256: str


def check_file(filename: str, data: bytes, rules: AttachmentRules, *, field: str = "file") -> CheckedFile:
    """A file we take, or a 422 on `field` with a stable code: too large, empty, not an allowed type, a program, a name
    whose extension says another type than the content; then, read by its parser: macros, active content, embedded
    files, a polyglot, a password, or a damaged file. CPU-bound for large files (see `file_content`): async callers run
    it in a worker thread."""
    name = clean_filename(filename)
    extension = PurePosixPath(name.lower()).suffix
    if not name:
        raise ValidationFailed.on(field, "Tệp cần có tên", code="attachment_filename_missing")
    if len(data) == 0:
        raise ValidationFailed.on(field, f"Tệp “{name}” rỗng", code="attachment_empty")
    if len(data) > rules.max_file_bytes:
        raise ValidationFailed.on(
            field,
            f"Tệp “{name}” có dung lượng {format_size(len(data))}, vượt giới hạn {format_size(rules.max_file_bytes)} mỗi tệp",
            code="attachment_too_large",
        )
    kind = sniff(data)
    if kind == "executable" or extension in _EXECUTABLE_EXTENSIONS:
        raise ValidationFailed.on(
            field, f"Tệp “{name}” là chương trình hoặc có macro: không được đính kèm", code="attachment_executable"
        )
    if kind is None:
        _inspect(name, data, None, field)  # an Office file we do not take still says so when it has macros or a password
    allowed = ", ".join(KIND_NAMES_VI[k] for k in rules.allowed_types)
    if kind is None or kind not in rules.allowed_types:
        raise ValidationFailed.on(
            field, f"Tệp “{name}” không thuộc định dạng được nhận ({allowed})", code="attachment_type_not_allowed"
        )
    _inspect(name, data, kind, field)  # what it carries before what it is called: macros in a .docm say "macros"
    if extension not in EXTENSIONS[kind]:
        raise ValidationFailed.on(
            field,
            f"Tệp “{name}” có nội dung {KIND_NAMES_VI[kind]} nhưng phần mở rộng “{extension or '(không có)'}” "
            f"không khớp (cần {' hoặc '.join(EXTENSIONS[kind])})",
            code="attachment_extension_mismatch",
        )
    return CheckedFile(
        filename=name, kind=kind, media_type=MEDIA_TYPES[kind], size=len(data), sha256=hashlib.sha256(data).hexdigest()
    )


def check_totals(sizes: Sequence[int], rules: AttachmentRules) -> None:
    """The nomination's files together, after the change: at most `max_files` and `max_total_bytes`."""
    if len(sizes) > rules.max_files:
        raise ValidationFailed.on(
            "attachments", f"Hồ sơ có {len(sizes)} tệp, tối đa {rules.max_files} tệp", code="too_many_attachments"
        )
    total = sum(sizes)
    if total > rules.max_total_bytes:
        raise ValidationFailed.on(
            "attachments",
            f"Tổng dung lượng tệp của hồ sơ {format_size(total)}, vượt giới hạn {format_size(rules.max_total_bytes)}",
            code="attachments_too_large",
        )


# The award's documents


def required_documents(award: Award) -> list[str]:
    """The award's documents that a dossier must carry: all of `documents` except those marked optional."""
    return [d for d in award.documents if d not in award.optional_documents]


def missing_documents(award: Award, present: Iterable[str]) -> list[str]:
    have = set(present)
    return [d for d in required_documents(award) if d not in have]


def check_document_types(award: Award, document_types: Iterable[str], name_of: dict[str, str]) -> None:
    """Every attachment belongs to one of the award's documents."""
    unknown = sorted({d for d in document_types if d not in award.documents})
    if unknown:
        raise ValidationFailed(
            "Loại tài liệu không thuộc hồ sơ của hình thức khen thưởng này",
            fields=[
                FieldError(field=f"attachments.{d}", message=f"“{name_of.get(d, d)}” không thuộc hồ sơ {award.name}")
                for d in unknown
            ],
            code="attachment_document_type_unknown",
        )


def require_documents(award: Award, present: Iterable[str], rules: AttachmentRules, name_of: dict[str, str]) -> list[str]:
    """The required documents missing; a 422 naming each on `attachments.<type>` when the rules in force enforce them."""
    missing = missing_documents(award, present)
    if missing and rules.require_documents:
        raise ValidationFailed(
            "Hồ sơ thiếu tài liệu bắt buộc: " + ", ".join(name_of.get(d, d) for d in missing),
            fields=[
                FieldError(field=f"attachments.{d}", message=f"Thiếu tài liệu bắt buộc: {name_of.get(d, d)}") for d in missing
            ],
            code="missing_documents",
        )
    return missing


def format_size(size: int) -> str:
    """Bytes as a person reads them, Vietnamese decimal comma: '1,5 MB', '820 KB', '12 B'."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB".replace(".", ",")
    if size >= 1024:
        return f"{round(size / 1024)} KB"
    return f"{size} B"


def document_names(catalogs: Iterable[Catalog]) -> dict[str, str]:
    """Document codes to their Vietnamese names, from the catalogues given (the first name wins)."""
    names: dict[str, str] = {}
    for c in catalogs:
        for d in c.document_types:
            names.setdefault(d.code, d.name)
    return names
