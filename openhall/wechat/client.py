"""The WeChat Official Account HTTP API, thin: access token, OAuth, menu, messages, JS-SDK.

The access token comes from `cgi-bin/stable_token`: asking again returns the same token, so
many processes may share it without knocking each other out (a plain `cgi-bin/token` fetch
invalidates the previous one). It is kept in the Django cache (Redis in production) and
refreshed by one process at a time. A call failing with 40001/42001 forces one refresh and is
retried once, never more (wechatpy's auto_retry loops on these; we do not use its client).
"""

import hashlib
import logging
import time
from urllib.parse import urlencode

import httpx
from django.conf import settings
from django.core.cache import cache

log = logging.getLogger(__name__)

TOKEN_ERRORS = {40001, 40014, 42001}
FORCE_REFRESH_GAP = 30  # WeChat refuses forced refreshes closer than 30 s apart


class WechatError(Exception):
    """WeChat answered with an errcode, or could not be reached (errcode -1)."""

    def __init__(self, errcode: int, errmsg: str = ""):
        super().__init__(f"WeChat error {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg

    @property
    def transient(self) -> bool:
        """Worth retrying later: busy, network, quota."""
        return self.errcode in {-1, 45009, 45047} or self.errcode in TOKEN_ERRORS


class WechatClient:
    def __init__(
        self,
        *,
        app_id: str,
        app_secret: str,
        api_base: str,
        transport: httpx.BaseTransport | None = None,
    ):
        self.app_id = app_id
        self.app_secret = app_secret
        self.api_base = api_base.rstrip("/") + "/"
        self.transport = transport
        self.token_key = f"wechat:token:{app_id}"

    # --- HTTP ---------------------------------------------------------------------------------
    def _http(self, method: str, path: str, *, params=None, json=None) -> dict:
        try:
            with httpx.Client(transport=self.transport, timeout=5) as client:
                response = client.request(method, self.api_base + path, params=params, json=json)
            data = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise WechatError(-1, f"unreachable: {exc}") from exc
        if data.get("errcode"):
            raise WechatError(int(data["errcode"]), data.get("errmsg", ""))
        return data

    # --- access token -------------------------------------------------------------------------
    def _fetch_stable(self, *, force: bool) -> str:
        data = self._http(
            "POST",
            "cgi-bin/stable_token",
            json={
                "grant_type": "client_credential",
                "appid": self.app_id,
                "secret": self.app_secret,
                "force_refresh": force,
            },
        )
        token = data["access_token"]
        # Keep it a little shorter than WeChat does, so nobody uses a token in its last minutes.
        cache.set(self.token_key, token, max(60, int(data.get("expires_in", 7200)) - 300))
        return token

    def access_token(self) -> str:
        token = cache.get(self.token_key)
        if token:
            return token
        lock = self.token_key + ":lock"
        if cache.add(lock, 1, 10):
            try:
                return cache.get(self.token_key) or self._fetch_stable(force=False)
            finally:
                cache.delete(lock)
        # Another process is refreshing: wait for its token rather than asking WeChat too.
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            time.sleep(0.05)
            if token := cache.get(self.token_key):
                return token
        return self._fetch_stable(force=False)  # stable_token: harmless if both ask

    def _replace_token(self, failed: str) -> str:
        current = cache.get(self.token_key)
        if current and current != failed:
            return current  # someone else already replaced it
        cache.delete(self.token_key)
        force = cache.add(self.token_key + ":forced", 1, FORCE_REFRESH_GAP)
        return self._fetch_stable(force=force)

    def call(self, method: str, path: str, *, params=None, json=None) -> dict:
        """An authenticated API call; on an invalid or expired token, one refresh and one retry."""
        token = self.access_token()
        try:
            return self._http(
                method, path, params={**(params or {}), "access_token": token}, json=json
            )
        except WechatError as exc:
            if exc.errcode not in TOKEN_ERRORS:
                raise
            log.warning("WeChat token refused (%s); refreshing once", exc.errcode)
        token = self._replace_token(token)
        return self._http(method, path, params={**(params or {}), "access_token": token}, json=json)

    # --- OAuth (web pages opened inside WeChat) -------------------------------------------------
    def oauth_url(self, *, redirect_uri: str, scope: str = "snsapi_base", state: str = "") -> str:
        query = urlencode(
            {
                "appid": self.app_id,
                "redirect_uri": redirect_uri,
                "response_type": "code",
                "scope": scope,
                "state": state,
            }
        )
        base = settings.WECHAT_OAUTH_BASE or (
            "/wechat/fake" if settings.WECHAT_FAKE_SERVER else "https://open.weixin.qq.com"
        )
        return f"{base.rstrip('/')}/connect/oauth2/authorize?{query}#wechat_redirect"

    def oauth_exchange(self, code: str) -> dict:
        return self._http(
            "GET",
            "sns/oauth2/access_token",
            params={
                "appid": self.app_id,
                "secret": self.app_secret,
                "code": code,
                "grant_type": "authorization_code",
            },
        )

    def oauth_userinfo(self, *, access_token: str, openid: str) -> dict:
        return self._http(
            "GET",
            "sns/userinfo",
            params={"access_token": access_token, "openid": openid, "lang": "zh_CN"},
        )

    # --- menu and messages ------------------------------------------------------------------------
    def menu_create(self, menu: dict) -> None:
        self.call("POST", "cgi-bin/menu/create", json=menu)

    def template_send(
        self, *, openid: str, template_id: str, data: dict[str, str], url: str = ""
    ) -> str:
        payload = {
            "touser": openid,
            "template_id": template_id,
            "data": {key: {"value": value} for key, value in data.items()},
        }
        if url:
            payload["url"] = url
        return str(
            self.call("POST", "cgi-bin/message/template/send", json=payload).get("msgid", "")
        )

    def subscribe_send(
        self, *, openid: str, template_id: str, data: dict[str, str], url: str = ""
    ) -> None:
        payload = {
            "touser": openid,
            "template_id": template_id,
            "data": {key: {"value": value} for key, value in data.items()},
        }
        if url:
            payload["page"] = url
        self.call("POST", "cgi-bin/message/subscribe/bizsend", json=payload)

    # --- JS-SDK -------------------------------------------------------------------------------------
    def jsapi_ticket(self) -> str:
        key = f"wechat:jsapi:{self.app_id}"
        if ticket := cache.get(key):
            return ticket
        data = self.call("GET", "cgi-bin/ticket/getticket", params={"type": "jsapi"})
        cache.set(key, data["ticket"], max(60, int(data.get("expires_in", 7200)) - 300))
        return data["ticket"]


def jssdk_signature(*, ticket: str, noncestr: str, timestamp: int, url: str) -> str:
    url = url.split("#", 1)[0]  # cut at '#', not escaped
    raw = f"jsapi_ticket={ticket}&noncestr={noncestr}&timestamp={timestamp}&url={url}"
    return hashlib.sha1(raw.encode()).hexdigest()  # noqa: S324 — WeChat's algorithm


def is_configured() -> bool:
    return bool(settings.WECHAT_APP_ID and settings.WECHAT_APP_SECRET)


def get_client(transport: httpx.BaseTransport | None = None) -> WechatClient:
    if transport is None and settings.WECHAT_FAKE_SERVER and not settings.WECHAT_API_BASE:
        from openhall.wechat.fake import DEV_FAKE

        transport = DEV_FAKE.transport()
    return WechatClient(
        app_id=settings.WECHAT_APP_ID,
        app_secret=settings.WECHAT_APP_SECRET,
        api_base=settings.WECHAT_API_BASE or "https://api.weixin.qq.com/",
        transport=transport or _TEST_TRANSPORT,
    )


# Tests point every client at a fake with `use_transport(fake.transport())`.
_TEST_TRANSPORT: httpx.BaseTransport | None = None


def use_transport(transport: httpx.BaseTransport | None) -> None:
    global _TEST_TRANSPORT  # noqa: PLW0603
    _TEST_TRANSPORT = transport
