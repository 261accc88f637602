"""Reads for the news columns: only what is published and due is ever shown to the public."""

from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from openhall.core.models import Center
from openhall.news.models import Article


def published(
    *, center: Center | None = None, column: str = "", now: datetime | None = None
) -> QuerySet[Article]:
    """Published and due articles of `center` (of every active center when None)."""
    now = now or timezone.now()
    articles = Article.objects.filter(
        Q(publish_at__isnull=True) | Q(publish_at__lte=now),
        status=Article.Status.PUBLISHED,
        center__is_active=True,
    )
    if center is not None:
        articles = articles.filter(center=center)
    if column:
        articles = articles.filter(column=column)
    return articles.order_by("-pinned", "-publish_at", "-pk")


def awaiting_review_count(center: Center) -> int:
    """Articles of `center` sent for review and not yet decided (the console's overview)."""
    return Article.objects.filter(center=center, status=Article.Status.IN_REVIEW).count()
