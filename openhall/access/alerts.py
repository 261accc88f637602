"""What the doors page warns staff of: frozen keypads, locks offline or low on battery, bursts
of refused codes, codes that could not be written, repaired grants, doors opened outside any
grant."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _

from openhall.access.models import (
    AccessEvent,
    Door,
    LockCredential,
    SimulatedKeypad,
)
from openhall.core.models import AuditEntry, Center

SHANGHAI = ZoneInfo("Asia/Shanghai")  # as the staff read their clocks
DENIED_BURST = 5  # refusals on one door within 10 minutes


def alerts(center: Center, *, now: datetime | None = None) -> list[dict]:
    from openhall.access.drivers.simulator import WRONG_CODES_BEFORE_FREEZE

    now = now or timezone.now()
    found = []
    frozen = SimulatedKeypad.objects.filter(door__center=center, frozen_until__gt=now)
    for pad in frozen.select_related("door"):
        until = timezone.localtime(pad.frozen_until, SHANGHAI).strftime("%H:%M")
        found.append(
            {
                "door": pad.door,
                "kind": "keypad",
                "text": _(
                    "%(door)s: keypad locked until %(time)s after %(count)s wrong codes in a row"
                )
                % {"door": pad.door, "time": until, "count": WRONG_CODES_BEFORE_FREEZE},
            }
        )
    for door in Door.objects.filter(center=center):
        if not door.online:
            found.append({"door": door, "kind": "offline", "text": f"{door}：锁离线"})
        if door.battery is not None and door.battery < 20:
            found.append({"door": door, "kind": "battery", "text": f"{door}：电量 {door.battery}%"})
        denied = door.events.filter(opened=False, at__gte=now - timedelta(minutes=10)).count()
        if denied >= DENIED_BURST:
            found.append(
                {"door": door, "kind": "denied", "text": f"{door}：10 分钟内 {denied} 次开门失败"}
            )
    stuck = LockCredential.objects.filter(door__center=center, status=LockCredential.Status.FAILED)
    for row in stuck.select_related("door")[:20]:
        found.append(
            {
                "door": row.door,
                "kind": "failed",
                "text": f"{row.door}：有密码未能写入（{row.last_error}）",
            }
        )
    repaired = AuditEntry.objects.filter(
        center=center, action="grant.repaired", at__gte=now - timedelta(days=1)
    )
    for entry in repaired[:20]:
        found.append(
            {
                "door": None,
                "kind": "repaired",
                "text": f"{entry.object_repr}：门禁授权与预约不一致，已自动修复"
                f"（{timezone.localtime(entry.at):%m-%d %H:%M}）",
            }
        )
    outside = AccessEvent.objects.filter(
        center=center,
        opened=True,
        grant__isnull=True,
        method__in=["pin", "card", "fingerprint"],
        at__gte=now - timedelta(days=1),
    )
    for event in outside.select_related("door")[:20]:
        found.append(
            {
                "door": event.door,
                "kind": "outside",
                "text": f"{event.door}：{event.at:%H:%M} 在授权之外被打开",
            }
        )
    return found
