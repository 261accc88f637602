from django.contrib import admin
from django.urls import include, path, re_path

from openhall.api import api
from openhall.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("api/v1/", api.urls),
    # Unknown API paths answer in the API's error shape, in DEBUG too.
    re_path(r"^api/", core_views.api_not_found),
    path("console/", include("openhall.console.urls")),
    path("django-admin/", admin.site.urls),
    path("wechat/", include("openhall.wechat.urls")),
    path("", include("openhall.portal.urls")),
]

handler404 = "openhall.core.views.not_found"
handler500 = "openhall.core.views.server_error"
