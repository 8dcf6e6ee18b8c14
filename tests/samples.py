"""Small real files for the attachment tests: a PDF rendered like the project's official documents and PDFs carrying
active content, a PNG, Word documents with and without macros, embedded objects or remote templates."""

from __future__ import annotations

import functools
import io
import itertools
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, PdfObject

from shared.rules.documents import OfficialDocument, SignatureBlock, to_pdf


@functools.cache
def sample_pdf(subject: str = "Về việc đề nghị tặng Giấy khen năm 2026") -> bytes:
    """Rendered once per subject and process (bytes: nothing can change it); the attachment tests build their
    parameters from it at collection."""
    return to_pdf(
        OfficialDocument(
            kind="TỜ TRÌNH",
            subject=subject,
            issuer="CÔNG ĐOÀN CÔNG TY CP TẬP ĐOÀN DST",
            number_text="05/TTr-CĐCS",
            place="Sơn Tây",
            issued_on=date(2026, 3, 2),
            paragraphs=("Ban Chấp hành Công đoàn cơ sở kính trình LĐLĐ thị xã Sơn Tây xem xét, khen thưởng.",),
            signature=SignatureBlock("TM. BAN CHẤP HÀNH", "CHỦ TỊCH", "Nguyễn Thị Hoa"),
        )
    )


def sample_png() -> bytes:
    """A 1×1 white PNG, written with zlib (IHDR, IDAT, IEND)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff")) + chunk(b"IEND", b"")
    )


# Office files with and without macros, built for real: a minimal OLE compound file (what a vbaProject.bin is) and the
# OOXML parts Word and Excel write. oletools reads these exactly as it reads files saved by Office.

_FREE, _END_OF_CHAIN, _FAT_SECTOR, _NO_STREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
_SECTOR = 512
_MINI_CUTOFF = 4096


@dataclass
class _Entry:
    name: str
    type: int  # 1 storage, 2 stream, 5 root
    data: bytes = b""
    children: list[int] = field(default_factory=list)
    right: int = _NO_STREAM  # siblings as a right-leaning chain (all black): valid for readers, if not balanced
    start: int = _END_OF_CHAIN


def ole_file(streams: dict[str, bytes]) -> bytes:
    """A compound file (MS-CFB version 3) holding `streams`, named by path ('VBA/dir'); storages are made for the
    folders. Streams are padded to the mini-stream cutoff so that all of them live in regular sectors."""
    entries = [_Entry("Root Entry", 5)]
    index: dict[str, int] = {"": 0}
    for path, content in streams.items():
        parts = path.split("/")
        for depth in range(1, len(parts) + 1):
            key = "/".join(parts[:depth])
            if key in index:
                continue
            is_stream = depth == len(parts)
            padded = content.ljust(_MINI_CUTOFF, b"\x00") if is_stream else b""
            index[key] = len(entries)
            entries.append(_Entry(parts[depth - 1], 2 if is_stream else 1, padded))
            entries[index["/".join(parts[: depth - 1])]].children.append(index[key])
    for entry in entries:
        for left, right in itertools.pairwise(entry.children):
            entries[left].right = right
    # sectors: the streams' data, then the directory, then the FAT
    sectors: list[bytes] = []
    chains: list[tuple[int, int]] = []  # (first sector, count)
    for entry in entries:
        if entry.data:
            count = -(-len(entry.data) // _SECTOR)
            entry.start = len(sectors)
            chains.append((len(sectors), count))
            sectors += [entry.data[k * _SECTOR : (k + 1) * _SECTOR].ljust(_SECTOR, b"\x00") for k in range(count)]
    directory = b"".join(_directory_entry(entry) for entry in entries)
    directory = directory.ljust(-(-len(directory) // _SECTOR) * _SECTOR, b"\x00")
    dir_start, dir_count = len(sectors), len(directory) // _SECTOR
    chains.append((dir_start, dir_count))
    sectors += [directory[k * _SECTOR : (k + 1) * _SECTOR] for k in range(dir_count)]
    fat_count = 1
    while len(sectors) + fat_count > fat_count * (_SECTOR // 4):
        fat_count += 1
    fat_start = len(sectors)
    fat = [_FREE] * (fat_count * (_SECTOR // 4))
    for first, count in chains:
        for k in range(count):
            fat[first + k] = first + k + 1 if k < count - 1 else _END_OF_CHAIN
    for k in range(fat_count):
        fat[fat_start + k] = _FAT_SECTOR
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat)
    sectors += [fat_bytes[k * _SECTOR : (k + 1) * _SECTOR] for k in range(fat_count)]
    difat = [fat_start + k for k in range(fat_count)] + [_FREE] * (109 - fat_count)
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\x00" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\x00" * 6
        + struct.pack("<IIIIIIIII", 0, fat_count, dir_start, 0, _MINI_CUTOFF, _END_OF_CHAIN, 0, _END_OF_CHAIN, 0)
        + struct.pack("<109I", *difat)
    )
    return header + b"".join(sectors)


def _directory_entry(entry: _Entry) -> bytes:
    name = entry.name.encode("utf-16-le") + b"\x00\x00"
    child = entry.children[0] if entry.children else _NO_STREAM
    return (
        name.ljust(64, b"\x00")
        + struct.pack("<HBB", len(name), entry.type, 1)
        + struct.pack("<III", _NO_STREAM, entry.right, child)
        + b"\x00" * (16 + 4 + 16)  # CLSID, state bits, creation and modification times
        + struct.pack("<III", entry.start if entry.data or entry.type == 5 else 0, len(entry.data), 0)
    )


def vba_project() -> bytes:
    """A vbaProject.bin: the VBA storage with its `dir` stream and a module (compressed source starts 'Attribut'),
    beside the PROJECT stream, as Office writes them."""
    return ole_file(
        {
            "PROJECT": b'ID="{00000000-0000-0000-0000-000000000000}"\r\nDocument=ThisDocument/&H00000000\r\n',
            "VBA/_VBA_PROJECT": b"\xcc\x61\xff\xff\x00\x00\x00",
            "VBA/dir": b"\x01\x00\x00\x00",
            "VBA/ThisDocument": b'\x01\x00\x00Attribut\x00e VB_Name = "ThisDocument"\r\n'
            + b'Sub AutoOpen()\r\nShell "calc"\r\nEnd Sub\r\n',
        }
    )


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
    '<Override PartName="/word/document.xml" ContentType="{main}"/>'
    "</Types>"
)
_DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
_PACKAGE_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"'
    ' Target="word/document.xml"/>'
    "</Relationships>"
)
_DOCUMENT = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    "<w:body><w:p><w:r><w:t>Báo cáo thành tích</w:t></w:r></w:p></w:body></w:document>"
)


def sample_docx(
    *,
    macros: bool = False,
    macro_part: str = "word/vbaProject.bin",
    macro_enabled_type: bool = False,
    parts: dict[str, bytes] | None = None,
    document_rels: str | None = None,
) -> bytes:
    """A Word document as Word writes its parts. `macros` adds a VBA project (as `macro_part`, renamed at will: it is
    found by its content), `macro_enabled_type` declares the document a .docm, `parts` adds any other part and
    `document_rels` the document's relationships (a remote template, an OLE object)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES.replace("{main}", _DOCM_MAIN if macro_enabled_type else _DOCX_MAIN))
        z.writestr("_rels/.rels", _PACKAGE_RELS)
        z.writestr("word/document.xml", _DOCUMENT)
        if document_rels is not None:
            z.writestr("word/_rels/document.xml.rels", document_rels)
        if macros:
            z.writestr(macro_part, vba_project())
        for name, data in (parts or {}).items():
            z.writestr(name, data)
    return out.getvalue()


def relationships(*relations: tuple[str, str, bool]) -> str:
    """A relationships part: (type's last segment, target, external)."""
    external_mode = ' TargetMode="External"'
    body = "".join(
        f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/{kind}"'
        f' Target="{target}"{external_mode if external else ""}/>'
        for i, (kind, target, external) in enumerate(relations, start=1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{body}</Relationships>'
    )


# PDFs carrying what a PDF must not: built with pypdf from the clean sample, or written object by object.


def pdf_with(change: Callable[[PdfWriter], object], *, source: bytes | None = None) -> bytes:
    """The sample PDF rewritten by pypdf after `change` (add JavaScript, an action, an attachment, a password…)."""
    writer = PdfWriter(clone_from=io.BytesIO(source or sample_pdf()))
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def action(kind: str, **entries: PdfObject) -> DictionaryObject:
    """An action dictionary (/S /JavaScript, /Launch…) with its entries (`JS=`, `F=`…)."""
    found = DictionaryObject({NameObject("/S"): NameObject(f"/{kind}")})
    for key, value in entries.items():
        found[NameObject(f"/{key}")] = value
    return found


def link_annotation(with_action: DictionaryObject) -> DictionaryObject:
    return DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject([NumberObject(0), NumberObject(0), NumberObject(100), NumberObject(100)]),
            NameObject("/A"): with_action,
        }
    )


def raw_pdf(*objects: bytes) -> bytes:
    """A PDF written by hand, object 1 the catalogue: what a hostile tool writes (names may be #-escaped), with a correct
    cross-reference table so that readers take it as it is."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def raw_pdf_page(*catalog_entries: bytes) -> bytes:
    """A one-page PDF written by hand whose catalogue has `catalog_entries` besides its pages."""
    return raw_pdf(
        b"<< /Type /Catalog /Pages 2 0 R " + b" ".join(catalog_entries) + b" >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    )
