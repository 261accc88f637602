"""The one way a service says no: `Refused(message, code=, status=, details=)`.

Services raise `Refused` (or an app's subclass of it, where a family helps a caller catch it);
they never raise HTTP types (`Http404`, `PermissionDenied`). The API answers every refusal with
one handler (`openhall/api.py`) in the one error shape, and pages with one handler
(`core.middleware.RefusalMiddleware`), so a refusal reads the same wherever it surfaces.

`Refused` is a Django `ValidationError`, so a form view can still `form.add_error(None, exc)`
and forms' own validation keeps working; `str(exc)` is the message a person reads.

Status follows what the person can do about it: 422 (the default) input they can fix, 409 the
present state forbids it (already registered, the slot is taken), 404 no such thing (or not
theirs to see), 403 not allowed for them.
"""

from typing import Any

from django.core.exceptions import ValidationError


class Refused(ValidationError):
    status: int = 422
    code: str = "refused"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        details: Any = None,
    ):
        code = code or type(self).code
        super().__init__(message, code=code)
        self.message = str(message)
        self.code = code
        if status is not None:
            self.status = status
        self.details = details

    def __str__(self) -> str:
        return str(self.message)


class NotFound(Refused):
    """No such object, or not one this person may see (the two read the same, on purpose)."""

    status = 404
    code = "not_found"

    def __init__(self, message: str = "找不到该对象。", **kwargs: Any):
        super().__init__(message, **kwargs)


class Forbidden(Refused):
    status = 403
    code = "forbidden"

    def __init__(self, message: str = "您没有执行此操作的权限。", **kwargs: Any):
        super().__init__(message, **kwargs)


class Conflict(Refused):
    """The present state forbids it: the slot is taken, the person is already registered."""

    status = 409
    code = "conflict"
