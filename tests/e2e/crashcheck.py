"""kill -9 of each service in turn while 100 nominations are in flight: nothing lost, no decision number skipped or
reused.

One run per database, each killing registration, then review, then awards at a quarter, a half and three quarters of
the district's approvals (each restarted half a second later) while the city approves beside it:
`test_crash_recovery.py` (SQLite) and `test_crash_recovery_on_postgresql.py`, two files so that they run on both test
workers at once. (One system per service killed cost three times as much for the same guarantee.)"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

from shared.contracts.paging import QUEUE_PAGE_MAX
from shared.platform.settings import SERVICES
from tests.e2e.conftest import PASSWORD, start_system, through_outages
from tests.e2e.faultcheck import (
    SIGNERS,
    Observations,
    RecordingClient,
    batch_outcome,
    dead_letter_count,
    submit_batch,
    wait_drained,
    wait_granted,
)
from tests.e2e.faulttable import FaultRow, FaultTable
from thidua.client import PortalClient
from thidua.system import System

COUNT = 100  # 200 before the council votes at each level made each approval three calls; the CI budget is 15 min
CITY_SHARE = 2  # every second nomination goes on to the city level


def patiently(call: Callable[[], Any]) -> Any:
    """Through the crash: the service behind the portal is down (503) until it restarts."""
    return through_outages(call, timeout=90.0)


def approve_everything(client: PortalClient, user: str, unit: str, expected: int, *, after: Callable[[int], None]) -> None:
    """Claim and approve every task that reaches the unit's queue until `expected` were decided."""
    decided = 0
    deadline = time.monotonic() + 180
    while decided < expected:
        assert time.monotonic() < deadline, f"only {decided}/{expected} tasks reached {unit}"
        page = patiently(lambda: client.get(user, f"/api/v1/queues/{unit}/tasks", state="open", limit=QUEUE_PAGE_MAX))
        if not page["items"]:
            time.sleep(0.1)
            continue
        # One meeting of the unit's council votes on the page's dossiers (a retry after a crash is a harmless re-vote).
        votes = [{"task_id": t["id"], "votes_for": 9} for t in page["items"]]
        meeting = {"held_on": "2026-03-02", "members": 9, "present": 9, "votes": votes}
        patiently(partial(client.post, user, "/api/v1/council-meetings", meeting))
        for task in page["items"]:
            patiently(partial(client.post, user, f"/api/v1/tasks/{task['id']}/claim"))
            patiently(
                partial(client.post, user, f"/api/v1/tasks/{task['id']}/decision", {"action": "approve", "comment": "Đồng ý"})
            )
            decided += 1
            after(decided)


VICTIMS = ("registration", "review", "awards")


def crash_system(backend: str, tmp_path: Path) -> Iterator[System]:
    for s in SERVICES:
        (tmp_path / s).mkdir()
    yield from start_system(tmp_path, backend)


def check(system: System, backend: str) -> None:
    """The scenario on a running system: 100 nominations through every level while each service is killed in turn.
    Its measured row goes to the fault table (tests/e2e/faulttable.py) before the checks."""
    seen = Observations()
    client = RecordingClient(system.portal_url, seen)
    for user in ("cdcs.dst", "ld.sontay", "ld.hanoi", *SIGNERS.values()):
        client.login(user, PASSWORD)
    ids = submit_batch(client, "crash", COUNT, CITY_SHARE)

    crash_points = {COUNT * (i + 1) // (len(VICTIMS) + 1): victim for i, victim in enumerate(VICTIMS)}
    crashed: list[str] = []
    restarted_at: list[float] = []

    def crash_midway(decided: int) -> None:
        victim = crash_points.get(decided)
        if victim is not None and victim not in crashed:
            crashed.append(victim)
            system.kill(victim)  # SIGKILL: no shutdown hooks, no outbox flush, unacked messages
            time.sleep(0.5)
            system.restart(victim)
            restarted_at.append(time.monotonic())

    city = threading.Thread(
        target=approve_everything, args=(client, "ld.hanoi", "HN", COUNT // CITY_SHARE), kwargs={"after": lambda n: None}
    )
    city.start()
    approve_everything(client, "ld.sontay", "HN-SONTAY", COUNT, after=crash_midway)
    city.join()
    assert crashed == list(VICTIMS)

    deadline = time.monotonic() + 120
    wait_granted(client, ids, deadline)
    wait_drained(system, deadline)
    drained_at = time.monotonic()
    outcome = batch_outcome(client, ids)
    dead_letters = dead_letter_count(system.user_nats_url("admin"))
    FaultTable.of(f"crash_recovery_{backend}").add(
        FaultRow(
            scenario=f"kill -9 of registration, review, awards in turn, each restarted ({backend})",
            nominations=COUNT,
            lost=len(outcome.lost),
            duplicated=len(outcome.duplicated),
            dead_letters=dead_letters,
            server_errors=seen.server_errors(),
            dropped=len(seen.dropped),
            recovery_to_drained_s=drained_at - restarted_at[-1],  # from the last restart
        )
    )
    assert outcome.lost == {}
    assert outcome.duplicated == {}
    assert outcome.numbers == {issuer: list(range(1, COUNT // CITY_SHARE + 1)) for issuer in ("HN-SONTAY", "HN")}
    assert dead_letters == 0
    client.close()
