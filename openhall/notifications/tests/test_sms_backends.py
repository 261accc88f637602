"""The Aliyun and Tencent adapters against the shape of their HTTP APIs, without network."""

import json
from urllib.parse import parse_qsl

import httpx
import pytest

from openhall.core.sms import (
    AliyunBackend,
    SmsConfig,
    SmsError,
    TencentBackend,
    aliyun_signature,
    get_backend,
    tencent_authorization,
)

CONFIG = SmsConfig(
    access_key_id="AKIDtest",
    access_key_secret="secret-key",
    sign_name="党群服务中心",
    templates={"login_code": "SMS_1234"},
    app_id="1400000000",
)


def recording(answer: dict):
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=answer)

    return seen, httpx.MockTransport(handler)


def test_aliyun_posts_a_signed_sendsms_request():
    seen, transport = recording({"Code": "OK", "Message": "OK", "BizId": "900^0", "RequestId": "r"})
    backend = AliyunBackend(CONFIG, transport=transport)
    assert (
        backend.send(mobile="13912345678", template="login_code", params={"code": "123456"})
        == "900^0"
    )
    request = seen[0]
    assert request.method == "POST" and request.url.host == "dysmsapi.aliyuncs.com"
    form = dict(parse_qsl(request.content.decode()))
    assert form["Action"] == "SendSms" and form["Version"] == "2017-05-25"
    assert form["PhoneNumbers"] == "13912345678"
    assert form["SignName"] == "党群服务中心"
    assert form["TemplateCode"] == "SMS_1234"
    assert json.loads(form["TemplateParam"]) == {"code": "123456"}
    signature = form.pop("Signature")
    assert signature == aliyun_signature(form, "secret-key")


def test_aliyun_signature_follows_the_documented_encoding():
    # Spaces are %20, "*" is %2A, "~" stays, the key is secret + "&".
    import base64
    import hashlib
    import hmac

    params = {"B": "a b*~", "A": "1"}
    expected_string = "POST&%2F&A%3D1%26B%3Da%2520b%252A~"
    expected = base64.b64encode(
        hmac.new(b"k&", expected_string.encode(), hashlib.sha1).digest()
    ).decode()
    assert aliyun_signature(params, "k") == expected


def test_aliyun_errors_become_sms_errors_with_the_code():
    _, transport = recording({"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发流控"})
    with pytest.raises(SmsError) as failed:
        AliyunBackend(CONFIG, transport=transport).send(
            mobile="13912345678", template="login_code", params={"code": "1"}
        )
    assert failed.value.code == "isv.BUSINESS_LIMIT_CONTROL"


def test_tencent_posts_tc3_signed_json():
    answer = {
        "Response": {"SendStatusSet": [{"Code": "Ok", "SerialNo": "2019:1"}], "RequestId": "r"}
    }
    seen, transport = recording(answer)
    backend = TencentBackend(CONFIG, transport=transport)
    assert (
        backend.send(
            mobile="13912345678", template="login_code", params={"code": "123456", "minutes": "5"}
        )
        == "2019:1"
    )
    request = seen[0]
    assert request.url.host == "sms.tencentcloudapi.com"
    assert request.headers["X-TC-Action"] == "SendSms"
    assert request.headers["X-TC-Version"] == "2021-01-11"
    body = json.loads(request.content)
    assert body["PhoneNumberSet"] == ["+8613912345678"]
    assert body["SmsSdkAppId"] == "1400000000"
    assert body["TemplateId"] == "SMS_1234"
    assert body["TemplateParamSet"] == ["123456", "5"]
    expected = tencent_authorization(
        secret_id="AKIDtest",
        secret_key="secret-key",
        host="sms.tencentcloudapi.com",
        payload=request.content.decode(),
        timestamp=int(request.headers["X-TC-Timestamp"]),
        service="sms",
    )
    assert request.headers["Authorization"] == expected
    assert expected.startswith("TC3-HMAC-SHA256 Credential=AKIDtest/")


def test_tencent_api_errors_become_sms_errors():
    _, transport = recording(
        {"Response": {"Error": {"Code": "AuthFailure.SignatureFailure", "Message": "bad"}}}
    )
    with pytest.raises(SmsError) as failed:
        TencentBackend(CONFIG, transport=transport).send(
            mobile="13912345678", template="login_code", params={"code": "1"}
        )
    assert failed.value.code == "AuthFailure.SignatureFailure"


def test_an_unreachable_provider_is_an_sms_error():
    def down(request):
        raise httpx.ConnectError("no route")

    with pytest.raises(SmsError):
        AliyunBackend(CONFIG, transport=httpx.MockTransport(down)).send(
            mobile="13912345678", template="login_code", params={"code": "1"}
        )


def test_settings_pick_the_backend(settings):
    settings.SMS_BACKEND = "tencent"
    settings.SMS_API_BASE = "http://127.0.0.1:9/"
    backend = get_backend()
    assert isinstance(backend, TencentBackend)
    assert backend.config.api_base == "http://127.0.0.1:9/"
