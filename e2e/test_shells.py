"""A resident and a staff member use the product in a real browser."""

import pytest
from playwright.sync_api import expect

from e2e.conftest import screenshot

pytestmark = pytest.mark.e2e

OPERATOR = "13800000002"
CENTER_ADMIN = "13800000001"
RESIDENT = "13900000001"
PASSWORD = "openhall2026"


def sign_in(page, base, mobile, path="/login/"):
    page.goto(base + path)
    page.fill("input[name=mobile]", mobile)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def test_a_resident_opens_the_home_page_on_a_phone(live_openhall, phone, page_errors):
    phone.goto(live_openhall + "/")
    assert phone.locator("h1").inner_text() == "沙河口区XX街道党群服务中心"
    assert phone.locator(".tabbar").is_visible()
    assert phone.locator(".tabbar-label").all_inner_texts() == ["首页", "服务", "消息", "我的"]
    assert "多媒体活动室" in phone.locator(".room-list").inner_text()
    screenshot(phone, "h5-home")
    assert page_errors == []


def test_a_resident_signs_in_and_turns_on_elder_mode(live_openhall, phone, page_errors):
    sign_in(phone, live_openhall, RESIDENT)
    phone.wait_for_url("**/me/")
    assert "张秀英" in phone.locator("h1").inner_text()
    assert "舞蹈队" in phone.content()
    normal = phone.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    phone.click(".elder-switch button")
    phone.wait_for_url("**/me/")
    larger = phone.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert larger >= normal + 3
    screenshot(phone, "h5-me-elder")
    assert page_errors == []


def test_an_operator_signs_in_to_the_console(live_openhall, desktop, page_errors):
    desktop.goto(live_openhall + "/console/")
    desktop.wait_for_url("**/console/login/**")
    assert "工作台" in desktop.locator("h1").inner_text()
    sign_in(desktop, live_openhall, OPERATOR, path=desktop.url.removeprefix(live_openhall))
    desktop.wait_for_url("**/console/c/*/")
    assert desktop.locator(".content h1").inner_text() == "沙河口区XX街道党群服务中心"
    assert desktop.locator(".figure").count() >= 4
    # An operator sees the daily menu but not the admin's pages.
    menu = desktop.locator(".sidebar").inner_text()
    assert "团体" in menu and "操作日志" not in menu
    screenshot(desktop, "console")
    assert page_errors == []


def test_a_center_admin_filters_the_audit_log_without_reloading(
    live_openhall, desktop, page_errors
):
    sign_in(desktop, live_openhall, CENTER_ADMIN, path="/console/login/")
    desktop.wait_for_url("**/console/c/*/")
    desktop.click("text=企业")
    desktop.click("text=大连星海数字科技有限公司")
    verify = desktop.locator("form button.primary")
    if verify.count():
        verify.click()
        desktop.wait_for_selector(".flash")
    desktop.click(".sidebar >> text=操作日志")
    desktop.wait_for_selector("#audit-table")
    desktop.evaluate("window.__same_page = true")
    desktop.select_option("select[name=action]", "enterprise.verify")
    expect(desktop.locator("#audit-table tbody tr")).to_have_count(1)
    assert "认证企业" in desktop.locator("#audit-table").inner_text()  # the action, in Chinese
    assert desktop.evaluate("window.__same_page") is True  # htmx swapped the table in place
    assert "action=enterprise.verify" in desktop.url
    screenshot(desktop, "console-audit")
    assert page_errors == []
