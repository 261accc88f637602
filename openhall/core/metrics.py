"""Metrics for Prometheus at /metrics (docs/metrics.md): requests by route, the queue, the
follow-ups, and what failed.

Two kinds of figures:

- **Counted as they happen** (request latency, task failures, lock reconcile failures): plain
  prometheus_client metrics in the process that saw them. Under several processes (uvicorn
  workers, the Huey worker) set PROMETHEUS_MULTIPROC_DIR: every process then writes its
  figures to files there and /metrics sums them (prometheus_client's multiprocess mode; why
  not django-prometheus: see docs/metrics.md).
- **Read from the records at scrape time** (queue depth, outbox backlog, failed deliveries and
  lock credentials): a few COUNT queries, cached for 15 s so that several Prometheus servers
  or a short scrape interval cost the database nothing more. Domain apps add theirs with
  `register_gauge` from their AppConfig, as core knows no domain.

Labels never hold personal data or raw paths: a route is the URL pattern's name (or its
pattern), a method one of the standard ones, a status its class (2xx … 5xx).
"""

import contextlib
import ipaddress
import logging
import os
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

logger = logging.getLogger(__name__)

REQUEST_SECONDS = Histogram(
    "openhall_http_request_duration_seconds",
    "Time to answer a request, by route (URL pattern name), method and status class.",
    ["route", "method", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
TASK_FAILURES = Counter(
    "openhall_task_failures",
    "Huey task runs that raised (each failed attempt, retries included), by task name.",
    ["task"],
)
LOCK_RECONCILE_FAILURES = Counter(
    "openhall_lock_reconcile_failures",
    "Attempts to bring a lock in line with its grants that failed (access/reconcile.py).",
)

# Anything else a client sends as a method would make a new time series per made-up word.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"  # no URL pattern: a 404, or answered by a middleware before routing


def route_of(request: HttpRequest) -> str:
    """The URL pattern a request was routed to: its name ("portal:activity_detail"), or its
    pattern ("/api/v1/bookings/<int:booking_id>") when it has none — never the path itself,
    whose ids would make a time series per object."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        # Answered before routing (a redirect to the slashed URL, a lockout): where would it go?
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return UNMATCHED
    if match.url_name:
        return match.view_name
    return "/" + match.route if match.route else UNMATCHED


class MetricsMiddleware:
    """Times every request Django answers (static files are WhiteNoise's, before this)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        REQUEST_SECONDS.labels(
            route=route_of(request),
            method=request.method if request.method in METHODS else "other",
            status=f"{response.status_code // 100}xx",
        ).observe(time.perf_counter() - started)
        return response


def count_task_failure(signal, task, exc=None) -> None:
    """Huey's SIGNAL_ERROR, connected in CoreConfig.ready: runs in the worker that failed."""
    TASK_FAILURES.labels(task=task.name).inc()


# --- Figures read from the records at scrape time ----------------------------------------------
@dataclass(frozen=True)
class Gauge:
    name: str
    documentation: str
    read: Callable[[], float | Mapping[str, float]]  # a number, or {label value: number}
    label: str = ""


_gauges: dict[str, Gauge] = {}
CACHE_KEY = "openhall:metrics:gauges"
CACHE_SECONDS = 15


def register_gauge(
    name: str,
    documentation: str,
    read: Callable[[], float | Mapping[str, float]],
    *,
    label: str = "",
) -> None:
    """Add a figure read at scrape time, e.g. from an app's AppConfig.ready(). `read` must be
    cheap (a COUNT); with `label`, it returns {label value: number} (no personal data)."""
    _gauges[name] = Gauge(name, documentation, read, label)


def _queue_pending() -> int:
    from huey.contrib.djhuey import HUEY

    return HUEY.pending_count()


def _outbox_backlog() -> dict[str, int]:
    from openhall.core import outbox

    return outbox.backlog()


def _heartbeat_timestamp() -> float:
    from openhall.core.tasks import last_heartbeat

    beat = last_heartbeat()
    return beat.timestamp() if beat else 0.0  # never: as stale as can be


register_gauge(
    "openhall_queue_pending_tasks",
    "Tasks waiting in the Huey queue (not yet picked up by a worker).",
    _queue_pending,
)
register_gauge(
    "openhall_outbox_backlog",
    "Follow-ups (outbox rows): late = due for over a minute and not delivered, "
    "failed = given up after every retry (staff must look at them).",
    _outbox_backlog,
    label="state",
)
register_gauge(
    "openhall_worker_heartbeat_timestamp_seconds",
    "When a worker last wrote its heartbeat (Unix time; 0: never).",
    _heartbeat_timestamp,
)


def read_gauges() -> dict[str, float | Mapping[str, float]]:
    """Every registered figure, at most CACHE_SECONDS old. A figure that cannot be read (its
    database is down) is left out and named in openhall_metrics_read_failed instead."""
    try:
        values = cache.get(CACHE_KEY)
    except Exception:  # Redis down: read the records each time rather than answer nothing
        logger.warning("metrics cache unavailable", exc_info=True)
        values = None
    if values is None:
        values = {}
        for gauge in _gauges.values():
            try:
                values[gauge.name] = gauge.read()
            except Exception:  # a scrape reports what it can: one broken read is not all
                logger.exception("metric %s could not be read", gauge.name)
        with contextlib.suppress(Exception):
            cache.set(CACHE_KEY, values, CACHE_SECONDS)
    return values


class RecordsCollector:
    def describe(self):
        return []  # read only at scrape time, never when registered

    def collect(self):
        values = read_gauges()
        failed = GaugeMetricFamily(
            "openhall_metrics_read_failed",
            "1 for each figure of this scrape that could not be read (see the log).",
            labels=["metric"],
        )
        for gauge in _gauges.values():
            if gauge.name not in values:
                failed.add_metric([gauge.name], 1)
                continue
            value = values[gauge.name]
            family = GaugeMetricFamily(
                gauge.name, gauge.documentation, labels=[gauge.label] if gauge.label else None
            )
            if gauge.label:
                for label_value, number in sorted(value.items()):
                    family.add_metric([str(label_value)], number)
            else:
                family.add_metric([], value)
            yield family
        yield failed


_records = CollectorRegistry()
_records.register(RecordsCollector())


def live_registry() -> CollectorRegistry:
    """What was counted: this process's figures, or every process's files in multiprocess
    mode (a fresh registry each time, as the client asks)."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    from prometheus_client import multiprocess

    live = CollectorRegistry()
    multiprocess.MultiProcessCollector(live)
    return live


def exposition() -> bytes:
    return generate_latest(live_registry()) + generate_latest(_records)


_worker_exporter = None
_worker_exporter_lock = threading.Lock()


def start_worker_exporter() -> None:
    """Huey's startup hook (CoreConfig.ready): task and lock failures are counted in the worker,
    so a worker on a machine without a web process shows them on its own port. Each worker
    thread calls this; the first starts the server. Off unless OPENHALL_WORKER_METRICS_PORT."""
    global _worker_exporter
    port = settings.OPENHALL_WORKER_METRICS_PORT
    if not port:
        return
    with _worker_exporter_lock:
        if _worker_exporter is None:
            _worker_exporter, _ = start_http_server(
                port, addr=settings.OPENHALL_WORKER_METRICS_ADDR, registry=live_registry()
            )


# --- The endpoint -------------------------------------------------------------------------------
FORWARDING_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP", "HTTP_FORWARDED")


def is_local_caller(request: HttpRequest) -> bool:
    """A process on this machine, talking to us directly. A request nginx (or any proxy on
    this machine) passes on also comes from 127.0.0.1, but carries the headers a proxy adds;
    it is a stranger's."""
    try:
        peer = ipaddress.ip_address(request.META.get("REMOTE_ADDR") or "")
    except ValueError:
        return False  # a unix socket: its callers are whoever the proxy in front lets in
    if isinstance(peer, ipaddress.IPv6Address) and peer.ipv4_mapped:
        peer = peer.ipv4_mapped
    return peer.is_loopback and not any(request.META.get(h) for h in FORWARDING_HEADERS)


def has_token(request: HttpRequest) -> bool:
    token = settings.OPENHALL_METRICS_TOKEN
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return (
        bool(token)
        and scheme.lower() == "bearer"
        and secrets.compare_digest(given.strip().encode(), token.encode())
    )


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    # 404, not 403: to anyone else there is nothing here.
    if not (is_local_caller(request) or has_token(request)):
        raise Http404
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_PLAIN_0_0_4)
