from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from openhall.core.decorators import center_view
from openhall.core.permissions import Perm


class BroadcastForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title (at most 20 characters)"), max_length=20)
    body = forms.CharField(
        label=gettext_lazy("Text"), max_length=500, widget=forms.Textarea(attrs={"rows": 5})
    )
    url = forms.CharField(label=gettext_lazy("Link (optional)"), max_length=200, required=False)
    audience = forms.ChoiceField(label=gettext_lazy("Send to"), choices=[])
    team = forms.ModelChoiceField(label=gettext_lazy("Team"), queryset=None, required=False)
    segment_id = forms.TypedChoiceField(
        label=gettext_lazy("Activity"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args, center, **kwargs):
        from openhall.accounts.models import Team
        from openhall.notifications.models import Broadcast
        from openhall.notifications.services import AUDIENCES

        super().__init__(*args, **kwargs)
        self.fields["audience"].choices = Broadcast.Audience.choices
        self.fields["team"].queryset = Team.objects.filter(center=center, is_active=True)
        segments = AUDIENCES.get(Broadcast.Audience.ACTIVITY)
        self.fields["segment_id"].choices = [("", "—")] + (
            segments.choices(center) if segments else []
        )


@center_view(Perm.OPERATE)
@require_http_methods(["GET", "POST"])
def broadcasts(request):
    from openhall.notifications import services as notify_services
    from openhall.notifications.models import Broadcast

    initial = {}
    if request.GET.get("digest") == "week":
        from openhall.notifications.digest import weekly_digest

        initial = {**weekly_digest(center=request.center), "audience": "followers"}
    form = BroadcastForm(data=request.POST or None, initial=initial, center=request.center)
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if request.POST.get("confirm") == "1":
            try:
                sent = notify_services.broadcast_send(
                    center=request.center, by=request.user, **data
                )
            except ValidationError as exc:
                form.add_error(None, " ".join(exc.messages))
            else:
                messages.success(request, _("Sent to %(n)s people.") % {"n": sent.recipients})
                return redirect("console:broadcasts", request.center.pk)
        else:
            preview = {
                **data,
                "recipients": len(
                    notify_services.broadcast_recipients(
                        center=request.center,
                        audience=data["audience"],
                        team=data["team"],
                        segment_id=data["segment_id"],
                    )
                ),
            }
    sent = list(Broadcast.objects.filter(center=request.center).select_related("team")[:50])
    for broadcast in sent:
        broadcast.delivery_counts = notify_services.broadcast_delivery_counts(broadcast=broadcast)
    return render(
        request,
        "console/broadcasts.html",
        {"form": form, "preview": preview, "sent": sent, "nav": "broadcasts"},
    )


@center_view(Perm.OPERATE)
def outbox(request):
    """Whether the center's notices arrived: each message with its channels' status; the
    recipient's name masked (staff need to know that a message failed, not to whom it went in
    full)."""
    from django.db.models import Prefetch

    from openhall.notifications.models import Delivery, Message

    messages_ = Message.objects.filter(center=request.center).select_related("user")
    failed_only = request.GET.get("failed") == "1"
    if failed_only:
        messages_ = messages_.filter(deliveries__status=Delivery.Status.FAILED).distinct()
    messages_ = messages_.prefetch_related(
        Prefetch("deliveries", queryset=Delivery.objects.order_by("pk"))
    ).order_by("-created_at", "-pk")[:100]
    rows = [
        {
            "message": message,
            "recipient": message.user.masked_name,
        }
        for message in messages_
    ]
    return render(
        request,
        "console/outbox.html",
        {"rows": rows, "failed_only": failed_only, "nav": "outbox"},
    )
