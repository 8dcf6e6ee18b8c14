"""Digital signatures on the documents the system issues (PAdES), the demo PKI, and their verification.

- `SigningKeys.from_settings(settings).key_for(unit_code)` → `UnitKey` (or `NoSigningKey`, `SigningKeyUnavailable`):
  a PKCS#12 file or a PKCS#11 token per unit (`THIDUA_SIGNING_KEYS`), else the demo CA
- `await sign_pdf(pdf, key, signer_name=…, reason=…, location=…)` → `SignedPdf` (bytes and the PAdES level), or a
  `SigningKeyError` with a stable `code` (a token absent, a wrong PIN, the time-stamping authority down…)
- `verify_pdf(data, trust_roots(var_dir))` → `Verification` (the report itself is shared.contracts.verification)
- `ensure_demo_pki(var_dir, issuing_units())`: the demo CA `thidua migrate` makes
"""

from shared.contracts.verification import UNREADABLE, Problem, SignatureCheck, Verification
from shared.platform.pdfsigning import _library_warnings  # noqa: F401  (before pyHanko is imported)
from shared.platform.pdfsigning.errors import (
    NoSigningKey,
    RefusalCode,
    SigningKeyError,
    SigningKeyUnavailable,
    TimestampUnavailable,
)
from shared.platform.pdfsigning.keys import SIGNING_KEYS_ENV, SigningKeys, UnitKey
from shared.platform.pdfsigning.pki import DemoPki, IssuingUnit, ensure_demo_pki, is_demo_ca, issuing_units
from shared.platform.pdfsigning.signing import PadesLevel, SignedPdf, UnitSigner, sign_pdf, sign_pdf_now
from shared.platform.pdfsigning.timestamps import TSA_URL_ENV, TimestampAuthority
from shared.platform.pdfsigning.tokens import Pkcs11Token
from shared.platform.pdfsigning.verification import TRUST_ROOTS_ENV, trust_roots, verify_pdf

__all__ = [
    "SIGNING_KEYS_ENV",
    "TRUST_ROOTS_ENV",
    "TSA_URL_ENV",
    "UNREADABLE",
    "DemoPki",
    "IssuingUnit",
    "NoSigningKey",
    "PadesLevel",
    "Pkcs11Token",
    "Problem",
    "RefusalCode",
    "SignatureCheck",
    "SignedPdf",
    "SigningKeyError",
    "SigningKeyUnavailable",
    "SigningKeys",
    "TimestampAuthority",
    "TimestampUnavailable",
    "UnitKey",
    "UnitSigner",
    "Verification",
    "ensure_demo_pki",
    "is_demo_ca",
    "issuing_units",
    "sign_pdf",
    "sign_pdf_now",
    "trust_roots",
    "verify_pdf",
]
