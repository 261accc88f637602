"""SMS behind one small interface. `SMS_BACKEND` picks console (default), aliyun or tencent.

In core because signing in (accounts) and notices (notifications) both send SMS, and core is
the lowest layer both stand on.

Templates are registered with the provider in advance; we send a template id and its
parameters, never free text (both providers require it for mainland numbers).
"""

import base64
import hashlib
import hmac
import json
import logging
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)

# Our template names → the text the console backend prints (providers hold their own copy).
TEMPLATES = {
    "login_code": "【{sign}】您的验证码为{code}，{minutes}分钟内有效。如非本人操作，请忽略本短信。",
    "notice": "【{sign}】{title}：{body}",
}


class SmsError(Exception):
    """The provider refused or could not be reached; `code` is the provider's error code."""

    def __init__(self, message: str, code: str = ""):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class SmsConfig:
    access_key_id: str = ""
    access_key_secret: str = ""
    sign_name: str = ""
    templates: dict | None = None  # our template name → provider template id
    app_id: str = ""  # Tencent SmsSdkAppId
    region: str = ""
    api_base: str = ""


class SmsBackend:
    name = "base"

    def __init__(self, config: SmsConfig, transport: httpx.BaseTransport | None = None):
        self.config = config
        self.transport = transport

    def template_id(self, template: str) -> str:
        try:
            return (self.config.templates or {})[template]
        except KeyError:
            raise SmsError(f"no provider template configured for {template!r}") from None

    def send(self, *, mobile: str, template: str, params: dict[str, str]) -> str:
        """Send and return the provider's message id; raise SmsError on failure."""
        raise NotImplementedError

    def _client(self) -> httpx.Client:
        return httpx.Client(transport=self.transport, timeout=10)


def _aliyun_quote(value: str) -> str:
    return quote(value, safe="~")


def aliyun_signature(params: dict[str, str], secret: str, method: str = "POST") -> str:
    """Aliyun RPC signature v1: HMAC-SHA1 over the sorted, percent-encoded query."""
    canonical = "&".join(
        f"{_aliyun_quote(k)}={_aliyun_quote(v)}" for k, v in sorted(params.items())
    )
    to_sign = f"{method}&{_aliyun_quote('/')}&{_aliyun_quote(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunBackend(SmsBackend):
    """Aliyun Dysms `SendSms` (API version 2017-05-25), RPC style, form-encoded POST."""

    name = "aliyun"
    default_base = "https://dysmsapi.aliyuncs.com/"

    def send(self, *, mobile: str, template: str, params: dict[str, str]) -> str:
        cfg = self.config
        query = {
            "Action": "SendSms",
            "Version": "2017-05-25",
            "Format": "JSON",
            "AccessKeyId": cfg.access_key_id,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureVersion": "1.0",
            "SignatureNonce": uuid.uuid4().hex,
            "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "RegionId": cfg.region or "cn-hangzhou",
            "PhoneNumbers": mobile,
            "SignName": cfg.sign_name,
            "TemplateCode": self.template_id(template),
            "TemplateParam": json.dumps(params, ensure_ascii=False, separators=(",", ":")),
        }
        query["Signature"] = aliyun_signature(query, cfg.access_key_secret)
        try:
            with self._client() as client:
                response = client.post(cfg.api_base or self.default_base, data=query)
            data = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise SmsError(f"Aliyun SMS unreachable: {exc}") from exc
        if data.get("Code") != "OK":
            raise SmsError(data.get("Message", "Aliyun SMS failed"), code=data.get("Code", ""))
        return data.get("BizId", "")


def tencent_authorization(
    *, secret_id: str, secret_key: str, host: str, payload: str, timestamp: int, service: str
) -> str:
    """Tencent Cloud API v3 signature (TC3-HMAC-SHA256) for a JSON POST to `/`."""
    day = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    canonical = "\n".join(
        [
            "POST",
            "/",
            "",
            f"content-type:application/json; charset=utf-8\nhost:{host}\n",
            "content-type;host",
            hashlib.sha256(payload.encode()).hexdigest(),
        ]
    )
    scope = f"{day}/{service}/tc3_request"
    to_sign = "\n".join(
        ["TC3-HMAC-SHA256", str(timestamp), scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )

    def _hmac(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    key = _hmac(_hmac(_hmac(("TC3" + secret_key).encode(), day), service), "tc3_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return (
        f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, "
        f"SignedHeaders=content-type;host, Signature={signature}"
    )


class TencentBackend(SmsBackend):
    """Tencent Cloud SMS `SendSms` (API version 2021-01-11), JSON POST signed with TC3."""

    name = "tencent"
    default_base = "https://sms.tencentcloudapi.com/"

    def send(self, *, mobile: str, template: str, params: dict[str, str]) -> str:
        cfg = self.config
        url = cfg.api_base or self.default_base
        host = urlsplit(url).netloc
        payload = json.dumps(
            {
                "PhoneNumberSet": [f"+86{mobile}"],
                "SmsSdkAppId": cfg.app_id,
                "SignName": cfg.sign_name,
                "TemplateId": self.template_id(template),
                # Tencent templates take positional parameters, in our dict's order.
                "TemplateParamSet": [str(v) for v in params.values()],
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )
        timestamp = int(time.time())
        headers = {
            "Authorization": tencent_authorization(
                secret_id=cfg.access_key_id,
                secret_key=cfg.access_key_secret,
                host=host,
                payload=payload,
                timestamp=timestamp,
                service="sms",
            ),
            "Content-Type": "application/json; charset=utf-8",
            "Host": host,
            "X-TC-Action": "SendSms",
            "X-TC-Version": "2021-01-11",
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Region": cfg.region or "ap-guangzhou",
        }
        try:
            with self._client() as client:
                response = client.post(url, content=payload.encode(), headers=headers)
            data = response.json().get("Response", {})
        except (httpx.HTTPError, ValueError, AttributeError) as exc:
            raise SmsError(f"Tencent SMS unreachable: {exc}") from exc
        if "Error" in data:
            raise SmsError(data["Error"].get("Message", ""), code=data["Error"].get("Code", ""))
        statuses = data.get("SendStatusSet") or [{}]
        if statuses[0].get("Code") != "Ok":
            raise SmsError(
                statuses[0].get("Message", "Tencent SMS failed"), statuses[0].get("Code", "")
            )
        return statuses[0].get("SerialNo", "")


# The console backend is named by its path, as SMS_BACKEND may name any backend: it keeps what
# it "sent" in the notifications app's table for staff to read, and core imports no app.
BACKENDS = {
    "console": "openhall.notifications.console_sms.ConsoleBackend",
    "aliyun": AliyunBackend,
    "tencent": TencentBackend,
}


def get_backend(transport: httpx.BaseTransport | None = None) -> SmsBackend:
    name = settings.SMS_BACKEND
    cls: Any = BACKENDS.get(name, name)
    if isinstance(cls, str):
        cls = import_string(cls)
    config = SmsConfig(
        access_key_id=settings.SMS_ACCESS_KEY_ID,
        access_key_secret=settings.SMS_ACCESS_KEY_SECRET,
        sign_name=settings.SMS_SIGN_NAME,
        templates=settings.SMS_TEMPLATES,
        app_id=settings.SMS_APP_ID,
        region=settings.SMS_REGION,
        api_base=settings.SMS_API_BASE,
    )
    return cls(config, transport=transport)


def sms_send(*, mobile: str, template: str, params: dict[str, str]) -> str:
    return get_backend().send(mobile=mobile, template=template, params=params)


def new_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"
