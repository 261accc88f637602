"""Writes for the news columns: write, submit, review, publish, withdraw — each audited.

Who does what: staff who operate the center (Perm.OPERATE) write and submit; a reviewer
publishes or returns with a note. Reviewers are the street's content reviewers
(Perm.REVIEW_CONTENT) and, unless OPENHALL_NEWS_STREET_REVIEW is on, the center's admins.
"""

from datetime import datetime

import nh3
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from openhall.accounts.models import User
from openhall.core import permissions
from openhall.core.audit import audit_record, snapshot
from openhall.core.images import reencoded_jpeg
from openhall.core.models import Center
from openhall.core.permissions import Perm
from openhall.news.models import Article, Column

EDITABLE = [
    "column",
    "title",
    "summary",
    "body",
    "pinned",
    "publish_at",
    "guide_audience",
    "guide_materials",
    "guide_steps",
    "guide_time_limit",
    "guide_fees",
    "guide_office",
    "guide_phone",
]
AUDITED = ["status", "column", "title", "summary", "pinned", "publish_at", "review_note"]

# What an article may contain. No <img> (pictures come in through the cover upload, which is
# re-encoded; a pasted image would load from another site, which the CSP refuses anyway), no
# style, no script, no event handlers; links only to the web, mail and phone.
TAGS = {
    "p", "br", "strong", "b", "em", "i", "u", "h2", "h3", "h4", "ul", "ol", "li",
    "blockquote", "a", "table", "thead", "tbody", "tr", "th", "td", "hr",
}  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}


def clean_html(text: str) -> str:
    return nh3.clean(
        text or "",
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer",
    )


def can_publish(user: User, center: Center) -> bool:
    if permissions.has_center_perm(user, center, Perm.REVIEW_CONTENT):
        return True
    return not settings.OPENHALL_NEWS_STREET_REVIEW and permissions.has_center_perm(
        user, center, Perm.MANAGE_CENTER
    )


def _require_publisher(user: User, center: Center) -> None:
    if not can_publish(user, center):
        raise PermissionDenied


def _locked(article: Article) -> Article:
    return Article.objects.select_for_update().select_related("center").get(pk=article.pk)


def _record(article: Article, *, by: User, action: str, before: dict | None) -> None:
    audit_record(
        actor=by,
        action=action,
        center=article.center,
        obj=article,
        before=before,
        after=snapshot(article, AUDITED),
    )


@transaction.atomic
def article_save(
    *, center: Center, by: User, values: dict, article: Article | None = None, cover=None
) -> Article:
    """Create or change an article. A published one may be changed only by a reviewer (it stays
    published); anyone else withdraws it first, or writes a new one."""
    permissions.require_center_perm(by, center, Perm.OPERATE)
    if article is not None:
        if article.center_id != center.pk:
            raise ValidationError("文章不属于该中心。", code="other_center")
        article = _locked(article)
        if article.status in (Article.Status.PUBLISHED, Article.Status.IN_REVIEW):
            _require_publisher(by, center)
    title = (values.get("title") or "").strip()
    if not title:
        raise ValidationError("请填写标题。", code="title_required")
    if values.get("column") not in Column.values:
        raise ValidationError("请选择栏目。", code="invalid_column")
    before = snapshot(article, AUDITED) if article else None
    article = article or Article(center=center, author=by)
    for field in EDITABLE:
        if field in values:
            setattr(article, field, values[field])
    article.title = title
    article.body = clean_html(article.body)
    if cover is not None:
        image = reencoded_jpeg(cover, max_side=1200)
        article.cover.save(image.name, image, save=False)
    article.save()
    _record(article, by=by, action="article.update" if before else "article.create", before=before)
    return article


@transaction.atomic
def article_submit(*, article: Article, by: User) -> Article:
    permissions.require_center_perm(by, article.center, Perm.OPERATE)
    article = _locked(article)
    if article.status not in (
        Article.Status.DRAFT,
        Article.Status.RETURNED,
        Article.Status.WITHDRAWN,
    ):
        raise ValidationError("这篇文章已提交或已发布。", code="invalid_state")
    before = snapshot(article, AUDITED)
    article.status = Article.Status.IN_REVIEW
    article.save(update_fields=["status", "updated_at"])
    _record(article, by=by, action="article.submit", before=before)
    return article


@transaction.atomic
def article_publish(*, article: Article, by: User, now: datetime | None = None) -> Article:
    """Approve and publish (a reviewer may publish their own draft straight away); with a future
    `publish_at` it shows from then on."""
    _require_publisher(by, article.center)
    article = _locked(article)
    if article.status == Article.Status.PUBLISHED:
        raise ValidationError("这篇文章已经发布。", code="invalid_state")
    now = now or timezone.now()
    before = snapshot(article, AUDITED)
    article.status = Article.Status.PUBLISHED
    article.publish_at = article.publish_at or now
    article.published_at = max(now, article.publish_at)
    article.reviewed_by, article.review_note = by, ""
    article.save()
    _record(article, by=by, action="article.publish", before=before)
    return article


@transaction.atomic
def article_return(*, article: Article, by: User, note: str) -> Article:
    _require_publisher(by, article.center)
    note = (note or "").strip()
    if not note:
        raise ValidationError("请写明退回修改的原因。", code="note_required")
    article = _locked(article)
    if article.status != Article.Status.IN_REVIEW:
        raise ValidationError("只能退回待审核的文章。", code="invalid_state")
    before = snapshot(article, AUDITED)
    article.status, article.reviewed_by, article.review_note = (
        Article.Status.RETURNED,
        by,
        note[:200],
    )
    article.save()
    _record(article, by=by, action="article.return", before=before)
    return article


@transaction.atomic
def article_withdraw(*, article: Article, by: User) -> Article:
    _require_publisher(by, article.center)
    article = _locked(article)
    if article.status != Article.Status.PUBLISHED:
        raise ValidationError("只能撤下已发布的文章。", code="invalid_state")
    before = snapshot(article, AUDITED)
    article.status = Article.Status.WITHDRAWN
    article.save(update_fields=["status", "updated_at"])
    _record(article, by=by, action="article.withdraw", before=before)
    return article


def article_viewed(article: Article) -> None:
    # One UPDATE, no read-modify-write: simultaneous readers all count.
    Article.objects.filter(pk=article.pk).update(view_count=F("view_count") + 1)
