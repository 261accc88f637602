from django.urls import path

from openhall.wechat import views

app_name = "wechat"
urlpatterns = [
    path("callback", views.callback_view, name="callback"),
    path("login/", views.oauth_start, name="oauth_start"),
    path("oauth/return/", views.oauth_return, name="oauth_return"),
    path("jssdk/", views.jssdk_config, name="jssdk"),
    path("fake/<path:path>", views.fake_server, name="fake"),
]
