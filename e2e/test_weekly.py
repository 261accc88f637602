"""The dance team books Tuesday and Thursday evenings for a month in one go on the H5 portal."""

import pytest
from playwright.sync_api import expect

from e2e.conftest import screenshot
from e2e.test_shells import RESIDENT, sign_in

pytestmark = pytest.mark.e2e


def test_a_team_leader_checks_the_dates_and_books_every_week(live_openhall, browser, page_errors):
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN").new_page()
    phone.on("console", lambda msg: page_errors.append(msg.text) if msg.type == "error" else None)
    sign_in(phone, live_openhall, RESIDENT)
    phone.goto(live_openhall + "/book/")
    phone.click("text=舞蹈教室")
    phone.click("text=一次预约多周")
    for day in ("周二", "周四"):
        phone.check(f"label.weekday:has-text('{day}') input")
    phone.select_option("select[name=start]", "19:00")
    phone.select_option("select[name=end]", "21:00")
    phone.fill("input[name=title]", "舞蹈队每周排练")
    phone.select_option("select[name=purpose]", "team")
    phone.fill("input[name=attendees]", "16")
    phone.click("button:has-text('检查日期')")
    free = phone.locator(".occurrence.is-free")
    screenshot(phone, "h5-book-weekly")
    expect(free.first).to_be_visible()
    screenshot(phone, "h5-book-weekly")
    assert free.count() >= 2
    phone.click("button:has-text('预约这')")
    phone.wait_for_url("**/bookings/")
    expect(phone.locator("body")).to_contain_text("舞蹈队每周排练")
    assert page_errors == []
