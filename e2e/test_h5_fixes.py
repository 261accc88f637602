"""The small things residents and staff saw, in a real browser at 375 px (screenshots of each
changed page at 375 and 1440 px go to e2e/screenshots/; the ones in docs/screenshots/ come from
there)."""

import subprocess
import sys

import pytest
from playwright.sync_api import expect

from e2e.conftest import SCREENSHOTS
from e2e.test_shells import OPERATOR, sign_in

pytestmark = pytest.mark.e2e


def shell(env: dict, code: str) -> str:
    """Run `code` in `openhall shell` against the live server's database; its last line out."""
    return (
        subprocess.run(  # noqa: S603
            [sys.executable, "-m", "openhall.cli", "shell", "-c", code],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )  # after the shell's "N objects imported" line


def both_widths(page, name: str) -> None:
    """Screenshots at 375 px and 1440 px; the page is left at 375 px."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-375.png"), full_page=True)
    page.set_viewport_size({"width": 1440, "height": 900})
    page.screenshot(path=str(SCREENSHOTS / f"{name}-1440.png"), full_page=True)
    page.set_viewport_size({"width": 375, "height": 812})


@pytest.fixture
def phone_375(browser):
    contexts = []

    def make(**options):
        context = browser.new_context(
            viewport={"width": 375, "height": 812}, device_scale_factor=2, locale="zh-CN", **options
        )
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def test_cancelling_a_booking_asks_first_even_without_javascript(
    live_openhall, live_env, new_resident, phone_375
):
    mobile = new_resident("周敏")
    booking_id = shell(
        live_env,
        "from datetime import timedelta; from django.utils import timezone; "
        "from openhall import factories; from openhall.accounts.models import User; "
        "from openhall.venues.models import Space; "
        "space = Space.objects.filter(parent=None).order_by('pk')[1]; "
        "start = timezone.localtime().replace(hour=7, minute=0, second=0, microsecond=0) "
        "+ timedelta(days=4); "
        "b = factories.BookingFactory(center=space.center, space=space, "
        f"booker=User.objects.get(mobile={mobile!r}), title='书法小组', status='approved', "
        "start=start, end=start + timedelta(hours=1)); print(b.pk)",
    )
    page = phone_375(java_script_enabled=False)
    sign_in(page, live_openhall, mobile)
    page.wait_for_url("**/me/")
    page.goto(f"{live_openhall}/bookings/{booking_id}/")
    both_widths(page, "h5-booking-detail")
    page.click("text=取消预约")
    expect(page.locator("h1")).to_have_text("确定取消这个预约吗？")
    both_widths(page, "h5-booking-cancel-confirm")
    page.click("text=不取消了")
    expect(page.locator(".status")).to_have_text("已通过")  # nothing happened
    page.click("text=取消预约")
    page.click("button:has-text('是的，取消预约')")
    expect(page.locator(".status")).to_have_text("已取消")


def test_the_unread_badge_sits_beside_the_messages_icon(live_openhall, live_env, phone_375):
    shell(
        live_env,
        "from openhall.accounts.models import User; "
        "from openhall.notifications.services import message_send; "
        "u = User.objects.get(mobile='13900000003'); "
        "[message_send(user_id=u.pk, key=f'e2e-badge-{i}', title='通知', body='…') "
        "for i in range(12)]; print('ok')",
    )
    page = phone_375()
    sign_in(page, live_openhall, "13900000003")
    page.wait_for_url("**/me/")
    page.goto(live_openhall + "/")
    badge = page.locator(".tabbar-badge").bounding_box()
    icon = page.locator(".tabbar-item[href='/messages/'] .tabbar-icon").bounding_box()
    assert badge["x"] >= icon["x"] + icon["width"] - 3  # beside the ✉, not over it
    both_widths(page, "h5-home")


def test_the_home_page_switches_elder_mode_and_keeps_it(live_openhall, phone_375):
    page = phone_375()
    page.goto(live_openhall + "/")
    switch = page.get_by_role("switch", name="长辈模式（大字）")
    expect(switch).to_have_attribute("aria-checked", "false")
    switch.click()
    expect(page.locator("body")).to_have_class("h5 elder")
    expect(page.get_by_role("switch", name="长辈模式（大字）")).to_have_attribute(
        "aria-checked", "true"
    )
    both_widths(page, "h5-home-elder")
    page.goto(live_openhall + "/me/")  # the sign-in page, still in 长辈模式
    expect(page.locator("body")).to_have_class("h5 elder")


def test_the_keypad_code_box_stays_inside_its_card(live_openhall, live_env, phone_375):
    door_id = shell(
        live_env,
        "from openhall.access.models import Door; "
        "print(Door.objects.filter(driver='simulator').order_by('pk').first().pk)",
    )
    page = phone_375()
    page.goto(f"{live_openhall}/access/keypad/{door_id}/")
    card = page.locator(".keypad").bounding_box()
    for box in page.locator(".keypad input:not([type=hidden])").all():
        field = box.bounding_box()
        assert field["x"] + field["width"] <= card["x"] + card["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    both_widths(page, "h5-keypad")


def test_the_broadcast_list_never_leaves_delivery_blank(live_openhall, browser):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    page = context.new_page()
    sign_in(page, live_openhall, OPERATOR, path="/console/login/")
    page.wait_for_url("**/console/c/*/")
    page.goto(page.url + "broadcasts/")
    for cell in page.locator("table tbody tr td:nth-child(4)").all():
        assert cell.inner_text().strip() != ""
    page.screenshot(path=str(SCREENSHOTS / "console-broadcasts-1440.png"), full_page=True)
    page.set_viewport_size({"width": 375, "height": 812})
    page.screenshot(path=str(SCREENSHOTS / "console-broadcasts-375.png"), full_page=True)
    context.close()
