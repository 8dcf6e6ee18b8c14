"""The grassroots register upload (`/api/v1/grassroots-awards/xlsx`, and the console's `/so-khen-thuong`) cannot
freeze the portal: who may keep a register is checked before the body is read, the body is read up to a limit, the
workbook's unpacked size is checked before any XML is parsed, and the parsing runs in a worker thread, so the portal
answers other requests meanwhile.

The portal runs under uvicorn in the test's own event loop, with registration and awards on the same nats-server: were
the workbook parsed on the loop, the test's requests to `/healthz` would wait for it. The portal parses in a worker
process (`shared/platform/workers.py`): in a worker thread, the parse's hold on the GIL held one `/healthz` 1.5 s on
a loaded CI machine.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from services.awards import routes as awards_routes
from services.portal.register_import import MAX_FILE_BYTES, MAX_ROWS
from services.portal.uploads import MULTIPART_OVERHEAD_BYTES
from services.registration import routes as registration_routes
from services.registration.usecases import units as registration_units
from services.registration.usecases.context import RegistrationContext
from shared.contracts.subjects import AWARDS_FROM_REVIEW, REGISTRATION_FROM_AWARDS, REGISTRATION_FROM_REVIEW
from shared.platform.clock import FixedClock
from shared.platform.db import make_engine
from shared.platform.migrate import upgrade
from shared.platform.service import ServiceContext
from shared.platform.settings import ServiceSettings
from shared.platform.topology import ensure_topology
from shared.rules import reference
from tests.integration.conftest import NOW, running_broker
from tests.integration.portal_app import CSRF_INPUT, RunningPortal, running_portal
from tests.register_files import largest_accepted_register, register, unpacking_bomb

pytestmark = pytest.mark.asyncio

DST = "HN-SONTAY-DST"
ATTACK_BYTES = 5_400_000  # the size that held the portal for over a minute


async def service(name: str, tmp_path: Path) -> ServiceContext:
    url = f"sqlite+aiosqlite:///{tmp_path / name}.db"
    await asyncio.to_thread(upgrade, name, url)
    settings = ServiceSettings(service=name, database_url=url)
    return ServiceContext(engine=make_engine(url), clock=FixedClock(NOW), settings=settings, rules=settings.rulebook())


@pytest_asyncio.fixture
async def portal(clean_nats: str, tmp_path: Path) -> AsyncIterator[RunningPortal]:
    """The portal, with registration (the unit tree) and awards (the register) answering it."""
    reg = await service("registration", tmp_path)
    await registration_units.load_units(RegistrationContext.of(reg), reference.load_units())
    awards = await service("awards", tmp_path)
    await ensure_topology(clean_nats, (REGISTRATION_FROM_REVIEW, REGISTRATION_FROM_AWARDS, AWARDS_FROM_REVIEW))
    async with (
        running_broker(clean_nats, "registration", lambda router, broker: registration_routes.wire(router, broker, reg)),
        running_broker(clean_nats, "awards", lambda router, broker: awards_routes.wire(router, broker, awards)),
        running_portal(clean_nats, f"sqlite+aiosqlite:///{tmp_path / 'portal.db'}", tmp_path) as running,
    ):
        yield running
    for ctx in (reg, awards):
        await ctx.engine.dispose()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def upload(http: httpx.AsyncClient, token: str, data: bytes, unit_code: str = DST) -> httpx.Response:
    files = {"file": ("so-khen-thuong.xlsx", data, "application/octet-stream")}
    return await http.post("/api/v1/grassroots-awards/xlsx", headers=bearer(token), data={"unit_code": unit_code}, files=files)


def problem(response: httpx.Response) -> dict[str, Any]:
    assert response.headers["content-type"] == "application/problem+json", response.text
    body: dict[str, Any] = response.json()
    assert body["status"] == response.status_code
    return body


class CountedBody:
    """A multipart upload (`unit_code`, then a file of `size` bytes) sent in chunks with no Content-Length, as a
    chunked upload is, counting how much of it the portal pulled."""

    BOUNDARY = "thidua-test-boundary"
    CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"

    def __init__(self, size: int, chunk: int = 64 * 1024) -> None:
        self.size, self.chunk, self.pulled = size, chunk, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        b = self.BOUNDARY
        head = (
            f'--{b}\r\nContent-Disposition: form-data; name="unit_code"\r\n\r\n{DST}\r\n'
            f'--{b}\r\nContent-Disposition: form-data; name="file"; filename="so.xlsx"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        for part in (head, *self._file(), f"\r\n--{b}--\r\n".encode()):
            self.pulled += len(part)
            yield part

    def _file(self) -> list[bytes]:
        return [b"\0" * min(self.chunk, self.size - at) for at in range(0, self.size, self.chunk)]


async def test_the_largest_accepted_register_is_parsed_off_the_loop_and_the_portal_answers_meanwhile(
    portal: RunningPortal,
) -> None:
    data = largest_accepted_register()  # 2,000 rows and formatted empty rows: 6 MB of XML to parse
    async with portal.client() as http, portal.client() as pinger:
        token = await portal.token(http, "cdcs.dst")
        started = time.monotonic()
        recording = asyncio.create_task(upload(http, token, data))
        latencies: list[float] = []
        while not recording.done():
            sent = time.monotonic()
            assert (await pinger.get("/healthz")).status_code == 200
            latencies.append(time.monotonic() - sent)
            await asyncio.sleep(0.02)
        response = await recording
        took = time.monotonic() - started

    assert response.status_code == 200, response.text
    assert response.json() == {"recorded": MAX_ROWS, "already_recorded": 0, "rows": MAX_ROWS}
    # Parsing this file takes most of the upload (2.6 s of 4 to 6 s here); on the loop, one /healthz would wait that long.
    # What is left on this loop is awards recording the 2,000 rows (~0.2 s: here awards runs in the test's loop, in
    # production in its own process). The bound grows only on a machine so loaded that the upload takes over 4 s (then
    # a quarter of it, still well under what parsing on the loop would cost).
    assert len(latencies) >= 3, f"only {len(latencies)} requests while the {took:.2f}s upload ran"
    bound = max(1.0, took / 4)
    assert max(latencies) < bound, f"/healthz took up to {max(latencies):.3f}s during a {took:.2f}s upload"


async def test_an_upload_declared_over_the_limit_is_refused_at_once_in_vietnamese(portal: RunningPortal) -> None:
    async with portal.client() as http:
        token = await portal.token(http, "cdcs.dst")
        response = await upload(http, token, b"\0" * ATTACK_BYTES)
    assert response.status_code == 413
    body = problem(response)
    assert body["code"] == "upload_too_large"
    assert body["title"] == "Tệp tải lên vượt giới hạn 2,0 MB"
    assert body["fields"] == [{"field": "file", "message": "Tệp tải lên vượt giới hạn 2,0 MB"}]

    # The answer comes from the declared length alone: a client that has sent only the headers gets it.
    reader, writer = await asyncio.open_connection(*portal.url.removeprefix("http://").split(":"))
    head = (
        "POST /api/v1/grassroots-awards/xlsx HTTP/1.1\r\nHost: portal\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: {CountedBody.CONTENT_TYPE}\r\n"
        f"Content-Length: {ATTACK_BYTES}\r\n\r\n"
    )
    started = time.monotonic()
    writer.write(head.encode())
    status_line = await asyncio.wait_for(reader.readline(), timeout=5)
    took = time.monotonic() - started
    writer.close()
    assert status_line.startswith(b"HTTP/1.1 413 ")
    assert took < 1.0, f"refused after {took:.2f}s"


async def test_a_chunked_upload_is_refused_as_soon_as_it_passes_the_limit(portal: RunningPortal) -> None:
    async with portal.in_process() as http:
        token = await portal.token(http, "cdcs.dst")
        body = CountedBody(ATTACK_BYTES)
        headers = bearer(token) | {"Content-Type": CountedBody.CONTENT_TYPE}
        response = await http.post("/api/v1/grassroots-awards/xlsx", headers=headers, content=body)
    assert (response.status_code, problem(response)["code"]) == (413, "upload_too_large")
    assert body.pulled <= MAX_FILE_BYTES + MULTIPART_OVERHEAD_BYTES + body.chunk, f"{body.pulled} bytes read of {ATTACK_BYTES}"


async def test_a_chunked_upload_within_the_limit_is_recorded(portal: RunningPortal) -> None:
    request = httpx.Request("POST", "/", data={"unit_code": DST}, files={"file": ("so.xlsx", register(4))})
    encoded = request.read()

    async def chunks() -> AsyncIterator[bytes]:
        for at in range(0, len(encoded), 1000):
            yield encoded[at : at + 1000]

    async with portal.client() as http:
        token = await portal.token(http, "cdcs.dst")
        headers = bearer(token) | {"Content-Type": request.headers["Content-Type"]}
        response = await http.post("/api/v1/grassroots-awards/xlsx", headers=headers, content=chunks())
    assert "content-length" not in response.request.headers
    assert response.json() == {"recorded": 4, "already_recorded": 0, "rows": 4}


async def test_someone_who_keeps_no_register_is_refused_before_the_upload_is_read(portal: RunningPortal) -> None:
    async with portal.in_process() as http:
        token = await portal.token(http, "ops")
        body = CountedBody(ATTACK_BYTES)
        headers = bearer(token) | {"Content-Type": CountedBody.CONTENT_TYPE}
        response = await http.post("/api/v1/grassroots-awards/xlsx", headers=headers, content=body)
    assert (response.status_code, problem(response)["code"]) == (403, "not_unit_officer")
    assert body.pulled == 0


async def test_an_officer_of_another_cdcs_is_refused_before_the_file_is_parsed(portal: RunningPortal) -> None:
    async with portal.client() as http:
        token = await portal.token(http, "cdcs.vanquan")
        response = await upload(http, token, unpacking_bomb(), unit_code=DST)  # parsed, it would be a 413
    assert (response.status_code, problem(response)["code"]) == (403, "not_unit_officer")


async def test_a_zip_bomb_is_refused_before_its_sheet_is_parsed(portal: RunningPortal) -> None:
    bomb = unpacking_bomb()  # 130 KB that unpacks to 128 MB
    async with portal.client() as http:
        token = await portal.token(http, "cdcs.dst")
        started = time.monotonic()
        response = await upload(http, token, bomb)
        took = time.monotonic() - started
    assert response.status_code == 413
    body = problem(response)
    assert body["code"] == "workbook_too_large"
    assert [f["field"] for f in body["fields"]] == ["file"]
    assert took < 5.0, f"refused after {took:.2f}s"  # parsing 128 MB of XML would take some 18 s


async def test_more_rows_than_the_register_takes_are_refused_on_the_file_field(portal: RunningPortal) -> None:
    async with portal.client() as http:
        token = await portal.token(http, "cdcs.dst")
        response = await upload(http, token, register(MAX_ROWS + 1))
    assert response.status_code == 422
    body = problem(response)
    assert body["code"] == "register_too_many_rows"
    assert body["fields"] == [
        {
            "field": "file",
            "message": "Tệp có hơn 2000 dòng (dòng 2002 là dòng có dữ liệu thứ 2001); mỗi lần tải tối đa 2000 dòng,"
            " hãy tách tệp và tải tiếp",
        }
    ]


async def test_the_console_shows_a_file_over_the_limit_above_the_upload_form(portal: RunningPortal) -> None:
    async with portal.client() as browser:
        await portal.console_sign_in(browser, "cdcs.dst")
        csrf = CSRF_INPUT.search((await browser.get("/so-khen-thuong")).text)
        assert csrf
        files = {"file": ("so.xlsx", b"\0" * ATTACK_BYTES, "application/octet-stream")}
        page = await browser.post("/so-khen-thuong", data={"csrf_token": csrf.group(1), "unit_code": DST}, files=files)
        assert page.status_code == 413
        assert 'id="register-problems"' in page.text
        assert "Tệp tải lên vượt giới hạn 2,0 MB" in page.text

        files = {"file": ("so.xlsx", register(3), "application/octet-stream")}
        page = await browser.post("/so-khen-thuong", data={"csrf_token": csrf.group(1), "unit_code": DST}, files=files)
        assert page.status_code == 200
        assert "Đã ghi 3 dòng" in page.text
