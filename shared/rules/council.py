"""The Hội đồng Thi đua – Khen thưởng's vote, judged against a `CouncilRule`.

Union councils' real thresholds are unconfirmed (rules.md §3), so the rule is data: a quorum (share of all
members who must attend), a threshold (share of "đồng ý" votes), the base the threshold counts on (those present
or all members), whether it must be exceeded rather than reached (">50 %"), and whether the vote must be a secret
ballot. Shares are exact fractions: 2/3 of 9 members is 6, not 5.999.

Which rule: an award whose catalogue entry has its own council rule keeps it; otherwise the rule of the kind of
council that met (the unit's Hội đồng TĐKT, a CĐCS's Ban Chấp hành, a joint council with the employer), dated, in
shared/data/councils.toml, with the catalogue's `council_default` saying only which levels must vote.

A rule with `confirmed = false` warns, it does not block: a check it misses is kept (`warning`) and shown, and the
vote still counts as passed. A confirmed rule blocks.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.events import CouncilVote
from shared.contracts.values import CouncilKind, Level
from shared.rules.catalog import Catalog, CouncilRule, Share
from shared.rules.dated import in_force

RULES_FILE = Path(__file__).resolve().parents[1] / "data" / "councils.toml"

COUNCIL_KINDS: tuple[CouncilKind, ...] = ("tdkt", "bch_cdcs", "joint")
UNCONFIRMED_NOTE = "tỷ lệ chưa xác nhận: chỉ cảnh báo, không chặn"


def default_kind(level: Level) -> CouncilKind:
    """The council a unit votes through when the meeting names none: a CĐCS's Ban Chấp hành, else the unit's council."""
    return "bch_cdcs" if level == "grassroots" else "tdkt"


class UnitCouncilRule(BaseModel):
    """How a kind of council at some levels passes a nomination, from a date (shared/data/councils.toml)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    effective_from: date
    name: str = Field(min_length=1)
    levels: tuple[Level, ...] = Field(min_length=1)
    council_kinds: tuple[CouncilKind, ...] = Field(min_length=1)
    quorum: Share
    threshold: Share
    base: Literal["present", "all_members"]
    strictly_more: bool = False
    secret_ballot: bool = False
    source: str = Field(min_length=1)
    confirmed: bool = True


class _RulesFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    rules: list[UnitCouncilRule] = Field(min_length=1)


@cache
def _load(path: Path) -> _RulesFile:
    with path.open("rb") as f:
        return _RulesFile.model_validate(tomllib.load(f))


def unit_rule_on(level: Level, kind: CouncilKind, on: date, path: Path = RULES_FILE) -> UnitCouncilRule | None:
    """The rule of that kind of council at that level in force on `on`; None when no entry covers it yet."""
    return in_force((r for r in _load(path).rules if level in r.levels and kind in r.council_kinds), on)


@dataclass(frozen=True)
class AppliedRule:
    """The council rule a vote is judged by, and what to call it on screen."""

    rule: CouncilRule
    name: str  # "Ban Chấp hành công đoàn cơ sở (áp dụng từ 01/01/2024)" or "Quy định riêng của hình thức khen thưởng"

    @property
    def label(self) -> str:
        """'Theo quy định: <name>; <the thresholds>' and, when unconfirmed, that it only warns."""
        text = f"Theo quy định: {self.name} — {self.rule.describe()}"
        return text if self.rule.confirmed else f"{text} ({UNCONFIRMED_NOTE})"


def applied_rule(
    award_rule: CouncilRule | None, catalog: Catalog | None, unit_rule: UnitCouncilRule | None
) -> AppliedRule | None:
    """The rule a council's vote on an award is judged by (see the module docstring); None when the award has none."""
    if award_rule is None:
        return None
    own = catalog is None or catalog.council_default is None or award_rule != catalog.council_default
    if own or unit_rule is None or not award_rule.vote_required:
        return AppliedRule(award_rule, "Quy định của hình thức khen thưởng trong danh mục")
    merged = award_rule.model_copy(
        update={
            "quorum": unit_rule.quorum,
            "threshold": unit_rule.threshold,
            "base": unit_rule.base,
            "strictly_more": unit_rule.strictly_more,
            "secret_ballot": unit_rule.secret_ballot,
            "source": unit_rule.source,
            "confirmed": unit_rule.confirmed,
        }
    )
    return AppliedRule(merged, f"{unit_rule.name} (áp dụng từ {unit_rule.effective_from:%d/%m/%Y})")


class Check(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: Literal["quorum", "ballot", "threshold"]
    passed: bool
    message: str  # Vietnamese, with the numbers
    warning: bool = False  # missed, but the rule is unconfirmed: shown, not blocking


class CouncilResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    passed: bool
    checks: tuple[Check, ...]
    rule_confirmed: bool = True

    @property
    def warnings(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.warning)

    @property
    def explanation(self) -> str:
        text = "; ".join(c.message for c in self.checks)
        return f"{text} (cảnh báo: {UNCONFIRMED_NOTE})" if self.warnings else text


def _percent(share: Fraction) -> str:
    value = float(share * 100)
    return f"{value:.0f} %" if value.is_integer() else f"{value:.1f} %".replace(".", ",")


def judge(rule: CouncilRule, vote: CouncilVote) -> CouncilResult:
    """Pass only when the meeting had its quorum, voted the required way and reached the threshold."""
    quorum_ok = Fraction(vote.present, vote.members) >= rule.quorum
    checks = [
        Check(
            code="quorum",
            passed=quorum_ok,
            message=f"Có mặt {vote.present}/{vote.members} thành viên ({_percent(Fraction(vote.present, vote.members))}), "
            f"cần ít nhất {_percent(rule.quorum)}: {'đủ' if quorum_ok else 'không đủ'} số lượng",
        )
    ]
    if rule.secret_ballot:
        checks.append(
            Check(
                code="ballot",
                passed=vote.secret_ballot,
                message="Bỏ phiếu kín: "
                + ("đúng quy định" if vote.secret_ballot else "bắt buộc nhưng hội đồng không bỏ phiếu kín"),
            )
        )
    counted = vote.present if rule.base == "present" else vote.members  # "all_members"
    share = Fraction(vote.votes_for, counted) if counted else Fraction(0)
    reached = share > rule.threshold if rule.strictly_more else share >= rule.threshold
    base_vi = "thành viên có mặt" if rule.base == "present" else "tổng số thành viên"
    need = ("trên " if rule.strictly_more else "ít nhất ") + _percent(rule.threshold)
    checks.append(
        Check(
            code="threshold",
            passed=reached,
            message=f"Đồng ý {vote.votes_for}/{counted} {base_vi} ({_percent(share)}), cần {need}: "
            + ("đạt" if reached else "không đạt"),
        )
    )
    if not rule.confirmed:  # an unconfirmed threshold warns: the check stays, marked, and does not fail the vote
        checks = [c if c.passed else c.model_copy(update={"warning": True}) for c in checks]
    return CouncilResult(passed=all(c.passed or c.warning for c in checks), checks=tuple(checks), rule_confirmed=rule.confirmed)
