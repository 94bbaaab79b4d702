"""Property tests of the API against its own OpenAPI document (issue 18).

Hypothesis strategies are generated from /openapi.json itself (schemathesis would do
the same but pins its own web stack): for every GET operation, parameters drawn from
each parameter's schema, in range and out of it; for POST /api/articles, bodies drawn
from its JSON schemas. Every answer must be one the document lists, never a 500, an
error must be JSON ``{"error", "status"}``, and a 200 must match its response schema.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api_fixtures import build_db
from narrascope.api import ServeSettings, create_app

AUTH = {"Authorization": "Bearer s3cret"}
#: printable text without surrogates (which no URL or JSON body can carry)
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    path = tmp_path_factory.mktemp("openapi") / "news.db"
    build_db(path)
    app = create_app(ServeSettings(db=str(path), token="s3cret", worker=False, max_queued=10**6))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="module")
def document(client: TestClient) -> dict[str, Any]:
    return client.get("/openapi.json").json()


def _strategy(schema: dict[str, Any], name: str) -> st.SearchStrategy[Any]:
    """Values for one parameter: mostly valid for its schema, some just outside it."""
    options = schema.get("anyOf", [schema])
    kinds = {o.get("type") for o in options}
    if "integer" in kinds:
        low = next((o.get("minimum") for o in options if "minimum" in o), -(10**6))
        high = next((o.get("maximum") for o in options if "maximum" in o), 10**6)
        return st.one_of(st.integers(low, high), st.integers(low - 3, high + 3), TEXT)
    if name in ("since", "until"):
        return st.one_of(st.dates().map(str), TEXT)
    length = next((o.get("maxLength") for o in options if "maxLength" in o), 40)
    return st.one_of(TEXT, st.text(max_size=length + 5, alphabet="ab<>\"' &%/:*-()"))


def _resolve(schema: dict[str, Any], doc: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _matches(schema: dict[str, Any], value: Any, doc: dict[str, Any]) -> bool:
    """A small JSON-schema check: $ref, anyOf, type, required, properties, items."""
    schema = _resolve(schema, doc)
    if "anyOf" in schema:
        return any(_matches(s, value, doc) for s in schema["anyOf"])
    kind = schema.get("type")
    checks = {
        "object": lambda v: isinstance(v, dict),
        "array": lambda v: isinstance(v, list),
        "string": lambda v: isinstance(v, str),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
        "null": lambda v: v is None,
    }
    if kind is not None and not checks[kind](value):
        return False
    if kind == "object":
        if any(key not in value for key in schema.get("required", [])):
            return False
        props = schema.get("properties", {})
        return all(_matches(props[k], v, doc) for k, v in value.items() if k in props)
    if kind == "array" and "items" in schema:
        return all(_matches(schema["items"], v, doc) for v in value)
    return True


def _check(response: Any, operation: dict[str, Any], doc: dict[str, Any]) -> None:
    status = response.status_code
    assert status < 500 or status == 501, (status, response.text[:300])
    assert str(status) in operation["responses"], (status, list(operation["responses"]))
    if status >= 400:
        body = response.json()
        assert isinstance(body["error"], str) and body["error"] and body["status"] == status
        assert "Traceback" not in response.text
        return
    content = operation["responses"][str(status)].get("content", {})
    schema = content.get("application/json", {}).get("schema")
    if schema and response.headers["content-type"].startswith("application/json"):
        assert _matches(schema, response.json(), doc), response.text[:300]


def _gets(doc: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(path, ops["get"]) for path, ops in sorted(doc["paths"].items()) if "get" in ops]


def test_the_document_has_operations(document: dict[str, Any]) -> None:
    assert len(_gets(document)) >= 12


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_every_get_answers_as_documented(
    client: TestClient, document: dict[str, Any], data: st.DataObject
) -> None:
    path, operation = data.draw(st.sampled_from(_gets(document)), label="operation")
    url = path
    query: dict[str, Any] = {}
    for param in operation.get("parameters", []):
        value = data.draw(_strategy(param["schema"], param["name"]), label=param["name"])
        if param["in"] == "path":
            url = url.replace("{" + param["name"] + "}", quote(str(value), safe="") or "x")
        elif data.draw(st.booleans(), label=f"send {param['name']}"):
            query[param["name"]] = value
    _check(client.get(url, params=query), operation, document)


def _bodies(doc: dict[str, Any]) -> st.SearchStrategy[Any]:
    article = st.fixed_dictionaries(
        {"text": TEXT},
        optional={
            "title": TEXT,
            "outlet": TEXT,
            "url": TEXT,
            "published": st.one_of(st.dates().map(str), TEXT, st.none()),
            "language": st.one_of(st.none(), st.sampled_from(["en", "ru", "xx"]), TEXT),
        },
    )
    url = st.one_of(
        st.sampled_from(["https://example.org/a", "http://127.0.0.1/x", "javascript:alert(1)"]),
        TEXT,
    )
    return st.one_of(
        article,
        st.fixed_dictionaries({"articles": st.lists(article, max_size=3)}),
        st.fixed_dictionaries({"url": url}),
        st.fixed_dictionaries({"urls": st.lists(url, max_size=3)}),
        st.dictionaries(TEXT, TEXT, max_size=2),
        st.lists(st.integers(), max_size=2),
    )


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_post_articles_answers_as_documented(
    client: TestClient, document: dict[str, Any], data: st.DataObject
) -> None:
    operation = document["paths"]["/api/articles"]["post"]
    body = data.draw(_bodies(document), label="body")
    response = client.post("/api/articles", json=body, headers=AUTH)
    _check(response, operation, document)
    if response.status_code == 202:
        assert client.get(response.headers["location"]).json()["state"] == "queued"


def test_schema_checker_can_fail(document: dict[str, Any]) -> None:
    """The checker above would notice a 200 answer of the wrong shape."""
    schema = document["paths"]["/api/articles"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]["schema"]
    assert _matches(schema, {"total": 0, "limit": 1, "offset": 0, "items": []}, document)
    assert not _matches(schema, {"total": "0", "limit": 1, "offset": 0, "items": []}, document)
    assert not _matches(schema, {"total": 0, "limit": 1, "offset": 0, "items": [{}]}, document)
