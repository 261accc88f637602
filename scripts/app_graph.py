"""Print OpenHall's app → app import edges, the picture docs/architecture.md keeps.

    .venv/bin/python scripts/app_graph.py            # one line per edge
    .venv/bin/python scripts/app_graph.py --verbose  # and the module imports behind each edge

Tests and the test factories are left out: they sit above everything and may import anything.
Imports inside functions count, as they do for import-linter (`make test` runs the contracts).
"""

import sys
from collections import defaultdict

import grimp


def app_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def is_test_support(module: str) -> bool:
    return ".tests" in module or module == "openhall.factories"


def app_edges() -> dict[tuple[str, str], set[str]]:
    graph = grimp.build_graph("openhall")
    edges: dict[tuple[str, str], set[str]] = defaultdict(set)
    for importer in graph.modules:
        if is_test_support(importer):
            continue
        for imported in graph.find_modules_directly_imported_by(importer):
            a, b = app_of(importer), app_of(imported)
            if a != b and imported != "openhall":
                edges[(a, b)].add(f"{importer} -> {imported}")
    return edges


def main() -> None:
    verbose = "--verbose" in sys.argv
    for (a, b), imports in sorted(app_edges().items()):
        print(f"{a} -> {b}")
        if verbose:
            for line in sorted(imports):
                print(f"    {line}")


if __name__ == "__main__":
    main()
