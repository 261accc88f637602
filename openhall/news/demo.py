"""Demo articles and keyword replies for `openhall demo_data` (idempotent)."""

from django.utils import timezone

from openhall.news.models import Article, Column

ARTICLES = [
    (
        Column.NOTICES,
        True,
        "元旦假期开放时间安排",
        "<p>1月1日全天闭馆，1月2日起恢复正常开放。</p>",
        {},
    ),
    (
        Column.NOTICES,
        False,
        "舞蹈教室地板维护通知",
        "<p>本周六上午舞蹈教室地板维护，暂停预约。</p>",
        {},
    ),
    (
        Column.ABOUT,
        False,
        "中心简介",
        "<p>集党群活动、图书阅览、文体活动、法律与心理咨询、企业服务于一体。</p>",
        {},
    ),
    (
        Column.GUIDE,
        False,
        "活动场地预约",
        "<p>居民、活动团体和企业均可在线预约中心场地。</p>",
        {
            "audience": "辖区居民、活动团体、企业",
            "materials": "实名认证的手机号",
            "steps": "在线提交预约 → 工作人员审批 → 按时到场签到",
            "time_limit": "1个工作日内审批",
            "fees": "免费",
            "office": "中心一楼服务台",
            "hours": "周一至周五 8:30–17:00",
            "phone": "0411-80000000",
        },
    ),
]

KEYWORDS = {
    "预约": "预约场地请点击菜单“预约场地”，或打开 {site}/book/",
    "联系我们": "服务电话 0411-80000000，地址 大连市沙河口区XX街道XX路1号。",
}


def load(*, center, author) -> None:
    from django.conf import settings

    from openhall.wechat.models import KeywordReply

    now = timezone.now()
    for column, pinned, title, body, guide in ARTICLES:
        Article.objects.get_or_create(
            center=center,
            title=title,
            defaults={
                "column": column,
                "pinned": pinned,
                "body": body,
                "guide": guide,
                "author": author,
                "status": Article.Status.PUBLISHED,
                "published_at": now,
            },
        )
    for keyword, reply in KEYWORDS.items():
        KeywordReply.objects.get_or_create(
            keyword=keyword, defaults={"reply": reply.format(site=settings.SITE_URL)}
        )
