"""A nomination from its submission to its withdrawal: submit, edit and resubmit after a return, withdraw; read one,
list them. One transaction each, its outgoing event in the same transaction (the outbox)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from uuid import uuid4

from services.registration.domain.emulation import CAMPAIGN_RULES, campaign_ref
from services.registration.domain.nomination import (
    Status,
    Step,
    active_key,
    council_warning,
    require_transition,
    validate_intake,
)
from services.registration.store import Store
from services.registration.store.records import NominationRow, NominationSearch
from services.registration.usecases import dossier, eligibility, people
from services.registration.usecases.access import require_submitter, require_view, visibility
from services.registration.usecases.common import add_step, duplicate_nomination, load_nomination, record_step, writing
from services.registration.usecases.context import RegistrationContext, emulation_rules_of
from services.registration.usecases.views import attachment_ref, nomination_summary, nomination_view
from shared.contracts.commands import NominationDraft
from shared.contracts.events import (
    Actor,
    AttachmentRef,
    CampaignRef,
    CouncilVote,
    EligibilityCheck,
    Event,
    NominationResubmitted,
    NominationSnapshot,
    NominationSubmitted,
    NominationWithdrawn,
)
from shared.contracts.operations.registration import (
    LIST_NOMINATIONS,
    EditNomination,
    NominationId,
    NominationPage,
    NominationQuery,
    NominationView,
    WithdrawNomination,
)
from shared.contracts.paging import cut_page, decode_moment_key, encode_moment_key, refuse_offset_with_cursor, scope_of
from shared.contracts.values import VIETNAM_TZ
from shared.rules import attachments as att
from shared.rules.catalog import Award, CouncilRule


async def submit(ctx: RegistrationContext, actor: Actor, cmd: NominationDraft) -> NominationView:
    require_submitter(actor, cmd.unit_code)
    now = ctx.clock.now()
    today = now.astimezone(VIETNAM_TZ).date()
    catalogs = ctx.rules.catalogs_on(today)
    award = catalogs.get(cmd.award_code)
    nomination_id = str(uuid4())
    rules = ctx.rules.attachment_rules_on(today)
    incoming = await dossier.take_staged(ctx.files, actor, cmd.attachments, rules)
    written: list[str] = []
    async with dossier.cleaning_up(ctx.files, written), writing(ctx) as store:
        path = await store.unit_path(cmd.unit_code, today)
        cmd = cmd.model_copy(update={"nominee": await people.registered_nominee(store, cmd.unit_code, cmd.nominee, today)})
        period = validate_intake(
            unit=path[0] if path else None,
            unit_path=path,
            award=award,
            nominee=cmd.nominee,
            period=cmd.period,
            achievements=cmd.achievements,
            council_vote=cmd.council_vote,
            current_year=now.astimezone(VIETNAM_TZ).year,
            council_rule=(council_rule := cdcs_council_rule(ctx, award, today)),
        )
        assert award is not None  # validate_intake refused a missing award
        eligibility.validate_topic(award, cmd.topic)
        key = active_key(cmd.unit_code, cmd.nominee, cmd.award_code, period)
        await _refuse_duplicate(store, key)
        campaign_checks: list[EligibilityCheck] = []
        campaign: CampaignRef | None = None
        if cmd.campaign_code:
            campaign_checks, campaign = await eligibility.campaign_checks(store, award, path, cmd.campaign_code, on=today)
        checks = campaign_checks + await eligibility.judge(
            store,
            catalogs,
            award,
            path,
            cmd.unit_code,
            cmd.nominee,
            period,
            cmd.achievements,
            on=today,
            rules=ctx.rules.eligibility_rules_on(today),
            emulation=emulation_rules_of(ctx.rules),
            campaign_code=cmd.campaign_code,
            topic=cmd.topic,
        )
        checks += council_warnings(award, cmd.council_vote, council_rule)
        nomination = NominationRow(
            id=nomination_id,
            unit_code=cmd.unit_code,
            unit_path=tuple(path),
            award_code=award.code,
            award_name=award.name_on_path(path),  # as the unit that decides it will print it
            awarding_level=award.awarding_level,
            catalog_version=award.catalog_version,
            period=period,
            nominee=cmd.nominee,
            eligibility=tuple(checks),
            achievements=cmd.achievements,
            council_vote=cmd.council_vote,
            status=Status.SUBMITTED,
            round=1,
            active_key=key,
            current_unit_code=None,
            current_unit_name=None,
            last_reason=None,
            decision=None,
            campaign_code=cmd.campaign_code or None,
            topic=cmd.topic or None,
            submitted_by=actor.user_id,
            created_at=now,
            updated_at=now,
        )
        await store.add_nomination(nomination)
        names = att.document_names(catalogs.catalogs)
        dossier.check_attachments(award, [], incoming, rules, names, required=True)
        await dossier.keep_files(
            store, ctx.files, nomination_id, incoming, names, actor=actor, round_=1, now=now, written=written
        )
        snapshot = await _snapshot(store, nomination, campaign)
        event = NominationSubmitted(occurred_at=now, correlation_id=nomination_id, actor=actor, nomination=snapshot)
        await record_step(store, nomination_id, Step.SUBMIT, event, unit=path[0], comment=eligibility.summary(checks))
        await store.enqueue(event)
        return await _as_written(ctx, store, nomination_id)


async def _refuse_duplicate(store: Store, key: str, *, except_id: str | None = None) -> None:
    if await store.active_nomination(key, except_id=except_id) is not None:
        raise duplicate_nomination()


async def update(ctx: RegistrationContext, actor: Actor, cmd: EditNomination) -> NominationView:
    """Edit a returned nomination (its facts, its files) before resubmitting it."""
    return await _edit(ctx, actor, cmd, resubmit=False)


async def resubmit(ctx: RegistrationContext, actor: Actor, cmd: EditNomination) -> NominationView:
    """Send a returned nomination up again, with its corrections: judged again, at the level that returned it."""
    return await _edit(ctx, actor, cmd, resubmit=True)


async def _edit(ctx: RegistrationContext, actor: Actor, cmd: EditNomination, *, resubmit: bool) -> NominationView:
    now = ctx.clock.now()
    today = now.astimezone(VIETNAM_TZ).date()
    rules = ctx.rules.attachment_rules_on(today)
    step = Step.RESUBMIT if resubmit else Step.EDIT
    async with ctx.uow.reading() as store:  # who may edit, and whether it may be edited now, before any file is read
        current = await load_nomination(store, cmd.id)
        require_submitter(actor, current.unit_code)
        require_transition(current.status, step)
    incoming = await dossier.take_staged(ctx.files, actor, cmd.attachments, rules)
    written: list[str] = []
    async with dossier.cleaning_up(ctx.files, written), writing(ctx) as store:
        row = await load_nomination(store, cmd.id, for_update=True)
        require_submitter(actor, row.unit_code)
        new_status = require_transition(row.status, step)
        # the person belonged to the unit when it was submitted: a transfer since does not stop its correction
        nominee = await people.registered_nominee(
            store, row.unit_code, cmd.nominee or row.nominee, row.created_at.astimezone(VIETNAM_TZ).date()
        )
        period = cmd.period or row.period
        achievements = cmd.achievements or row.achievements
        council_vote = cmd.council_vote or row.council_vote
        path = list(row.unit_path)
        catalogs = ctx.rules.catalogs_on(today)
        award = catalogs.get(row.award_code)
        period = validate_intake(
            unit=path[0],
            unit_path=path,
            award=award,
            nominee=nominee,
            period=period,
            achievements=achievements,
            council_vote=council_vote,
            current_year=now.astimezone(VIETNAM_TZ).year,
            council_rule=(council_rule := cdcs_council_rule(ctx, award, today)),
        )
        assert award is not None  # validate_intake refused a missing award
        key = active_key(row.unit_code, nominee, row.award_code, period)
        await _refuse_duplicate(store, key, except_id=cmd.id)
        checks = list(row.eligibility)
        if resubmit:
            # The campaign's window and place were judged when it was first submitted; they travel unchanged. The
            # rest (eligibility, the CĐCS council's vote) is judged again.
            checks = [
                *(c for c in checks if c.rule in CAMPAIGN_RULES),
                *council_warnings(award, council_vote, council_rule),
                *await eligibility.judge(
                    store,
                    catalogs,
                    award,
                    path,
                    row.unit_code,
                    nominee,
                    period,
                    achievements,
                    on=today,
                    rules=ctx.rules.eligibility_rules_on(today),
                    emulation=emulation_rules_of(ctx.rules),
                    except_id=cmd.id,
                    campaign_code=row.campaign_code,
                    topic=row.topic,
                ),
            ]
        names = att.document_names(catalogs.catalogs)
        kept = await store.attachments(cmd.id)
        removed = frozenset(cmd.remove_attachments)
        dossier.refuse_unknown_removals(removed, kept)
        kept = [a for a in kept if a.id not in removed]
        dossier.check_attachments(award, kept, incoming, rules, names, required=resubmit)
        if removed:
            await store.remove_attachments(removed, at=now, by=actor.user_id)
        # files added to a returned dossier come with its next round (the resubmission)
        await dossier.keep_files(
            store, ctx.files, cmd.id, incoming, names, actor=actor, round_=row.round + 1, now=now, written=written
        )
        edited = replace(
            row,
            nominee=nominee,
            eligibility=tuple(checks),
            period=period,
            achievements=achievements,
            council_vote=council_vote,
            active_key=key,
            status=new_status,
            updated_at=now,
            round=row.round + 1 if resubmit else row.round,
        )
        await store.save_nomination(edited)
        changes = dossier.files_changed(len(incoming), len(removed))
        if resubmit:
            campaign = await store.campaign(edited.campaign_code) if edited.campaign_code else None
            snapshot = await _snapshot(store, edited, campaign_ref(campaign) if campaign else None)
            event: Event = NominationResubmitted(
                occurred_at=now, correlation_id=cmd.id, actor=actor, nomination=snapshot, comment=cmd.comment
            )
            comment = "; ".join(c for c in (cmd.comment, changes, eligibility.summary(checks)) if c)
            await record_step(store, cmd.id, Step.RESUBMIT, event, unit=path[0], comment=comment)
            await store.enqueue(event)
        else:
            comment = "; ".join(c for c in (cmd.comment, changes) if c)
            await add_step(store, cmd.id, Step.EDIT, actor, now, unit=path[0], comment=comment or None)
        return await _as_written(ctx, store, cmd.id)


async def withdraw(ctx: RegistrationContext, actor: Actor, cmd: WithdrawNomination) -> NominationView:
    now = ctx.clock.now()
    async with ctx.uow.transaction() as store:
        row = await load_nomination(store, cmd.id, for_update=True)
        require_submitter(actor, row.unit_code)
        withdrawn = replace(
            row,
            status=require_transition(row.status, Step.WITHDRAW),
            active_key=None,
            updated_at=now,
            last_reason=cmd.reason or None,
        )
        await store.save_nomination(withdrawn)
        event = NominationWithdrawn(occurred_at=now, correlation_id=cmd.id, actor=actor, nomination_id=cmd.id, reason=cmd.reason)
        await record_step(store, cmd.id, Step.WITHDRAW, event, unit=row.unit_path[0], comment=cmd.reason)
        await store.enqueue(event)
        return await _as_written(ctx, store, cmd.id)


async def _as_written(ctx: RegistrationContext, store: Store, nomination_id: str, viewer: Actor | None = None) -> NominationView:
    """The nomination as `store` sees it (checked that `viewer` may see it, when given). A command's reply reads it
    in the command's own transaction, before the commit: read after it, the reply could already show what the other
    services did on the command's event (a submission answered "under review"), sooner or later as the machine is
    busy."""
    row = await load_nomination(store, nomination_id)
    if viewer is not None:
        require_view(viewer, row)
    return nomination_view(row, await store.timeline(nomination_id), await store.attachments(nomination_id), ctx.rules)


async def _snapshot(store: Store, row: NominationRow, campaign: CampaignRef | None) -> NominationSnapshot:
    """The nomination as its events carry it: with its files, and the submitting unit's sector (awards' reports count
    by it)."""
    attachments: list[AttachmentRef] = [attachment_ref(a) for a in await store.attachments(row.id)]
    unit = await store.unit(row.unit_path[0].code)
    return NominationSnapshot(
        id=row.id,
        unit_path=list(row.unit_path),
        award_code=row.award_code,
        award_name=row.award_name,
        awarding_level=row.awarding_level,
        catalog_version=row.catalog_version,
        period=row.period,
        nominee=row.nominee,
        achievements=row.achievements,
        council_vote=row.council_vote,
        round=row.round,
        eligibility=list(row.eligibility),
        campaign=campaign,
        topic=row.topic,
        attachments=attachments,
        unit_sector=unit.sector if unit else None,
    )


async def get_nomination(ctx: RegistrationContext, actor: Actor, query: NominationId) -> NominationView:
    async with ctx.uow.reading() as store:
        return await _as_written(ctx, store, query.id, viewer=actor)


async def list_nominations(ctx: RegistrationContext, actor: Actor, q: NominationQuery) -> NominationPage:
    """A page of the nominations the caller may see, newest first (or oldest first: `sort`); `next_cursor` continues
    after its last."""
    refuse_offset_with_cursor(q.offset, q.cursor)
    filters = q.model_dump(include={"unit_code", "status", "award_code", "period"})
    # the order binds the cursor too; the default's scope stays as before, so cursors already handed out still work
    scope = scope_of(LIST_NOMINATIONS.subject, filters if q.sort == "-created" else {**filters, "sort": q.sort})
    search = NominationSearch(
        visible=visibility(actor),
        under_unit=q.unit_code,
        status=Status(q.status) if q.status else None,
        award_code=q.award_code,
        period=q.period,
        limit=q.limit + 1,  # one more, to know whether a next page exists
        offset=q.offset,
        after=decode_moment_key(q.cursor, scope) if q.cursor else None,
        oldest_first=q.sort == "created",
    )
    async with ctx.uow.reading() as store:
        total, rows = await store.search_nominations(search)
    page, next_cursor = cut_page(rows, q.limit, lambda r: encode_moment_key(r.created_at, r.id, scope))
    return NominationPage(total=total, items=[nomination_summary(r) for r in page], next_cursor=next_cursor)


def cdcs_council_rule(ctx: RegistrationContext, award: Award | None, today: date) -> CouncilRule | None:
    """The rule the CĐCS's council (its Ban Chấp hành) judges the award by today (shared/data/councils.toml)."""
    applied = ctx.rules.council_rule(award, "grassroots", today)
    return applied.rule if applied is not None else None


def council_warnings(award: Award, vote: CouncilVote | None, rule: CouncilRule | None) -> list[EligibilityCheck]:
    """The CĐCS council's vote as a warning for the approvers when it missed an unconfirmed threshold."""
    warning = council_warning(award, vote, rule)
    return [warning] if warning is not None else []
