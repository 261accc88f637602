from datetime import datetime

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from openhall.core.api_schemas import refusals
from openhall.core.models import Center
from openhall.core.pagination import Paged
from openhall.news import selectors
from openhall.news.models import Article, Column

router = Router(tags=["news"])
# Published articles are public, like the portal pages they mirror: no sign-in needed.
PUBLIC = {"x-openhall-public": True}


class ArticleListOut(Schema):
    id: int
    column: str
    title: str
    summary: str
    pinned: bool
    published_at: datetime | None
    cover_url: str = Field("", description="relative URL of the cover picture, if any")

    @staticmethod
    def resolve_cover_url(obj: Article) -> str:
        return obj.cover.url if obj.cover else ""


class AttachmentOut(Schema):
    name: str
    size: int = Field(description="bytes")
    url: str = Field(description="relative download URL")

    @staticmethod
    def resolve_url(obj) -> str:
        return reverse("news:attachment", args=[obj.pk])


class ArticleOut(ArticleListOut):
    center_id: int
    body: str = Field(description="sanitised HTML")
    view_count: int
    guide: dict | None
    attachments: list[AttachmentOut]

    @staticmethod
    def resolve_guide(obj: Article) -> dict | None:
        if not obj.is_guide:
            return None
        return {
            name.removeprefix("guide_"): getattr(obj, name)
            for name in (
                "guide_audience",
                "guide_materials",
                "guide_steps",
                "guide_time_limit",
                "guide_fees",
                "guide_office",
                "guide_phone",
            )
        }


@router.get(
    "/centers/{center_id}/articles",
    response={200: list[ArticleListOut], **refusals(404, 422)},
    summary="Published articles of a center, newest first (pinned on top)",
    openapi_extra=PUBLIC,
    auth=None,
)
@paginate(Paged)
def list_articles(request: HttpRequest, center_id: int, column: Column | None = None):
    center = get_object_or_404(Center.objects.filter(is_active=True), pk=center_id)
    return selectors.published(center=center, column=column or "")


@router.get(
    "/articles/{article_id}",
    response={200: ArticleOut, **refusals(404, 422)},
    summary="A published article",
    openapi_extra=PUBLIC,
    auth=None,
)
def get_article(request: HttpRequest, article_id: int):
    return get_object_or_404(selectors.published().prefetch_related("attachments"), pk=article_id)
