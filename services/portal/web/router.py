"""The Vietnamese console as one router: one module per area, each a `build_router(gateway)`.

The pages hold no business rules: every action is a call to the owning service, which checks the caller's rights;
the pages only turn forms into commands and replies into HTML (`rendering` has what they share).
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter

from services.portal.gateway import Gateway
from services.portal.web import (
    batches,
    campaigns,
    clusters,
    councils,
    decisions,
    dossiers,
    drafts,
    mailbox,
    notifications,
    ops,
    outgoing,
    overdue,
    people,
    pledges,
    preferences,
    queue,
    register,
    reports,
    signatures,
    signers,
    signin,
    standing_councils,
    submission,
    tasks,
)

# Sign-in and the public check of a signed document (`/xac-thuc`), then the areas in the order of the menu, each
# followed by the pages it leads to.
# `submission` (`/ho-so/moi`) must come before `dossiers` (`/ho-so/{nomination_id}`), which would take it.
AREAS: tuple[Callable[[Gateway], APIRouter], ...] = (
    signin.build_router,
    signatures.build_router,
    submission.build_router,
    dossiers.build_router,
    queue.build_router,
    batches.build_router,
    councils.build_router,
    standing_councils.build_router,
    tasks.build_router,
    overdue.build_router,
    notifications.build_router,
    preferences.build_router,
    drafts.build_router,
    mailbox.build_router,
    decisions.build_router,
    pledges.build_router,
    campaigns.build_router,
    clusters.build_router,
    reports.build_router,
    signers.build_router,
    outgoing.build_router,
    register.build_router,
    people.build_router,
    ops.build_router,
)


def build_console(gateway: Gateway) -> APIRouter:
    console = APIRouter()  # no console page is in /openapi.json: each area's router leaves its pages out
    for build_area in AREAS:
        console.include_router(build_area(gateway))
    return console
