"""The main flow in a real browser: a resident books a zone on the H5 portal, the operator
approves it in the console, and the resident sees it approved."""

import pytest
from playwright.sync_api import expect

from e2e.conftest import screenshot
from e2e.test_shells import OPERATOR, sign_in

pytestmark = pytest.mark.e2e


def test_a_resident_books_a_zone_and_the_operator_approves_it(
    live_openhall, browser, page_errors, new_resident
):
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN").new_page()
    phone.on("console", lambda msg: page_errors.append(msg.text) if msg.type == "error" else None)
    sign_in(phone, live_openhall, new_resident("王芳"))
    phone.goto(live_openhall + "/book/")
    phone.click("text=A区")
    phone.locator(".day-chip").nth(2).click()
    phone.select_option("select[name=start]", "19:00")
    phone.select_option("select[name=end]", "21:00")
    phone.fill("input[name=title]", "舞蹈队晚间排练")
    phone.select_option("select[name=purpose]", "team")
    phone.fill("input[name=attendees]", "16")
    screenshot(phone, "h5-book-zone")
    phone.click("button:has-text('提交预约')")
    phone.wait_for_url("**/bookings/*/")
    expect(phone.locator(".status")).to_have_text("待审批")

    desktop = browser.new_context(
        viewport={"width": 1366, "height": 800}, locale="zh-CN"
    ).new_page()
    sign_in(desktop, live_openhall, OPERATOR, path="/console/login/")
    desktop.wait_for_url("**/console/c/*/")
    desktop.click(".sidebar >> text=预约审批")
    row = desktop.locator("tr", has_text="舞蹈队晚间排练")
    expect(row).to_be_visible()
    screenshot(desktop, "console-approvals")
    row.locator("button:has-text('批准')").click()
    expect(desktop.locator(".flash")).to_contain_text("已批准")
    expect(desktop.locator("tr", has_text="舞蹈队晚间排练")).to_have_count(0)

    # The approved booking stands on the day calendar, placed by the script the CSP allows.
    desktop.click(".sidebar >> text=预约日历")
    for _ in range(2):  # the booking is the day after tomorrow
        desktop.locator(".pager a", has_text="后一天").click()
    block = desktop.locator(".cal-block", has_text="舞蹈队晚间排练")
    expect(block).to_be_visible()
    assert block.evaluate("el => el.style.left") != ""
    screenshot(desktop, "console-calendar")

    phone.reload()
    expect(phone.locator(".status")).to_have_text("已通过")
    expect(phone.locator("img.qr")).to_be_visible()
    phone.goto(live_openhall + "/messages/")
    expect(phone.locator(".inbox")).to_contain_text("预约已通过")
    screenshot(phone, "h5-booking-approved")
    assert page_errors == []
