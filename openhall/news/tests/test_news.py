"""News columns: staff write, a reviewer publishes, residents read only what is published and due."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from openhall.core.models import AuditEntry
from openhall.core.refusals import Forbidden
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
    with pytest.raises(Forbidden):
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
    with pytest.raises(Forbidden):
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


# --- Attachments ---------------------------------------------------------------------------------
def upload(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n"


def test_a_published_articles_file_downloads_under_its_own_name(olivia, adam, center_a, client):
    article = write(center_a, olivia)
    services.attachment_add(article=article, by=olivia, upload=upload("C:\\表格\\报名表.PDF", PDF))
    file = article.attachments.get()
    assert client.get(f"/news/files/{file.pk}/").status_code == 404  # draft: not public yet

    services.article_submit(article=article, by=olivia)
    services.article_publish(article=article, by=adam)

    page = client.get(f"/news/{article.pk}/").content.decode()
    assert f"/news/files/{file.pk}/" in page and "报名表.pdf" in page
    response = client.get(f"/news/files/{file.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert "attachment" in response["Content-Disposition"]
    assert "%E6%8A%A5%E5%90%8D%E8%A1%A8.pdf" in response["Content-Disposition"]  # 报名表.pdf
    assert not file.file.name.endswith("报名表.pdf")  # stored under a random name
    api = client.get(f"/api/v1/articles/{article.pk}").json()
    assert api["attachments"] == [
        {"name": "报名表.pdf", "size": len(PDF), "url": f"/news/files/{file.pk}/"}
    ]
    assert AuditEntry.objects.filter(action="article.attachment_add").exists()


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("setup.exe", b"MZ\x90\x00", "file_type"),
        ("通知.pdf", b"MZ\x90\x00 a program renamed", "file_mismatch"),
        ("照片.png", b"\xff\xd8\xff\xe0 a jpeg named png", "file_mismatch"),
    ],
)
def test_files_that_are_not_documents_are_refused_in_words(olivia, center_a, name, content, code):
    article = write(center_a, olivia)
    with pytest.raises(ValidationError) as refused:
        services.attachment_add(article=article, by=olivia, upload=upload(name, content))
    assert refused.value.code == code and refused.value.messages[0]
    assert not article.attachments.exists()


def test_a_file_over_ten_megabytes_is_refused(olivia, center_a):
    article = write(center_a, olivia)
    big = upload("大文件.pdf", PDF + b"0" * services.MAX_ATTACHMENT_BYTES)
    with pytest.raises(ValidationError) as refused:
        services.attachment_add(article=article, by=olivia, upload=big)
    assert refused.value.code == "file_too_large"


def test_only_a_reviewer_changes_the_files_of_a_published_article(olivia, adam, center_a):
    article = write(center_a, olivia)
    services.article_submit(article=article, by=olivia)
    services.article_publish(article=article, by=adam)
    with pytest.raises(Forbidden):
        services.attachment_add(article=article, by=olivia, upload=upload("a.pdf", PDF))
    file = services.attachment_add(article=article, by=adam, upload=upload("a.pdf", PDF))
    with pytest.raises(Forbidden):
        services.attachment_remove(attachment=file, by=olivia)
    services.attachment_remove(attachment=file, by=adam)
    assert not article.attachments.exists()


def test_staff_upload_and_remove_files_in_the_console(
    olivia, center_a, client, django_capture_on_commit_callbacks
):
    article = write(center_a, olivia)
    client.force_login(olivia)
    base = f"/console/c/{center_a.pk}/news"
    response = client.post(
        f"{base}/{article.pk}/files/", {"file": upload("须知.docx", b"PK\x03\x04")}
    )
    assert response.status_code == 302
    file = article.attachments.get()
    assert "须知.docx" in client.get(f"{base}/{article.pk}/").content.decode()
    stored = file.file.path

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{base}/files/{file.pk}/delete/")

    assert not article.attachments.exists()
    assert not Path(stored).exists()  # the file goes once the removal is committed


def test_a_body_written_in_the_console_is_sanitised(client, olivia, center_a):
    client.force_login(olivia)
    client.post(
        f"/console/c/{center_a.pk}/news/new/",
        {
            "column": "notices",
            "title": "通知",
            "body": '<p onclick="steal()">闭馆</p><script>alert(1)</script><img src=x onerror=x()>',
        },
    )
    body = Article.objects.get().body
    assert "<script" not in body and "onerror" not in body and "onclick" not in body
    assert "闭馆" in body
