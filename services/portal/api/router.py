"""The JSON API as one router, its resources in the order the documentation lists their tags."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter

from services.portal.api import (
    auth,
    councils,
    decisions,
    documents,
    drafts,
    emulation,
    nominations,
    notifications,
    ops,
    outgoing,
    reference,
    reports,
    saved_filters,
    signers,
    tasks,
    users,
)
from services.portal.gateway import Gateway

RESOURCES: tuple[Callable[[Gateway], APIRouter], ...] = (
    auth.build_router,
    users.build_router,
    ops.build_router,
    reference.build_router,
    nominations.build_router,
    tasks.build_router,
    saved_filters.build_router,
    councils.build_router,
    notifications.build_router,
    drafts.build_router,
    decisions.build_router,
    documents.build_router,
    signers.build_router,
    outgoing.build_router,
    emulation.build_router,
    reports.build_router,
)


def build_api(gateway: Gateway) -> APIRouter:
    api = APIRouter()
    for build_resource in RESOURCES:
        api.include_router(build_resource(gateway))
    return api
