"""Digital signatures on the documents the system issues (PAdES), the demo PKI, and their verification.

- `SigningKeys.from_settings(settings).key_for(unit_code)` → `UnitKey` (or `NoSigningKey`, `SigningKeyUnavailable`)
- `await sign_pdf(pdf, key, signer_name=…, reason=…, location=…)` → `SignedPdf` (bytes and the PAdES level)
- `verify_pdf(data, trust_roots(var_dir))` → `Verification`
- `ensure_demo_pki(var_dir, issuing_units())`: the demo CA `thidua migrate` makes
"""

from shared.platform.pdfsigning import _library_warnings  # noqa: F401  (before pyHanko is imported)
from shared.platform.pdfsigning.keys import (
    SIGNING_KEYS_ENV,
    NoSigningKey,
    SigningKeyError,
    SigningKeys,
    SigningKeyUnavailable,
    UnitKey,
)
from shared.platform.pdfsigning.pki import DemoPki, IssuingUnit, ensure_demo_pki, is_demo_ca, issuing_units
from shared.platform.pdfsigning.signing import PadesLevel, SignedPdf, UnitSigner, sign_pdf, sign_pdf_now
from shared.platform.pdfsigning.verification import (
    TRUST_ROOTS_ENV,
    UNREADABLE,
    Problem,
    SignatureCheck,
    Verification,
    trust_roots,
    verify_pdf,
)

__all__ = [
    "SIGNING_KEYS_ENV",
    "TRUST_ROOTS_ENV",
    "UNREADABLE",
    "DemoPki",
    "IssuingUnit",
    "NoSigningKey",
    "PadesLevel",
    "Problem",
    "SignatureCheck",
    "SignedPdf",
    "SigningKeyError",
    "SigningKeyUnavailable",
    "SigningKeys",
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
