"""A Zigbee2MQTT lock on the far side of a real MQTT broker, for the tests: it keeps PIN slots,
answers /set and /get as Zigbee2MQTT does (publishing its state, retained), and can be told to
sleep (drop commands), as battery locks do."""

import json
import threading
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt


class FakeZigbeeLock:
    def __init__(self, url: str, name: str):
        self.name, self.topic = name, f"zigbee2mqtt/{name}"
        self.users: dict[str, dict] = {}
        self.state = "LOCK"
        self.asleep = False
        self.ready = threading.Event()
        parts = urlsplit(url)
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
        self.client.on_connect = lambda c, u, f, rc, p: (
            c.subscribe(self.topic + "/+", qos=1),
            self.ready.set(),
        )
        self.client.on_message = self._on_message
        self.client.connect(parts.hostname, parts.port or 1883)
        self.client.loop_start()
        self.ready.wait(5)
        self.publish()

    def publish(self) -> None:
        body = {"state": self.state, "battery": 80, "users": self.users}
        self.client.publish(self.topic, json.dumps(body), qos=1, retain=True)

    def _on_message(self, client, userdata, message):
        if self.asleep:
            return
        command = json.loads(message.payload)
        pin = command.get("pin_code")
        if message.topic.endswith("/set") and isinstance(pin, dict):
            slot = str(pin["user"])
            if pin.get("pin_code") is None:
                self.users[slot] = {"status": "available"}
            else:
                self.users[slot] = {"status": "enabled", "pin_code": pin["pin_code"]}
        elif message.topic.endswith("/set") and command.get("state"):
            self.state = command["state"]
        self.publish()

    def has(self, code: str) -> bool:
        return any(
            u.get("pin_code") == code and u["status"] == "enabled" for u in self.users.values()
        )

    def close(self) -> None:
        self.client.publish(self.topic, b"", retain=True)  # clear the retained state
        self.client.loop_stop()
        self.client.disconnect()
