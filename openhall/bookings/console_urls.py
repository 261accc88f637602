"""Console pages for bookings (included by console/urls.py under /console/c/<center_id>/…)."""

from django.urls import path

from openhall.bookings import console_views as views

urlpatterns = [
    path("c/<int:center_id>/bookings/approvals/", views.approvals, name="booking_approvals"),
    path("c/<int:center_id>/bookings/calendar/", views.calendar, name="booking_calendar"),
    path("c/<int:center_id>/bookings/new/", views.book_on_behalf, name="booking_new"),
    path("c/<int:center_id>/bookings/<int:booking_id>/", views.booking_detail, name="booking"),
    path(
        "c/<int:center_id>/bookings/<int:booking_id>/approve/",
        views.booking_approve,
        name="booking_approve",
    ),
    path(
        "c/<int:center_id>/bookings/<int:booking_id>/reject/",
        views.booking_reject,
        name="booking_reject",
    ),
    path(
        "c/<int:center_id>/bookings/<int:booking_id>/cancel/",
        views.booking_cancel,
        name="booking_cancel",
    ),
    path(
        "c/<int:center_id>/bookings/<int:booking_id>/check-in/",
        views.booking_check_in,
        name="booking_check_in",
    ),
    path(
        "c/<int:center_id>/bookings/<int:booking_id>/reschedule/",
        views.booking_reschedule,
        name="booking_reschedule",
    ),
    path(
        "c/<int:center_id>/bookings/bulk-approve/", views.bulk_approve, name="booking_bulk_approve"
    ),
    path("c/<int:center_id>/closures/", views.closures, name="closures"),
    path("c/<int:center_id>/booking-rules/", views.booking_rules, name="booking_rules"),
    path("c/<int:center_id>/opening-hours/", views.opening_hours, name="opening_hours"),
    path("c/<int:center_id>/bookings/stats/", views.stats, name="booking_stats"),
    path("c/<int:center_id>/bookings/export.xlsx", views.export, name="booking_export"),
]
