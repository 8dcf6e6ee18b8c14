"""How `make test` cuts the suite into units of work for its two workers (tests/scheduling.py): a file whose tests
share a system runs whole on one worker, any other test on its own."""

from __future__ import annotations

import pytest

from tests import conftest, scheduling


@pytest.mark.parametrize(
    "test_file",
    [
        "tests/browser/test_people_console.py",  # the browser and the console fixtures of tests/browser/conftest.py
        "tests/e2e/test_api_fuzz.py",  # its fuzzed system, started per module
        "tests/deploy/test_config_files.py",
        "tests/unit/test_openapi.py",
    ],
)
def test_a_file_sharing_a_fixture_of_module_scope_is_one_unit(test_file: str) -> None:
    assert scheduling.runs_whole(test_file)
    assert scheduling.unit_of_work(f"{test_file}::test_one[sqlite]") == test_file


@pytest.mark.parametrize(
    "test_file",
    ["tests/e2e/test_crash_recovery.py", "tests/e2e/test_database_outage.py", "tests/unit/test_text.py"],
)
def test_every_other_test_is_a_unit_of_its_own(test_file: str) -> None:
    assert not scheduling.runs_whole(test_file)
    assert scheduling.unit_of_work(f"{test_file}::test_one[postgresql]") == f"{test_file}::test_one[postgresql]"


@pytest.mark.parametrize(
    ("source", "whole"),
    [
        ('@pytest.fixture(scope="module")\ndef system(): ...', True),
        ('@pytest_asyncio.fixture(loop_scope="module", scope="class")\nasync def broker(): ...', True),
        ("@pytest.fixture(\n    scope='package'\n)\ndef data(): ...", True),
        ('@pytest.fixture(scope="session")\ndef nats_url(): ...', False),
        ('@pytest_asyncio.fixture(loop_scope="module")\nasync def client(): ...', False),  # its event loop, not its value
        ("@pytest.fixture\ndef tmp(): ...", False),
    ],
)
def test_the_scope_is_read_from_the_fixtures_declaration(source: str, whole: bool) -> None:
    assert bool(scheduling.WHOLE_FILE_FIXTURE.search(source)) is whole


def test_the_longest_files_listed_exist() -> None:
    missing = [f for f in conftest.LONGEST_FIRST if not (scheduling.ROOT / f).is_file()]
    assert missing == []


def test_a_shared_system_is_released_when_its_process_starts_the_tests_that_need_none() -> None:
    stopped: list[str] = []
    scheduling.release_after_system_tests(lambda: stopped.append("api systems"))
    scheduling.release_after_system_tests(lambda: stopped.append("console"))
    for nodeid in (
        "tests/e2e/test_pipeline.py::test_x[sqlite]",
        "tests/browser/test_console.py::test_y",
        "tests/deploy/test_nats_permissions.py::test_z",  # queued among the system tests (LONGEST_FIRST)
    ):
        scheduling.starting(nodeid)
    assert stopped == []
    scheduling.starting("tests/integration/test_outbox_relay.py::test_a[sqlite]")
    assert sorted(stopped) == ["api systems", "console"]
    scheduling.starting("tests/unit/test_cli.py::test_b")
    assert len(stopped) == 2  # each once
