"""Console pages for the news columns (under /console/c/<center_id>/articles/)."""

from django.urls import path

from openhall.console import news_views as views

urlpatterns = [
    path("c/<int:center_id>/broadcasts/", views.broadcasts, name="broadcasts"),
    path("c/<int:center_id>/articles/", views.articles, name="articles"),
    path("c/<int:center_id>/articles/new/", views.article_edit, name="article_new"),
    path("c/<int:center_id>/articles/<int:article_id>/", views.article_edit, name="article"),
    path(
        "c/<int:center_id>/articles/<int:article_id>/submit/",
        views.article_submit,
        name="article_submit",
    ),
    path(
        "c/<int:center_id>/articles/<int:article_id>/review/",
        views.article_review,
        name="article_review",
    ),
]
