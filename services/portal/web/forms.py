"""Reading what a person posted or typed: the signed form (CSRF checked), dates typed dd/mm/yyyy, and where a
form may send them back to."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from fastapi import Request

from services.portal.web import session as web
from shared.contracts.events import Actor
from shared.platform.idempotency import KEY_PATTERN, outgoing_key

FORM_KEY = "idempotency_key"
_KEY = re.compile(KEY_PATTERN)


async def signed_form(request: Request) -> tuple[Actor, dict[str, str]]:
    """The signed-in person and the fields of the form they posted (its CSRF token checked)."""
    actor = await web.current_actor(request)
    form = await request.form()
    web.check_csrf(request, str(form.get("csrf_token", "")))
    key = form.get(FORM_KEY)
    if isinstance(key, str) and _KEY.match(key):  # app.js gives each form one: a double submit is one request
        outgoing_key.set(key)
    return actor, {k: v.strip() for k, v in form.multi_items() if k not in ("csrf_token", FORM_KEY) and isinstance(v, str)}


def form_dates(values: dict[str, str], names: tuple[str, ...]) -> tuple[dict[str, str], dict[str, str]]:
    """The form's values with the dates typed dd/mm/yyyy in `names` as ISO dates for the command (an empty one stays
    empty), and each date typed wrongly with its message, by field."""
    converted, wrong = dict(values), {}
    for name in names:
        iso, problem = parse_vn_date(values.get(name, ""))
        if problem:
            wrong[name] = problem
        elif name in values:  # a field the form did not send stays absent
            converted[name] = iso or ""
    return converted, wrong


def vn_date_text(iso: str | None) -> str:
    """An ISO date as a form shows it to be typed again: '2026-12-20' -> '20/12/2026' ('' for none)."""
    return date.fromisoformat(iso).strftime("%d/%m/%Y") if iso else ""


def clean(params: dict[str, Any]) -> dict[str, Any]:
    """The filters a person filled in (an empty input means no filter)."""
    return {k: v for k, v in params.items() if v not in (None, "")}


def parse_vn_date(text: str) -> tuple[str | None, str | None]:
    """'20/12/2026' -> ('2026-12-20', None); a date a person typed wrongly -> (None, message)."""
    if not text:
        return None, None
    try:
        return datetime.strptime(text.strip(), "%d/%m/%Y").date().isoformat(), None
    except ValueError:
        return None, "Ngày phải có dạng dd/mm/yyyy, ví dụ 20/12/2026"


def local_path(path: str, default: str) -> str:
    """A path on this site to go back to; anything else (another site, '//host') becomes `default`."""
    return path if path.startswith("/") and not path.startswith("//") else default
