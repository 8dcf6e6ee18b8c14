"""What the console's emulation pages share: pledges (`pledges`), campaigns (`campaigns`), clusters (`clusters`).

No rules here: forms become the shared command bodies, registration decides and answers; a refusal is shown on
the form next to its field.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from pydantic import ValidationError

from services.portal.gateway import Gateway
from services.portal.web import session as web
from services.portal.web.rendering import form_errors
from shared.contracts.errors import DomainError
from shared.contracts.events import Actor
from shared.contracts.values import VIETNAM_TZ

TARGET_ROWS = 4


async def multi_form(request: Request) -> tuple[Actor, dict[str, str], dict[str, list[str]]]:
    """The signed-in person, the posted fields (CSRF checked), and every value of repeated fields (multi-selects)."""
    actor = await web.current_actor(request)
    form = await request.form()
    web.check_csrf(request, str(form.get("csrf_token", "")))
    multi: dict[str, list[str]] = {}
    for k, v in form.multi_items():
        if k != "csrf_token" and str(v).strip():
            multi.setdefault(k, []).append(str(v).strip())
    return actor, {k: vs[-1] for k, vs in multi.items()}, multi


def target_rows(values: dict[str, str], *amounts: str) -> list[dict[str, Any]]:
    """'targets.0.award_code' / 'targets.0.<amount>' rows; a row without an award is left out, so is an empty amount
    after the first."""
    rows = []
    for i in range(TARGET_ROWS):
        code = values.get(f"targets.{i}.award_code", "")
        if code:
            row = {"award_code": code, amounts[0]: values.get(f"targets.{i}.{amounts[0]}", "")}
            row.update({a: values[f"targets.{i}.{a}"] for a in amounts[1:] if values.get(f"targets.{i}.{a}")})
            rows.append(row)
    return rows


def refusal(exc: DomainError | ValidationError) -> dict[str, str]:
    """A refusal to show on the form; a failure (5xx) is raised again for the error page."""
    if isinstance(exc, DomainError) and exc.status >= 500:
        raise exc
    return form_errors(exc)


async def union_awards(gateway: Gateway, actor: Actor) -> list[dict[str, Any]]:
    """The trade union's own awards, the ones a pledge or a campaign targets."""
    catalog = await gateway.call("awards", "list_catalog", actor)
    return [a for a in catalog["awards"] if a["catalog"] == "union"]


def this_year(gateway: Gateway) -> int:
    return int(gateway.clock.now().astimezone(VIETNAM_TZ).year)
