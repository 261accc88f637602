"""Resident pages: 我的门禁 (PINs and remote unlock during the window) and the simulator's web
keypad (what stands at a door when there is no real lock)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from openhall.access import door_members, lock_events, selectors
from openhall.access.drivers import simulator
from openhall.access.models import Door
from openhall.access.refusals import AccessRefused
from openhall.core.refusals import Conflict, NotFound, Refused


@login_required
def my_access(request):
    rows = selectors.my_credentials(request.user)
    pins, remotes, cards = [], [], []
    for row in rows:
        if row["kind"] in ("card", "fingerprint"):
            cards.append(
                {
                    **row,
                    "kind_label": _("Card") if row["kind"] == "card" else _("Fingerprint"),
                    "masked": "****" + row["raw"][-4:],
                }
            )
        else:
            (pins if row["kind"] == "pin" else remotes).append(row)
    # One PIN a grant opens all its doors: show it once with the doors listed.
    by_grant: dict[int, dict] = {}
    for row in pins:
        entry = by_grant.setdefault(
            row["grant"].pk, {**row, "doors": [], "on_locks": selectors.written(row["grant"])}
        )
        entry["doors"].append(row["door_name"])
    return render(
        request,
        "access/mine.html",
        {"tab": "me", "pins": list(by_grant.values()), "remotes": remotes, "cards": cards},
    )


@require_POST
@login_required
def unlock(request, door_id: int):
    door = get_object_or_404(Door, pk=door_id)
    try:
        lock_events.remote_unlock(door=door, by=request.user)
        messages.success(request, _("The door is open."))
    except Refused as exc:  # not theirs now (403), or the lock would not open (422)
        messages.error(request, str(exc))
    return redirect("access:mine")


def keypad(request, door_id: int):
    """Anonymous on purpose — it stands where a real keypad would — so it freezes like one."""
    if not simulator.enabled():
        raise Http404
    door = get_object_or_404(Door, pk=door_id, driver=Door.Driver.SIMULATOR)
    result = None
    if request.method == "POST":
        kind = request.POST.get("kind", "pin")
        try:
            answer = lock_events.keypad(door=door, code=request.POST.get("code", ""), kind=kind)
            result = {
                "opened": answer.opened,
                "text": answer.reason,
                "frozen": answer.frozen_until is not None,
            }
        except AccessRefused as exc:
            result = {"opened": False, "text": exc.messages[0], "frozen": False}
    return render(request, "access/keypad.html", {"door": door, "result": result})


@csrf_exempt
@require_POST
def ttlock_webhook(request, secret: str):
    """TTLock posts lock records here (the secret path is the only key it can carry); the
    answer must be the bare word `success`, or TTLock sends them again."""
    import hmac

    from django.conf import settings
    from django.http import Http404

    if not settings.TTLOCK_WEBHOOK_SECRET or not hmac.compare_digest(
        secret, settings.TTLOCK_WEBHOOK_SECRET
    ):
        raise Http404
    lock_events.ttlock_webhook(request.POST)
    return HttpResponse("success", content_type="text/plain")


def _booking(booking_id: int):
    from openhall.bookings.models import Booking

    booking = Booking.objects.select_related("center", "team").filter(pk=booking_id).first()
    if booking is None:
        raise NotFound
    return booking


def _back_to_booking(booking_id: int):
    return redirect(reverse("portal:booking", args=[booking_id]) + "#door-access")


@require_POST
@login_required
def door_member_add(request, booking_id: int):
    """The booker lets a member of the team in (the booking page's door card)."""
    booking = _booking(booking_id)
    chosen = request.POST.get("user", "")
    try:
        member = door_members.door_member_add(
            booking=booking, user_id=int(chosen) if chosen.isdigit() else 0, by=request.user
        )
        messages.success(request, _("%(name)s can now open the doors.") % {"name": member.user})
    except (AccessRefused, Conflict) as exc:
        messages.error(request, str(exc))
    return _back_to_booking(booking.pk)


@require_POST
@login_required
def door_member_remove(request, booking_id: int, user_id: int):
    booking = _booking(booking_id)
    door_members.door_member_remove(booking=booking, user_id=user_id, by=request.user)
    messages.success(request, _("Their door code no longer works."))
    return _back_to_booking(booking.pk)
