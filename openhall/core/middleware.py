import secrets

from django.conf import settings
from django.utils import translation

from openhall.core.request_context import current_ip


class RequestContextMiddleware:
    """Makes the client's IP available to the audit log for this request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            current_ip.reset(token)


def client_ip(request) -> str | None:
    # Behind nginx the proxy sets X-Real-IP; without a trusted proxy REMOTE_ADDR is the truth.
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        real_ip = request.META.get("HTTP_X_REAL_IP")
        if real_ip:
            return real_ip
    return request.META.get("REMOTE_ADDR") or None


class ChineseFirstLocaleMiddleware:
    """zh-hans for everyone unless they chose another language (cookie), whatever the browser says.

    Residents' phones often run an English system language; the center's pages stay Chinese.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response


class ContentSecurityPolicyMiddleware:
    """No inline scripts or styles, nothing from other hosts: the site works on a LAN in China."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.csp_nonce = secrets.token_urlsafe(16)
        response = self.get_response(request)
        if "Content-Security-Policy" not in response.headers:
            response.headers["Content-Security-Policy"] = (
                "default-src 'self'; "
                f"script-src 'self' 'nonce-{request.csp_nonce}'; "
                "style-src 'self'; img-src 'self' data:; font-src 'self' data:; "
                "connect-src 'self'; frame-ancestors 'none'; object-src 'none'; base-uri 'self'; "
                "form-action 'self'"
            )
        return response


class ApiErrorShapeMiddleware:
    """Answers Django produces itself under /api/ (405 from a wrong method) in the API's shape."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.path.startswith("/api/")
            and response.status_code == 405
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            from django.http import JsonResponse

            from openhall.api import error_body

            allowed = response.get("Allow", "")
            replacement = JsonResponse(error_body(405, details={"allow": allowed}), status=405)
            replacement["Allow"] = allowed
            return replacement
        return response


class RefusedInputMiddleware:
    """A page given input nobody means (core.dates.DateRefused: year 1, year 9999, "abc" for a
    date) answers 422 with the reason, instead of a 500 from deep in the code. The API answers
    such input itself, in its error shape."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from openhall.core.dates import DateRefused

        if not isinstance(exception, DateRefused):
            return None
        from django.shortcuts import render

        return render(request, "422.html", {"message": exception.messages[0]}, status=422)
