from django.urls import path

from openhall.news import views

app_name = "news"
urlpatterns = [
    path("", views.index, name="index"),
    path("c/<slug:column>/", views.index, name="column"),
    path("<int:article_id>/", views.detail, name="article"),
    path("files/<int:attachment_id>/", views.attachment, name="attachment"),
]
