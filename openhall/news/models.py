"""News columns (栏目) of the resident portal: articles written by staff, reviewed, published."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from openhall.core.models import Center


class Column(models.TextChoices):
    ABOUT = "about", "中心概况"
    STREET = "street", "街道概况"
    PARTY = "party", "党群动态"
    NOTICES = "notices", "通知公告"
    ORGANISATIONS = "organisations", "社会组织"
    LEARNING = "learning", "学习园地"
    LIFE = "life", "生活服务"
    ENTERPRISE = "enterprise", "企业服务"
    GUIDE = "guide", "办事指南"
    ACTIVITIES = "activities", "社区活动"
    MEDIA = "media", "媒体报道"


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        REVIEW = "review", _("In review")
        PUBLISHED = "published", _("Published")
        REJECTED = "rejected", _("Returned")

    center = models.ForeignKey(
        Center, models.CASCADE, related_name="articles", verbose_name=_("center")
    )
    column = models.CharField(_("column"), max_length=20, choices=Column.choices)
    title = models.CharField(_("title"), max_length=100)
    summary = models.CharField(_("summary"), max_length=200, blank=True)
    body = models.TextField(_("body"), blank=True)  # sanitised HTML (nh3) — safe to render
    # 办事指南: who it is for, materials, steps, time limit, fees, office and hours, phone …
    guide = models.JSONField(_("guide details"), default=dict, blank=True)
    pinned = models.BooleanField(_("pinned"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    publish_at = models.DateTimeField(_("publish at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    review_note = models.CharField(_("review note"), max_length=200, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("author")
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    views = models.PositiveIntegerField(_("views"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["-pinned", "-published_at", "-id"]
        indexes = [
            models.Index(fields=["center", "column", "status"], name="article_center_column")
        ]

    def __str__(self) -> str:
        return self.title
