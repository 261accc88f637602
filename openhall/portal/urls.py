from django.urls import include, path

from openhall.portal import account_views, booking_views, feed_views, views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("centers/", views.centers, name="centers"),
    path("services/", views.services, name="services"),
    path("messages/", views.messages_inbox, name="messages"),
    path("me/", views.me, name="me"),
    path("login/", views.login_view, name="login"),
    path("login/sms/", account_views.sms_login, name="sms_login"),
    path("privacy/", account_views.privacy, name="privacy"),
    path("me/identity/", account_views.identity, name="identity"),
    path("me/export/", account_views.export, name="export"),
    path("me/notifications/", account_views.notification_settings, name="notification_settings"),
    path("me/close/", account_views.close_account, name="close_account"),
    path("logout/", views.logout_view, name="logout"),
    path("elder-mode/", views.elder_mode, name="elder_mode"),
    path("book/", booking_views.rooms, name="book"),
    path("book/find/", booking_views.find, name="book_find"),
    path("book/space/<int:space_id>/", booking_views.space_day, name="book_space"),
    path("book/space/<int:space_id>/weekly/", booking_views.space_series, name="book_series"),
    path("bookings/", booking_views.my_bookings, name="my_bookings"),
    path("bookings/<int:booking_id>/", booking_views.booking_detail, name="booking"),
    path("bookings/<int:booking_id>/cancel/", booking_views.booking_cancel, name="booking_cancel"),
    path(
        "bookings/<int:booking_id>/cancel-rest/",
        booking_views.series_cancel,
        name="series_cancel",
    ),
    path("rooms/<int:space_id>/check-in/", booking_views.room_check_in, name="room_check_in"),
    path("feeds/<str:token>.ics", feed_views.feed, name="feed"),
    path("bookings/calendar-link/rotate/", feed_views.rotate_my_feed, name="rotate_my_feed"),
    path("i18n/", include("django.conf.urls.i18n")),
]
