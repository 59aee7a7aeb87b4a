import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from branches.models import Role
from branches.tests.factories import GroupFactory, RoleFactory
from members.models import Invitation, Member, MemberChange, SignupRequest
from members.tests.factories import InvitationFactory, MemberFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def secretary_b(branch_b):
    return RoleFactory(organization=branch_b, kind=Role.Kind.SECRETARY).user


@pytest.fixture
def group_admin(branch_a):
    return RoleFactory(organization=GroupFactory(parent=branch_a), kind=Role.Kind.GROUP_ADMIN).user


def make_signup(branch, name="赵六") -> SignupRequest:
    user = UserFactory(name="")
    invitation = InvitationFactory(organization=branch, uses=1)
    return SignupRequest.objects.create(user=user, invitation=invitation, organization=branch, name=name)


@pytest.fixture
def signup(branch_a):
    return make_signup(branch_a)


@pytest.fixture
def unlinked(branch_a):
    """The roster entry the applicant matches: same name, no login yet."""
    return MemberFactory(name="赵六", organization=branch_a, phone="+8613700000001")


def client_for(client, user):
    client.force_login(user)
    return client


SIGNUP_VIEWS = [
    ("roster:signup_approve", "post"),
    ("roster:signup_create", "get"),
    ("roster:signup_reject", "post"),
]


@pytest.mark.parametrize(
    ("name", "method", "with_pk"),
    [*((n, m, True) for n, m in SIGNUP_VIEWS), ("roster:signups", "get", False), ("roster:invitations", "get", False)],
)
def test_signup_views_require_login(client, signup, name, method, with_pk):
    response = getattr(client, method)(reverse(name, args=[signup.pk]) if with_pk else reverse(name))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


@pytest.mark.parametrize(("name", "method"), SIGNUP_VIEWS)
def test_secretary_of_another_branch_gets_404_on_a_signups(client, secretary_b, signup, name, method):
    response = getattr(client_for(client, secretary_b), method)(reverse(name, args=[signup.pk]))
    assert response.status_code == 404
    signup.refresh_from_db()
    assert signup.status == SignupRequest.Status.PENDING


@pytest.mark.parametrize(("name", "method"), SIGNUP_VIEWS)
def test_a_member_without_a_role_gets_404_on_signups(client, member, signup, name, method):
    assert getattr(client_for(client, member.user), method)(reverse(name, args=[signup.pk])).status_code == 404


@pytest.mark.parametrize("name", ["roster:signups", "roster:invitations"])
def test_members_and_group_admins_get_403_on_branch_pages(client, member, group_admin, name):
    assert client_for(client, member.user).get(reverse(name)).status_code == 403
    assert client_for(client, group_admin).get(reverse(name)).status_code == 403


@pytest.mark.parametrize(
    ("name", "method", "with_pk"),
    [
        ("roster:signups", "post", False),
        ("roster:signup_approve", "get", True),
        ("roster:signup_reject", "get", True),
        ("roster:signup_create", "delete", True),
        ("roster:invitations", "put", False),
        ("roster:invitation_revoke", "get", True),
    ],
)
def test_signup_views_refuse_the_wrong_method(client, secretary, signup, name, method, with_pk):
    url = (
        reverse(name, args=[signup.invitation.pk if "invitation" in name else signup.pk]) if with_pk else reverse(name)
    )
    assert getattr(client_for(client, secretary), method)(url).status_code == 405


def test_the_queue_lists_pending_signups_of_the_branch_with_matching_entries(
    client, secretary, branch_a, branch_b, signup, unlinked
):
    MemberFactory(name="赵六", organization=branch_a, user=UserFactory())
    make_signup(branch_b, name="外人")
    response = client_for(client, secretary).get(reverse("roster:signups"))
    assert response.status_code == 200
    [listed] = response.context["requests"]
    assert listed == signup
    assert listed.candidates == [unlinked]
    assert "外人" not in response.content.decode()


def test_the_queue_runs_the_same_queries_for_few_or_many_signups(client, secretary, branch_a):
    c = client_for(client, secretary)
    for n in range(2):
        MemberFactory(name=f"申请{n}", organization=branch_a)
        make_signup(branch_a, name=f"申请{n}")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert c.get(reverse("roster:signups")).status_code == 200
        return len(queries)

    small = count()
    for n in range(2, 30):
        MemberFactory(name=f"申请{n}", organization=branch_a)
        make_signup(branch_a, name=f"申请{n}")
    assert count() == small
    assert small <= 7


def test_approving_links_the_login_to_the_roster_entry_and_tells_the_applicant(
    client, secretary, signup, unlinked, sms_outbox
):
    response = client_for(client, secretary).post(
        reverse("roster:signup_approve", args=[signup.pk]), {"member": unlinked.pk}
    )
    assert response.status_code == 302
    signup.refresh_from_db()
    unlinked.refresh_from_db()
    assert (signup.status, signup.decided_by, signup.member) == ("approved", secretary, unlinked)
    assert signup.decided_at is not None
    assert unlinked.user == signup.user
    assert unlinked.phone == signup.user.phone
    change = unlinked.changes.get()
    assert (change.action, change.user) == (MemberChange.Action.ACTIVATED, secretary)
    assert change.changes["phone"] == ["137****0001", signup.user.masked_phone]
    assert [m.phone for m in sms_outbox] == [signup.user.phone]


def test_approving_with_an_entry_of_another_branch_is_refused(client, secretary, signup, branch_b, sms_outbox):
    foreign = MemberFactory(name="赵六", organization=branch_b)
    response = client_for(client, secretary).post(
        reverse("roster:signup_approve", args=[signup.pk]), {"member": foreign.pk}, follow=True
    )
    assert response.status_code == 200
    signup.refresh_from_db()
    foreign.refresh_from_db()
    assert signup.status == SignupRequest.Status.PENDING
    assert foreign.user is None
    assert sms_outbox == []


def test_approving_with_a_new_entry_creates_it_linked_to_the_login(client, secretary, branch_a, signup, sms_outbox):
    c = client_for(client, secretary)
    form = c.get(reverse("roster:signup_create", args=[signup.pk]))
    assert form.status_code == 200
    assert "赵六" in form.content.decode()
    response = c.post(
        reverse("roster:signup_create", args=[signup.pk]),
        {"name": "赵六", "gender": "F", "joined_party_on": "2015-07-01", "status": "full", "province": "44"},
    )
    assert response.status_code == 302
    member = Member.objects.get(user=signup.user)
    assert (member.organization, member.phone, member.province) == (branch_a, signup.user.phone, "44")
    assert set(member.changes.values_list("action", flat=True)) == {"created", "activated"}
    signup.refresh_from_db()
    assert (signup.status, signup.member) == ("approved", member)
    assert len(sms_outbox) == 1


def test_a_new_entry_with_bad_data_approves_nothing(client, secretary, signup, sms_outbox):
    response = client_for(client, secretary).post(
        reverse("roster:signup_create", args=[signup.pk]),
        {"name": "赵六", "gender": "F", "joined_party_on": "2999-07-01", "status": "full"},
    )
    assert response.status_code == 400
    signup.refresh_from_db()
    assert signup.status == SignupRequest.Status.PENDING
    assert not Member.objects.filter(user=signup.user).exists()
    assert sms_outbox == []


def test_rejecting_needs_a_reason_and_tells_the_applicant(client, secretary, signup, sms_outbox):
    c = client_for(client, secretary)
    c.post(reverse("roster:signup_reject", args=[signup.pk]), {"reason": "  "})
    signup.refresh_from_db()
    assert signup.status == SignupRequest.Status.PENDING
    assert c.post(reverse("roster:signup_reject", args=[signup.pk]), {"reason": "不是本支部党员"}).status_code == 302
    signup.refresh_from_db()
    assert (signup.status, signup.reason, signup.decided_by) == ("rejected", "不是本支部党员", secretary)
    assert [m.phone for m in sms_outbox] == [signup.user.phone]
    assert "不是本支部党员" in sms_outbox[0].text


def test_a_decided_signup_cannot_be_decided_again(client, secretary, signup, unlinked):
    c = client_for(client, secretary)
    c.post(reverse("roster:signup_reject", args=[signup.pk]), {"reason": "重复"})
    response = c.post(reverse("roster:signup_approve", args=[signup.pk]), {"member": unlinked.pk})
    assert response.status_code == 404
    unlinked.refresh_from_db()
    assert unlinked.user is None


# --- Invitation codes ----------------------------------------------------------------------


def test_a_secretary_creates_and_lists_invitation_codes_for_their_branch(client, secretary, branch_a, branch_b):
    InvitationFactory(organization=branch_b, code="OTHERBRANCH")
    c = client_for(client, secretary)
    response = c.post(reverse("roster:invitations"), {"organization": branch_a.pk, "max_uses": 3, "days": 10})
    assert response.status_code == 302
    invitation = Invitation.objects.get(organization=branch_a)
    assert (invitation.max_uses, invitation.created_by) == (3, secretary)
    assert invitation.expires_at - timezone.now() > dt.timedelta(days=9)
    page = c.get(reverse("roster:invitations")).content.decode()
    assert invitation.code in page
    assert "OTHERBRANCH" not in page


def test_invitation_codes_for_another_branch_are_refused(client, secretary, branch_b):
    response = client_for(client, secretary).post(
        reverse("roster:invitations"), {"organization": branch_b.pk, "max_uses": 3, "days": 10}
    )
    assert response.status_code == 400
    assert not Invitation.objects.exists()


def test_revoking_an_invitation_code(client, secretary, secretary_b, branch_a):
    invitation = InvitationFactory(organization=branch_a)
    assert (
        client_for(client, secretary_b).post(reverse("roster:invitation_revoke", args=[invitation.pk])).status_code
        == 404
    )
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
    assert (
        client_for(client, secretary).post(reverse("roster:invitation_revoke", args=[invitation.pk])).status_code == 302
    )
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
