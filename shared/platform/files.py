"""Files only their owner may read: the SQLite databases and the secrets a process keeps under var/.

Created with mode 0600 from the start (never created readable, then narrowed), their directory 0700 when it is
made here; a file that already exists with a wider mode is narrowed to 0600.
"""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def private_file(path: Path) -> Path:
    """`path`, created empty if absent, readable and writable by its owner only."""
    path.parent.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, PRIVATE_FILE))  # no O_TRUNC: an existing file keeps its bytes
    path.chmod(PRIVATE_FILE)
    return path


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` (mode 0600), replacing what it held."""
    private_file(path).write_text(text)
