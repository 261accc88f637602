"""Every resident H5 page passes axe-core at 375 px: anonymous, signed in, and in 长辈模式.

axe-core (e2e/vendor/axe-core, pinned in package.json, copied by scripts/vendor.sh) is injected
into the page by the browser driver; it is never served by the site.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from e2e.conftest import screenshot
from e2e.test_shells import RESIDENT, sign_in

pytestmark = pytest.mark.e2e

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text()
WIDTH = 375
# WCAG 2.2 A and AA: colour contrast, names, labels, links told apart only by colour, …
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]

PUBLIC_PAGES = [
    "/",
    "/centers/",
    "/services/",
    "/login/",
    "/login/sms/",
    "/privacy/",
    "/book/",
    "/book/find/",
    "/news/",
    "/activities/",
]
RESIDENT_PAGES = [
    "/me/",
    "/bookings/",
    "/messages/",
    "/me/notifications/",
    "/me/identity/",
    "/me/close/",
    "/activities/mine/",
    "/access/",
]
# The first link of each kind on these pages: a room's day, an article, an activity, a booking.
FOLLOW = [
    ("/book/", r"^/book/space/\d+/$"),
    ("/news/", r"^/news/\d+/$"),
    ("/activities/", r"^/activities/\d+/$"),
]
FOLLOW_SIGNED_IN = [("/bookings/", r"^/bookings/\d+/$")]


def axe_violations(page) -> list[dict]:
    page.evaluate(AXE_SOURCE)
    return page.evaluate(
        """async (tags) => {
          const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
          return result.violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => n.target.join(" ") + " — " + n.failureSummary.split("\\n").slice(1, 2).join(""))
          }));
        }""",
        AXE_TAGS,
    )


def first_link(page, base: str, path: str, pattern: str) -> str | None:
    page.goto(base + path)
    for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
        if re.match(pattern, href):
            return href
    return None


def pages_to_walk(page, base: str, signed_in: bool) -> list[str]:
    paths = list(PUBLIC_PAGES)
    follow = list(FOLLOW)
    if signed_in:
        paths += RESIDENT_PAGES
        follow += FOLLOW_SIGNED_IN
    for path, pattern in follow:
        found = first_link(page, base, path, pattern)
        assert found, f"no link like {pattern} on {path}: the walk would miss that page"
        paths.append(found)
        if pattern.startswith("^/bookings/"):
            paths.append(found + "cancel/")  # the confirm step of 取消预约
    return paths


@pytest.fixture(scope="module")
def resident_booking(live_openhall, live_env):
    """An approved booking of the resident's, so its page (QR code, 取消预约) is walked too;
    and the simulated lock's keypad page (it stands where a real keypad would: anonymous)."""
    code = (
        "from datetime import timedelta; from django.utils import timezone; "
        "from openhall import factories; from openhall.accounts.models import User; "
        "from openhall.venues.models import Space; "
        "space = Space.objects.filter(parent=None).order_by('pk').last(); "
        "start = timezone.localtime().replace(hour=8, minute=0, second=0, microsecond=0) "
        "+ timedelta(days=6); "
        f"factories.BookingFactory(center=space.center, space=space, "
        f"booker=User.objects.get(mobile={RESIDENT!r}), title='读书会', status='approved', "
        "start=start, end=start + timedelta(hours=1)); "
        "from openhall.access.models import Door; "
        "print(Door.objects.filter(driver='simulator').order_by('pk').first().pk)"
    )
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "openhall.cli", "shell", "-c", code],
        env=live_env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return {"keypad": f"/access/keypad/{out.strip().splitlines()[-1]}/"}


@pytest.mark.parametrize("mode", ["anonymous", "resident", "elder"])
def test_every_h5_page_has_no_axe_violations_at_375_px(
    live_openhall, browser, resident_booking, mode
):
    context = browser.new_context(
        viewport={"width": WIDTH, "height": 812}, device_scale_factor=2, locale="zh-CN"
    )
    page = context.new_page()
    if mode != "anonymous":
        sign_in(page, live_openhall, RESIDENT)
        page.wait_for_url("**/me/")
    if mode == "elder":
        page.goto(live_openhall + "/")
        page.click(".elder-switch button")  # the switch on the home page
        page.wait_for_selector("body.elder")
    found = {}
    walk = pages_to_walk(page, live_openhall, signed_in=mode != "anonymous")
    for path in [*walk, resident_booking["keypad"]]:
        response = page.goto(live_openhall + path)
        assert response.ok, f"{path}: {response.status}"
        if mode == "elder":
            assert "elder" in page.get_attribute("body", "class"), path
        if violations := axe_violations(page):
            found[path] = violations
            screenshot(page, f"a11y-{mode}-{path.strip('/').replace('/', '-') or 'home'}")
    context.close()
    assert found == {}, f"axe-core at {WIDTH} px ({mode}):\n" + json.dumps(
        found, ensure_ascii=False, indent=1
    )
