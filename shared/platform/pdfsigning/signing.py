"""Signing an issued document: a PAdES signature by the issuing unit's key, off the event loop.

The level is the best the key allows, offline (nothing is fetched):
- B-LT: a signature timestamp and the validation info (the chain and its CRLs, in the document's DSS);
- B-T: a timestamp, no validation info (the key's chain carries no CRL);
- B-B: neither (no time-stamping authority is configured for the key); with CRLs, the validation info is still
  embedded (`SignedPdf.validation_info`).
When the chain cannot be validated offline (a CRL past its next update: `thidua migrate` renews the demo's), the
document is signed without validation info and `document.validation_info_unavailable` is logged with the reason.
The demo keys reach B-LT with the demo CA's CRL and the demo time-stamping authority (pyHanko's in-process time stamper,
a demo only). Production keys have no time-stamping authority yet, so they sign at B-B.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from io import BytesIO
from typing import Literal

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers import PdfSignatureMetadata, PdfSigner
from pyhanko_certvalidator import ValidationContext

from shared.platform.pdfsigning.keys import SigningKeys, UnitKey

log = logging.getLogger("thidua.pdfsigning")
# pyHanko warns on every signature that embeds validation info without fetching: offline is the design here.
logging.getLogger("pyhanko.sign.signers.pdf_signer").setLevel(logging.ERROR)

PadesLevel = Literal["B-B", "B-T", "B-LT"]
SIGNATURE_FIELD = "ChuKyDonVi"


@dataclass(frozen=True)
class SignedPdf:
    data: bytes
    level: PadesLevel
    validation_info: bool  # the chain and its CRLs embedded (B-LT, or B-B with CRLs)
    signer_common_name: str


async def sign_pdf(pdf: bytes, key: UnitKey, *, signer_name: str, reason: str, location: str) -> SignedPdf:
    """`pdf` signed by the unit of `key` (PAdES, invisible signature), in a worker thread: a few tens of milliseconds
    of CPU that the event loop does not wait for. `signer_name` is the signing officer, printed in the signature."""
    signed = await asyncio.to_thread(sign_pdf_now, pdf, key, signer_name=signer_name, reason=reason, location=location)
    log.info(
        "document.signed",
        extra={"unit_code": key.unit_code, "pades_level": signed.level, "validation_info": signed.validation_info},
    )
    return signed


class UnitSigner:
    """Signs with the key of the unit named at each call, from one source of keys (`SigningKeys`)."""

    def __init__(self, keys: SigningKeys) -> None:
        self.keys = keys

    async def sign(self, pdf: bytes, *, unit_code: str, signer_name: str, reason: str, location: str) -> SignedPdf:
        """Raises `SigningKeyError` (`NoSigningKey`, `SigningKeyUnavailable`) when the unit has no usable key."""
        return await sign_pdf(pdf, self.keys.key_for(unit_code), signer_name=signer_name, reason=reason, location=location)


def sign_pdf_now(pdf: bytes, key: UnitKey, *, signer_name: str, reason: str, location: str) -> SignedPdf:
    """`sign_pdf` in the calling thread (tools, benchmarks), which must not be running an event loop: pyHanko runs
    its own."""
    if key.validation_info_available:
        try:
            return _sign(pdf, key, signer_name, reason, location, embed=True)
        except SigningError as exc:  # e.g. a CRL past its next update: the chain cannot be validated offline now
            log.warning(
                "document.validation_info_unavailable",
                extra={"unit_code": key.unit_code, "error": str(exc)},
            )
    return _sign(pdf, key, signer_name, reason, location, embed=False)


def _sign(pdf: bytes, key: UnitKey, signer_name: str, reason: str, location: str, *, embed: bool) -> SignedPdf:
    meta = PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        subfilter=SigSeedSubFilter.PADES,
        name=signer_name,
        reason=reason,
        location=location,
        embed_validation_info=embed,
        validation_context=(
            ValidationContext(trust_roots=list(key.trust_roots), crls=list(key.crls), allow_fetching=False) if embed else None
        ),
    )
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    output = PdfSigner(meta, key.signer, timestamper=key.timestamper).sign_pdf(writer)
    level: PadesLevel = "B-B" if key.timestamper is None else ("B-LT" if embed else "B-T")
    return SignedPdf(data=output.getvalue(), level=level, validation_info=embed, signer_common_name=key.common_name)
