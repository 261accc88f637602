"""Demo keyword replies for `openhall demo_data` (idempotent)."""

from django.conf import settings

KEYWORDS = {
    "预约": "预约场地请点击菜单“预约场地”，或打开 {site}/book/",
    "联系我们": "服务电话 0411-80000000，地址 大连市沙河口区XX街道XX路1号。",
}


def load_keyword_replies() -> None:
    from openhall.wechat.models import KeywordReply

    for keyword, reply in KEYWORDS.items():
        KeywordReply.objects.get_or_create(
            keyword=keyword, defaults={"reply": reply.format(site=settings.SITE_URL)}
        )
