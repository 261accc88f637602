"""The day view never offers a slot the booking service refuses: at each pinned clock, every free
slot a room's day view shows is booked through the page itself, and each booking goes through.
The day reads in time order, unavailable stretches with their reason."""

import pytest
from playwright.sync_api import expect

from e2e.conftest import screenshot
from e2e.test_shells import sign_in

pytestmark = pytest.mark.e2e

ROOMS = ("乒乓球室", "舞蹈教室")


def open_day(page, base: str, room: str, chip: int) -> None:
    page.goto(base + "/book/")
    page.locator(".room-link", has_text=room).first.click()
    page.locator(".day-chip").nth(chip).click()
    page.wait_for_load_state()


def offered(page) -> list[tuple[str, str]]:
    return [
        (slot.get_attribute("data-start"), slot.get_attribute("data-end"))
        for slot in page.locator(".slot.is-free").all()
    ]


def test_every_slot_the_day_view_offers_can_be_booked(
    live_openhall, live_clock, browser, page_errors, new_resident
):
    context = browser.new_context(viewport={"width": 375, "height": 812}, locale="zh-CN")
    page = context.new_page()
    page.on("console", lambda msg: page_errors.append(msg.text) if msg.type == "error" else None)
    booked = 0
    for room in ROOMS:
        for chip in (0, 1):  # today and tomorrow
            context.clear_cookies()
            sign_in(page, live_openhall, new_resident("试约居民"))
            page.wait_for_url(lambda url: "/login/" not in url)
            open_day(page, live_openhall, room, chip)
            starts = [s.get_attribute("data-start") for s in page.locator(".slot").all()]
            assert starts == sorted(starts), "the day reads in time order"
            slots = offered(page)
            if not slots:
                expect(page.locator("select[name=start]")).to_have_count(0)
                continue
            for start, _end in slots:
                open_day(page, live_openhall, room, chip)
                page.select_option("select[name=start]", start)
                ends = page.locator("select[name=end] option").all_inner_texts()
                end = next(e for e in ends if e > start)
                page.select_option("select[name=end]", end)
                page.fill("input[name=title]", f"试约 {start}")
                page.select_option("select[name=purpose]", "public_benefit")
                page.fill("input[name=attendees]", "4")
                page.click("button[type=submit]:has-text('提交预约')")
                page.wait_for_load_state()
                errors = page.locator(".form-error").all_inner_texts()
                assert errors == [], f"{room} {start}–{end} at {live_clock}: {errors}"
                page.wait_for_url("**/bookings/*/")
                booked += 1
    assert booked  # tomorrow the dance room (bookable in the evening too) has free time
    assert page_errors == []
    context.close()


def test_the_day_view_on_a_phone_and_a_desktop(live_openhall, live_clock, browser, new_resident):
    if live_clock != "weekday-morning":
        pytest.skip("the screenshots show a weekday morning")
    for width, height in ((375, 812), (1440, 900)):
        context = browser.new_context(
            viewport={"width": width, "height": height}, device_scale_factor=1, locale="zh-CN"
        )
        page = context.new_page()
        sign_in(page, live_openhall, new_resident("截图居民"))
        page.wait_for_url(lambda url: "/login/" not in url)
        open_day(page, live_openhall, "乒乓球室", 0)
        expect(page.locator(".slot.is-unstaffed")).to_contain_text("无人值守")
        expect(page.locator(".slot").first).to_contain_text("已过去")
        screenshot(page, f"h5-day-view-{width}")  # copied to docs/screenshots/ by hand
        context.close()
