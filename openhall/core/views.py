from django.http import HttpRequest, JsonResponse
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


def server_error(request: HttpRequest):
    if _wants_json(request):
        from openhall.api import error_body

        return JsonResponse(
            error_body(500, code="internal_error", message="服务器开小差了，请稍后再试。"),
            status=500,
        )
    return render(request, "500.html", status=500)
