"""TTLock cloud Open API v3 over httpx: passcodes with periods written through the lock's
gateway, remote unlock, and the webhook's records. Facts: shared/reference/locks.md.

- One access token for all processes, kept in the cache; on 10004 (token invalid or expired)
  it is fetched again and the call retried once — never in a loop.
- Every call carries `date` (ms). 80000 means our clock and theirs disagree: retried once.
- Errors come as HTTP 200 with an errcode; LockError.transient says whether retrying can help
  (gateway offline or busy, rate limit, the vague errcode 1) or not (no space, not supported).
"""

import hashlib
import time
from datetime import datetime

import httpx
from django.conf import settings
from django.core.cache import cache

from openhall.access.drivers.base import Lock, LockError

NAME = "OpenHall"  # the name our codes carry on the lock: the only codes we ever adopt
TOKEN_KEY = "ttlock:access-token"  # noqa: S105 — a cache key, not a secret
TRANSIENT = {1, 30006, 80000, 90000, -3002, -3003, -3036, -3037, 10004}
GONE = {-1003, -1021, -1023}  # deleting what the lock no longer has: already done
_transport: httpx.BaseTransport | None = None


def use_transport(transport: httpx.BaseTransport | None) -> None:
    """Tests point the driver at the fake TTLock server."""
    global _transport
    _transport = transport


def _ms(moment: datetime | None = None) -> int:
    return int((moment.timestamp() if moment else time.time()) * 1000)


class TTLockDriver:
    native_windows = True  # periods are kept by the lock: a code expires even if offline

    def __init__(self):
        self.base = settings.TTLOCK_API_BASE.rstrip("/")

    def _client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base, timeout=10, transport=_transport)

    def _token(self, *, fresh: bool = False) -> str:
        token = None if fresh else cache.get(TOKEN_KEY)
        if token:
            return token
        password = hashlib.md5(settings.TTLOCK_PASSWORD.encode()).hexdigest()  # noqa: S324 — their API
        with self._client() as http:
            reply = http.post(
                "/oauth2/token",
                data={
                    "clientId": settings.TTLOCK_CLIENT_ID,
                    "clientSecret": settings.TTLOCK_CLIENT_SECRET,
                    "username": settings.TTLOCK_USERNAME,
                    "password": password,
                },
            ).json()
        if "access_token" not in reply:
            raise LockError(
                f"TTLock 登录失败：{reply.get('errmsg', reply)}",
                transient=False,
                code=str(reply.get("errcode", "")),
            )
        cache.set(
            TOKEN_KEY, reply["access_token"], timeout=int(reply.get("expires_in", 7200)) - 600
        )
        return reply["access_token"]

    def _call(self, path: str, params: dict, *, retried: bool = False) -> dict:
        data = {
            "clientId": settings.TTLOCK_CLIENT_ID,
            "accessToken": self._token(fresh=retried),
            "date": _ms(),
            **params,
        }
        try:
            with self._client() as http:
                reply = http.post(path, data=data).json()
        except (httpx.HTTPError, ValueError) as exc:
            raise LockError(f"TTLock 无法连接：{exc}") from exc
        code = reply.get("errcode", 0) if isinstance(reply, dict) else 0
        if code in (10003, 10004, 80000) and not retried:
            return self._call(path, params, retried=True)
        if code:
            raise LockError(
                f"TTLock {code}：{reply.get('description') or reply.get('errmsg')}",
                transient=code in TRANSIENT,
                code=str(code),
            )
        return reply

    def add_passcode(self, lock: Lock, code: str, starts_at: datetime, ends_at: datetime) -> str:
        try:
            reply = self._call(
                "/v3/keyboardPwd/add",
                {
                    "lockId": lock.device_id,
                    "keyboardPwd": code,
                    "keyboardPwdName": NAME,
                    "keyboardPwdType": 3,
                    "startDate": _ms(starts_at),
                    "endDate": _ms(ends_at),
                    "addType": 2,
                },
            )
        except LockError as exc:
            if exc.code != "-3007":
                raise
            # Duplicate: a worker that died after writing it left it there. Ours (by name and
            # code) is adopted; anyone else's code is never touched.
            return self._adopt(lock, code, exc)
        return str(reply["keyboardPwdId"])

    def _adopt(self, lock: Lock, code: str, exc: LockError) -> str:
        reply = self._call(
            "/v3/lock/listKeyboardPwd", {"lockId": lock.device_id, "pageNo": 1, "pageSize": 200}
        )
        for item in reply.get("list", []):
            if str(item.get("keyboardPwd")) == code and item.get("keyboardPwdName") == NAME:
                return str(item["keyboardPwdId"])
        raise LockError(
            "门锁上已有相同的密码（非本系统创建）", transient=False, code="-3007"
        ) from exc

    def our_passcodes(self, lock: Lock) -> list[str]:
        """Every passcode named "OpenHall" on the lock, page by page (keyboardPwd list)."""
        found, page = [], 1
        while True:
            reply = self._call(
                "/v3/lock/listKeyboardPwd",
                {"lockId": lock.device_id, "pageNo": page, "pageSize": 200},
            )
            items = reply.get("list", [])
            found += [str(i["keyboardPwdId"]) for i in items if i.get("keyboardPwdName") == NAME]
            if len(items) < 200 or page >= 50:
                return found
            page += 1

    def delete_passcode(self, lock: Lock, external_id: str) -> None:
        self._delete(
            "/v3/keyboardPwd/delete",
            {"lockId": lock.device_id, "keyboardPwdId": external_id, "deleteType": 2},
        )

    def add_card(self, lock: Lock, card_number: str, starts_at: datetime, ends_at: datetime) -> str:
        reply = self._call(
            "/v3/identityCard/add",
            {
                "lockId": lock.device_id,
                "cardNumber": card_number,
                "cardName": "OpenHall",
                "startDate": _ms(starts_at),
                "endDate": _ms(ends_at),
                "addType": 2,
            },
        )
        return str(reply["cardId"])

    def delete_card(self, lock: Lock, external_id: str) -> None:
        self._delete(
            "/v3/identityCard/delete",
            {"lockId": lock.device_id, "cardId": external_id, "deleteType": 2},
        )

    def set_fingerprint(self, lock: Lock, fingerprint_id: str, starts_at, ends_at) -> str:
        self._call(
            "/v3/fingerprint/changePeriod",
            {
                "lockId": lock.device_id,
                "fingerprintId": fingerprint_id,
                "startDate": _ms(starts_at),
                "endDate": _ms(ends_at),
                "changeType": 2,
            },
        )
        return fingerprint_id

    def delete_fingerprint(self, lock: Lock, external_id: str) -> None:
        self._delete(
            "/v3/fingerprint/delete",
            {"lockId": lock.device_id, "fingerprintId": external_id, "deleteType": 2},
        )

    def _delete(self, path: str, params: dict) -> None:
        try:
            self._call(path, params)
        except LockError as exc:
            if exc.code and int(exc.code) in GONE:
                return
            raise

    def records(self, lock: Lock, since_ms: int, until_ms: int) -> list[dict]:
        """Polling, the webhook's fallback: the lock's records in a period (newest 200)."""
        reply = self._call(
            "/v3/lockRecord/list",
            {
                "lockId": lock.device_id,
                "startDate": since_ms,
                "endDate": until_ms,
                "pageNo": 1,
                "pageSize": 200,
            },
        )
        return reply.get("list", [])

    def unlock(self, lock: Lock) -> None:
        self._call("/v3/lock/unlock", {"lockId": lock.device_id})

    def open_state(self, lock: Lock) -> str:
        reply = self._call("/v3/lock/queryOpenState", {"lockId": lock.device_id})
        return {0: "locked", 1: "unlocked"}.get(reply.get("state"), "unknown")


# recordType → our method (shared/reference/locks.md)
RECORD_METHODS = {4: "pin", 7: "card", 8: "fingerprint", 12: "remote", 1: "remote"}


def webhook_records(form) -> list[dict]:
    """The webhook's form (notifyType=1, lockId, records = a JSON array as a string) as events
    we log; the key identifies a record however often it is delivered."""
    import json

    try:
        records = json.loads(form.get("records") or "[]")
    except ValueError:
        return []
    lock_id = str(form.get("lockId", ""))
    found = []
    for record in records if isinstance(records, list) else []:
        kind = int(record.get("recordType", 0) or 0)
        if kind not in RECORD_METHODS:
            continue  # locking, mechanical key … not an access attempt we log
        pin = str(record.get("keyboardPwd") or "")
        found.append(
            {
                "lock_id": lock_id,
                "method": RECORD_METHODS[kind],
                "opened": int(record.get("success", 0) or 0) == 1,
                "at_ms": int(record.get("lockDate") or record.get("serverDate") or 0),
                "pin": pin,
                "battery": record.get("electricQuantity"),
                "key": f"ttlock:{lock_id}:{record.get('lockDate')}:{kind}:{pin}",
            }
        )
    return found
