"""`drive` (the demo's and the pipeline bench's one nomination through its levels): without documents it uploads
nothing, and it tells where the time went, phase by phase, summed over the levels."""

from __future__ import annotations

from typing import Any, cast

from bench.pipeline_latency import THREE_LEVELS, Sequential
from thidua.client import PortalClient
from thidua.demo import PHASES, drive

PATH = [
    {"code": "HN-HADONG-VQ", "level": "grassroots"},
    {"code": "HN-HADONG", "level": "district"},
    {"code": "HN", "level": "city"},
    {"code": "TLD", "level": "national"},
]


class Recording:
    """The client calls `drive` makes, answered as the system would for a nomination decided at the national level."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def get(self, user: str, path: str, **params: Any) -> dict[str, Any]:
        self.calls.append(f"get {path}")
        return {"documents": [{"code": "to_trinh", "name": "Tờ trình", "required": True}]}

    def upload(self, user: str, filename: str, data: bytes) -> dict[str, Any]:
        self.calls.append(f"upload {filename}")
        return {"staged_id": "s-1"}

    def submit(self, user: str, body: dict[str, Any]) -> dict[str, Any]:
        self.calls.append(f"submit with {len(body['attachments'])} files")
        return {"id": "n-1", "unit_path": PATH, "awarding_level": "national"}

    def task_in_queue(self, user: str, unit_code: str, nomination_id: str) -> dict[str, Any]:
        self.calls.append(f"task in {unit_code}")
        return {"id": f"t-{unit_code}"}

    def claim_and_decide(self, user: str, task_id: str, action: str, comment: str = "") -> dict[str, Any]:
        self.calls.append(f"{action} {task_id}")
        return {}

    def sign_draft_of(self, signer: str, nomination_id: str) -> dict[str, Any]:
        self.calls.append(f"signed by {signer}")
        return {}

    def wait_for(self, user: str, nomination_id: str, predicate: Any, *, what: str = "") -> dict[str, Any]:
        decided = {"id": nomination_id, "status": "granted"}
        assert predicate(decided)
        self.calls.append("decided")
        return decided


def test_without_documents_nothing_is_uploaded_and_every_phase_is_timed() -> None:
    client = Recording()
    phases: dict[str, float] = {}

    decided, seconds = drive(cast(PortalClient, client), THREE_LEVELS, "2026", documents=False, phases=phases)

    assert decided["status"] == "granted"
    assert client.calls == [
        "submit with 0 files",
        "task in HN-HADONG",
        "approve t-HN-HADONG",
        "task in HN",
        "approve t-HN",
        "task in TLD",
        "approve t-TLD",
        "signed by ky.tld",
        "decided",
    ]
    assert tuple(phases) == PHASES
    assert 0 <= sum(phases.values()) <= seconds


def test_with_documents_each_required_one_is_uploaded_before_the_submission() -> None:
    client = Recording()

    drive(cast(PortalClient, client), THREE_LEVELS, "2026")

    assert client.calls[:3] == [
        f"get /api/v1/awards/{THREE_LEVELS['body']['award_code']}/documents",
        "upload to_trinh.pdf",
        "submit with 1 files",
    ]


def test_the_sequential_bench_reports_each_phases_median_in_drives_order() -> None:
    one_by_one = Sequential(
        durations=[1.0, 1.0, 1.0],
        phases=[{name: 0.010 * (i + 1) for name in PHASES} for i in range(3)],
    )

    assert one_by_one.phase_medians() == " · ".join(f"{name} 20 ms" for name in PHASES)
