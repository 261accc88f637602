from django.http import HttpRequest, JsonResponse
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
    from openhall.api import error_body

    return JsonResponse(error_body(404), status=404, json_dumps_params={"ensure_ascii": False})


def not_found(request: HttpRequest, exception=None):
    if _wants_json(request):
        return api_not_found(request)
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest):
    if _wants_json(request):
        from openhall.api import error_body

        return JsonResponse(
            error_body(500, code="internal_error", message="服务器开小差了，请稍后再试。"),
            status=500,
        )
    return render(request, "500.html", status=500)
