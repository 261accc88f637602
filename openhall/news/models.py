"""The center's news columns (栏目): articles written by staff, reviewed, then published on the
H5 portal and through the API. 办事指南 articles carry the structured fields residents look for."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from openhall.core.models import Center
from openhall.core.storage import private_storage


class Column(models.TextChoices):
    CENTER = "center", _("About the center")
    STREET = "street", _("About the street")
    PARTY_NEWS = "party_news", _("Party and community news")
    NOTICES = "notices", _("Notices")
    SOCIAL_ORGS = "social_orgs", _("Social organisations")
    LEARNING = "learning", _("Learning corner")
    LIFE = "life", _("Everyday services")
    ENTERPRISE = "enterprise", _("Services for enterprises")
    GUIDES = "guides", _("How-to guides")
    EVENTS = "events", _("Community events")
    MEDIA = "media", _("In the media")


def cover_path(article: "Article", filename: str) -> str:
    return f"news/{article.center_id}/{uuid.uuid4().hex}.jpg"


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("Awaiting review")
        RETURNED = "returned", _("Returned for changes")
        PUBLISHED = "published", _("Published")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    center = models.ForeignKey(
        Center, models.CASCADE, related_name="articles", verbose_name=_("center")
    )
    column = models.CharField(_("column"), max_length=20, choices=Column.choices)
    title = models.CharField(pgettext_lazy("article", "title"), max_length=100)
    summary = models.CharField(_("summary"), max_length=200, blank=True)
    # Stored sanitised (core.html.clean_html): only the tags an article needs, no scripts,
    # no event handlers, no styles, links with rel="noopener noreferrer".
    body = models.TextField(_("text"), blank=True)
    cover = models.ImageField(_("cover picture"), upload_to=cover_path, blank=True)
    pinned = models.BooleanField(_("pinned to the top"), default=False)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    publish_at = models.DateTimeField(
        _("publish at"), null=True, blank=True, help_text=_("Empty: as soon as it is approved.")
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="articles_written",
        verbose_name=_("author"),
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="articles_reviewed",
        verbose_name=_("reviewed by"),
    )
    review_note = models.CharField(_("review note"), max_length=200, blank=True)
    view_count = models.PositiveIntegerField(_("views"), default=0, editable=False)
    # 办事指南: who it is for, what to bring, the steps, how long, what it costs, where, when.
    guide_audience = models.CharField(_("who it is for"), max_length=200, blank=True)
    guide_materials = models.TextField(_("materials to bring"), blank=True)
    guide_steps = models.TextField(_("steps"), blank=True)
    guide_time_limit = models.CharField(_("time limit"), max_length=100, blank=True)
    guide_fees = models.CharField(_("fees"), max_length=100, blank=True)
    guide_office = models.CharField(_("office and hours"), max_length=200, blank=True)
    guide_phone = models.CharField(_("phone"), max_length=30, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["-pinned", "-publish_at", "-pk"]
        indexes = [
            models.Index(
                fields=["center", "column", "-publish_at"],
                name="article_published",
                condition=models.Q(status="published"),
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_guide(self) -> bool:
        return self.column == Column.GUIDES


def attachment_path(attachment: "Attachment", filename: str) -> str:
    # A random name on disk; the resident downloads it under its original name.
    return f"news/{attachment.article.center_id}/files/{uuid.uuid4().hex}.{attachment.extension}"


class Attachment(models.Model):
    """A file residents download with an article (a form to fill in, the full notice as PDF)."""

    article = models.ForeignKey(
        Article, models.CASCADE, related_name="attachments", verbose_name=_("article")
    )
    # Private: a draft's file is for the center's staff only (services.attachment_visible).
    file = models.FileField(
        _("file"), upload_to=attachment_path, max_length=200, storage=private_storage
    )
    name = models.CharField(_("file name"), max_length=120)
    size = models.PositiveIntegerField(_("size in bytes"))
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def extension(self) -> str:
        return self.name.rsplit(".", 1)[-1].lower()
