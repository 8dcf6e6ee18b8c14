"""/openapi.json tells the truth: only the JSON API, every response documented (errors as problem+json with
their statuses), and the limits of every parameter and body in the schema."""

from __future__ import annotations

from typing import Any

import pytest

from services.portal.main import create_app
from services.portal.settings import PortalSettings
from shared.contracts.paging import CURSOR_MAX_LENGTH, DECISIONS_PAGE_MAX, NOMINATIONS_PAGE_MAX
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


def test_only_the_json_api_is_listed(spec: dict[str, Any]) -> None:
    """No console page, no health probe, metrics, documentation page or static file."""
    assert [path for path in spec["paths"] if not path.startswith("/api/v1/")] == []


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, operation) for path, methods in spec["paths"].items() for method, operation in methods.items()]


def test_every_error_is_documented_as_problem_json(spec: dict[str, Any]) -> None:
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}}
    wrong = [
        f"{method.upper()} {path} {status}"
        for path, method, operation in operations(spec)
        for status, response in operation["responses"].items()
        if int(status) >= 400 and response.get("content") != problem
    ]
    assert wrong == []
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    details = spec["components"]["schemas"]["ProblemDetails"]
    assert set(details["required"]) == {"type", "code", "title", "status"}
    assert set(details["properties"]) == {"type", "code", "title", "status", "fields"}


def error_statuses(operation: dict[str, Any]) -> set[int]:
    return {int(status) for status in operation["responses"] if int(status) >= 400}


def test_each_operation_lists_the_errors_it_can_answer(spec: dict[str, Any]) -> None:
    for path, method, operation in operations(spec):
        statuses = error_statuses(operation)
        where = f"{method.upper()} {path}"
        assert {400, 422, 503} <= statuses, where
        assert ({401, 403} <= statuses) == bool(operation.get("security")), where
        assert (404 in statuses) == ("{" in path), where
        if method in ("post", "put"):
            assert {409, 413} <= statuses, where
        assert "Retry-After" in operation["responses"]["503"]["headers"], where
    assert {401, 429} <= error_statuses(spec["paths"]["/api/v1/auth/login"]["post"])
    assert spec["paths"]["/api/v1/me"]["get"]["security"] == [{"HTTPBearer": []}]


def unbounded(spec: dict[str, Any], schema: dict[str, Any], where: str, seen: frozenset[str] = frozenset()) -> list[str]:
    """Where a schema lets a value through with no limit: a string without maxLength (or a choice, pattern or
    format), an integer without maximum, a list without maxItems, an object of anything."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return [] if name in seen else unbounded(spec, spec["components"]["schemas"][name], where, seen | {name})
    found = [f for key in ("anyOf", "oneOf", "allOf") for sub in schema.get(key, []) for f in unbounded(spec, sub, where, seen)]
    kind = schema.get("type")
    if kind == "string" and not {"maxLength", "enum", "const", "format"} & set(schema):
        found.append(f"{where}: string without maxLength")
    if kind == "integer" and "maximum" not in schema:
        found.append(f"{where}: integer without maximum")
    if kind == "array":
        found += [] if "maxItems" in schema else [f"{where}: list without maxItems"]
        found += unbounded(spec, schema.get("items", {}), f"{where}[]", seen)
    for name, sub in schema.get("properties", {}).items():
        found += unbounded(spec, sub, f"{where}.{name}", seen)
    if kind == "object" and not schema.get("properties") and schema.get("additionalProperties", True) is not False:
        found.append(f"{where}: an object of anything")
    return found


def test_every_parameter_and_body_states_its_limits(spec: dict[str, Any]) -> None:
    found = []
    for path, method, operation in operations(spec):
        where = f"{method.upper()} {path}"
        for param in operation.get("parameters", []):
            found += unbounded(spec, param["schema"], f"{where} {param['in']} {param['name']}")
        for content in operation.get("requestBody", {}).get("content", {}).values():
            found += unbounded(spec, content["schema"], f"{where} body")
    assert found == []


@pytest.mark.parametrize(
    ("path", "name", "limits"),
    [
        ("/api/v1/nominations", "offset", {"minimum": 0, "maximum": 1_000_000}),
        ("/api/v1/nominations", "limit", {"minimum": 1, "maximum": NOMINATIONS_PAGE_MAX}),
        ("/api/v1/decisions", "limit", {"minimum": 1, "maximum": DECISIONS_PAGE_MAX}),
        ("/api/v1/queues/{unit_code}/tasks", "cursor", {"maxLength": CURSOR_MAX_LENGTH}),
        ("/api/v1/decisions", "year", {"minimum": 1945, "maximum": 2100}),
        ("/api/v1/reports/awards.xlsx", "year", {"minimum": 1945, "maximum": 2100}),
        ("/api/v1/nominations/{nomination_id}", "nomination_id", {"maxLength": 64}),
    ],
)
def test_a_parameter_shows_its_bounds(spec: dict[str, Any], path: str, name: str, limits: dict[str, int]) -> None:
    param = next(p for p in spec["paths"][path]["get"]["parameters"] if p["name"] == name)
    schema = param["schema"]
    schema = next((s for s in schema.get("anyOf", []) if s.get("type") != "null"), schema)
    assert limits.items() <= schema.items()


def test_a_nominee_name_shows_its_length(spec: dict[str, Any]) -> None:
    nominee = spec["components"]["schemas"]["NomineeEntry"]["properties"]
    assert (nominee["name"]["minLength"], nominee["name"]["maxLength"]) == (2, 200)
    achievements = spec["components"]["schemas"]["NominationDraft"]["properties"]["achievements"]
    assert achievements["maxLength"] == 10_000
