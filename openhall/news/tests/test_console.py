from openhall.news.models import Article


def test_an_operator_writes_and_a_reviewer_publishes_in_the_console(
    client_for, olivia, rita, center_a
):
    client = client_for(olivia)
    base = f"/console/c/{center_a.pk}/articles/"
    response = client.post(
        base + "new/",
        {"column": "notices", "title": "停电通知", "body": "<p>周六停电</p><script>x</script>"},
    )
    article = Article.objects.get()
    assert response["Location"] == f"{base}{article.pk}/"
    assert "<script>" not in article.body
    client.post(f"{base}{article.pk}/submit/")
    # The operator sees no approve button; the street reviewer does.
    assert "approve" not in client.get(base).content.decode()
    reviewer = client_for(rita)
    assert 'value="approve"' in reviewer.get(base).content.decode()
    reviewer.post(f"{base}{article.pk}/review/", {"decision": "approve"})
    article.refresh_from_db()
    assert article.status == "published"


def test_returning_without_a_reason_is_refused_with_a_message(client_for, olivia, rita, center_a):
    client = client_for(olivia)
    base = f"/console/c/{center_a.pk}/articles/"
    client.post(base + "new/", {"column": "notices", "title": "停电通知"})
    article = Article.objects.get()
    client.post(f"{base}{article.pk}/submit/")
    page = client_for(rita).post(f"{base}{article.pk}/review/", {"decision": "reject"}, follow=True)
    assert "原因" in page.content.decode()
    article.refresh_from_db()
    assert article.status == "review"
