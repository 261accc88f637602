from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from openhall.accounts.forms import MobileLoginForm
from openhall.activities import selectors as activity_selectors
from openhall.core import selectors as center_selectors
from openhall.core.decorators import PASSWORDLESS_SESSION
from openhall.news import selectors as news_selectors
from openhall.notifications.models import Message
from openhall.notifications.services import messages_mark_read
from openhall.portal import selectors
from openhall.venues.selectors import center_today, space_tree
from openhall.wechat.client import is_configured as wechat_is_configured

YEAR = 365 * 24 * 3600


def home(request: HttpRequest) -> HttpResponse:
    center = center_selectors.current_center(request)
    return render(
        request,
        "portal/home.html",
        {
            "tab": "home",
            "center": center,
            "rooms": space_tree(center=center) if center else [],
            "today": center_today(center=center) if center else None,
            "services": selectors.service_entries(),
            "other_centers": center
            and center_selectors.active_centers().exclude(pk=center.pk).exists(),
            "notices": news_selectors.published(center=center)[:3] if center else [],
            "upcoming": activity_selectors.upcoming(center) if center else [],
        },
    )


@require_http_methods(["GET", "POST"])
def centers(request: HttpRequest) -> HttpResponse:
    all_centers = center_selectors.active_centers()
    if request.method == "POST":
        chosen = all_centers.filter(slug=request.POST.get("center", "")).first()
        response = redirect("portal:home")
        if chosen:
            response.set_cookie(
                center_selectors.CENTER_COOKIE, chosen.slug, max_age=YEAR, samesite="Lax"
            )
        return response
    return render(
        request,
        "portal/centers.html",
        {"tab": "home", "centers": all_centers, "center": center_selectors.current_center(request)},
    )


def services(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/services.html",
        {"tab": "services", "services": selectors.service_entries()},
    )


@login_required
def messages_inbox(request: HttpRequest) -> HttpResponse:
    inbox = list(Message.objects.filter(user=request.user)[:50])
    messages_mark_read(user=request.user)
    return render(request, "portal/messages.html", {"tab": "messages", "inbox": inbox})


@login_required
def me(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "portal/me.html",
        {
            "tab": "me",
            "teams": user.team_memberships.select_related("team__center"),
            "enterprises": user.enterprise_memberships.select_related("enterprise"),
        },
    )


def safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@require_http_methods(["GET", "POST"])
def login_view(
    request: HttpRequest, template: str = "portal/login.html", fallback: str = "/me/"
) -> HttpResponse:
    form = MobileLoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        login(request, form.user)
        request.session.pop(PASSWORDLESS_SESSION, None)  # the password given: staff may act
        return redirect(safe_next(request, fallback))
    context = {
        "form": form,
        "next": safe_next(request, ""),
        "tab": "me",
        "wechat_login": wechat_is_configured(),
        "wechat_pending": bool(request.session.get("wechat_pending")),
    }
    return render(request, template, context)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("You have signed out."))
    return redirect("portal:home")


@require_POST
def elder_mode(request: HttpRequest) -> HttpResponse:
    response = redirect(safe_next(request, "/"))
    response.set_cookie(
        "elder_mode", "1" if request.POST.get("on") == "1" else "0", max_age=YEAR, samesite="Lax"
    )
    return response
