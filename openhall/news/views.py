"""Resident pages of the news columns (H5)."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from openhall.news import services
from openhall.news.models import Column
from openhall.portal import selectors as portal_selectors

GUIDE_LABELS = [
    ("audience", "适用对象"),
    ("materials", "申请材料"),
    ("steps", "办理流程"),
    ("time_limit", "办理时限"),
    ("fees", "收费标准"),
    ("basis", "办理依据"),
    ("office", "办理地点"),
    ("hours", "办公时间"),
    ("phone", "咨询电话"),
    ("online", "网上办理"),
]


def columns(request: HttpRequest) -> HttpResponse:
    return render(request, "news/columns.html", {"tab": "services", "columns": Column.choices})


def column(request: HttpRequest, column: str) -> HttpResponse:
    if column not in Column.values:
        raise Http404
    center = portal_selectors.current_center(request)
    articles = services.published(center=center, column=column)[:50] if center else []
    return render(
        request,
        "news/column.html",
        {"tab": "services", "column": Column(column), "articles": articles, "center": center},
    )


def article(request: HttpRequest, article_id: int) -> HttpResponse:
    item = get_object_or_404(services.published(), pk=article_id)
    services.article_viewed(article=item)
    guide = [(label, item.guide[key]) for key, label in GUIDE_LABELS if item.guide.get(key)]
    return render(
        request,
        "news/article.html",
        {"tab": "services", "article": item, "column": Column(item.column), "guide": guide},
    )
