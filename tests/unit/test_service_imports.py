"""A service's process loads the document renderers (fpdf2 with its fonts, PIL and fontTools: ~34 MiB resident) and
openpyxl with the first document or workbook it makes, not at start-up: most processes never render one, and each
stays that much smaller idle (issue 20: under 150 MB per process)."""

from __future__ import annotations

import subprocess
import sys

from shared.platform.settings import SERVICES

HEAVY = ("fpdf", "fontTools", "openpyxl")


def test_starting_a_service_loads_no_document_renderer() -> None:
    script = (
        "import importlib, sys\n"
        f"for service in {list(SERVICES)!r}:\n"
        "    importlib.import_module(f'services.{service}.main')\n"
        f"print(' '.join(sorted({{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r})))\n"
    )
    loaded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.split()
    assert loaded == []


def test_rendering_loads_them_when_asked() -> None:
    script = (
        "import sys\n"
        "from shared.rules import documents\n"
        "assert 'fpdf' not in sys.modules\n"
        "from tests.document_samples import one_person\n"
        "pdf = documents.to_pdf(one_person())\n"
        "print(pdf[:5].decode(), 'fpdf' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["%PDF-", "True"]


def test_the_portal_loads_pyhanko_with_the_first_signature_it_checks_not_at_start_up() -> None:
    """The portal only checks signatures (`/xac-thuc`), which few ask for: pyHanko and its certificate validator
    (~9 MiB) load then, in the worker process that checks it. Awards signs every decision, so it loads them at start."""
    script = (
        "import sys\n"
        "import services.portal.main\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'pyhanko', 'pyhanko_certvalidator'}))\n"
    )
    assert subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.strip() == "[]"
