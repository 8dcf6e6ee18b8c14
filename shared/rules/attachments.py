"""Dossier attachments: what a file is (by its content, not its name), the limits, and the award's required documents.

Pure rules shared by the portal (which refuses early) and registration (which decides): no I/O here. The limits and
whether required documents are enforced are dated configuration in `shared/data/attachments.toml`.
"""

from __future__ import annotations

import hashlib
import io
import os
import tomllib
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.errors import FieldError, ValidationFailed
from shared.rules.catalog import Award, Catalog
from shared.rules.dated import require_in_force

RULES_FILE = Path(__file__).resolve().parents[1] / "data" / "attachments.toml"
RULES_ENV = "THIDUA_ATTACHMENT_RULES"

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
# Programs and scripts: refused whatever they are called (Windows PE, ELF, Mach-O, Java class/fat binaries, scripts).
_EXECUTABLE_MAGIC = (b"MZ", b"\x7fELF", b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe")
_EXECUTABLE_MAGIC_MORE = (b"\xca\xfe\xba\xbe", b"#!")
_EXECUTABLE_EXTENSIONS = frozenset(
    {".exe", ".dll", ".com", ".bat", ".cmd", ".msi", ".scr", ".ps1", ".vbs", ".js", ".jse", ".wsf", ".jar", ".sh", ".bin"}
    | {".elf", ".app", ".apk", ".dmg", ".py", ".pl"}
)
_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"
_PDF = b"%PDF-"
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


def rules_path() -> Path:
    configured = os.environ.get(RULES_ENV)
    return Path(configured) if configured else RULES_FILE


def rules_on(on: date, path: Path | None = None) -> AttachmentRules:
    """The attachment rules in force on `on`: the latest entry already started."""
    return require_in_force(_load(path or rules_path()).rules, on, "attachment rules")


# What a file is


def sniff(data: bytes) -> FileKind | Literal["executable"] | None:
    """The file's type from its first bytes (and, for Office files, the parts of the zip); None when not one we take."""
    head = data[:1024]
    if head.startswith(_EXECUTABLE_MAGIC) or head.startswith(_EXECUTABLE_MAGIC_MORE):
        return "executable"
    if _PDF in head:  # the header may follow a few bytes of junk (PDF 1.7, 7.5.2)
        return "pdf"
    if head.startswith(_PNG):
        return "png"
    if head.startswith(_JPEG):
        return "jpeg"
    if head.startswith(b"PK\x03\x04"):
        return _office(data)
    return None


def _office(data: bytes) -> FileKind | Literal["executable"] | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = set(z.namelist())
    except (zipfile.BadZipFile, ValueError):
        return None
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        return "executable"  # an Office file carrying macros
    if "[Content_Types].xml" not in names:
        return None
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    return None


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
    """A file we take, or a 422 on `field` with a stable code: too large, empty, not an allowed type, a program,
    or a name whose extension says another type than the content."""
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
    allowed = ", ".join(KIND_NAMES_VI[k] for k in rules.allowed_types)
    if kind is None or kind not in rules.allowed_types:
        raise ValidationFailed.on(
            field, f"Tệp “{name}” không thuộc định dạng được nhận ({allowed})", code="attachment_type_not_allowed"
        )
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
