"""One rule for the dates people and programs send us: between 2000 and five years from now.

Nobody books a room in year 1 or 9999, but such dates reach the code through a hand-edited
query string or a script, and then break far from where they came in: a day range one day past
9999-12-31 overflows, a time before 1900 comes out in Shanghai's local mean time (+08:05:43)
instead of RFC 3339's +08:00, a year-long loop over ten thousand years never ends. So every
edge checks a date where it parses it — pages with `parse_day`/`check_day`, the API with the
`ApiDate`/`ApiDateTime` types — and refuses the rest with 422 and a message a person can act on.
"""

from datetime import date, datetime
from typing import Annotated, TypeVar

from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import AfterValidator

from openhall.core.refusals import Refused

D = TypeVar("D", date, datetime)

EARLIEST = date(2000, 1, 1)
YEARS_AHEAD = 5


class DateRefused(Refused):
    """A date outside what the site handles, or not a date at all: 422 on pages and in the API
    (core/refusals.py)."""


def latest_day() -> date:
    today = timezone.localdate()
    try:
        return today.replace(year=today.year + YEARS_AHEAD)
    except ValueError:  # 29 February, and the year five on is not a leap year
        return today.replace(year=today.year + YEARS_AHEAD, day=28)


def _message() -> str:
    return _("Please choose a date between %(first)s and %(last)s.") % {
        "first": EARLIEST.isoformat(),
        "last": latest_day().isoformat(),
    }


def check_day(value: D) -> D:
    """`value` unchanged, or DateRefused when it lies outside EARLIEST … latest_day()."""
    day: date = value
    if isinstance(value, datetime):
        # Compared as a local calendar day, as people mean it.
        try:
            day = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
        except OverflowError:  # 9999-12-31T23:00Z is past the last day Python can hold here
            day = date.max
    if not EARLIEST <= day <= latest_day():
        raise DateRefused(_message(), code="date_out_of_range")
    return value


def parse_day(text: str | None, *, default: date | None = None) -> date | None:
    """A YYYY-MM-DD date from a form or query string: `default` when empty, DateRefused when it
    is not a date or not a reasonable one."""
    if not text:
        return default
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise DateRefused(
            _("%(value)s is not a date (YYYY-MM-DD).") % {"value": text[:40]}, code="invalid_date"
        ) from None
    return check_day(day)


def _api_check(value: D) -> D:
    try:
        return check_day(value)
    except DateRefused as exc:
        raise ValueError(exc.messages[0]) from None  # pydantic turns it into a 422 entry


# The API's date and time types: pydantic parses them, then the same rule as the pages applies.
ApiDate = Annotated[date, AfterValidator(_api_check)]
ApiDateTime = Annotated[datetime, AfterValidator(_api_check)]
