"""Zigbee2MQTT locks over an MQTT broker (paho-mqtt). Facts: shared/reference/locks.md.

The lock keeps PIN slots but no time windows: the reconciler writes a code when its window
opens and clears it when it ends (`native_windows = False`). A write counts as done only when the
lock's state, read back, shows the slot enabled (or, for a clear, available): battery locks
sleep and silently drop commands, so an unconfirmed write is a transient error, retried.

`Door.device_id` is the lock's Zigbee2MQTT friendly name; the broker is `MQTT_URL`.
"""

import json
import threading
from urllib.parse import urlsplit

from django.conf import settings

from openhall.access.drivers.base import Lock, LockError

CONFIRM_SECONDS = 5.0
SLOTS = 30


class _Session:
    """One connection for one command: subscribe to the lock's state, send, wait for proof."""

    def __init__(self, name: str):
        import paho.mqtt.client as mqtt

        url = urlsplit(settings.MQTT_URL or "mqtt://127.0.0.1:1883")
        self.topic = f"zigbee2mqtt/{name}"
        self.state: dict = {}
        self.changed = threading.Condition()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
        if url.username:
            self.client.username_pw_set(url.username, url.password)
        self.client.on_message = self._on_message
        try:
            self.client.connect(url.hostname or "127.0.0.1", url.port or 1883, keepalive=30)
        except OSError as exc:
            raise LockError(f"MQTT 代理无法连接：{exc}", code="broker_down") from exc
        self.client.subscribe(self.topic, qos=1)
        self.client.loop_start()

    def _on_message(self, client, userdata, message):
        try:
            state = json.loads(message.payload or b"{}")
        except ValueError:
            return
        with self.changed:
            self.state = {**self.state, **state}
            self.changed.notify_all()

    def send(self, suffix: str, payload: dict) -> None:
        self.client.publish(f"{self.topic}/{suffix}", json.dumps(payload), qos=1)

    def wait_for(self, test, seconds: float = CONFIRM_SECONDS) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: test(self.state), timeout=seconds)

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


def _slot_status(state: dict, slot: int) -> str:
    return str(((state.get("users") or {}).get(str(slot)) or {}).get("status", ""))


class MqttDriver:
    native_windows = False

    def _session(self, lock: Lock) -> _Session:
        if not lock.device_id:
            raise LockError("门锁未填写 Zigbee2MQTT 名称。", transient=False, code="no_device")
        return _Session(lock.device_id)

    def add_passcode(self, lock: Lock, code, starts_at, ends_at) -> str:
        session = self._session(lock)
        try:
            # The retained state tells which slots are free; slot 0 is the lock's own.
            if not session.wait_for(lambda s: "users" in s, 2.0):
                raise LockError("门锁没有响应（可能在休眠）", code="no_state")
            slot = next(
                (
                    n
                    for n in range(1, SLOTS + 1)
                    if _slot_status(session.state, n) in ("", "available")
                ),
                None,
            )
            if slot is None:
                raise LockError("门锁密码位已满", transient=False, code="no_space")
            session.send(
                "set",
                {
                    "pin_code": {
                        "user": slot,
                        "user_type": "unrestricted",
                        "user_enabled": True,
                        "pin_code": code,
                    }
                },
            )
            session.send("get", {"pin_code": {"user": slot}})
            if not session.wait_for(lambda s: _slot_status(s, slot) == "enabled"):
                raise LockError("写入密码未得到门锁确认", code="unconfirmed")
            return str(slot)
        finally:
            session.close()

    def delete_passcode(self, lock: Lock, external_id: str) -> None:
        slot = int(external_id)
        session = self._session(lock)
        try:
            session.send("set", {"pin_code": {"user": slot, "pin_code": None}})
            session.send("get", {"pin_code": {"user": slot}})
            if not session.wait_for(lambda s: _slot_status(s, slot) == "available"):
                raise LockError("删除密码未得到门锁确认", code="unconfirmed")
        finally:
            session.close()

    def add_card(self, lock: Lock, card_number, starts_at, ends_at) -> str:
        raise LockError("Zigbee2MQTT 门锁不支持远程管理 IC 卡", transient=False, code="unsupported")

    def delete_card(self, lock: Lock, external_id: str) -> None:
        raise LockError("Zigbee2MQTT 门锁不支持远程管理 IC 卡", transient=False, code="unsupported")

    def open_state(self, lock: Lock) -> str:
        session = self._session(lock)
        try:
            if not session.wait_for(lambda s: "state" in s, 2.0):
                return "unknown"
            return {"LOCK": "locked", "UNLOCK": "unlocked"}.get(session.state["state"], "unknown")
        finally:
            session.close()

    set_fingerprint = add_card
    delete_fingerprint = delete_card

    def our_passcodes(self, lock: Lock) -> None:
        return None  # PIN slots are cleared at the end of each window; nothing to list

    def unlock(self, lock: Lock) -> None:
        session = self._session(lock)
        try:
            session.send("set", {"state": "UNLOCK"})
            if not session.wait_for(lambda s: s.get("state") == "UNLOCK"):
                # Not retried blindly: the door may have opened (shared/reference/locks.md).
                raise LockError("开门指令未得到确认", transient=False, code="unconfirmed")
        finally:
            session.close()
