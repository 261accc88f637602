"""Console pages of the service ledger. The quick entry is built for a phone: tap the service,
check the number of people (1 by default), save — a legal consultation takes three taps."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from openhall.civic import selectors, services
from openhall.civic.models import ServiceCounter, ServiceRecord
from openhall.core import permissions
from openhall.core.decorators import center_view
from openhall.core.images import PhotoField
from openhall.core.permissions import Perm


class RecordForm(forms.Form):
    kind = forms.ModelChoiceField(label=gettext_lazy("Service"), queryset=None, empty_label=None)
    day = forms.DateField(
        label=gettext_lazy("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    people = forms.IntegerField(
        label=gettext_lazy("People served"),
        min_value=1,
        max_value=services.MAX_PEOPLE,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    note = forms.CharField(label=gettext_lazy("Note (optional)"), max_length=200, required=False)
    delivered_by = forms.CharField(
        label=gettext_lazy("Delivered by (empty: you)"), max_length=50, required=False
    )
    evidence = PhotoField(label=gettext_lazy("Photo (optional)"), required=False)

    def __init__(self, *args, center, **kwargs):
        super().__init__(*args, **kwargs)
        from openhall.civic.models import ServiceType

        services.service_types(center)  # a new center gets the default types
        self.fields["kind"].queryset = ServiceType.objects.filter(center=center, is_active=True)


def _record(request, record_id) -> ServiceRecord:
    return permissions.object_or_404(
        request.user,
        ServiceRecord.objects.filter(center=request.center).select_related("kind", "center"),
        Perm.OPERATE,
        pk=record_id,
    )


@center_view(Perm.VIEW_CENTER)
def ledger(request):
    today = timezone.localdate()
    rows = ServiceRecord.objects.filter(center=request.center).select_related("kind")
    kind = request.GET.get("kind", "")
    if kind.isdigit():
        rows = rows.filter(kind_id=int(kind))
    context = {
        "nav": "ledger",
        "types": services.service_types(request.center),
        "counters": selectors.counters(request.center.pk, today),
        "month_by_type": selectors.by_type([request.center.pk], today.replace(day=1), today),
        "rows": rows[:100],
        "kind": kind,
        "can_write": Perm.OPERATE in request.center_perms,
    }
    return render(request, "civic/ledger.html", context)


@center_view(Perm.OPERATE)
def record_new(request):
    initial = {"day": timezone.localdate(), "people": 1}
    chosen = request.GET.get("kind", "")
    if chosen.isdigit():
        initial["kind"] = int(chosen)
    form = RecordForm(
        request.POST or None, request.FILES or None, initial=initial, center=request.center
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            record = services.record_add(
                center=request.center,
                by=request.user,
                kind=data["kind"],
                day=data["day"],
                people=data["people"],
                note=data["note"],
                delivered_by=data["delivered_by"],
                evidence=data["evidence"],
            )
        except ValidationError as exc:
            form.add_error(None, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("Recorded: %(kind)s, %(people)s people.")
                % {"kind": record.kind, "people": record.people},
            )
            return redirect("console:ledger", request.center.pk)
    return render(request, "civic/record_form.html", {"form": form, "nav": "ledger"})


@center_view(Perm.OPERATE)
def record_edit(request, record_id):
    record = _record(request, record_id)
    initial = {
        "kind": record.kind,
        "day": record.date,
        "people": record.people,
        "note": record.note,
        "delivered_by": record.delivered_by,
    }
    form = RecordForm(request.POST or None, initial=initial, center=request.center)
    if request.method == "POST" and form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if k != "evidence"}
        try:
            services.record_update(record=record, by=request.user, values=values)
        except ValidationError as exc:
            form.add_error(None, " ".join(exc.messages))
        else:
            messages.success(request, _("Saved."))
            return redirect("console:ledger", request.center.pk)
    return render(
        request, "civic/record_form.html", {"form": form, "record": record, "nav": "ledger"}
    )


@require_POST
@center_view(Perm.OPERATE)
def record_delete(request, record_id):
    record = _record(request, record_id)
    try:
        services.record_delete(record=record, by=request.user)
        messages.success(request, _("Deleted."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("console:ledger", request.center.pk)


# --- Named counters ------------------------------------------------------------------------------


class CounterForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name on the screen"), max_length=30)
    activity_types = forms.MultipleChoiceField(
        label=gettext_lazy("Completed activities of these types"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    service_types = forms.MultipleChoiceField(
        label=gettext_lazy("Ledger records of these services"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    resolved_reports = forms.BooleanField(
        label=gettext_lazy("Resolved issue reports"), required=False
    )
    since = forms.DateField(
        label=gettext_lazy("Counted since (empty: since the operation began)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    order = forms.IntegerField(label=gettext_lazy("Order"), min_value=0, initial=0)

    def __init__(self, *args, center, **kwargs):
        from openhall.activities.models import ActivityType

        super().__init__(*args, **kwargs)
        self.fields["activity_types"].choices = ActivityType.choices
        self.fields["service_types"].choices = [
            (t.code, t.name) for t in services.service_types(center, active_only=False)
        ]


def _counter(request, counter_id) -> ServiceCounter:
    return permissions.object_or_404(
        request.user,
        ServiceCounter.objects.filter(center=request.center).select_related("center"),
        Perm.OPERATE,
        pk=counter_id,
    )


@center_view(Perm.VIEW_CENTER)
def counter_list(request):
    context = {
        "nav": "ledger",
        "figures": zip(
            services.service_counters(request.center),
            selectors.counter_figures(request.center, timezone.localdate()),
            strict=True,
        ),
        "can_write": Perm.OPERATE in request.center_perms,
    }
    return render(request, "civic/counters.html", context)


@center_view(Perm.OPERATE)
def counter_edit(request, counter_id=None):
    counter = _counter(request, counter_id) if counter_id else None
    initial = (
        {
            "name": counter.name,
            "activity_types": counter.activity_types,
            "service_types": counter.service_types,
            "resolved_reports": counter.resolved_reports,
            "since": counter.since,
            "order": counter.order,
        }
        if counter
        else {"order": len(services.service_counters(request.center))}
    )
    form = CounterForm(request.POST or None, initial=initial, center=request.center)
    if request.method == "POST" and form.is_valid():
        try:
            services.counter_save(
                center=request.center, by=request.user, values=form.cleaned_data, counter=counter
            )
        except ValidationError as exc:
            form.add_error(None, " ".join(exc.messages))
        else:
            messages.success(request, _("Saved."))
            return redirect("console:ledger_counters", request.center.pk)
    context = {"form": form, "counter": counter, "nav": "ledger"}
    return render(request, "civic/counter_form.html", context)


@require_POST
@center_view(Perm.OPERATE)
def counter_delete(request, counter_id):
    services.counter_delete(counter=_counter(request, counter_id), by=request.user)
    messages.success(request, _("Deleted."))
    return redirect("console:ledger_counters", request.center.pk)
