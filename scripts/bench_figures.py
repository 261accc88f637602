"""Write the figures of README.md and docs/*.md from what was measured and what is built.

Two kinds of generated block, each between markers in the Markdown, so the prose around them
stays hand-written and the numbers cannot drift from their source:

    <!-- bench:booking-summary -->  …  <!-- /bench:booking-summary -->   from bench/results/*.json
    <!-- api:operations -->  …  <!-- /api:operations -->                 from the OpenAPI document

    .venv/bin/python scripts/bench_figures.py           rewrite the blocks in place
    .venv/bin/python scripts/bench_figures.py --check   exit 1 if a block is stale (the test does this)

A README once said the booking storm ran at 125 requests/s while its results file said 293.
"""

import json
import re
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
BLOCK = re.compile(
    r"(?P<open><!-- (?P<kind>bench|api):(?P<name>[\w-]+) -->\n)(?P<body>.*?)"
    r"(?P<close><!-- /(?P=kind):(?P=name) -->)",
    re.DOTALL,
)
# The booking issue's target, which the results file does not carry.
STORM_TARGET = {"clients": 32, "requests_per_s": 200, "p95_ms": 150}


def documents() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def results(name: str) -> dict:
    return json.loads((RESULTS / f"{name}.json").read_text(encoding="utf-8"))


def ms(value: float) -> str:
    return f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"


def per_s(value: float) -> str:
    return f"{value:,.0f}"


def table(header: tuple[str, str], rows: list[tuple[str, str]]) -> str:
    lines = [f"| {header[0]} | {header[1]} |", "|---|---|"]
    lines += [f"| {what} | {figure} |" for what, figure in rows]
    return "\n".join(lines) + "\n"


def measured_on(data: dict, key: str = "at") -> str:
    return f"*Measured {data[key][:10]}, {data['machine']['cpus']} cores: `bench/results/"


# --- the bench blocks ---------------------------------------------------------------------------


def _storm(data: dict, clients: int) -> dict:
    return next(run for run in data["booking_storm"] if run["clients"] == clients)


def _availability(data: dict, word: str, concurrency: int) -> dict:
    return next(
        run
        for run in data["availability"]
        if word in run["path"] and run["concurrency"] == concurrency
    )


def booking_storm_rows(data: dict) -> list[tuple[str, str]]:
    rows = []
    for run in data["booking_storm"]:
        rows.append(
            (
                f"booking storm, {run['clients']} clients (half the requests clash on purpose)",
                f"{per_s(run['requests_per_s'])} requests/s ({per_s(run['bookings_per_s'])} "
                f"bookings created/s, the rest answered 409), p50 {ms(run['p50_ms'])}, "
                f"p95 {ms(run['p95_ms'])}, p99 {ms(run['p99_ms'])}, {run['errors_5xx']} errors",
            )
        )
    return rows


def storm_target_row(data: dict) -> tuple[str, str]:
    run = _storm(data, STORM_TARGET["clients"])
    met = (
        run["requests_per_s"] >= STORM_TARGET["requests_per_s"]
        and run["p95_ms"] <= STORM_TARGET["p95_ms"]
    )
    return (
        f"target: ≥ {STORM_TARGET['requests_per_s']} booking requests/s with p95 ≤ "
        f"{STORM_TARGET['p95_ms']} ms at {STORM_TARGET['clients']} clients",
        ("met" if met else "not met")
        + f" ({per_s(run['requests_per_s'])} requests/s, p95 {ms(run['p95_ms'])})",
    )


def booking_summary() -> str:
    data = results("booking-postgresql")
    day = _availability(data, "availability", 1)
    free = _availability(data, "free-spaces", 1)
    rows = [
        *booking_storm_rows(data),
        storm_target_row(data),
        (
            "overlapping live claims after the storm",
            str(data["overlapping_live_claims_after_storm"]),
        ),
        (
            f"day view / free-room search, {data['bookings_in_database']:,} bookings, 1 client",
            f"p95 {ms(day['p95_ms'])} / {ms(free['p95_ms'])}",
        ),
    ]
    return table(("what", "figure"), rows) + (f"\n{measured_on(data)}booking-postgresql.json`*\n")


def booking_detail() -> str:
    data = results("booking-postgresql")
    floor = data["api_floor_get_centers_c32"]
    rows = [
        *booking_storm_rows(data),
        storm_target_row(data),
        ("overlapping live claims afterwards", str(data["overlapping_live_claims_after_storm"])),
        (
            f"the floor: `GET {floor['path']}`, {floor['concurrency']} clients",
            f"{per_s(floor['throughput_rps'])} requests/s, p95 {ms(floor['p95_ms'])}",
        ),
    ]
    for word, label in (("availability", "day view"), ("free-spaces", "free-room search")):
        one, eight = _availability(data, word, 1), _availability(data, word, 8)
        rows.append(
            (
                f"{label} with {data['bookings_in_database']:,} bookings, 1 client / 8 clients",
                f"p95 {ms(one['p95_ms'])} / {ms(eight['p95_ms'])}",
            )
        )
    rows.append(("server peak memory", f"{data['server_peak_rss_mb']:.0f} MB"))
    return table(("what", "figure"), rows) + (f"\n{measured_on(data)}booking-postgresql.json`*\n")


def registration_rush() -> str:
    data = results("registration-rush")
    run, targets = data["result"], data["targets"]
    rows = [
        (
            f"{run['attempts']:,} residents register for {run['places']} places, "
            f"{run['clients']} connections",
            f"{run['confirmed']} confirmed, {run['registrations_by_status']['waitlisted']:,} "
            f"waitlisted, {run['oversold']} oversold, {run['errors_5xx']} errors",
        ),
        (
            "throughput and latency",
            f"{per_s(run['registrations_per_s'])} registrations/s, p50 {ms(run['p50_ms'])}, "
            f"p95 {ms(run['p95_ms'])}, p99 {ms(run['p99_ms'])}",
        ),
        (
            f"target: exactly {targets['confirmed']} confirmed, p95 ≤ {targets['p95_ms']} ms",
            "met"
            if run["confirmed"] == targets["confirmed"] and run["p95_ms"] <= targets["p95_ms"]
            else "not met",
        ),
    ]
    return table(("what", "figure"), rows) + f"\n{measured_on(data)}registration-rush.json`*\n"


def lock_propagation() -> str:
    data = results("lock-propagation")
    run, targets = data["result"], data["targets"]
    sweep = run["sweep_seconds_unchanged"][-1]
    rows = [
        (
            "approval → PIN set on the lock, simulator",
            f"p50 {ms(run['approval_to_set_p50_ms'])}, p95 {ms(run['approval_to_set_p95_ms'])}",
        ),
        (
            "approval → PIN set, TTLock client against the fake cloud",
            f"p50 {ms(run['fake_ttlock_approval_to_set_p50_ms'])}, "
            f"p95 {ms(run['fake_ttlock_approval_to_set_p95_ms'])}",
        ),
        (f"a sweep over {run['grants_in_database']:,} unchanged grants", f"{sweep} s"),
        (
            f"targets: p95 ≤ {targets['simulator_p95_s']} s; sweep ≤ "
            f"{targets['sweep_10000_unchanged_s']} s",
            "met"
            if run["approval_to_set_p95_ms"] <= targets["simulator_p95_s"] * 1000
            and sweep <= targets["sweep_10000_unchanged_s"]
            else "not met",
        ),
    ]
    return table(("what", "figure"), rows) + f"\n{measured_on(data)}lock-propagation.json`*\n"


def display_fanout() -> str:
    data = results("display-fanout")
    run, targets = data["result"], data["targets"]
    rows = [
        (
            f"{run['screens']:,} screens, {run['rounds']} changes: commit → last screen",
            f"p50 {ms(run['p50_ms'])}, p95 {ms(run['p95_ms'])}, p99 {ms(run['p99_ms'])}; "
            f"{run['missed']} missed",
        ),
        ("server peak memory", f"{run['server_peak_rss_mb']:.0f} MB"),
        (
            f"targets: p95 ≤ {targets['p95_ms']:,} ms, ≤ {targets['server_memory_mb']} MB",
            "met"
            if run["p95_ms"] <= targets["p95_ms"]
            and run["server_peak_rss_mb"] <= targets["server_memory_mb"]
            else "not met",
        ),
    ]
    return table(("what", "figure"), rows) + f"\n{measured_on(data)}display-fanout.json`*\n"


def booking_create() -> str:
    """The creation storm (`python -m bench.booking create`): every request a new booking."""
    data = results("booking-create-postgresql")
    run = data["create_storm"]
    target = run["target"]
    rows = [
        (
            f"creation storm, {run['clients']} clients, a new connection per request, "
            "every request a free slot",
            f"{per_s(run['created_per_s'])} bookings created/s ({run['created']:,} in "
            f"{run['seconds']} s), p50 {ms(run['p50_ms'])}, p95 {ms(run['p95_ms'])}, "
            f"p99 {ms(run['p99_ms'])}, {run['errors_5xx']} errors",
        ),
        (
            f"target: ≥ {target['created_per_s']} bookings created/s with p95 ≤ "
            f"{target['p95_ms']} ms",
            ("met" if run["target_met"] else "not met")
            + f" ({per_s(run['created_per_s'])}/s, p95 {ms(run['p95_ms'])})",
        ),
        (
            "load average of the machine at the start / end",
            " / ".join(
                f"{data['machine'][key][0]:.1f}"
                for key in ("load_average_at_start", "load_average_at_end")
            ),
        ),
        (
            "overlapping live claims afterwards",
            str(data["overlapping_live_claims_after_storm"]),
        ),
    ]
    return (
        table(("what", "figure"), rows) + f"\n{measured_on(data)}booking-create-postgresql.json`*\n"
    )


BENCH_BLOCKS: dict[str, Callable[[], str]] = {
    "booking-create": booking_create,
    "booking-summary": booking_summary,
    "booking": booking_detail,
    "registration-rush": registration_rush,
    "lock-propagation": lock_propagation,
    "display-fanout": display_fanout,
}


# --- the API block ------------------------------------------------------------------------------


def api_operations() -> str:
    """Every operation of the OpenAPI document, in its order: method, path, sign-in, summary."""
    import django

    sys.path.insert(0, str(ROOT))
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openhall.settings")
    django.setup()
    from openhall.api import api

    lines = ["| method | path | sign-in | what |", "|---|---|---|---|"]
    for path, methods in api.get_openapi_schema()["paths"].items():
        for method, spec in methods.items():
            sign_in = "needed" if spec.get("security") else "not needed"
            summary = spec.get("summary", "").replace("|", "\\|")
            lines.append(
                f"| {method.upper()} | `{path.removeprefix('/api/v1')}` | {sign_in} | {summary} |"
            )
    return "\n".join(lines) + "\n"


API_BLOCKS: dict[str, Callable[[], str]] = {"operations": api_operations}


# --- rewriting ----------------------------------------------------------------------------------


def render(text: str, cache: dict[tuple[str, str], str]) -> str:
    def body(match: re.Match) -> str:
        key = (match["kind"], match["name"])
        if key not in cache:
            blocks = BENCH_BLOCKS if match["kind"] == "bench" else API_BLOCKS
            if match["name"] not in blocks:
                raise SystemExit(f"unknown generated block {match['kind']}:{match['name']}")
            cache[key] = blocks[match["name"]]()
        return match["open"] + cache[key] + match["close"]

    return BLOCK.sub(body, text)


def stale_documents() -> list[Path]:
    cache: dict[tuple[str, str], str] = {}
    return [
        doc
        for doc in documents()
        if render(doc.read_text("utf-8"), cache) != doc.read_text("utf-8")
    ]


def main(argv: list[str]) -> int:
    if "--check" in argv:
        stale = stale_documents()
        for doc in stale:
            print(
                f"{doc.relative_to(ROOT)}: generated figures differ; run scripts/bench_figures.py"
            )
        return 1 if stale else 0
    cache: dict[tuple[str, str], str] = {}
    for doc in documents():
        text = doc.read_text("utf-8")
        new = render(text, cache)
        if new != text:
            doc.write_text(new, "utf-8")
            print(f"rewrote {doc.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
