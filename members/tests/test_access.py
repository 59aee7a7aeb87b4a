"""members.access: one fetch-with-check per object, each checked with a capability; one error type."""

import pytest
from django.http import Http404

from branches.errors import DomainError
from branches.models import Role
from branches.tests.factories import GroupFactory, RoleFactory
from members import access
from members.errors import RegistrationError, RosterError, RosterFileError
from members.imports import read_roster
from members.models import RosterImport, SignupRequest
from members.registration import plan_signup
from members.roster.roles import find_login
from members.roster.services import add_member, move_to_group
from members.tests.factories import InvitationFactory, MemberFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def objects(branch_a, secretary):
    """One of each object a branch's secretaries manage."""
    invitation = InvitationFactory(organization=branch_a)
    signup = SignupRequest.objects.create(user=UserFactory(), invitation=invitation, organization=branch_a, name="赵六")
    roster_import = RosterImport.objects.create(organization=branch_a, filename="roster.csv")
    return {
        "signup": (access.get_managed_signup, signup),
        "invitation": (access.get_managed_invitation, invitation),
        "role": (access.get_managed_role, Role.objects.get(user=secretary)),
        "import": (access.get_managed_import, roster_import),
    }


@pytest.fixture
def leader(branch_a):
    return RoleFactory(organization=GroupFactory(parent=branch_a), kind=Role.Kind.GROUP_ADMIN).user


@pytest.mark.parametrize("what", ["signup", "invitation", "role", "import"])
def test_a_secretary_fetches_their_branchs_objects(objects, secretary, what):
    get, obj = objects[what]
    assert get(secretary, obj.pk) == obj


@pytest.mark.parametrize("what", ["signup", "invitation", "role", "import"])
def test_others_get_404_whether_or_not_the_object_exists(objects, branch_b, leader, member, what):
    get, obj = objects[what]
    secretary_b = RoleFactory(organization=branch_b, kind=Role.Kind.SECRETARY).user
    for user in (secretary_b, leader, member.user):
        for pk in (obj.pk, obj.pk + 1000):
            with pytest.raises(Http404):
                get(user, pk)


def test_a_decided_signup_is_gone(objects, secretary):
    _get, signup = objects["signup"]
    SignupRequest.objects.filter(pk=signup.pk).update(status=SignupRequest.Status.REJECTED)
    with pytest.raises(Http404):
        access.get_managed_signup(secretary, signup.pk)


def test_an_organizer_decides_signups_and_imports_but_gives_no_roles(objects, branch_a):
    organizer = RoleFactory(organization=branch_a, kind=Role.Kind.ORGANIZER).user
    for what in ("signup", "invitation", "import"):
        get, obj = objects[what]
        assert get(organizer, obj.pk) == obj
    with pytest.raises(Http404):
        access.get_managed_role(organizer, objects["role"][1].pk)


def test_the_scope_is_read_once_per_request_user(secretary, member, django_assert_num_queries):
    with django_assert_num_queries(3):  # roles, the branch and group ids, the entry
        access.get_managed_member(secretary, member.pk)
    with django_assert_num_queries(1):
        access.get_managed_member(secretary, member.pk)
        assert access.can_see_hardship(secretary, member)


def test_hardship_is_seen_by_the_secretaries_only(secretary, leader, member):
    assert access.can_see_hardship(secretary, member)
    assert not access.can_see_hardship(leader, member)
    assert access.hardship_filter(leader, True) is None
    assert access.hardship_filter(secretary, True) is not None


# --- One error type ---------------------------------------------------------------------------


def test_every_refusal_of_the_members_app_is_a_domain_error():
    for error in (RosterError, RegistrationError, RosterFileError):
        assert issubclass(error, DomainError)


def test_the_codes_and_fields_are_kept(branch_a):
    with pytest.raises(RosterFileError) as unreadable:
        read_roster(b"\x89PNG\r\n\x1a\n\x00\x00")
    assert (unreadable.value.code, unreadable.value.field) == ("not_spreadsheet", "file")
    with pytest.raises(RegistrationError) as refused:
        plan_signup(phone="+8613900139001", name="甲", invitation_code="NOPE")
    assert (refused.value.code, refused.value.field) == ("invitation_unknown", "invitation_code")


def test_services_refuse_with_a_roster_error_naming_the_field(secretary, branch_b, leader, branch_a):
    data = {"name": "越界", "gender": "M", "phone": "+8613800138001", "joined_party_on": "2020-07-01"}
    with pytest.raises(RosterError) as outside:
        add_member({**data, "organization": branch_b}, secretary)
    assert (outside.value.code, outside.value.field) == ("not_managed", "group")
    with pytest.raises(RosterError) as no_login:
        find_login(secretary, "13912345678")
    assert (no_login.value.code, no_login.value.field) == ("no_login", "who")
    entry = MemberFactory(organization=branch_a, group=Role.objects.get(user=leader).organization)
    with pytest.raises(RosterError) as not_theirs:
        move_to_group(entry, GroupFactory(parent=branch_a), leader)
    assert not_theirs.value.field == "group"


# --- Task names ---------------------------------------------------------------------------


def test_the_import_tasks_keep_their_names():
    from members.tasks import confirm_roster_import, preview_roster_import

    assert preview_roster_import.name == "members.tasks.preview_roster_import"
    assert confirm_roster_import.name == "members.tasks.confirm_roster_import"
