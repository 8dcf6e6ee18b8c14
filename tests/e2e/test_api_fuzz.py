"""Reassign tells nothing about which usernames exist; and Schemathesis against /openapi.json of the whole running
system, as a CĐCS submitter and as a district approver: whatever the document allows (and what it does not:
out-of-range numbers, missing fields, wrong types), the API answers with no 5xx, and every error it answers is
application/problem+json with its stable code.

Bounded and repeatable: a few valid and a few invalid examples per operation (`MAX_EXAMPLES`; many more under
HYPOTHESIS_PROFILE=thorough), derandomized, on PostgreSQL (the stricter backend: it refuses a NUL in text and a number
wider than its column, where SQLite stores either). Signing out is left out (it would end the session the rest of
the run uses)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import Case, GenerationMode, Response

from shared.platform.settings import SERVICES
from tests.conftest import THOROUGH
from tests.e2e.conftest import PASSWORD, start_system
from thidua.client import ApiError, PortalClient
from thidua.system import System

# Per operation and mode (valid, invalid), after the schema's own examples; derandomized, so a run with fewer is the
# first examples of this one. Not fewer: with 4 instead of 8, 13 of the 89 operations would no longer be sent a text
# holding a NUL (which PostgreSQL refuses), measured 2026-12. HYPOTHESIS_PROFILE=thorough sends 50.
MAX_EXAMPLES = 50 if THOROUGH else 8
PROBLEM = "application/problem+json"
LEFT_OUT = {"/api/v1/auth/logout"}


@pytest.fixture(scope="module")
def fuzzed_system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    tmp_path: Path = tmp_path_factory.mktemp("fuzz")
    for service in SERVICES:
        (tmp_path / service).mkdir()
    yield from start_system(tmp_path, "postgresql")


def test_reassign_answers_the_same_for_an_unknown_username_and_a_known_one(fuzzed_system: System) -> None:
    client = PortalClient(fuzzed_system.portal_url)
    for user in ("cdcs.dst", "ld.sontay", "ld.thanhxuan"):
        client.login(user, PASSWORD)
    nominee = {"kind": "individual", "name": "Lương Thế Vinh"}
    achievements = "Hoàn thành xuất sắc nhiệm vụ, có sáng kiến được công nhận cấp cơ sở."
    body = {"unit_code": "HN-SONTAY-DST", "award_code": "giay_khen_ldld_huyen", "period": "2026", "nominee": nominee}
    nomination = client.submit("cdcs.dst", {**body, "achievements": achievements})
    task = client.task_in_queue("ld.sontay", "HN-SONTAY", nomination["id"])

    def refusal(user: str, assignee: str) -> tuple[int, dict[str, object]]:
        with pytest.raises(ApiError) as refused:
            client.post(user, f"/api/v1/tasks/{task['id']}/reassign", {"assignee_username": assignee})
        return refused.value.status, refused.value.problem

    # the unit's administrator: nobody by that name, or an approver of another unit, is the same refusal
    unknown = refusal("ld.sontay", "khong.co.ai")
    assert unknown == refusal("ld.sontay", "ld.thanhxuan")
    assert (unknown[0], unknown[1]["code"]) == (422, "assignee_not_approver")
    # someone who may not reassign here: the same 403 whoever they name
    forbidden = refusal("ld.thanhxuan", "khong.co.ai")
    assert forbidden == refusal("ld.thanhxuan", "ld.sontay2")
    assert (forbidden[0], forbidden[1]["code"]) == (403, "not_unit_admin")
    client.close()


def sign_in(system: System, username: str) -> str:
    response = requests.post(
        f"{system.portal_url}/api/v1/auth/login", json={"username": username, "password": PASSWORD}, timeout=30
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


@dataclass
class Outcome:
    """What one user's run saw: requests by status, and the answers that broke the rules."""

    statuses: Counter[int] = field(default_factory=Counter)
    wrong: list[str] = field(default_factory=list)

    def check(self, case: Case[Any], response: Response) -> None:
        self.statuses[response.status_code] += 1
        text = response.content[:300].decode("utf-8", "replace")
        where = f"{case.method} {case.formatted_path} -> {response.status_code}: {text}"
        if response.status_code >= 500:
            self.wrong.append(f"5xx {where}")
        elif response.status_code >= 400:
            if not response.headers.get("content-type", [""])[0].startswith(PROBLEM):
                self.wrong.append(f"not problem+json {where}")
            elif response.json().get("status") != response.status_code or not response.json().get("code"):
                self.wrong.append(f"malformed problem {where}")


def fuzz(system: System, username: str) -> Outcome:
    schema = schemathesis.openapi.from_url(f"{system.portal_url}/openapi.json", timeout=30)
    token = sign_in(system, username)
    outcome = Outcome()
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]  # an Err would be an invalid document: let it raise
        if operation.path in LEFT_OUT:
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=MAX_EXAMPLES,
                derandomize=True,
                database=None,
                deadline=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def send(case: Case[Any]) -> None:
                response = case.call(base_url=system.portal_url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
                outcome.check(case, response)

            send()
    return outcome


@pytest.mark.parametrize("username", ["cdcs.dst", "ld.sontay"])
def test_the_api_answers_no_5xx_and_only_problem_json_errors(fuzzed_system: System, username: str) -> None:
    outcome = fuzz(fuzzed_system, username)
    print(f"{username}: {outcome.statuses.total()} requests, by status {sorted(outcome.statuses.items())}")
    assert outcome.statuses.total() > 100
    assert outcome.wrong == []
