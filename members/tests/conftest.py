import pytest

# The local fakes of the SMS providers' APIs (test_sms_*.py).
from members.tests.sms_fakes import aliyun, provider, tencent  # noqa: F401


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """allauth's rate limits count in the cache; each test starts with none used."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


# --- A branch with two groups, as the roster tests use it ------------------------------------


@pytest.fixture
def groups(branch_a):
    from branches.tests.factories import GroupFactory

    return GroupFactory(parent=branch_a, name="一组"), GroupFactory(parent=branch_a, name="二组")


@pytest.fixture
def group_admin(groups):
    """A group leader of branch A's group one."""
    from branches.models import Role
    from branches.tests.factories import RoleFactory

    return RoleFactory(organization=groups[0], kind=Role.Kind.GROUP_ADMIN).user


@pytest.fixture
def secretary_b(branch_b):
    from branches.models import Role
    from branches.tests.factories import RoleFactory

    return RoleFactory(organization=branch_b, kind=Role.Kind.SECRETARY).user


@pytest.fixture
def target(branch_a, groups):
    """A roster entry of branch A, in group one, in hardship, without a login."""
    from members.tests.factories import MemberFactory

    return MemberFactory(
        name="张三", organization=branch_a, group=groups[0], province="44", city="深圳", in_hardship=True
    )
