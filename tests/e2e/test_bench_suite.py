"""The benches still run (issue 20 asks `bench/` to reproduce its table in one command; pipeline_latency once broke
unnoticed when the demo logins changed): bench/suite.py at its smallest scale, every row on one started SQLite
system, produces every figure of its summary, and the PostgreSQL-only paths (a bench's own databases, the bare
commits at 8 clients, escalation on PostgreSQL) produce theirs. Figures are checked, not timings: nothing here fails
on speed."""

from __future__ import annotations

import asyncio
import math
import re
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bench import escalation_lateness, intake, suite
from tests.conftest import postgres_admin_url

pytestmark = pytest.mark.e2e

A_FIGURE = re.compile(r"\d")


def test_every_row_of_the_bench_suite_produces_its_figures_at_the_smallest_scale() -> None:
    summary = suite.run(suite.Options(scale=suite.SMALLEST, backends=("sqlite",)))

    table = summary.table(("sqlite",))
    assert "failed" not in table, table
    for key, figure in summary.figures.items():
        if key.startswith("jetstream"):  # baselines only: the same server for both backends
            assert A_FIGURE.search(figure.baseline), (key, table)
            continue
        value = figure.measured.get("sqlite", "")
        if key == "decided e2e":  # at this scale the step is empty: the one nomination decided is the one starting it
            continue
        assert A_FIGURE.search(value), (key, table)
        assert "n/a" not in value, (key, table)
    # the decided step's one nomination went through all three levels and was granted (a failure would be noted)
    assert summary.figures["decided"].measured["sqlite"] == "0.00", table
    for key in ("intake", "intake p99", "sequential", "escalation", "queue 200"):
        assert summary.figures[key].baseline, (key, table)  # each beside its baseline


def test_the_postgresql_paths_of_the_benches_produce_their_figures(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    admin = postgres_admin_url()
    if admin is None:
        pytest.skip("PostgreSQL not reachable (set THIDUA_TEST_DATABASE_URL or run one on 127.0.0.1:5432)")
    monkeypatch.setattr(intake, "POSTGRES", make_url(admin).set(drivername="postgresql").render_as_string(hide_password=False))

    assert intake.bare_commits("postgresql", tmp_path, seconds=0.2, clients=8) > 0
    with intake.postgres_database("thidua_bench_test") as url:
        lateness = asyncio.run(escalation_lateness.measure(20, url))
    assert lateness.backend == "PostgreSQL"
    assert len(lateness.lateness) == 20
    assert not math.isnan(lateness.p(99))
