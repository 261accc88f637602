"""`openhall mqtt_listen`: log unlocks and refusals of Zigbee2MQTT locks (their `action`
messages on zigbee2mqtt/<name>) until stopped. Run it beside the worker when MQTT locks are
used; a restart picks up where the broker is."""

import json
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Log Zigbee2MQTT lock events (MQTT_URL) until stopped."

    def handle(self, *args, **options):
        import paho.mqtt.client as mqtt

        from openhall.access.lock_events import z2m_event

        if not settings.MQTT_URL:
            raise CommandError("MQTT_URL is not set")
        url = urlsplit(settings.MQTT_URL)

        def on_connect(client, userdata, flags, reason, properties):
            client.subscribe("zigbee2mqtt/+", qos=1)

        def on_message(client, userdata, message):
            try:
                payload = json.loads(message.payload or b"{}")
            except ValueError:
                return
            if isinstance(payload, dict) and payload.get("action"):
                z2m_event(name=message.topic.split("/", 1)[1], payload=payload)

        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
        if url.username:
            client.username_pw_set(url.username, url.password)
        client.on_connect, client.on_message = on_connect, on_message
        client.connect(url.hostname or "127.0.0.1", url.port or 1883, keepalive=30)
        self.stdout.write(f"Listening to zigbee2mqtt/+ on {url.hostname}:{url.port or 1883}")
        client.loop_forever()
