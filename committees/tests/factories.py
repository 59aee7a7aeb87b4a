import datetime as dt

import factory

from branches.dates import add_months
from branches.tests.factories import OrganizationFactory
from committees.models import Post, Term
from members.tests.factories import MemberFactory


class PostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Post

    organization = factory.SubFactory(OrganizationFactory)
    member = factory.SubFactory(MemberFactory, organization=factory.SelfAttribute("..organization"))
    kind = Post.Kind.MEMBER
    started_on = dt.date(2025, 1, 1)


class TermFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Term

    organization = factory.SubFactory(OrganizationFactory)
    elected_on = dt.date(2024, 1, 1)
    years = 3
    ends_on = factory.LazyAttribute(lambda o: add_months(o.elected_on, 12 * o.years))
