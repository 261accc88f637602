"""The rules of activities, in one place: what a reviewer is warned about, what a form may
change, and the one refusal type every activities service raises.

`ActivityRefused` is a `core.refusals.Refused`: its status is decided where it is raised (409
when the present state forbids it — already registered, full, an offer gone, a transition not
allowed, a registration no longer active — else 422, input a person can fix)."""

from datetime import datetime, timedelta

from django.utils import timezone

from openhall.accounts.models import User
from openhall.activities.models import Activity, Session
from openhall.core import permissions
from openhall.core.html import clean_html
from openhall.core.models import Center
from openhall.core.permissions import Perm
from openhall.core.refusals import Refused

CHECK_IN_OPENS_BEFORE = timedelta(minutes=60)  # the door opens an hour before; closes at the end
OFFER_HOURS = 12  # a freed place waits this long for the next in line, then passes on
TICKET_SALT = "openhall.activities.ticket"
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud at the door

# Words that make a reviewer look twice (flags, never silent blocks): financial products,
# health-product selling, pyramid schemes — what residents are warned about.
SCREEN_WORDS = [
    "理财",
    "投资",
    "收益",
    "回报率",
    "保本",
    "高息",
    "P2P",
    "借贷",
    "贷款",
    "信用卡",
    "办卡",
    "股票",
    "基金",
    "期货",
    "虚拟货币",
    "比特币",
    "养老项目",
    "保健品",
    "包治",
    "根治",
    "神药",
    "特效",
    "偏方",
    "免费体检",
    "返利",
    "拉人头",
    "会员卡",
    "预存",
]
CHECKLIST = {
    "speaker_checked": "主讲人身份和资质已核实",
    "no_product_sales": "不推销任何商品（含保健品、医疗器械）",
    "no_financial_pitch": "不推介理财、投资、贷款、信用卡、P2P 等金融产品",
    "fees_declared": "收费情况已如实公示",
}


class ActivityRefused(Refused):
    """A refusal a resident or staff member can act on; `code` is stable for the API."""

    code = "activity_refused"


def check_in_window(session: Session) -> tuple[datetime, datetime]:
    """When a ticket for `session` is accepted at the door: from CHECK_IN_OPENS_BEFORE its start
    until it ends (a ticket scanned days early is not attendance)."""
    return session.start - CHECK_IN_OPENS_BEFORE, session.end


def check_in_open(session: Session, now: datetime) -> bool:
    opens, closes = check_in_window(session)
    return opens <= now <= closes


def check_in_hours_text(session: Session, now: datetime) -> str:
    """「签到时间为 HH:MM 至 HH:MM」 in the center's time, with the date when it is not today."""
    opens, closes = (timezone.localtime(t) for t in check_in_window(session))
    day = "" if opens.date() == timezone.localtime(now).date() else f"{opens:%m月%d日} "
    return f"签到时间为 {day}{opens:%H:%M} 至 {closes:%H:%M}"


def refuse(code: str, message: str, *, status: int = 422, details=None) -> ActivityRefused:
    return ActivityRefused(message, code=code, status=status, details=details)


def conflict(code: str, message: str) -> ActivityRefused:
    """The present state forbids it (409): nothing the person typed can fix it."""
    return ActivityRefused(message, code=code, status=409)


def may_review(user: User, center: Center, *, street: bool) -> bool:
    if street:
        return permissions.has_center_perm(user, center, Perm.REVIEW_CONTENT)
    return permissions.has_center_perm(
        user, center, Perm.MANAGE_CENTER
    ) or permissions.has_center_perm(user, center, Perm.REVIEW_CONTENT)


def screen_text(activity: Activity) -> list[dict]:
    """Where the text mentions something a reviewer should look at."""
    found = []
    for field in ("title", "description", "speaker"):
        text = str(getattr(activity, field) or "").upper()
        found += [{"field": field, "word": w} for w in SCREEN_WORDS if w.upper() in text]
    return found


EDITABLE = [
    "type",
    "title",
    "description",
    "speaker",
    "capacity",
    "audience",
    "min_age",
    "max_age",
    "registration_opens_at",
    "registration_closes_at",
    "cancel_hours",
    "fee",
    "price",
    "questions",
    "organizer_team",
    "organizer_enterprise",
]


# What an activity cannot be without: an edit may change these, never empty them (null).
NOT_NULL = {
    "type",
    "title",
    "description",
    "speaker",
    "capacity",
    "audience",
    "cancel_hours",
    "fee",
    "price",
    "questions",
}


def clean_values(values: dict) -> dict:
    values = {k: v for k, v in values.items() if k in EDITABLE}
    emptied = sorted(k for k in NOT_NULL if k in values and values[k] is None)
    if emptied:
        raise refuse("required", "活动信息不完整，请填写后再保存。", details={"fields": emptied})
    if "title" in values:
        values["title"] = (values["title"] or "").strip()
        if not values["title"]:
            raise refuse("title_required", "请填写活动名称。")
    if "capacity" in values and (values["capacity"] is None or values["capacity"] < 1):
        raise refuse("invalid_capacity", "名额至少为 1。")
    if "description" in values:
        values["description"] = clean_html(values["description"] or "")
    if "questions" in values:
        questions = [str(q).strip()[:60] for q in (values["questions"] or []) if str(q).strip()]
        values["questions"] = questions[:10]
    opens, closes = values.get("registration_opens_at"), values.get("registration_closes_at")
    if opens and closes and closes <= opens:
        raise refuse("invalid_window", "报名截止时间应晚于开始时间。")
    return values
