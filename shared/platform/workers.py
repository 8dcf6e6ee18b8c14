"""What people upload (register and member spreadsheets, attachments, signed PDFs) is parsed in worker processes,
never in the serving process: the portal's checks of uploads and verification of signatures, and registration's
check of each file it takes into a dossier.

The parsers (openpyxl, pypdf, oletools, pyHanko) are CPU-bound Python. In a worker thread they still hold the GIL the
event loop needs between its steps: while the largest accepted register (6 MB of XML, 2.6 to 5 s of parsing) was
read in a thread, one `await` of the loop waited up to 83 ms and a `/healthz` up to 0.35 s here, 1.5 s on a loaded
CI machine. In a worker process the portal answers at its usual pace whatever a parse costs; registration, which
checks a dossier's files (up to 10 MB each) again when it takes them, keeps answering RPCs and events meanwhile.

anyio keeps the workers: one starts at the first parse that finds none idle (~0.5 s, then it stays), an idle one
is stopped when a later parse finds it idle for five minutes, all of them when the service stops; a worker that
outlives a killed service sees its stdin close and exits. The limiter says how many parse at once (the others wait
their turn). An error the parser raises comes back as itself (a `DomainError` is pickled whole: a workbook too
large, unreadable or too slow keeps its status, code and field). A worker found dead (killed while idle, or
mid-parse) is replaced and the parse tried once more; failing again (a file that kills its reader, say) it is a 503
`upload_reader_failed`.

A function given here must be importable by name (a module's function, or a `functools.partial` of one) and take
and return what pickles.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar, TypeVarTuple, Unpack

from anyio import BrokenWorkerProcess, CapacityLimiter, to_process

from shared.contracts.errors import ServiceUnavailable

log = logging.getLogger("thidua.workers")

T = TypeVar("T")
Args = TypeVarTuple("Args")


class UploadReaderFailed(ServiceUnavailable):
    code = "upload_reader_failed"
    title = "Không đọc xong được tệp tải lên (tiến trình đọc tệp dừng giữa chừng); vui lòng thử lại sau"


async def in_worker(func: Callable[[Unpack[Args]], T], *args: *Args, limiter: CapacityLimiter) -> T:
    """`func(*args)` in a worker process, at most `limiter`'s number at once; once more in a new worker if the one it
    was given is gone (an idle worker killed from outside is only found out when it is used)."""
    name = getattr(func, "__name__", repr(func))
    for attempt in (1, 2):
        try:
            return await to_process.run_sync(func, *args, limiter=limiter)
        except BrokenWorkerProcess as exc:
            log.error("upload.worker_failed", extra={"function": name, "attempt": attempt}, exc_info=exc)
            failure = exc
    raise UploadReaderFailed() from failure
