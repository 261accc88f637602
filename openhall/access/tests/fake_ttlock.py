"""A fake TTLock cloud for the tests, answering as the real one does (shared/reference/locks.md):
HTTP 200 with errcodes, tokens that expire (10004), a 5-minute date window (80000), 250 codes a
lock (-3009), duplicate codes (-3007), and injectable faults (gateway offline -3002, busy -3003,
rate limit 30006, the vague errcode 1), once or for a share of calls."""

import json
import random
import time
from urllib.parse import parse_qs

import httpx


class FakeTTLock:
    def __init__(self, *, fail_share: float = 0.0, seed: int = 7):
        self.tokens: set[str] = set()
        self.codes: dict[str, dict[int, dict]] = {}  # lockId → keyboardPwdId → code
        self.next_id = 1000
        self.fail_next: dict[str, int] = {}  # path → errcode, once
        self.fail_share = fail_share  # a share of /v3 calls fail with a transient code
        self.random = random.Random(seed)
        self.unlocked: list[str] = []
        self.cards: dict[str, dict[int, dict]] = {}
        self.fingerprints: dict[str, dict[str, tuple]] = {}  # enrolled at the lock (Bluetooth)
        self.records: dict[str, list[dict]] = {}  # what /v3/lockRecord/list answers
        self.calls: list[str] = []

    def expire_tokens(self) -> None:
        self.tokens.clear()

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def _answer(self, body) -> httpx.Response:
        return httpx.Response(
            200, content=json.dumps(body).encode(), headers={"content-type": "application/json"}
        )

    def _error(self, code: int, text: str = "") -> httpx.Response:
        return self._answer({"errcode": code, "errmsg": text or "error", "description": text})

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        self.calls.append(path)
        if path == "/oauth2/token":
            token = f"tok{len(self.tokens) + 1}{self.random.randrange(10**6)}"
            self.tokens.add(token)
            return self._answer(
                {"access_token": token, "uid": 1, "refresh_token": "r", "expires_in": 7776000}
            )
        if form.get("accessToken") not in self.tokens:
            return self._error(10004, "invalid token")
        if abs(int(form.get("date", 0)) - time.time() * 1000) > 5 * 60 * 1000:
            return self._error(80000, "date must be current time, in 5 minutes")
        if path in self.fail_next:
            return self._error(self.fail_next.pop(path), "injected")
        if self.fail_share and self.random.random() < self.fail_share:
            return self._error(self.random.choice([-3002, -3003, 30006, 1]), "flaky")
        lock = form.get("lockId", "")
        if path == "/v3/keyboardPwd/add":
            codes = self.codes.setdefault(lock, {})
            if any(c["code"] == form["keyboardPwd"] for c in codes.values()):
                return self._error(-3007, "重复的密码")
            if len(codes) >= 250:
                return self._error(-3009, "密码空间已满")
            self.next_id += 1
            codes[self.next_id] = {
                "code": form["keyboardPwd"],
                "start": int(form["startDate"]),
                "end": int(form["endDate"]),
                "name": form.get("keyboardPwdName", ""),
            }
            return self._answer({"keyboardPwdId": self.next_id})
        if path == "/v3/lock/listKeyboardPwd":
            return self._answer(
                {
                    "list": [
                        {
                            "keyboardPwdId": pid,
                            "keyboardPwd": c["code"],
                            "keyboardPwdName": c["name"],
                        }
                        for pid, c in self.codes.get(lock, {}).items()
                    ],
                    "pageNo": 1,
                }
            )
        if path == "/v3/keyboardPwd/delete":
            if self.codes.get(lock, {}).pop(int(form["keyboardPwdId"]), None) is None:
                return self._error(-1003, "not found")
            return self._answer({"errcode": 0, "errmsg": "none error message"})
        if path == "/v3/identityCard/add":
            self.next_id += 1
            self.cards.setdefault(lock, {})[self.next_id] = {
                "card": form["cardNumber"],
                "start": int(form["startDate"]),
                "end": int(form["endDate"]),
            }
            return self._answer({"cardId": self.next_id})
        if path == "/v3/identityCard/delete":
            if self.cards.get(lock, {}).pop(int(form["cardId"]), None) is None:
                return self._error(-1021, "card not found")
            return self._answer({"errcode": 0, "errmsg": "none error message"})
        if path == "/v3/fingerprint/changePeriod":
            if form["fingerprintId"] not in self.fingerprints.get(lock, {}):
                return self._error(-1023, "fingerprint not found")
            self.fingerprints[lock][form["fingerprintId"]] = (
                int(form["startDate"]),
                int(form["endDate"]),
            )
            return self._answer({"errcode": 0, "errmsg": "none error message"})
        if path == "/v3/fingerprint/delete":
            if self.fingerprints.get(lock, {}).pop(form["fingerprintId"], None) is None:
                return self._error(-1023, "fingerprint not found")
            return self._answer({"errcode": 0, "errmsg": "none error message"})
        if path == "/v3/lockRecord/list":
            return self._answer({"list": self.records.get(lock, []), "pageNo": 1, "total": 1})
        if path == "/v3/lock/queryOpenState":
            return self._answer({"state": 1 if lock in self.unlocked else 0})
        if path == "/v3/lock/unlock":
            self.unlocked.append(lock)
            return self._answer({"errcode": 0, "errmsg": "none error message"})
        return self._error(-3, "invalid parameter")

    def valid(self, lock: str, code: str, at_ms: int) -> bool:
        return any(
            c["code"] == code and c["start"] <= at_ms < c["end"]
            for c in self.codes.get(lock, {}).values()
        )
