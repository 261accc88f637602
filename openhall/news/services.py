"""Articles: staff write, a reviewer (street reviewer or center admin) approves, then it shows.

draft → review → published (or → returned → edited → review again). A published article with
`publish_at` in the future shows from that time on.
"""

import nh3
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from openhall.core import permissions
from openhall.core.audit import audit_record
from openhall.core.models import Center
from openhall.core.permissions import Perm
from openhall.news.models import Article, Column

ALLOWED_TAGS = {
    "p", "br", "strong", "b", "em", "i", "u", "h2", "h3", "h4", "ul", "ol", "li",
    "blockquote", "a", "img", "table", "thead", "tbody", "tr", "th", "td", "hr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt"}, "td": {"colspan"}}
GUIDE_FIELDS = ["audience", "materials", "steps", "time_limit", "fees", "basis", "office", "hours", "phone", "online"]  # fmt: skip


def sanitize(html: str) -> str:
    return nh3.clean(
        html or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel"},
    )


def _can_review(user, center: Center) -> bool:
    return permissions.has_center_perm(user, center, Perm.REVIEW_CONTENT) or (
        permissions.has_center_perm(user, center, Perm.MANAGE_CENTER)
    )


@transaction.atomic
def article_save(
    *,
    by,
    center: Center,
    column: str,
    title: str,
    body: str = "",
    summary: str = "",
    guide: dict | None = None,
    pinned: bool = False,
    publish_at=None,
    article: Article | None = None,
) -> Article:
    permissions.require_center_perm(by, center, Perm.OPERATE)
    if column not in Column.values:
        raise ValidationError({"column": "没有这个栏目。"}, code="invalid_column")
    if not title.strip():
        raise ValidationError({"title": "请填写标题。"}, code="title_required")
    if article is None:
        article = Article(center=center, author=by)
    elif article.center_id != center.pk:
        raise PermissionDenied
    elif article.status in {Article.Status.REVIEW, Article.Status.PUBLISHED}:
        # Changing what a reviewer saw (or what residents see) sends it back to review.
        article.status = Article.Status.DRAFT
    article.column = column
    article.title = title.strip()
    article.summary = summary.strip()
    article.body = sanitize(body)
    article.guide = {k: str(v).strip() for k, v in (guide or {}).items() if k in GUIDE_FIELDS and v}
    article.pinned = pinned
    article.publish_at = publish_at
    article.save()
    audit_record(actor=by, action="article.save", center=center, obj=article, after={"title": article.title, "status": article.status})  # fmt: skip
    return article


@transaction.atomic
def article_submit(*, article: Article, by) -> Article:
    permissions.require_center_perm(by, article.center, Perm.OPERATE)
    article = Article.objects.select_for_update().get(pk=article.pk)
    if article.status not in {Article.Status.DRAFT, Article.Status.REJECTED}:
        raise ValidationError("只有草稿或退回的文章可以提交审核。", code="bad_status")
    article.status = Article.Status.REVIEW
    article.save(update_fields=["status", "updated_at"])
    audit_record(actor=by, action="article.submit", center=article.center, obj=article)
    return article


@transaction.atomic
def article_review(*, article: Article, by, approve: bool, note: str = "") -> Article:
    if not _can_review(by, article.center):
        permissions.require_center_perm(by, article.center, Perm.REVIEW_CONTENT)
    article = Article.objects.select_for_update().get(pk=article.pk)
    if article.status != Article.Status.REVIEW:
        raise ValidationError("这篇文章不在审核中。", code="bad_status")
    before = {"status": article.status}
    article.reviewed_by = by
    article.review_note = note.strip()[:200]
    if approve:
        article.status = Article.Status.PUBLISHED
        article.published_at = article.publish_at or timezone.now()
    else:
        if not article.review_note:
            raise ValidationError({"note": "退回时请写明原因。"}, code="note_required")
        article.status = Article.Status.REJECTED
    article.save()
    audit_record(actor=by, action="article.approve" if approve else "article.reject", center=article.center, obj=article, before=before, after={"status": article.status, "note": article.review_note})  # fmt: skip
    return article


def published(*, center: Center | None = None, column: str = "") -> QuerySet[Article]:
    """What residents see: published, and its scheduled time reached."""
    now = timezone.now()
    qs = Article.objects.filter(status=Article.Status.PUBLISHED).filter(
        Q(publish_at__isnull=True) | Q(publish_at__lte=now)
    )
    if center is not None:
        qs = qs.filter(center=center)
    if column:
        qs = qs.filter(column=column)
    return qs


def article_viewed(*, article: Article) -> None:
    Article.objects.filter(pk=article.pk).update(views=F("views") + 1)
