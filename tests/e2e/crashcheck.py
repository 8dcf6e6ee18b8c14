"""kill -9 of each service in turn while 100 nominations are in flight: nothing lost, no decision number skipped or
reused.

One run per database, each killing registration, then review, then awards at a quarter, a half and three quarters of
the district's approvals (each restarted half a second later) while the city approves beside it:
`test_crash_recovery.py` (SQLite) and `test_crash_recovery_on_postgresql.py`, two files so that they run on both test
workers at once. (One system per service killed cost three times as much for the same guarantee.)"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

from shared.contracts.paging import QUEUE_PAGE_MAX
from shared.platform.settings import SERVICES
from tests.e2e.conftest import PASSWORD, start_system, through_outages
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


def check(system: System) -> None:
    """The scenario on a running system: 100 nominations through every level while each service is killed in turn."""
    client = PortalClient(system.portal_url)
    for user in ("cdcs.dst", "ld.sontay", "ld.hanoi"):
        client.login(user, PASSWORD)
    ids = []
    for i in range(COUNT):
        award = "cong_nhan_gioi_thu_do" if i % CITY_SHARE else "giay_khen_ldld_huyen"
        body = {
            "unit_code": "HN-SONTAY-DST",
            "award_code": award,
            "period": "2026",
            "nominee": {"kind": "individual", "name": f"Người lao động số {i:03d}"},
            "achievements": "Hoàn thành xuất sắc nhiệm vụ năm, tích cực trong phong trào thi đua.",
        }
        ids.append(client.submit("cdcs.dst", body)["id"])

    crash_points = {COUNT * (i + 1) // (len(VICTIMS) + 1): victim for i, victim in enumerate(VICTIMS)}
    crashed: list[str] = []

    def crash_midway(decided: int) -> None:
        victim = crash_points.get(decided)
        if victim is not None and victim not in crashed:
            crashed.append(victim)
            system.kill(victim)  # SIGKILL: no shutdown hooks, no outbox flush, unacked messages
            time.sleep(0.5)
            system.restart(victim)

    city = threading.Thread(
        target=approve_everything, args=(client, "ld.hanoi", "HN", COUNT // CITY_SHARE), kwargs={"after": lambda n: None}
    )
    city.start()
    approve_everything(client, "ld.sontay", "HN-SONTAY", COUNT, after=crash_midway)
    city.join()
    assert crashed == list(VICTIMS)

    deadline = time.monotonic() + 120
    pending = set(ids)
    while pending:
        assert time.monotonic() < deadline, f"{len(pending)} nominations never granted"
        granted_now = patiently(lambda: list(client.every("cdcs.dst", "/api/v1/nominations", status="granted")))
        pending -= {n["id"] for n in granted_now}
        time.sleep(0.2)

    numbers: dict[str, list[int]] = {"HN-SONTAY": [], "HN": []}
    for issuer, values in numbers.items():
        page = client.every("ld.hanoi" if issuer == "HN" else "ld.sontay", "/api/v1/decisions", issuer=issuer)
        values.extend(d["number"] for d in page)
    assert sorted(numbers["HN-SONTAY"]) == list(range(1, COUNT // CITY_SHARE + 1))
    assert sorted(numbers["HN"]) == list(range(1, COUNT // CITY_SHARE + 1))
    granted = list(client.every("cdcs.dst", "/api/v1/nominations"))
    assert Counter(n["status"] for n in granted) == {"granted": COUNT}
    assert len({n["decision"]["decision_id"] for n in granted}) == COUNT
    client.close()
