"""The JSON API under /api/v1: one NinjaAPI, one error shape, bearer-token and session auth.

Every 4xx answers `{"code": "...", "message": "...", "details": ...}`; `code` is stable for
programs, `message` is for people (Chinese by default).
"""

import logging
from datetime import datetime

from django.apps import apps as django_apps
from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder
from ninja.security import HttpBearer, SessionAuth

from openhall.accounts.services import api_token_authenticate
from openhall.core.api_errors import error_body
from openhall.core.decorators import PASSWORDLESS_SESSION
from openhall.core.permissions import is_staff_user
from openhall.core.refusals import Refused

logger = logging.getLogger(__name__)


class ApiError(Exception):
    """A refusal a client can act on. Services raise Django errors; edges may raise this."""

    def __init__(self, *, status: int, code: str, message: str, details=None):
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details


class SignedInSession(SessionAuth):
    """Session auth that checks CSRF only for a signed-in browser: a client without a session
    (a script with a wrong token) gets 401, not a misleading CSRF error."""

    def __call__(self, request: HttpRequest):
        if not request.user.is_authenticated:
            return None
        if request.session.get(PASSWORDLESS_SESSION) and is_staff_user(request.user):
            return None  # staff sign in with their password first (core/decorators.py)
        return super().__call__(request)


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        user = api_token_authenticate(token)
        if user is not None:
            request.user = user
        return user


class LocalTimeEncoder(NinjaJSONEncoder):
    """Times go out in Asia/Shanghai with their offset (2026-12-01T19:00:00+08:00): the same
    instant as UTC, but what a person in the center reads on the wall clock."""

    def default(self, o):
        if isinstance(o, datetime) and timezone.is_aware(o):
            return timezone.localtime(o).isoformat()
        return super().default(o)


class Utf8JSONRenderer(JSONRenderer):
    # Chinese messages stay readable in logs and curl output instead of \uXXXX escapes.
    encoder_class = LocalTimeEncoder
    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    title="OpenHall API",
    version="1",
    description="OpenHall 党群服务中心运营平台 API. Authenticate with `Authorization: Bearer oh_…` "
    "(create a token with `openhall token create --user <mobile>`) or a signed-in session.",
    urls_namespace="api",
    renderer=Utf8JSONRenderer(),
    auth=[BearerToken(), SignedInSession()],
)


def _respond(request, status: int, **body) -> HttpResponse:
    return api.create_response(request, error_body(status, **body), status=status)


@api.exception_handler(ApiError)
def on_api_error(request, exc: ApiError):
    return _respond(request, exc.status, code=exc.code, message=exc.message, details=exc.details)


@api.exception_handler(Refused)
def on_refused(request, exc: Refused):
    # The one handler for every service's refusal (core/refusals.py).
    return _respond(request, exc.status, code=exc.code, message=exc.message, details=exc.details)


@api.exception_handler(NinjaValidationError)
def on_validation_error(request, exc: NinjaValidationError):
    details = [
        {"loc": list(err.get("loc", [])), "type": err.get("type"), "msg": err.get("msg")}
        for err in exc.errors
    ]
    return _respond(request, 422, details=details)


@api.exception_handler(DjangoValidationError)
def on_django_validation_error(request, exc: DjangoValidationError):
    details = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    message = "；".join(m for messages in details.values() for m in messages)
    return _respond(request, 422, message=message, details=details)


@api.exception_handler(OverflowError)
@api.exception_handler(DataError)
def on_out_of_range(request, exc):
    # An id or number beyond what the database stores (2**63 and up): bad input, not our fault.
    return _respond(request, 422, message="数值超出范围，请检查后重试。")


@api.exception_handler(RequestDataTooBig)
def on_too_big(request, exc):
    # Django refuses to read a body over DATA_UPLOAD_MAX_MEMORY_SIZE; the client can send less.
    return _respond(request, 413, details={"max_bytes": settings.DATA_UPLOAD_MAX_MEMORY_SIZE})


@api.exception_handler(AuthenticationError)
def on_authentication_error(request, exc):
    return _respond(request, 401)


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    # ninja answers 403 "CSRF check Failed" for session writes without a token.
    if exc.status_code == 403 and "CSRF" in str(exc):
        return _respond(request, 403, code="csrf_failed", message="页面已过期，请刷新后重试。")
    if exc.status_code == 400:
        return _respond(request, 400, details=str(exc))
    return _respond(request, exc.status_code)


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return _respond(request, 404)


@api.exception_handler(PermissionDenied)
def on_permission_denied(request, exc):
    return _respond(request, 403)


@api.exception_handler(Exception)
def on_unexpected(request, exc):
    from openhall.core.views import database_unavailable, unavailable_response

    if database_unavailable(exc):
        logger.warning("database unavailable on %s %s: %s", request.method, request.path, exc)
        return unavailable_response(request)
    logger.exception("API error on %s %s", request.method, request.path)
    return _respond(request, 500, code="internal_error", message="服务器开小差了，请稍后再试。")


def add_app_routers(api: NinjaAPI) -> None:
    """Mount each app's router, named by its AppConfig (`api_router = "openhall.<app>.api.router"`),
    in INSTALLED_APPS order: a new app's API joins without an edit here, and the name stays a
    string, so this module does not import every app's API (see docs/architecture.md)."""
    for config in django_apps.get_app_configs():
        router = getattr(config, "api_router", None)
        if router:
            api.add_router("/", router)


add_app_routers(api)
