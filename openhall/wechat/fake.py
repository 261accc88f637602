"""A fake WeChat API server: token, stable_token, OAuth, menu, template and subscribe sends.

Used three ways: in-process by tests (`FakeWechat().transport()` for httpx), as a local HTTP
server (`serve_in_thread()`: tests across processes, and `openhall serve --fake-wechat`, which
`make run` uses, so the web server and the worker share one fake), and mounted at /wechat/fake/
in development (`WECHAT_FAKE_SERVER=true` alone: one fake per process).

It reproduces the behaviour our code depends on, including errors: 40001 (invalid
credential), 40029 (invalid code), 40163 (code used), 42001 (token expired), 43101 (user
did not subscribe), 45009 (daily quota), 48001 (scope not authorised).
"""

import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

OPENID_COOKIE = "fake_wechat_openid"
MENU_TOP_BYTES, MENU_SUB_BYTES, MENU_KEY_BYTES, MENU_URL_BYTES = 16, 60, 128, 1024


@dataclass
class FakeUser:
    openid: str
    unionid: str = ""
    nickname: str = "微信用户"
    snapshot: bool = False  # 朋友圈快照页: a virtual user


@dataclass
class FakeWechat:
    app_id: str = "wx0000000000000test"
    app_secret: str = "fake-secret"  # noqa: S105 — the fake's, matching dev settings
    daily_template_quota: int = 1000
    users: dict[str, FakeUser] = field(default_factory=dict)
    # token → expiry (monotonic); a plain /token fetch invalidates earlier plain tokens
    tokens: dict[str, float] = field(default_factory=dict)
    stable_token: str = ""
    stable_force_count: int = 0
    codes: dict[str, tuple[str, str, float]] = field(default_factory=dict)  # code → openid, scope
    used_codes: set[str] = field(default_factory=set)
    oauth_tokens: dict[str, tuple[str, str]] = field(default_factory=dict)  # → openid, scope
    menu: dict | None = None
    templates_sent: list[dict] = field(default_factory=list)
    subscribe_sent: list[dict] = field(default_factory=list)
    subscribe_quota: dict[tuple[str, str], int] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    fail_next: dict[str, int] = field(default_factory=dict)  # path → errcode, once
    lock: threading.Lock = field(default_factory=threading.Lock)

    # --- helpers for tests -------------------------------------------------------------------
    def add_user(self, openid: str, unionid: str = "", **extra) -> FakeUser:
        user = FakeUser(openid=openid, unionid=unionid, **extra)
        self.users[openid] = user
        return user

    def authorize(self, openid: str, scope: str = "snsapi_base") -> str:
        """What happens when the person taps 'allow': a single-use code for our redirect."""
        if openid not in self.users:
            self.add_user(openid)
        code = "code-" + secrets.token_hex(8)
        self.codes[code] = (openid, scope, time.monotonic() + 300)
        return code

    def allow_subscribe(self, openid: str, template_id: str) -> None:
        key = (openid, template_id)
        self.subscribe_quota[key] = self.subscribe_quota.get(key, 0) + 1

    def expire_tokens(self) -> None:
        self.tokens = {t: 0.0 for t in self.tokens}
        self.stable_token = ""

    def count(self, path: str) -> int:
        return sum(1 for call in self.calls if call == path)

    # --- the API ----------------------------------------------------------------------------
    def handle(
        self, method: str, path: str, query: dict[str, str], body: bytes
    ) -> tuple[int, dict | str]:
        path = "/" + path.strip("/")
        with self.lock:
            self.calls.append(path)
            if path in self.fail_next:
                code = self.fail_next.pop(path)
                return 200, {"errcode": code, "errmsg": f"fake error {code}"}
            data = json.loads(body or b"{}") if method == "POST" and body else {}
            handler = ROUTES.get(path)
            if handler is None:
                return 404, {"errcode": 404, "errmsg": "not found"}
            return handler(self, query, data)

    def _new_token(self) -> str:
        return "ACCESS_" + secrets.token_hex(12)

    def _check_token(self, query) -> dict | None:
        token = query.get("access_token", "")
        if token == self.stable_token and token:
            return None
        if token not in self.tokens:
            return {"errcode": 40001, "errmsg": "invalid credential"}
        if self.tokens[token] < time.monotonic():
            return {"errcode": 42001, "errmsg": "access_token expired"}
        return None

    def token(self, query, data):
        if query.get("appid") != self.app_id or query.get("secret") != self.app_secret:
            return 200, {"errcode": 40001, "errmsg": "invalid credential"}
        # A plain fetch invalidates every earlier plain token (the trap stable_token avoids).
        self.tokens = {}
        token = self._new_token()
        self.tokens[token] = time.monotonic() + 7200
        return 200, {"access_token": token, "expires_in": 7200}

    def stable(self, query, data):
        if data.get("appid") != self.app_id or data.get("secret") != self.app_secret:
            return 200, {"errcode": 40001, "errmsg": "invalid credential"}
        if data.get("force_refresh") or not self.stable_token:
            if data.get("force_refresh"):
                self.stable_force_count += 1
            self.stable_token = "STABLE_" + secrets.token_hex(12)
        return 200, {"access_token": self.stable_token, "expires_in": 7200}

    def oauth_token(self, query, data):
        code = query.get("code", "")
        if code in self.used_codes:
            return 200, {"errcode": 40163, "errmsg": "code been used"}
        entry = self.codes.pop(code, None)
        if entry is None or entry[2] < time.monotonic():
            return 200, {"errcode": 40029, "errmsg": "invalid code"}
        self.used_codes.add(code)
        openid, scope, _ = entry
        user = self.users[openid]
        token = "OAUTH_" + secrets.token_hex(8)
        self.oauth_tokens[token] = (openid, scope)
        answer = {
            "access_token": token,
            "expires_in": 7200,
            "refresh_token": "REFRESH_" + secrets.token_hex(8),
            "openid": openid,
            "scope": scope,
        }
        if scope == "snsapi_userinfo" and user.unionid:
            answer["unionid"] = user.unionid
        if user.snapshot:
            answer["is_snapshotuser"] = 1
        return 200, answer

    def userinfo(self, query, data):
        openid, scope = self.oauth_tokens.get(query.get("access_token", ""), ("", ""))
        if not openid:
            return 200, {"errcode": 40001, "errmsg": "invalid credential"}
        if scope != "snsapi_userinfo":
            return 200, {"errcode": 48001, "errmsg": "api unauthorized"}
        user = self.users[openid]
        return 200, {"openid": openid, "nickname": user.nickname, "unionid": user.unionid}

    def menu_create(self, query, data):
        if error := self._check_token(query):
            return 200, error
        buttons = data.get("button") or []
        if not 1 <= len(buttons) <= 3:
            return 200, {"errcode": 40017, "errmsg": "invalid button size"}
        for button in buttons:
            if len(button.get("name", "").encode()) > MENU_TOP_BYTES:
                return 200, {"errcode": 40018, "errmsg": "invalid button name size"}
            subs = button.get("sub_button") or []
            if len(subs) > 5:
                return 200, {"errcode": 40017, "errmsg": "invalid sub button size"}
            for sub in subs:
                if len(sub.get("name", "").encode()) > MENU_SUB_BYTES:
                    return 200, {"errcode": 40018, "errmsg": "invalid button name size"}
        self.menu = data
        return 200, {"errcode": 0, "errmsg": "ok"}

    def template_send(self, query, data):
        if error := self._check_token(query):
            return 200, error
        if data.get("touser") not in self.users:
            return 200, {"errcode": 40003, "errmsg": "invalid openid"}
        if len(self.templates_sent) >= self.daily_template_quota:
            return 200, {"errcode": 45009, "errmsg": "reach max api daily quota limit"}
        for value in (data.get("data") or {}).values():
            text = value.get("value", "")
            if len(text) > 20 or "\n" in text:
                return 200, {"errcode": 47003, "errmsg": "argument invalid! data.value invalid"}
        self.templates_sent.append(data)
        return 200, {"errcode": 0, "errmsg": "ok", "msgid": len(self.templates_sent)}

    def subscribe_send(self, query, data):
        if error := self._check_token(query):
            return 200, error
        key = (data.get("touser"), data.get("template_id"))
        if self.subscribe_quota.get(key, 0) < 1:
            return 200, {"errcode": 43101, "errmsg": "user refuse to accept the msg"}
        self.subscribe_quota[key] -= 1
        self.subscribe_sent.append(data)
        return 200, {"errcode": 0, "errmsg": "ok"}

    def ticket(self, query, data):
        if error := self._check_token(query):
            return 200, error
        return 200, {"errcode": 0, "errmsg": "ok", "ticket": "TICKET_fake", "expires_in": 7200}

    def overview(self, query, data):
        """GET / on the served fake: what our site has sent to "WeChat" so far, to look at."""
        return 200, {
            "menu": self.menu,
            "templates_sent": self.templates_sent,
            "subscribe_sent": self.subscribe_sent,
            "users": sorted(self.users),
        }

    def authorize_page(self, query, data):
        """Dev mode: the OAuth consent page answers at once, as if the person tapped 'allow'."""
        openid = query.get("openid") or "o_dev_" + secrets.token_hex(6)
        code = self.authorize(openid, query.get("scope", "snsapi_base"))
        target = query.get("redirect_uri", "/")
        sep = "&" if "?" in target else "?"
        return 302, target + sep + urlencode({"code": code, "state": query.get("state", "")})

    # --- ways to run it ---------------------------------------------------------------------
    def transport(self) -> httpx.MockTransport:
        def handler(request: httpx.Request) -> httpx.Response:
            query = dict(request.url.params)
            status, answer = self.handle(request.method, request.url.path, query, request.content)
            if status == 302:
                return httpx.Response(302, headers={"Location": answer})
            return httpx.Response(status, json=answer)

        return httpx.MockTransport(handler)

    def serve_in_thread(self, port: int = 0) -> tuple[ThreadingHTTPServer, str]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, method):
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                # The consent page remembers this browser as one WeChat user, like a phone.
                cookie = SimpleCookie(self.headers.get("Cookie", ""))
                if OPENID_COOKIE in cookie and not query.get("openid"):
                    query["openid"] = cookie[OPENID_COOKIE].value
                if parts.path.rstrip("/") == "/connect/oauth2/authorize":
                    query.setdefault("openid", "o_dev_" + secrets.token_hex(6))
                status, answer = fake.handle(method, parts.path, query, body)
                if status == 302:
                    self.send_response(302)
                    self.send_header("Location", answer)
                    self.send_header("Set-Cookie", f"{OPENID_COOKIE}={query['openid']}; Path=/")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                payload = json.dumps(answer, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self):  # noqa: N802
                self._answer("GET")

            def do_POST(self):  # noqa: N802
                self._answer("POST")

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = False
            block_on_close = True  # server_close() waits for open requests: no stray sockets

        server = Server(("127.0.0.1", port), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server, f"http://127.0.0.1:{server.server_address[1]}/"


ROUTES = {
    "/": FakeWechat.overview,
    "/cgi-bin/token": FakeWechat.token,
    "/cgi-bin/stable_token": FakeWechat.stable,
    "/sns/oauth2/access_token": FakeWechat.oauth_token,
    "/sns/userinfo": FakeWechat.userinfo,
    "/cgi-bin/menu/create": FakeWechat.menu_create,
    "/cgi-bin/message/template/send": FakeWechat.template_send,
    "/cgi-bin/message/subscribe/bizsend": FakeWechat.subscribe_send,
    "/cgi-bin/ticket/getticket": FakeWechat.ticket,
    "/connect/oauth2/authorize": FakeWechat.authorize_page,
}

# The one fake that development mode mounts at /wechat/fake/ (per process; fine for `make run`).
DEV_FAKE = FakeWechat()
