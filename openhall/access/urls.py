from django.urls import path

from openhall.access import views

app_name = "access"
urlpatterns = [
    path("", views.my_access, name="mine"),
    path("doors/<int:door_id>/unlock/", views.unlock, name="unlock"),
    path("keypad/<int:door_id>/", views.keypad, name="keypad"),
    path("ttlock/<str:secret>/", views.ttlock_webhook, name="ttlock_webhook"),
]
