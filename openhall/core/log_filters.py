"""Mask personal data and secrets in every log line before it is written.

Logs leave the box (log servers, chats, tickets) and are kept for months, with none of the care
the database gets. Two things reach them through ordinary URLs: residents' mobile numbers in
query strings (`?mobile=`, a staff search `?q=138…`) and secret links (a lobby screen's
`/display/<token>/`, whose stream reconnects all day; a calendar feed's `/feeds/<token>.ics`).
`RedactSecrets` sits on the log handlers (settings.LOGGING), so whichever logger writes the
line — Django, uvicorn's access log, our own — it is masked the same way.
"""

import logging
import re

# A mainland mobile number, alone (not part of a longer number), with or without +86.
MOBILE = re.compile(r"(?<![0-9])((?:\+|%2B)?86)?(1[3-9][0-9])[0-9]{4}([0-9]{4})(?![0-9])")
SECRET_PATHS = [
    (re.compile(r"(/display/)[^/?#\s\"']+"), r"\1…"),
    (re.compile(r"(/feeds/)[^/?#\s\"']+?(\.ics)"), r"\1…\2"),
]
# One-time codes and tokens some outside services put in query strings (WeChat OAuth `code`).
SECRET_PARAMS = re.compile(r"(?i)\b(access_token|token|secret|password|code|ticket)=[^&\s\"']+")


def redact(text: str) -> str:
    """`text` with mobiles shown as 138****5678 and secrets replaced by …"""
    text = MOBILE.sub(lambda m: f"{m[1] or ''}{m[2]}****{m[3]}", text)
    for pattern, replacement in SECRET_PATHS:
        text = pattern.sub(replacement, text)
    return SECRET_PARAMS.sub(r"\1=…", text)


def _redacted(value):
    """A log argument, masked; left as it was (a number for %d, say) when nothing was found."""
    if isinstance(value, int | float) or value is None:
        return value
    text = str(value)
    masked = redact(text)
    return masked if masked != text else value


class RedactSecrets(logging.Filter):
    """Masks the message, its arguments and its traceback; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _redacted(record.msg)
        if isinstance(record.args, tuple):
            # Masked one by one, so the format string (uvicorn's `%s … %d`) still fits.
            record.args = tuple(_redacted(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _redacted(arg) for key, arg in record.args.items()}
        if record.exc_info and not record.exc_text:
            # Rendered here so the masked text is what every formatter prints.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
