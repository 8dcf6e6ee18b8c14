"""The portal's web edges, on the real app with nothing running behind it: security headers on every answer, no
inline script or style left in the console, request bodies bounded (declared or chunked), every number in a URL
bounded, control characters refused at intake, and file names that cannot break a Content-Disposition header.

The caller is given (the bearer-token dependency overridden), so what is checked is the edge itself: each refusal
comes before anything would be asked of a service."""

from __future__ import annotations

import re
import tomllib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

from services.portal.api.deps import current_actor
from services.portal.downloads import content_disposition
from services.portal.headers import CONTENT_SECURITY_POLICY
from services.portal.main import create_app
from services.portal.settings import PortalSettings
from services.portal.uploads import MAX_BODY_BYTES, MAX_UPLOAD_BODY_BYTES
from services.portal.web.charts import STAGE_COLOURS
from services.portal.web.dossier_files import FORM_OVERHEAD_BYTES
from shared.contracts.commands import NominationDraft, TaskDecision
from shared.contracts.events import Actor, NominationSnapshot, Nominee, RoleGrant
from shared.contracts.values import MAX_OFFSET
from shared.platform.assertions import generate_keys
from shared.platform.replysize import PAGES, ListEndpoint
from thidua.natsserver import free_port

WEB = Path(__file__).resolve().parents[2] / "services" / "portal" / "web"
ATTACHMENT_RULES = Path(__file__).resolve().parents[2] / "shared" / "data" / "attachments.toml"
ACTOR = Actor(user_id="u-1", username="cdcs.dst", full_name="Cán bộ", roles=(RoleGrant(role="submitter", unit_code="X"),))
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    """One app for the file (building one takes FastAPI a few tenths of a second): no lifespan, so nothing connects and
    nothing a request does is kept; the only change a test makes, `signed_in`'s caller, it takes back."""
    var_dir = tmp_path_factory.mktemp("portal-edges")
    settings = PortalSettings(
        database_url=f"sqlite+aiosqlite:///{var_dir / 'portal.db'}",
        nats_url=f"nats://127.0.0.1:{free_port()}",
        jwt_secret="s" * 48,
        var_dir=var_dir,
    )
    generate_keys(settings.keys_dir())
    return create_app(settings)  # no lifespan: nothing connects


@pytest_asyncio.fixture
async def http(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://portal.test") as client:
        yield client


@pytest_asyncio.fixture
async def signed_in(app: FastAPI, http: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    """The API with a caller: anything that reached a service would fail (none runs), so a 4xx is the edge's own."""

    async def actor() -> Actor:
        return ACTOR

    app.dependency_overrides[current_actor] = actor
    yield http
    del app.dependency_overrides[current_actor]


def problem(response: httpx.Response) -> dict[str, Any]:
    assert response.headers["content-type"].startswith(PROBLEM), (response.status_code, response.text)
    body: dict[str, Any] = response.json()
    return body


# Security headers


def assert_security_headers(response: httpx.Response, policy: str = CONTENT_SECURITY_POLICY) -> None:
    assert response.headers["content-security-policy"] == policy, response.request.url
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_the_policy_allows_no_inline_script_or_style_and_no_framing() -> None:
    directives = dict(d.strip().split(" ", 1) for d in CONTENT_SECURITY_POLICY.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY


@pytest.mark.asyncio
async def test_every_kind_of_answer_carries_the_security_headers(http: httpx.AsyncClient) -> None:
    answers = [
        await http.get("/dang-nhap"),  # a console page
        await http.get("/ho-so"),  # a redirect to sign in
        await http.get("/api/v1/me"),  # 401 problem+json
        await http.get("/api/v1/khong-co"),  # 404 problem+json
        await http.get("/static/app.css"),  # a static file
        await http.get("/openapi.json"),
        await http.post("/api/v1/auth/login", content=b"{", headers={"Content-Type": "application/json"}),  # 422
    ]
    assert [r.status_code for r in answers] == [200, 303, 401, 404, 200, 200, 422]
    for response in answers:
        assert_security_headers(response)


@pytest.mark.asyncio
async def test_the_api_documentation_page_is_served_whole_by_the_portal_with_no_inline_script(http: httpx.AsyncClient) -> None:
    page = await http.get("/docs")
    policy = page.headers["content-security-policy"]
    assert page.status_code == 200
    assert "script-src 'self';" in policy
    assert "http" not in page.text  # nothing from another site: /docs works offline
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text):
        served = await http.get(asset)
        assert served.status_code == 200, asset
        assert len(served.content) > 1000 or asset.endswith("docs.js"), asset
    assert "frame-ancestors 'none'" in policy
    assert "unsafe" not in policy
    assert re.findall(r"<script(?![^>]*\bsrc=)", page.text) == []
    assert (await http.get("/static/docs.js")).status_code == 200
    assert (await http.get("/redoc")).status_code == 404


def test_no_template_has_inline_script_event_handlers_or_style_attributes() -> None:
    found = []
    for template in sorted((WEB / "templates").glob("*.html")):
        text = template.read_text()
        for pattern in (r"<script(?![^>]*\bsrc=)", r"\son[a-z]+\s*=", r"\sstyle\s*=", r"<style\b", r"javascript:"):
            found += [f"{template.name}: {m.group(0)}" for m in re.finditer(pattern, text, re.IGNORECASE)]
    assert found == []


def test_htmx_runs_without_eval_script_tags_or_its_own_styles() -> None:
    base = (WEB / "templates" / "base.html").read_text()
    config = re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", base)
    assert config is not None
    assert config.group(1) == '{"allowEval": false, "allowScriptTags": false, "includeIndicatorStyles": false}'
    assert "hx-on" not in "".join(t.read_text() for t in (WEB / "templates").glob("*.html"))


def test_every_pipeline_stage_has_its_chart_colour_in_the_stylesheet() -> None:
    css = (WEB / "static" / "app.css").read_text()
    for stage, colour in STAGE_COLOURS.items():
        assert f".stage-{stage} {{ border-top-color: {colour}; }}" in css
        assert f".swatch-{stage} {{ background: {colour}; }}" in css


# Request bodies


class Chunks:
    """A body with no declared length, sent in 64 KB chunks of small form fields (or JSON whitespace); counts what
    the app pulled."""

    def __init__(self, total: int, pattern: bytes = b" ") -> None:
        self.total, self.chunk, self.pulled, self.pattern = total, 64 * 1024, 0, pattern

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while self.pulled < self.total:
            self.pulled += self.chunk
            yield self.pattern * (self.chunk // len(self.pattern))


@pytest.mark.asyncio
async def test_a_json_body_declared_over_the_limit_is_refused_413(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/api/v1/auth/login", content=b" " * (MAX_BODY_BYTES + 1), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert problem(response)["code"] == "body_too_large"
    assert problem(response)["title"] == "Nội dung gửi lên vượt giới hạn cho phép"
    assert_security_headers(response)


@pytest.mark.asyncio
async def test_a_chunked_json_body_is_refused_as_soon_as_it_passes_the_limit(http: httpx.AsyncClient) -> None:
    body = Chunks(50 * MAX_BODY_BYTES)
    response = await http.post("/api/v1/auth/login", content=body, headers={"Content-Type": "application/json"})
    assert "content-length" not in response.request.headers
    assert (response.status_code, problem(response)["code"]) == (413, "body_too_large")
    assert body.pulled <= MAX_BODY_BYTES + body.chunk


@pytest.mark.asyncio
async def test_a_declared_body_over_the_limit_is_refused_before_a_route_that_reads_none_runs(
    signed_in: httpx.AsyncClient,
) -> None:
    # claim reads no body: it is refused before it would ask review anything (review is not running: a 503 else)
    response = await signed_in.post("/api/v1/tasks/t-1/claim", content=b"x" * (MAX_BODY_BYTES + 1))
    assert (response.status_code, problem(response)["code"]) == (413, "body_too_large")


@pytest.mark.asyncio
async def test_a_chunked_console_form_is_refused_with_a_page(http: httpx.AsyncClient) -> None:
    body = Chunks(50 * MAX_BODY_BYTES, b"a=" + b"x" * 4093 + b"&")  # 4 KB fields: within the 1000 fields a form may have
    response = await http.post("/dang-nhap", content=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert "Nội dung gửi lên vượt giới hạn cho phép" in response.text
    assert body.pulled <= MAX_BODY_BYTES + body.chunk
    assert_security_headers(response)


def test_the_upload_limit_holds_a_whole_dossier_under_every_dated_attachment_rule() -> None:
    with ATTACHMENT_RULES.open("rb") as f:
        rules = tomllib.load(f)["rules"]
    assert rules
    assert all(r["max_total_bytes"] + FORM_OVERHEAD_BYTES <= MAX_UPLOAD_BODY_BYTES for r in rules)


# Numbers and text in URLs and bodies


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/api/v1/nominations?offset=9223372036854775808", "offset"),
        (f"/api/v1/nominations?offset={MAX_OFFSET + 1}", "offset"),
        ("/api/v1/nominations?limit=-1", "limit"),
        ("/api/v1/decisions?year=1e30", "year"),
        ("/api/v1/decisions?year=100000", "year"),
        ("/api/v1/decisions?offset=-1", "offset"),
        ("/api/v1/queues/HN/tasks?offset=9223372036854775808", "offset"),
        ("/api/v1/queues/HN/proposals?limit=0", "limit"),
        ("/api/v1/notifications?limit=-5", "limit"),
        ("/api/v1/ops/stuck?older_than_seconds=9223372036854775808", "older_than_seconds"),
        ("/api/v1/pledges?year=99999999999999999999", "year"),
        ("/api/v1/reports/awards?year=1e30", "year"),
        ("/api/v1/reports/awards.xlsx?year=3000", "year"),
    ],
)
async def test_an_out_of_range_number_is_a_422_naming_the_parameter(signed_in: httpx.AsyncClient, path: str, param: str) -> None:
    response = await signed_in.get(path)
    assert response.status_code == 422, response.text
    body = problem(response)
    assert body["code"] == "validation_failed"
    assert [f["field"] for f in body["fields"]] == [param]


@pytest.mark.asyncio
@pytest.mark.parametrize("endpoint", [e for e in PAGES if e.path.startswith("/api/")], ids=lambda e: e.path)
@pytest.mark.parametrize("over", [1, 1_000_000])
async def test_a_page_larger_than_the_list_holds_is_refused_before_any_service_is_asked(
    signed_in: httpx.AsyncClient, endpoint: ListEndpoint, over: int
) -> None:
    path = endpoint.path.replace("{unit_code}", "HN")
    response = await signed_in.get(path, params={"limit": endpoint.page_max + over})
    assert response.status_code == 422, response.text  # no service runs here: an RPC would have answered 503
    body = problem(response)
    assert body["code"] == "limit_too_large"
    assert body["fields"] == [{"field": "limit", "message": body["title"]}]
    assert f"tối đa {endpoint.page_max} mục" in body["title"]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/api/v1/nominations?unit_code=HN%00", "unit_code"),
        ("/api/v1/nominations/abc%1b", "nomination_id"),
        ("/api/v1/queues/HN/tasks?q=a%0Ab", "q"),
        ("/ho-so?trang=%00", "trang"),
    ],
)
async def test_a_control_character_in_a_url_is_a_422_naming_the_parameter(
    signed_in: httpx.AsyncClient, path: str, param: str
) -> None:
    response = await signed_in.get(path)
    assert response.status_code == 422, response.text
    if path.startswith("/api/"):
        assert [f["field"] for f in problem(response)["fields"]] == [param]
    else:
        assert response.headers["content-type"].startswith("text/html")


DRAFT: dict[str, Any] = {
    "unit_code": "HN-SONTAY-DST",
    "award_code": "giay_khen_ldld_huyen",
    "period": "2026",
    "nominee": {"kind": "individual", "name": "Tạ Minh Châu", "position": "Tổ trưởng"},
    "achievements": "Hoàn thành xuất sắc nhiệm vụ.\r\nCó sáng kiến:\tcấp cơ sở.",
}


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"nominee": {**DRAFT["nominee"], "name": "Tạ Minh\x00 Châu"}}, "nominee.name"),
        ({"nominee": {**DRAFT["nominee"], "name": "=HYPERLINK\x1b[31m"}}, "nominee.name"),
        ({"nominee": {**DRAFT["nominee"], "position": "Tổ\ttrưởng"}}, "nominee.position"),
        ({"achievements": "Thành\x85 tích"}, "achievements"),
        ({"achievements": "Thành tích\x07"}, "achievements"),
        ({"unit_code": "HN\x00"}, "unit_code"),
    ],
)
async def test_a_control_character_in_a_name_or_free_text_is_a_422_on_the_field(
    signed_in: httpx.AsyncClient, change: dict[str, Any], field: str
) -> None:
    response = await signed_in.post("/api/v1/nominations", json={**DRAFT, **change})
    assert response.status_code == 422, response.text
    body = problem(response)
    assert body["code"] == "validation_failed"
    assert [f["field"] for f in body["fields"]] == [field]
    assert body["fields"][0]["message"].startswith("Không được chứa ký tự điều khiển (U+")


def test_free_text_keeps_line_breaks_and_tabs_and_a_name_keeps_vietnamese() -> None:
    draft = NominationDraft.model_validate(DRAFT)
    assert draft.achievements == DRAFT["achievements"]
    assert draft.nominee.name == "Tạ Minh Châu"
    assert TaskDecision.model_validate({"action": "return", "comment": "Bổ sung:\n- biên bản"}).comment == "Bổ sung:\n- biên bản"


def test_stored_history_with_control_characters_still_loads() -> None:
    """Events and snapshots written before the check read back as they were: the check is on intake only."""
    nominee = Nominee.model_validate({"kind": "individual", "name": "Tạ\x00 Minh\x1b Châu"})
    unit = {"code": "X", "name": "X", "short_name": "X", "level": "grassroots"}
    snapshot = NominationSnapshot.model_validate(
        {
            "id": "n-1",
            "unit_path": [unit],
            "award_code": "a",
            "award_name": "A",
            "awarding_level": "district",
            "catalog_version": "v",
            "period": "2025",
            "nominee": nominee.model_dump(),
            "achievements": "bad\x07 text",
        }
    )
    assert snapshot.nominee.name == "Tạ\x00 Minh\x1b Châu"


# Content-Disposition


@pytest.mark.parametrize(
    "filename",
    [
        "bao-cao.xlsx",
        "Báo cáo khen thưởng 2026.xlsx",
        "a\"; filename*=UTF-8''evil.exe",
        "a\r\nSet-Cookie: x=1.pdf",
        "a;b,c\\d.pdf",
        "Quyết định 3/QĐ-LĐLĐ.pdf",
        "暗号\u202e.pdf",
        "\x00\x1b.pdf",
        "",
    ],
)
def test_content_disposition_survives_hostile_file_names(filename: str) -> None:
    header = content_disposition(filename)
    header.encode("latin-1")  # an HTTP header value: never a character beyond Latin-1 (ours: ASCII)
    shape = re.fullmatch(r"attachment; filename=\"([ -!#-:<-\[\]-~]+)\"; filename\*=UTF-8''([A-Za-z0-9%!#$&+.^_`|~-]+)", header)
    assert shape is not None, header  # the two parameters and nothing injected: no quote, backslash, ; or control
    assert unquote(shape.group(2)) == (filename or "tep")


def test_the_plain_file_name_keeps_vietnamese_letters_without_their_marks() -> None:
    assert content_disposition("Báo cáo Đà Nẵng.xlsx").startswith('attachment; filename="Bao cao Da Nang.xlsx"; ')


def test_a_console_page_number_never_reaches_past_the_largest_offset() -> None:
    from starlette.requests import Request

    from services.portal.web.rendering import page_number, window

    def asked(page: str) -> int:
        return page_number(Request({"type": "http", "query_string": f"trang=1&page={page}".encode(), "headers": []}))

    assert [asked("2"), asked("0"), asked("x"), asked("1e30")] == [2, 1, 1, 1]
    assert window(asked(str(2**63)))["offset"] <= MAX_OFFSET
