"""The API under generated input: every operation in the OpenAPI document is called with
parameters and bodies drawn from its own schema — and with bodies that ignore it — by a center
admin who may do almost anything. Whatever comes in, the answer is never a 500, and every
refusal has the error shape (`code` for programs, `message` for people).

Operations are read from the schema, so an endpoint added later is fuzzed without anyone
remembering to add it here.
"""

import json
import re
from datetime import UTC
from functools import cache
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openhall.api import api
from openhall.core.tests.test_cross_center import objects_of  # noqa: F401 (a fixture)

EXAMPLES = int(__import__("os").environ.get("OPENHALL_FUZZ_EXAMPLES", "12"))
SHANGHAI = ZoneInfo("Asia/Shanghai")


@cache
def openapi() -> dict:
    return api.get_openapi_schema()


def operations() -> list[tuple[str, str]]:
    return [
        (method, path)
        for path, methods in openapi()["paths"].items()
        for method in methods
        if method in ("get", "post", "put", "patch", "delete")
    ]


def from_schema(schema: dict, depth: int = 0):
    """Values that fit a JSON schema as django-ninja writes them (objects, arrays, enums, anyOf,
    $ref into #/components, string formats), with edge cases: empty, long, far dates."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return from_schema(openapi()["components"]["schemas"][name], depth + 1)
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            return st.one_of([from_schema(s, depth + 1) for s in schema[key]])
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        required = set(schema.get("required", []))
        return st.fixed_dictionaries(
            {k: from_schema(v, depth + 1) for k, v in props.items() if k in required},
            optional={k: from_schema(v, depth + 1) for k, v in props.items() if k not in required},
        )
    if kind == "array":
        items = from_schema(schema.get("items", {}), depth + 1) if depth < 4 else st.none()
        return st.lists(items, max_size=4)
    if kind == "integer":
        return st.integers(schema.get("minimum", -(2**63)), schema.get("maximum", 2**63 - 1))
    if kind == "number":
        return st.floats(allow_nan=False, allow_infinity=False)
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    if kind == "string":
        fmt = schema.get("format")
        if fmt == "date-time":
            return st.datetimes(timezones=st.sampled_from([UTC, SHANGHAI])).map(
                lambda d: d.isoformat()
            )
        if fmt == "date":
            return st.dates().map(lambda d: d.isoformat())
        if fmt == "time":
            return st.times().map(lambda t: t.isoformat())
        return st.text(max_size=schema.get("maxLength", 300) + 5)
    return json_values


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)


def body_strategy(spec: dict):
    content = spec.get("requestBody", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema")
    if schema is None:
        return st.none()
    return st.one_of(from_schema(schema), json_values)


def query_strategy(spec: dict):
    params = [p for p in spec.get("parameters", []) if p.get("in") == "query"]
    fields = {
        p["name"]: st.one_of(
            st.none(),
            from_schema(p.get("schema", {})),
            st.text(max_size=12),
        )
        for p in params
    }
    return st.fixed_dictionaries(fields)


def as_query(values: dict) -> dict:
    query = {}
    for name, value in values.items():
        if value is None:
            continue
        query[name] = json.dumps(value) if isinstance(value, dict | list) else str(value)
    return query


@pytest.mark.parametrize(("method", "path"), operations(), ids=lambda v: v)
def test_no_input_makes_the_api_answer_500(
    method,
    path,
    api_client,
    adam,
    center_a,
    objects_of,  # noqa: F811
):
    spec = openapi()["paths"][path][method]
    client = api_client(adam)
    own = objects_of(center_a)
    names = re.findall(r"\{(\w+)\}", path)
    ids = st.fixed_dictionaries(
        {name: st.one_of(st.just(own.get(name, 1)), st.integers(-3, 2**63 - 1)) for name in names}
    )

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(path_ids=ids, query=query_strategy(spec), body=body_strategy(spec))
    def call(path_ids, query, body):
        url = path
        for name, value in path_ids.items():
            url = url.replace("{" + name + "}", str(value))
        if query:
            from urllib.parse import urlencode

            url += "?" + urlencode(as_query(query))
        if method == "get":
            response = client.get(url)
        else:
            response = getattr(client, method)(
                url, json.dumps(body) if body is not None else "", content_type="application/json"
            )
        assert response.status_code < 500, f"{method.upper()} {url} {body!r} → 500"
        if response.status_code >= 400:
            answer = response.json()
            assert answer["code"] and answer["message"], f"{method.upper()} {url}: {answer}"

    call()
