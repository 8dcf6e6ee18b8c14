"""Reports over the registry, as the union's own reports print them: pure shaping and formatting.

"2.219 sáng kiến cấp cơ sở (HCSN 75, trường học 446, doanh nghiệp 1.301)": Vietnamese numbers with "." between
thousands, the sectors in the order the seeds use (public administration, schools, enterprises).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from shared.contracts.errors import Forbidden
from shared.contracts.events import Actor
from shared.contracts.values import LEVEL_RANK
from shared.rules.periods import KIND_NAMES_VI, kind_of, sort_key

SECTORS: tuple[str, ...] = ("public_administration", "school", "enterprise")
UNKNOWN_SECTOR = "unknown"
SECTOR_LABELS_VI: dict[str, str] = {
    "public_administration": "HCSN",
    "school": "trường học",
    "enterprise": "doanh nghiệp",
    UNKNOWN_SECTOR: "chưa phân loại",
}
SECTOR_NAMES_VI: dict[str, str] = {
    "public_administration": "Khối hành chính sự nghiệp",
    "school": "Khối trường học",
    "enterprise": "Khối doanh nghiệp",
    UNKNOWN_SECTOR: "Chưa phân loại",
}
# How a count names each level of shared.contracts.values.LEVELS (lower case, inside a sentence).
LEVEL_LABELS_VI: dict[str, str] = {
    "grassroots": "cấp cơ sở",
    "district": "cấp trên trực tiếp cơ sở",
    "city": "cấp Thành phố",
    "national": "cấp Trung ương",
}
# What a report counts at: the union's levels, and the state's for the titles it granted on a union tờ trình
# (services.awards.domain.outcomes.STATE_LEVEL).
COUNTED_LEVEL_LABELS_VI: dict[str, str] = {**LEVEL_LABELS_VI, "state": "cấp Nhà nước"}
KIND_LABELS_VI: dict[str, str] = {"individual": "cá nhân", "collective": "tập thể"}


def vn_number(n: int) -> str:
    """2219 -> '2.219'; -1301 -> '-1.301'."""
    return f"{n:,}".replace(",", ".")


def sector_key(sector: str | None) -> str:
    return sector if sector in SECTOR_LABELS_VI else UNKNOWN_SECTOR


def sector_breakdown(by_sector: Mapping[str, int]) -> str:
    """'HCSN 75, trường học 446, doanh nghiệp 1.301': the sectors with entries, in the seeds' order."""
    order = (*SECTORS, UNKNOWN_SECTOR)
    return ", ".join(f"{SECTOR_LABELS_VI[s]} {vn_number(by_sector[s])}" for s in order if by_sector.get(s))


def headline(count: int, label: str, by_sector: Mapping[str, int]) -> str:
    """'2.219 sáng kiến cấp cơ sở (HCSN 75, trường học 446, doanh nghiệp 1.301)'."""
    breakdown = sector_breakdown(by_sector)
    return f"{vn_number(count)} {label}" + (f" ({breakdown})" if breakdown else "")


def award_label(name: str, category: str | None) -> str:
    """How a count names an award: an innovation award reads as a common noun ("sáng kiến cấp cơ sở")."""
    if category == "innovation" and name:
        return name[0].lower() + name[1:]
    return name


@dataclass(frozen=True)
class Group:
    """One row of the grouped count: entries with the same award, level, sector, nominee kind and year."""

    award_code: str
    award_name: str
    category: str | None
    level: str
    sector: str | None
    nominee_kind: str
    year: int
    count: int
    prize_vnd: int  # money: coefficient prizes and flat amounts
    gift_vnd: int = 0  # the value of gifts
    period: str = ""  # the kỳ xét; "" for entries recorded before reports kept it


def actor_units(actor: Actor) -> frozenset[str]:
    return frozenset(g.unit_code for g in actor.roles if g.unit_code)


def report_unit(actor: Actor, requested: str | None) -> tuple[str | None, bool]:
    """The unit whose subtree the report covers (None: the whole tree, for an operator or administrator asking for no
    unit), and whether it must be narrowed to the actor's own units."""
    own = actor_units(actor)
    if actor.sees_everything():
        return requested, False
    if not own:
        raise Forbidden("Bạn chưa thuộc đơn vị nào nên không xem được báo cáo", code="no_unit")
    if requested is None:
        return sorted(own)[0], False
    return requested, requested not in own


@dataclass(frozen=True)
class ScopeFilter:
    """Which entries of a unit's subtree a report counts; `within` narrows to entries also under one of these units."""

    unit_code: str
    date_from: date | None = None
    date_to: date | None = None
    award_code: str | None = None
    level: str | None = None
    sector: str | None = None  # UNKNOWN_SECTOR: entries without one
    nominee_kind: str | None = None
    period: str | None = None  # the entries' kỳ xét, as stored ("2025", "2024-2025")
    within: frozenset[str] | None = None


@dataclass(frozen=True)
class ScopeCount:
    """One row of the grouped count over a unit's scope, as the store reads it (None where the row had none)."""

    child_code: str | None  # the unit directly below; None: the unit's own entries
    child_name: str | None
    award_code: str
    award_name: str | None
    category: str | None
    level: str | None
    sector: str | None
    nominee_kind: str | None
    year: int | None
    count: int
    prize_vnd: int
    period: str | None = None

    def group(self, gift_awards: frozenset[str] = frozenset()) -> Group:
        """The row as a group; the prizes of `gift_awards` (whose prize is a gift) count as gifts' value, not money."""
        gift = self.award_code in gift_awards
        return Group(
            award_code=self.award_code,
            award_name=self.award_name or self.award_code,
            category=self.category,
            level=self.level or "",
            sector=self.sector,
            nominee_kind=self.nominee_kind or "individual",
            year=int(self.year or 0),
            count=int(self.count),
            prize_vnd=0 if gift else int(self.prize_vnd),
            gift_vnd=int(self.prize_vnd) if gift else 0,
            period=self.period or "",
        )


def by_unit(
    counts: Sequence[ScopeCount], unit: str, own_name: str | None, gift_awards: frozenset[str] = frozenset()
) -> list[dict[str, Any]]:
    """One line per unit directly below (entries of the unit itself under its own code), largest first."""
    lines: dict[str, dict[str, Any]] = {}
    for row in counts:
        code = row.child_code or unit
        name = row.child_name or (own_name if row.child_code is None else None) or code
        line = lines.setdefault(code, {"code": code, "name": name, "count": 0, "prize_vnd": 0, "gift_vnd": 0, "by_sector": {}})
        line["count"] += int(row.count)
        line["gift_vnd" if row.award_code in gift_awards else "prize_vnd"] += int(row.prize_vnd)
        key = sector_key(row.sector)
        line["by_sector"][key] = line["by_sector"].get(key, 0) + int(row.count)
    for line in lines.values():
        line["sector_text"] = sector_breakdown(line["by_sector"])
        line["by_sector"] = {s: line["by_sector"].get(s, 0) for s in (*SECTORS, UNKNOWN_SECTOR)}
    return sorted(lines.values(), key=lambda x: (-x["count"], x["name"]))


@dataclass
class _Tally:
    count: int = 0
    prize_vnd: int = 0
    gift_vnd: int = 0
    by_sector: dict[str, int] = field(default_factory=dict)
    by_kind: dict[str, int] = field(default_factory=dict)

    def add(self, g: Group) -> None:
        self.count += g.count
        self.prize_vnd += g.prize_vnd
        self.gift_vnd += g.gift_vnd
        s = sector_key(g.sector)
        self.by_sector[s] = self.by_sector.get(s, 0) + g.count
        self.by_kind[g.nominee_kind] = self.by_kind.get(g.nominee_kind, 0) + g.count

    def view(self) -> dict[str, object]:
        return {
            "count": self.count,
            "prize_vnd": self.prize_vnd,
            "gift_vnd": self.gift_vnd,
            "individual": self.by_kind.get("individual", 0),
            "collective": self.by_kind.get("collective", 0),
            "by_sector": {s: self.by_sector.get(s, 0) for s in (*SECTORS, UNKNOWN_SECTOR)},
            "sector_text": sector_breakdown(self.by_sector),
        }


def summarise(groups: Iterable[Group]) -> dict[str, object]:
    """Totals by award, level, sector, nominee kind and year, each with its headline in the seeds' words."""
    total = _Tally()
    awards: dict[str, _Tally] = {}
    award_meta: dict[str, Group] = {}
    levels: dict[str, _Tally] = {}
    sectors: dict[str, _Tally] = {}
    years: dict[int, _Tally] = {}
    periods_: dict[str, _Tally] = {}
    for g in groups:
        total.add(g)
        awards.setdefault(g.award_code, _Tally()).add(g)
        award_meta.setdefault(g.award_code, g)
        levels.setdefault(g.level, _Tally()).add(g)
        sectors.setdefault(sector_key(g.sector), _Tally()).add(g)
        years.setdefault(g.year, _Tally()).add(g)
        periods_.setdefault(g.period, _Tally()).add(g)
    level_rank = LEVEL_RANK

    def award_order(code: str) -> tuple[int, int, str]:
        return (level_rank.get(award_meta[code].level, 9), -awards[code].count, award_meta[code].award_name)

    by_award = []
    for code in sorted(awards, key=award_order):
        meta, tally = award_meta[code], awards[code]
        label = f"{award_label(meta.award_name, meta.category)}"
        by_award.append(
            {
                "award_code": code,
                "award_name": meta.award_name,
                "category": meta.category,
                "level": meta.level,
                "level_label": COUNTED_LEVEL_LABELS_VI.get(meta.level, meta.level),
                **tally.view(),
                "headline": headline(tally.count, label, tally.by_sector),
            }
        )
    return {
        "total": {**total.view(), "headline": headline(total.count, "lượt khen thưởng", total.by_sector)},
        "by_award": by_award,
        "by_level": [
            {"level": lv, "label": COUNTED_LEVEL_LABELS_VI.get(lv, lv), **levels[lv].view()}
            for lv in sorted(levels, key=lambda lv: level_rank.get(lv, 9))
        ],
        "by_sector": [
            {"sector": s, "label": SECTOR_NAMES_VI[s], **sectors[s].view()} for s in (*SECTORS, UNKNOWN_SECTOR) if s in sectors
        ],
        "by_year": [{"year": y, **years[y].view()} for y in sorted(years)],
        "by_period": [{"period": p, "label": period_label(p), **periods_[p].view()} for p in sorted(periods_, key=sort_key)],
    }


def period_label(period: str) -> str:
    """'Năm 2025', 'Năm học 2024-2025', 'Giai đoạn 2023-2028'; entries without a period: 'Chưa ghi kỳ xét'."""
    kind = kind_of(period)
    if kind is None:
        return period or "Chưa ghi kỳ xét"
    return f"{KIND_NAMES_VI[kind].capitalize()} {period}"
