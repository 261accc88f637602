"""A resident registers for a lecture on her phone and gets a QR ticket; at the door the
operator checks the ticket in on the console's check-in page."""

import pytest
from playwright.sync_api import expect

from e2e.conftest import screenshot
from e2e.test_shells import OPERATOR, sign_in

pytestmark = pytest.mark.e2e


def test_a_resident_registers_and_the_operator_checks_her_in(
    live_openhall, browser, page_errors, new_resident
):
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN").new_page()
    phone.on("console", lambda m: page_errors.append(m.text) if m.type == "error" else None)
    sign_in(phone, live_openhall, new_resident("周敏"))
    phone.goto(live_openhall + "/activities/")
    screenshot(phone, "h5-activities")
    phone.click("text=防范电信网络诈骗讲座")
    phone.click("button:has-text('报名')")
    phone.wait_for_url("**/activities/mine/")
    expect(phone.locator(".flash")).to_contain_text("报名成功")
    expect(phone.locator("img.qr")).to_be_visible()
    code = phone.locator(".ticket-code strong").inner_text()
    screenshot(phone, "h5-activity-ticket")

    staff = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN").new_page()
    staff.on("console", lambda m: page_errors.append(m.text) if m.type == "error" else None)
    sign_in(staff, live_openhall, OPERATOR, path="/console/login/")
    staff.wait_for_url("**/console/c/*/")
    staff.goto(staff.url + "activities/")
    staff.click("text=防范电信网络诈骗讲座")
    staff.click("text=签到页面")
    staff.fill("#ticket-code", code.lower())  # typed as heard: case does not matter
    staff.click("button:has-text('签到')")
    expect(staff.locator(".check-in-result")).to_contain_text("有效")
    expect(staff.locator("#ticket-code")).to_have_value("")  # ready for the next ticket
    staff.fill("#ticket-code", code)
    staff.click("button:has-text('签到')")
    expect(staff.locator(".check-in-result")).to_contain_text("已签到过")
    screenshot(staff, "console-check-in")
    assert page_errors == []
