"""A small client of the portal's JSON API, used by `thidua demo` and the end-to-end tests."""

from __future__ import annotations

import functools
import ssl
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, TypeVar

import httpx

from shared.contracts.paging import QUEUE_PAGE_MAX
from shared.contracts.values import VIETNAM_TZ

T = TypeVar("T")


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The verifying TLS context (httpx's own default), built once per process: building one reads the whole CA
    bundle, ~70 ms of CPU, and httpx builds one for every client it is not given one."""
    return httpx.create_ssl_context()


class ApiError(Exception):
    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        self.status = status
        self.problem = problem
        super().__init__(f"{status} {problem.get('code')}: {problem.get('title')} {problem.get('fields') or ''}")


class PortalClient:
    def __init__(
        self, base_url: str, *, timeout: float = 30.0, poll_seconds: float = 0.025, max_poll_seconds: float = 0.25
    ) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=timeout, verify=tls_context())
        self.tokens: dict[str, str] = {}
        self.passwords: dict[str, str] = {}  # users to sign in at their first request (sign_in_when_needed)
        # Between two looks while waiting (wait_for, task_in_queue, poll): `poll_seconds` at first (most
        # waits are one hop of the pipeline), doubling up to `max_poll_seconds`, so that a long wait asks the portal a
        # few times a second rather than twenty.
        self.poll_seconds = poll_seconds
        self.max_poll_seconds = max_poll_seconds

    def pauses(self) -> Iterator[float]:
        pause = self.poll_seconds
        while True:
            yield pause
            pause = min(2 * pause, self.max_poll_seconds)

    def close(self) -> None:
        self.http.close()

    def login(self, username: str, password: str) -> str:
        token = self._call("POST", "/api/v1/auth/login", None, json={"username": username, "password": password})["access_token"]
        self.tokens[username] = token
        return str(token)

    def sign_in_when_needed(self, username: str, password: str) -> None:
        """Sign `username` in at their first request rather than now: each sign-in costs the portal an argon2 hash
        (about 0.2 s of CPU), and a test that may act as any of a dozen people acts as a few."""
        self.passwords[username] = password

    def token(self, username: str) -> str:
        """The user's bearer token, signing them in first if `sign_in_when_needed` named them."""
        if username not in self.tokens and username in self.passwords:
            self.login(username, self.passwords[username])
        return self.tokens[username]

    def auth(self, username: str) -> dict[str, str]:
        """The Authorization header of `username`'s requests (for a raw `client.http` call: a file, a header of its own)."""
        return {"Authorization": f"Bearer {self.token(username)}"}

    def _call(self, method: str, path: str, user: str | None, *, idempotency_key: str | None = None, **kwargs: Any) -> Any:
        headers = self.auth(user) if user else {}
        if idempotency_key is not None:  # a retry with the same key gets the first attempt's outcome
            headers["Idempotency-Key"] = idempotency_key
        response = self.http.request(method, path, headers=headers, **kwargs)
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = {"title": response.text}
            raise ApiError(response.status_code, body)
        return response.json()

    def get(self, user: str, path: str, **params: Any) -> Any:
        return self._call("GET", path, user, params={k: v for k, v in params.items() if v is not None})

    def every(self, user: str, path: str, *, limit: int | None = None, **params: Any) -> Iterator[dict[str, Any]]:
        """Every item of a list, page after page by its `next_cursor` (a list without cursors: its one page).
        `limit` is the page size (the list's default when not given): no page is ever too large to be sent."""
        cursor = None
        while True:
            page = self.get(user, path, **params, limit=limit, cursor=cursor)
            yield from page["items"]
            cursor = page.get("next_cursor")
            if cursor is None:
                return

    def post(self, user: str, path: str, body: Any = None, *, idempotency_key: str | None = None) -> Any:
        return self._call("POST", path, user, json=body, idempotency_key=idempotency_key)

    def put(self, user: str, path: str, body: Any) -> Any:
        return self._call("PUT", path, user, json=body)

    # The flow, step by step

    def submit(self, user: str, body: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self.post(user, "/api/v1/nominations", body)
        return result

    def upload(self, user: str, filename: str, data: bytes, media_type: str = "application/pdf") -> dict[str, Any]:
        """Stage one file (multipart); the reply's `staged_id` goes into a submission's `attachments`."""
        result: dict[str, Any] = self._call("POST", "/api/v1/attachments", user, files={"file": (filename, data, media_type)})
        return result

    def download(self, user: str, nomination_id: str, attachment_id: str) -> bytes:
        """A dossier file's bytes (the portal has checked them against the recorded SHA-256)."""
        response = self.http.get(f"/api/v1/nominations/{nomination_id}/attachments/{attachment_id}", headers=self.auth(user))
        if response.status_code >= 400:
            raise ApiError(response.status_code, response.json())
        return response.content

    def nomination(self, user: str, nomination_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self.get(user, f"/api/v1/nominations/{nomination_id}")
        return result

    def wait_for(
        self,
        user: str,
        nomination_id: str,
        predicate: Callable[[dict[str, Any]], bool],
        *,
        timeout: float = 30.0,
        what: str = "condition",
    ) -> dict[str, Any]:
        return self._until(
            lambda: self.nomination(user, nomination_id),
            predicate,
            timeout,
            lambda last: f"nomination {nomination_id} never reached {what}; last status {last['status']}",
        )

    def task_in_queue(self, user: str, unit_code: str, nomination_id: str, *, timeout: float = 30.0) -> dict[str, Any]:
        """Wait until the nomination's open task shows up in the unit's queue."""

        def open_task() -> dict[str, Any] | None:
            tasks = self.every(user, f"/api/v1/queues/{unit_code}/tasks", state="open", limit=QUEUE_PAGE_MAX)
            return next((dict(task) for task in tasks if task["nomination_id"] == nomination_id), None)

        task = self._until(
            open_task, lambda found: found is not None, timeout, lambda _: f"no open task for {nomination_id} in {unit_code}"
        )
        assert task is not None
        return task

    def claim_and_decide(self, user: str, task_id: str, action: str, comment: str = "") -> dict[str, Any]:
        """Claim and decide; before an approval, record a passing council vote when this level's council must vote."""
        task = self.post(user, f"/api/v1/tasks/{task_id}/claim")
        if action == "approve" and task.get("council", {}).get("blocking"):
            self.record_council_vote(user, task_id, members=9, present=9, votes_for=9)
        result: dict[str, Any] = self.post(user, f"/api/v1/tasks/{task_id}/decision", {"action": action, "comment": comment})
        return result

    def sign_draft_of(self, signer: str, nomination_id: str, *, timeout: float = 30.0) -> dict[str, Any]:
        """Wait until a draft waiting for signature lists the nomination, then sign it as `signer` (an officer on the
        issuer's roster of người ký): the decision or tờ trình is numbered, dated and issued."""
        waiting = self.poll(
            lambda: self.get(signer, "/api/v1/drafts", nomination_id=nomination_id)["items"],
            bool,
            timeout=timeout,
            what=f"a draft listing {nomination_id}",
        )
        signed: dict[str, Any] = self.post(signer, f"/api/v1/drafts/{waiting[0]['id']}/sign")
        return signed

    def sign_letter_of(self, signer: str, unit_code: str, proposal_id: str, *, timeout: float = 30.0) -> dict[str, Any]:
        """Wait until the tờ trình a unit forwarded (`proposal_id`) waits for its signing officer, then sign it as
        `signer`: it is numbered from the unit's register of outgoing documents, dated and signed."""
        waiting = self.poll(
            lambda: [d for d in self.get(signer, "/api/v1/drafts", issuer=unit_code)["items"] if d["proposal_id"] == proposal_id],
            bool,
            timeout=timeout,
            what=f"the draft of tờ trình {proposal_id}",
        )
        signed: dict[str, Any] = self.post(signer, f"/api/v1/drafts/{waiting[0]['id']}/sign")
        return signed

    def record_council_vote(
        self, user: str, task_id: str, *, members: int, present: int, votes_for: int, votes_against: int = 0
    ) -> dict[str, Any]:
        """One meeting of the council of the unit holding the task, voting on that task (secret ballot, held today)."""
        body = {
            "held_on": datetime.now(VIETNAM_TZ).date().isoformat(),
            "members": members,
            "present": present,
            "secret_ballot": True,
            "votes": [{"task_id": task_id, "votes_for": votes_for, "votes_against": votes_against}],
        }
        result: dict[str, Any] = self.post(user, "/api/v1/council-meetings", body)
        return result

    def poll(self, probe: Callable[[], T], until: Callable[[T], bool], *, timeout: float = 30.0, what: str = "condition") -> T:
        """Call `probe()` until `until(result)`; the system's timers run every second of real time."""
        return self._until(probe, until, timeout, lambda _: f"{what} not seen within {timeout:.0f} s")

    def _until(self, probe: Callable[[], T], until: Callable[[T], bool], timeout: float, timed_out: Callable[[T], str]) -> T:
        """The one wait of this client: look, and look again after each of `pauses()` until `until` holds or `timeout`
        seconds have passed (then `TimeoutError` with `timed_out(last result)`)."""
        deadline = time.monotonic() + timeout
        pauses = self.pauses()
        while True:
            result = probe()
            if until(result):
                return result
            if time.monotonic() > deadline:
                raise TimeoutError(timed_out(result))
            time.sleep(next(pauses))
