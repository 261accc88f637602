"""Seed and snapshot a database for scripts/upgrade_check.sh.

Runs with whichever OpenHall the interpreter imports — an earlier commit's (to seed and take
the "before" snapshot) or today's (the "after" snapshot) — so it only uses what every commit
since a2d594d has: the demo accounts, `booking_request` / `booking_approve`, and raw table
counts (tables a commit does not have yet count as absent, not zero).

    python scripts/upgrade_data.py seed            # bookings (and door grants, if the commit has doors)
    python scripts/upgrade_data.py snapshot FILE   # counts and a few rows as JSON
    python scripts/upgrade_data.py compare BEFORE AFTER
"""

import json
import os
import sys
from datetime import datetime, time, timedelta

# Tables whose rows must all survive an upgrade: people, bookings, door access, articles.
COUNTED = [
    "accounts_user",
    "bookings_booking",
    "bookings_bookingclaim",
    "access_grant",
    "access_credential",
    "news_article",
    "core_auditentry",
]


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openhall.settings")
    import django

    django.setup()


def seed() -> None:
    from django.db import transaction
    from django.utils import timezone

    from openhall.accounts.models import User
    from openhall.bookings import services as bookings
    from openhall.venues.models import Space

    operator = User.objects.get(mobile="13800000002")
    residents = list(User.objects.filter(mobile__startswith="139").order_by("mobile"))
    rooms = Space.objects.filter(center__slug="xx-street", parent=None).order_by("id")
    today = timezone.localdate()
    made, refusals = 0, []
    for number, room in enumerate(rooms):
        resident = residents[number % len(residents)]
        for days in range(2, 12):
            start = timezone.make_aware(datetime.combine(today + timedelta(days=days), time(14)))
            try:
                with transaction.atomic():
                    booking = bookings.booking_request(
                        space=room,
                        booker=resident,
                        by=resident,
                        start=start,
                        end=start + timedelta(hours=2),
                        title=f"升级检查 {number}",
                        purpose="meeting",
                        attendees=5,
                        note="upgrade check",
                    )
                    if booking.status == "pending":
                        bookings.booking_approve(booking=booking, by=operator)
            except Exception as exc:  # noqa: BLE001 — a rule of that commit said no; try another day
                refusals.append(f"{room.name} +{days}d: {exc!r}")
                continue
            made += 1
            break
    print(f"seeded {made} approved bookings")
    if made < 2:
        print("\n".join(refusals[-10:]))
        sys.exit("could not make two bookings on the old commit")
    _seed_grant(operator, residents[0])


def _seed_grant(operator, resident) -> None:
    """A manual door grant with a PIN, on commits that have doors (since the access app)."""
    try:
        from openhall.access.grants import grant_create
        from openhall.access.models import Door
    except ImportError:
        print("no access app at this commit: no grants")
        return
    from django.utils import timezone

    doors = list(Door.objects.filter(center__slug="xx-street").order_by("id")[:1])
    if not doors:
        print("no demo doors at this commit: no manual grant")
        return
    start = timezone.now() + timedelta(days=1)
    grant_create(
        center=doors[0].center,
        by=operator,
        user=resident,
        doors=doors,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        reason="upgrade check",
    )
    print("seeded a door grant")


def snapshot(path: str) -> None:
    from django.db import connection

    tables = set(connection.introspection.table_names())
    counts = {}
    with connection.cursor() as cursor:
        for table in COUNTED:
            if table in tables:
                cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608 — our constant names
                counts[table] = cursor.fetchone()[0]
    from openhall.bookings.models import Booking

    # Read through the models (not raw SQL): "still readable" means today's code can load it.
    bookings = [
        {
            "id": b.pk,
            "space": b.space.name,
            "booker": b.booker.mobile,
            "start": b.start.isoformat(),
            "end": b.end.isoformat(),
            "status": b.status,
            "title": b.title,
        }
        for b in Booking.objects.select_related("space", "booker").order_by("pk")
    ]
    pins = []
    if "access_credential" in tables:
        from openhall.access.models import Credential

        pins = [[c.pk, c.kind, c.secret] for c in Credential.objects.order_by("pk")]
    articles = []
    if "news_article" in tables:
        with connection.cursor() as cursor:
            cursor.execute("SELECT id, title, body FROM news_article ORDER BY id")
            articles = [list(row) for row in cursor.fetchall()]
    data = {"counts": counts, "bookings": bookings, "pins": pins, "articles": articles}
    with open(path, "w", encoding="utf-8") as out:
        json.dump(data, out, ensure_ascii=False, indent=1)
    print(f"snapshot: {counts}")


def compare(before_path: str, after_path: str) -> None:
    with open(before_path, encoding="utf-8") as f:
        before = json.load(f)
    with open(after_path, encoding="utf-8") as f:
        after = json.load(f)
    problems = []
    for table, count in before["counts"].items():
        if after["counts"].get(table) != count:
            problems.append(f"{table}: {count} rows before, {after['counts'].get(table)} after")
    for key in ("bookings", "pins", "articles"):
        if before[key] != after[key]:
            problems.append(f"{key} differ:\n  before {before[key]}\n  after  {after[key]}")
    if not before["bookings"]:
        problems.append("no bookings were seeded: the check proves nothing")
    if problems:
        sys.exit("upgrade lost or changed data:\n" + "\n".join(problems))
    print(f"data survived: {before['counts']}")


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command == "compare":
        compare(*args)
    else:
        setup()
        {"seed": seed, "snapshot": snapshot}[command](*args)
