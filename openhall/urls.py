import posixpath
import re

from django.conf import settings
from django.contrib import admin
from django.http import Http404
from django.urls import include, path, re_path
from django.views.static import serve

from openhall.api import api
from openhall.core import metrics
from openhall.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("api/v1/", api.urls),
    # Unknown API paths answer in the API's error shape, in DEBUG too.
    re_path(r"^api/", core_views.api_not_found),
    path("console/", include("openhall.console.urls")),
    path("django-admin/", admin.site.urls),
    path("wechat/", include("openhall.wechat.urls")),
    path("news/", include("openhall.news.urls")),
    path("display/", include("openhall.display.urls")),
    path("activities/", include("openhall.activities.urls")),
    path("access/", include("openhall.access.urls")),
    path("", include("openhall.portal.urls")),
]
# Article attachments share MEDIA_ROOT with the public pictures on one box, but are private
# (news.models.Attachment): only /news/files/<id>/ hands them out, after its permission check.
PRIVATE_MEDIA = re.compile(r"news/\d+/files/")


def media(request, path: str):
    """Uploaded pictures from this disk: only under MEDIA_ROOT (serve() refuses paths that leave
    it), read when asked so a changed MEDIA_ROOT holds. nginx does it faster."""
    if PRIVATE_MEDIA.match(posixpath.normpath(path).lstrip("/")):  # as serve() reads it
        raise Http404
    return serve(request, path, document_root=settings.MEDIA_ROOT)


if settings.OPENHALL_SERVE_MEDIA and settings.OPENHALL_STORAGE == "local":
    urlpatterns.insert(0, re_path(r"^media/(?P<path>.+)$", media))

handler404 = "openhall.core.views.not_found"
handler500 = "openhall.core.views.server_error"
