"""Console pages for lobby screens (center admins): make, re-key, change, see who is online.
A screen's URL is shown once — when it is made or re-keyed — because only its hash is kept."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from openhall.core import permissions
from openhall.core.decorators import center_view
from openhall.core.permissions import Perm
from openhall.display import services
from openhall.display.models import COUNTERS, Screen


class ScreenForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("thing", "Name"), max_length=50)
    layout = forms.ChoiceField(label=gettext_lazy("Layout"), choices=Screen.Layout.choices)
    counters = forms.MultipleChoiceField(
        label=gettext_lazy("Shows"),
        choices=list(COUNTERS.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        initial=list(COUNTERS),
    )
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)


def _screen(request, screen_id) -> Screen:
    return permissions.object_or_404(
        request.user,
        Screen.objects.filter(center=request.center).select_related("center"),
        Perm.MANAGE_CENTER,
        pk=screen_id,
    )


def _show_url_once(request, token: str) -> None:
    request.session["screen_url"] = services.screen_url(token)


@center_view(Perm.MANAGE_CENTER)
def screen_list(request):
    form = ScreenForm(request.POST or None, initial={"layout": "landscape"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            _screen_obj, token = services.screen_create(
                center=request.center,
                by=request.user,
                name=data["name"],
                layout=data["layout"],
                counters=data["counters"],
            )
        except ValidationError as exc:
            form.add_error(None, " ".join(exc.messages))
        else:
            _show_url_once(request, token)
            return redirect("console:screens", request.center.pk)
    screens = list(Screen.objects.filter(center=request.center))
    for screen in screens:
        screen.online = services.is_online(screen)
    context = {
        "nav": "screens",
        "screens": screens,
        "form": form,
        "new_url": request.session.pop("screen_url", ""),
    }
    return render(request, "display/console_screens.html", context)


@center_view(Perm.MANAGE_CENTER)
def screen_edit(request, screen_id):
    screen = _screen(request, screen_id)
    initial = {
        "name": screen.name,
        "layout": screen.layout,
        "counters": screen.counters,
        "is_active": screen.is_active,
    }
    form = ScreenForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.screen_update(screen=screen, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, " ".join(exc.messages))
        else:
            messages.success(request, _("Saved."))
            return redirect("console:screens", request.center.pk)
    return render(
        request, "display/console_screen.html", {"nav": "screens", "screen": screen, "form": form}
    )


@require_POST
@center_view(Perm.MANAGE_CENTER)
def screen_rotate(request, screen_id):
    screen = _screen(request, screen_id)
    _show_url_once(request, services.screen_rotate(screen=screen, by=request.user))
    messages.success(request, _("New address made; the old one no longer works."))
    return redirect("console:screens", request.center.pk)
