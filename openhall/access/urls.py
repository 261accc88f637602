from django.urls import path

from openhall.access import views

app_name = "access"
urlpatterns = [
    path("", views.my_access, name="mine"),
    path("doors/<int:door_id>/unlock/", views.unlock, name="unlock"),
    path("keypad/<int:door_id>/", views.keypad, name="keypad"),
    path("bookings/<int:booking_id>/members/", views.door_member_add, name="door_member_add"),
    path(
        "bookings/<int:booking_id>/members/<int:user_id>/remove/",
        views.door_member_remove,
        name="door_member_remove",
    ),
    path("ttlock/<str:secret>/", views.ttlock_webhook, name="ttlock_webhook"),
]
