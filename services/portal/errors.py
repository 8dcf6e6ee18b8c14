"""One error shape at the edge, chosen by where the request went: problem+json under `/api/`, a page elsewhere.

This module knows both the JSON API and the console; neither knows the other.
"""

from __future__ import annotations

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.portal.api.problems import domain_problem, http_error, problem, validation_problem
from services.portal.web.rendering import error_page
from services.portal.web.session import LoginRequired
from shared.contracts.errors import DomainError


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        if not is_api(request):
            return await error_page(request, exc)
        return domain_problem(exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return validation_problem(exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        failure = http_error(exc)
        response = (
            await error_page(request, failure) if not is_api(request) else problem(failure.status, failure.code, failure.title)
        )
        response.headers.update(exc.headers or {})  # e.g. Allow on a 405
        return response

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(exc.location, status_code=303)
