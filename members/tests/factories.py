import datetime as dt

import factory

from branches.tests.factories import OrganizationFactory
from members.models import Invitation, Member, User
from members.validators import id_check_char


def phone_number(n: int) -> str:
    """Fictitious numbers in the 170 0000 block."""
    return f"+86170{n % 100_000_000:08d}"


def id_number(n: int, birth: dt.date = dt.date(1985, 7, 1)) -> str:
    # Province-level address code 510000: no real card carries it.
    first17 = f"510000{birth:%Y%m%d}{n % 1000:03d}"
    return first17 + id_check_char(first17)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    phone = factory.Sequence(lambda n: phone_number(50_000_000 + n))
    phone_verified = True
    name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.PostGenerationMethodCall("set_password", "secret-pass-123")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    name = factory.Sequence(lambda n: f"党员{n}")
    gender = Member.Gender.MALE
    phone = factory.Sequence(lambda n: phone_number(n))
    birth_date = dt.date(1985, 7, 1)
    id_number = factory.Sequence(lambda n: id_number(n))
    joined_party_on = dt.date(2010, 7, 1)
    full_member_on = dt.date(2011, 7, 1)
    organization = factory.SubFactory(OrganizationFactory)
    is_itinerant = True


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    organization = factory.SubFactory(OrganizationFactory)
    max_uses = 5
    expires_at = factory.LazyFunction(lambda: dt.datetime.now(dt.UTC) + dt.timedelta(days=7))
