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
from openhall.civic.models import ServiceRecord
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
