import datetime as dt

import factory

from activities.models import Activity, StudyMaterial
from branches.tests.factories import OrganizationFactory


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    organization = factory.SubFactory(OrganizationFactory)
    date = dt.date(2026, 12, 6)
    year = factory.LazyAttribute(lambda a: a.date.year)
    month = factory.LazyAttribute(lambda a: a.date.month)
    theme = "学习党的二十届四中全会精神"


class MaterialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StudyMaterial

    title = factory.Sequence(lambda n: f"学习资料{n}")
    body = "正文"
