"""No log line carries a mobile number or a secret URL.

Logs are copied to log servers, pasted into chats and kept for months: a resident's number in a
query string (`?mobile=`, a search `?q=138…`) or a lobby screen's secret address (anyone holding
it can watch the screen, which every stream connect used to log) must be masked before a line
is written, whichever logger writes it — including uvicorn's access log.
"""

import io
import logging

import pytest

from openhall.core.log_filters import RedactSecrets, redact

MOBILE = "13812345678"
SCREEN_TOKEN = "Zx8_k2VvQm9-Lr0aT4bYc1dEfGhIjKlM"
FEED_TOKEN = "user:7:0:q1W2e3R4t5Y6u7I8o9P0"


def test_mobile_numbers_and_secret_urls_are_masked_in_text():
    line = (
        f"GET /console/c/1/people/?q={MOBILE}&mobile=%2B86{MOBILE} "
        f"GET /display/{SCREEN_TOKEN}/events GET /feeds/{FEED_TOKEN}.ics"
    )
    masked = redact(line)
    assert MOBILE not in masked and SCREEN_TOKEN not in masked and FEED_TOKEN not in masked
    assert "138****5678" in masked  # still tells staff which number it was about
    assert "/display/…/events" in masked and "/feeds/….ics" in masked


def test_numbers_that_are_not_mobiles_stay():
    for text in ("order 213812345678901", "id 1381234567", "at 2026-06-03 10:00:00"):
        assert redact(text) == text


def test_a_record_with_arguments_and_a_traceback_comes_out_masked():
    try:
        raise ValueError(f"no screen at /display/{SCREEN_TOKEN}/")
    except ValueError:
        import sys

        record = logging.LogRecord(
            "django.request",
            logging.ERROR,
            __file__,
            1,
            "Error: %s for %s",
            (f"/display/{SCREEN_TOKEN}/", MOBILE),
            sys.exc_info(),
        )
    assert RedactSecrets().filter(record) is True
    text = logging.Formatter().format(record)
    assert SCREEN_TOKEN not in text and MOBILE not in text
    assert "Traceback" in text  # the traceback is kept, masked


def emitted(logger_name: str, message: str, *args) -> str:
    """What the handlers settings.LOGGING gives `logger_name` write for one record (the test
    runner's own capturing handlers left aside)."""
    logger = logging.getLogger(logger_name)
    handlers, current = [], logger
    while current:  # the handlers a record reaches, as Logger.callHandlers walks them
        handlers += [h for h in current.handlers if type(h) is logging.StreamHandler]
        current = current.parent if current.propagate else None
    assert handlers, f"{logger_name} has no handler"
    streams = [io.StringIO() for _ in handlers]
    previous = [h.setStream(s) for h, s in zip(handlers, streams, strict=True)]
    try:
        logger.error(message, *args)
    finally:
        for h, p in zip(handlers, previous, strict=True):
            h.setStream(p)
    return "".join(s.getvalue() for s in streams)


@pytest.mark.parametrize(
    "logger_name", ["uvicorn.access", "uvicorn.error", "django.request", "openhall.display.live"]
)
def test_every_configured_log_line_is_masked(logger_name):
    # uvicorn.access logs (client, method, path with query, HTTP version, status) as arguments.
    text = emitted(
        logger_name,
        '%s - "%s %s HTTP/%s" %d',
        "203.0.113.9:5000",
        "GET",
        f"/display/{SCREEN_TOKEN}/events?mobile={MOBILE}",
        "1.1",
        200,
    )
    assert "GET" in text
    assert SCREEN_TOKEN not in text and MOBILE not in text
