"""Demo ledger for `make run`: a month of the services a center records by hand."""

from datetime import timedelta

from django.utils import timezone

from openhall.civic.models import ServiceRecord
from openhall.civic.services import service_type

# days ago, type code, people, note
DEMO_RECORDS = [
    (0, "legal", 1, "劳动合同咨询"),
    (1, "resident_info", 3, "医保缴费政策解答"),
    (2, "enterprise_info", 2, "小微企业稳岗补贴申报指导"),
    (3, "legal", 2, "邻里纠纷调解咨询"),
    (5, "counselling", 1, "青少年心理疏导"),
    (6, "problem_solved", 4, "楼道照明维修协调"),
    (8, "materials", 1, "重阳节活动海报"),
    (10, "resident_info", 5, "老年人智能手机使用辅导"),
    (13, "legal", 1, "房屋租赁合同审查"),
    (16, "enterprise_info", 3, "企业招聘信息发布"),
    (20, "problem_solved", 2, "小区停车位划线协调"),
    (24, "resident_info", 6, "反诈宣传进社区"),
]


def load_demo_ledger(center, by) -> int:
    if ServiceRecord.objects.filter(center=center).exists():
        return 0
    today = timezone.localdate()
    ServiceRecord.objects.bulk_create(
        ServiceRecord(
            center=center,
            kind=service_type(center, code),
            date=today - timedelta(days=ago),
            people=people,
            note=note,
            delivered_by=str(by),
            created_by=by,
        )
        for ago, code, people, note in DEMO_RECORDS
    )
    return len(DEMO_RECORDS)
