"""factory_boy factories for tests and benchmarks."""

import itertools

import factory

from openhall.accounts.models import Enterprise, Team, TeamMembership, User
from openhall.accounts.validators import uscc_check_char
from openhall.core.models import Center, District, StaffMembership, StaffRole, Street
from openhall.news.models import Article, Attachment
from openhall.venues.models import Space, SpacePhoto

_mobiles = itertools.count(13700000000)
_uscc = itertools.count(1)


def next_mobile() -> str:
    return str(next(_mobiles))


def valid_uscc() -> str:
    first17 = f"91210204MA{next(_uscc):07d}"
    return first17 + uscc_check_char(first17)


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District
        django_get_or_create = ["name"]

    name = "沙河口区"


class StreetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Street
        django_get_or_create = ["district", "name"]

    district = factory.SubFactory(DistrictFactory)
    name = "XX街道"


class CenterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Center

    street = factory.SubFactory(StreetFactory)
    name = factory.Sequence(lambda n: f"第{n}党群服务中心")
    slug = factory.Sequence(lambda n: f"center-{n}")
    address = "大连市沙河口区XX路1号"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    mobile = factory.LazyFunction(next_mobile)
    real_name = factory.Sequence(lambda n: f"居民{n}")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-9")

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            instance.save()


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffMembership

    user = factory.SubFactory(UserFactory)
    role = StaffRole.OPERATOR
    center = None


class SpaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Space

    center = factory.SubFactory(CenterFactory)
    name = factory.Sequence(lambda n: f"活动室{n}")
    capacity = 20


class SpacePhotoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SpacePhoto

    space = factory.SubFactory(SpaceFactory)
    image = factory.django.ImageField(width=32, height=24, format="JPEG")


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article

    center = factory.SubFactory(CenterFactory)
    column = "notices"
    title = factory.Sequence(lambda n: f"通知{n}")
    body = "<p>内容</p>"
    author = factory.SubFactory(UserFactory)


class AttachmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attachment

    article = factory.SubFactory(ArticleFactory)
    name = "报名表.pdf"
    size = 9
    file = factory.django.FileField(filename="x.pdf", data=b"%PDF-1.4\n")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        skip_postgeneration_save = True

    center = factory.SubFactory(CenterFactory)
    name = factory.Sequence(lambda n: f"舞蹈队{n}")

    @factory.post_generation
    def leader(self, create, extracted, **kwargs):
        if create and extracted:
            TeamMembership.objects.create(
                team=self, user=extracted, role=TeamMembership.Role.LEADER
            )


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    center = factory.SubFactory(CenterFactory)
    name = factory.Sequence(lambda n: f"大连示例科技有限公司{n}")
    uscc = factory.LazyFunction(valid_uscc)


def _tomorrow_at(hour: int):
    from datetime import datetime, time, timedelta

    from django.utils import timezone

    day = timezone.localdate() + timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, time(hour)))


class BookingFactory(factory.django.DjangoModelFactory):
    """A booking written directly with its claims (no rules): for tests of what happens next."""

    class Meta:
        model = "bookings.Booking"
        skip_postgeneration_save = True

    class Params:
        at_hour = 10

    center = factory.SubFactory(CenterFactory)
    space = factory.LazyAttribute(lambda o: SpaceFactory(center=o.center))
    booker = factory.SubFactory(UserFactory)
    booked_by = factory.SelfAttribute("booker")
    title = "读书会"
    purpose = "public_benefit"
    attendees = 10
    start = factory.LazyAttribute(lambda o: _tomorrow_at(o.at_hour))
    end = factory.LazyAttribute(lambda o: o.start + __import__("datetime").timedelta(hours=2))
    status = "requested"

    @factory.post_generation
    def series(self, create, extracted, **kwargs):
        from openhall.bookings.models import BookingSeries

        if create and extracted:
            self.series = BookingSeries.objects.create(
                center=self.center,
                space=self.space,
                booker=self.booker,
                rrule="FREQ=WEEKLY;COUNT=2",
                title=self.title,
            )
            self.save(update_fields=["series"])

    @factory.post_generation
    def claims(self, create, extracted, **kwargs):
        from openhall.bookings.models import BookingClaim
        from openhall.venues.rules import leaf_units

        # claims=False: a statistics test may stack bookings that no live claims could hold.
        if create and extracted is not False:
            BookingClaim.objects.bulk_create(
                BookingClaim(
                    booking=self,
                    unit=u,
                    start=self.start,
                    end=self.end,
                    live=self.status in self.LIVE,
                )
                for u in leaf_units(self.space)
            )


def service_record(center, **values):
    """A staff-entered ledger record of `center` (its types are made on first use)."""
    from django.utils import timezone

    from openhall.civic.models import ServiceRecord
    from openhall.civic.services import service_types

    kind = service_types(center)[0]
    return ServiceRecord.objects.create(
        center=center, kind=kind, date=values.pop("date", timezone.localdate()), **values
    )


def screen(center, name: str = "大厅屏"):
    from openhall.display.services import screen_create

    return screen_create(center=center, by=None, name=name)[0]


def activity(center, **values):
    """A published activity of `center` with one session next week (rooms not held)."""
    from datetime import timedelta

    from django.utils import timezone

    from openhall.activities.models import Activity, Session

    author = UserFactory()
    activity = Activity.objects.create(
        center=center,
        type="lecture",
        title=values.pop("title", "健康讲座"),
        capacity=10,
        status=values.pop("status", "published"),
        created_by=author,
        **values,
    )
    start = timezone.now() + timedelta(days=7)
    Session.objects.create(
        activity=activity,
        space=SpaceFactory(center=center),
        start=start,
        end=start + timedelta(hours=2),
    )
    return activity


def registration(center, **values):
    import secrets

    from openhall.activities.models import Registration

    return Registration.objects.create(
        activity=activity(center),
        user=UserFactory(),
        status="confirmed",
        code=secrets.token_hex(4).upper(),
        **values,
    )


def door(center, name: str = "大门"):
    from openhall.access.models import Door

    return Door.objects.create(center=center, name=name, is_entrance=True)


def grant(center):
    from datetime import timedelta

    from django.utils import timezone

    from openhall.access.models import Grant

    made = Grant.objects.create(
        center=center,
        user=UserFactory(),
        source="manual",
        starts_at=timezone.now(),
        ends_at=timezone.now() + timedelta(hours=1),
    )
    made.doors.add(door(center, "侧门"))
    return made
