"""What an uploaded file really is, read by maintained parsers: filetype names the format, pypdf reads a PDF's objects,
oletools (ftguess, olevba) reads Office containers and finds macros by their content. Pure: bytes in, a kind or a
`Refused` out; the Vietnamese wording and the error codes are `shared/rules/attachments.py`'s.

What is refused, whatever the file is called:
- programs (`executable`): anything filetype recognises as a program, scripts with a `#!` line, Office files with macros
  (a VBA project or XLM macro sheet anywhere in the container, found by olevba by content, not by part name) or of a
  macro-enabled type (.docm/.xlsm declared in `[Content_Types].xml`);
- active content (`active_content`): PDF JavaScript, actions run on opening or on events (/OpenAction with an action,
  /AA), /Launch and the other actions that reach outside the file, XFA forms, rich media; Office relationships to
  external templates, frames, OLE links and sub-documents (hyperlinks are not refused);
- embedded files (`embedded_file`): PDF embedded files and file attachments, OLE objects (e.g. a packaged program or an
  Equation Editor object) inside an Office file;
- polyglots (`polyglot`): a file that is another type at once: a ZIP/JAR readable from its end, `%PDF-` in the first
  KB (where PDF readers look for it) of a non-PDF, HTML in the first KB (where browsers sniff), bytes appended after a
  PDF's last `%%EOF` or after a PNG's IEND;
- password-protected files (`encrypted`): their content cannot be inspected;
- files the parsers cannot read, or too complex to read within the limits (`corrupt`).

Every parse is bounded: the caller has already limited the size; a PDF may hold at most `MAX_PDF_OBJECTS` objects and
`MAX_PDF_PAGES` pages, and pypdf's decompression limits are lowered while reading; an Office zip may hold at most
`MAX_ZIP_ENTRIES` parts and `MAX_ZIP_UNPACKED_BYTES` declared uncompressed bytes (zipfile never inflates a part beyond
its declared size); inspection stops after `MAX_INSPECTION_SECONDS` of walking objects.
"""

from __future__ import annotations

import io
import logging
import re
import time
import warnings
import zipfile
from collections.abc import Iterator
from typing import Any, Literal
from xml.etree import ElementTree

import filetype
import olefile
from pypdf import PasswordType, PdfReader, apply_configuration
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

with warnings.catch_warnings():  # oletools 0.60 still calls pyparsing by its deprecated names when imported
    warnings.simplefilter("ignore", DeprecationWarning)
    from oletools import crypto as ole_crypto
    from oletools import ftguess, olevba

Kind = Literal["pdf", "jpeg", "png", "docx", "xlsx"]
Detected = Kind | Literal["executable"] | None
Reason = Literal["executable", "active_content", "embedded_file", "polyglot", "encrypted", "corrupt"]

MAX_PDF_OBJECTS = 50_000
MAX_PDF_PAGES = 5_000
MAX_PDF_INFLATED_BYTES = 32 * 1024 * 1024  # per stream pypdf decompresses (object and cross-reference streams)
MAX_ZIP_ENTRIES = 5_000
MAX_ZIP_UNPACKED_BYTES = 256 * 1024 * 1024
MAX_NESTING = 2  # an Office file inside an Office file inside an Office file, no deeper
MAX_INSPECTION_SECONDS = 10.0
SNIFF_WINDOW = 1024  # where PDF readers accept the %PDF- header and browsers sniff HTML

log = logging.getLogger("thidua.rules.file_content")


class Refused(Exception):
    """The file is not taken: `reason` says why (a stable word), `finding` what was found (English, for logs and the
    user's message: e.g. 'JavaScript', '/Launch action', 'VBA macros')."""

    def __init__(self, reason: Reason, finding: str) -> None:
        super().__init__(f"{reason}: {finding}")
        self.reason: Reason = reason
        self.finding = finding


# Type detection (filetype for the format; oletools' ftguess for what an Office container holds)

# filetype's names for programs and other executable content.
_PROGRAM_TYPES = frozenset({"exe", "elf", "dex", "wasm", "swf", "crx", "deb", "rpm", "msi"})
# Zip- and OLE-based types filetype may name an Office file (its OOXML test only looks at the first parts' names).
_CONTAINER_TYPES = frozenset({"zip", "docx", "xlsx", "pptx", "doc", "xls", "ppt", "odt", "ods", "odp", "epub"})
# Programs filetype has no matcher for: Mach-O, Java class / universal binaries, scripts.
_PROGRAM_HEADS = (b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe", b"#!")
_OOXML_KINDS: dict[str, Kind] = {ftguess.FTYPE.WORD2007_DOCX: "docx", ftguess.FTYPE.EXCEL2007_XLSX: "xlsx"}
_MACRO_TYPES = frozenset(
    {
        ftguess.FTYPE.WORD2007_DOCM,
        ftguess.FTYPE.WORD2007_DOTM,
        ftguess.FTYPE.EXCEL2007_XLSM,
        ftguess.FTYPE.EXCEL2007_XLTM,
        ftguess.FTYPE.EXCEL2007_XLAM,
        ftguess.FTYPE.EXCEL2007_XLSB,  # binary workbook: may carry macros olevba cannot see
        ftguess.FTYPE.POWERPOINT2007_PPTM,
        ftguess.FTYPE.POWERPOINT2007_PPSM,
    }
)


def detect(data: bytes) -> Detected:
    """The file's type from its content: one of the kinds we may take, 'executable' for a program or a macro-enabled
    Office type, or None. Only the type: `inspect` also reads the file for what it must not carry."""
    guess = filetype.guess(data)
    name = guess.extension if guess is not None else None
    if name in _PROGRAM_TYPES or data.startswith(_PROGRAM_HEADS):
        return "executable"
    if name == "pdf":
        return "pdf"
    if name == "png":
        return "png"
    if name == "jpg":
        return "jpeg"
    if name in _CONTAINER_TYPES or olefile.isOleFile(data=data):  # isOleFile(data=) also wants a whole OLE header
        return _office_kind(data)
    return None


def _office_kind(data: bytes) -> Detected:
    if data.startswith(olefile.MAGIC) and len(data) < olefile.MINIMAL_OLEFILE_SIZE:
        return None  # too short to be OLE; and ftguess would hand these bytes to olefile as a file *path*
    if not _small_package_parts(data):
        return None
    try:
        guesser = ftguess.FileTypeGuesser(data=data)
        try:
            found = guesser.filetype
        finally:
            guesser.close()
    except Exception:  # ftguess parses XML parts of an untrusted zip: any failure means "not a document we read"
        log.debug("file_content.ftguess_failed", exc_info=True)
        return None
    if found in _MACRO_TYPES:
        return "executable"
    return _OOXML_KINDS.get(found)


def _small_package_parts(data: bytes) -> bool:
    """Whether the parts ftguess reads whole (the package's content types and relationships) are of a sane declared
    size: zipfile never inflates a part beyond its declared size, so a bomb there is refused before it is read."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return all(
                p.file_size <= _MAX_RELS_BYTES
                for p in z.infolist()
                if p.filename.endswith(".rels") or p.filename == "[Content_Types].xml"
            )
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return True  # not a zip: an OLE file, or nothing ftguess will read as a package


def inspect(data: bytes, kind: Detected) -> None:
    """Read the file whose type `detect` gave for what it must not carry: `Refused` when it does. An unknown type is
    only read when it is an OLE file (a .doc or .xls with macros is a program; an encrypted .docx says so)."""
    deadline = time.monotonic() + MAX_INSPECTION_SECONDS
    if kind is None:
        if olefile.isOleFile(data=data):
            _inspect_ole(data)
        return
    if kind == "executable":
        raise Refused("executable", "program")
    _refuse_polyglot(data, kind)
    if kind == "pdf":
        _inspect_pdf(data, deadline)
    elif kind in ("docx", "xlsx"):
        _inspect_ooxml(data, depth=0)


# Polyglots

_HTML = re.compile(rb"<\s*(?:!doctype\s+html|html|head|body|script|iframe|svg|object|embed|meta)\b", re.IGNORECASE)
_PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"
_PDF_TRAILING_WHITESPACE = b" \t\r\n\x00\x0c"


def _refuse_polyglot(data: bytes, kind: Kind) -> None:
    head = data[:SNIFF_WINDOW]
    if _HTML.search(head):
        raise Refused("polyglot", "HTML")
    if kind != "pdf" and b"%PDF-" in head:
        raise Refused("polyglot", "PDF")
    if kind not in ("docx", "xlsx") and _readable_zip(data):
        raise Refused("polyglot", "ZIP")
    if kind == "png" and data.find(_PNG_END) != len(data) - len(_PNG_END):
        raise Refused("polyglot", "data after the PNG image")
    if kind == "pdf":
        end = data.rfind(b"%%EOF")
        if end < 0:
            raise Refused("corrupt", "no %%EOF")
        if data[end + len(b"%%EOF") :].strip(_PDF_TRAILING_WHITESPACE):
            raise Refused("polyglot", "data after the PDF's end")


def _readable_zip(data: bytes) -> bool:
    """Whether a zip reader finds an archive with entries (it reads a zip from its end, wherever it starts)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return len(z.infolist()) > 0
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return False


# PDF (pypdf): every object the file holds, not only those reachable from the catalogue

# Keys whose presence alone is active content or an embedded file.
_PDF_KEYS = {
    "/JS": ("active_content", "JavaScript"),
    "/JavaScript": ("active_content", "JavaScript"),
    "/AA": ("active_content", "additional actions (/AA)"),
    "/XFA": ("active_content", "XFA form"),
    "/RichMediaContent": ("active_content", "rich media"),
    "/EmbeddedFiles": ("embedded_file", "embedded files"),
    "/EmbeddedFile": ("embedded_file", "embedded file"),
    "/EF": ("embedded_file", "embedded file"),
}
# Action types (/S) that run code, start programs, reach outside the file or submit its data.
_PDF_ACTIONS = {
    "/JavaScript": "JavaScript action",
    "/Launch": "/Launch action",
    "/SubmitForm": "/SubmitForm action",
    "/ImportData": "/ImportData action",
    "/GoToE": "/GoToE action",
    "/GoToR": "/GoToR action",
    "/RichMediaExecute": "/RichMediaExecute action",
    "/Rendition": "/Rendition action",
}
_PDF_SUBTYPES = {
    "/FileAttachment": ("embedded_file", "file attachment annotation"),
    "/RichMedia": ("active_content", "rich media annotation"),
    "/Screen": ("active_content", "screen annotation"),
    "/3D": ("active_content", "3D annotation"),
}


_PDF_OBJECT_HEADER = re.compile(rb"\d[\x00\t\n\x0c\r ]+obj\b")  # "12 0 obj": the generation's digit, then "obj"


def _inspect_pdf(data: bytes, deadline: float) -> None:
    try:
        with apply_configuration(
            zlib_maximum_output_length=MAX_PDF_INFLATED_BYTES,
            lzw_maximum_output_length=MAX_PDF_INFLATED_BYTES,
            run_length_maximum_output_length=MAX_PDF_INFLATED_BYTES,
            maximum_declared_stream_length=MAX_PDF_INFLATED_BYTES,
            array_based_stream_maximum_output_length=MAX_PDF_INFLATED_BYTES,
        ):
            if len(_PDF_OBJECT_HEADER.findall(data)) > MAX_PDF_OBJECTS:  # before pypdf parses them all to repair an xref
                raise Refused("corrupt", "too many objects")
            reader = PdfReader(io.BytesIO(data), strict=False, xref_stream_maximum_entries=MAX_PDF_OBJECTS)
            if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
                raise Refused("encrypted", "PDF password")
            objects = [(number, generation) for generation, numbers in reader.xref.items() for number in numbers]
            objects += [(number, 0) for number in reader.xref_objStm]
            if len(objects) > MAX_PDF_OBJECTS:
                raise Refused("corrupt", f"{len(objects)} objects")
            pages = len(reader.pages)
            if not 0 < pages <= MAX_PDF_PAGES:
                raise Refused("corrupt", f"{pages} pages")
            _scan_pdf_object(reader.trailer, deadline)
            for number, generation in objects:
                _scan_pdf_object(reader.get_object(IndirectObject(number, generation, reader)), deadline)
    except Refused:
        raise
    except Exception as exc:  # pypdf on a hostile file: any failure (parse, limit, recursion) means we cannot vouch for it
        log.info("file_content.pdf_unreadable", extra={"error": repr(exc)[:300]})
        raise Refused("corrupt", type(exc).__name__) from exc


def _scan_pdf_object(root: Any, deadline: float) -> None:
    """One indirect object and the direct objects inside it (references are not followed: every indirect object is
    scanned on its own). pypdf has already decoded names (`/J#61vaScript` is `/JavaScript`)."""
    stack = [root]
    while stack:
        obj = stack.pop()
        if isinstance(obj, DictionaryObject):  # streams are dictionaries too: their dictionary is read, not their data
            if time.monotonic() > deadline:
                raise Refused("corrupt", "too complex to inspect in time")
            for key, value in dict.items(obj):  # the stored values: references stay unresolved
                _judge_pdf_entry(str(key), value)
                if isinstance(value, DictionaryObject | ArrayObject):
                    stack.append(value)
        elif isinstance(obj, ArrayObject):
            stack.extend(v for v in list.__iter__(obj) if isinstance(v, DictionaryObject | ArrayObject))


def _judge_pdf_entry(key: str, value: Any) -> None:
    if key in _PDF_KEYS:
        reason, finding = _PDF_KEYS[key]
        raise Refused(reason, finding)  # type: ignore[arg-type]
    if key == "/OpenAction":
        target = value.get_object() if isinstance(value, IndirectObject) else value
        if isinstance(target, DictionaryObject):  # an action run on opening (a destination array only sets the view)
            raise Refused("active_content", "/OpenAction " + str(target.get("/S", "action")))
    if key == "/S" and isinstance(value, NameObject) and value in _PDF_ACTIONS:
        raise Refused("active_content", _PDF_ACTIONS[value])
    if key == "/Subtype" and isinstance(value, NameObject) and value in _PDF_SUBTYPES:
        reason, finding = _PDF_SUBTYPES[value]
        raise Refused(reason, finding)  # type: ignore[arg-type]


# Office (oletools): macros by content, embedded OLE objects, external relationships, encryption

# External relationship types that load or run something from elsewhere when the document opens (a remote template
# with macros, a frame, an OLE link); hyperlinks only open when clicked and are common in reports.
_EXTERNAL_TYPES = frozenset({"attachedTemplate", "frame", "oleObject", "package", "subDocument", "externalLinkPath"})
_RELATIONSHIP = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_MAX_RELS_BYTES = 4 * 1024 * 1024


def _inspect_ole(data: bytes) -> None:
    """An OLE file (.doc, .xls, an encrypted .docx): refused when it carries macros or is encrypted."""
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:  # never bytes: olefile takes short bytes for a path
            encrypted = bool(ole_crypto.is_encrypted(ole))
    except Exception as exc:  # olefile on an untrusted container
        raise Refused("corrupt", type(exc).__name__) from exc
    if encrypted:
        raise Refused("encrypted", "Office password")
    _refuse_macros(data)


def _inspect_ooxml(data: bytes, depth: int) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            parts = z.infolist()
            if len(parts) > MAX_ZIP_ENTRIES or sum(p.file_size for p in parts) > MAX_ZIP_UNPACKED_BYTES:
                raise Refused("corrupt", "too many or too large parts")
            if any(p.flag_bits & 0x1 for p in parts):
                raise Refused("encrypted", "encrypted zip parts")
            _refuse_macros(data)
            for relationship_type, target in _external_relationships(z, parts):
                raise Refused("active_content", f"external {relationship_type}: {target[:100]}")
            for part in parts:
                _inspect_part(z, part, depth)
    except Refused:
        raise
    except Exception as exc:  # zipfile/expat on an untrusted archive: unreadable
        log.info("file_content.office_unreadable", extra={"error": repr(exc)[:300]})
        raise Refused("corrupt", type(exc).__name__) from exc


def _refuse_macros(data: bytes) -> None:
    """olevba looks inside every OLE stream of the container (a renamed vbaProject.bin is still found) and, for Excel,
    for XLM macro sheets."""
    try:
        parser = olevba.VBA_Parser("attachment", data=data, relaxed=True, disable_pcode=True)
    except olevba.FileOpenError:
        return  # not a container olevba reads: nothing it can run either
    try:
        if parser.detect_vba_macros():
            raise Refused("executable", "VBA macros")
        if parser.detect_xlm_macros():
            raise Refused("executable", "XLM macros")
    finally:
        parser.close()


def _external_relationships(z: zipfile.ZipFile, parts: list[zipfile.ZipInfo]) -> Iterator[tuple[str, str]]:
    for part in parts:
        if not part.filename.endswith(".rels"):
            continue
        if part.file_size > _MAX_RELS_BYTES:
            raise Refused("corrupt", f"oversized relationships part {part.filename}")
        for rel in ElementTree.fromstring(z.read(part)).iter(_RELATIONSHIP):
            relationship_type = rel.get("Type", "").rsplit("/", 1)[-1]
            if rel.get("TargetMode") == "External" and relationship_type in _EXTERNAL_TYPES:
                yield relationship_type, rel.get("Target", "")


def _inspect_part(z: zipfile.ZipFile, part: zipfile.ZipInfo, depth: int) -> None:
    """A part that is itself a container: an OLE object is refused (olevba has already said whether it holds macros);
    an embedded Office package (a chart's workbook) is inspected like the file itself, up to `MAX_NESTING` deep."""
    with z.open(part) as f:
        head = f.read(len(olefile.MAGIC))
    if head == olefile.MAGIC:
        raise Refused("embedded_file", f"OLE object {part.filename}")
    if head.startswith(b"PK\x03\x04"):
        if depth >= MAX_NESTING:
            raise Refused("embedded_file", f"nested package {part.filename}")
        inner = z.read(part)
        kind = _office_kind(inner)
        if kind == "executable":
            raise Refused("executable", f"macro-enabled document {part.filename}")
        if kind is None:
            raise Refused("embedded_file", f"archive {part.filename}")
        _inspect_ooxml(inner, depth + 1)
