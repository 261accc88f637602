from datetime import datetime, time, timedelta

from django.utils import timezone


def at(days: int, hour: int, minute: int = 0) -> datetime:
    """A local (Asia/Shanghai) time `days` from today."""
    return timezone.make_aware(
        datetime.combine(timezone.localdate() + timedelta(days=days), time(hour, minute))
    )
