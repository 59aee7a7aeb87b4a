"""An approved signup lands in the new member's inbox, once; a rejected or refused one does not."""

import pytest
from django.urls import reverse
from django.utils import translation

from members.models import Member
from members.roster import signups
from members.tests.factories import MemberFactory
from members.tests.test_roster_signups import make_signup
from notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def signup(branch_a):
    return make_signup(branch_a)


@pytest.fixture
def unlinked(branch_a):
    return MemberFactory(name="赵六", organization=branch_a, phone="+8613700000001")


def test_approving_a_signup_puts_a_welcome_in_the_new_members_inbox(
    client, secretary, signup, unlinked, django_capture_on_commit_callbacks
):
    client.force_login(secretary)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("roster:signup_approve", args=[signup.pk]), {"member": unlinked.pk})
    assert response.status_code == 302
    notice = Notification.objects.get(member=unlinked)
    assert notice.kind == "signup_approved"
    with translation.override("zh-hans"):
        title = translation.gettext("Welcome to %(branch)s") % {"branch": "A网络党支部"}
    assert notice.title == title
    assert "赵六" in notice.body

    client.force_login(signup.user)
    inbox = client.get(reverse("notifications:inbox"), headers={"accept-language": "en"})
    assert [n.pk for n in inbox.context["page"]] == [notice.pk]
    assert "Welcome to A网络党支部" in inbox.content.decode()


def test_a_signup_approved_with_a_new_entry_is_welcomed_too(
    client, secretary, signup, django_capture_on_commit_callbacks
):
    client.force_login(secretary)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("roster:signup_create", args=[signup.pk]),
            {"name": "赵六", "gender": "F", "joined_party_on": "2015-07-01", "status": "full"},
        )
    member = Member.objects.get(user=signup.user)
    assert list(Notification.objects.values_list("member", "kind")) == [(member.pk, "signup_approved")]


def test_the_welcome_is_written_once(signup, unlinked, secretary, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        signups.approve_with_member(signup, unlinked, secretary)
    # A second delivery of the same event (a retried request) writes nothing more.
    signups.signup_approved.send(sender=type(signup), signup=signup, member=unlinked)
    assert Notification.objects.filter(member=unlinked).count() == 1


def test_a_rejected_or_refused_signup_writes_no_notice(
    client, secretary, signup, branch_b, django_capture_on_commit_callbacks
):
    foreign = MemberFactory(name="赵六", organization=branch_b)
    client.force_login(secretary)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("roster:signup_approve", args=[signup.pk]), {"member": foreign.pk})
        client.post(reverse("roster:signup_reject", args=[signup.pk]), {"reason": "不是本支部党员"})
    assert not Notification.objects.exists()
