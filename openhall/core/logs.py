"""Logs an operator can use: every line carries the request id (also in the error body and the
`X-Request-ID` header), the user and center where known; one access line per request with its
route and latency; plain text for a terminal, JSON (`LOG_FORMAT=json`) for a log server.

structlog does the formatting and the context (its ProcessorFormatter renders ordinary `logging`
records, so Django's, uvicorn's, Huey's and our own lines all come out the same way);
`core.log_filters.RedactSecrets` masks personal data before any of it is rendered.
"""

import logging
import re
import secrets
import time

import structlog
from django.urls import Resolver404, resolve

access_log = logging.getLogger("openhall.access")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def formatter(json: bool) -> structlog.stdlib.ProcessorFormatter:
    """settings.LOGGING's formatter: context (request id, user, center) merged into each line."""
    renderer = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if json
        else structlog.dev.ConsoleRenderer(colors=False, sort_keys=False)
    )
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.ExtraAdder(),
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.processors.TimeStamper(fmt="iso", utc=False),
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )


def plain_formatter(**_):
    return formatter(json=False)


def json_formatter(**_):
    return formatter(json=True)


def request_id_of(request) -> str:
    """The id nginx gave the request (`X-Request-ID`, when it has a sane shape), or a new one."""
    given = request.META.get("HTTP_X_REQUEST_ID", "")
    return given if REQUEST_ID.match(given) else secrets.token_hex(8)


def route_of(request) -> str:
    """The URL pattern, never the path: ids and tokens stay out of the access line."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return "(unknown)"
    return match.route or match.view_name or "(unknown)"


class RequestLogMiddleware:
    """Binds the request id for every line logged while serving the request, answers with it,
    and writes one access line: method, route, status, milliseconds, user and center."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = request_id_of(request)
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request.request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request.request_id
            user = getattr(request, "user", None)
            center = getattr(request, "center", None)
            access_log.info(
                "%s %s %s %.0fms",
                request.method,
                route_of(request),
                response.status_code,
                (time.perf_counter() - started) * 1000,
                extra={
                    "user_id": user.pk if user is not None and user.is_authenticated else None,
                    "center_id": getattr(center, "pk", None),
                },
            )
            return response
        finally:
            structlog.contextvars.clear_contextvars()


def bind(**values) -> None:
    """Add the user or center to the lines that follow, once a view knows them."""
    structlog.contextvars.bind_contextvars(**values)


def current_request_id() -> str | None:
    return structlog.contextvars.get_contextvars().get("request_id")
