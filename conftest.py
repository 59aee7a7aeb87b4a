import pytest


@pytest.fixture(autouse=True)
def _sms_outbox():
    """Every test starts with an empty SMS outbox."""
    from members.sms import LocmemBackend

    LocmemBackend.outbox = []
    yield LocmemBackend.outbox


@pytest.fixture
def sms_outbox(_sms_outbox):
    return _sms_outbox


@pytest.fixture
def branch_a(db):
    from branches.tests.factories import OrganizationFactory

    return OrganizationFactory(name="A网络党支部", code="branch-a", is_online=True)


@pytest.fixture
def branch_b(db):
    from branches.tests.factories import OrganizationFactory

    return OrganizationFactory(name="B党支部", code="branch-b")


@pytest.fixture
def secretary(branch_a):
    """alice: secretary of branch A."""
    from branches.models import Role
    from branches.tests.factories import RoleFactory
    from members.tests.factories import UserFactory

    user = UserFactory(name="alice")
    RoleFactory(user=user, organization=branch_a, kind=Role.Kind.SECRETARY)
    return user


@pytest.fixture
def member(branch_a):
    """bob: a member of branch A with a login."""
    from members.tests.factories import MemberFactory, UserFactory

    user = UserFactory(name="bob")
    return MemberFactory(name="bob", organization=branch_a, user=user, phone=user.phone)


@pytest.fixture
def outsider(branch_b):
    """charlie: a member of branch B with a login."""
    from members.tests.factories import MemberFactory, UserFactory

    user = UserFactory(name="charlie")
    return MemberFactory(name="charlie", organization=branch_b, user=user, phone=user.phone)
