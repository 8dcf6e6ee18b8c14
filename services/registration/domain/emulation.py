"""Pledges, campaigns and clusters judged against a nomination: pure rules returning `EligibilityCheck`s.

- A campaign ("đợt thi đua") receives nominations for its target awards within its window, up to each target's
  quota (nominations in progress or granted count).
- A CĐCS registers its year's pledge ("đăng ký giao ước thi đua") before a dated deadline; its direct superior
  confirms it. Yearly ("công trạng") nominations check the pledge of the nominating CĐCS for the period's year.
- A Cờ thi đua goes to a unit its cluster ("cụm thi đua") voted leading ("bình xét suy tôn") that year.

The rules with dates are in `shared/data/emulation.toml` (the file the Rulebook names; `parse_rules` reads its entries);
the caller brings them and the records (campaign, pledge, cluster votes). Nothing here reads a file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.registration.domain.nomination import ACTIVE
from services.registration.domain.nomination import Status as NominationStatus
from shared.contracts.commands import Campaign, CampaignTarget, PledgeTarget
from shared.contracts.events import CampaignRef, EligibilityCheck
from shared.contracts.values import LEVEL_NAMES_VI
from shared.rules.catalog import Award, AwardKind
from shared.rules.dated import in_force
from shared.rules.eligibility import failure_status

UNCONFIRMED = " (chưa xác nhận)"
Policy = Literal["block", "warn"]
Status = Literal["pass", "fail", "warning"]
PledgeStatus = Literal["submitted", "confirmed", "returned"]
PLEDGE_STATUS_VI: dict[str, str] = {"submitted": "Chờ cấp trên xác nhận", "confirmed": "Đã xác nhận", "returned": "Trả lại"}
TitleName = Callable[[str], str]
# Nominations that hold a place in a campaign.
HOLDS_CAMPAIGN_PLACE = frozenset({*ACTIVE, NominationStatus.GRANTED})
# The checks a campaign gives a nomination when it is first submitted; they travel unchanged with its resubmissions.
CAMPAIGN_RULES = ("campaign_window", "campaign_quota", "campaign_unit_quota")


def _vn(day: date) -> str:
    return f"{day:%d/%m/%Y}"


def _source(source: str, confirmed: bool) -> str:
    return source if confirmed or "chưa xác nhận" in source else source + UNCONFIRMED


def _status(ok: bool, policy: Policy, confirmed: bool = True) -> Status:
    """A check's outcome: an unconfirmed rule warns where it would block (`failure_status`)."""
    return "pass" if ok else failure_status(policy, confirmed)


# Configuration


class _DatedRule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    effective_from: date
    source: str = Field(min_length=1)
    confirmed: bool = True


class PledgeRule(_DatedRule):
    deadline_month: int = Field(ge=1, le=12)
    deadline_day: int = Field(ge=1, le=31)
    late: Literal["refuse", "accept_flagged"] = "refuse"
    award_kinds: tuple[AwardKind, ...] = ("yearly",)
    missing: Policy = "warn"
    unconfirmed: Policy = "warn"
    title_not_pledged: Policy = "warn"

    def deadline(self, year: int) -> date:
        return date(year, self.deadline_month, self.deadline_day)

    @property
    def late_policy(self) -> Literal["refuse", "accept_flagged"]:
        """A late pledge is refused only by a confirmed rule; an unconfirmed deadline records it as late."""
        return self.late if self.confirmed else "accept_flagged"


class ClusterLeadRule(_DatedRule):
    award: str = Field(min_length=1)
    on_fail: Policy = "block"


class EmulationRules(BaseModel):
    """Every dated pledge and cluster rule of the emulation file; `pledge_on` and `cluster_on` pick the one in force."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    pledge: list[PledgeRule] = Field(min_length=1)
    cluster_lead: list[ClusterLeadRule] = Field(default_factory=list)

    def pledge_on(self, on: date) -> PledgeRule:
        rule = in_force(self.pledge, on)
        if rule is None:
            raise LookupError(f"no pledge rule in force on {on.isoformat()}")
        return rule

    def cluster_on(self, award_code: str, on: date) -> ClusterLeadRule | None:
        """The cluster-vote rule for a Cờ award in force on `on`, or None when the award needs no cluster vote."""
        return in_force([r for r in self.cluster_lead if r.award == award_code], on)


def parse_rules(raw: Mapping[str, Any]) -> EmulationRules:
    """The rules of an emulation file's `[[pledge]]` and `[[cluster_lead]]` entries."""
    return EmulationRules.model_validate(raw)


def campaign_ref(campaign: Campaign) -> CampaignRef:
    """The campaign as a nomination's snapshot carries it."""
    return CampaignRef(
        code=campaign.code,
        name=campaign.name,
        plan_ref=campaign.plan_ref,
        launching_unit_code=campaign.launching_unit_code,
        starts_on=campaign.starts_on,
        ends_on=campaign.ends_on,
    )


def judge_campaign_window(campaign: Campaign, on: date) -> EligibilityCheck:
    """Within the window, both ends included (dates in Vietnam time)."""
    ok = campaign.open_on(on)
    message = f"Đợt thi đua “{campaign.name}” ({campaign.plan_ref}) nhận hồ sơ {campaign.window_vi}"
    if not ok:
        message += f"; hôm nay {_vn(on)} " + ("chưa bắt đầu" if on < campaign.starts_on else "đã kết thúc")
    return EligibilityCheck(
        rule="campaign_window",
        status=_status(ok, "block"),
        message=message,
        source=f"Kế hoạch {campaign.plan_ref}",
        field="campaign_code",
    )


def judge_campaign_quota(campaign: Campaign, target: CampaignTarget, used: int, award_name: str) -> EligibilityCheck:
    """`used`: the campaign's other nominations of the award that are in progress or granted."""
    ok = used < target.quota
    if ok:
        message = (
            f"Chỉ tiêu “{award_name}” của đợt thi đua “{campaign.name}”: hồ sơ này là thứ {used + 1}/{target.quota}, "
            f"còn {target.quota - used - 1}"
        )
    else:
        message = f"Đợt thi đua “{campaign.name}” đã đủ chỉ tiêu {used}/{target.quota} “{award_name}”"
    return EligibilityCheck(
        rule="campaign_quota",
        status=_status(ok, "block"),
        message=message,
        source=f"Kế hoạch {campaign.plan_ref}",
        field="campaign_code",
    )


def judge_unit_headroom(
    campaign: Campaign, target: CampaignTarget, unit_name: str, used: int, award_name: str
) -> EligibilityCheck | None:
    """The proposing unit's own share of the target, when the campaign sets one; `used`: its other nominations."""
    if target.per_unit_quota is None:
        return None
    limit = target.per_unit_quota
    ok = used < limit
    level = LEVEL_NAMES_VI[target.proposing_level].lower()
    if ok:
        message = (
            f"Chỉ tiêu “{award_name}” của {unit_name} trong đợt: hồ sơ này là thứ {used + 1}/{limit}, còn {limit - used - 1}"
        )
    else:
        message = (
            f"{unit_name} đã đủ chỉ tiêu {used}/{limit} “{award_name}” của đợt thi đua “{campaign.name}” (mỗi đơn vị {level})"
        )
    return EligibilityCheck(
        rule="campaign_unit_quota",
        status=_status(ok, "block"),
        message=message,
        source=f"Kế hoạch {campaign.plan_ref}",
        field="campaign_code",
    )


# Pledges


class PledgeRecord(BaseModel):
    """A CĐCS's pledge for one year as registration holds it."""

    model_config = ConfigDict(frozen=True)

    year: int
    status: PledgeStatus
    targets: tuple[PledgeTarget, ...] = ()
    late: bool = False
    superior_name: str = ""
    decided_on: date | None = None

    def pledged(self, award_code: str) -> PledgeTarget | None:
        return next((t for t in self.targets if t.award_code == award_code), None)


def registration_is_late(rule: PledgeRule, year: int, on: date) -> bool:
    """A pledge for `year` registered on `on` after the deadline (a pledge for a later year is never late)."""
    return on > rule.deadline(year)


def judge_pledge(
    rule: PledgeRule, award: Award, year: int, pledge: PledgeRecord | None, title_name: TitleName
) -> EligibilityCheck | None:
    """The nominating CĐCS's pledge for the period's year; None when the award is not of a kind that needs one."""
    if award.kind not in rule.award_kinds:
        return None
    status: Status
    if pledge is None:
        status = _status(False, rule.missing, rule.confirmed)
        message = f"Đơn vị chưa có giao ước thi đua năm {year} trong hệ thống"
    elif pledge.status != "confirmed":
        status = _status(False, rule.unconfirmed, rule.confirmed)
        state = "bị cấp trên trả lại" if pledge.status == "returned" else "chờ cấp trên xác nhận"
        message = f"Giao ước thi đua năm {year} của đơn vị {state}"
    else:
        target = pledge.pledged(award.code)
        confirmed = f"Giao ước thi đua năm {year} đã được {pledge.superior_name or 'cấp trên'} xác nhận" + (
            f" ngày {_vn(pledge.decided_on)}" if pledge.decided_on else ""
        )
        late = " (đăng ký muộn)" if pledge.late else ""
        if target is None:
            status = _status(False, rule.title_not_pledged, rule.confirmed)
            message = f"{confirmed}{late} nhưng không đăng ký “{title_name(award.code)}”"
        else:
            status = "pass"
            message = f"{confirmed}{late}, có đăng ký “{title_name(award.code)}” ({target.count})"
    return EligibilityCheck(rule="pledge", status=status, message=message, source=_source(rule.source, rule.confirmed))


def supersede_declared_pledge(
    checks: list[EligibilityCheck], recorded: EligibilityCheck | None, *, held: bool
) -> list[EligibilityCheck]:
    """The recorded pledge check joins the others; when the system holds a pledge (`held`) it replaces the submitter's
    declared `pledge_registered` fact, otherwise the declaration stays beside the "no pledge recorded" check."""
    if recorded is None:
        return checks
    return [c for c in checks if not (held and c.rule == "pledge_registered")] + [recorded]


# Clusters


class ClusterStanding(BaseModel):
    """The nominee unit in one cluster it belonged to that year, and the cluster's vote if it held one."""

    model_config = ConfigDict(frozen=True)

    cluster_name: str
    voted: bool
    leaders: tuple[str, ...] = ()  # names of the units voted leading
    leading: bool = False


def judge_cluster_lead(
    rule: ClusterLeadRule, unit_name: str, year: int, standings: Sequence[ClusterStanding]
) -> EligibilityCheck:
    if not standings:
        ok = False
        message = f"{unit_name} không thuộc cụm thi đua nào năm {year}"
    elif any(s.leading for s in standings):
        ok = True
        lead = next(s for s in standings if s.leading)
        message = f"{unit_name} được {lead.cluster_name} suy tôn dẫn đầu năm {year}"
    else:
        ok = False
        parts = [
            f"{s.cluster_name} suy tôn dẫn đầu: {', '.join(s.leaders)}"
            if s.voted
            else f"{s.cluster_name} chưa bình xét năm {year}"
            for s in standings
        ]
        message = f"{unit_name} không được cụm thi đua suy tôn dẫn đầu năm {year} ({'; '.join(parts)})"
    return EligibilityCheck(
        rule="cluster_lead",
        status=_status(ok, rule.on_fail, rule.confirmed),
        message=message,
        source=_source(rule.source, rule.confirmed),
    )
