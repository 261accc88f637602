from django.urls import path

from openhall.display import views

app_name = "display"
urlpatterns = [
    path("<str:token>/", views.screen_page, name="screen"),
    path("<str:token>/events", views.screen_events, name="events"),
]
