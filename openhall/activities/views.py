"""Resident H5 pages: what is on, the activity with its register form, 我的活动 with tickets."""

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openhall.activities import checkin, selectors, services, signup
from openhall.activities.models import Activity, ActivityType, Registration
from openhall.activities.rules import ActivityRefused
from openhall.core.refusals import Forbidden
from openhall.core.selectors import current_center


def activity_list(request):
    center = current_center(request)
    if center is None:
        raise Http404
    kind = request.GET.get("type", "")
    activities = (
        Activity.objects.filter(
            center=center, status="published", sessions__end__gte=timezone.now()
        )
        .distinct()
        .prefetch_related("sessions__space")
        .order_by("pk")
    )
    if kind in ActivityType.values:
        activities = activities.filter(type=kind)
    listed = sorted(activities, key=lambda a: min(s.start for s in a.sessions.all()))
    return render(
        request,
        "activities/list.html",
        {"tab": "home", "activities": listed, "types": ActivityType.choices, "kind": kind},
    )


def activity_detail(request, activity_id: int):
    activity = get_object_or_404(
        Activity.objects.prefetch_related("sessions__space"),
        pk=activity_id,
        status__in=["published", "completed"],
        center__is_active=True,
    )
    mine = []
    if request.user.is_authenticated:
        mine = list(
            activity.registrations.filter(user=request.user, status__in=Registration.ACTIVE)
        )
    form = {"attendee": "", "attendee_age": "", "answers": {}}
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"/login/?next={request.path}")
        answers = {q: request.POST.get(f"q{n}", "") for n, q in enumerate(activity.questions)}
        age = request.POST.get("attendee_age", "")
        form = {
            "attendee": request.POST.get("attendee", ""),
            "attendee_age": age,
            "answers": answers,
        }
        try:
            ticket = signup.register(
                activity=activity,
                user=request.user,
                answers=answers,
                attendee=form["attendee"],
                attendee_age=int(age) if age.isdigit() else None,
                lives_here=request.POST.get("lives_here") == "1",
            )
        except ActivityRefused as exc:
            messages.error(request, exc.messages[0])
        else:
            if ticket.position:
                messages.info(
                    request,
                    _("The places are taken; you are number %(n)s on the waitlist.")
                    % {"n": ticket.position},
                )
            else:
                messages.success(request, _("You are registered. Your ticket is below."))
            return redirect("activities:mine")
    context = {
        "tab": "home",
        "activity": activity,
        "mine": mine,
        "form": form,
        "questions": list(enumerate(activity.questions)),
    }
    return render(request, "activities/detail.html", context)


@login_required
def proposal_edit(request, activity_id: int):
    """A proposer edits their draft or returned proposal on the propose form and sends it again."""
    from django.db import transaction

    from openhall.activities.console_views import ActivityForm, form_initial

    activity = get_object_or_404(
        Activity.objects.select_related("center"),
        pk=activity_id,
        created_by=request.user,
        status__in=services.EDITABLE_BY_PROPOSER,
    )
    form = ActivityForm(
        request.POST or None,
        instance=activity,
        center=activity.center,
        initial=form_initial(activity),
    )
    if request.method == "POST" and form.is_valid():
        values = {f: form.cleaned_data[f] for f in ActivityForm.Meta.fields}
        values["questions"] = form.cleaned_data["question_lines"].splitlines()
        try:
            with transaction.atomic():  # saved and sent again, or neither
                activity = services.activity_update(
                    activity=activity, by=request.user, values=values, sessions=form.sessions()
                )
                services.activity_submit(activity=activity, by=request.user)
        except ActivityRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Sent to the center for review again."))
            return redirect("activities:mine")
    return render(
        request,
        "activities/propose.html",
        {"tab": "me", "form": form, "activity": get_object_or_404(Activity, pk=activity_id)},
    )


@login_required
def my_activities(request):
    registrations = list(
        Registration.objects.filter(user=request.user)
        .select_related("activity")
        .prefetch_related("activity__sessions__space")
        .order_by("-pk")[:50]
    )
    for r in registrations:
        r.position = signup.waitlist_position(r)
        if r.status == Registration.Status.CONFIRMED:
            r.qr = segno.make(checkin.ticket_token(r), error="m").svg_data_uri(scale=5, border=2)
    return render(
        request,
        "activities/mine.html",
        {
            "tab": "me",
            "registrations": registrations,
            "proposals": selectors.proposals_by(request.user),
        },
    )


def _mine(request, registration_id) -> Registration:
    return get_object_or_404(Registration, pk=registration_id, user=request.user)


@require_POST
@login_required
def cancel(request, registration_id: int):
    try:
        signup.registration_cancel(registration=_mine(request, registration_id), by=request.user)
        messages.success(request, _("Your registration is cancelled."))
    except ActivityRefused as exc:
        messages.error(request, exc.messages[0])
    return redirect("activities:mine")


@require_POST
@login_required
def accept(request, registration_id: int):
    try:
        signup.offer_accept(registration=_mine(request, registration_id), by=request.user)
        messages.success(request, _("The place is yours. Your ticket is below."))
    except ActivityRefused as exc:
        messages.error(request, exc.messages[0])
    return redirect("activities:mine")


@login_required
def propose(request):
    """Team leaders and verified enterprises propose activities; the center reviews them."""
    from openhall.activities.console_views import ActivityForm

    center = current_center(request)
    if center is None:
        raise Http404
    allowed = services.organizer_choices(request.user, center)
    organizers = [(f"t{t.pk}", t.name) for t in allowed["teams"]] + [
        (f"e{e.pk}", e.name) for e in allowed["enterprises"]
    ]
    form = ActivityForm(
        request.POST or None, center=center, initial={"weeks": 1, "capacity": 20, "cancel_hours": 2}
    )
    chosen = request.POST.get("organizer", "")
    if request.method == "POST" and organizers and form.is_valid():
        team = next((t for t in allowed["teams"] if f"t{t.pk}" == chosen), None)
        enterprise = next((e for e in allowed["enterprises"] if f"e{e.pk}" == chosen), None)
        values = {f: form.cleaned_data[f] for f in ActivityForm.Meta.fields}
        values["questions"] = form.cleaned_data["question_lines"].splitlines()
        try:
            services.activity_propose(
                center=center,
                by=request.user,
                values=values,
                sessions=form.sessions(),
                team=team,
                enterprise=enterprise,
            )
        except ActivityRefused as exc:
            form.add_error(None, str(exc))  # on the form, beside what to change
        except Forbidden:
            messages.error(request, _("Choose a team you lead or your enterprise."))
        else:
            messages.success(
                request,
                _(
                    "Sent to the center for review. You will get a message "
                    "when it is published or returned."
                ),
            )
            return redirect("activities:list")
    return render(
        request,
        "activities/propose.html",
        {"tab": "home", "form": form, "organizers": organizers, "chosen": chosen},
    )
