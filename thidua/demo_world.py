"""Who works which unit in the demo world (services/portal/demo_users.toml), and the 2025 reorganisation files the
demo applies. The tree `thidua migrate` loads is the one before the reform; after `thidua demo` the ward and commune
unions have replaced every district, so each unit a demo dossier can reach, before or after, has its people here."""

from __future__ import annotations

from pathlib import Path

from shared.rules.reference import DATA_DIR

REORGANISATIONS_DIR = DATA_DIR / "reorganisations"

# Which approver works which unit's queue in the demo world.
APPROVERS = {
    "HN-SONTAY": "ld.sontay",
    "HN-THANHXUAN": "ld.thanhxuan",
    "HN-HADONG": "ld.hadong",
    "HN-LONGBIEN": "ld.longbien",
    # the ward unions that take over the demo's CĐCS after the 2025 reorganisation
    "HN-P-SONTAY": "cd.psontay",
    "HN-P-THANHXUAN": "cd.pthanhxuan",
    "HN-P-HADONG": "cd.phadong",
    "HN-P-LONGBIEN": "cd.plongbien",
    "HN": "ld.hanoi",
    "TLD": "tld",
}

# The Chủ tịch of each issuing unit, who signs its decisions and tờ trình (services/awards/demo_signers.toml).
SIGNERS = {
    "HN-SONTAY": "ky.sontay",
    "HN-THANHXUAN": "ky.thanhxuan",
    "HN-HADONG": "ky.hadong",
    "HN-LONGBIEN": "ky.longbien",
    "HN-P-SONTAY": "ky.psontay",
    "HN-P-THANHXUAN": "ky.pthanhxuan",
    "HN-P-HADONG": "ky.phadong",
    "HN": "ky.hanoi",
    "TLD": "ky.tld",
    "HN-CDVC": "ky.cdvc",
    "HN-MYDUC": "ky.myduc",
}


def reorganisation_files(directory: Path = REORGANISATIONS_DIR) -> list[Path]:
    """The shipped reorganisation files, in the one order the demo (and seed-reports) applies them: by name, which
    starts with the effective date (one file per district of the demo tree for the 2025 reform)."""
    return sorted(directory.glob("*.toml"))
