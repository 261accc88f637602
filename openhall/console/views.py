from datetime import timedelta

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from openhall.accounts import services as account_services
from openhall.accounts.models import Enterprise, Team
from openhall.core import permissions, selectors
from openhall.core.decorators import center_view, staff_required
from openhall.core.models import AuditEntry, StaffMembership
from openhall.core.permissions import Perm
from openhall.portal.views import login_view
from openhall.venues.selectors import space_tree


def console_login(request):
    return login_view(request, template="console/login.html", fallback="/console/")


@staff_required
def home(request):
    first = permissions.centers_for(request.user, Perm.VIEW_STATS).first()
    if first is None:
        return render(request, "console/no_center.html")
    return redirect("console:center", center_id=first.pk)


@center_view(Perm.VIEW_STATS)
def center_home(request):
    center = request.center
    week_ago = timezone.now() - timedelta(days=7)
    figures = [
        (_("Rooms and zones"), center.spaces.count()),
        (_("Teams"), center.teams.count()),
        (_("Enterprises"), center.enterprises.count()),
        (
            _("Enterprises awaiting verification"),
            center.enterprises.filter(verified_at__isnull=True).count(),
        ),
        (_("Staff"), StaffMembership.objects.filter(center=center).count()),
        (
            _("Audited actions, last 7 days"),
            AuditEntry.objects.filter(center=center, at__gte=week_ago).count(),
        ),
    ]
    return render(
        request,
        "console/center_home.html",
        {
            "figures": figures,
            "rooms": space_tree(center=center),
            "nav": "home",
            **_dashboard(request),
        },
    )


def _dashboard(request) -> dict:
    """What needs the staff today: waiting decisions, today's use, failed messages, screens
    that went dark, and this month against last month — all counted from records."""
    from openhall.access.alerts import alerts as access_alerts
    from openhall.activities.selectors import awaiting_review_count as activities_waiting
    from openhall.display.models import Screen
    from openhall.display.selectors import bookings_today
    from openhall.display.services import is_online
    from openhall.news.selectors import awaiting_review_count as articles_waiting
    from openhall.notifications.models import Delivery
    from openhall.reports.selectors import month_against_last

    center, today = request.center, timezone.localdate()
    bookings = bookings_today(center, today)
    sees_content = Perm.VIEW_CENTER in request.center_perms  # the lists the counts link to
    screens = list(Screen.objects.filter(center=center, is_active=True))
    return {
        "pending": getattr(request, "pending_count", None),
        "activities_waiting": activities_waiting(center) if sees_content else None,
        "articles_waiting": articles_waiting(center) if sees_content else None,
        "today_bookings": bookings,
        "failed_messages": Delivery.objects.filter(
            message__center=center,
            status=Delivery.Status.FAILED,
            created_at__gte=timezone.now() - timedelta(days=7),
        ).count(),
        "screens_dark": [s for s in screens if not is_online(s)],
        "month": month_against_last(center, today),
        "door_alerts": access_alerts(center),
    }


@center_view(Perm.VIEW_CENTER)
def spaces(request):
    from openhall.portal.feed_views import space_feed_url

    rooms = list(space_tree(center=request.center))
    for space in [*rooms, *(zone for room in rooms for zone in room.children.all())]:
        space.feed_url = space_feed_url(request, space)
    context = {
        "rooms": rooms,
        "nav": "spaces",
        "with_feeds": True,
        "can_manage": Perm.MANAGE_CENTER in request.center_perms,
    }
    return render(request, "console/spaces.html", context)


@center_view(Perm.VIEW_CENTER)
def teams(request):
    team_list = Team.objects.filter(center=request.center).prefetch_related("memberships__user")
    return render(request, "console/teams.html", {"teams": team_list, "nav": "teams"})


@center_view(Perm.VIEW_CENTER)
def team_detail(request, team_id):
    team = permissions.object_or_404(
        request.user, Team.objects.filter(center=request.center), Perm.VIEW_CENTER, pk=team_id
    )
    members = team.memberships.select_related("user").order_by("role", "joined_at")
    return render(
        request, "console/team_detail.html", {"team": team, "members": members, "nav": "teams"}
    )


@center_view(Perm.VIEW_CENTER)
def enterprises(request):
    return render(
        request,
        "console/enterprises.html",
        {"enterprises": Enterprise.objects.filter(center=request.center), "nav": "enterprises"},
    )


@center_view(Perm.VIEW_CENTER)
def enterprise_detail(request, enterprise_id):
    enterprise = permissions.object_or_404(
        request.user,
        Enterprise.objects.filter(center=request.center),
        Perm.VIEW_CENTER,
        pk=enterprise_id,
    )
    members = enterprise.memberships.select_related("user")
    return render(
        request,
        "console/enterprise_detail.html",
        {"enterprise": enterprise, "members": members, "nav": "enterprises"},
    )


@require_POST
@center_view(Perm.OPERATE)
def enterprise_verify(request, enterprise_id):
    enterprise = permissions.object_or_404(
        request.user,
        Enterprise.objects.filter(center=request.center),
        Perm.OPERATE,
        pk=enterprise_id,
    )
    account_services.enterprise_verify(enterprise=enterprise, by=request.user)
    messages.success(request, _("%(name)s is now verified.") % {"name": enterprise.name})
    return redirect("console:enterprise", center_id=request.center.pk, enterprise_id=enterprise.pk)


@center_view(Perm.MANAGE_CENTER)
def staff(request):
    members = (
        StaffMembership.objects.filter(center=request.center)
        .select_related("user")
        .order_by("role")
    )
    return render(request, "console/staff.html", {"members": members, "nav": "staff"})


class AuditFilterForm(forms.Form):
    action = forms.CharField(label=gettext_lazy("Action"), required=False, max_length=64)
    since = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


@center_view(Perm.VIEW_AUDIT)
def audit(request):
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    entries = selectors.audit_entries(
        center=request.center, **{k: v for k, v in filters.items() if v}
    )
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "actions": selectors.audit_actions(center=request.center),
        "nav": "audit",
    }
    template = "console/audit.html#audit-table" if request.htmx else "console/audit.html"
    return render(request, template, context)
