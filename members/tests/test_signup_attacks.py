"""Signup as an attacker would use it: taking over a roster entry, or testing who is on a roster."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from members.models import User
from members.tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

EN = {"accept-language": "en"}
ATTACKER_PASSWORD = "Attacker-chose-9931"
OWNER_PASSWORD = "Owner-chose-4417"


def signup(client, *, phone: str, name: str, password: str, code: str = ""):
    data = {"phone": phone, "name": name, "invitation_code": code, "password1": password, "password2": password}
    return client.post(reverse("account_signup"), data, headers=EN)


def code_from(message) -> str:
    return re.search(r"\b(\d{6})\b", message.text).group(1)


def logged_in_user_id(client) -> str | None:
    return client.session.get("_auth_user_id")


def password_login(client, phone: str, password: str):
    return client.post(reverse("account_login"), {"login": phone, "password": password}, headers=EN)


@pytest.fixture
def roster_member(branch_a):
    """张三: on branch A's roster, no login yet."""
    return MemberFactory(name="张三", phone="+8613800138001", organization=branch_a)


# --- item 1: pre-hijacking a roster entry -------------------------------------------------


def test_a_stranger_who_signs_up_first_cannot_take_over_the_members_login(roster_member, sms_outbox):
    attacker = Client()
    response = signup(attacker, phone="13800138001", name="张三", password=ATTACKER_PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("account_verify_phone")
    # The code went to the member's phone; the attacker never has it.
    assert User.objects.get(phone="+8613800138001").phone_verified is False

    owner = Client()
    owner.post(reverse("account_request_login_code"), {"phone": "138 0013 8001"})
    response = owner.post(reverse("account_confirm_login_code"), {"code": code_from(sms_outbox[-1])})
    assert response.status_code == 302
    roster_member.refresh_from_db()
    assert roster_member.user is not None
    assert logged_in_user_id(owner) == str(roster_member.user.pk)
    assert roster_member.user.phone_verified is True
    # The login the owner now holds has no password someone else chose.
    assert not roster_member.user.has_usable_password()
    assert owner.get(reverse("home")).context["member"] == roster_member

    # The attacker comes back with their password: nothing opens.
    thief = Client()
    response = password_login(thief, "13800138001", ATTACKER_PASSWORD)
    assert response.status_code == 200
    assert logged_in_user_id(thief) is None
    assert "member" not in thief.get(reverse("home")).context
    assert thief.get(reverse("members:me")).status_code == 302
    # The attacker's pending signup in their own session does not log them in either.
    assert logged_in_user_id(attacker) is None
    assert "member" not in attacker.get(reverse("home")).context


def test_the_owner_who_logged_in_by_code_can_set_their_own_password(roster_member, sms_outbox):
    signup(Client(), phone="13800138001", name="张三", password=ATTACKER_PASSWORD)
    owner = Client()
    owner.post(reverse("account_request_login_code"), {"phone": "13800138001"})
    owner.post(reverse("account_confirm_login_code"), {"code": code_from(sms_outbox[-1])})
    data = {"password1": OWNER_PASSWORD, "password2": OWNER_PASSWORD}
    assert owner.post(reverse("account_set_password"), data).status_code == 302

    response = password_login(Client(), "13800138001", OWNER_PASSWORD)
    assert response.status_code == 302
    assert password_login(Client(), "13800138001", ATTACKER_PASSWORD).status_code == 200


def test_a_member_who_signs_up_and_verifies_in_one_go_keeps_their_password(roster_member, sms_outbox):
    client = Client()
    signup(client, phone="13800138001", name="张三", password=OWNER_PASSWORD)
    response = client.post(reverse("account_verify_phone"), {"code": code_from(sms_outbox[-1])})
    assert response.status_code == 302
    roster_member.refresh_from_db()
    assert roster_member.user.phone_verified is True
    assert roster_member.user.check_password(OWNER_PASSWORD)

    again = Client()
    assert password_login(again, "13800138001", OWNER_PASSWORD).status_code == 302
    assert again.get(reverse("home")).context["member"] == roster_member


def test_a_login_whose_number_is_not_proven_does_not_open_with_its_password(roster_member, sms_outbox):
    signup(Client(), phone="13800138001", name="张三", password=ATTACKER_PASSWORD)
    client = Client()
    response = password_login(client, "13800138001", ATTACKER_PASSWORD)
    # Answered as a wrong password: no code is texted to the number's owner.
    assert response.status_code == 200
    assert "phone number and/or password you specified are not correct" in response.content.decode()
    assert logged_in_user_id(client) is None
    assert len(sms_outbox) == 1


def test_a_change_of_number_by_a_logged_in_member_keeps_their_password(member, sms_outbox):
    client = Client()
    client.force_login(member.user)
    client.post(reverse("account_change_phone"), {"phone": "139 0013 9000"})
    client.post(reverse("account_verify_phone"), {"code": code_from(sms_outbox[-1])})
    member.user.refresh_from_db()
    assert member.user.phone == "+8613900139000"
    assert member.user.check_password("secret-pass-123")


# --- item 2: signup as an oracle ----------------------------------------------------------


def normalized_page(body: str, phone: str) -> str:
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)
    national = phone.removeprefix("+86")
    grouped = f"{national[:3]} {national[3:7]} {national[7:]}"  # as the code page shows it
    return body.replace(phone, "PHONE").replace(national, "PHONE").replace(grouped, "PHONE")


def answer_to_signup(*, phone: str, name: str) -> dict:
    client = Client()
    response = signup(client, phone=phone.removeprefix("+86"), name=name, password=ATTACKER_PASSWORD)
    page = client.get(response.url, headers=EN) if response.status_code == 302 else None
    login = password_login(Client(), phone, ATTACKER_PASSWORD)
    return {
        "status": response.status_code,
        "redirect": response.get("Location"),
        "signup page": normalized_page(response.content.decode(), phone),
        "next page status": page.status_code if page else None,
        "next page": normalized_page(page.content.decode(), phone) if page else None,
        "login with the password just chosen": (login.status_code, login.get("Location")),
    }


def test_signup_answers_the_same_for_no_roster_a_wrong_name_and_the_right_name(branch_a, sms_outbox):
    MemberFactory(name="李四", phone="+8613800138011", organization=branch_a)
    MemberFactory(name="王五", phone="+8613800138012", organization=branch_a)

    not_on_a_roster = answer_to_signup(phone="+8613900139011", name="赵六")
    wrong_name = answer_to_signup(phone="+8613800138011", name="李三")
    right_name = answer_to_signup(phone="+8613800138012", name="王五")

    assert not_on_a_roster == wrong_name == right_name
    assert right_name["status"] == 302
    assert right_name["redirect"] == reverse("account_verify_phone")
    # Only the right name needs a code; nobody else is texted on a stranger's attempt.
    assert [message.phone for message in sms_outbox] == ["+8613800138012"]
    assert re.search(r"\b\d{6}\b", sms_outbox[0].text)


@pytest.mark.parametrize("state", ["transferred_out", "linked_elsewhere"])
def test_signup_answers_the_same_for_other_roster_entries_that_cannot_be_activated(branch_a, sms_outbox, state):
    from members.models import Member
    from members.tests.factories import UserFactory

    if state == "transferred_out":
        MemberFactory(name="李四", phone="+8613800138011", organization=branch_a, state=Member.State.TRANSFERRED_OUT)
    else:
        MemberFactory(name="李四", phone="+8613800138011", organization=branch_a, user=UserFactory())
    refused = answer_to_signup(phone="+8613800138011", name="李四")
    not_on_a_roster = answer_to_signup(phone="+8613900139011", name="李四")
    assert refused == not_on_a_roster
    assert sms_outbox == []
    assert not User.objects.filter(phone__in=["+8613800138011", "+8613900139011"]).exists()


def test_the_code_page_tells_people_why_no_code_may_come(branch_a):
    client = Client()
    response = signup(client, phone="13900139011", name="赵六", password=ATTACKER_PASSWORD)
    body = client.get(response.url, headers=EN).content.decode()
    assert "branch secretary" in body
    assert "style=" not in body


def test_an_unknown_invitation_code_is_refused_alike_on_and_off_the_roster(roster_member):
    on_roster = signup(Client(), phone="13800138001", name="张三", password=OWNER_PASSWORD, code="NOSUCH99")
    off_roster = signup(Client(), phone="13900139011", name="张三", password=OWNER_PASSWORD, code="NOSUCH99")
    assert on_roster.status_code == off_roster.status_code == 200
    assert on_roster.context["form"].errors == off_roster.context["form"].errors
    assert "does not exist" in str(on_roster.context["form"].errors["invitation_code"])
    assert not User.objects.exists()


def test_the_member_who_logged_in_by_code_is_told_how_to_set_a_password(roster_member, sms_outbox):
    signup(Client(), phone="13800138001", name="张三", password=ATTACKER_PASSWORD)
    owner = Client()
    owner.post(reverse("account_request_login_code"), {"phone": "13800138001"})
    response = owner.post(
        reverse("account_confirm_login_code"), {"code": code_from(sms_outbox[-1])}, follow=True, headers=EN
    )
    assert "set one under Account" in response.content.decode()


def test_a_roster_entry_is_never_linked_to_a_login_whose_number_is_not_proven(roster_member):
    from members.registration import activate_member
    from members.tests.factories import UserFactory

    unproven = UserFactory(phone="+8613800138001", phone_verified=False)
    assert activate_member(unproven) is None
    roster_member.refresh_from_db()
    assert roster_member.user is None
