"""Console page for broadcasts (under /console/c/<center_id>/broadcasts/)."""

from django.urls import path

from openhall.console import broadcast_views as views

urlpatterns = [
    path("c/<int:center_id>/broadcasts/", views.broadcasts, name="broadcasts"),
    path("c/<int:center_id>/outbox/", views.outbox, name="outbox"),
]
