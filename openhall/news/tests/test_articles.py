import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from openhall.core.models import AuditEntry
from openhall.news import services
from openhall.news.models import Article, Column


@pytest.fixture
def draft(olivia, center_a):
    return services.article_save(
        by=olivia,
        center=center_a,
        column=Column.NOTICES,
        title="元旦期间开放时间调整",
        body='<p onclick="x()">1月1日闭馆<script>alert(1)</script><a href="javascript:x">链接</a></p>',
    )


def test_rich_text_is_sanitised(draft):
    assert "<script" not in draft.body and "onclick" not in draft.body
    assert "javascript:" not in draft.body
    assert "1月1日闭馆" in draft.body


def test_draft_review_publish_is_audited_and_then_visible(draft, olivia, rita):
    assert not services.published().exists()
    services.article_submit(article=draft, by=olivia)
    services.article_review(article=draft, by=rita, approve=True)
    assert list(services.published(column=Column.NOTICES)) == [draft]
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"article.save", "article.submit", "article.approve"} <= actions


def test_an_operator_cannot_approve_their_own_article(draft, olivia):
    services.article_submit(article=draft, by=olivia)
    with pytest.raises(PermissionDenied):
        services.article_review(article=draft, by=olivia, approve=True)


def test_returning_needs_a_reason(draft, olivia, rita):
    services.article_submit(article=draft, by=olivia)
    with pytest.raises(ValidationError):
        services.article_review(article=draft, by=rita, approve=False)
    services.article_review(article=draft, by=rita, approve=False, note="时间写错了")
    draft.refresh_from_db()
    assert draft.status == Article.Status.REJECTED


def test_editing_a_published_article_sends_it_back_to_review(draft, olivia, rita, center_a):
    services.article_submit(article=draft, by=olivia)
    services.article_review(article=draft, by=rita, approve=True)
    services.article_save(
        by=olivia, center=center_a, column=Column.NOTICES, title="改了", article=draft
    )
    assert not services.published().exists()


def test_scheduled_articles_show_from_their_time(olivia, rita, center_a):
    later = timezone.now() + timezone.timedelta(days=1)
    article = services.article_save(
        by=olivia, center=center_a, column=Column.NOTICES, title="明日通知", publish_at=later
    )
    services.article_submit(article=article, by=olivia)
    services.article_review(article=article, by=rita, approve=True)
    assert not services.published().exists()
    with time_machine.travel(later + timezone.timedelta(minutes=1)):
        assert services.published().exists()


def test_staff_of_another_center_cannot_write_here(oscar, center_a):
    with pytest.raises(Http404):
        services.article_save(by=oscar, center=center_a, column=Column.NOTICES, title="x")


def test_residents_read_published_articles_and_views_are_counted(client, draft, olivia, rita):
    services.article_submit(article=draft, by=olivia)
    services.article_review(article=draft, by=rita, approve=True)
    page = client.get(f"/news/a/{draft.pk}/").content.decode()
    assert "元旦期间开放时间调整" in page and "<script>alert" not in page
    draft.refresh_from_db()
    assert draft.views == 1
    assert "元旦期间开放时间调整" in client.get("/").content.decode()
    assert client.get("/news/notices/").status_code == 200
    assert client.get("/news/nope/").status_code == 404


def test_drafts_are_not_public(client, draft):
    assert client.get(f"/news/a/{draft.pk}/").status_code == 404


def test_guides_show_their_structured_fields(client, olivia, rita, center_a):
    guide = services.article_save(
        by=olivia,
        center=center_a,
        column=Column.GUIDE,
        title="居住证办理",
        guide={
            "audience": "来连务工人员",
            "materials": "身份证原件",
            "phone": "0411-1234567",
            "junk": "x",
        },
    )
    assert "junk" not in guide.guide
    services.article_submit(article=guide, by=olivia)
    services.article_review(article=guide, by=rita, approve=True)
    page = client.get(f"/news/a/{guide.pk}/").content.decode()
    assert "申请材料" in page and "身份证原件" in page


def test_a_center_admin_may_review(draft, olivia, adam):
    admin = adam
    services.article_submit(article=draft, by=olivia)
    services.article_review(article=draft, by=admin, approve=True)
