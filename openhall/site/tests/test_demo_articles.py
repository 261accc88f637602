"""The demo portal shows something in every news column, written as the editor writes it."""

import pytest

from openhall.core.html import clean_html
from openhall.news.models import Column
from openhall.news.selectors import published
from openhall.site.demo import load_demo_data

pytestmark = pytest.mark.django_db


def test_every_news_column_has_a_published_sample_article(client):
    load_demo_data()
    articles = list(published())
    assert {a.column for a in articles} == set(Column.values)
    for article in articles:
        assert article.body == clean_html(article.body)  # nothing the sanitiser would change
    for column in Column.values:
        page = client.get(f"/news/c/{column}/").content.decode()
        assert any(a.title in page for a in articles if a.column == column), column


def test_loading_the_demo_twice_adds_no_second_copy():
    load_demo_data()
    count = len(published())
    assert load_demo_data()["articles"] == 0 and len(published()) == count
