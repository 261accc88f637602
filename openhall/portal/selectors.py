from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class ServiceEntry:
    name: str | Promise
    icon: str
    url: str | None  # None: not open yet, shown greyed out rather than as a broken link


def service_entries() -> list[ServiceEntry]:
    # Each entry gets its URL when its app lands (booking, activities, civic services …).
    return [
        ServiceEntry(_("Book a room"), "▦", reverse("portal:book")),
        ServiceEntry(_("My bookings"), "✓", reverse("portal:my_bookings")),
        ServiceEntry(_("Activities"), "★", reverse("activities:list")),
        ServiceEntry(_("My door access"), "锁", reverse("access:mine")),
        ServiceEntry(_("Report an issue"), "✎", None),
        ServiceEntry(_("Ask us"), "?", None),
        ServiceEntry(_("Enterprise board"), "⌘", None),
        ServiceEntry(_("Notices"), "✉", reverse("news:column", args=["notices"])),
        ServiceEntry(_("How-to guides"), "☰", reverse("news:column", args=["guides"])),
    ]


def my_data(*, user) -> dict:
    """Everything we hold about a person, for 'download my data' (PIPL Art. 45)."""
    from openhall.notifications.models import Message
    from openhall.wechat.models import WechatAccount

    def when(value):
        return timezone.localtime(value).isoformat() if value else None

    return {
        "profile": {
            "mobile": user.mobile,
            "real_name": user.real_name,
            "verification_level": user.verification_level,
            "phone_verified_at": when(user.phone_verified_at),
            "identity_verified_at": when(user.identity_verified_at),
            "date_joined": when(user.date_joined),
        },
        "consents": [
            {
                "kind": c.kind,
                "version": c.version,
                "given_at": when(c.given_at),
                "withdrawn_at": when(c.withdrawn_at),
            }
            for c in user.consents.all()
        ],
        "bookings": [
            {
                "id": b.pk,
                "space": str(b.space),
                "start": when(b.start),
                "end": when(b.end),
                "status": b.status,
                "purpose": getattr(b, "purpose", ""),
            }
            for b in user.bookings.select_related("space").order_by("start")
        ],
        "teams": [
            {"team": m.team.name, "role": m.role}
            for m in user.team_memberships.select_related("team")
        ],
        "messages": [
            {"title": m.title, "body": m.body, "created_at": when(m.created_at)}
            for m in Message.objects.filter(user=user)
        ],
        "wechat": [
            {"openid": w.openid, "bound_at": when(w.bound_at)}
            for w in WechatAccount.objects.filter(user=user)
        ],
    }
