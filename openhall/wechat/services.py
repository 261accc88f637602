"""Writes and reads for the Official Account: followers, bindings, opt-ins, keyword replies."""

from datetime import UTC, datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from openhall.accounts.services import is_privileged
from openhall.core.audit import audit_record
from openhall.core.refusals import Refused
from openhall.wechat.models import KeywordReply, SubscribeOptIn, WechatAccount


def keyword_reply(text: str, *, exact: bool = False) -> str:
    """The reply for a follower's message: a whole-message match first, then a contained keyword."""
    text = (text or "").strip()
    if not text:
        return ""
    replies = KeywordReply.objects.filter(is_active=True)
    hit = replies.filter(keyword=text).first()
    if hit is None and not exact:
        for reply in replies.filter(exact=False):
            if reply.keyword in text:
                hit = reply
                break
    return hit.reply if hit else ""


def follower_changed(*, openid: str, subscribed: bool, at: int) -> WechatAccount:
    """Idempotent: replaying an older event never undoes a newer one."""
    when = datetime.fromtimestamp(at, UTC)
    with transaction.atomic():
        account, _ = WechatAccount.objects.select_for_update().get_or_create(openid=openid)
        last = max(filter(None, [account.subscribed_at, account.unsubscribed_at]), default=None)
        if last and last > when:
            return account
        account.subscribed = subscribed
        if subscribed:
            account.subscribed_at = when
        else:
            account.unsubscribed_at = when
        account.save()
    return account


def subscribe_opt_in(*, openid: str, template_id: str) -> None:
    if not template_id:
        return
    optin, _ = SubscribeOptIn.objects.get_or_create(openid=openid, template_id=template_id)
    SubscribeOptIn.objects.filter(pk=optin.pk).update(remaining=F("remaining") + 1)


def subscribe_opt_in_use(*, openid: str, template_id: str) -> bool:
    """Take one opt-in, if there is one (each allows one send)."""
    return bool(
        SubscribeOptIn.objects.filter(
            openid=openid, template_id=template_id, remaining__gt=0
        ).update(remaining=F("remaining") - 1)
    )


def openid_for(user_id: int) -> str:
    account = WechatAccount.objects.filter(user_id=user_id).only("openid").first()
    return account.openid if account else ""


@transaction.atomic
def wechat_bind(*, user, openid: str, unionid: str = "") -> WechatAccount:
    """Bind an openid to a real-name account; a person has one, an openid belongs to one."""
    account, _ = WechatAccount.objects.select_for_update().get_or_create(openid=openid)
    if account.user_id == user.pk:
        return account
    WechatAccount.objects.filter(user=user).exclude(pk=account.pk).update(user=None, bound_at=None)
    before = {"user": account.user_id}
    account.user = user
    account.unionid = unionid or account.unionid
    account.bound_at = timezone.now()
    account.save()
    audit_record(
        actor=user, action="wechat.bind", obj=account, before=before, after={"user": user.pk}
    )
    return account


def user_for_openid(openid: str):
    account = WechatAccount.objects.select_related("user").filter(openid=openid).first()
    if account and account.user and account.user.is_active:
        return account.user
    return None


def user_signed_in_by_wechat(openid: str):
    """The person this openid is bound to, signed in silently; None for a first visit.

    Residents only: staff and superusers sign in with their password at the console, as with
    SMS (accounts.services.user_sign_in_by_sms) — a phone's WeChat must not open approvals and
    doors on its own.
    """
    user = user_for_openid(openid)
    if user is not None and is_privileged(user):
        audit_record(
            actor=user, action="user.wechat_sign_in_refused", obj=user, after={"reason": "staff"}
        )
        raise Refused(
            _(
                "Staff accounts cannot sign in with WeChat alone. Please sign in with your password."
            ),
            code="password_required",
            status=403,
        )
    return user


def wechat_forget_user(*, user_id: int) -> None:
    """On 注销 (event "user.closed"): the openid no longer leads to the person."""
    WechatAccount.objects.filter(user_id=user_id).update(user=None, bound_at=None, unionid="")


def subscribe_opt_in_available(*, openid: str, template_id: str) -> bool:
    return SubscribeOptIn.objects.filter(
        openid=openid, template_id=template_id, remaining__gt=0
    ).exists()
