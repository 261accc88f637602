import pytest

from openhall import factories
from openhall.core.selectors import CENTER_COOKIE


@pytest.fixture
def dance_room(center_a):
    room = factories.SpaceFactory(center=center_a, name="多媒体活动室", capacity=60)
    factories.SpaceFactory(center=center_a, parent=room, name="A区", kind="zone")
    factories.SpaceFactory(center=center_a, parent=room, name="B区", kind="zone")
    return room


def test_the_home_page_shows_the_center_and_its_rooms_in_chinese(client, center_a, dance_room):
    response = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})
    page = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Language"] == "zh-hans"
    assert center_a.name in page
    assert "多媒体活动室" in page and "A区" in page and "B区" in page
    assert "首页" in page and "我的" in page


def test_a_resident_can_switch_to_english(client, center_a):
    client.cookies["django_language"] = "en"
    page = client.get("/").content.decode()
    assert "Home" in page and "首页" not in page


def test_the_home_page_follows_the_chosen_center(client, center_a, center_b):
    assert center_a.name in client.get("/").content.decode()
    response = client.post("/centers/", {"center": center_b.slug})
    assert response.cookies[CENTER_COOKIE].value == center_b.slug
    assert center_b.name in client.get("/").content.decode()


def test_an_empty_installation_says_so_instead_of_failing(client, db):
    assert client.get("/").status_code == 200


def test_elder_mode_enlarges_the_text_and_is_remembered(client, center_a):
    assert 'class="h5"' in client.get("/").content.decode()
    response = client.post("/elder-mode/", {"on": "1", "next": "/services/"})
    assert response.status_code == 302 and response["Location"] == "/services/"
    assert 'class="h5 elder"' in client.get("/").content.decode()
    client.post("/elder-mode/", {"on": "0"})
    assert 'class="h5"' in client.get("/").content.decode()


def test_the_home_page_has_the_elder_mode_switch_and_comes_back_to_itself(client, center_a):
    page = client.get("/").content.decode()
    assert 'action="/elder-mode/"' in page and 'name="next" value="/"' in page
    assert 'role="switch" aria-labelledby="elder-switch-label" aria-checked="false"' in page
    assert 'id="elder-switch-label">长辈模式' in page
    response = client.post("/elder-mode/", {"on": "1", "next": "/"})
    assert response["Location"] == "/"
    page = client.get("/").content.decode()
    assert 'class="h5 elder"' in page and 'aria-checked="true"' in page
    assert 'class="h5 elder"' in client.get("/services/").content.decode()  # remembered


def test_elder_mode_never_redirects_to_another_site(client, db):
    response = client.post("/elder-mode/", {"on": "1", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_me_asks_for_sign_in_first(client, db):
    response = client.get("/me/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_a_resident_signs_in_with_mobile_and_password(client, alice):
    response = client.post(
        "/login/", {"mobile": alice.mobile, "password": "correct-horse-9", "next": "/me/"}
    )
    assert response.status_code == 302 and response["Location"] == "/me/"
    page = client.get("/me/").content.decode()
    assert alice.real_name in page and alice.masked_mobile in page
    assert alice.mobile not in page


def test_a_wrong_password_gets_a_clear_message_and_keeps_the_number(client, alice):
    response = client.post("/login/", {"mobile": alice.mobile, "password": "wrong-one"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "手机号或密码不正确" in page
    assert f'value="{alice.mobile}"' in page


def test_sign_in_is_throttled_after_ten_failures(client, alice):
    for _ in range(10):
        client.post("/login/", {"mobile": alice.mobile, "password": "wrong-one"})
    response = client.post("/login/", {"mobile": alice.mobile, "password": "correct-horse-9"})
    assert "15 分钟" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_sign_in_never_redirects_to_another_site(client, alice):
    response = client.post(
        "/login/",
        {"mobile": alice.mobile, "password": "correct-horse-9", "next": "//evil.example/"},
    )
    assert response["Location"] == "/me/"


def test_staff_sign_in_lands_in_the_console(client, olivia, center_a):
    response = client.post(
        "/console/login/", {"mobile": olivia.mobile, "password": "correct-horse-9"}
    )
    assert response["Location"] == "/console/"
    response = client.get("/console/")
    assert response["Location"] == f"/console/c/{center_a.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert center_a.name in page and "工作台" in page


def test_pages_forbid_inline_scripts_and_framing(client, db):
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in policy and "unsafe-inline" not in policy
    assert response["X-Frame-Options"] == "DENY"


def test_an_unknown_page_is_a_friendly_404(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "返回首页" in response.content.decode()


def test_the_messages_tab_counts_unread_messages_until_they_are_read(client, alice, db):
    from openhall.notifications.services import message_send

    message_send(user_id=alice.pk, key="test:1", title="预约已通过", body="…")
    client.force_login(alice)
    assert '<span class="tabbar-badge">1</span>' in client.get("/").content.decode()
    assert "预约已通过" in client.get("/messages/").content.decode()
    assert "tabbar-badge" not in client.get("/").content.decode()


def test_the_password_page_offers_wechat_sign_in_as_the_sms_page_does(client, settings, db):
    settings.WECHAT_APP_ID, settings.WECHAT_APP_SECRET = "wx1234567890abcdef", "s3cret"
    for path in ("/login/", "/login/sms/"):
        page = client.get(path, {"next": "/book/"}).content.decode()
        assert 'href="/wechat/login/?next=/book/"' in page and "微信登录" in page, path


def test_no_wechat_sign_in_without_an_official_account(client, settings, db):
    settings.WECHAT_APP_ID = ""
    assert "/wechat/login/" not in client.get("/login/").content.decode()


def test_no_second_wechat_sign_in_while_one_waits_for_its_sms_step(client, settings, db):
    settings.WECHAT_APP_ID, settings.WECHAT_APP_SECRET = "wx1234567890abcdef", "s3cret"
    session = client.session
    session["wechat_pending"] = {"openid": "oPending"}
    session.save()
    assert "/wechat/login/" not in client.get("/login/").content.decode()
