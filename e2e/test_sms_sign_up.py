"""A new resident signs up with an SMS code on a phone, consents, then closes the account (注销)."""

import re
import sqlite3
import time

import pytest
from playwright.sync_api import expect

from e2e.conftest import screenshot

pytestmark = pytest.mark.e2e

NEW_MOBILE = "13712345678"


def console_sms_code(var, mobile: str) -> str:
    """The console SMS backend stores what it 'sent'; the test reads the code from there."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with sqlite3.connect(var / "e2e.sqlite3") as db:
            row = db.execute(
                "select text from notifications_consolesms where mobile = ? order by id desc",
                (mobile,),
            ).fetchone()
        if row:
            return re.search(r"验证码为(\d{6})", row[0]).group(1)
        time.sleep(0.2)
    raise AssertionError("no SMS code was stored")


def test_a_resident_signs_up_by_sms_with_consent_and_closes_the_account(
    live_openhall, live_var, phone, page_errors
):
    phone.goto(live_openhall + "/login/")
    phone.click("text=短信验证码登录")
    phone.fill("input[name=mobile]", NEW_MOBILE)
    phone.click("button[value=send]")
    expect(phone.locator(".form-ok")).to_contain_text("验证码已发送")
    code = console_sms_code(live_var, NEW_MOBILE)

    phone.fill("input[name=code]", code)
    phone.fill("input[name=real_name]", "赵新民")
    # The consent boxes start unticked; without the privacy box nobody is signed up.
    assert not phone.locator("input[name=agree_privacy]").is_checked()
    assert not phone.locator("input[name=agree_sms]").is_checked()
    phone.click("button[value=login]")
    expect(phone.locator(".field-message")).to_contain_text("隐私政策")

    phone.fill("input[name=code]", code)
    phone.check("input[name=agree_privacy]")
    screenshot(phone, "h5-sms-sign-up")
    phone.click("button[value=login]")
    phone.wait_for_url("**/me/")
    assert "赵新民" in phone.locator("h1").inner_text()
    assert "137****5678" in phone.content()

    phone.click("text=注销账号")
    phone.check("input[name=confirm]")
    screenshot(phone, "h5-close-account")
    phone.click("button:has-text('注销账号')")
    phone.wait_for_url(live_openhall + "/")
    expect(phone.locator(".flash, .messages")).to_contain_text("已注销")
    phone.goto(live_openhall + "/me/")
    assert "/login/" in phone.url
    assert page_errors == []
