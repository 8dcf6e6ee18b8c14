"""The one place that reads the wall clock; everything else is given a `Clock`."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

CLOCK_FILE_NAME = "clock.json"


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """UTC wall clock shifted by an offset, for demos and tests outside production.

    Two sources add up: a fixed offset (`THIDUA_CLOCK_OFFSET_SECONDS`, read at start) and, when given,
    a shared file that `thidua clock advance` rewrites while the system runs. Every process of one
    embedded system reads the same file, so time moves for all of them at once; the file is re-read
    only when it changes (one stat per reading).
    """

    def __init__(self, offset: timedelta = timedelta(0), offset_file: Path | None = None) -> None:
        self.offset = offset
        self.offset_file = offset_file
        self._file_stamp: tuple[int, int] | None = None
        self._file_offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset + self.shifted_by()

    def shifted_by(self) -> timedelta:
        """The offset the shared file adds now (zero without a file)."""
        if self.offset_file is None:
            return timedelta(0)
        try:
            stat = os.stat(self.offset_file)
        except FileNotFoundError:
            self._file_stamp, self._file_offset = None, timedelta(0)
            return self._file_offset
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp != self._file_stamp:
            self._file_offset = read_offset_file(self.offset_file)
            self._file_stamp = stamp
        return self._file_offset


def read_offset_file(path: Path) -> timedelta:
    try:
        return timedelta(seconds=float(json.loads(path.read_text())["offset_seconds"]))
    except FileNotFoundError:
        return timedelta(0)
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path}: not a clock offset file ({exc})") from exc


def write_offset_file(path: Path, offset: timedelta, *, by: str = "") -> None:
    """Replace the shared offset atomically (readers never see half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    body = {"offset_seconds": offset.total_seconds(), "written_at": datetime.now(UTC).isoformat(), "by": by}
    tmp.write_text(json.dumps(body))
    os.replace(tmp, path)


class FixedClock:
    """A clock that only moves when told to; for unit tests."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at

    def advance(self, delta: timedelta) -> None:
        self.at += delta
