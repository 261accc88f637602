"""`make run` starts a fake WeChat beside the server (`openhall serve --fake-wechat`), so a
newcomer can try WeChat sign-in, the menu and template messages; never with DEBUG=false."""

import subprocess

import httpx
import pytest
from django.core.management import CommandError, call_command

from openhall.site.management.commands import serve
from openhall.wechat.client import WechatClient
from openhall.wechat.fake import DEV_FAKE
from openhall.wechat.models import WechatAccount


def test_serve_refuses_the_fake_wechat_when_debug_is_off(db, settings, monkeypatch):
    settings.DEBUG = False
    started = []
    monkeypatch.setattr(subprocess, "Popen", lambda *a, **k: started.append(a))
    with pytest.raises(CommandError, match="DEBUG=false"):
        call_command("serve", "--fake-wechat")
    assert started == []  # neither the web server nor the worker was started


@pytest.fixture
def fake(db, settings):
    settings.DEBUG = True
    server, url, env = serve.start_fake_wechat()
    yield url, env
    server.shutdown()
    server.server_close()


def test_the_web_server_and_the_worker_are_pointed_at_one_fake(fake):
    url, env = fake
    assert env["WECHAT_API_BASE"] == url and env["WECHAT_OAUTH_BASE"] == url.rstrip("/")
    assert env["WECHAT_FAKE_SERVER"] == "true" and env["WECHAT_APP_ID"] == DEV_FAKE.app_id
    assert "notice=" in env["WECHAT_TEMPLATES"]  # broadcasts go out as template messages


def test_wechat_sign_in_works_against_the_served_fake_and_remembers_the_browser(fake):
    url, _ = fake
    with httpx.Client(base_url=url) as browser:
        consent = browser.get(
            "/connect/oauth2/authorize",
            params={"redirect_uri": "http://127.0.0.1:8000/wechat/oauth/return/", "state": "s"},
        )
        assert consent.status_code == 302
        back = httpx.URL(consent.headers["Location"])
        assert str(back).startswith("http://127.0.0.1:8000/wechat/oauth/return/?code=")
        again = browser.get("/connect/oauth2/authorize", params={"redirect_uri": "/r"})
        second = httpx.URL(again.headers["Location"]).params["code"]
    client = WechatClient(app_id=DEV_FAKE.app_id, app_secret=DEV_FAKE.app_secret, api_base=url)
    first_openid = client.oauth_exchange(back.params["code"])["openid"]
    assert client.oauth_exchange(second)["openid"] == first_openid  # the same WeChat user


def test_the_menu_is_published_and_messages_reach_accounts_bound_earlier(db, settings):
    settings.DEBUG = True
    WechatAccount.objects.create(openid="oBoundLastRun")
    server, url, _ = serve.start_fake_wechat()
    try:
        serve.publish_menu_to(url)
        client = WechatClient(app_id=DEV_FAKE.app_id, app_secret=DEV_FAKE.app_secret, api_base=url)
        client.template_send(
            openid="oBoundLastRun", template_id="FAKE_notice", data={"thing1": "通知"}
        )
        sent = httpx.get(url).json()
    finally:
        server.shutdown()
        server.server_close()
    assert [b["name"] for b in sent["menu"]["button"]] == ["预约场地", "办事服务", "我的"]
    assert sent["templates_sent"][-1]["touser"] == "oBoundLastRun"
