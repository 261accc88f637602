"""我的: SMS sign-in and sign-up, privacy policy, real-name level 2, data export, 注销."""

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from openhall.accounts import services
from openhall.accounts.forms import IdentityForm, SmsSignInForm
from openhall.accounts.models import Consent
from openhall.core.decorators import mark_signed_in_without_password
from openhall.core.middleware import client_ip
from openhall.portal.selectors import my_data
from openhall.portal.views import safe_next
from openhall.wechat.client import is_configured as wechat_is_configured

BACKEND = "django.contrib.auth.backends.ModelBackend"


def _apply_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        for message in exc.messages:
            form.add_error(None, message)


@require_http_methods(["GET", "POST"])
def sms_login(request: HttpRequest) -> HttpResponse:
    form = SmsSignInForm(data=request.POST or None)
    code_sent = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ip = client_ip(request) or ""
        try:
            if request.POST.get("action") == "send":
                services.sms_code_send(mobile=data["mobile"], ip=ip)
                code_sent = True
            else:
                consents = set()
                if data["agree_privacy"]:
                    consents.add(Consent.Kind.PRIVACY)
                if data["agree_sms"]:
                    consents.add(Consent.Kind.SMS_NOTICES)
                pending = request.session.get("wechat_pending")
                user = services.user_sign_in_by_sms(
                    mobile=data["mobile"],
                    code=data["code"],
                    real_name=data["real_name"],
                    consents=consents,
                    ip=ip,
                )
                login(request, user, backend=BACKEND)
                mark_signed_in_without_password(request)
                # Arrived from WeChat OAuth with an unbound openid: bind it now.
                from openhall.wechat.views import bind_pending

                bind_pending(request, user, pending)
                request.session.pop("wechat_pending", None)
                return redirect(safe_next(request, "/me/"))
        except ValidationError as exc:
            _apply_errors(form, exc)
    return render(
        request,
        "portal/sms_login.html",
        {
            "form": form,
            "code_sent": code_sent,
            "next": safe_next(request, ""),
            "tab": "me",
            "policy_version": settings.OPENHALL_PRIVACY_POLICY_VERSION,
            "wechat_login": wechat_is_configured(),
            "wechat_pending": bool(request.session.get("wechat_pending")),
        },
    )


def privacy(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/privacy.html",
        {"tab": "me", "policy_version": settings.OPENHALL_PRIVACY_POLICY_VERSION},
    )


@login_required
@require_http_methods(["GET", "POST"])
def identity(request: HttpRequest) -> HttpResponse:
    form = IdentityForm(data=request.POST or None, initial={"real_name": request.user.real_name})
    if request.method == "POST" and form.is_valid():
        try:
            services.user_verify_identity(
                user=request.user,
                real_name=form.cleaned_data["real_name"],
                id_number=form.cleaned_data["id_number"],
                consent=form.cleaned_data["agree_id"],
                ip=client_ip(request) or "",
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Your identity is verified."))
            return redirect("portal:me")
    return render(request, "portal/identity.html", {"form": form, "tab": "me"})


@login_required
def export(request: HttpRequest) -> HttpResponse:
    data = my_data(user=request.user)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="openhall-my-data-{stamp}.json"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def close_account(request: HttpRequest) -> HttpResponse:
    error = ""
    if request.method == "POST":
        if request.POST.get("confirm") == "1":
            services.user_close(user=request.user)
            logout(request)
            messages.info(request, _("Your account is closed and your personal data erased."))
            return redirect("portal:home")
        error = _("Tick the box to confirm.")
    return render(request, "portal/close_account.html", {"tab": "me", "error": error})


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request: HttpRequest) -> HttpResponse:
    from openhall.notifications.forms import PreferenceForm
    from openhall.notifications.services import preference_for, preference_set

    pref = preference_for(request.user.pk)
    form = PreferenceForm(
        data=request.POST or None,
        initial={
            "wechat": pref.wechat,
            "sms": pref.sms,
            "quiet_start": pref.quiet_start,
            "quiet_end": pref.quiet_end,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["sms"] and not pref.sms:
            services.consent_record(
                user=request.user, kind=Consent.Kind.SMS_NOTICES, ip=client_ip(request) or ""
            )
        preference_set(user=request.user, **data)
        messages.success(request, _("Saved."))
        return redirect("portal:me")
    return render(request, "portal/notification_settings.html", {"form": form, "tab": "me"})
