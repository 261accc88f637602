import pytest

from openhall.wechat import client
from openhall.wechat.fake import FakeWechat

APP_ID = "wx1234567890abcdef"
TOKEN = "openhalltoken"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 characters, as WeChat issues


@pytest.fixture
def wechat_settings(settings, db):
    settings.WECHAT_APP_ID = APP_ID
    settings.WECHAT_APP_SECRET = "s3cret"
    settings.WECHAT_TOKEN = TOKEN
    settings.WECHAT_ENCODING_AES_KEY = AES_KEY
    settings.WECHAT_API_BASE = "https://api.weixin.qq.com/"
    settings.WECHAT_FAKE_SERVER = False
    return settings


@pytest.fixture
def fake_wechat(wechat_settings):
    fake = FakeWechat(app_id=APP_ID, app_secret="s3cret")
    client.use_transport(fake.transport())
    yield fake
    client.use_transport(None)
