import datetime as dt
import io

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.forms.models import model_to_dict
from django.urls import reverse

from branches.models import Organization, Role
from members import demo
from members.models import Invitation, Member, User, anniversary
from members.provinces import Province
from members.validators import id_birth_date, id_check_char, normalize_id_number

pytestmark = pytest.mark.django_db

CST = dt.timezone(dt.timedelta(hours=8))
# Late February: the coming week runs over the end of a short month.
FEB_25 = dt.datetime(2026, 2, 25, 10, 0, tzinfo=CST)


def seed_demo(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", "--force", *args, stdout=out)
    return out.getvalue()


def demo_members():
    committee = Organization.objects.get(code=demo.COMMITTEE_CODE)
    return Member.objects.in_subtree(committee)


def itinerant_members():
    return Member.objects.filter(organization__code=demo.ONLINE_BRANCH_CODE, is_itinerant=True)


def birthdays_in_the_coming_week(today: dt.date) -> int:
    return sum(itinerant_members().political_birthdays_on(today + dt.timedelta(days=n)).count() for n in range(7))


def snapshot() -> dict:
    """Every demo row as plain values, to compare before and after a re-run."""
    return {
        "organizations": [model_to_dict(o) for o in Organization.objects.order_by("code")],
        "members": [model_to_dict(m) | {"updated_at": m.updated_at} for m in Member.objects.order_by("phone")],
        "users": [model_to_dict(u) for u in User.objects.order_by("phone")],
        "roles": sorted(Role.objects.values_list("user__phone", "organization__code", "kind")),
        "invitations": [model_to_dict(i) for i in Invitation.objects.order_by("code")],
    }


@time_machine.travel(FEB_25, tick=False)
def test_the_tree_has_one_committee_ordinary_branches_and_the_online_branch_with_two_groups():
    seed_demo()
    assert Organization.objects.filter(kind=Organization.Kind.COMMITTEE).count() == 1
    committee = Organization.objects.get(code=demo.COMMITTEE_CODE)
    online = Organization.objects.get(code=demo.ONLINE_BRANCH_CODE)
    assert online.parent == committee
    assert online.kind == Organization.Kind.BRANCH
    assert online.is_online
    assert online.activity_day == 6
    for rule in (online.speaking_rule, online.study_rule, online.contact_rule, online.reporting_rule):
        assert len(rule.strip()) > 20
    assert online.location
    ordinary = Organization.objects.filter(parent=committee, kind=Organization.Kind.BRANCH, is_online=False)
    assert ordinary.count() == 3
    for branch in ordinary:
        roster = Member.objects.filter(organization=branch)
        assert roster.count() >= 3
        assert not roster.filter(is_itinerant=True).exists()
    groups = Organization.objects.filter(parent=online)
    assert groups.count() == 2
    for group in groups:
        assert group.kind == Organization.Kind.GROUP
        assert Role.objects.filter(organization=group, kind=Role.Kind.GROUP_ADMIN).count() == 1
    assert Role.objects.filter(organization=committee, kind=Role.Kind.SECRETARY).exists()
    assert Role.objects.filter(organization=online, kind=Role.Kind.SECRETARY).exists()
    assert Role.objects.filter(organization=online, kind=Role.Kind.DEPUTY_SECRETARY).exists()


@time_machine.travel(FEB_25, tick=False)
def test_57_itinerant_members_over_12_provinces_split_across_the_two_groups():
    seed_demo()
    members = list(itinerant_members().select_related("group"))
    assert len(members) == 57
    provinces = {m.province for m in members}
    assert len(provinces) == 12
    assert {Province.SICHUAN, Province.GUIZHOU, Province.YUNNAN, Province.GUANGDONG} <= provinces
    assert {"51", "52", "53", "44"} <= provinces
    groups = {m.group.code for m in members}
    assert groups == set(demo.GROUP_CODES)
    assert all(m.city in demo.CITIES[Province(m.province)] for m in members)
    for member in members:
        assert member.city in member.workplace
        assert member.left_home_on and member.emergency_contact and member.emergency_phone
        assert member.gender in Member.Gender.values
        assert len(member.name) in (2, 3)


@time_machine.travel(FEB_25, tick=False)
def test_every_member_passes_validation_and_membership_dates_make_sense():
    seed_demo()
    today = dt.date(2026, 2, 25)
    probationary = 0
    for member in demo_members():
        member.full_clean()
        assert member.joined_party_on >= anniversary(member.birth_date, member.birth_date.year + 18)
        assert member.joined_party_on < today
        if member.status == Member.Status.PROBATIONARY:
            probationary += 1
            assert member.full_member_on is None
            assert member.joined_party_on > today - dt.timedelta(days=365)
        else:
            assert member.full_member_on == anniversary(member.joined_party_on, member.joined_party_on.year + 1)
    assert 1 <= probationary < 57


@time_machine.travel(FEB_25, tick=False)
def test_phones_and_id_numbers_are_fictitious():
    seed_demo()
    members = list(demo_members())
    assert len({m.id_number for m in members}) == len(members)
    for member in members:
        assert member.phone.startswith("+861700000")
        assert member.emergency_phone.startswith("+861700000") or not member.is_itinerant
        number = member.id_number
        # A province-level address code: real cards carry a county's.
        assert number[2:6] == "0000"
        assert number[17] == id_check_char(number[:17])
        assert normalize_id_number(number) == number
        assert id_birth_date(number) == member.birth_date
        # The 17th digit is odd for men and even for women.
        assert int(number[16]) % 2 == (1 if member.gender == Member.Gender.MALE else 0)
    assert all(user.phone.startswith("+861700000") for user in User.objects.all())


@pytest.mark.parametrize(
    "now",
    [
        FEB_25,
        # A leap year: 29 February is inside the coming week.
        dt.datetime(2028, 2, 25, 10, 0, tzinfo=CST),
        dt.datetime(2026, 12, 28, 10, 0, tzinfo=CST),
        dt.datetime(2026, 7, 6, 23, 30, tzinfo=CST),
    ],
)
def test_a_few_political_birthdays_fall_in_the_coming_week(now):
    with time_machine.travel(now, tick=False):
        seed_demo()
        for member in demo_members():
            member.full_clean()
    today = now.date()
    assert 3 <= birthdays_in_the_coming_week(today) <= 5
    # Nobody else's anniversary is in that week, in any branch.
    everyone = sum(demo_members().political_birthdays_on(today + dt.timedelta(days=n)).count() for n in range(7))
    assert everyone == birthdays_in_the_coming_week(today)


@time_machine.travel(FEB_25, tick=False)
def test_some_members_are_in_hardship_with_a_note():
    seed_demo()
    in_hardship = itinerant_members().filter(in_hardship=True)
    assert 4 <= in_hardship.count() <= 6
    assert all(len(m.hardship_note) > 10 for m in in_hardship)
    assert not itinerant_members().filter(in_hardship=False).exclude(hardship_note="").exists()


@time_machine.travel(FEB_25, tick=False)
def test_running_twice_changes_nothing():
    first_output = seed_demo()
    before = snapshot()
    second_output = seed_demo()
    assert snapshot() == before
    # The roster demo's own people (numbers below 300); the itinerant demo adds a member of its own.
    assert Member.objects.filter(phone__lt=demo.demo_phone(300)).count() == 57 + 14
    assert Organization.objects.count() == 7
    assert Invitation.objects.count() == 1
    assert "57" in first_output
    # The totals count the whole demo; the first run's were taken before the itinerant demo added its
    # member, so from the second run on they stay the same.
    assert seed_demo().splitlines()[0] == second_output.splitlines()[0]


def test_a_run_on_a_later_day_leaves_existing_rows_alone():
    with time_machine.travel(FEB_25, tick=False):
        seed_demo()
        before = snapshot()
    with time_machine.travel(FEB_25 + dt.timedelta(days=40), tick=False):
        seed_demo()
    assert snapshot() == before


@time_machine.travel(FEB_25, tick=False)
def test_the_member_login_is_one_of_the_itinerant_members_and_can_log_in(client):
    seed_demo()
    member = itinerant_members().get(user__isnull=False)
    assert member.user.phone == member.phone
    assert member.user.phone_verified
    assert client.login(phone=member.phone, password=demo.DEMO_PASSWORD)
    client.logout()
    response = client.post(reverse("account_login"), {"login": member.phone, "password": demo.DEMO_PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("home")).wsgi_request.user == member.user


@time_machine.travel(FEB_25, tick=False)
def test_every_demo_login_and_the_superuser_use_the_demo_password(client):
    seed_demo()
    for spec in demo.LOGINS:
        assert client.login(phone=spec.phone, password=demo.DEMO_PASSWORD), spec
        client.logout()
    admin = User.objects.get(phone=demo.demo_phone(9))
    assert admin.is_superuser and admin.is_staff
    assert User.objects.filter(is_superuser=True).count() == 1


@time_machine.travel(FEB_25, tick=False)
def test_the_demo_invitation_lets_people_sign_up_for_the_online_branch():
    seed_demo()
    invitation = Invitation.objects.get(code=demo.DEMO_INVITATION_CODE)
    assert invitation.organization.code == demo.ONLINE_BRANCH_CODE
    assert invitation.max_uses == 20
    assert invitation.is_usable()


@time_machine.travel(FEB_25, tick=False)
def test_reset_passwords_restores_a_changed_demo_password(client):
    seed_demo()
    user = User.objects.get(phone=demo.demo_phone(2))
    user.set_password("changed-by-someone")
    user.save()
    seed_demo()
    assert not client.login(phone=user.phone, password=demo.DEMO_PASSWORD)
    seed_demo("--reset-passwords")
    assert client.login(phone=user.phone, password=demo.DEMO_PASSWORD)


def test_seed_demo_refuses_when_debug_is_off_without_force(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo", stdout=io.StringIO())
    assert not Organization.objects.exists()
    assert not User.objects.exists()


@time_machine.travel(FEB_25, tick=False)
def test_demo_logins_prints_the_url_phones_and_password():
    seed_demo()
    out = io.StringIO()
    call_command("demo_logins", "--url", "http://127.0.0.1:8123", stdout=out)
    text = out.getvalue()
    assert "http://127.0.0.1:8123/" in text
    assert "http://127.0.0.1:8123/admin/" in text
    assert demo.DEMO_PASSWORD in text
    assert demo.DEMO_INVITATION_CODE in text
    for phone in ("170 0000 0001", "170 0000 0002", "170 0000 0003", "170 0000 0004", "170 0000 0005"):
        assert phone in text
    assert "170 0000 0009" in text
    member = itinerant_members().get(user__isnull=False)
    assert f"{demo.format_phone(member.phone)}  {demo.DEMO_PASSWORD}  {member.name}" in text
    # Labels come in both languages.
    assert "书记" in text and "Secretary" in text


@time_machine.travel(FEB_25, tick=False)
def test_demo_logins_reads_the_roles_from_the_database():
    seed_demo()
    Role.objects.filter(kind=Role.Kind.DEPUTY_SECRETARY).delete()
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    assert "Deputy secretary" not in out.getvalue()


def test_demo_logins_without_demo_data_says_what_to_run():
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("demo_logins", stdout=io.StringIO())


@pytest.mark.parametrize(("phone", "human"), [("+8617000000001", "170 0000 0001"), ("+8617000000157", "170 0000 0157")])
def test_phones_are_shown_in_groups_of_three_four_four(phone, human):
    assert demo.format_phone(phone) == human
    assert demo.demo_phone(int(human[-4:])) == phone


def test_demo_id_numbers_refuse_county_address_codes():
    with pytest.raises(ValueError, match="province-level"):
        demo.demo_id_number("510104", dt.date(1985, 7, 1), 11)
