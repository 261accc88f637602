"""Console pages for activities: write, review (with the flags and the checklist), the
registrations and waitlist, payments, the check-in page for a phone at the door, and the
summary afterwards. Rules live in services, signup and checkin; these views translate forms."""

from datetime import datetime, timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from openhall.activities import checkin, services, signup
from openhall.activities.models import Activity, Registration
from openhall.core import permissions
from openhall.core.dates import check_day
from openhall.core.decorators import center_view
from openhall.core.images import PhotoField
from openhall.core.permissions import Perm
from openhall.venues.models import Space


class ActivityForm(forms.ModelForm):
    space = forms.ModelChoiceField(label=gettext_lazy("Room"), queryset=Space.objects.none())
    day = forms.DateField(
        label=gettext_lazy("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    start_time = forms.TimeField(
        label=gettext_lazy("From"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    end_time = forms.TimeField(
        label=gettext_lazy("Until"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    weeks = forms.IntegerField(
        label=gettext_lazy("Every week, this many times"), min_value=1, max_value=52, initial=1
    )
    cover_upload = PhotoField(label=gettext_lazy("Cover picture (optional)"), required=False)
    question_lines = forms.CharField(
        label=gettext_lazy("Registration questions (one a line, optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    class Meta:
        model = Activity
        fields = [
            "type",
            "title",
            "description",
            "speaker",
            "capacity",
            "audience",
            "min_age",
            "max_age",
            "fee",
            "price",
            "registration_opens_at",
            "cancel_hours",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 6}),
            "registration_opens_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
        }

    def __init__(self, *args, center, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["space"].queryset = Space.objects.filter(center=center, is_bookable=True)

    def sessions(self) -> list[tuple]:
        data = self.cleaned_data
        first = timezone.make_aware(datetime.combine(data["day"], data["start_time"]))
        length = datetime.combine(data["day"], data["end_time"]) - datetime.combine(
            data["day"], data["start_time"]
        )
        return [
            (data["space"], first + timedelta(weeks=n), first + timedelta(weeks=n) + length)
            for n in range(data["weeks"])
        ]


def _activity(request, activity_id) -> Activity:
    return permissions.object_or_404(
        request.user,
        Activity.objects.filter(center=request.center).select_related("center"),
        Perm.VIEW_CENTER,
        pk=activity_id,
    )


@center_view(Perm.VIEW_CENTER)
def activity_list(request):
    activities = Activity.objects.filter(center=request.center).prefetch_related("sessions")
    status = request.GET.get("status", "")
    if status in Activity.Status.values:
        activities = activities.filter(status=status)
    waiting = Activity.objects.filter(
        center=request.center, status__in=["submitted", "center_approved"]
    ).count()
    return render(
        request,
        "activities/console_list.html",
        {
            "nav": "activities",
            "activities": activities[:100],
            "status": status,
            "statuses": Activity.Status.choices,
            "waiting": waiting,
            "can_write": Perm.OPERATE in request.center_perms,
        },
    )


@center_view(Perm.OPERATE)
def activity_new(request):
    form = ActivityForm(
        request.POST or None,
        request.FILES or None,
        center=request.center,
        initial={"weeks": 1, "capacity": 30, "cancel_hours": 2},
    )
    if request.method == "POST" and form.is_valid():
        values = {f: form.cleaned_data[f] for f in ActivityForm.Meta.fields}
        values["questions"] = form.cleaned_data["question_lines"].splitlines()
        try:
            activity = services.activity_create(
                center=request.center,
                by=request.user,
                values=values,
                sessions=form.sessions(),
                cover=form.cleaned_data.get("cover_upload"),
            )
        except ValidationError as exc:
            form.add_error(None, " ".join(exc.messages))
        else:
            messages.success(request, _("Saved as a draft. Send it for review when it is ready."))
            return redirect("console:activity", request.center.pk, activity.pk)
    return render(request, "activities/console_new.html", {"nav": "activities", "form": form})


SESSION_FIELDS = ("space", "day", "start_time", "end_time", "weeks")


def form_initial(activity: Activity) -> dict:
    """The create form's fields for an existing activity: its sessions as the first one's room,
    day and hours, repeated weekly as many times as there are sessions."""
    sessions = list(activity.sessions.order_by("start"))
    initial = {"question_lines": "\n".join(activity.questions), "weeks": len(sessions) or 1}
    if sessions:
        first = sessions[0]
        start, end = timezone.localtime(first.start), timezone.localtime(first.end)
        initial.update(
            space=first.space_id, day=start.date(), start_time=start.time(), end_time=end.time()
        )
    return initial


@center_view(Perm.OPERATE)
def activity_edit(request, activity_id):
    """The create form, prefilled: a draft or a returned activity (then sent again), or a
    published one (its rooms move and its registrants are told)."""
    activity = _activity(request, activity_id)
    form = ActivityForm(
        request.POST or None,
        request.FILES or None,
        instance=activity,
        center=request.center,
        initial=form_initial(activity),
    )
    if request.method == "POST" and form.is_valid():
        values = {f: form.cleaned_data[f] for f in ActivityForm.Meta.fields}
        values["questions"] = form.cleaned_data["question_lines"].splitlines()
        # Sessions are rewritten only when their fields changed: a session moved on its own
        # (a different weekday) is not undone by editing the text.
        moved = any(f in form.changed_data for f in SESSION_FIELDS)
        try:
            with transaction.atomic():  # saved and sent, or neither
                activity = services.activity_update(
                    activity=activity,
                    by=request.user,
                    values=values,
                    sessions=form.sessions() if moved else None,
                    cover=form.cleaned_data.get("cover_upload"),
                )
                if "then_submit" in request.POST:
                    services.activity_submit(activity=activity, by=request.user)
        except ValidationError as exc:
            form.add_error(None, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("Sent for review.") if "then_submit" in request.POST else _("Changes saved."),
            )
            return redirect("console:activity", request.center.pk, activity.pk)
    return render(
        request,
        "activities/console_new.html",
        {"nav": "activities", "form": form, "activity": _activity(request, activity_id)},
    )


@center_view(Perm.VIEW_CENTER)
def activity_detail(request, activity_id):
    activity = _activity(request, activity_id)
    registrations = list(activity.registrations.select_related("user").order_by("pk"))
    for r in registrations:
        r.who = r.user.masked_name
        r.position = signup.waitlist_position(r)
    user, center = request.user, request.center
    street_step = activity.status == Activity.Status.CENTER_APPROVED
    return render(
        request,
        "activities/console_detail.html",
        {
            "nav": "activities",
            "activity": activity,
            "registrations": registrations,
            "sessions": activity.sessions.select_related("space", "booking"),
            "checklist": services.CHECKLIST.items(),
            "can_write": Perm.OPERATE in request.center_perms,
            "can_review": activity.status in ("submitted", "center_approved")
            and services.may_review(user, center, street=street_step),
            "checked_in": checkin.attendance(activity),
            "payments": Registration.Payment.choices[1:],
            "rooms": Space.objects.filter(center=center, is_bookable=True),
        },
    )


ACTIONS = {
    "submit": lambda a, r: services.activity_submit(activity=a, by=r.user),
    "approve": lambda a, r: services.activity_approve(
        activity=a, by=r.user, checklist={k: k in r.POST for k in services.CHECKLIST}
    ),
    "return": lambda a, r: services.activity_return(
        activity=a, by=r.user, reason=r.POST.get("reason", "")
    ),
    "cancel": lambda a, r: services.activity_cancel(
        activity=a, by=r.user, reason=r.POST.get("reason", "")
    ),
    "complete": lambda a, r: services.activity_complete(
        activity=a, by=r.user, summary=r.POST.get("summary", "")
    ),
}


@require_POST
@center_view(Perm.VIEW_CENTER)
def activity_action(request, activity_id, action):
    activity = _activity(request, activity_id)
    if action not in ACTIONS:
        raise PermissionDenied
    try:
        ACTIONS[action](activity, request)
        messages.success(request, _("Done."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except Exception as exc:  # a clash with a booking when the rooms are held
        from openhall.bookings.services import BookingConflict, BookingRefused

        if not isinstance(exc, BookingConflict | BookingRefused):
            raise
        messages.error(request, str(exc))
    return redirect("console:activity", request.center.pk, activity.pk)


@require_POST
@center_view(Perm.OPERATE)
def registration_action(request, registration_id, action):
    registration = permissions.object_or_404(
        request.user,
        Registration.objects.filter(activity__center=request.center),
        Perm.OPERATE,
        center_field="activity__center",
        pk=registration_id,
    )
    try:
        if action == "payment":
            signup.payment_record(
                registration=registration,
                by=request.user,
                status=request.POST.get("payment", ""),
                method=request.POST.get("method", ""),
                reference=request.POST.get("reference", ""),
            )
        elif action == "cancel":
            signup.registration_cancel(registration=registration, by=request.user)
        elif action in ("confirm", "waitlist"):
            signup.registration_move(
                registration=registration,
                by=request.user,
                to="confirmed" if action == "confirm" else "waitlisted",
                reason=request.POST.get("reason", ""),
            )
        else:
            raise PermissionDenied
        messages.success(request, _("Done."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("console:activity", request.center.pk, registration.activity_id)


RESULT_TEXT = {
    "ok": gettext_lazy("Valid — welcome!"),
    "again": gettext_lazy("Already checked in."),
    "wrong_activity": gettext_lazy("This ticket is for another activity."),
    "not_confirmed": gettext_lazy("Not a confirmed place (waitlist or cancelled)."),
    "unknown": gettext_lazy("Unknown ticket."),
    "outside_window": gettext_lazy("Not the time to check in."),
}


@center_view(Perm.OPERATE)
def check_in_page(request, activity_id):
    activity = _activity(request, activity_id)
    result = None
    if request.method == "POST":
        outcome = checkin.check_in(
            activity=activity, scanned=request.POST.get("code", ""), by=request.user
        )
        who = outcome.registration
        result = {
            "outcome": outcome.outcome,
            "text": outcome.message or RESULT_TEXT[outcome.outcome],
            "who": (who.attendee or who.user.masked_name)
            if who and outcome.outcome in ("ok", "again")
            else "",
        }
    count = checkin.attendance(activity)
    confirmed = activity.registrations.filter(status="confirmed").count()
    template = (
        "activities/_check_in_result.html" if request.htmx else "activities/console_check_in.html"
    )
    return render(
        request,
        template,
        {
            "nav": "activities",
            "activity": activity,
            "result": result,
            "count": count,
            "confirmed": confirmed,
        },
    )


@require_POST
@center_view(Perm.OPERATE)
def photo_add(request, activity_id):
    activity = _activity(request, activity_id)
    upload = request.FILES.get("photo")
    try:
        if upload is None:
            raise ValidationError(_("Choose a photo first."))
        services.photo_add(activity=activity, by=request.user, upload=upload)
        messages.success(request, _("Photo added."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("console:activity", request.center.pk, activity.pk)


@require_POST
@center_view(Perm.OPERATE)
def session_move(request, session_id):
    from openhall.activities.models import Session

    session = permissions.object_or_404(
        request.user,
        Session.objects.filter(activity__center=request.center).select_related("activity"),
        Perm.OPERATE,
        center_field="activity__center",
        pk=session_id,
    )
    try:
        from datetime import date, time

        day = check_day(date.fromisoformat(request.POST.get("day", "")))
        start = timezone.make_aware(
            datetime.combine(day, time.fromisoformat(request.POST.get("start", "")))
        )
        end = timezone.make_aware(
            datetime.combine(day, time.fromisoformat(request.POST.get("end", "")))
        )
    except (ValueError, ValidationError):  # not a date, or year 1 / 9999 (core.dates)
        messages.error(request, _("Give the new date, start and end."))
        return redirect("console:activity", request.center.pk, session.activity_id)
    space = Space.objects.filter(center=request.center, pk=request.POST.get("space") or 0).first()
    from openhall.bookings.services import BookingConflict, BookingRefused, InvalidTransition

    try:
        services.session_move(session=session, by=request.user, start=start, end=end, space=space)
        messages.success(request, _("Moved; everyone registered has been told."))
    except (ValidationError, BookingConflict, BookingRefused, InvalidTransition) as exc:
        messages.error(
            request, str(exc) if not isinstance(exc, ValidationError) else exc.messages[0]
        )
    return redirect("console:activity", request.center.pk, session.activity_id)
