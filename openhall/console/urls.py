from django.urls import path

from openhall.access import console_views as access_views
from openhall.activities import console_views as activity_views
from openhall.bookings import console_urls as bookings_urls
from openhall.civic import console_views as ledger_views
from openhall.console import broadcast_urls, spaces_views, views
from openhall.display import console_views as screen_views
from openhall.news import console_views as news_views
from openhall.reports import views as report_views

app_name = "console"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.console_login, name="login"),
    path("reports/", report_views.report_page, name="reports"),
    path("reports/export/", report_views.report_export, name="report_export"),
    path("c/<int:center_id>/", views.center_home, name="center"),
    path("c/<int:center_id>/spaces/", views.spaces, name="spaces"),
    path("c/<int:center_id>/spaces/new/", spaces_views.space_edit, name="space_new"),
    path("c/<int:center_id>/spaces/<int:space_id>/", spaces_views.space_edit, name="space"),
    path(
        "c/<int:center_id>/spaces/<int:space_id>/photos/",
        spaces_views.space_photo_add,
        name="space_photo_add",
    ),
    path(
        "c/<int:center_id>/space-photos/<int:photo_id>/delete/",
        spaces_views.space_photo_delete,
        name="space_photo_delete",
    ),
    path("c/<int:center_id>/teams/", views.teams, name="teams"),
    path("c/<int:center_id>/teams/<int:team_id>/", views.team_detail, name="team"),
    path("c/<int:center_id>/enterprises/", views.enterprises, name="enterprises"),
    path(
        "c/<int:center_id>/enterprises/<int:enterprise_id>/",
        views.enterprise_detail,
        name="enterprise",
    ),
    path(
        "c/<int:center_id>/enterprises/<int:enterprise_id>/verify/",
        views.enterprise_verify,
        name="enterprise_verify",
    ),
    path("c/<int:center_id>/staff/", views.staff, name="staff"),
    path("c/<int:center_id>/audit/", views.audit, name="audit"),
    *bookings_urls.urlpatterns,
    path("c/<int:center_id>/activities/", activity_views.activity_list, name="activities"),
    path("c/<int:center_id>/activities/new/", activity_views.activity_new, name="activity_new"),
    path(
        "c/<int:center_id>/activities/<int:activity_id>/edit/",
        activity_views.activity_edit,
        name="activity_edit",
    ),
    path(
        "c/<int:center_id>/activities/<int:activity_id>/",
        activity_views.activity_detail,
        name="activity",
    ),
    path(
        "c/<int:center_id>/sessions/<int:session_id>/move/",
        activity_views.session_move,
        name="session_move",
    ),
    path(
        "c/<int:center_id>/activities/<int:activity_id>/photos/",
        activity_views.photo_add,
        name="activity_photo_add",
    ),
    path(
        "c/<int:center_id>/activities/<int:activity_id>/check-in/",
        activity_views.check_in_page,
        name="activity_check_in",
    ),
    *(
        path(
            f"c/<int:center_id>/activities/<int:activity_id>/{action}/",
            activity_views.activity_action,
            {"action": action},
            name=f"activity_{action}",
        )
        for action in activity_views.ACTIONS
    ),
    *(
        path(
            f"c/<int:center_id>/registrations/<int:registration_id>/{action}/",
            activity_views.registration_action,
            {"action": action},
            name=f"registration_{action}",
        )
        for action in ("payment", "cancel", "confirm", "waitlist")
    ),
    path("c/<int:center_id>/doors/", access_views.doors, name="doors"),
    path("c/<int:center_id>/doors/settings/", access_views.access_settings, name="access_settings"),
    path(
        "c/<int:center_id>/doors/<int:door_id>/unlock/",
        access_views.door_unlock,
        name="door_unlock",
    ),
    path("c/<int:center_id>/access/", access_views.grants, name="grants"),
    path(
        "c/<int:center_id>/access/<int:grant_id>/revoke/",
        access_views.grant_revoke,
        name="grant_revoke",
    ),
    path("c/<int:center_id>/access-log/", access_views.access_log, name="access_log"),
    path(
        "c/<int:center_id>/access-log/export/",
        access_views.access_log_export,
        name="access_log_export",
    ),
    path("c/<int:center_id>/screens/", screen_views.screen_list, name="screens"),
    path("c/<int:center_id>/screens/<int:screen_id>/", screen_views.screen_edit, name="screen"),
    path(
        "c/<int:center_id>/screens/<int:screen_id>/rotate/",
        screen_views.screen_rotate,
        name="screen_rotate",
    ),
    path("c/<int:center_id>/ledger/", ledger_views.ledger, name="ledger"),
    path("c/<int:center_id>/ledger/new/", ledger_views.record_new, name="ledger_new"),
    path("c/<int:center_id>/ledger/counters/", ledger_views.counter_list, name="ledger_counters"),
    path(
        "c/<int:center_id>/ledger/counters/new/",
        ledger_views.counter_edit,
        name="ledger_counter_new",
    ),
    path(
        "c/<int:center_id>/ledger/counters/<int:counter_id>/",
        ledger_views.counter_edit,
        name="ledger_counter",
    ),
    path(
        "c/<int:center_id>/ledger/counters/<int:counter_id>/delete/",
        ledger_views.counter_delete,
        name="ledger_counter_delete",
    ),
    path(
        "c/<int:center_id>/ledger/<int:record_id>/", ledger_views.record_edit, name="ledger_record"
    ),
    path(
        "c/<int:center_id>/ledger/<int:record_id>/delete/",
        ledger_views.record_delete,
        name="ledger_delete",
    ),
    *broadcast_urls.urlpatterns,
    path("c/<int:center_id>/news/", news_views.article_list, name="articles"),
    path("c/<int:center_id>/news/new/", news_views.article_new, name="article_new"),
    path("c/<int:center_id>/news/pictures/", news_views.body_picture, name="article_picture"),
    path("c/<int:center_id>/news/<int:article_id>/", news_views.article_edit, name="article"),
    path(
        "c/<int:center_id>/news/<int:article_id>/files/",
        news_views.attachment_add,
        name="article_attachment_add",
    ),
    path(
        "c/<int:center_id>/news/files/<int:attachment_id>/delete/",
        news_views.attachment_delete,
        name="article_attachment_delete",
    ),
    *(
        path(
            f"c/<int:center_id>/news/<int:article_id>/{action}/",
            news_views.article_action,
            {"action": action},
            name=f"article_{action}",
        )
        for action in ("submit", "publish", "return", "withdraw")
    ),
]
