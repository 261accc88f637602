from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from openhall import factories


@pytest.fixture
def multimedia(center_a):
    """The multimedia room with its two zones."""
    room = factories.SpaceFactory(center=center_a, name="多媒体活动室", capacity=60)
    zone_a = factories.SpaceFactory(
        center=center_a, parent=room, name="A区", kind="zone", capacity=30
    )
    zone_b = factories.SpaceFactory(
        center=center_a, parent=room, name="B区", kind="zone", capacity=30
    )
    return room, zone_a, zone_b


@pytest.fixture
def dance_room(center_a):
    return factories.SpaceFactory(center=center_a, name="舞蹈教室", capacity=40)


def at(days: int, hour: int, minute: int = 0) -> datetime:
    """A local (Asia/Shanghai) time `days` from today."""
    return timezone.make_aware(
        datetime.combine(timezone.localdate() + timedelta(days=days), time(hour, minute))
    )
