import factory

from branches.models import Organization, Role


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    kind = Organization.Kind.BRANCH
    name = factory.Sequence(lambda n: f"第{n}党支部")
    code = factory.Sequence(lambda n: f"org-{n}")


class GroupFactory(OrganizationFactory):
    kind = Organization.Kind.GROUP
    name = factory.Sequence(lambda n: f"第{n}党小组")
    parent = factory.SubFactory(OrganizationFactory)


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Role

    user = factory.SubFactory("members.tests.factories.UserFactory")
    organization = factory.SubFactory(OrganizationFactory)
    kind = Role.Kind.SECRETARY
