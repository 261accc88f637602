"""Staff pages for bookings: approvals inbox, day calendar, booking on behalf, closures, rules,
statistics and export. Each view parses input, calls one service or selector, and renders."""

from datetime import date, datetime, time, timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from openhall.accounts.models import Team, User
from openhall.accounts.validators import normalize_mobile
from openhall.bookings import selectors, services
from openhall.bookings.models import Booking
from openhall.core.audit import audit_record
from openhall.core.dates import check_day, parse_day
from openhall.core.decorators import center_view
from openhall.core.models import AuditEntry
from openhall.core.permissions import Perm
from openhall.venues import services as venue_services
from openhall.venues.models import BookingRule, Closure, OpeningHours, Purpose, Space
from openhall.venues.rules import RULE_FIELDS, effective_rules


def _booking(request, booking_id) -> Booking:
    return get_object_or_404(
        Booking.objects.select_related("space", "booker", "center"),
        pk=booking_id,
        center=request.center,
    )


def _back(request, fallback: str):
    target = request.POST.get("next", "")
    return redirect(target if target.startswith("/console/") else fallback)


@center_view(Perm.OPERATE)
def approvals(request):
    pending = selectors.pending_approvals(center=request.center).select_related("series")
    return render(
        request, "console/bookings/approvals.html", {"bookings": pending, "nav": "approvals"}
    )


def _day_from(request) -> date:
    return parse_day(request.GET.get("date"), default=timezone.localdate())


@center_view(Perm.VIEW_CENTER)
def calendar(request):
    day = _day_from(request)
    if request.GET.get("view") == "week":
        return _week_calendar(request, day)
    rows = selectors.day_calendar(center=request.center, day=day)
    window = selectors.opening_window(request.center, day)
    first_hour = timezone.localtime(window.start).hour if window else 8
    last_hour = (timezone.localtime(window.end) - timedelta(minutes=1)).hour + 1 if window else 22
    if window and timezone.localtime(window.end).date() > day:
        last_hour = 24
    span_minutes = max(60, (last_hour - first_hour) * 60)
    for row in rows:
        for booking in row["bookings"]:
            start = timezone.localtime(booking.start)
            end = timezone.localtime(booking.end)
            offset = (
                max(0, (start.hour - first_hour) * 60 + start.minute) if start.date() == day else 0
            )
            length = (
                end - max(start, timezone.make_aware(datetime.combine(day, time(first_hour))))
            ).total_seconds() / 60
            booking.left = round(100 * offset / span_minutes, 2)
            booking.width = round(max(1.5, min(100 - booking.left, 100 * length / span_minutes)), 2)
    context = {
        "day": day,
        "prev": day - timedelta(days=1),
        "next": day + timedelta(days=1),
        "rows": rows,
        "hours": list(range(first_hour, last_hour)),
        "nav": "calendar",
        "closed": window is None,
    }
    return render(request, "console/bookings/calendar.html", context)


def _week_calendar(request, day):
    monday = day - timedelta(days=day.weekday())
    days = [monday + timedelta(days=n) for n in range(7)]
    context = {
        "day": day,
        "days": days,
        "today": timezone.localdate(),
        "prev": monday - timedelta(days=7),
        "next": monday + timedelta(days=7),
        "rows": selectors.week_calendar(center=request.center, monday=monday),
        "nav": "calendar",
    }
    return render(request, "console/bookings/calendar_week.html", context)


@center_view(Perm.VIEW_CENTER)
def booking_detail(request, booking_id):
    booking = _booking(request, booking_id)
    history = AuditEntry.objects.filter(
        object_type="bookings.booking", object_id=str(booking.pk)
    ).order_by("at")
    return render(
        request,
        "console/bookings/detail.html",
        {"booking": booking, "history": history, "nav": "calendar"},
    )


def _booking_action(request, booking_id, action, *, done: str, back: str, **arguments):
    """Run one lifecycle service on a booking of this center and report how it went."""
    try:
        action(booking=_booking(request, booking_id), by=request.user, **arguments)
        messages.success(request, done)
    except services.InvalidTransition as exc:
        messages.error(request, str(exc))
    return _back(request, back)


@require_POST
@center_view(Perm.OPERATE)
def booking_approve(request, booking_id):
    return _booking_action(
        request,
        booking_id,
        services.booking_approve,
        done=_("Approved."),
        back=f"/console/c/{request.center.pk}/bookings/approvals/",
    )


@require_POST
@center_view(Perm.OPERATE)
def booking_reject(request, booking_id):
    return _booking_action(
        request,
        booking_id,
        services.booking_reject,
        reason=request.POST.get("reason", ""),
        done=_("Rejected; the booker has been told why."),
        back=f"/console/c/{request.center.pk}/bookings/approvals/",
    )


@require_POST
@center_view(Perm.OPERATE)
def booking_cancel(request, booking_id):
    return _booking_action(
        request,
        booking_id,
        services.booking_cancel,
        reason=request.POST.get("reason", ""),
        done=_("Cancelled; the booker has been told."),
        back=f"/console/c/{request.center.pk}/bookings/{booking_id}/",
    )


@require_POST
@center_view(Perm.OPERATE)
def booking_check_in(request, booking_id):
    return _booking_action(
        request,
        booking_id,
        services.booking_check_in,
        done=_("Checked in."),
        back=f"/console/c/{request.center.pk}/bookings/{booking_id}/",
    )


@require_POST
@center_view(Perm.OPERATE)
def bulk_approve(request):
    ids = [int(i) for i in request.POST.getlist("booking") if i.isdigit()]
    approved = 0
    for booking in Booking.objects.filter(
        center=request.center, pk__in=ids, status=Booking.Status.REQUESTED
    ):
        services.booking_approve(booking=booking, by=request.user)
        approved += 1
    messages.success(request, _("%(count)d bookings approved.") % {"count": approved})
    return redirect("console:booking_approvals", center_id=request.center.pk)


class OnBehalfForm(forms.Form):
    mobile = forms.CharField(label=gettext_lazy("Booker's mobile number"), max_length=20)
    space = forms.ModelChoiceField(label=gettext_lazy("Space"), queryset=Space.objects.none())
    day = forms.DateField(
        label=gettext_lazy("Date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    start = forms.TimeField(
        label=gettext_lazy("From"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    end = forms.TimeField(
        label=gettext_lazy("Until"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    title = forms.CharField(label=pgettext_lazy("booking", "Title"), max_length=100)
    purpose = forms.ChoiceField(label=gettext_lazy("Purpose"), choices=Purpose.choices)
    attendees = forms.IntegerField(label=gettext_lazy("Attendees"), min_value=1, max_value=10000)
    team = forms.ModelChoiceField(
        label=gettext_lazy("Team"), queryset=Team.objects.none(), required=False
    )

    def __init__(self, center, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["space"].queryset = Space.objects.filter(
            center=center, is_bookable=True
        ).select_related("parent")
        self.fields["team"].queryset = Team.objects.filter(center=center, is_active=True)

    def clean_mobile(self):
        mobile = normalize_mobile(self.cleaned_data["mobile"])
        self.booker = User.objects.filter(mobile=mobile, is_active=True).first()
        if self.booker is None:
            raise forms.ValidationError(_("No resident is registered with this number."))
        return mobile


@center_view(Perm.OPERATE)
def book_on_behalf(request):
    form = OnBehalfForm(
        request.center,
        request.POST or None,
        initial={"day": timezone.localdate() + timedelta(days=1)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        start = timezone.make_aware(datetime.combine(data["day"], data["start"]))
        end = timezone.make_aware(datetime.combine(data["day"], data["end"]))
        team = data["team"]
        try:
            booking = services.booking_request(
                space=data["space"],
                booker=form.booker,
                by=request.user,
                start=start,
                end=end,
                title=data["title"],
                purpose=data["purpose"],
                attendees=data["attendees"],
                team=team,
            )
        except (services.BookingRefused, services.BookingConflict) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Booked for %(name)s.") % {"name": form.booker})
            return redirect("console:booking", center_id=request.center.pk, booking_id=booking.pk)
    return render(request, "console/bookings/new.html", {"form": form, "nav": "calendar"})


class ClosureForm(forms.ModelForm):
    class Meta:
        model = Closure
        fields = ["space", "start", "end", "reason"]
        widgets = {
            "start": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "end": forms.DateTimeInput(attrs={"type": "datetime-local"}),
        }

    def __init__(self, center, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["space"].queryset = Space.objects.filter(center=center)
        self.fields["space"].empty_label = _("The whole center")

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] >= data["end"]:
            raise forms.ValidationError(_("The end must be after the start."))
        return data


@center_view(Perm.MANAGE_CENTER)
def closures(request):
    form = ClosureForm(request.center, request.POST or None)
    if request.method == "POST" and form.is_valid():
        venue_services.closure_create(center=request.center, by=request.user, **form.cleaned_data)
        messages.success(request, _("Closure saved. New bookings in that time are refused."))
        return redirect("console:closures", center_id=request.center.pk)
    upcoming = Closure.objects.filter(
        center=request.center, end__gte=timezone.now()
    ).select_related("space")
    return render(
        request,
        "console/bookings/closures.html",
        {"form": form, "closures": upcoming, "nav": "closures"},
    )


class InheritedYesNo(forms.NullBooleanSelect):
    """A yes/no rule left empty is not "unknown": the space follows the room or the center."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [
            ("unknown", pgettext_lazy("rule", "As set above")),
            ("true", pgettext_lazy("rule", "Yes")),
            ("false", pgettext_lazy("rule", "No")),
        ]


class RuleForm(forms.ModelForm):
    booker_kinds = forms.MultipleChoiceField(
        label=gettext_lazy("Who may book"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[
            ("resident", gettext_lazy("Residents")),
            ("team", gettext_lazy("Teams")),
            ("enterprise", gettext_lazy("Enterprises")),
            ("staff", gettext_lazy("Staff")),
        ],
    )
    purposes = forms.MultipleChoiceField(
        label=gettext_lazy("Allowed purposes"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=Purpose.choices,
    )
    requires_approval = forms.NullBooleanField(
        label=gettext_lazy("Needs staff approval"), required=False, widget=InheritedYesNo
    )
    allow_unstaffed = forms.NullBooleanField(
        label=gettext_lazy("Bookable when no staff are present"),
        required=False,
        widget=InheritedYesNo,
    )

    class Meta:
        model = BookingRule
        fields = RULE_FIELDS

    def clean_booker_kinds(self):
        return self.cleaned_data["booker_kinds"] or None

    def clean_purposes(self):
        return self.cleaned_data["purposes"] or None


@center_view(Perm.MANAGE_CENTER)
def booking_rules(request):
    space_id = request.GET.get("space") or request.POST.get("space") or ""
    space = (
        get_object_or_404(Space, pk=space_id, center=request.center) if space_id.isdigit() else None
    )
    rule = BookingRule.objects.filter(center=request.center, space=space).first() or BookingRule(
        center=request.center, space=space
    )
    form = RuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        venue_services.booking_rule_save(
            center=request.center, space=space, values=form.cleaned_data, by=request.user
        )
        messages.success(request, _("Rules saved."))
        return redirect(f"{request.path}?space={space.pk}" if space else request.path)
    context = {
        "form": form,
        "space": space,
        "spaces": Space.objects.filter(center=request.center).select_related("parent"),
        "effective": effective_rules(space) if space else None,
        "hours": {h.weekday: h for h in OpeningHours.objects.filter(center=request.center)},
        "weekdays": OpeningHours._meta.get_field("weekday").choices,
        "nav": "rules",
    }
    return render(request, "console/bookings/rules.html", context)


def _range_from(request) -> tuple[date, date]:
    from openhall.bookings.stats import default_range

    default_since, default_until = default_range(timezone.localdate())
    since = parse_day(request.GET.get("since"), default=default_since)
    until = parse_day(request.GET.get("until"), default=default_until)
    if until < since:
        since, until = until, since
    return since, min(until, since + timedelta(days=366))


@center_view(Perm.VIEW_STATS)
def stats(request):
    from openhall.bookings import stats as booking_stats

    since, until = _range_from(request)
    args = {"center": request.center, "since_day": since, "until_day": until}
    utilisation = booking_stats.utilisation(**args)
    context = {
        "since": since,
        "until": until,
        "nav": "stats",
        "utilisation": utilisation,
        "empty": not any(row["bookings"] or row["booked_hours"] for row in utilisation),
        "by_hour": sorted(booking_stats.by_hour(**args).items()),
        "by_purpose": [
            (Purpose(code).label, figures)
            for code, figures in booking_stats.by_purpose(**args).items()
        ],
        "unstaffed_share": booking_stats.unstaffed_share(**args),
        "no_show_rate": booking_stats.no_show_rate(**args),
    }
    return render(request, "console/bookings/stats.html", context)


@center_view(Perm.VIEW_STATS)
def export(request):
    from openhall.bookings.exports import bookings_workbook

    since, until = _range_from(request)
    # Whoever sees the center's figures gets the figures; the sheet of bookings (names, masked
    # phones, what residents typed) goes only to the staff who handle those bookings. A street
    # reviewer or district viewer reads statistics, not people.
    per_booking = Perm.OPERATE in request.center_perms
    content = bookings_workbook(
        center=request.center, since_day=since, until_day=until, per_booking=per_booking
    )
    audit_record(
        actor=request.user,
        action="bookings.export",
        center=request.center,
        after={"since": str(since), "until": str(until), "per_booking": per_booking},
    )
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    name = "bookings" if per_booking else "utilisation"
    response["Content-Disposition"] = f'attachment; filename="{name}-{since}-{until}.xlsx"'
    return response


@require_POST
@center_view(Perm.OPERATE)
def booking_reschedule(request, booking_id):
    booking = _booking(request, booking_id)
    try:
        day = check_day(date.fromisoformat(request.POST.get("day", "")))
        start = timezone.make_aware(
            datetime.combine(day, time.fromisoformat(request.POST.get("start", "")))
        )
        end = timezone.make_aware(
            datetime.combine(day, time.fromisoformat(request.POST.get("end", "")))
        )
    except (ValueError, ValidationError):
        messages.error(request, _("Please choose a date, a start and an end time."))
    else:
        try:
            services.booking_reschedule(booking=booking, by=request.user, start=start, end=end)
            messages.success(request, _("Moved; the booker has been told."))
        except (
            services.BookingRefused,
            services.BookingConflict,
            services.InvalidTransition,
        ) as exc:
            messages.error(request, str(exc))
    return redirect("console:booking", center_id=request.center.pk, booking_id=booking.pk)


def _time_or_none(value: str) -> time | None:
    return time.fromisoformat(value) if value else None


@require_POST
@center_view(Perm.MANAGE_CENTER)
def opening_hours(request):
    for weekday, _label in OpeningHours._meta.get_field("weekday").choices:
        fields = [request.POST.get(f"{name}_{weekday}", "") for name in venue_services.HOURS_FIELDS]
        try:
            opens, closes, staffed_from, staffed_until = (_time_or_none(v) for v in fields)
            venue_services.opening_hours_set(
                center=request.center,
                weekday=weekday,
                opens=opens,
                closes=closes,
                staffed_from=staffed_from,
                staffed_until=staffed_until,
                by=request.user,
            )
        except (ValueError, ValidationError) as exc:
            message = (
                exc.messages[0]
                if isinstance(exc, ValidationError)
                else _("Please enter times as HH:MM.")
            )
            messages.error(request, f"{_label}：{message}")
            return redirect("console:booking_rules", center_id=request.center.pk)
    messages.success(request, _("Opening hours saved."))
    return redirect("console:booking_rules", center_id=request.center.pk)
