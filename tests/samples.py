"""Small real files for the attachment tests: a PDF rendered like the project's official documents, a PNG, a .docx."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from datetime import date

from shared.rules.documents import OfficialDocument, to_pdf


def sample_pdf(subject: str = "Về việc đề nghị tặng Giấy khen năm 2026") -> bytes:
    return to_pdf(
        OfficialDocument(
            kind="TỜ TRÌNH",
            subject=subject,
            issuer="CÔNG ĐOÀN CÔNG TY CP TẬP ĐOÀN DST",
            number_text="05/TTr-CĐCS",
            place="Sơn Tây",
            issued_on=date(2026, 3, 2),
            paragraphs=("Ban Chấp hành Công đoàn cơ sở kính trình LĐLĐ thị xã Sơn Tây xem xét, khen thưởng.",),
            signer_role=("TM. BAN CHẤP HÀNH", "CHỦ TỊCH"),
            signer_name="Nguyễn Thị Hoa",
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


def sample_docx(*, macros: bool = False) -> bytes:
    """The parts that make a zip a Word document (what the type check looks at), optionally with a macro project."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        z.writestr("word/document.xml", '<?xml version="1.0"?><w:document/>')
        if macros:
            z.writestr("word/vbaProject.bin", b"\x00" * 16)
    return out.getvalue()
