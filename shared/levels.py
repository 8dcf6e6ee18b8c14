"""The levels of the union hierarchy and what can be nominated: the vocabulary the unit tree and the catalogue share."""

from __future__ import annotations

from typing import Literal

Level = Literal["grassroots", "district", "city", "national"]
NomineeKind = Literal["individual", "collective"]
LEVELS: tuple[Level, ...] = ("grassroots", "district", "city", "national")
LEVEL_RANK: dict[str, int] = {level: rank for rank, level in enumerate(LEVELS)}
LEVEL_NAMES_VI: dict[str, str] = {
    "grassroots": "Công đoàn cơ sở",
    "district": "Cấp trên trực tiếp cơ sở",
    "city": "Cấp thành phố",
    "national": "Cấp Trung ương",
}
