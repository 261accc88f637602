"""The README and docs state what was measured and what is built: their figure tables and the
list of API operations are generated (scripts/bench_figures.py) and must match their sources."""

import importlib.util
import json
from pathlib import Path

import pytest

from openhall.api import api

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def figures():
    spec = importlib.util.spec_from_file_location(
        "bench_figures", ROOT / "scripts/bench_figures.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def generated_blocks(text: str, figures) -> dict[str, str]:
    return {f"{m['kind']}:{m['name']}": m["body"] for m in figures.BLOCK.finditer(text)}


@pytest.mark.parametrize(
    "doc",
    ["README.md", "docs/bookings.md", "docs/activities.md", "docs/access.md", "docs/display.md"],
)
def test_the_figures_in_the_docs_are_the_ones_in_bench_results(doc, figures):
    text = (ROOT / doc).read_text("utf-8")
    blocks = generated_blocks(text, figures)
    assert any(name.startswith("bench:") for name in blocks), f"{doc} lost its figures block"
    for name, body in blocks.items():
        if name.startswith("bench:"):
            expected = figures.BENCH_BLOCKS[name.removeprefix("bench:")]()
            assert body == expected, f"{doc} {name}: run scripts/bench_figures.py"


def test_the_readme_quotes_the_storm_as_measured(figures):
    storm = json.loads((ROOT / "bench/results/booking-postgresql.json").read_text())
    readme = (ROOT / "README.md").read_text("utf-8")
    for run in storm["booking_storm"]:
        assert f"{run['requests_per_s']:,.0f} requests/s" in readme


def test_a_changed_results_file_makes_the_docs_stale(figures, monkeypatch):
    real = figures.results

    def faster(name):
        data = real(name)
        if name == "booking-postgresql":
            data["booking_storm"][-1]["requests_per_s"] += 100
        return data

    monkeypatch.setattr(figures, "results", faster)
    assert ROOT / "README.md" in figures.stale_documents()


def test_docs_api_lists_every_operation_of_the_openapi_document(figures, db):
    text = (ROOT / "docs/api.md").read_text("utf-8")
    body = generated_blocks(text, figures)["api:operations"]
    assert body == figures.api_operations(), "docs/api.md: run scripts/bench_figures.py"
    operations = [
        (method.upper(), path.removeprefix("/api/v1"))
        for path, methods in api.get_openapi_schema()["paths"].items()
        for method in methods
    ]
    for method, path in operations:
        assert f"| {method} | `{path}` |" in body
    assert body.count("\n") == len(operations) + 2  # header, rule, one row each


def test_nothing_built_is_called_planned():
    for doc in ("docs/api.md", "docs/deployment.md", "docs/configuration.md"):
        text = (ROOT / doc).read_text("utf-8").lower()
        for built in ("lobby screens (planned)", "locks (planned)", "activities, wechat"):
            assert built not in text, (doc, built)
