"""Demo activities for `make run`: what a center typically runs in a month, published through
the same review and booking rules as real ones (an activity that cannot get its room is left
out, so the demo never fails)."""

import logging
from datetime import datetime, time, timedelta

from django.utils import timezone

from openhall.activities import services
from openhall.activities.models import Activity

logger = logging.getLogger(__name__)

# title, type, room, days ahead (next weekday from then), start, hours, places, extra, weeks
DEMO = [
    (
        "防范电信网络诈骗讲座",
        "lecture",
        "多媒体活动室",
        2,
        time(14),
        2,
        50,
        {
            "speaker": "区反诈中心 王警官",
            "description": "<p>识别冒充客服、刷单返利、虚假投资理财等常见骗局。</p>",
        },
        1,
    ),
    (
        "社区读书沙龙：《乡土中国》",
        "salon",
        "图书室",
        3,
        time(15),
        2,
        20,
        {
            "description": "<p>每月一次，欢迎带上你的读书笔记。</p>",
            "questions": ["您平时喜欢读哪类书？"],
        },
        1,
    ),
    (
        "晚间瑜伽（每周一次，共 8 次课）",
        "course",
        "舞蹈教室",
        1,
        time(19),
        1,
        16,
        {
            "speaker": "持证瑜伽教练 李老师",
            "fee": "paid",
            "price": "160.00",
            "description": "<p>零基础友好，自带瑜伽垫。共 8 次课。</p>",
        },
        8,
    ),
    (
        "少儿舞蹈比赛报名",
        "contest",
        "舞蹈教室",
        9,
        time(14),
        3,
        30,
        {
            "audience": "children",
            "min_age": 5,
            "max_age": 12,
            "description": "<p>街道少儿舞蹈大赛社区初赛，家长陪同。</p>",
        },
        1,
    ),
]


def _next_weekday(days_ahead: int, at: time) -> datetime:
    day = timezone.localdate() + timedelta(days=days_ahead)
    while day.weekday() >= 5 and at < time(17):  # daytime activities on staffed weekdays
        day += timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, at))


def load_demo_activities(center, admin) -> int:
    if Activity.objects.filter(center=center).exists():
        return 0
    made = 0
    rooms = {s.name: s for s in center.spaces.filter(parent=None)}
    for title, kind, room, ahead, at, hours, places, extra, weeks in DEMO:
        start = _next_weekday(ahead, at)
        sessions = [
            (rooms[room], start + timedelta(weeks=n), start + timedelta(weeks=n, hours=hours))
            for n in range(weeks)
        ]
        try:
            activity = services.activity_create(
                center=center,
                by=admin,
                sessions=sessions,
                values={"title": title, "type": kind, "capacity": places, **extra},
            )
            services.activity_submit(activity=activity, by=admin)
            services.activity_approve(
                activity=activity, by=admin, checklist=dict.fromkeys(services.CHECKLIST, True)
            )
            made += 1
        except Exception as exc:  # a demo room already taken: leave this one out
            logger.info("demo activity %s left out: %s", title, exc)
    return made
