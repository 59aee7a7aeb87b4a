import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from members.models import Member, SignupRequest, User
from members.registration import RegistrationError, activate_member, plan_signup, request_membership
from members.tests.factories import InvitationFactory, MemberFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Wuhan-2024-steady"
EN = {"accept-language": "en"}


def signup(client, *, phone: str, name: str, code: str = ""):
    data = {"phone": phone, "name": name, "invitation_code": code, "password1": PASSWORD, "password2": PASSWORD}
    return client.post(reverse("account_signup"), data, headers=EN)


def code_from(sms_outbox) -> str:
    return re.search(r"\b(\d{6})\b", sms_outbox[-1].text).group(1)


def errors_of(response) -> dict:
    return response.context["form"].errors


@pytest.fixture
def roster_member(branch_a):
    return MemberFactory(name="张三", phone="+8613800138001", organization=branch_a)


@pytest.fixture
def invitation(branch_a):
    return InvitationFactory(organization=branch_a, max_uses=2)


# --- activation of a roster entry --------------------------------------------------------


def test_a_roster_member_is_linked_only_after_verifying_the_phone(client, roster_member, sms_outbox):
    response = signup(client, phone="138 0013 8001", name="张三")
    assert response.status_code == 302
    assert response.url == reverse("account_verify_phone")
    user = User.objects.get(phone="+8613800138001")
    assert user.name == "张三"
    assert user.phone_verified is False
    roster_member.refresh_from_db()
    assert roster_member.user is None
    assert not SignupRequest.objects.exists()
    assert len(sms_outbox) == 1

    assert client.get(reverse("account_verify_phone")).status_code == 200
    response = client.post(reverse("account_verify_phone"), {"code": code_from(sms_outbox)})
    assert response.status_code == 302
    roster_member.refresh_from_db()
    user.refresh_from_db()
    assert roster_member.user == user
    assert user.phone_verified is True
    home = client.get(reverse("home"))
    assert home.context["member"] == roster_member


def test_a_wrong_verification_code_does_not_link_the_roster_entry(client, roster_member, sms_outbox):
    signup(client, phone="13800138001", name="张三")
    wrong = "000000" if code_from(sms_outbox) != "000000" else "111111"
    response = client.post(reverse("account_verify_phone"), {"code": wrong})
    assert response.status_code == 200
    roster_member.refresh_from_db()
    assert roster_member.user is None


def test_an_unverified_activation_completes_when_the_member_logs_in_by_code(client, roster_member, sms_outbox):
    signup(client, phone="13800138001", name="张三")
    client.cookies.clear()
    client.post(reverse("account_request_login_code"), {"phone": "13800138001"})
    client.post(reverse("account_confirm_login_code"), {"code": code_from(sms_outbox)})
    roster_member.refresh_from_db()
    assert roster_member.user is not None
    assert roster_member.user.phone_verified is True


def test_a_password_login_with_an_unverified_phone_is_answered_as_a_wrong_password(client, roster_member, sms_outbox):
    # Going on to the code page would tell whoever chose the password that the
    # number and name they typed at signup are on a roster; login by code is the way in.
    signup(client, phone="13800138001", name="张三")
    client.cookies.clear()
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=1)):
        response = client.post(reverse("account_login"), {"login": "13800138001", "password": PASSWORD})
    assert response.status_code == 200
    assert client.session.get("_auth_user_id") is None
    assert len(sms_outbox) == 1
    roster_member.refresh_from_db()
    assert roster_member.user is None


def test_activation_needs_the_name_on_the_roster(client, roster_member, sms_outbox):
    response = signup(client, phone="13800138001", name="李四")
    # Answered like a real activation, so the form confirms no guessed name; nothing is created or texted.
    assert response.status_code == 302
    assert not User.objects.filter(phone="+8613800138001").exists()
    assert sms_outbox == []


def test_activation_ignores_spaces_in_the_name(client, roster_member):
    assert signup(client, phone="13800138001", name="张 三").status_code == 302


def test_a_transferred_out_member_cannot_activate(client, branch_a):
    MemberFactory(
        name="赵六",
        phone="+8613800138002",
        organization=branch_a,
        state=Member.State.TRANSFERRED_OUT,
        transferred_out_on=dt.date(2024, 1, 1),
    )
    response = signup(client, phone="13800138002", name="赵六")
    assert response.status_code == 302
    assert not User.objects.filter(phone="+8613800138002").exists()


def test_a_transferred_out_member_cannot_activate_with_an_invitation_either(client, branch_a, invitation):
    MemberFactory(name="赵六", phone="+8613800138002", organization=branch_a, state=Member.State.TRANSFERRED_OUT)
    response = signup(client, phone="13800138002", name="赵六", code=invitation.code)
    assert response.status_code == 302
    assert not User.objects.filter(phone="+8613800138002").exists()
    assert not SignupRequest.objects.exists()
    invitation.refresh_from_db()
    assert invitation.uses == 0


def test_a_roster_entry_linked_to_another_login_cannot_be_activated_again(client, branch_a, sms_outbox):
    other = UserFactory(phone="+8613900139000")
    member = MemberFactory(name="钱七", phone="+8613800138003", organization=branch_a, user=other)
    response = signup(client, phone="13800138003", name="钱七")
    assert response.status_code == 302
    assert not User.objects.filter(phone="+8613800138003").exists()
    member.refresh_from_db()
    assert member.user == other
    assert sms_outbox == []


def test_signing_up_with_a_number_that_has_an_account_creates_nothing_and_reveals_nothing(client, member, sms_outbox):
    users_before = User.objects.count()
    response = signup(client, phone=member.phone, name="bob")
    # The same answer as a real signup: on to the code page; the SMS tells the owner.
    assert response.status_code == 302
    assert User.objects.count() == users_before
    assert "already has an account" in sms_outbox[-1].text


# --- signup with an invitation code ---------------------------------------------------


def test_a_signup_off_the_roster_without_a_code_creates_no_user_and_texts_nobody(client, db, sms_outbox):
    response = signup(client, phone="13900139001", name="孙八")
    assert response.status_code == 302
    assert not User.objects.filter(phone="+8613900139001").exists()
    assert not SignupRequest.objects.exists()
    assert sms_outbox == []


def test_a_valid_code_files_a_pending_request_and_uses_the_code_once(client, invitation, branch_a, sms_outbox):
    response = signup(client, phone="13900139001", name="孙八", code=invitation.code.lower())
    assert response.status_code == 302
    user = User.objects.get(phone="+8613900139001")
    request = SignupRequest.objects.get(user=user)
    assert request.status == SignupRequest.Status.PENDING
    assert request.organization == branch_a
    assert request.invitation == invitation
    assert request.name == "孙八"
    invitation.refresh_from_db()
    assert invitation.uses == 1

    client.post(reverse("account_verify_phone"), {"code": code_from(sms_outbox)})
    home = client.get(reverse("home"), headers=EN)
    assert "waiting for the secretary" in home.content.decode()
    assert not Member.objects.filter(user=user).exists()


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ({"expires_at": timezone.now() - dt.timedelta(minutes=1)}, "expired"),
        ({"revoked_at": timezone.now()}, "withdrawn"),
        ({"uses": 2, "max_uses": 2}, "used up"),
    ],
    ids=["expired", "revoked", "used-up"],
)
def test_an_unusable_code_is_refused_and_creates_nothing(client, branch_a, state, message):
    invitation = InvitationFactory(organization=branch_a, **state)
    uses_before = invitation.uses
    response = signup(client, phone="13900139001", name="孙八", code=invitation.code)
    assert response.status_code == 200
    assert message in str(errors_of(response)["invitation_code"])
    assert not User.objects.filter(phone="+8613900139001").exists()
    assert not SignupRequest.objects.exists()
    invitation.refresh_from_db()
    assert invitation.uses == uses_before


def test_an_unknown_code_is_refused(client, db):
    response = signup(client, phone="13900139001", name="孙八", code="NOSUCH99")
    assert response.status_code == 200
    assert "does not exist" in str(errors_of(response)["invitation_code"])


def test_two_signups_cannot_overuse_an_invitation(branch_a):
    invitation = InvitationFactory(organization=branch_a, max_uses=1)
    first = plan_signup(phone="+8613900139001", name="甲", invitation_code=invitation.code)
    second = plan_signup(phone="+8613900139002", name="乙", invitation_code=invitation.code)
    request_membership(user=UserFactory(), invitation=first.invitation, name="甲")
    with pytest.raises(RegistrationError) as refused:
        request_membership(user=UserFactory(), invitation=second.invitation, name="乙")
    assert refused.value.code == "invitation_used_up"
    invitation.refresh_from_db()
    assert invitation.uses == 1
    assert SignupRequest.objects.count() == 1


def test_a_signup_that_loses_the_race_for_the_last_use_leaves_no_login(client, branch_a, monkeypatch):
    invitation = InvitationFactory(organization=branch_a, max_uses=1)
    from members import forms

    real_plan = forms.plan_signup

    def plan_then_lose_the_race(**kwargs):
        plan = real_plan(**kwargs)
        # Someone else takes the last use between validation and saving.
        type(invitation).objects.filter(pk=invitation.pk).update(uses=1)
        return plan

    monkeypatch.setattr(forms, "plan_signup", plan_then_lose_the_race)
    response = signup(client, phone="13900139001", name="孙八", code=invitation.code)
    assert response.status_code == 200
    assert "used up" in str(errors_of(response)["invitation_code"])
    assert not User.objects.filter(phone="+8613900139001").exists()
    assert not SignupRequest.objects.exists()


def test_activate_member_is_idempotent_and_leaves_others_entries_alone(branch_a):
    user = UserFactory(phone="+8613800138001")
    member = MemberFactory(phone="+8613800138001", organization=branch_a)
    assert activate_member(user) == member
    assert activate_member(user) == member
    stranger = UserFactory(phone="+8613900139009")
    assert activate_member(stranger) is None


# --- pages --------------------------------------------------------------------------


def test_the_signup_page_is_titled_as_activation(client, db):
    response = client.get(reverse("account_signup"), headers=EN)
    body = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Activate your account</h1>" in body
    assert 'name="invitation_code"' in body
    assert 'name="name"' in body


def test_the_phone_verification_page_renders_without_inline_style(client, roster_member):
    signup(client, phone="13800138001", name="张三")
    response = client.get(reverse("account_verify_phone"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "css/site.css" in body
    assert "style=" not in body
    assert "<script" not in body


def test_a_resent_verification_code_too_soon_is_refused_politely(client, roster_member, sms_outbox):
    signup(client, phone="13800138001", name="张三")
    response = client.post(reverse("account_verify_phone"), {"action": "resend"}, follow=True, headers=EN)
    assert response.status_code == 200
    assert len(sms_outbox) == 1


def test_a_rate_limited_verification_sms_answers_429_not_500(client, roster_member, sms_outbox):
    signup(client, phone="13800138001", name="张三")
    client.cookies.clear()
    # Signing up again at once would text the number again within the 30 s limit.
    response = signup(client, phone="13800138001", name="张三")
    assert response.status_code == 429
    assert len(sms_outbox) == 1
