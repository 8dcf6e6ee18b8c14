"""Checking the signature of a document anyone uploads (the public page `/xac-thuc` and `POST
/api/v1/documents/verify`): no sign-in, nothing asked of a service, only the file and the trusted roots.

The roots are the demo CA under the portal's var dir and the PEM files of THIDUA_TRUST_ROOTS, read for each check (a
handful of small files), so a CA added by `thidua migrate` is trusted without a restart. The file is read up to
`MAX_DOCUMENT_BYTES` (413 `upload_too_large` beyond) and checked in a worker process, a few at a time
(`shared/platform/workers.py`).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import Request

from services.portal.gateway import Gateway
from services.portal.uploads import Upload, read_upload
from shared.contracts.verification import Verification
from shared.platform.workers import in_worker

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024


async def read_document(request: Request) -> Upload:
    return await read_upload(request, MAX_DOCUMENT_BYTES)


async def verify_document(gateway: Gateway, data: bytes) -> Verification:
    settings = gateway.settings
    return await in_worker(_verify, data, settings.var_dir, settings.trust_roots, limiter=gateway.attachment_readers)


def _verify(data: bytes, var_dir: Path | None, extra_roots: str | None) -> Verification:
    """In a worker process, the roots' files read and pyHanko imported there too: pyHanko and its certificate
    validator (~9 MiB) load in the worker, never in the portal (issue 20: under 150 MB a process), and neither that
    import nor the checking holds up the portal's event loop."""
    from shared.platform.pdfsigning import trust_roots, verify_pdf

    return verify_pdf(data, trust_roots(var_dir, extra_roots))
