import datetime as dt

import pytest
from django.http import Http404
from django.urls import reverse

from branches.errors import DomainError
from branches.models import Organization, Role
from branches.tests.factories import GroupFactory, OrganizationFactory, RoleFactory
from members.models import Member
from members.tests.factories import MemberFactory, UserFactory
from notifications import greetings
from notifications.access import (
    get_managed_channel_organization,
    get_managed_greeting,
    get_own_greeting,
    get_own_notification,
    managed_channel_organizations,
)
from notifications.models import Greeting, MemberChannels, Notification
from notifications.services import Notice, notify_members

pytestmark = pytest.mark.django_db


def make_greeting(member) -> Greeting:
    return Greeting.objects.create(member=member, year=2026, anniversary=dt.date(2026, 7, 1), party_age=16)


def transfer_out(member) -> None:
    Member.objects.filter(pk=member.pk).update(state=Member.State.TRANSFERRED_OUT, transferred_out_on=dt.date.today())
    member.refresh_from_db()


def group_admin_of(group):
    user = UserFactory()
    RoleFactory(user=user, organization=group, kind=Role.Kind.GROUP_ADMIN)
    return user


# --- notices ----------------------------------------------------------------------------------


def test_a_transferred_out_member_still_opens_their_own_notices(client, member):
    notify_members([member.pk], Notice(kind="test", title="旧通知"), key="t:1:{member}")
    transfer_out(member)
    notification = Notification.objects.get()
    assert get_own_notification(member.user, notification.pk) == notification
    client.force_login(member.user)
    assert client.get(reverse("notifications:open", args=[notification.pk])).status_code == 200


def test_another_persons_notice_is_not_found(member, outsider):
    notify_members([outsider.pk], Notice(kind="test", title="别人的"), key="t:1:{member}")
    with pytest.raises(Http404):
        get_own_notification(member.user, Notification.objects.get().pk)


# --- greetings --------------------------------------------------------------------------------


def test_the_own_greeting_is_found_by_login_and_by_roster_entry(member, outsider):
    greeting = make_greeting(member)
    assert get_own_greeting(member.user, greeting.pk) == greeting
    assert get_own_greeting(member, greeting.pk) == greeting
    for other in (outsider.user, outsider):
        with pytest.raises(Http404):
            get_own_greeting(other, greeting.pk)


def test_a_transferred_out_member_keeps_their_card(member):
    greeting = make_greeting(member)
    transfer_out(member)
    assert get_own_greeting(member.user, greeting.pk) == greeting


def test_a_login_without_a_roster_entry_has_no_own_greeting(secretary, member):
    with pytest.raises(Http404):
        get_own_greeting(secretary, make_greeting(member).pk)


def test_the_managed_greeting_follows_the_roster_scope(secretary, member, outsider, branch_a):
    greeting = make_greeting(member)
    assert get_managed_greeting(secretary, greeting.pk) == greeting
    with pytest.raises(Http404):
        get_managed_greeting(secretary, make_greeting(outsider).pk)
    with pytest.raises(Http404):
        get_managed_greeting(member.user, greeting.pk)


def test_a_group_admin_manages_only_their_groups_greetings(branch_a):
    group = GroupFactory(parent=branch_a)
    admin = group_admin_of(group)
    mine = make_greeting(MemberFactory(organization=branch_a, group=group))
    other = make_greeting(MemberFactory(organization=branch_a))
    assert get_managed_greeting(admin, mine.pk) == mine
    with pytest.raises(Http404):
        get_managed_greeting(admin, other.pk)


# --- channel settings -------------------------------------------------------------------------


def test_channels_belong_to_branches_and_groups_only(branch_a):
    committee = OrganizationFactory(kind=Organization.Kind.COMMITTEE)
    user = UserFactory()
    RoleFactory(user=user, organization=committee, kind=Role.Kind.SECRETARY)
    branch = OrganizationFactory(parent=committee)
    assert get_managed_channel_organization(user, branch.pk) == branch
    assert list(managed_channel_organizations(user)) == [branch]
    with pytest.raises(Http404):
        get_managed_channel_organization(user, committee.pk)


def test_a_group_admin_sets_their_groups_channels_not_the_branchs(client, branch_a):
    group = GroupFactory(parent=branch_a)
    admin = group_admin_of(group)
    assert list(managed_channel_organizations(admin)) == [group]
    client.force_login(admin)
    assert client.get(reverse("notifications:branch_channels", args=[group.pk])).status_code == 200
    assert client.get(reverse("notifications:templates", args=[group.pk])).status_code == 200
    assert client.get(reverse("notifications:branch_channels", args=[branch_a.pk])).status_code == 404
    body = client.get(reverse("notifications:channels")).content.decode()
    assert reverse("notifications:branch_channels", args=[group.pk]) in body
    assert reverse("notifications:branch_channels", args=[branch_a.pk]) not in body


def test_a_transferred_out_member_still_chooses_how_notices_reach_them(client, member):
    transfer_out(member)
    client.force_login(member.user)
    assert client.post(reverse("notifications:channels"), {"email": "on"}).status_code == 302
    assert MemberChannels.objects.get(member=member).sms is False


# --- the one error type -----------------------------------------------------------------------


def test_a_refused_line_is_a_domain_error_with_its_code(branch_a):
    member = MemberFactory(organization=branch_a, joined_party_on=dt.date(2000, 7, 5))
    transfer_out(member)
    with pytest.raises(DomainError) as refused:
        greetings.set_personal_line(member, "x", today=dt.date(2026, 7, 1))
    assert isinstance(refused.value, greetings.GreetingError)
    assert refused.value.code == "inactive"


def test_a_line_for_a_transferred_out_member_is_refused_with_a_message(client, secretary, branch_a):
    member = MemberFactory(organization=branch_a, joined_party_on=dt.date(2000, 7, 5))
    transfer_out(member)
    client.force_login(secretary)
    response = client.post(
        reverse("greetings:line", args=[member.pk]),
        {"personal_line": "x"},
        headers={"accept-language": "en"},
        follow=True,
    )
    assert "transferred-out member gets no greeting" in response.content.decode()
    assert not Greeting.objects.filter(member=member).exists()


# --- the window of upcoming birthdays ---------------------------------------------------------


@pytest.mark.parametrize(
    "today, days, expected",
    [
        # 30 days from 31 January touch three months; 28 February of a common year takes the 29th.
        (dt.date(2027, 1, 31), 28, {(1, 31), (2, 28), (2, 29)}),
        (dt.date(2028, 1, 31), 28, {(1, 31), (2, 28)}),
        (dt.date(2026, 12, 20), 15, {(12, 20), (12, 31), (1, 4)}),
    ],
)
def test_the_birthday_window_crosses_months_years_and_leap_days(branch_a, today, days, expected):
    dates = {(1, 30), (1, 31), (2, 28), (2, 29), (3, 1), (12, 19), (12, 20), (12, 31), (1, 4), (1, 5)}
    for month, day in dates:
        MemberFactory(organization=branch_a, joined_party_on=dt.date(2000, month, day))
    found = set(
        Member.objects.filter(greetings.birthday_window(today, days)).values_list(
            "joined_party_month", "joined_party_day"
        )
    )
    assert found == expected
