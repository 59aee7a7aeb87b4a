"""A new phone number is reported only once a code sent to it comes back; nobody takes over someone else's number."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from itinerant.models import MoveReport
from itinerant.move_phone import SESSION_KEY
from members.tests.factories import MemberFactory, UserFactory

from .move_helpers import _fresh_rate_limits, code_from  # noqa: F401

pytestmark = pytest.mark.django_db

NEW = "+8613900139000"
TYPED = "139 0013 9000"


@pytest.fixture
def client_bob(client, member):
    client.force_login(member.user)
    return client


def ask_for_code(client, typed: str = TYPED):
    return client.post(reverse("itinerant:report_move"), {"kind": "phone", "new_phone": typed})


def enter(client, code: str, *, follow: bool = False):
    return client.post(reverse("itinerant:verify_phone"), {"code": code}, follow=follow)


def wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def test_a_code_goes_to_the_new_number_and_the_report_is_written_only_when_it_comes_back(
    client_bob, member, sms_outbox
):
    response = ask_for_code(client_bob)
    assert response.status_code == 302
    assert response["Location"] == reverse("itinerant:verify_phone")
    assert [m.phone for m in sms_outbox] == [NEW]
    assert not MoveReport.objects.exists()
    page = client_bob.get(reverse("itinerant:verify_phone"))
    assert "139****9000" in page.content.decode()
    response = enter(client_bob, code_from(sms_outbox[0]))
    assert response.status_code == 302
    assert response["Location"] == reverse("itinerant:my_moves")
    report = MoveReport.objects.get(member=member)
    assert (report.kind, report.new_phone, report.status) == (MoveReport.Kind.PHONE, NEW, MoveReport.Status.PENDING)
    assert report.phone_verified_at is not None
    assert report.before == {"phone": member.phone}
    assert SESSION_KEY not in client_bob.session
    # The login and the roster keep the old number until the secretary confirms.
    member.refresh_from_db()
    member.user.refresh_from_db()
    assert member.phone != NEW and member.user.phone != NEW


def test_a_code_entered_with_full_width_digits_and_spaces_is_read(client_bob, sms_outbox):
    ask_for_code(client_bob)
    code = code_from(sms_outbox[0])
    typed = " ".join(chr(ord(c) + 0xFEE0) for c in code)
    assert enter(client_bob, typed).status_code == 302
    assert MoveReport.objects.count() == 1


def test_a_wrong_code_is_refused_in_chinese_and_writes_nothing(client_bob, sms_outbox):
    ask_for_code(client_bob)
    response = enter(client_bob, wrong(code_from(sms_outbox[0])))
    assert response.status_code == 200
    assert response.context["form"].errors["code"] == ["验证码不正确，请核对发往新号码的短信后重试。"]
    assert not MoveReport.objects.exists()


def test_three_wrong_codes_end_the_verification_and_the_right_one_no_longer_works(client_bob, sms_outbox):
    ask_for_code(client_bob)
    code = code_from(sms_outbox[0])
    enter(client_bob, wrong(code))
    enter(client_bob, wrong(code))
    response = enter(client_bob, wrong(code), follow=True)
    assert "验证码错误次数过多" in response.content.decode()
    assert SESSION_KEY not in client_bob.session
    response = enter(client_bob, code)
    assert response.status_code == 302
    assert "kind=phone" in response["Location"]
    assert not MoveReport.objects.exists()


def test_an_expired_code_is_refused_and_writes_nothing(client_bob, sms_outbox):
    ask_for_code(client_bob)
    code = code_from(sms_outbox[0])
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=16), tick=False):
        response = enter(client_bob, code, follow=True)
    assert "验证码已过期，请重新获取。" in response.content.decode()
    assert not MoveReport.objects.exists()
    assert SESSION_KEY not in client_bob.session


def test_the_code_page_without_a_code_asked_for_sends_back_to_the_number(client_bob):
    response = client_bob.get(reverse("itinerant:verify_phone"))
    assert response.status_code == 302
    assert response["Location"] == reverse("itinerant:report_move") + "?kind=phone"


def test_an_invalid_number_is_refused_and_texts_nobody(client_bob, sms_outbox):
    response = ask_for_code(client_bob, "12345")
    assert response.status_code == 200
    assert "new_phone" in response.context["form"].errors
    assert sms_outbox == []


def test_the_members_own_number_is_not_a_new_one(client_bob, member, sms_outbox):
    response = ask_for_code(client_bob, member.phone)
    assert response.context["form"].errors["new_phone"] == ["这已经是名册上你的号码。"]
    assert sms_outbox == []


def test_a_second_code_within_half_a_minute_is_refused_by_the_rate_limit(client_bob, sms_outbox):
    ask_for_code(client_bob)
    response = ask_for_code(client_bob)
    assert response.status_code == 200
    assert response.context["form"].errors["new_phone"] == ["向该号码发送验证码过于频繁，请几分钟后再试。"]
    assert len(sms_outbox) == 1


def test_send_again_sends_a_new_code_and_the_old_one_no_longer_works(client_bob, sms_outbox):
    ask_for_code(client_bob)
    first = code_from(sms_outbox[0])
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=40), tick=False):
        client_bob.post(reverse("itinerant:verify_phone"), {"action": "resend"})
        assert len(sms_outbox) == 2
        second = code_from(sms_outbox[1])
        if first != second:
            assert enter(client_bob, first).status_code == 200
        assert enter(client_bob, second).status_code == 302
    assert MoveReport.objects.count() == 1


def test_send_again_at_once_is_held_back_by_the_rate_limit(client_bob, sms_outbox):
    ask_for_code(client_bob)
    response = client_bob.post(reverse("itinerant:verify_phone"), {"action": "resend"}, follow=True)
    assert "过于频繁" in response.content.decode()
    assert len(sms_outbox) == 1


# --- Attacks: no one reports a number that is someone else's ---------------------------------


def test_member_a_cannot_move_to_member_bs_number(client_bob, branch_b, sms_outbox):
    other = MemberFactory(organization=branch_b, user=UserFactory(), phone=NEW)
    other.user.phone = NEW
    other.user.save()
    response = ask_for_code(client_bob)
    assert response.status_code == 200
    assert response.context["form"].errors["new_phone"] == ["该号码属于其他党员或账号，请填写你本人的号码。"]
    # Nothing texted to B, nothing kept to verify, nothing reported.
    assert sms_outbox == []
    assert SESSION_KEY not in client_bob.session
    assert not MoveReport.objects.exists()


def test_a_number_on_another_roster_entry_without_a_login_is_refused_too(client_bob, branch_a, sms_outbox):
    MemberFactory(organization=branch_a, phone=NEW)
    assert "new_phone" in ask_for_code(client_bob).context["form"].errors
    assert sms_outbox == []


def test_a_number_of_a_login_without_a_roster_entry_is_refused_too(client_bob, sms_outbox):
    UserFactory(phone=NEW)
    assert "new_phone" in ask_for_code(client_bob).context["form"].errors
    assert sms_outbox == []


def test_a_code_sent_to_the_members_own_number_does_not_prove_the_new_one(client_bob, member, sms_outbox):
    ask_for_code(client_bob)
    new_code = code_from(sms_outbox[0])
    # The member asks for a login code on another device: it comes to their own number.
    Client().post(reverse("account_request_login_code"), {"phone": member.phone})
    own = [m for m in sms_outbox if m.phone == member.phone]
    assert own, "a login code went to the member's own number"
    own_code = code_from(own[-1])
    if own_code != new_code:
        response = enter(client_bob, own_code)
        assert response.status_code == 200
        assert "code" in response.context["form"].errors
    assert not MoveReport.objects.exists()


def test_a_code_asked_for_by_one_login_is_not_another_logins(client_bob, outsider, sms_outbox):
    ask_for_code(client_bob)
    code = code_from(sms_outbox[0])
    other = Client()
    other.force_login(outsider.user)
    response = other.post(reverse("itinerant:verify_phone"), {"code": code})
    assert response.status_code == 302
    assert not MoveReport.objects.exists()


def test_a_number_taken_while_the_code_travels_is_refused_when_the_code_comes_back(client_bob, branch_b, sms_outbox):
    ask_for_code(client_bob)
    MemberFactory(organization=branch_b, phone=NEW)
    response = enter(client_bob, code_from(sms_outbox[0]), follow=True)
    assert "该号码属于其他党员或账号" in response.content.decode()
    assert not MoveReport.objects.exists()
    assert SESSION_KEY not in client_bob.session
