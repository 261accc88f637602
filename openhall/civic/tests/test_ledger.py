"""The service ledger: staff entries, records that follow their source, counters from records."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from openhall import factories
from openhall.civic import selectors, services
from openhall.civic.models import ServiceRecord
from openhall.core.events import publish_on_commit
from openhall.core.models import AuditEntry
from openhall.core.refusals import NotFound

pytestmark = pytest.mark.django_db


def legal(center):
    return services.service_type(center, "legal")


def test_a_new_center_gets_the_seeds_service_types(center_a):
    names = [t.name for t in services.service_types(center_a)]
    assert names[:3] == ["党群活动", "沙龙", "讲座"] and "法律咨询" in names
    assert len(services.service_types(center_a)) == len(names)  # made once


def test_a_legal_consultation_is_recorded_and_audited(olivia, center_a):
    record = services.record_add(
        center=center_a,
        by=olivia,
        kind=legal(center_a),
        day=timezone.localdate(),
        people=2,
        note="劳动合同",
    )
    assert (record.kind.code, record.people, record.delivered_by) == ("legal", 2, "李运营")
    assert AuditEntry.objects.filter(action="ledger.add", object_id=str(record.pk)).exists()


@pytest.mark.parametrize(
    ("people", "day", "code"),
    [(0, 0, "invalid_people"), (100_001, 0, "invalid_people"), (1, 1, "invalid_date")],
)
def test_impossible_entries_are_refused_in_words(olivia, center_a, people, day, code):
    with pytest.raises(ValidationError) as refused:
        services.record_add(
            center=center_a,
            by=olivia,
            kind=legal(center_a),
            day=timezone.localdate() + timedelta(days=day),
            people=people,
        )
    assert refused.value.code == code
    assert not ServiceRecord.objects.exists()


def test_staff_of_another_center_cannot_record_here(oscar, center_a):
    with pytest.raises(NotFound):  # another center's ledger does not exist for them
        services.record_add(
            center=center_a, by=oscar, kind=legal(center_a), day=timezone.localdate()
        )


def test_a_source_counts_once_however_often_it_is_announced_or_edited(
    center_a, django_capture_on_commit_callbacks
):
    for people in (18, 18, 21):  # delivered twice, then its attendance corrected
        with django_capture_on_commit_callbacks(execute=True):
            publish_on_commit(
                "service.delivered",
                center_id=center_a.pk,
                source="activity",
                source_id=7,
                kind="lecture",
                date="2026-11-20",
                people=people,
                note="反诈讲座",
            )
    record = ServiceRecord.objects.get()
    assert (record.kind.code, record.people, record.date) == ("lecture", 21, date(2026, 11, 20))

    with django_capture_on_commit_callbacks(execute=True):
        publish_on_commit("service.withdrawn", source="activity", source_id=7)
    assert not ServiceRecord.objects.exists()


def test_a_completed_booking_counts_as_room_use_or_a_party_activity(
    center_a, django_capture_on_commit_callbacks
):
    from openhall.bookings.services import booking_sweep

    start = timezone.now() - timedelta(hours=3)
    factories.BookingFactory(
        center=center_a,
        start=start,
        end=start + timedelta(hours=2),
        status="checked_in",
        attendees=16,
        title="舞蹈排练",
    )
    factories.BookingFactory(
        center=center_a,
        start=start,
        end=start + timedelta(hours=2),
        status="checked_in",
        attendees=30,
        purpose="party",
        title="主题党日",
    )
    with django_capture_on_commit_callbacks(execute=True):
        booking_sweep()
    kinds = dict(ServiceRecord.objects.values_list("kind__code", "people"))
    assert kinds == {"venue": 16, "party": 30}
    with django_capture_on_commit_callbacks(execute=True):
        booking_sweep()  # nothing new: still two records
    assert ServiceRecord.objects.count() == 2


def test_counters_equal_a_count_over_the_records(olivia, center_a, center_b, oscar):
    today = timezone.localdate()
    days = [today, today.replace(day=1), today.replace(month=1, day=1), date(2024, 5, 1)]
    for n, day in enumerate(days):
        services.record_add(center=center_a, by=olivia, kind=legal(center_a), day=day, people=n + 1)
    services.record_add(center=center_b, by=oscar, kind=legal(center_b), day=today, people=50)

    counters = selectors.counters(center_a.pk, today)

    records = ServiceRecord.objects.filter(center=center_a)

    def expected(since):
        chosen = [r for r in records if since is None or since <= r.date <= today]
        return {"services": len(chosen), "people": sum(r.people for r in chosen)}

    assert counters["month"] == expected(today.replace(day=1))
    assert counters["year"] == expected(today.replace(month=1, day=1))
    assert counters["all"] == expected(None) == {"services": 4, "people": 10}


def test_the_three_tap_quick_entry_on_the_console(client, olivia, center_a):
    client.force_login(olivia)
    base = f"/console/c/{center_a.pk}/ledger"
    page = client.get(f"{base}/").content.decode()
    kind = legal(center_a)
    assert f"?kind={kind.pk}" in page  # tap 1: the 法律咨询 tile
    form = client.get(f"{base}/new/?kind={kind.pk}").content.decode()  # date and 1 person set
    assert 'value="1"' in form
    response = client.post(
        f"{base}/new/", {"kind": kind.pk, "day": timezone.localdate(), "people": 1}
    )  # tap 3: save
    assert response.status_code == 302
    assert ServiceRecord.objects.get().kind == kind
    assert "1" in client.get(f"{base}/").content.decode()


def test_sourced_records_are_not_edited_by_hand(olivia, center_a):
    record = services.record_from_source(
        center_id=center_a.pk,
        source="activity",
        source_id=1,
        kind="salon",
        date=timezone.localdate(),
        people=9,
    )
    with pytest.raises(ValidationError):
        services.record_update(record=record, by=olivia, values={"people": 99})
    with pytest.raises(ValidationError):
        services.record_delete(record=record, by=olivia)


def test_last_weeks_services_go_into_the_weekly_digest(olivia, center_a):
    from openhall.notifications.digest import weekly_digest

    monday = date(2026, 11, 16)
    for day, people in ((monday, 2), (monday + timedelta(days=6), 5), (monday - timedelta(1), 9)):
        ServiceRecord.objects.create(center=center_a, kind=legal(center_a), date=day, people=people)
    body = weekly_digest(center=center_a, today=date(2026, 11, 25))["body"]
    assert "服务 2 次" in body and "7 人次" in body
