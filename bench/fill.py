"""Fill the benchmark database with a city's worth of rows; print what the benchmark needs."""

import json
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openhall.settings")
django.setup()

from django.db import transaction  # noqa: E402

from openhall.accounts.models import User  # noqa: E402
from openhall.accounts.services import api_token_create  # noqa: E402
from openhall.core.models import AuditEntry, Center, StaffMembership, StaffRole, Street  # noqa: E402

CENTERS = 200
AUDIT_PER_CENTER = 500


def main() -> None:
    street = Street.objects.get(name="XX街道")
    admin = User.objects.get(mobile="13800000001")
    with transaction.atomic():
        centers = Center.objects.bulk_create(
            Center(street=street, name=f"压测中心{n}", slug=f"bench-{n}") for n in range(CENTERS)
        )
        StaffMembership.objects.bulk_create(
            StaffMembership(user=admin, role=StaffRole.CENTER_ADMIN, center=c) for c in centers[:20]
        )
        AuditEntry.objects.bulk_create(
            AuditEntry(
                actor=admin,
                actor_label="王芳",
                center=c,
                action=f"bench.action{n % 7}",
                object_repr=f"对象{n}",
            )
            for c in centers
            for n in range(AUDIT_PER_CENTER)
        )
    center = Center.objects.get(slug="xx-street")
    AuditEntry.objects.bulk_create(
        AuditEntry(actor=admin, actor_label="王芳", center=center, action=f"bench.action{n % 7}")
        for n in range(AUDIT_PER_CENTER)
    )
    _, token = api_token_create(user=admin, name="bench")
    sizes = {"centers": Center.objects.count(), "audit_entries": AuditEntry.objects.count()}
    print(json.dumps({"token": token, "center_id": center.pk, "sizes": sizes}))


if __name__ == "__main__":
    main()
