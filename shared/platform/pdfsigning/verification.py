"""Verifying a signed PDF against the roots one trusts: who signed, when, whether the signed bytes are intact, whether
anything was added afterwards, and whether the chain leads to a trusted root (and whether that root is the demo CA).

Pure computation, offline: the chain and revocation info come from the file and the roots given, nothing is fetched.
Whatever the bytes are (not a PDF, truncated, encrypted, a damaged signature), `verify_pdf` answers a `Verification`
with problems, each with a stable code and a Vietnamese message; it never raises for the input.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO
from pathlib import Path
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from shared.contracts.verification import (
    Coverage,
    Level,
    Modifications,
    Problem,
    SignatureCheck,
    Verification,
)
from shared.platform.pdfsigning.pki import DEMO_ORGANISATION, DemoPki

log = logging.getLogger("thidua.pdfsigning")
# pyHanko logs a warning with a traceback for every chain it cannot build to a trusted root and every revision it
# cannot explain: here those are answers (`untrusted`, `modified_after_signing`), not faults of the process.
logging.getLogger("pyhanko.sign.validation").setLevel(logging.ERROR)
logging.getLogger("pyhanko.sign.diff_analysis").setLevel(logging.ERROR)

TRUST_ROOTS_ENV = "THIDUA_TRUST_ROOTS"

COVERAGE: dict[SignatureCoverageLevel, Coverage] = {
    SignatureCoverageLevel.ENTIRE_FILE: "entire_file",
    SignatureCoverageLevel.ENTIRE_REVISION: "entire_revision",
    SignatureCoverageLevel.CONTIGUOUS_BLOCK_FROM_START: "partial",
    SignatureCoverageLevel.UNCLEAR: "unclear",
}
MODIFICATIONS: dict[ModificationLevel, Modifications] = {
    ModificationLevel.NONE: "none",
    ModificationLevel.LTA_UPDATES: "validation_info",
    ModificationLevel.FORM_FILLING: "form_filling",
    ModificationLevel.ANNOTATIONS: "annotations",
    ModificationLevel.OTHER: "other",
}
# What may follow a signature without changing what was signed: the validation info (DSS) and document timestamps.
HARMLESS: frozenset[Modifications] = frozenset({"none", "validation_info"})


def verify_pdf(data: bytes, trust_roots: Sequence[x509.Certificate]) -> Verification:
    """What the file says about its signatures, checked against `trust_roots`. pyHanko's checks run an event loop of
    their own: called from a thread already running one (a coroutine, a request handler), they would fail and read
    as an invalid signature, so the work then goes to a thread of its own (async callers had better use
    `asyncio.to_thread(verify_pdf, …)`, which does not hold up their loop)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _verify(data, trust_roots)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="verify-pdf") as worker:
        return worker.submit(_verify, data, trust_roots).result()


def _verify(data: bytes, trust_roots: Sequence[x509.Certificate]) -> Verification:
    if b"%PDF-" not in data[:1024]:  # where readers look for the header
        return Verification.refused("not_a_pdf")
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        if reader.encrypted:
            return Verification.refused("encrypted")
        signatures = list(reader.embedded_regular_signatures)
    except Exception as exc:  # whatever a damaged file makes the parser raise
        log.info("document.unreadable", extra={"error": type(exc).__name__})
        return Verification.refused("unreadable")
    if not signatures:
        return Verification.refused("not_signed")
    roots = [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in trust_roots]
    checks = [_check(signature, roots) for signature in signatures]
    problems = [p for check in checks for p in check.problems]
    if _appended_after_last_revision(data):
        problems.append(Problem.of("modified_after_signing", detail="Có dữ liệu được nối vào cuối tệp."))
    return Verification(readable=True, signed=True, valid=not problems, signatures=checks, problems=problems)


def _check(signature: EmbeddedPdfSignature, roots: list[asn1_x509.Certificate]) -> SignatureCheck:
    name = signature.field_name
    try:
        context = ValidationContext(trust_roots=roots, allow_fetching=False)
        status = validate_pdf_signature(signature, context)
    except Exception as exc:  # a signature container pyHanko cannot even parse
        log.info("document.signature_unreadable", extra={"error": type(exc).__name__, "field": name})
        return SignatureCheck(
            field_name=name,
            intact=False,
            valid=False,
            coverage="unclear",
            modifications="other",
            covers_whole_file=False,
            trusted=False,
            demo_ca=False,
            problems=[Problem.of("signature_invalid", name)],
        )
    subject: dict[str, Any] = status.signing_cert.subject.native
    modifications = MODIFICATIONS.get(status.modification_level or ModificationLevel.OTHER, "other")
    coverage = COVERAGE.get(status.coverage or SignatureCoverageLevel.UNCLEAR, "unclear")
    whole = coverage == "entire_file" or (coverage == "entire_revision" and modifications in HARMLESS)
    anchor = _anchor(status.validation_path) if status.trusted else None
    problems: list[Problem] = []
    if not status.intact:
        problems.append(Problem.of("altered", name))
    elif not status.valid:
        problems.append(Problem.of("signature_invalid", name))
    if status.intact and not whole:
        problems.append(Problem.of("modified_after_signing", name))
    if status.intact and status.valid and not status.trusted:  # pyHanko trusts only an intact, valid signature
        problems.append(Problem.of("untrusted", name))
    sig_object = signature.sig_object
    timestamp = status.timestamp_validity.timestamp if status.timestamp_validity is not None else None
    return SignatureCheck(
        field_name=name,
        intact=status.intact,
        valid=status.valid,
        coverage=coverage,
        modifications=modifications,
        covers_whole_file=whole,
        signer_common_name=_text(subject.get("common_name")),
        signer_organisation=_text(subject.get("organization_name")),
        signer_unit_code=_text(subject.get("organizational_unit_name")),
        signer_name=_text(sig_object.get("/Name")),
        reason=_text(sig_object.get("/Reason")),
        location=_text(sig_object.get("/Location")),
        signed_at=status.signer_reported_dt,
        timestamp=timestamp,
        timestamp_trusted=status.timestamp_validity.trusted if status.timestamp_validity is not None else None,
        level=_level(timestamp is not None, signature),
        trusted=status.trusted,
        trust_root=_text(anchor.subject.native.get("common_name")) if anchor is not None else None,
        demo_ca=_issued_by_demo_ca(anchor, status.signing_cert),
        problems=problems,
    )


def _level(timestamped: bool, signature: EmbeddedPdfSignature) -> Level:
    if not timestamped:
        return "B-B"
    return "B-LT" if "/DSS" in signature.reader.root else "B-T"


def _appended_after_last_revision(data: bytes) -> bool:
    """Bytes after the last revision's end-of-file marker: no reader shows them, and no signature covers them."""
    end = data.rfind(b"%%EOF")
    return end >= 0 and bool(data[end + len(b"%%EOF") :].strip())


def _anchor(path: Any) -> asn1_x509.Certificate | None:
    try:
        root = path[0] if path is not None else None
    except (IndexError, TypeError):
        return None
    return root if isinstance(root, asn1_x509.Certificate) else None


def _issued_by_demo_ca(anchor: asn1_x509.Certificate | None, signing_cert: asn1_x509.Certificate) -> bool:
    """The chain ends at a demo CA; untrusted, the signer's certificate names a demo CA as its issuer."""
    issuer = anchor.subject if anchor is not None else signing_cert.issuer
    organisation = issuer.native.get("organization_name")
    return DEMO_ORGANISATION in (organisation if isinstance(organisation, list) else [organisation])


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def trust_roots(var_dir: Path | None, listed: str | None = None) -> list[x509.Certificate]:
    """The demo CA of `var_dir` when it has one, and every certificate of the PEM files `listed` (separated by
    os.pathsep; None: the variable THIDUA_TRUST_ROOTS). A listed file that cannot be read is an error (OSError,
    ValueError): a trust list is not guessed."""
    listed = os.environ.get(TRUST_ROOTS_ENV, "") if listed is None else listed
    roots: list[x509.Certificate] = []
    if var_dir is not None and DemoPki.of(var_dir).ca_certificate.exists():
        roots += x509.load_pem_x509_certificates(DemoPki.of(var_dir).ca_certificate.read_bytes())
    for path in filter(None, listed.split(os.pathsep)):
        roots += x509.load_pem_x509_certificates(Path(path).read_bytes())
    return roots
