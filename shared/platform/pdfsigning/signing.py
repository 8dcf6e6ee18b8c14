"""Signing an issued document: a PAdES signature by the issuing unit's key, off the event loop.

The level is the best the key allows, offline (nothing is fetched):
- B-LT: a signature timestamp and the validation info (the chain and its CRLs, in the document's DSS);
- B-T: a timestamp, no validation info (the key's chain carries no CRL);
- B-B: neither (no time-stamping authority is configured for the key); with CRLs, the validation info is still
  embedded (`SignedPdf.validation_info`).
When the chain cannot be validated offline (a CRL past its next update: `thidua migrate` renews the demo's; a
time-stamping authority whose CA is neither in the key's chain nor listed with its CRL), the document is signed without
validation info and `document.validation_info_unavailable` is logged with the reason.
The demo keys reach B-LT with the demo CA's CRL and the demo time-stamping authority (pyHanko's in-process time stamper,
a demo only). Production keys are stamped by the time-stamping authority of `THIDUA_TSA_URL` (timestamps.py), and
sign at B-B without one. A key on a token is opened for the signature and closed after it (tokens.py).

Nothing half-signed comes out: a key that cannot be used, a token that fails, a time-stamping authority that does not
answer, each raises a `SigningKeyError` with a stable code (errors.py) and no document.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from io import BytesIO
from typing import Literal

from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers import PdfSignatureMetadata, PdfSigner, Signer
from pyhanko.sign.timestamps import TimestampRequestError
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.errors import PathError, ValidationError

from shared.platform.pdfsigning.errors import SigningKeyError, TimestampUnavailable
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
        """Raises `SigningKeyError` (`NoSigningKey`, `SigningKeyUnavailable`, `TimestampUnavailable`) when the unit
        cannot sign now; nothing is signed then."""
        try:
            return await sign_pdf(pdf, self.keys.key_for(unit_code), signer_name=signer_name, reason=reason, location=location)
        except SigningKeyError as exc:
            log.warning(
                "document.signing_refused",
                extra={"unit_code": unit_code, "code": exc.code, "retryable": exc.retryable},
            )
            raise


def sign_pdf_now(pdf: bytes, key: UnitKey, *, signer_name: str, reason: str, location: str) -> SignedPdf:
    """`sign_pdf` in the calling thread (tools, benchmarks), which must not be running an event loop: pyHanko runs
    its own."""
    with key.source.signer() as signer:
        roots = _trust_roots(key, signer)
        try:
            if roots and key.crls:
                try:
                    return _sign(pdf, key, signer, roots, signer_name, reason, location, embed=True)
                except (SigningError, PathError, ValidationError) as exc:
                    # The signer's or the authority's chain cannot be validated offline now: a CRL past its next
                    # update, a time-stamping authority whose CA is not among the roots.
                    log.warning(
                        "document.validation_info_unavailable",
                        extra={"unit_code": key.unit_code, "error": str(exc)},
                    )
            return _sign(pdf, key, signer, roots, signer_name, reason, location, embed=False)
        except TimestampRequestError as exc:  # the authority down, unreachable, refusing, or answering nonsense
            log.warning(
                "document.timestamp_unavailable",
                extra={"unit_code": key.unit_code, "tsa_url": key.tsa_url, "error": str(exc)},
            )
            raise TimestampUnavailable(key.unit_code, key.tsa_url or "dịch vụ cấp dấu thời gian") from exc


def _trust_roots(key: UnitKey, signer: Signer) -> tuple[asn1_x509.Certificate, ...]:
    """The roots configured for the key and the self-signed certificates its chain carries (PKCS#12 file, token)."""
    roots = {c.dump(): c for c in key.trust_roots}
    roots.update({c.dump(): c for c in signer.cert_registry if c.self_signed in {"maybe", "yes"}})
    return tuple(roots.values())


def _sign(
    pdf: bytes,
    key: UnitKey,
    signer: Signer,
    roots: tuple[asn1_x509.Certificate, ...],
    signer_name: str,
    reason: str,
    location: str,
    *,
    embed: bool,
) -> SignedPdf:
    meta = PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        subfilter=SigSeedSubFilter.PADES,
        name=signer_name,
        reason=reason,
        location=location,
        embed_validation_info=embed,
        validation_context=(
            ValidationContext(trust_roots=list(roots), crls=list(key.crls), allow_fetching=False) if embed else None
        ),
    )
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    output = PdfSigner(meta, signer, timestamper=key.timestamper).sign_pdf(writer)
    level: PadesLevel = "B-B" if key.timestamper is None else ("B-LT" if embed else "B-T")
    certificate = signer.signing_cert
    common_name = str(certificate.subject.native.get("common_name", "")) if certificate is not None else ""
    return SignedPdf(data=output.getvalue(), level=level, validation_info=embed, signer_common_name=common_name)
