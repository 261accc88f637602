"""Who is acting and from where, for the audit log, without passing the request into services."""

from contextvars import ContextVar

current_ip: ContextVar[str | None] = ContextVar("openhall_current_ip", default=None)
