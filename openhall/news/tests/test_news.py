"""News columns: staff write, a reviewer publishes, residents read only what is published and due."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from openhall.core.models import AuditEntry
from openhall.news import services
from openhall.news.models import Article

pytestmark = pytest.mark.django_db


def write(center, by, **values):
    return services.article_save(
        center=center,
        by=by,
        values={
            "column": "notices",
            "title": "元旦开放时间调整",
            "body": "<p>1月1日闭馆。</p>",
            **values,
        },
    )


def test_an_operator_writes_and_submits_and_the_admin_publishes(olivia, adam, center_a, client):
    article = write(center_a, olivia)
    assert client.get(f"/news/{article.pk}/").status_code == 404  # a draft is not public
    services.article_submit(article=article, by=olivia)
    with pytest.raises(PermissionDenied):
        services.article_publish(article=article, by=olivia)
    services.article_publish(article=article, by=adam)
    page = client.get(f"/news/{article.pk}/").content.decode()
    assert "元旦开放时间调整" in page and "1月1日闭馆" in page
    assert "元旦开放时间调整" in client.get("/news/c/notices/").content.decode()
    actions = list(
        AuditEntry.objects.filter(object_id=str(article.pk))
        .order_by("at")
        .values_list("action", flat=True)
    )
    assert actions == ["article.create", "article.submit", "article.publish"]


def test_with_street_review_only_the_street_reviewer_publishes(
    settings, olivia, adam, rita, center_a
):
    settings.OPENHALL_NEWS_STREET_REVIEW = True
    article = services.article_submit(article=write(center_a, olivia), by=olivia)
    with pytest.raises(PermissionDenied):
        services.article_publish(article=article, by=adam)
    assert services.article_publish(article=article, by=rita).status == "published"


def test_a_returned_article_carries_the_reviewers_note(olivia, adam, center_a):
    article = services.article_submit(article=write(center_a, olivia), by=olivia)
    with pytest.raises(ValidationError):
        services.article_return(article=article, by=adam, note=" ")
    returned = services.article_return(article=article, by=adam, note="请补充联系电话")
    assert (returned.status, returned.review_note) == ("returned", "请补充联系电话")
    assert services.article_submit(article=returned, by=olivia).status == "in_review"


def test_scripts_styles_and_handlers_are_removed_when_saved(olivia, center_a):
    article = write(
        center_a,
        olivia,
        body='<p style="color:red" onclick="steal()">通知<script>alert(1)</script></p>'
        '<a href="javascript:alert(1)">点我</a><a href="https://example.cn">官网</a><img src="x">',
    )
    assert "<script" not in article.body and "onclick" not in article.body
    assert "style=" not in article.body and "javascript:" not in article.body
    assert "<img" not in article.body
    assert 'href="https://example.cn"' in article.body and "noopener" in article.body


def test_a_scheduled_article_shows_from_its_time(olivia, adam, center_a, client, time_machine):
    later = timezone.now() + timedelta(days=2)
    article = write(center_a, olivia, publish_at=later)
    services.article_publish(article=article, by=adam)
    assert client.get(f"/news/{article.pk}/").status_code == 404
    assert client.get(f"/api/v1/centers/{center_a.pk}/articles").json()["count"] == 0
    time_machine.move_to(later + timedelta(minutes=1))
    assert client.get(f"/news/{article.pk}/").status_code == 200
    assert client.get(f"/api/v1/centers/{center_a.pk}/articles").json()["count"] == 1


def test_a_guide_shows_its_structured_fields(olivia, adam, center_a, client):
    guide = write(
        center_a,
        olivia,
        column="guides",
        title="居住证办理",
        guide_materials="身份证\n租房合同",
        guide_fees="免费",
        guide_phone="021-12345678",
    )
    services.article_publish(article=guide, by=adam)
    page = client.get(f"/news/{guide.pk}/").content.decode()
    assert "租房合同" in page and "免费" in page and "tel:021-12345678" in page
    body = client.get(f"/api/v1/articles/{guide.pk}").json()
    assert body["guide"]["fees"] == "免费" and body["guide"]["materials"] == "身份证\n租房合同"


def test_views_are_counted(olivia, adam, center_a, client):
    article = services.article_publish(article=write(center_a, olivia), by=adam)
    for _ in range(3):
        client.get(f"/news/{article.pk}/")
    article.refresh_from_db()
    assert article.view_count == 3


def test_the_console_flow(client, olivia, adam, center_a):
    client.force_login(olivia)
    base = f"/console/c/{center_a.pk}/news"
    response = client.post(
        f"{base}/new/",
        {"column": "party_news", "title": "党员志愿服务日", "body": "<p>活动回顾</p>"},
    )
    article = Article.objects.get()
    assert response.status_code == 302 and article.author == olivia
    client.post(f"{base}/{article.pk}/submit/")
    client.force_login(adam)
    assert '<span class="count">1</span>' in client.get(f"{base}/").content.decode()
    client.post(f"{base}/{article.pk}/publish/")
    article.refresh_from_db()
    assert article.status == "published" and article.reviewed_by == adam


def test_a_title_is_required_and_explained(client, olivia, center_a):
    client.force_login(olivia)
    response = client.post(
        f"/console/c/{center_a.pk}/news/new/", {"column": "notices", "title": "", "body": "x"}
    )
    assert response.status_code == 200 and not Article.objects.exists()
