"""An operator's daily work on a phone: approvals, check-in, the ledger, door unlock and today's
calendar fit 375 px (tables become cards), with no sideways scrolling of the page."""

import re
import subprocess
import sys

import pytest

from e2e.conftest import SCREENSHOTS
from e2e.test_shells import OPERATOR, RESIDENT, sign_in

pytestmark = pytest.mark.e2e

DAILY_WORK = {
    "approvals": "bookings/approvals/",
    "calendar": "bookings/calendar/",
    "ledger": "ledger/",
    "ledger-new": "ledger/new/",
    "doors": "doors/",
    "check-in": None,  # the first activity's check-in page, found on the activity list
}


@pytest.fixture(scope="module")
def work_to_do(live_openhall, live_env):
    """A request waiting for approval and a booking today, so the tables and the calendar have
    rows (the demo data may have none at the pinned hour)."""
    code = (
        "from datetime import timedelta; from django.utils import timezone; "
        "from openhall import factories; from openhall.accounts.models import User; "
        "from openhall.venues.models import Space; "
        "space = Space.objects.filter(parent=None).order_by('pk').first(); "
        f"booker = User.objects.get(mobile={RESIDENT!r}); "
        "today = timezone.localtime().replace(hour=6, minute=0, second=0, microsecond=0); "
        "factories.BookingFactory(center=space.center, space=space, booker=booker, "
        "title='社区老年合唱团每周排练（手机审批）', status='requested', attendees=24, "
        "start=today + timedelta(days=5), end=today + timedelta(days=5, hours=1)); "
        "factories.BookingFactory(center=space.center, space=space, booker=booker, "
        "title='清晨太极', status='approved', start=today, end=today + timedelta(hours=1))"
    )
    subprocess.run(  # noqa: S603
        [sys.executable, "-m", "openhall.cli", "shell", "-c", code],
        env=live_env,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def operator_phone(live_openhall, browser, work_to_do):
    context = browser.new_context(
        viewport={"width": 375, "height": 812}, device_scale_factor=2, locale="zh-CN"
    )
    page = context.new_page()
    sign_in(page, live_openhall, OPERATOR, path="/console/login/")
    page.wait_for_url("**/console/c/*/")
    yield page
    context.close()


def _center_url(page) -> str:
    return re.match(r"(.*/console/c/\d+/)", page.url).group(1)


def _check_in_path(page, center: str) -> str:
    page.goto(center + "activities/")
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    activity = next(h for h in hrefs if re.search(r"/activities/\d+/$", h))
    return activity.split("/console/c/")[1].split("/", 1)[1] + "check-in/"


def test_the_operators_daily_pages_fit_a_phone(operator_phone):
    page = operator_phone
    center = _center_url(page)
    too_wide = {}
    for name, path in DAILY_WORK.items():
        path = path or _check_in_path(page, center)
        page.set_viewport_size({"width": 375, "height": 812})
        response = page.goto(center + path)
        assert response.ok, path
        if name == "approvals":
            assert page.locator(".approvals tbody tr").count() >= 1  # a real row, as a card
        if name == "calendar":
            assert page.locator(".cal-block", has_text="清晨太极").is_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 375:
            too_wide[path] = width
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"console-{name}-375.png"), full_page=True)
        page.set_viewport_size({"width": 1440, "height": 900})
        page.screenshot(path=str(SCREENSHOTS / f"console-{name}-1440.png"), full_page=True)
    assert too_wide == {}, f"wider than the 375 px phone (page scrolls sideways): {too_wide}"
