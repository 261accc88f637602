"""Console pages for doors, grants and the access log (with alerts and an Excel export)."""

from datetime import datetime, timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from openhall.access.alerts import alerts
from openhall.access.drivers import simulator
from openhall.access.grants import (
    grant_create,
    grant_create_recurring,
    grant_revoke_series,
    settings_for,
    settings_update,
)
from openhall.access.lock_events import remote_unlock
from openhall.access.models import AccessEvent, Door, Grant
from openhall.access.refusals import AccessRefused
from openhall.accounts.models import User
from openhall.core import permissions
from openhall.core.audit import audit_record
from openhall.core.dates import parse_day
from openhall.core.decorators import center_view
from openhall.core.params import id_param
from openhall.core.permissions import Perm
from openhall.venues.models import Space


class DoorForm(forms.ModelForm):
    class Meta:
        model = Door
        fields = ["name", "driver", "device_id", "spaces", "is_entrance"]
        widgets = {"spaces": forms.CheckboxSelectMultiple}

    def __init__(self, *args, center, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["spaces"].queryset = Space.objects.filter(center=center, parent=None)


class GrantForm(forms.Form):
    mobile = forms.CharField(
        label=gettext_lazy("Person's mobile number"), max_length=11, required=False
    )
    team = forms.ModelChoiceField(
        label=gettext_lazy("…or every member of a team"), queryset=None, required=False
    )
    doors = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Doors"), queryset=None, widget=forms.CheckboxSelectMultiple
    )
    starts_at = forms.DateTimeField(
        label=gettext_lazy("From"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    ends_at = forms.DateTimeField(
        label=gettext_lazy("Until"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200)
    weekdays = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Repeat on (optional): the same hours on these days"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[
            (0, gettext_lazy("Mon")),
            (1, gettext_lazy("Tue")),
            (2, gettext_lazy("Wed")),
            (3, gettext_lazy("Thu")),
            (4, gettext_lazy("Fri")),
            (5, gettext_lazy("Sat")),
            (6, gettext_lazy("Sun")),
        ],
    )
    last_day = forms.DateField(
        label=gettext_lazy("Repeat until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    card_number = forms.CharField(
        label=gettext_lazy("IC card number (optional)"), max_length=32, required=False
    )
    fingerprint_id = forms.CharField(
        label=gettext_lazy("Fingerprint enrolled at the lock: its number (optional)"),
        max_length=32,
        required=False,
    )

    def __init__(self, *args, center, **kwargs):
        super().__init__(*args, **kwargs)
        from openhall.accounts.models import Team

        self.fields["doors"].queryset = Door.objects.filter(center=center)
        self.fields["team"].queryset = Team.objects.filter(center=center, is_active=True)


def _door(request, door_id, perm=Perm.MANAGE_CENTER) -> Door:
    return permissions.object_or_404(
        request.user, Door.objects.filter(center=request.center), perm, pk=door_id
    )


@center_view(Perm.VIEW_CENTER)
def doors(request):
    form = DoorForm(request.POST or None, center=request.center)
    if request.method == "POST":
        permissions.require_center_perm(request.user, request.center, Perm.MANAGE_CENTER)
        if form.is_valid():
            door = form.save(commit=False)
            door.center = request.center
            door.save()
            form.save_m2m()
            audit_record(
                actor=request.user,
                action="door.create",
                center=request.center,
                obj=door,
                after={"name": door.name, "driver": door.driver},
            )
            messages.success(request, _("Door added."))
            return redirect("console:doors", request.center.pk)
    return render(
        request,
        "access/console_doors.html",
        {
            "nav": "doors",
            "doors": Door.objects.filter(center=request.center).prefetch_related("spaces"),
            "form": form,
            "alerts": alerts(request.center),
            "rules": settings_for(request.center),
            "can_manage": Perm.MANAGE_CENTER in request.center_perms,
            "simulator_on": simulator.enabled(),
        },
    )


@require_POST
@center_view(Perm.MANAGE_CENTER)
def access_settings(request):
    try:
        settings_update(
            center=request.center,
            by=request.user,
            early=int(request.POST.get("early", "")),
            late=int(request.POST.get("late", "")),
        )
        messages.success(request, _("Saved. New grants use these times."))
    except (ValueError, ValidationError) as exc:
        text = exc.messages[0] if isinstance(exc, ValidationError) else _("Give whole minutes.")
        messages.error(request, text)
    return redirect("console:doors", request.center.pk)


@require_POST
@center_view(Perm.OPERATE)
def door_unlock(request, door_id):
    door = _door(request, door_id, Perm.OPERATE)
    try:
        remote_unlock(door=door, by=request.user, reason=request.POST.get("reason", ""))
        messages.success(request, _("The door is open."))
    except AccessRefused as exc:
        messages.error(request, exc.messages[0])
    return redirect("console:doors", request.center.pk)


@center_view(Perm.OPERATE)
def grants(request):
    form = GrantForm(
        request.POST or None,
        center=request.center,
        initial={"starts_at": timezone.localtime().replace(second=0, microsecond=0)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["team"] is not None:  # each member gets a grant (and a PIN) of their own
            people = list(User.objects.filter(team_memberships__team=data["team"], is_active=True))
        else:
            people = list(User.objects.filter(mobile=data["mobile"].strip(), is_active=True)[:1])
        if not people:
            form.add_error("mobile", _("Nobody has registered with this number."))
        else:
            try:
                with transaction.atomic():  # the whole team or nobody
                    for person in people:
                        _give(request, person, data)
            except ValidationError as exc:
                form.add_error(None, " ".join(exc.messages))
            else:
                messages.success(request, _("Access given. The person sees the code in 我的门禁."))
                return redirect("console:grants", request.center.pk)
    listed = (
        Grant.objects.filter(
            center=request.center, ends_at__gt=timezone.now(), revoked_at__isnull=True
        )
        .select_related("user", "booking")
        .prefetch_related("doors")[:200]
    )
    for grant in listed:
        grant.who = grant.user.masked_name
    return render(
        request, "access/console_grants.html", {"nav": "grants", "grants": listed, "form": form}
    )


def _give(request, person, data) -> None:
    common = {
        "center": request.center,
        "by": request.user,
        "user": person,
        "doors": list(data["doors"]),
        "reason": data["reason"],
        "card_number": data["card_number"],
        "team": data["team"],
    }
    if data["weekdays"]:
        starts, ends = timezone.localtime(data["starts_at"]), timezone.localtime(data["ends_at"])
        grant_create_recurring(
            **common,
            first_day=starts.date(),
            last_day=data["last_day"] or starts.date(),
            weekdays=data["weekdays"],
            daily_from=starts.time(),
            daily_until=ends.time(),
        )
    else:
        grant_create(
            **common,
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            fingerprint_id=data["fingerprint_id"],
        )


@require_POST
@center_view(Perm.OPERATE)
def grant_revoke(request, grant_id):
    grant = permissions.object_or_404(
        request.user, Grant.objects.filter(center=request.center), Perm.OPERATE, pk=grant_id
    )
    grant_revoke_series(grant=grant, by=request.user, reason=request.POST.get("reason", ""))
    messages.success(request, _("Access withdrawn; the codes are being removed from the locks."))
    return redirect("console:grants", request.center.pk)


def _events(request):
    events = AccessEvent.objects.filter(center=request.center).select_related("door", "user")
    door = request.GET.get("door", "")
    if (door_id := id_param(door)) is not None:
        events = events.filter(door_id=door_id)
    day = parse_day(request.GET.get("day"))
    if day:
        start = timezone.make_aware(datetime.combine(day, datetime.min.time()))
        events = events.filter(at__gte=start, at__lt=start + timedelta(days=1))
    mobile = request.GET.get("mobile", "").strip()
    if mobile:
        events = events.filter(user__mobile=mobile)
    return events, day, door


@center_view(Perm.OPERATE)
def access_log(request):
    events, day, door = _events(request)
    rows = list(events[:300])
    for e in rows:
        e.who = e.user.masked_name if e.user else ""
    return render(
        request,
        "access/console_log.html",
        {
            "nav": "access_log",
            "events": rows,
            "doors": Door.objects.filter(center=request.center),
            "day": day,
            "door": door,
            "query": request.GET.urlencode(),
        },
    )


@center_view(Perm.OPERATE)
def access_log_export(request):
    from openpyxl import Workbook

    from openhall.core.xlsx import XLSX_CONTENT_TYPE, append_rows, workbook_bytes

    events, _day, _door = _events(request)
    book = Workbook()
    sheet = book.active
    sheet.title = "开门记录"
    sheet.append(["时间", "门", "方式", "结果", "人员", "手机号(掩码)", "预约", "说明"])
    append_rows(  # names and details are typed by people: kept as text, never formulas
        sheet,
        (
            [
                timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S"),
                e.door.name,
                e.get_method_display(),
                "开门" if e.opened else "拒绝",
                e.user.real_name if e.user else "",
                e.user.masked_mobile if e.user else "",
                e.booking_id or "",
                e.detail,
            ]
            for e in events[:20000]
        ),
    )
    for column, width in zip("ABCDEFGH", (20, 14, 10, 8, 10, 14, 8, 30), strict=True):
        sheet.column_dimensions[column].width = width
    audit_record(
        actor=request.user,
        action="access_log.export",
        center=request.center,
        after={"query": request.GET.urlencode()},
    )
    response = HttpResponse(workbook_bytes(book), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="access-log.xlsx"'
    return response
