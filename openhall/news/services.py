"""Writes for the news columns: write, submit, review, publish, withdraw — each audited.

Who does what: staff who operate the center (Perm.OPERATE) write and submit; a reviewer
publishes or returns with a note. Reviewers are the street's content reviewers
(Perm.REVIEW_CONTENT) and, unless OPENHALL_NEWS_STREET_REVIEW is on, the center's admins.
"""

import uuid
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from openhall.accounts.models import User
from openhall.core import permissions
from openhall.core.audit import audit_record, snapshot
from openhall.core.html import clean_html
from openhall.core.images import reencoded_jpeg
from openhall.core.models import Center
from openhall.core.permissions import Perm
from openhall.core.refusals import Forbidden
from openhall.news.models import Article, Attachment, Column

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


def can_publish(user: User, center: Center) -> bool:
    if permissions.has_center_perm(user, center, Perm.REVIEW_CONTENT):
        return True
    return not settings.OPENHALL_NEWS_STREET_REVIEW and permissions.has_center_perm(
        user, center, Perm.MANAGE_CENTER
    )


def _require_publisher(user: User, center: Center) -> None:
    if not can_publish(user, center):
        raise Forbidden()


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


def body_picture_save(*, center: Center, by: User, upload) -> str:
    """A picture for an article's text, uploaded from the editor: re-encoded like a cover (no
    metadata, at most 1200 px, the pixel cap), stored under a random name, its public URL
    returned for the editor to insert. The sanitiser keeps <img> only with such a URL."""
    permissions.require_center_perm(by, center, Perm.OPERATE)
    image = reencoded_jpeg(upload, max_side=1200)
    name = default_storage.save(f"news/{center.pk}/body/{uuid.uuid4().hex}.jpg", image)
    audit_record(actor=by, action="article.picture_upload", center=center, after={"picture": name})
    return default_storage.url(name)


def article_viewed(article: Article) -> None:
    # One UPDATE, no read-modify-write: simultaneous readers all count.
    Article.objects.filter(pk=article.pk).update(view_count=F("view_count") + 1)


# --- Attachments -------------------------------------------------------------------------------
# What residents can open on a phone; the first bytes must agree with the name, so a renamed
# program is refused. OOXML files are zip archives, old Office files OLE containers.
ATTACHMENT_SIGNATURES = {
    "pdf": (b"%PDF-",),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
    "pptx": (b"PK\x03\x04",),
    "doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    "xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    "ppt": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    "jpg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
}
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS = 10


def _require_editor(article: Article, by: User) -> None:
    """The same rule as editing the text: a published or waiting article is a reviewer's."""
    permissions.require_center_perm(by, article.center, Perm.OPERATE)
    if article.status in (Article.Status.PUBLISHED, Article.Status.IN_REVIEW):
        _require_publisher(by, article.center)


def _clean_file_name(name: str) -> str:
    name = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"|?*')
    stem, _dot, extension = name.rpartition(".")
    return f"{stem[:100] or 'file'}.{extension.lower()}"


@transaction.atomic
def attachment_add(*, article: Article, by: User, upload) -> Attachment:
    article = _locked(article)
    _require_editor(article, by)
    name = _clean_file_name(upload.name or "")
    extension = name.rsplit(".", 1)[-1]
    if extension not in ATTACHMENT_SIGNATURES:
        raise ValidationError(
            "只能上传 PDF、Word、Excel、PowerPoint 文件或 JPG、PNG 图片。", code="file_type"
        )
    if upload.size > MAX_ATTACHMENT_BYTES:
        raise ValidationError("文件不能超过 10 MB。", code="file_too_large")
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not head.startswith(ATTACHMENT_SIGNATURES[extension]):
        raise ValidationError("文件内容与扩展名不符，请检查后重新上传。", code="file_mismatch")
    if article.attachments.count() >= MAX_ATTACHMENTS:
        raise ValidationError("每篇文章最多 10 个附件。", code="too_many_files")
    attachment = Attachment(article=article, name=name, size=upload.size)
    attachment.file.save(name, upload, save=False)  # stored under a random name (upload_to)
    attachment.save()
    audit_record(
        actor=by,
        action="article.attachment_add",
        center=article.center,
        obj=article,
        after={"attachment": attachment.pk, "name": name, "size": upload.size},
    )
    return attachment


@transaction.atomic
def attachment_remove(*, attachment: Attachment, by: User) -> None:
    article = _locked(attachment.article)
    _require_editor(article, by)
    audit_record(
        actor=by,
        action="article.attachment_remove",
        center=article.center,
        obj=article,
        before={"attachment": attachment.pk, "name": attachment.name},
    )
    stored = attachment.file.name
    attachment.delete()
    storage = attachment.file.storage
    transaction.on_commit(lambda: storage.delete(stored))


def attachment_visible(attachment: Attachment, user) -> bool:
    """Residents download files of published articles; the center's staff any of theirs."""
    from openhall.news.selectors import published

    if published().filter(pk=attachment.article_id).exists():
        return True
    return permissions.has_center_perm(user, attachment.article.center, Perm.VIEW_CENTER)
