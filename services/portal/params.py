"""What every route's URL may carry: no control character in a path or query parameter.

A NUL or an escape in a code or an id is never meaningful, and PostgreSQL refuses a NUL in any text it is asked
to compare; refused here, once for the API and the console, it is a 422 naming the parameter (a page in the
console) rather than a fault in whichever service would have been asked. Request bodies are checked by their
models (`shared.contracts.values.Name` and `Text`)."""

from __future__ import annotations

import re

from fastapi import Request

from shared.contracts.errors import FieldError, ValidationFailed
from shared.contracts.values import one_line
from shared.platform.idempotency import KEY_PATTERN, outgoing_key

IDEMPOTENCY_HEADER = "Idempotency-Key"
_KEY = re.compile(KEY_PATTERN)
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


async def idempotency_key(request: Request) -> None:
    """An app-wide dependency: a state-changing call's `Idempotency-Key` (API header, or a console form's hidden
    field read by `signed_form`) goes with every request the portal makes for it (shared.platform.idempotency)."""
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None or request.method not in STATE_CHANGING:
        return
    if not _KEY.match(key):
        raise ValidationFailed.on(
            IDEMPOTENCY_HEADER, "Khoá chống lặp phải có 1–100 ký tự ASCII in được, ví dụ một UUID", code="idempotency_key_invalid"
        )
    outgoing_key.set(key)


async def refuse_control_characters(request: Request) -> None:
    """An app-wide dependency: every path and query parameter on one line, with no control character."""
    given = [*request.path_params.items(), *request.query_params.multi_items()]
    refused = []
    for name, value in given:
        try:
            one_line(str(value))
        except ValueError as exc:
            refused.append(FieldError(field=name, message=str(exc)))
    if refused:
        raise ValidationFailed(fields=refused)
