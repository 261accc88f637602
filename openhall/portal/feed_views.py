"""Calendar subscriptions (RFC 5545) through secret, rotatable URLs."""

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from openhall.accounts.models import User
from openhall.bookings.feeds import feed_object, feed_token, ical_for_space, ical_for_user
from openhall.core.audit import audit_record
from openhall.venues.models import Space

PAST, FUTURE = timedelta(days=90), timedelta(days=365)


def user_feed_url(request, user: User) -> str:
    token = feed_token("user", user.pk, user.calendar_feed_version)
    return request.build_absolute_uri(reverse("portal:feed", args=[token]))


def space_feed_url(request, space: Space) -> str:
    token = feed_token("space", space.pk, space.feed_version)
    return request.build_absolute_uri(reverse("portal:feed", args=[token]))


def feed(request, token: str):
    found = feed_object(token)
    if found is None:
        raise Http404
    kind, obj_id, version = found
    now = timezone.now()
    if kind == "user":
        user = User.objects.filter(pk=obj_id, is_active=True, calendar_feed_version=version).first()
        if user is None:
            raise Http404
        body, name = ical_for_user(user=user, since=now - PAST, until=now + FUTURE), "my-bookings"
    elif kind == "space":
        space = Space.objects.filter(
            pk=obj_id, feed_version=version, center__is_active=True
        ).first()
        if space is None:
            raise Http404
        body, name = (
            ical_for_space(space=space, since=now - PAST, until=now + FUTURE),
            f"space-{space.pk}",
        )
    else:
        raise Http404
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{name}.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response


@require_POST
@login_required
def rotate_my_feed(request):
    User.objects.filter(pk=request.user.pk).update(
        calendar_feed_version=F("calendar_feed_version") + 1
    )
    audit_record(actor=request.user, action="calendar_feed.rotate", obj=request.user)
    return redirect("portal:my_bookings")
