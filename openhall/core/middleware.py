import functools
import ipaddress
import secrets

from django.conf import settings
from django.utils import translation

from openhall.core.request_context import current_ip
from openhall.core.storage import pictures_origin


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
    """The client's address: the one key every throttle and the audit log use.

    Forwarded headers are believed only from a proxy listed in OPENHALL_TRUSTED_PROXIES:
    anyone else could send any X-Forwarded-For and, rotating it, dodge a per-address limit or
    put the blame on somebody else's address. From a trusted proxy the right-most address of
    X-Forwarded-For that is not one of our proxies is the client; everything to its left was
    written by the client and is ignored.
    """
    # Not an address (a unix socket's path): None, rather than text the audit log cannot store.
    peer = _parse_address(request.META.get("REMOTE_ADDR") or "")
    proxies = _trusted_networks(tuple(getattr(settings, "OPENHALL_TRUSTED_PROXIES", ())))
    if peer is None or not proxies or not _is_trusted(peer, proxies):
        return peer
    chain = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    chain = [hop for hop in chain if hop]
    if not chain and request.META.get("HTTP_X_REAL_IP"):
        chain = [request.META["HTTP_X_REAL_IP"].strip()]
    for hop in reversed(chain):
        address = _parse_address(hop)
        if address is None:
            # A hop our proxy would never write (it appends the address it saw): the header was
            # forged or mangled before reaching us, so trust only what we saw ourselves.
            return peer
        if not _is_trusted(address, proxies):
            return address
    return _parse_address(chain[0]) if chain else peer  # every hop is one of our proxies


def _parse_address(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


@functools.lru_cache(maxsize=8)
def _trusted_networks(entries: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry)


def _is_trusted(address: str, networks: tuple) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


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
            # Uploaded pictures may live in an S3 bucket (OPENHALL_STORAGE=s3): that one origin too.
            pictures = " ".join(filter(None, ["'self' data:", pictures_origin()]))
            response.headers["Content-Security-Policy"] = (
                "default-src 'self'; "
                f"script-src 'self' 'nonce-{request.csp_nonce}'; "
                f"style-src 'self'; img-src {pictures}; font-src 'self' data:; "
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

            from openhall.core.api_errors import error_body

            allowed = response.get("Allow", "")
            replacement = JsonResponse(error_body(405, details={"allow": allowed}), status=405)
            replacement["Allow"] = allowed
            return replacement
        return response


class DatabaseUnavailableMiddleware:
    """A view whose database does not answer gets 503 with Retry-After at once (DEBUG or not),
    before anything else tries the database again to render an error page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from openhall.core.views import database_unavailable, unavailable_response

        if database_unavailable(exception):
            return unavailable_response(request)
        return None


class RefusalMiddleware:
    """The one page handler for a service's refusal (core/refusals.py): its message on a page
    with the refusal's status (422, 409, 404, 403), instead of a 500 from deep in the code. The
    API answers refusals itself, in its error shape (openhall/api.py)."""

    TEMPLATES = {404: "404.html", 403: "403.html"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from openhall.core.refusals import Refused

        if not isinstance(exception, Refused):
            return None
        from django.shortcuts import render

        template = self.TEMPLATES.get(exception.status, "422.html")
        context = {"message": exception.message, "code": exception.code}
        return render(request, template, context, status=exception.status)
