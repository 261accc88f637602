"""Resident H5 pages for booking: rooms, a day's free times, the booking form, time-first
search, 我的预约 and the check-in QR at each room."""

from datetime import date, datetime, time, timedelta

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from openhall.access.selectors import booking_door_access
from openhall.accounts.models import TeamMembership
from openhall.bookings import availability, selectors, services
from openhall.bookings.models import Booking
from openhall.core.selectors import current_center
from openhall.venues.models import Purpose, Space
from openhall.venues.rules import effective_rules
from openhall.venues.selectors import space_tree

DAYS_SHOWN = 14


def _day(value: str | None) -> date:
    today = timezone.localdate()
    try:
        day = date.fromisoformat(value or "")
    except ValueError:
        return today
    return min(max(day, today), today + timedelta(days=90))


def _day_chips(selected: date) -> list[dict]:
    today = timezone.localdate()
    names = "一二三四五六日"
    return [
        {
            "day": d,
            "label": "今天" if d == today else f"周{names[d.weekday()]}",
            "selected": d == selected,
        }
        for d in (today + timedelta(days=n) for n in range(DAYS_SHOWN))
    ]


def rooms(request):
    center = current_center(request)
    if center is None:
        raise Http404
    return render(
        request,
        "portal/book_rooms.html",
        {"tab": "services", "center": center, "rooms": space_tree(center=center)},
    )


def _times(start: time = time(6), end: time = time(23)) -> list[str]:
    slots, moment = [], datetime.combine(date.min, start)
    while moment.time() <= end:
        slots.append(moment.strftime("%H:%M"))
        moment += timedelta(minutes=30)
    return slots


class BookingForm(forms.Form):
    start = forms.TimeField(label=gettext_lazy("From"))
    end = forms.TimeField(label=gettext_lazy("Until"))
    title = forms.CharField(label=gettext_lazy("What is it for?"), max_length=100)
    purpose = forms.ChoiceField(label=gettext_lazy("Purpose"), choices=Purpose.choices)
    attendees = forms.IntegerField(
        label=gettext_lazy("How many people"), min_value=1, max_value=10000
    )
    team = forms.TypedChoiceField(
        label=gettext_lazy("Book for my team"), coerce=int, required=False, empty_value=None
    )
    note = forms.CharField(
        label=gettext_lazy("Note for staff"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        led = (
            TeamMembership.objects.filter(
                user=user, role=TeamMembership.Role.LEADER
            ).select_related("team")
            if user.is_authenticated
            else []
        )
        self.teams = {m.team.pk: m.team for m in led}
        self.fields["team"].choices = [("", _("Myself"))] + [
            (pk, team.name) for pk, team in self.teams.items()
        ]
        if not self.teams:
            del self.fields["team"]


def _hm(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%H:%M}"


def _suggested_times(bookable: availability.BookableDay) -> tuple[str, str]:
    """The first start this person can book, until two hours later (or as long as the rules and
    the free stretch allow), both on the pickers' grid."""
    starts = bookable.start_times()
    if not starts:
        return "", ""
    start = starts[0]
    stretch = next(s for s in bookable.free if s.start <= start < s.end)
    rules = bookable.rules
    wanted = timedelta(
        minutes=min(max(rules.min_duration_minutes, 120), rules.max_duration_minutes)
    )
    ends = [t for t in bookable.end_times() if start < t <= min(start + wanted, stretch.end)]
    return _hm(start), _hm(ends[-1] if ends else stretch.end)


def space_day(request, space_id):
    space = get_object_or_404(
        Space.objects.select_related("center", "parent"), pk=space_id, center__is_active=True
    )
    day = _day(request.GET.get("date") or request.POST.get("date"))
    # What this person can book: the same rules the booking service applies, on the pickers' grid.
    booker = request.user if request.user.is_authenticated else None
    bookable = availability.bookable_day(space=space, day=day, booker=booker)
    if any(r.code == "booker_not_allowed" for r in bookable.refusals):
        # A room only teams may book: its leader sees what they can book for their team.
        led = TeamMembership.objects.filter(user=booker, role=TeamMembership.Role.LEADER).first()
        if led is not None:
            bookable = availability.bookable_day(space=space, day=day, booker=booker, team=led.team)
    first_start, first_end = _suggested_times(bookable)
    form = BookingForm(
        request.user,
        request.POST or None,
        initial={
            "start": request.GET.get("start", first_start),
            "end": request.GET.get("end", first_end),
            "attendees": request.GET.get("attendees", ""),
        },
    )
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('portal:login')}?next={request.path}")
        if form.is_valid():
            data = form.cleaned_data
            try:
                booking = services.booking_request(
                    space=space,
                    booker=request.user,
                    by=request.user,
                    start=timezone.make_aware(datetime.combine(day, data["start"])),
                    end=timezone.make_aware(datetime.combine(day, data["end"])),
                    title=data["title"],
                    purpose=data["purpose"],
                    attendees=data["attendees"],
                    team=form.teams.get(data.get("team")),
                    note=data["note"],
                )
            except (services.BookingRefused, services.BookingConflict) as exc:
                form.add_error(None, str(exc))
            else:
                if booking.status == Booking.Status.APPROVED:
                    messages.success(request, _("Booked. Please check in when you arrive."))
                else:
                    messages.success(
                        request, _("Request sent. We will tell you when staff have approved it.")
                    )
                return redirect("portal:booking", booking_id=booking.pk)
    context = {
        "tab": "services",
        "space": space,
        "day": day,
        "days": _day_chips(day),
        "form": form,
        "bookable": bookable,
        "photos": space.photos.all()[:6],
        "rules": bookable.rules,
        "start_times": [_hm(t) for t in bookable.start_times()],
        "end_times": [_hm(t) for t in bookable.end_times()],
        # Reasons that name a rule of this room worth reading (the rest say it in a word).
        "explained": ("closed", "unstaffed", "notice", "horizon", "too_short", "refused"),
    }
    return render(request, "portal/book_space.html", context)


WEEKDAY_CODES = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
SERIES_WEEKS_SHOWN = 8


class SeriesForm(BookingForm):
    """A booking that repeats every week on chosen weekdays (the dance team: Tue and Thu)."""

    weekdays = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Every week on"),
        coerce=int,
        choices=[(n, f"周{name}") for n, name in enumerate("一二三四五六日")],
        widget=forms.CheckboxSelectMultiple(attrs={"class": "weekday-box"}),
    )
    first_day = forms.DateField(
        label=gettext_lazy("First day"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    last_day = forms.DateField(
        label=gettext_lazy("Last day"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def clean(self):
        data = super().clean()
        first, last = data.get("first_day"), data.get("last_day")
        if first and last and last < first:
            self.add_error("last_day", _("The last day must not be before the first day."))
        return data

    def rrule(self) -> str:
        days = ",".join(WEEKDAY_CODES[n] for n in sorted(self.cleaned_data["weekdays"]))
        return f"FREQ=WEEKLY;BYDAY={days};UNTIL={self.cleaned_data['last_day']:%Y%m%d}T235959"


def space_series(request, space_id):
    """Book the same times every week: list every date and what stands in its way, then book
    the free dates in one go (the busy ones are skipped and shown)."""
    space = get_object_or_404(
        Space.objects.select_related("center", "parent"), pk=space_id, center__is_active=True
    )
    if not request.user.is_authenticated:
        return redirect(f"{reverse('portal:login')}?next={request.path}")
    first = _day(request.GET.get("date"))
    form = SeriesForm(
        request.user,
        request.POST or None,
        initial={
            "start": "19:00",
            "end": "21:00",
            "weekdays": [first.weekday()],
            "first_day": first,
            "last_day": first + timedelta(weeks=SERIES_WEEKS_SHOWN),
        },
    )
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        args = {
            "space": space,
            "booker": request.user,
            "start": timezone.make_aware(datetime.combine(data["first_day"], data["start"])),
            "end": timezone.make_aware(datetime.combine(data["first_day"], data["end"])),
            "rrule": form.rrule(),
            "purpose": data["purpose"],
            "attendees": data["attendees"],
            "team": form.teams.get(data.get("team")),
        }
        try:
            if request.POST.get("action") == "confirm":
                _series, created, skipped = services.booking_series_create(
                    **args, by=request.user, title=data["title"], skip_conflicts=True
                )
                messages.success(
                    request,
                    _("%(booked)d dates requested, %(skipped)d skipped.")
                    % {"booked": len(created), "skipped": len(skipped)},
                )
                return redirect("portal:my_bookings")
            preview = services.series_preview(**args)
        except (services.BookingRefused, services.BookingConflict) as exc:
            form.add_error(None, str(exc))
    context = {
        "tab": "services",
        "space": space,
        "form": form,
        "preview": preview,
        "bookable": sum(1 for o in preview or [] if not o.problem),
        "start_times": _times(),
        "end_times": _times(),
    }
    return render(request, "portal/book_series.html", context)


def find(request):
    center = current_center(request)
    if center is None:
        raise Http404
    day = _day(request.GET.get("date"))
    start_text, end_text = request.GET.get("start", ""), request.GET.get("end", "")
    results, error = None, ""
    if start_text and end_text:
        try:
            start = timezone.make_aware(datetime.combine(day, time.fromisoformat(start_text)))
            end = timezone.make_aware(datetime.combine(day, time.fromisoformat(end_text)))
        except ValueError:
            error = _("Please choose a start and an end time.")
        else:
            if start >= end:
                error = _("The end must be after the start.")
            else:
                attendees = (
                    int(request.GET["attendees"])
                    if request.GET.get("attendees", "").isdigit()
                    else 0
                )
                results = selectors.free_spaces(
                    center=center, start=start, end=end, attendees=attendees
                )
    context = {
        "tab": "services",
        "center": center,
        "day": day,
        "days": _day_chips(day),
        "times": _times(),
        "start": start_text,
        "end": end_text,
        "attendees": request.GET.get("attendees", ""),
        "results": results,
        "error": error,
    }
    return render(request, "portal/book_find.html", context)


@login_required
def my_bookings(request):
    now = timezone.now()
    mine = selectors.bookings_for(booker=request.user)
    upcoming = mine.filter(end__gt=now).exclude(
        status__in=[Booking.Status.CANCELLED, Booking.Status.REJECTED]
    )
    past = mine.exclude(pk__in=upcoming.values("pk")).order_by("-start")[:30]
    from openhall.portal.feed_views import user_feed_url

    context = {
        "tab": "me",
        "upcoming": upcoming,
        "past": past,
        "feed_url": user_feed_url(request, request.user),
    }
    return render(request, "portal/my_bookings.html", context)


def _qr_svg(text: str) -> str:
    return segno.make(text, error="m").svg_data_uri(scale=6, border=2)


@login_required
def booking_detail(request, booking_id):
    booking = get_object_or_404(
        Booking.objects.select_related("space", "center"), pk=booking_id, booker=request.user
    )
    check_in_url = request.build_absolute_uri(
        reverse("portal:room_check_in", args=[booking.space_id])
    )
    deadline = booking.start - timedelta(
        minutes=effective_rules(booking.space).cancel_deadline_minutes
    )
    context = {
        "tab": "me",
        "booking": booking,
        "can_cancel": booking.status in ("requested", "approved") and timezone.now() <= deadline,
        "cancel_deadline": deadline,
        "check_in_qr": _qr_svg(check_in_url),
        "subscribe_template": settings.WECHAT_TEMPLATES.get("booking_subscribe", ""),
        "door_access": booking_door_access(booking),
    }
    return render(request, "portal/booking_detail.html", context)


def _confirm_cancel(request, booking: Booking, *, rest: bool):
    """The step between 取消预约 and the cancellation: a page that asks once more, so a slip of
    the thumb cancels nothing. It works without JavaScript (the detail page links here)."""
    return render(
        request,
        "portal/booking_cancel.html",
        {"tab": "me", "booking": booking, "rest": rest},
    )


@require_http_methods(["GET", "POST"])
@login_required
def booking_cancel(request, booking_id):
    booking = get_object_or_404(
        Booking.objects.select_related("space", "center"), pk=booking_id, booker=request.user
    )
    if request.method == "GET":
        return _confirm_cancel(request, booking, rest=False)
    try:
        services.booking_cancel(
            booking=booking, by=request.user, reason=request.POST.get("reason", "")
        )
        messages.success(request, _("Your booking is cancelled."))
    except services.InvalidTransition as exc:
        messages.error(request, str(exc))
    return redirect("portal:booking", booking_id=booking.pk)


@require_http_methods(["GET", "POST"])
@login_required
def series_cancel(request, booking_id):
    """Cancel this date of a series and every later one (GET asks first)."""
    booking = get_object_or_404(
        Booking.objects.select_related("series", "space", "center"),
        pk=booking_id,
        booker=request.user,
        series__isnull=False,
    )
    if request.method == "GET":
        return _confirm_cancel(request, booking, rest=True)
    try:
        cancelled = services.booking_series_cancel(
            series=booking.series,
            by=request.user,
            reason=request.POST.get("reason", ""),
            from_start=booking.start,
        )
    except services.InvalidTransition as exc:
        messages.error(request, str(exc))
        return redirect("portal:booking", booking_id=booking.pk)
    messages.success(request, _("%(count)d dates cancelled.") % {"count": len(cancelled)})
    return redirect("portal:my_bookings")


@login_required
def room_check_in(request, space_id):
    """The QR code on the room's door leads here: check in the booking you have here now."""
    space = get_object_or_404(Space.objects.select_related("parent"), pk=space_id)
    now = timezone.now()
    related = [space.pk, *Space.objects.filter(parent=space).values_list("pk", flat=True)]
    if space.parent_id:
        related.append(space.parent_id)
    booking = (
        Booking.objects.filter(
            booker=request.user,
            space_id__in=related,
            status__in=[Booking.Status.APPROVED, Booking.Status.CHECKED_IN],
            start__lte=now + timedelta(minutes=services.CHECK_IN_EARLY_MINUTES),
            end__gt=now,
        )
        .order_by("start")
        .first()
    )
    if request.method == "POST" and booking is not None:
        try:
            services.booking_check_in(booking=booking, by=request.user)
            messages.success(request, _("Checked in. Enjoy your activity!"))
        except services.InvalidTransition as exc:
            messages.error(request, str(exc))
        return redirect("portal:room_check_in", space_id=space.pk)
    return render(
        request, "portal/room_check_in.html", {"tab": "me", "space": space, "booking": booking}
    )
