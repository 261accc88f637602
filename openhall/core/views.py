import sys

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from openhall.core.health import run_checks
from openhall.core.middleware import client_ip

LOCAL_CALLERS = {"127.0.0.1", "::1"}


def _may_see_details(request: HttpRequest) -> bool:
    """Queue depth, database vendor and worker state are for the people who run the site (a
    monitoring agent on the box, staff signed in), not for anyone probing it from outside."""
    if client_ip(request) in LOCAL_CALLERS:
        return True
    from django.db import DatabaseError

    from openhall.core.permissions import is_staff_user

    try:
        return is_staff_user(request.user)
    except DatabaseError:  # the database is what is failing: answer without details
        return False


def _health(request: HttpRequest, *, ready: bool) -> JsonResponse:
    details = _may_see_details(request)
    if not ready and not details:
        return JsonResponse({"ok": True})  # liveness from outside: touch nothing
    report = run_checks()
    ok = report["ok"] if ready else True
    body = {"ok": ok, "checks": report["checks"]} if details else {"ok": ok}
    return JsonResponse(body, status=200 if ok else 503)


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: 200 whenever the process can answer, whatever its database does."""
    return _health(request, ready=False)


@require_GET
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: 200 when the database answers, else 503."""
    return _health(request, ready=True)


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def api_not_found(request: HttpRequest, exception=None) -> JsonResponse:
    from openhall.core.api_errors import error_body

    return JsonResponse(error_body(404), status=404, json_dumps_params={"ensure_ascii": False})


def not_found(request: HttpRequest, exception=None):
    if _wants_json(request):
        return api_not_found(request)
    return render(request, "404.html", status=404)


# A database that does not answer (restarting, failing over, its pool exhausted) is a passing
# state: 503 with Retry-After tells browsers, clients and load balancers to come back, and the
# pool's short timeout (DB_POOL_TIMEOUT) makes the answer quick.
RETRY_AFTER_SECONDS = 30
UNAVAILABLE_MESSAGE = "系统暂时无法访问数据，请稍后再试。"


def database_unavailable(exc: BaseException | None) -> bool:
    from django.db import InterfaceError, OperationalError

    while exc is not None:
        if isinstance(exc, OperationalError | InterfaceError):
            return True
        if type(exc).__module__.startswith(("psycopg", "psycopg_pool")) and type(exc).__name__ in {
            "OperationalError",
            "PoolTimeout",
            "InterfaceError",
            "PoolClosed",
        }:
            return True
        if _pydantic_read_failed_on_database(exc):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


DATABASE_ERROR_NAMES = ("OperationalError:", "InterfaceError:", "PoolTimeout:", "PoolClosed:")


def _pydantic_read_failed_on_database(exc: BaseException) -> bool:
    """An API answer is a lazy queryset that ninja reads while pydantic builds the response; a
    database error there reaches us as pydantic's ValidationError holding only the error's text."""
    if type(exc).__name__ != "ValidationError" or not type(exc).__module__.startswith("pydantic"):
        return False
    return any(
        error.get("type") == "get_attribute_error"
        and str(error.get("ctx", {}).get("error", "")).startswith(DATABASE_ERROR_NAMES)
        for error in exc.errors()  # type: ignore[attr-defined]
    )


def unavailable_response(request: HttpRequest):
    response: HttpResponse
    if _wants_json(request):
        from openhall.core.api_errors import error_body

        response = JsonResponse(
            error_body(
                503,
                code="database_unavailable",
                message=UNAVAILABLE_MESSAGE,
                details={"retry_after": RETRY_AFTER_SECONDS},
            ),
            status=503,
            json_dumps_params={"ensure_ascii": False},
        )
    else:  # no request context: its processors would ask the database again
        from django.template.loader import render_to_string

        response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request: HttpRequest):
    if database_unavailable(sys.exc_info()[1]):
        return unavailable_response(request)
    if _wants_json(request):
        from openhall.core.api_errors import error_body

        return JsonResponse(
            error_body(500, code="internal_error", message="服务器开小差了，请稍后再试。"),
            status=500,
        )
    return render(request, "500.html", status=500)
