"""Console pages for a center's rooms and zones: details residents read before booking, and
their photos. Center admins only (Perm.MANAGE_CENTER); every change is audited by the service."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openhall.core import permissions
from openhall.core.decorators import center_view
from openhall.core.images import PhotoField
from openhall.core.permissions import Perm
from openhall.venues import services
from openhall.venues.models import Space, SpacePhoto


class SpaceForm(forms.ModelForm):
    class Meta:
        model = Space
        fields = services.SPACE_FIELDS
        widgets = {
            "equipment": forms.Textarea(attrs={"rows": 2}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }


class PhotoForm(forms.Form):
    image = PhotoField(label=gettext_lazy("Photo"))
    caption = forms.CharField(label=gettext_lazy("Caption"), max_length=100, required=False)


def _space(request, space_id) -> Space:
    return permissions.object_or_404(
        request.user,
        Space.objects.filter(center=request.center).select_related("parent"),
        Perm.MANAGE_CENTER,
        pk=space_id,
    )


@center_view(Perm.MANAGE_CENTER)
def space_edit(request, space_id=None):
    space = _space(request, space_id) if space_id else None
    parent = None
    if space is None and request.GET.get("parent", "").isdigit():
        parent = _space(request, int(request.GET["parent"]))
    form = SpaceForm(request.POST or None, instance=space)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.space_save(
                center=request.center,
                space=space,
                parent=parent,
                values=form.cleaned_data,
                by=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Saved."))
            return redirect("console:space", center_id=request.center.pk, space_id=saved.pk)
    context = {
        "nav": "spaces",
        "space": space,
        "parent": parent,
        "form": form,
        "photo_form": PhotoForm(),
        "photos": space.photos.all() if space else [],
        "zones": space.children.order_by("sort_order", "name") if space else [],
    }
    return render(request, "console/space_edit.html", context)


@center_view(Perm.MANAGE_CENTER)
def space_photo_add(request, space_id):
    space = _space(request, space_id)
    form = PhotoForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.space_photo_add(
                space=space,
                upload=form.cleaned_data["image"],
                caption=form.cleaned_data["caption"],
                by=request.user,
            )
            messages.success(request, _("Photo added."))
        except ValidationError as exc:
            messages.error(request, exc.message)
    else:
        for errors in form.errors.values():
            messages.error(request, errors[0])
    return redirect("console:space", center_id=request.center.pk, space_id=space.pk)


@center_view(Perm.MANAGE_CENTER)
def space_photo_delete(request, photo_id):
    photo = permissions.object_or_404(
        request.user,
        SpacePhoto.objects.filter(space__center=request.center).select_related("space"),
        Perm.MANAGE_CENTER,
        center_field="space__center",
        pk=photo_id,
    )
    if request.method == "POST":
        services.space_photo_delete(photo=photo, by=request.user)
        messages.success(request, _("Photo removed."))
    return redirect("console:space", center_id=request.center.pk, space_id=photo.space_id)
