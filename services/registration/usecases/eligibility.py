"""The checks a nomination gets when it is submitted and resubmitted: the catalogue's criteria and quotas
(`shared.rules.eligibility`), and what registration's own records say of it: the campaign's window and places,
the CĐCS's pledge, the cluster's vote (judged by `services.registration.domain.emulation`). A failed check refuses
the submission with its reasons, each on the field it judged; the others travel with the dossier."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from services.registration.domain.emulation import (
    HOLDS_CAMPAIGN_PLACE,
    ClusterStanding,
    EmulationRules,
    PledgeRecord,
    campaign_ref,
    judge_campaign_quota,
    judge_campaign_window,
    judge_cluster_lead,
    judge_pledge,
    judge_unit_headroom,
    supersede_declared_pledge,
)
from services.registration.domain.nomination import HOLDS_PLACE, Status
from services.registration.store import Store
from services.registration.store.records import NominationCount
from services.registration.usecases import people
from services.registration.usecases.common import award_names, duplicate_nomination
from shared.contracts.errors import FieldError, ValidationFailed
from shared.contracts.events import CampaignRef, EligibilityCheck, Nominee
from shared.contracts.values import VIETNAM_TZ, UnitRef
from shared.rules.catalog import Award, CatalogSet, Quota
from shared.rules.eligibility import EligibilityRules, PriorNomination, QuotaUsage, evaluate, failures, quota_unit


async def judge(
    store: Store,
    catalogs: CatalogSet,
    award: Award,
    path: list[UnitRef],
    unit_code: str,
    nominee: Nominee,
    period: str,
    achievements: str,
    *,
    on: date,
    rules: EligibilityRules,
    emulation: EmulationRules,
    except_id: str | None = None,
    campaign_code: str | None = None,
    topic: str | None = None,
) -> list[EligibilityCheck]:
    """Every check but the campaign's; a failed one refuses the submission (422) with the reasons."""
    prior = await _prior_nominations(store, catalogs, unit_code, nominee, except_id)
    if any(p.status == "active" and p.award_code == award.code and p.period == period for p in prior):
        raise duplicate_nomination()  # a concurrent duplicate committed since the duplicate check looked: the same 409
    quotas = [
        await _quota_usage(store, q, award, path, period, except_id, campaign_code=campaign_code, topic=topic)
        for q in award.quotas
    ]

    def title_name(code: str) -> str:
        found = catalogs.get(code)
        return found.name if found else code

    checks = evaluate(
        award=award,
        nominee=nominee,
        period=period,
        achievements=achievements,
        prior=prior,
        quotas=quotas,
        rules=rules,
        title_name=title_name,
    )
    pledge, held = await _pledge_check(store, catalogs, award, unit_code, period, on=on, emulation=emulation)
    checks = supersede_declared_pledge(checks, pledge, held=held)
    cluster = await _cluster_check(store, award, path[0], period, on=on, emulation=emulation)
    if cluster is not None:
        checks.append(cluster)
    failed = failures(checks)
    if failed:
        raise ValidationFailed(
            "Hồ sơ chưa đủ điều kiện khen thưởng",
            fields=[FieldError(field=c.field or "eligibility", message=f"{c.message} (Nguồn: {c.source})") for c in failed],
            code="not_eligible",
        )
    return checks


async def _prior_nominations(
    store: Store, catalogs: CatalogSet, unit_code: str, nominee: Nominee, except_id: str | None
) -> list[PriorNomination]:
    """The same nominee's other nominations that are in progress or granted: the same person of the register in
    whichever unit, or for a nominee named without one, the same unit, kind and name (any spelling)."""
    if nominee.person_id:
        rows = await people.prior_of_person(store, nominee.person_id, HOLDS_PLACE, except_id)
    else:
        rows = await store.nominations_of(unit_code, nominee.name, HOLDS_PLACE, except_id=except_id)
    return [
        PriorNomination(
            id=r.id,
            award_code=r.award_code,
            award_name=r.award_name,
            award=catalogs.get(r.award_code),
            period=r.period,
            status="granted" if r.status == Status.GRANTED else "active",
            achievements=r.achievements,
        )
        for r in rows
        if r.nominee.kind == nominee.kind
    ]


async def _quota_usage(
    store: Store,
    quota: Quota,
    award: Award,
    path: list[UnitRef],
    period: str,
    except_id: str | None,
    *,
    campaign_code: str | None = None,
    topic: str | None = None,
) -> QuotaUsage:
    """Nominations of the award in the period under the quota's unit that still hold a place (not this one); a
    per-topic or per-campaign quota counts exactly when the nomination names its topic or that campaign."""
    unit = quota_unit(quota, award, path)
    if unit is None:
        return QuotaUsage(quota=quota)
    count = NominationCount(award_code=award.code, statuses=HOLDS_PLACE, under_unit=unit.code, except_id=except_id)
    exact = False
    if quota.per == "campaign" and campaign_code and campaign_code == quota.campaign:
        count = replace(count, campaign_code=campaign_code)
        exact = True
    else:
        count = replace(count, period=period)
    if quota.per == "topic_year" and topic:
        count = replace(count, topic=topic)
        exact = True
    return QuotaUsage(quota=quota, unit=unit, used=await store.count_nominations(count), exact=exact)


def validate_topic(award: Award, topic: str | None) -> None:
    if topic and topic not in {t.code for t in award.topics}:
        offered = ", ".join(t.name for t in award.topics) or "không có chuyên đề"
        raise ValidationFailed.on("topic", f"“{award.name}” không có chuyên đề này ({offered})", code="unknown_topic")


def summary(checks: list[EligibilityCheck]) -> str | None:
    """The timeline's line for the checks: how many passed, how many warn."""
    warnings = [c for c in checks if c.status == "warning"]
    if not checks:
        return None
    passed = sum(c.status == "pass" for c in checks)
    return f"Kiểm tra điều kiện: {passed} đạt, {len(warnings)} lưu ý"


async def campaign_checks(
    store: Store,
    award: Award,
    path: list[UnitRef],
    campaign_code: str,
    *,
    on: date,
    except_id: str | None = None,
) -> tuple[list[EligibilityCheck], CampaignRef]:
    """The campaign's window and the award's quota for a submission; refuses (422, on `campaign_code`) outside
    the window, for an award the campaign does not target, a unit outside the launching unit, or a full quota.

    The quota is counted after taking the target's row lock (an UPDATE of its counter row), so two submissions
    for the last place are serialised: the second counts the first and is refused."""
    campaign = await store.campaign(campaign_code)
    if campaign is None:
        raise ValidationFailed.on("campaign_code", f"Không có đợt thi đua mã {campaign_code}", code="campaign_not_found")
    target = campaign.target(award.code)
    if target is None:
        raise ValidationFailed.on(
            "campaign_code", f"Đợt thi đua “{campaign.name}” không xét “{award.name}”", code="award_not_in_campaign"
        )
    if campaign.launching_unit_code not in {u.code for u in path}:
        raise ValidationFailed.on(
            "campaign_code", f"Đơn vị không thuộc phạm vi đợt thi đua “{campaign.name}”", code="unit_outside_campaign"
        )
    window = judge_campaign_window(campaign, on)
    if window.status == "fail":
        raise ValidationFailed.on("campaign_code", window.message, code="campaign_window_closed")
    await store.claim_campaign_place(campaign.code, award.code)
    places = NominationCount(
        award_code=award.code, statuses=HOLDS_CAMPAIGN_PLACE, campaign_code=campaign.code, except_id=except_id
    )
    quota = judge_campaign_quota(campaign, target, await store.count_nominations(places), award.name)
    if quota.status == "fail":
        raise ValidationFailed.on("campaign_code", quota.message, code="campaign_quota_reached")
    checks = [window, quota]
    proposing = next((u for u in path if u.level == target.proposing_level), None)
    if target.per_unit_quota is not None and proposing is not None:
        mine = await store.count_nominations(replace(places, under_unit=proposing.code))
        headroom = judge_unit_headroom(campaign, target, proposing.short_name, mine, award.name)
        if headroom is not None:
            if headroom.status == "fail":
                raise ValidationFailed.on("campaign_code", headroom.message, code="campaign_unit_quota_reached")
            checks.append(headroom)
    return checks, campaign_ref(campaign)


async def _pledge_check(
    store: Store, catalogs: CatalogSet, award: Award, unit_code: str, period: str, *, on: date, emulation: EmulationRules
) -> tuple[EligibilityCheck | None, bool]:
    """The pledge check for a nomination, and whether the system holds a pledge of the unit for that year."""
    year = int(period[:4])
    row = await store.pledge_of(unit_code, year)
    record = None
    if row is not None:
        record = PledgeRecord(
            year=year,
            status=row.status,
            targets=row.targets,
            late=row.late,
            superior_name=row.superior_name,
            decided_on=row.decided_at.astimezone(VIETNAM_TZ).date() if row.decided_at else None,
        )
    names = award_names(catalogs)
    return judge_pledge(emulation.pledge_on(on), award, year, record, lambda code: names.get(code, code)), record is not None


async def _cluster_check(
    store: Store, award: Award, unit: UnitRef, period: str, *, on: date, emulation: EmulationRules
) -> EligibilityCheck | None:
    """For a Cờ thi đua: the nominating unit was voted leading in a cluster it belonged to that year."""
    rule = emulation.cluster_on(award.code, on)
    if rule is None:
        return None
    year = int(period[:4])
    units = {u.code: u.name for u in await store.units()}
    standings = []
    for cluster in await store.clusters():
        for member in cluster.members:
            if member.unit_code != unit.code or not member.in_year(year):
                continue
            vote = cluster.vote_of(year)
            leaders = vote.leaders if vote else ()
            standings.append(
                ClusterStanding(
                    cluster_name=cluster.name,
                    voted=vote is not None,
                    leaders=tuple(units.get(u, u) for u in leaders),
                    leading=unit.code in leaders,
                )
            )
    return judge_cluster_lead(rule, unit.name, year, standings)
