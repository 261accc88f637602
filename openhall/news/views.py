"""Resident H5 pages of the news columns."""

from django.http import Http404
from django.shortcuts import get_object_or_404, render

from openhall.core.selectors import current_center
from openhall.core.storage import private_file_response
from openhall.news import selectors, services
from openhall.news.models import Attachment, Column


def index(request, column: str = ""):
    center = current_center(request)
    if center is None or (column and column not in Column.values):
        raise Http404
    context = {
        "tab": "home",
        "center": center,
        "columns": Column.choices,
        "column": column,
        "column_label": Column(column).label if column else "",
        "articles": selectors.published(center=center, column=column)[:30],
    }
    return render(request, "news/index.html", context)


def detail(request, article_id: int):
    article = get_object_or_404(selectors.published().select_related("center"), pk=article_id)
    services.article_viewed(article)
    return render(request, "news/detail.html", {"tab": "home", "article": article})


def attachment(request, attachment_id: int):
    item = get_object_or_404(Attachment.objects.select_related("article__center"), pk=attachment_id)
    if not services.attachment_visible(item, request.user):
        raise Http404
    return private_file_response(item.file, filename=item.name)
