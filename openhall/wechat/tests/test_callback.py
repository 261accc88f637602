"""The callback against messages built exactly as WeChat builds them (reference: safe mode)."""

import base64
import hashlib
import os
import secrets
import struct
import time

import pytest
import xmltodict
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from openhall.wechat.models import KeywordReply, WechatAccount
from openhall.wechat.tests.conftest import AES_KEY, APP_ID, TOKEN

OPENID = "oUser123"


def sha1_sorted(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()  # noqa: S324


# --- WeChat's side, written from its documentation, independent of our code and wechatpy ----
def wechat_encrypt(plaintext: str) -> str:
    key = base64.b64decode(AES_KEY + "=")
    body = plaintext.encode()
    raw = os.urandom(16) + struct.pack(">I", len(body)) + body + APP_ID.encode()
    pad = 32 - len(raw) % 32
    raw += bytes([pad]) * pad
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(raw) + encryptor.finalize()).decode()


def wechat_decrypt(encrypted: str) -> str:
    key = base64.b64decode(AES_KEY + "=")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    raw = decryptor.update(base64.b64decode(encrypted)) + decryptor.finalize()
    raw = raw[: -raw[-1]]
    length = struct.unpack(">I", raw[16:20])[0]
    assert raw[20 + length :].decode() == APP_ID
    return raw[20 : 20 + length].decode()


def text_xml(content: str, msg_id: str = "1000001", create: int | None = None) -> str:
    return (
        f"<xml><ToUserName><![CDATA[gh_center]]></ToUserName>"
        f"<FromUserName><![CDATA[{OPENID}]]></FromUserName>"
        f"<CreateTime>{create or int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>"
    )


def event_xml(event: str, key: str = "", extra: str = "", create: int | None = None) -> str:
    return (
        f"<xml><ToUserName><![CDATA[gh_center]]></ToUserName>"
        f"<FromUserName><![CDATA[{OPENID}]]></FromUserName>"
        f"<CreateTime>{create or int(time.time())}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        f"<Event><![CDATA[{event}]]></Event><EventKey><![CDATA[{key}]]></EventKey>{extra}</xml>"
    )


def signed_query(timestamp: int | None = None, nonce: str | None = None) -> dict:
    timestamp = str(timestamp or int(time.time()))
    nonce = nonce or str(secrets.randbelow(10**10))  # WeChat sends a new nonce every time
    return {
        "timestamp": timestamp,
        "nonce": nonce,
        "signature": sha1_sorted(TOKEN, timestamp, nonce),
    }


def post_plain(client, xml: str, **query):
    q = {**signed_query(), **query}
    return client.post(
        "/wechat/callback?" + "&".join(f"{k}={v}" for k, v in q.items()),
        xml,
        content_type="text/xml",
    )


def post_encrypted(client, xml: str):
    q = signed_query()
    encrypted = wechat_encrypt(xml)
    q.update(
        encrypt_type="aes", msg_signature=sha1_sorted(TOKEN, q["timestamp"], q["nonce"], encrypted)
    )
    body = f"<xml><ToUserName><![CDATA[gh_center]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    return client.post(
        "/wechat/callback?" + "&".join(f"{k}={v}" for k, v in q.items()),
        body,
        content_type="text/xml",
    ), q


@pytest.fixture
def replies(db):
    KeywordReply.objects.create(keyword="预约", reply="点击预约：http://127.0.0.1:8000/book/")
    KeywordReply.objects.create(keyword="联系我们", reply="电话 0411-12345678", exact=True)


def test_the_server_url_check_echoes_echostr(client, wechat_settings):
    response = client.get("/wechat/callback", {**signed_query(), "echostr": "hello123"})
    assert response.status_code == 200
    assert response.content == b"hello123"


def test_a_wrong_signature_is_refused(client, wechat_settings):
    q = {**signed_query(), "echostr": "x", "signature": "0" * 40}
    assert client.get("/wechat/callback", q).status_code == 403


def test_a_stale_timestamp_is_refused_even_when_signed(client, wechat_settings):
    q = {**signed_query(timestamp=int(time.time()) - 3600), "echostr": "x"}
    assert client.get("/wechat/callback", q).status_code == 403


def test_without_a_token_the_callback_does_not_exist(client, wechat_settings):
    wechat_settings.WECHAT_TOKEN = ""
    assert client.get("/wechat/callback", {**signed_query(), "echostr": "x"}).status_code == 404


def test_a_plaintext_keyword_gets_the_staff_reply(client, wechat_settings, replies):
    response = post_plain(client, text_xml("我想预约场地"))
    reply = xmltodict.parse(response.content)["xml"]
    assert reply["ToUserName"] == OPENID
    assert "book/" in reply["Content"]


def test_an_encrypted_message_gets_a_valid_encrypted_reply(client, wechat_settings, replies):
    response, q = post_encrypted(client, text_xml("预约"))
    assert response.status_code == 200
    outer = xmltodict.parse(response.content)["xml"]
    # The reply is signed over token, its timestamp, its nonce and the ciphertext, as WeChat checks.
    assert outer["MsgSignature"] == sha1_sorted(
        TOKEN, outer["TimeStamp"], outer["Nonce"], outer["Encrypt"]
    )
    inner = xmltodict.parse(wechat_decrypt(outer["Encrypt"]))["xml"]
    assert inner["ToUserName"] == OPENID and inner["MsgType"] == "text"
    assert "book/" in inner["Content"]


def test_a_tampered_encrypted_message_is_refused(client, wechat_settings, replies):
    q = signed_query()
    encrypted = wechat_encrypt(text_xml("预约"))
    q.update(encrypt_type="aes", msg_signature="f" * 40)
    body = f"<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    response = client.post(
        "/wechat/callback?" + "&".join(f"{k}={v}" for k, v in q.items()),
        body,
        content_type="text/xml",
    )
    assert response.status_code == 403


def test_garbage_is_refused_not_a_500(client, wechat_settings):
    assert post_plain(client, "<xml><oops").status_code == 403


def test_a_retry_of_the_same_message_is_answered_once(client, wechat_settings, replies):
    first = post_plain(client, text_xml("预约", msg_id="42"))
    KeywordReply.objects.filter(keyword="预约").update(reply="changed")
    again = post_plain(client, text_xml("预约", msg_id="42"))
    assert again.content == first.content


def test_following_gets_a_welcome_with_links_and_is_recorded(client, wechat_settings):
    response = post_plain(client, event_xml("subscribe"))
    content = xmltodict.parse(response.content)["xml"]["Content"]
    assert "/book/" in content and "/me/" in content
    assert WechatAccount.objects.get(openid=OPENID).subscribed


def test_unfollowing_is_recorded_and_answered_with_success(client, wechat_settings):
    now = int(time.time())
    post_plain(client, event_xml("subscribe", create=now - 5))
    response = post_plain(client, event_xml("unsubscribe", create=now))
    assert response.content == b"success"
    assert not WechatAccount.objects.get(openid=OPENID).subscribed


def test_a_menu_click_answers_from_the_keyword_replies(client, wechat_settings, replies):
    response = post_plain(client, event_xml("CLICK", key="联系我们"))
    assert "0411" in xmltodict.parse(response.content)["xml"]["Content"]


def test_an_accepted_subscribe_popup_allows_one_send(client, wechat_settings):
    from openhall.wechat import services

    popup = (
        "<SubscribeMsgPopupEvent><List><TemplateId><![CDATA[TPL1]]></TemplateId>"
        "<SubscribeStatusString><![CDATA[accept]]></SubscribeStatusString>"
        "<PopupScene>2</PopupScene></List></SubscribeMsgPopupEvent>"
    )
    post_plain(client, event_xml("subscribe_msg_popup_event", extra=popup))
    assert services.subscribe_opt_in_use(openid=OPENID, template_id="TPL1")
    assert not services.subscribe_opt_in_use(openid=OPENID, template_id="TPL1")


# --- hostile queries -----------------------------------------------------------------------------


@pytest.mark.parametrize("timestamp", ["9" * 400, "-1", "1e10", "１７００００００００", ""])
def test_a_timestamp_that_is_not_a_plain_time_is_refused_not_a_500(
    client, wechat_settings, timestamp
):
    q = {
        "timestamp": timestamp,
        "nonce": "n0nce",
        "signature": sha1_sorted(TOKEN, timestamp, "n0nce"),
        "echostr": "x",
    }
    assert client.get("/wechat/callback", q).status_code == 403
    assert post_plain(client, text_xml("预约"), **q).status_code == 403


@pytest.mark.parametrize("signature", ["", "x" * 40, "0" * 4000, "F" * 39])
def test_a_signature_of_the_wrong_shape_is_refused_before_anything_else(
    client, wechat_settings, signature
):
    q = {**signed_query(), "signature": signature, "echostr": "x"}
    assert client.get("/wechat/callback", q).status_code == 403


def test_a_captured_signed_query_cannot_carry_another_body(client, wechat_settings, replies):
    """In plaintext mode the signature covers the query, not the body: whoever saw one signed
    URL could post any message as anyone within the freshness window. The first body a signed
    query brings is the only one it may ever bring."""
    q = signed_query(nonce="captured1")
    first = post_plain(client, text_xml("预约", msg_id="71"), **q)
    retry = post_plain(client, text_xml("预约", msg_id="71"), **q)  # WeChat's own retry
    forged = post_plain(client, text_xml("联系我们", msg_id="72"), **q)

    assert first.status_code == 200 and retry.content == first.content
    assert forged.status_code == 403
