"""A signing world for tests, built in a temporary directory: a demo PKI for a few units and a rendered decision."""

from __future__ import annotations

import re
from functools import cache
from io import BytesIO
from pathlib import Path

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from shared.platform.pdfsigning import IssuingUnit, SignedPdf, SigningKeys, ensure_demo_pki, sign_pdf_now
from shared.rules.documents import to_pdf
from tests.document_samples import one_person

SONTAY = IssuingUnit("HN-SONTAY", "Liên đoàn Lao động thị xã Sơn Tây", "LĐLĐ thị xã Sơn Tây")
HANOI = IssuingUnit("HN", "Liên đoàn Lao động Thành phố Hà Nội", "LĐLĐ TP Hà Nội")


@cache
def decision_pdf() -> bytes:
    """One rendered decision (bytes are immutable: rendering once serves every test)."""
    return to_pdf(one_person())


def make_pki(var_dir: Path, *units: IssuingUnit) -> SigningKeys:
    ensure_demo_pki(var_dir, units or (SONTAY, HANOI))
    return SigningKeys.demo(var_dir)


def signed_decision(var_dir: Path, unit_code: str = "HN-SONTAY") -> SignedPdf:
    key = SigningKeys.demo(var_dir).key_for(unit_code)
    return sign_pdf_now(
        decision_pdf(), key, signer_name="Nguyễn Văn Hùng", reason="Ban hành quyết định khen thưởng", location="Hà Nội"
    )


def with_one_byte_changed(signed: bytes, marker: bytes = b"/Producer") -> bytes:
    """One byte flipped inside the signed range: in the document information the renderer wrote."""
    byte_range = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", signed)
    assert byte_range is not None
    at = signed.index(marker) + len(marker) + 3
    assert at < int(byte_range[2]), "the byte changed must lie in the signed range"
    changed = bytearray(signed)
    changed[at] ^= 0x01
    return bytes(changed)


def with_text_added(signed: bytes) -> bytes:
    """An incremental update after the signature that writes more text on page 1."""
    writer = IncrementalPdfFileWriter(BytesIO(signed))
    stream = writer.add_object(generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 100 Td (DA SUA) Tj ET"))
    writer.add_stream_to_page(0, stream)  # type: ignore[no-untyped-call]
    out = BytesIO()
    writer.write(out)  # type: ignore[no-untyped-call]
    return out.getvalue()
