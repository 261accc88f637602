from django.urls import include, path

from openhall.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("centers/", views.centers, name="centers"),
    path("services/", views.services, name="services"),
    path("messages/", views.messages_inbox, name="messages"),
    path("me/", views.me, name="me"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("elder-mode/", views.elder_mode, name="elder_mode"),
    path("i18n/", include("django.conf.urls.i18n")),
]
