"""The Hội đồng Thi đua – Khen thưởng's vote, judged against the award's `CouncilRule` in the catalogue.

Union councils' real thresholds are unconfirmed (rules.md §3), so the rule is data (shared/rules/catalog.py): a
quorum (share of all members who must attend), a threshold (share of "đồng ý" votes), the base the threshold
counts on (those present or all members), whether it must be exceeded rather than reached (">50 %"), and
whether the vote must be a secret ballot. Shares are exact fractions: 2/3 of 9 members is 6, not 5.999.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Literal

from pydantic import BaseModel, ConfigDict

from shared.contracts.events import CouncilVote
from shared.rules.catalog import CouncilRule


class Check(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: Literal["quorum", "ballot", "threshold"]
    passed: bool
    message: str  # Vietnamese, with the numbers


class CouncilResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    passed: bool
    checks: tuple[Check, ...]

    @property
    def explanation(self) -> str:
        return "; ".join(c.message for c in self.checks)


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
    return CouncilResult(passed=all(c.passed for c in checks), checks=tuple(checks))
