from django.urls import path

from openhall.news import views

app_name = "news"
urlpatterns = [
    path("", views.columns, name="columns"),
    path("a/<int:article_id>/", views.article, name="article"),
    path("<slug:column>/", views.column, name="column"),
]
