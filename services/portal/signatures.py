"""Checking the signature of a document anyone uploads (the public page `/xac-thuc` and `POST
/api/v1/documents/verify`): no sign-in, nothing asked of a service, only the file and the trusted roots.

The roots are the demo CA under the portal's var dir and the PEM files of THIDUA_TRUST_ROOTS, read for each check (a
handful of small files), so a CA added by `thidua migrate` is trusted without a restart. The file is read up to
`MAX_DOCUMENT_BYTES` (413 `upload_too_large` beyond) and checked in a worker thread, a few at a time.
"""

from __future__ import annotations

from anyio import to_thread
from fastapi import Request

from services.portal.gateway import Gateway
from services.portal.uploads import Upload, read_upload
from shared.contracts.verification import Verification

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024


async def read_document(request: Request) -> Upload:
    return await read_upload(request, MAX_DOCUMENT_BYTES)


async def verify_document(gateway: Gateway, data: bytes) -> Verification:
    # pyHanko (and its certificate validator) load with the first file checked, not with the portal: ~9 MiB that a
    # portal nobody asks to check a signature never holds (issue 20: under 150 MB a process)
    from shared.platform.pdfsigning import trust_roots, verify_pdf

    roots = trust_roots(gateway.settings.var_dir, gateway.settings.trust_roots)
    return await to_thread.run_sync(verify_pdf, data, roots, limiter=gateway.attachment_readers)
