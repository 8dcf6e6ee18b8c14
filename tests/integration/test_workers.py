"""The worker processes (`shared/platform/workers.py`): what people upload is parsed in another process, an
error the parser raises comes back whole, and a worker that dies is a 503 after which the next parse works."""

from __future__ import annotations

import os
import runpy
import sys
from pathlib import Path

import anyio.to_process
import pytest
from anyio import CapacityLimiter

from services.portal.register_import import WorkbookTooLarge, check_unpacked_size
from shared.platform.workers import UploadReaderFailed, in_worker
from tests.register_files import unpacking_bomb

MAIN = Path(__file__).parents[2] / "thidua" / "__main__.py"


def exit_the_first_time(marker: str) -> int:
    """Ends its worker process the first time it is called (as a worker killed mid-parse), then answers its pid."""
    if not os.path.exists(marker):
        Path(marker).touch()
        os._exit(1)
    return os.getpid()


@pytest.mark.asyncio
async def test_a_parse_runs_in_another_process_and_its_error_comes_back_whole() -> None:
    readers = CapacityLimiter(1)

    assert await in_worker(os.getpid, limiter=readers) != os.getpid()
    with pytest.raises(WorkbookTooLarge) as raised:
        await in_worker(check_unpacked_size, unpacking_bomb(), limiter=readers)

    assert (raised.value.status, raised.value.code) == (413, "workbook_too_large")
    assert [f.field for f in raised.value.fields] == ["file"]
    assert raised.value.title == WorkbookTooLarge().title


@pytest.mark.asyncio
async def test_a_worker_that_dies_mid_call_is_replaced_and_the_call_tried_once_more(tmp_path: Path) -> None:
    readers = CapacityLimiter(1)

    pid = await in_worker(exit_the_first_time, str(tmp_path / "died"), limiter=readers)

    assert (tmp_path / "died").exists()  # the first worker died in the call; a second one answered
    assert pid != os.getpid()


@pytest.mark.asyncio
async def test_a_call_that_kills_its_worker_twice_is_a_503_and_the_next_parse_gets_a_new_one() -> None:
    readers = CapacityLimiter(1)
    first = await in_worker(os.getpid, limiter=readers)

    with pytest.raises(UploadReaderFailed) as raised:
        await in_worker(os._exit, 1, limiter=readers)  # the worker process ends mid-call, as one killed would

    assert (raised.value.status, raised.value.code) == (503, "upload_reader_failed")
    assert await in_worker(os.getpid, limiter=readers) not in (first, os.getpid())


def test_the_main_module_of_a_service_process_does_nothing_when_a_worker_runs_it_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A worker runs its parent's main module (`python -m thidua service portal`: thidua/__main__.py) as
    `__mp_main__` before its first parse; unguarded, it would start the CLI (or a whole portal) in the worker."""
    monkeypatch.setattr(sys, "argv", [anyio.to_process.__file__])  # as in a worker (`python -m anyio.to_process`)

    ran = runpy.run_path(str(MAIN), run_name="__mp_main__")  # what anyio's worker does at start

    assert callable(ran["main"])
