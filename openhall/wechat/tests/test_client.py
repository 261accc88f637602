import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache

from openhall.wechat.client import WechatError, get_client, jssdk_signature
from openhall.wechat.fake import FakeWechat
from openhall.wechat.tests.conftest import APP_ID


def test_the_token_comes_from_stable_token_and_is_cached(fake_wechat):
    first = get_client().access_token()
    second = get_client().access_token()
    assert first == second
    assert fake_wechat.count("/cgi-bin/stable_token") == 1
    assert fake_wechat.count("/cgi-bin/token") == 0


@pytest.mark.parametrize("errcode", [40001, 42001])
def test_a_refused_token_is_refreshed_once_and_the_call_retried(fake_wechat, errcode):
    fake_wechat.add_user("oA")
    get_client().access_token()
    fake_wechat.fail_next["/cgi-bin/message/template/send"] = errcode
    get_client().template_send(openid="oA", template_id="T", data={"thing1": "舞蹈教室"})
    assert fake_wechat.stable_force_count == 1
    assert len(fake_wechat.templates_sent) == 1


def test_a_token_refused_twice_is_an_error_not_a_loop(fake_wechat):
    fake_wechat.add_user("oA")
    client = get_client()
    client.access_token()
    fake_wechat.expire_tokens()
    cache.set(client.token_key, "DEAD_TOKEN", 600)  # every call fails with 40001
    fake_wechat.fail_next["/cgi-bin/stable_token"] = -1  # and the refresh fails
    with pytest.raises(WechatError):
        client.template_send(openid="oA", template_id="T", data={"thing1": "x"})
    assert fake_wechat.count("/cgi-bin/message/template/send") == 1


def test_forced_refreshes_are_at_least_30_seconds_apart(fake_wechat):
    fake_wechat.add_user("oA")
    client = get_client()
    for _ in range(3):
        client.access_token()
        fake_wechat.fail_next["/cgi-bin/message/template/send"] = 40001
        client.template_send(openid="oA", template_id="T", data={"thing1": "x"})
        cache.delete(client.token_key)
    assert fake_wechat.stable_force_count == 1


@pytest.mark.parametrize(
    ("errcode", "transient"), [(45009, True), (43101, False), (48001, False), (-1, True)]
)
def test_errors_say_whether_a_retry_may_help(fake_wechat, errcode, transient):
    fake_wechat.fail_next["/cgi-bin/message/subscribe/bizsend"] = errcode
    with pytest.raises(WechatError) as failed:
        get_client().subscribe_send(openid="oA", template_id="T", data={})
    assert failed.value.errcode == errcode
    assert failed.value.transient is transient


def test_the_daily_quota_is_reported_as_45009(fake_wechat):
    fake_wechat.add_user("oA")
    fake_wechat.daily_template_quota = 0
    with pytest.raises(WechatError) as failed:
        get_client().template_send(openid="oA", template_id="T", data={"thing1": "x"})
    assert failed.value.errcode == 45009


def test_the_jssdk_signature_matches_the_documented_example():
    # WeChat's JS-SDK documentation, appendix 1.
    signature = jssdk_signature(
        ticket="sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg",
        noncestr="Wm3WZYTPz0wzccnW",
        timestamp=1414587457,
        url="http://mp.weixin.qq.com?params=value#frag",
    )
    assert signature == "0f9de62fce790f9a083d5c99e95740ceb90c27ed"


CHILD = """
import os, sys, django
os.environ["DJANGO_SETTINGS_MODULE"] = "openhall.settings"
django.setup()
from openhall.wechat.client import get_client
print(get_client().access_token())
"""


def test_two_processes_share_one_token_through_the_cache(redis_url, tmp_path):
    fake = FakeWechat(app_id=APP_ID, app_secret="s3cret")
    server, base = fake.serve_in_thread()
    try:
        env = {
            **os.environ,
            "REDIS_URL": redis_url,
            "WECHAT_APP_ID": APP_ID,
            "WECHAT_APP_SECRET": "s3cret",
            "WECHAT_API_BASE": base,
            "OPENHALL_VAR_DIR": str(tmp_path),
            "PYTHONWARNINGS": "ignore",
        }
        root = Path(__file__).resolve().parents[3]
        children = [
            subprocess.Popen(  # noqa: S603
                [sys.executable, "-c", CHILD], env=env, cwd=root, stdout=subprocess.PIPE, text=True
            )
            for _ in range(2)
        ]
        tokens = [child.communicate(timeout=60)[0].strip() for child in children]
    finally:
        server.shutdown()
        server.server_close()
    assert tokens[0] and tokens[0] == tokens[1]
    assert fake.count("/cgi-bin/stable_token") == 1
