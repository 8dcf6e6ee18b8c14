"""/openapi.json documents every response of the JSON API, and nothing of the console."""

from __future__ import annotations

from typing import Any

import pytest

from services.portal.main import create_app
from services.portal.settings import PortalSettings
from shared.platform.assertions import generate_keys


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    settings = PortalSettings(demo=True, var_dir=tmp_path_factory.mktemp("portal"))
    generate_keys(settings.keys_dir())
    return create_app(settings).openapi()


def success_status(operation: dict[str, Any]) -> str:
    return next(str(status) for status in operation["responses"] if str(status).startswith("2"))


def success_content(operation: dict[str, Any]) -> dict[str, Any]:
    content: dict[str, Any] = operation["responses"][success_status(operation)].get("content", {})
    return content


def typed(schema: dict[str, Any] | None) -> bool:
    """A schema that says something: a model, a type, or a choice of those (an untyped `Any` has only a title)."""
    return schema is not None and any(key in schema for key in ("$ref", "type", "anyOf", "oneOf", "allOf"))


def test_every_api_response_has_a_schema(spec: dict[str, Any]) -> None:
    undocumented = [
        f"{method.upper()} {path}"
        for path, methods in spec["paths"].items()
        if path.startswith("/api/")
        for method, operation in methods.items()
        if success_status(operation) != "204"  # No Content: nothing to describe
        and not any(typed(body.get("schema")) for body in success_content(operation).values())
    ]
    assert undocumented == []


def test_a_task_reply_is_documented_field_by_field(spec: dict[str, Any]) -> None:
    ref = success_content(spec["paths"]["/api/v1/tasks/{task_id}/decision"]["post"])["application/json"]["schema"]["$ref"]
    task_view = spec["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    assert {"id", "nomination_id", "state", "can_act", "nomination", "history"} <= set(task_view["properties"])


def test_no_console_page_is_listed(spec: dict[str, Any]) -> None:
    listed = [path for path in spec["paths"] if not path.startswith("/api/") and path not in ("/healthz", "/readyz", "/metrics")]
    assert listed == []
