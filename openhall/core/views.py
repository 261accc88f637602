import sys

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from openhall.core.health import run_checks


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    report = run_checks()
    return JsonResponse(report, status=200 if report["ok"] else 503)


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def api_not_found(request: HttpRequest, exception=None) -> JsonResponse:
    from openhall.api import error_body

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
        exc = exc.__cause__ or exc.__context__
    return False


def unavailable_response(request: HttpRequest):
    if _wants_json(request):
        from openhall.api import error_body

        response = JsonResponse(
            error_body(503, code="database_unavailable", message=UNAVAILABLE_MESSAGE,
                       details={"retry_after": RETRY_AFTER_SECONDS}),
            status=503, json_dumps_params={"ensure_ascii": False},
        )  # fmt: skip
    else:  # no request context: its processors would ask the database again
        from django.template.loader import render_to_string

        response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request: HttpRequest):
    if database_unavailable(sys.exc_info()[1]):
        return unavailable_response(request)
    if _wants_json(request):
        from openhall.api import error_body

        return JsonResponse(
            error_body(500, code="internal_error", message="服务器开小差了，请稍后再试。"),
            status=500,
        )
    return render(request, "500.html", status=500)
