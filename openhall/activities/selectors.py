"""Reads of activities for the faces: the lobby screen's schedule and counters, the H5 home
page, the weekly digest (faces register these with their own registries)."""

from datetime import date

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from openhall.activities.models import Activity, CheckIn, Registration, Session
from openhall.bookings.selectors import local_day_bounds


def today_sessions(center, day: date) -> list[dict]:
    start, end = local_day_bounds(day)
    sessions = Session.objects.filter(
        activity__center=center,
        activity__status__in=["published", "completed"],
        start__lt=end,
        end__gt=start,
    ).select_related("activity", "space")
    return [
        {
            "start": s.start,
            "end": s.end,
            "title": s.activity.title,
            "place": s.space.name,
            "kind": "activity",
        }
        for s in sessions
    ]


def registrations_today(center, day: date) -> int:
    start, end = local_day_bounds(day)
    return Registration.objects.filter(
        activity__center=center, created_at__gte=start, created_at__lt=end
    ).count()


def check_ins_today(center, day: date) -> int:
    start, end = local_day_bounds(day)
    return CheckIn.objects.filter(
        session__activity__center=center, at__gte=start, at__lt=end
    ).count()


def digest_line(center, since: date, until: date):
    start, end = local_day_bounds(since)[0], local_day_bounds(until)[1]
    held = Session.objects.filter(
        activity__center=center,
        start__gte=start,
        start__lt=end,
        activity__status__in=["published", "completed"],
    )
    activities = held.values("activity").distinct().count()
    if not activities:
        return None
    came = CheckIn.objects.filter(session__in=held).count()
    return _("%(activities)d activities were held, with %(came)d check-ins.") % {
        "activities": activities,
        "came": came,
    }


def upcoming(center, limit: int = 3):
    """For the H5 home page: the next published activities with places."""
    return (
        Activity.objects.filter(
            center=center, status="published", sessions__start__gte=timezone.now()
        )
        .annotate(n=Count("sessions"))
        .distinct()
        .order_by("sessions__start")[:limit]
    )


def registrant_ids(center, activity_id: int) -> list[int]:
    """Who a broadcast to an activity reaches: everyone holding or waiting for a place."""
    return list(
        Registration.objects.filter(
            activity_id=activity_id, activity__center=center, status__in=Registration.ACTIVE
        )
        .values_list("user_id", flat=True)
        .distinct()
    )


def broadcast_choices(center) -> list[tuple[int, str]]:
    return list(
        Activity.objects.filter(center=center, status__in=["published", "completed"])
        .order_by("-pk")
        .values_list("pk", "title")[:50]
    )


def holds_a_session(booking_id: int) -> bool:
    """The booking holds an activity's session (the activity tells its people about it)."""
    return Session.objects.filter(booking_id=booking_id).exists()


def awaiting_review_count(center) -> int:
    """Activities of `center` sent for review (the center's or the street's) and not decided."""
    return Activity.objects.filter(
        center=center, status__in=[Activity.Status.SUBMITTED, Activity.Status.CENTER_APPROVED]
    ).count()


def proposals_by(user) -> list[Activity]:
    """What a team leader or an enterprise's member proposed, newest first, with its state and
    the reviewer's note (我的活动)."""
    return list(
        Activity.objects.filter(created_by=user)
        .exclude(organizer_team=None, organizer_enterprise=None)
        .prefetch_related("sessions__space")
        .order_by("-pk")[:20]
    )
