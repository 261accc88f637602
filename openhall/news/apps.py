from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NewsConfig(AppConfig):
    name = "openhall.news"
    label = "news"
    verbose_name = _("News columns")
    api_router = "openhall.news.api.router"  # mounted under /api/v1 by openhall/api.py
