"""What every route's URL may carry: no control character in a path or query parameter.

A NUL or an escape in a code or an id is never meaningful, and PostgreSQL refuses a NUL in any text it is asked
to compare; refused here, once for the API and the console, it is a 422 naming the parameter (a page in the
console) rather than a fault in whichever service would have been asked. Request bodies are checked by their
models (`shared.contracts.values.Name` and `Text`)."""

from __future__ import annotations

from fastapi import Request

from shared.contracts.errors import FieldError, ValidationFailed
from shared.contracts.values import one_line


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
