"""The audit log and a booking's history read in Chinese and in the center's time (Asia/Shanghai):
an operator reads 提交预约 and 13:45, never `booking.request`, `requested` or `05:45:00+00:00`."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone, translation

from openhall import factories
from openhall.bookings.services import booking_approve, booking_reschedule
from openhall.core import audit_display
from openhall.core.audit import audit_record

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def moved_booking(center_a, alice, olivia, dance_room):
    """Requested for tomorrow 10:00, approved, then moved by staff to 13:45 (05:45 UTC)."""
    with time_machine.travel(datetime(2026, 6, 3, 9, 0, tzinfo=SHANGHAI), tick=False):
        booking = factories.BookingFactory(center=center_a, space=dance_room, booker=alice)
        audit_record(actor=alice, action="booking.request", center=center_a, obj=booking)
        booking_approve(booking=booking, by=olivia)
        start = datetime(2026, 6, 4, 13, 45, tzinfo=SHANGHAI)
        booking_reschedule(booking=booking, by=olivia, start=start, end=start + timedelta(hours=1))
    return booking


def test_a_bookings_history_names_each_step_in_chinese_at_shanghai_time(
    client, olivia, center_a, moved_booking
):
    client.force_login(olivia)
    page = client.get(f"/console/c/{center_a.pk}/bookings/{moved_booking.pk}/").content.decode()
    history = page.split('<table class="table audit">')[1]
    for words in ("提交预约", "通过预约", "预约改期", "待审批 → 已通过", "2026-06-04 13:45"):
        assert words in history, words
    for raw in ("booking.", "requested", "approved", "+00:00", "05:45"):
        assert raw not in history, raw


def test_the_audit_log_shows_actions_and_values_in_chinese(client, adam, center_a, moved_booking):
    client.force_login(adam)
    page = client.get(f"/console/c/{center_a.pk}/audit/").content.decode()
    assert "预约改期" in page and "2026-06-04 13:45" in page
    assert "+00:00" not in page and "booking.reschedule</" not in page
    # The filter still sends the stable code; a person reads the label.
    assert '<option value="booking.reschedule">预约改期</option>' in page


def test_what_the_system_did_is_signed_by_the_system_in_chinese(center_a, dance_room):
    booking = factories.BookingFactory(center=center_a, space=dance_room)
    entry = audit_record(actor=None, action="booking.cancel", center=center_a, obj=booking)
    assert audit_display.actor_label(entry) == "系统"


def test_every_action_any_service_records_has_a_chinese_label():
    """A new action without a label would show its code: grep the services for them."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    recorded = set()
    for source in root.glob("*/*.py"):
        recorded |= set(re.findall(r'action="([a-z_]+\.[a-z_]+)"', source.read_text()))
        recorded |= set(
            re.findall(r'_record\(\w+, by=\w+, action="([a-z_.]+)"', source.read_text())
        )
    assert recorded, "the pattern no longer finds the services' actions"
    assert recorded - audit_display.known_actions() == set()


def test_what_an_entry_is_about_is_named_at_shanghai_time(client, adam, center_a):
    """The object column is the object's name when it was recorded: a door grant from 13:45
    reads 13:45 (it read 05:45, the time in UTC)."""
    grant = factories.grant(center_a)
    grant.starts_at = datetime(2026, 6, 4, 13, 45, tzinfo=SHANGHAI)
    grant.save()
    grant.refresh_from_db()  # as a service reads it: in UTC
    audit_record(actor=adam, action="grant.revoke", center=center_a, obj=grant)
    client.force_login(adam)
    page = client.get(f"/console/c/{center_a.pk}/audit/").content.decode()
    assert "2026-06-04 13:45" in page and "05:45" not in page


def test_what_a_person_typed_is_shown_as_text_in_the_log(client, adam, center_a, dance_room):
    booking = factories.BookingFactory(center=center_a, space=dance_room)
    typed = "</script><img src=x onerror=alert(1)>"
    audit_record(
        actor=adam, action="booking.cancel", center=center_a, obj=booking, after={"title": typed}
    )
    client.force_login(adam)
    for url in (
        f"/console/c/{center_a.pk}/audit/",
        f"/console/c/{center_a.pk}/bookings/{booking.pk}/",
    ):
        page = client.get(url).content.decode()
        assert typed not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_a_new_booking_is_described_field_by_field_in_words(center_a, alice, dance_room):
    from openhall.bookings.services import AUDITED_FIELDS
    from openhall.core.audit import snapshot

    booking = factories.BookingFactory(center=center_a, space=dance_room, booker=alice)
    booking.refresh_from_db()
    entry = audit_record(
        actor=alice,
        action="booking.request",
        center=center_a,
        obj=booking,
        after=snapshot(booking, AUDITED_FIELDS),
    )
    with translation.override("zh-hans"):
        changes = {c.field: c.after for c in audit_display.readable_changes(entry)}
        assert audit_display.action_label(entry.action) == "提交预约"
    assert changes["场地"] == "舞蹈教室"
    assert changes["状态"] == "待审批"
    assert changes["用途"] == "公益活动"
    start = timezone.localtime(booking.start)
    assert changes["开始"] == f"{start:%Y-%m-%d %H:%M}"
    assert all(
        before is None for before in [c.before for c in audit_display.readable_changes(entry)]
    )
