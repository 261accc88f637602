import json
import logging
import secrets
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from openhall.core.decorators import mark_signed_in_without_password
from openhall.core.refusals import Refused
from openhall.wechat import callback, handlers, services
from openhall.wechat.client import WechatError, get_client, is_configured, jssdk_signature

log = logging.getLogger(__name__)
BACKEND = "django.contrib.auth.backends.ModelBackend"
PENDING = "wechat_pending"


@csrf_exempt
@require_http_methods(["GET", "POST"])
def callback_view(request: HttpRequest) -> HttpResponse:
    if not settings.WECHAT_TOKEN:
        raise Http404
    query = request.GET.dict()
    try:
        if request.method == "GET":
            answer = callback.verify_url(
                signature=query.get("signature", ""),
                timestamp=query.get("timestamp", ""),
                nonce=query.get("nonce", ""),
                echostr=query.get("echostr", ""),
            )
        else:
            answer = callback.handle_post(query=query, body=request.body, handler=handlers.handle)
    except callback.CallbackRefused as exc:
        log.warning("WeChat callback refused: %s", exc)
        return HttpResponseForbidden("forbidden")
    content_type = (
        "text/plain" if answer == "success" or request.method == "GET" else "application/xml"
    )
    return HttpResponse(answer, content_type=f"{content_type}; charset=utf-8")


def _safe_next(request: HttpRequest, value: str) -> str:
    if value and url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()}):
        return value
    return "/me/"


@require_GET
def oauth_start(request: HttpRequest) -> HttpResponse:
    if not is_configured():
        raise Http404
    scope = "snsapi_userinfo" if request.GET.get("scope") == "snsapi_userinfo" else "snsapi_base"
    state = secrets.token_urlsafe(12)
    request.session["wechat_oauth"] = {
        "state": state,
        "next": _safe_next(request, request.GET.get("next", "")),
        "scope": scope,
    }
    redirect_uri = request.build_absolute_uri(reverse("wechat:oauth_return"))
    return redirect(get_client().oauth_url(redirect_uri=redirect_uri, scope=scope, state=state))


@require_GET
def oauth_return(request: HttpRequest) -> HttpResponse:
    started = request.session.pop("wechat_oauth", None)
    if not started or request.GET.get("state") != started["state"] or not request.GET.get("code"):
        messages.error(request, _("WeChat sign-in expired. Please try again."))
        return redirect("portal:sms_login")
    nxt = started["next"]
    client = get_client()
    try:
        grant = client.oauth_exchange(request.GET["code"])
        unionid = grant.get("unionid", "")
        if started["scope"] == "snsapi_userinfo" and not unionid:
            unionid = client.oauth_userinfo(
                access_token=grant["access_token"], openid=grant["openid"]
            ).get("unionid", "")
    except WechatError as exc:
        log.info("WeChat OAuth failed: %s", exc)
        messages.error(request, _("WeChat sign-in expired. Please try again."))
        return redirect("portal:sms_login")
    if grant.get("is_snapshotuser") == 1:
        # A snapshot-mode (朋友圈快照) visitor is virtual: browse as a guest.
        return redirect(nxt)
    openid = grant["openid"]
    if request.user.is_authenticated:
        services.wechat_bind(user=request.user, openid=openid, unionid=unionid)
        return redirect(nxt)
    try:
        user = services.user_signed_in_by_wechat(openid)
    except Refused as refused:
        messages.error(request, refused.message)
        return redirect(reverse("console:login") + "?next=" + nxt)
    if user is not None:
        login(request, user, backend=BACKEND)
        mark_signed_in_without_password(request)
        return redirect(nxt)
    # First visit: sign in once with the mobile number, then the openid is bound.
    request.session[PENDING] = {"openid": openid, "unionid": unionid}
    messages.info(request, _("Sign in once with your mobile number to link your WeChat."))
    return redirect(reverse("portal:sms_login") + "?next=" + nxt)


def bind_pending(request: HttpRequest, user, pending: dict | None) -> None:
    """Called by the sign-in pages right after a successful sign-in."""
    if pending and pending.get("openid"):
        services.wechat_bind(
            user=user, openid=pending["openid"], unionid=pending.get("unionid", "")
        )


@require_GET
def jssdk_config(request: HttpRequest) -> JsonResponse:
    """wx.config for the current page: share cards and the <wx-open-subscribe> tag."""
    if not is_configured():
        raise Http404
    url = request.GET.get("url", "")
    if urlsplit(url).netloc != request.get_host():
        return JsonResponse(
            {"code": "bad_url", "message": "url must be a page of this site", "details": {}},
            status=400,
        )
    try:
        ticket = get_client().jsapi_ticket()
    except WechatError as exc:
        return JsonResponse(
            {"code": "wechat_unavailable", "message": str(exc), "details": {}}, status=503
        )
    noncestr, timestamp = secrets.token_hex(8), int(time.time())
    return JsonResponse(
        {
            "appId": settings.WECHAT_APP_ID,
            "timestamp": timestamp,
            "nonceStr": noncestr,
            "signature": jssdk_signature(
                ticket=ticket, noncestr=noncestr, timestamp=timestamp, url=url
            ),
            "jsApiList": ["updateAppMessageShareData", "updateTimelineShareData"],
            "openTagList": ["wx-open-subscribe"],
        }
    )


@csrf_exempt
def fake_server(request: HttpRequest, path: str) -> HttpResponse:
    """Development only (WECHAT_FAKE_SERVER=true): the fake WeChat, including its OAuth page."""
    if not settings.WECHAT_FAKE_SERVER:
        raise Http404
    from openhall.wechat.fake import DEV_FAKE

    query = request.GET.dict()
    # The fake's consent page remembers this browser as one WeChat user, like a phone would.
    openid = query.setdefault("openid", request.COOKIES.get("fake_wechat_openid", ""))
    if not openid:
        query["openid"] = "o_dev_" + secrets.token_hex(6)
    status, answer = DEV_FAKE.handle(request.method, path, query, request.body)
    if status == 302:
        response = redirect(answer)
        response.set_cookie("fake_wechat_openid", query["openid"], samesite="Lax")
        return response
    return HttpResponse(
        json.dumps(answer, ensure_ascii=False), status=status, content_type="application/json"
    )
