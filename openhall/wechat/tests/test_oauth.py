"""Web sign-in inside WeChat against the fake: first visit binds, later visits sign in silently."""

import re
from urllib.parse import parse_qs, urlsplit

from openhall.accounts import services as account_services
from openhall.notifications.models import ConsoleSms
from openhall.wechat.models import WechatAccount


def start(client, next_url="/book/", scope="snsapi_base"):
    response = client.get("/wechat/login/", {"next": next_url, "scope": scope})
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("https://open.weixin.qq.com/connect/oauth2/authorize?")
    assert location.endswith("#wechat_redirect")
    query = parse_qs(urlsplit(location.split("#")[0]).query)
    assert query["scope"] == [scope]
    return query["state"][0]


def come_back(client, fake, openid, state, scope="snsapi_base"):
    code = fake.authorize(openid, scope)
    return client.get("/wechat/oauth/return/", {"code": code, "state": state}), code


def test_a_bound_follower_is_signed_in_silently(client, fake_wechat, alice):
    WechatAccount.objects.create(openid="oAlice", user=alice)
    state = start(client)
    response, _ = come_back(client, fake_wechat, "oAlice", state)
    assert response["Location"] == "/book/"
    assert int(client.session["_auth_user_id"]) == alice.pk


def test_a_first_visit_binds_the_openid_after_sms_sign_in(client, fake_wechat):
    fake_wechat.add_user("oNew", unionid="uNew")
    state = start(client, scope="snsapi_userinfo")
    response, _ = come_back(client, fake_wechat, "oNew", state, scope="snsapi_userinfo")
    assert response["Location"].startswith("/login/sms/")
    assert "_auth_user_id" not in client.session

    client.post("/login/sms/", {"mobile": "13712340000", "action": "send"})
    code = re.search(r"验证码为(\d{6})", ConsoleSms.objects.first().text).group(1)
    signed_in = client.post(
        "/login/sms/?next=/book/",
        {
            "mobile": "13712340000",
            "code": code,
            "real_name": "钱多多",
            "agree_privacy": "on",
            "action": "login",
            "next": "/book/",
        },
    )
    assert signed_in["Location"] == "/book/"
    account = WechatAccount.objects.get(openid="oNew")
    assert account.user.real_name == "钱多多"
    assert account.unionid == "uNew"


def test_a_code_is_single_use(client, fake_wechat, alice):
    WechatAccount.objects.create(openid="oAlice", user=alice)
    state = start(client)
    _, code = come_back(client, fake_wechat, "oAlice", state)
    client.logout()
    state = start(client)
    replay = client.get("/wechat/oauth/return/", {"code": code, "state": state})  # 40163
    assert replay["Location"] == "/login/sms/"
    assert "_auth_user_id" not in client.session


def test_an_invalid_code_or_state_signs_nobody_in(client, fake_wechat):
    state = start(client)
    assert (
        client.get("/wechat/oauth/return/", {"code": "nope", "state": state})["Location"]
        == "/login/sms/"
    )
    assert (
        client.get("/wechat/oauth/return/", {"code": "nope", "state": "forged"})["Location"]
        == "/login/sms/"
    )


def test_a_snapshot_mode_visitor_stays_a_guest(client, fake_wechat, alice):
    fake_wechat.add_user("oSnap", snapshot=True)
    state = start(client)
    response, _ = come_back(client, fake_wechat, "oSnap", state)
    assert response["Location"] == "/book/"
    assert "_auth_user_id" not in client.session
    assert not WechatAccount.objects.filter(openid="oSnap").exists()


def test_a_signed_in_resident_binds_directly(client_for, fake_wechat, alice):
    client = client_for(alice)
    state = start(client)
    come_back(client, fake_wechat, "oAlice2", state)
    assert WechatAccount.objects.get(openid="oAlice2").user == alice


def test_an_offsite_next_is_ignored(client, fake_wechat):
    client.get("/wechat/login/", {"next": "https://evil.example/"})
    assert client.session["wechat_oauth"]["next"] == "/me/"


def test_closing_the_account_unbinds_wechat(alice, fake_wechat, django_capture_on_commit_callbacks):
    WechatAccount.objects.create(openid="oAlice", user=alice, unionid="u1")
    with django_capture_on_commit_callbacks(execute=True):
        account_services.user_close(user=alice)
    account = WechatAccount.objects.get(openid="oAlice")
    assert account.user is None and account.unionid == ""


def test_no_wechat_configured_means_no_wechat_login(client, settings, db):
    settings.WECHAT_APP_ID = ""
    settings.WECHAT_FAKE_SERVER = False
    assert client.get("/wechat/login/").status_code == 404


def test_dev_mode_wechat_login_works_against_the_mounted_fake(client, settings, db):
    settings.WECHAT_FAKE_SERVER = True
    settings.WECHAT_APP_ID, settings.WECHAT_APP_SECRET = "wx0000000000000test", "fake-secret"
    settings.WECHAT_API_BASE = ""
    settings.WECHAT_OAUTH_BASE = ""
    to_fake = client.get("/wechat/login/", {"next": "/book/"})["Location"]
    assert to_fake.startswith("/wechat/fake/connect/oauth2/authorize?")
    back = client.get(to_fake.split("#")[0])["Location"]
    assert back.startswith("http://testserver/wechat/oauth/return/?code=")
    response = client.get(back)
    assert response["Location"].startswith("/login/sms/")  # new openid: sign in once by SMS
    assert client.session["wechat_pending"]["openid"].startswith("o_dev_")


def test_the_fake_is_not_mounted_outside_dev_mode(client, settings, db):
    settings.WECHAT_FAKE_SERVER = False
    assert client.get("/wechat/fake/cgi-bin/token").status_code == 404


def test_staff_never_sign_in_by_wechat_alone(client, fake_wechat, olivia):
    # A staff member's openid, bound earlier, opens the building's doors and approvals: a
    # WeChat account (a borrowed or stolen phone) must not be enough, as an SMS code is not.
    from openhall.core.models import AuditEntry

    WechatAccount.objects.create(openid="oOlivia", user=olivia)
    state = start(client, next_url="/console/")
    response, _ = come_back(client, fake_wechat, "oOlivia", state)
    assert "_auth_user_id" not in client.session
    assert response["Location"].startswith("/console/login/")
    assert AuditEntry.objects.filter(action="user.wechat_sign_in_refused", actor=olivia).exists()


def test_a_resident_signed_in_by_wechat_and_made_staff_must_still_give_the_password(
    client, fake_wechat, alice, center_a
):
    """Refusing staff at WeChat sign-in is not enough if a resident's WeChat session outlives
    their appointment: the console and the API ask that session for the password first."""
    from openhall import factories
    from openhall.core.permissions import StaffRole

    WechatAccount.objects.create(openid="oAlice", user=alice)
    come_back(client, fake_wechat, "oAlice", start(client))
    assert int(client.session["_auth_user_id"]) == alice.pk
    factories.StaffFactory(user=alice, role=StaffRole.OPERATOR, center=center_a)

    page = client.get(f"/console/c/{center_a.pk}/")
    assert page.status_code == 302 and page["Location"].startswith("/console/login/")
    assert client.get(f"/api/v1/centers/{center_a.pk}/audit").status_code == 401

    alice.set_password("s3cret-pass!")
    alice.save()
    signed_in = client.post("/console/login/", {"mobile": alice.mobile, "password": "s3cret-pass!"})
    assert signed_in.status_code == 302
    assert client.get(f"/console/c/{center_a.pk}/").status_code == 200
