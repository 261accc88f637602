"""Demo data modelled on the seed's center: 沙河口区 XX街道党群服务中心. Loading twice changes nothing."""

from dataclasses import dataclass
from datetime import time

from django.db import transaction
from django.utils import timezone

from openhall.accounts.models import Enterprise, EnterpriseMembership, Team, TeamMembership, User
from openhall.accounts.validators import uscc_check_char
from openhall.core.audit import audit_record
from openhall.core.models import Center, District, StaffMembership, StaffRole, Street
from openhall.venues.models import BookingRule, OpeningHours, Space

DEMO_PASSWORD = "openhall2026"  # noqa: S105 — printed by `make run`; demo data refuses DEBUG=false


@dataclass(frozen=True)
class DemoAccount:
    mobile: str
    name: str
    role_label: str


ACCOUNTS = [
    DemoAccount("13800000000", "系统管理员", "超级管理员 superuser (/django-admin/)"),
    DemoAccount("13800000001", "王芳", "中心管理员 center admin"),
    DemoAccount("13800000002", "李明", "运营专员 operator"),
    DemoAccount("13800000003", "赵军", "街道审核 street reviewer"),
    DemoAccount("13800000004", "孙丽", "区级查看 district viewer"),
    DemoAccount("13900000001", "张秀英", "居民 · 舞蹈队负责人 team leader"),
    DemoAccount("13900000002", "刘建国", "居民 · 乒乓球队负责人 team leader"),
    DemoAccount("13900000003", "陈静", "居民 resident"),
    DemoAccount("13900000004", "杨洋", "企业用户 enterprise admin"),
]

ROOMS = [
    # name, capacity, m², location, equipment, zones
    ("舞蹈教室", 40, 150, "一楼东侧", "镜墙、把杆、音响", []),
    ("图书室", 30, 120, "一楼西侧", "图书约 5000 册、阅览桌", []),
    ("多媒体活动室", 60, 160, "二楼", "投影仪、话筒、可移动隔断", [("A区", 30), ("B区", 30)]),
    ("乒乓球室", 12, 90, "二楼", "乒乓球台 3 张", []),
    ("心理咨询室", 4, 20, "二楼", "沙盘、沙发", []),
    ("红色议事站", 20, 60, "一楼大厅", "吧台、茶饮、无线网络", []),
]


def demo_uscc() -> str:
    first17 = "91210204MA0XYC123"  # a made-up code with a correct check character
    return first17 + uscc_check_char(first17)


@transaction.atomic
def load_demo_data() -> dict[str, int]:
    """Create what is missing; return how many rows of each kind were created."""
    created = {"centers": 0, "users": 0, "spaces": 0, "teams": 0, "enterprises": 0}
    district, _ = District.objects.get_or_create(name="沙河口区")
    street, _ = Street.objects.get_or_create(district=district, name="XX街道")
    center, new = Center.objects.get_or_create(
        slug="xx-street",
        defaults={
            "street": street,
            "name": "沙河口区XX街道党群服务中心",
            "address": "大连市沙河口区XX街道XX路1号",
            "phone": "0411-80000000",
            "area_m2": 1000,
            "staffed_hours": "周一至周五 8:30–17:00",
            "introduction": "集党群活动、图书阅览、文体活动、法律与心理咨询、企业服务于一体的社区综合服务阵地。",
        },
    )
    created["centers"] += new
    station, new = Center.objects.get_or_create(
        slug="huanghe-road",
        defaults={
            "street": street,
            "name": "黄河路社区党群服务站",
            "address": "大连市沙河口区黄河路88号",
            "area_m2": 200,
        },
    )
    created["centers"] += new

    users = {}
    for account in ACCOUNTS:
        user = User.objects.filter(mobile=account.mobile).first()
        if user is None:
            user = User.objects.create_user(account.mobile, DEMO_PASSWORD, real_name=account.name)
            created["users"] += 1
        users[account.mobile] = user
    admin = users["13800000000"]
    if not admin.is_superuser:
        admin.is_superuser = admin.is_staff = True
        admin.save(update_fields=["is_superuser", "is_staff"])

    for mobile, role, scope in [
        ("13800000001", StaffRole.CENTER_ADMIN, {"center": center}),
        ("13800000001", StaffRole.CENTER_ADMIN, {"center": station}),
        ("13800000002", StaffRole.OPERATOR, {"center": center}),
        ("13800000003", StaffRole.STREET_REVIEWER, {"street": street}),
        ("13800000004", StaffRole.DISTRICT_VIEWER, {"district": district}),
    ]:
        StaffMembership.objects.get_or_create(user=users[mobile], role=role, **scope)

    for order, (name, capacity, area, location, equipment, zones) in enumerate(ROOMS):
        room, new = Space.objects.get_or_create(
            center=center,
            parent=None,
            name=name,
            defaults={
                "capacity": capacity,
                "area_m2": area,
                "location": location,
                "equipment": equipment,
                "sort_order": order,
            },
        )
        created["spaces"] += new
        for zone_order, (zone_name, zone_capacity) in enumerate(zones):
            _, new = Space.objects.get_or_create(
                center=center,
                parent=room,
                name=zone_name,
                defaults={
                    "kind": Space.Kind.ZONE,
                    "capacity": zone_capacity,
                    "location": location,
                    "sort_order": zone_order,
                },
            )
            created["spaces"] += new
    _, new = Space.objects.get_or_create(
        center=station, parent=None, name="活动室", defaults={"capacity": 30}
    )
    created["spaces"] += new

    for team_name, leader_mobile, member_mobiles in [
        ("舞蹈队", "13900000001", ["13900000003"]),
        ("乒乓球队", "13900000002", []),
    ]:
        team, new = Team.objects.get_or_create(center=center, name=team_name)
        created["teams"] += new
        TeamMembership.objects.get_or_create(
            team=team, user=users[leader_mobile], defaults={"role": TeamMembership.Role.LEADER}
        )
        for mobile in member_mobiles:
            TeamMembership.objects.get_or_create(team=team, user=users[mobile])

    enterprise, new = Enterprise.objects.get_or_create(
        uscc=demo_uscc(),
        defaults={
            "center": center,
            "name": "大连星海数字科技有限公司",
            "contact_phone": "0411-80000001",
        },
    )
    created["enterprises"] += new
    EnterpriseMembership.objects.get_or_create(
        enterprise=enterprise,
        user=users["13900000004"],
        defaults={"role": EnterpriseMembership.Role.ADMIN},
    )

    # Open every day 08:00–21:30; staff on weekdays 08:30–17:00. The dance room and the multimedia
    # room may be booked for evenings and weekends (their doors get smart locks).
    for weekday in range(7):
        staffed = weekday < 5
        OpeningHours.objects.get_or_create(
            center=center,
            weekday=weekday,
            defaults={
                "opens": time(8),
                "closes": time(21, 30),
                "staffed_from": time(8, 30) if staffed else None,
                "staffed_until": time(17) if staffed else None,
            },
        )
    BookingRule.objects.get_or_create(
        center=center, space=None, defaults={"max_days_ahead": 60, "buffer_minutes": 10}
    )
    for name in ("舞蹈教室", "多媒体活动室"):
        BookingRule.objects.get_or_create(
            center=center,
            space=Space.objects.get(center=center, parent=None, name=name),
            defaults={"allow_unstaffed": True},
        )

    from openhall.wechat.demo import load_keyword_replies

    load_keyword_replies()
    created["articles"] = _demo_articles(center, users["13800000001"])

    from openhall.civic.demo import load_demo_ledger
    from openhall.display.demo import load_demo_screen

    created["service_records"] = load_demo_ledger(center, users["13800000002"])
    from openhall.civic.services import service_counters

    service_counters(center)  # the seed's five counters, before a screen first asks
    from openhall.access.demo import load_demo_doors
    from openhall.activities.demo import load_demo_activities

    created["doors"] = load_demo_doors(center)

    created["activities"] = load_demo_activities(center, users["13800000001"])
    created["screens"] = load_demo_screen(center)

    if any(created.values()):
        audit_record(actor=None, action="demo_data.load", center=center, after=created)
    return created


def _demo_articles(center, admin) -> int:
    from openhall.news.models import Article
    from openhall.site.demo_articles import DEMO_ARTICLES

    made = 0
    for column, title, summary, body, extra in DEMO_ARTICLES:
        _, new = Article.objects.get_or_create(
            center=center,
            title=title,
            defaults={
                "column": column,
                "summary": summary,
                "body": body,
                "status": Article.Status.PUBLISHED,
                "publish_at": timezone.now(),
                "published_at": timezone.now(),
                "author": admin,
                "reviewed_by": admin,
                **extra,
            },
        )
        made += new
    return made
