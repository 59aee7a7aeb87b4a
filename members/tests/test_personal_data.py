"""Personal numbers: masked unless a logged reveal, never cached, never in logs or URLs, normalized before checks."""

import logging
import re
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from branches.tests.test_settings import PRODUCTION_ENV, manage
from members.models import Member, MemberChange, RosterImport
from members.sms import ConsoleBackend, SMSMessage, send_sms
from members.tests.factories import MemberFactory, UserFactory, id_number
from members.tests.helpers import client_for
from members.tests.roster_files import csv_bytes, row
from members.tests.test_roster_edit import _edit_data
from members.tests.test_roster_signups import make_signup

pytestmark = pytest.mark.django_db

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def full_width_id(value: str) -> str:
    """As an input method types it: full-width digits, the final character as typed (here ASCII)."""
    return value[:17].translate(FULL_WIDTH) + value[17]


def national(phone: str) -> str:
    return phone.removeprefix("+86")


def assert_no_store(response) -> None:
    assert "no-store" in response.get("Cache-Control", ""), response.get("Cache-Control")


def secretary_branch(user):
    return user.roles.get().organization


def revealed(member: Member) -> int:
    return member.changes.filter(action=MemberChange.Action.REVEALED).count()


def add_data(branch, **changes) -> dict:
    data = {
        "organization": branch.pk,
        "name": "新人",
        "gender": "M",
        "phone": "13800138000",
        "joined_party_on": "2020-07-01",
        "status": "full",
    }
    data.update(changes)
    return data


def upload(client, branch, data: bytes):
    return client.post(
        reverse("roster_import:upload"), {"organization": branch.pk, "file": SimpleUploadedFile("roster.csv", data)}
    )


def form_values(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', html))


@pytest.fixture
def leader_target(target):
    target.emergency_contact = "母亲"
    target.emergency_phone = "13911112222"
    target.save()
    return target


# --- Item 3: the edit and signup forms mask the numbers; a reveal is logged; nothing is cached ----------------


def test_a_group_leader_opening_the_edit_page_gets_no_full_number_and_no_reveal_is_logged(
    client, group_admin, leader_target
):
    response = client_for(client, group_admin).get(reverse("roster:edit", args=[leader_target.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for full in (national(leader_target.phone), leader_target.id_number, "13911112222"):
        assert full not in html
    assert leader_target.masked_phone in html
    assert leader_target.masked_id_number in html
    assert revealed(leader_target) == 0
    assert_no_store(response)


def test_the_masked_values_submitted_unchanged_keep_the_stored_numbers(client, group_admin, leader_target):
    c = client_for(client, group_admin)
    values = form_values(c.get(reverse("roster:edit", args=[leader_target.pk])).content.decode())
    data = _edit_data(
        leader_target,
        phone=values["phone"],
        id_number=values["id_number"],
        emergency_contact="母亲",
        emergency_phone=values["emergency_phone"],
        city="广州",
    )
    data.pop("hardship_note")
    response = c.post(reverse("roster:edit", args=[leader_target.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    stored = Member.objects.get(pk=leader_target.pk)
    assert (stored.phone, stored.id_number, stored.emergency_phone, stored.city) == (
        leader_target.phone,
        leader_target.id_number,
        "13911112222",
        "广州",
    )
    assert set(stored.changes.get(action=MemberChange.Action.UPDATED).changes) == {"city"}


def test_revealing_on_the_edit_page_is_logged_and_not_cached(client, group_admin, leader_target):
    c = client_for(client, group_admin)
    response = c.post(reverse("roster:edit", args=[leader_target.pk]), {"reveal": "1"})
    assert response.status_code == 200
    html = response.content.decode()
    assert leader_target.id_number in html
    assert national(leader_target.phone) in html
    assert revealed(leader_target) == 1
    assert MemberChange.objects.get(action=MemberChange.Action.REVEALED).user == group_admin
    assert_no_store(response)
    # The reveal saved nothing.
    assert not leader_target.changes.filter(action=MemberChange.Action.UPDATED).exists()


def test_an_edit_with_an_error_shows_back_only_what_was_submitted(client, group_admin, leader_target):
    c = client_for(client, group_admin)
    values = form_values(c.get(reverse("roster:edit", args=[leader_target.pk])).content.decode())
    data = _edit_data(leader_target, phone=values["phone"], id_number=values["id_number"], name="")
    data.pop("hardship_note")
    response = c.post(reverse("roster:edit", args=[leader_target.pk]), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert leader_target.id_number not in html
    assert national(leader_target.phone) not in html
    assert_no_store(response)


def test_the_signup_form_masks_the_applicants_phone_and_still_approves(client, secretary, branch_a, sms_outbox):
    signup = make_signup(branch_a)
    c = client_for(client, secretary)
    response = c.get(reverse("roster:signup_create", args=[signup.pk]))
    assert response.status_code == 200
    assert national(signup.user.phone) not in response.content.decode()
    assert_no_store(response)
    response = c.post(
        reverse("roster:signup_create", args=[signup.pk]),
        {"name": "赵六", "gender": "F", "joined_party_on": "2015-07-01", "status": "full"},
    )
    assert response.status_code == 302
    assert Member.objects.get(user=signup.user).phone == signup.user.phone


def test_pages_with_personal_numbers_are_never_cached(client, secretary, target):
    c = client_for(client, secretary)
    assert_no_store(c.get(reverse("roster:detail", args=[target.pk])))
    assert_no_store(c.post(reverse("roster:reveal", args=[target.pk])))
    assert_no_store(c.get(reverse("roster:add")))
    assert_no_store(c.post(reverse("roster:add"), add_data(target.organization, name="")))


# --- Item 8: no full phone and no code in logs; production refuses a development backend; no digits in URLs ---


def test_the_console_backend_masks_the_phone_and_keeps_the_code_out_unless_debug(caplog, settings):
    message = SMSMessage(phone="+8613812345678", text="[netbranch] Your login code is 914273.")
    settings.DEBUG = False
    with caplog.at_level(logging.DEBUG):
        ConsoleBackend().send(message)
    assert "13812345678" not in caplog.text
    assert "914273" not in caplog.text
    assert "138****5678" in caplog.text
    caplog.clear()
    settings.DEBUG = True
    with caplog.at_level(logging.DEBUG):
        ConsoleBackend().send(message)
    assert "914273" in caplog.text
    assert "13812345678" not in caplog.text


def test_a_login_code_request_logs_neither_the_phone_nor_the_code(client, branch_a, caplog, settings):
    settings.SMS_BACKEND = "members.sms.ConsoleBackend"
    user = UserFactory(phone="+8613800138000")
    MemberFactory(organization=branch_a, user=user, phone=user.phone)
    with caplog.at_level(logging.DEBUG):
        response = client.post(reverse("account_request_login_code"), {"phone": "138 0013 8000"})
    assert response.status_code == 302
    assert "138****8000" in caplog.text
    assert "13800138000" not in caplog.text
    assert not re.search(r"(?<!\d)\d{6}(?!\d)", " ".join(r.getMessage() for r in caplog.records))


@pytest.mark.parametrize(
    "backend", ["members.sms.ConsoleBackend", "members.sms.LocmemBackend", "members.sms.HttpGatewayBackend"]
)
def test_no_sms_backend_logs_a_full_phone(backend, caplog, settings):
    settings.SMS_BACKEND = backend
    settings.SMS_GATEWAY_URL = "https://sms.example.org/send"
    answer = mock.MagicMock()
    answer.__enter__.return_value.read.return_value = b"{}"
    with caplog.at_level(logging.DEBUG), mock.patch("branches.http.urlopen", return_value=answer):
        send_sms("+8613812345678", "verification_code", {"code": "914273"})
    assert "138****5678" in caplog.text
    assert "13812345678" not in caplog.text
    assert "914273" not in caplog.text


@pytest.mark.parametrize("backend", ["members.sms.ConsoleBackend", "members.sms.LocmemBackend"])
def test_production_refuses_to_start_with_a_development_sms_backend(backend):
    result = manage("check", "--deploy", **{**PRODUCTION_ENV, "SMS_BACKEND": backend})
    assert result.returncode != 0
    assert f"SMS_BACKEND={backend} is for development" in result.stderr


def test_production_starts_with_the_gateway_backend():
    env = {**PRODUCTION_ENV, "SMS_BACKEND": "members.sms.HttpGatewayBackend"}
    result = manage("check", "--deploy", "--fail-level", "WARNING", **env)
    assert result.returncode == 0, result.stderr


def test_a_phone_search_keeps_the_digits_out_of_the_url(client, secretary, branch_a):
    wanted = MemberFactory(organization=branch_a, name="王五", phone="+8613812345678")
    for n in range(60):
        # Sorted after 王五 (wangwu), so the wanted member is on the first page.
        MemberFactory(organization=branch_a, name=f"赵{n:02d}", phone=f"+861381234{n:04d}")
    c = client_for(client, secretary)
    page = c.get(reverse("roster:list")).content.decode()
    assert re.search(r'<form method="post"[^>]*role="search"', page)
    response = c.post(reverse("roster:list"), {"q": "138 1234", "status": "full"})
    assert response.status_code == 303
    location = response["Location"]
    assert "1234" not in location and "138" not in location
    assert "status=full" in location
    listing = c.get(location)
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "王五" in html
    assert listing.context["page"].paginator.count == 61
    # The search box shows what was searched; the pager keeps it without the digits.
    assert 'value="138 1234"' in html
    next_link = re.search(r'href="(\?[^"]*page=2[^"]*)"', html).group(1).replace("&amp;", "&")
    assert "1234" not in next_link
    assert c.get(reverse("roster:list") + next_link).context["page"].paginator.count == 61
    assert wanted.pk


def test_an_old_search_token_or_a_plain_query_still_answers(client, secretary, branch_a):
    MemberFactory(organization=branch_a, name="王五")
    c = client_for(client, secretary)
    assert c.get(reverse("roster:list"), {"s": "nonsense"}).status_code == 200
    assert c.get(reverse("roster:list"), {"q": "王五"}).context["page"].paginator.count == 1


# --- Item 9: emergency phones are phone numbers --------------------------------------------------------------


@pytest.mark.parametrize("value", ["<b>call me</b>", "call me", "13800138000<script>", "12345"])
def test_an_emergency_phone_that_is_not_a_phone_number_is_refused(client, secretary, target, value):
    response = client_for(client, secretary).post(
        reverse("roster:edit", args=[target.pk]), _edit_data(target, emergency_contact="母亲", emergency_phone=value)
    )
    assert response.status_code == 400
    assert "emergency_phone" in response.context["form"].errors
    target.refresh_from_db()
    assert target.emergency_phone == ""


def test_an_emergency_phone_is_stored_normalized(client, secretary, target):
    response = client_for(client, secretary).post(
        reverse("roster:edit", args=[target.pk]),
        _edit_data(target, emergency_contact="母亲", emergency_phone="＋８６ １３９－１１１１－２２２２"),
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.emergency_phone == "13911112222"


def test_the_import_checks_and_normalizes_emergency_phones(client, secretary, branch_a):
    client.force_login(secretary)
    upload(
        client, branch_a, csv_bytes([row(1, 联系电话="<b>call me</b>"), row(2, 联系电话="１３９ １１１１ ２２２２")])
    )
    roster_import = RosterImport.objects.get()
    assert [(e["row"], e["column"]) for e in roster_import.errors] == [(2, "联系电话")]
    upload(client, branch_a, csv_bytes([row(2, 联系电话="１３９ １１１１ ２２２２")]))
    second = RosterImport.objects.latest("pk")
    assert second.errors == []
    client.post(reverse("roster_import:confirm", args=[second.pk]))
    assert Member.objects.get(name="导入2").emergency_phone == "13911112222"


# --- Item 4 (normalization): full-width digits are the same number; superscripts are a form error -------------


def test_a_full_width_id_number_of_another_branchs_member_is_refused_on_add(client, secretary, branch_b):
    other = MemberFactory(organization=branch_b)
    response = client_for(client, secretary).post(
        reverse("roster:add"), add_data(secretary_branch(secretary), id_number=full_width_id(other.id_number))
    )
    assert response.status_code == 400
    assert [error.code for error in response.context["form"].errors.as_data()["id_number"]] == ["unique"]
    assert Member.objects.count() == 1


def test_a_full_width_phone_and_id_number_are_stored_as_ascii(client, secretary, branch_a):
    wanted = id_number(321)
    response = client_for(client, secretary).post(
        reverse("roster:add"), add_data(branch_a, phone="１３８　００１３　８０００", id_number=full_width_id(wanted))
    )
    assert response.status_code == 302
    member = Member.objects.get()
    assert (member.phone, member.id_number) == ("+8613800138000", wanted)


def test_a_full_width_id_number_of_another_branchs_member_is_refused_by_the_import(
    client, secretary, branch_a, branch_b
):
    first = row(1)
    MemberFactory(organization=branch_b, id_number=first[3])
    client.force_login(secretary)
    upload(client, branch_a, csv_bytes([row(1, 身份证号=full_width_id(first[3]))]))
    roster_import = RosterImport.objects.get()
    assert [(e["row"], e["column"]) for e in roster_import.errors] == [(2, "身份证号")]
    with translation.override("zh-hans"):
        expected = translation.gettext("This ID number belongs to a member of another branch; it cannot be moved here.")
    assert roster_import.errors[0]["message"] == expected


SUPERSCRIPT_ID = "5²0000198507010014"


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("id_number", SUPERSCRIPT_ID, "invalid_id_format"),
        ("id_number", "51000019850701001²", "invalid_id_format"),
        ("id_number", "①10000198507010014", "invalid_id_format"),
        ("phone", "138²0013800", "invalid_phone"),
        ("emergency_phone", "139¹1112222", "invalid_phone"),
    ],
)
def test_superscript_digits_are_a_form_error_on_add_and_edit(client, secretary, target, field, value, code):
    c = client_for(client, secretary)
    for url, data in (
        (reverse("roster:add"), add_data(target.organization, **{field: value})),
        (reverse("roster:edit", args=[target.pk]), _edit_data(target, **{field: value})),
    ):
        response = c.post(url, data)
        assert response.status_code == 400
        assert [error.code for error in response.context["form"].errors.as_data()[field]] == [code]


def test_superscript_digits_are_a_form_error_on_signup_create(client, secretary, branch_a):
    signup = make_signup(branch_a)
    response = client_for(client, secretary).post(
        reverse("roster:signup_create", args=[signup.pk]),
        {"name": "赵六", "gender": "F", "joined_party_on": "2015-07-01", "status": "full", "id_number": SUPERSCRIPT_ID},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["id_number"]


def test_superscript_digits_are_a_row_error_in_the_import(client, secretary, branch_a):
    client.force_login(secretary)
    upload(client, branch_a, csv_bytes([row(1, 身份证号=SUPERSCRIPT_ID), row(2, 手机号="170²0010002")]))
    roster_import = RosterImport.objects.get()
    assert [(e["row"], e["column"]) for e in roster_import.errors] == [(2, "身份证号"), (3, "手机号")]
