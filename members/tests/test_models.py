import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from branches.tests.factories import GroupFactory, OrganizationFactory
from members.models import Member, anniversary
from members.tests.factories import MemberFactory, id_number
from members.validators import mask_id_number, mask_phone, normalize_id_number, normalize_phone

pytestmark = pytest.mark.django_db

VALID_ID = id_number(1, dt.date(1985, 7, 1))


def build_member(branch, **overrides) -> Member:
    fields = {
        "name": "张三",
        "gender": Member.Gender.MALE,
        "phone": "13800138000",
        "id_number": VALID_ID,
        "birth_date": dt.date(1985, 7, 1),
        "joined_party_on": dt.date(2008, 7, 1),
        "full_member_on": dt.date(2009, 7, 1),
        "organization": branch,
    }
    fields.update(overrides)
    return Member(**fields)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13800138000", "+8613800138000"),
        ("138 0013 8000", "+8613800138000"),
        ("138-0013-8000", "+8613800138000"),
        ("+86 138 0013 8000", "+8613800138000"),
        ("008613800138000", "+8613800138000"),
    ],
)
def test_phone_numbers_are_normalized_to_e164(raw, expected):
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize("raw", ["", "12345", "1380013800", "23800138000", "010-12345678", "+1 202 555 0100", "手机"])
def test_invalid_phone_numbers_are_refused(raw):
    with pytest.raises(ValidationError):
        normalize_phone(raw)


def test_id_number_with_a_valid_checksum_passes_and_x_is_upper_cased():
    # 11010519491231002X is the checksum example of GB 11643.
    assert normalize_id_number("11010519491231002x") == "11010519491231002X"
    assert normalize_id_number(VALID_ID) == VALID_ID


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("110105194912310021", "invalid_id_checksum"),
        ("11010519491231002", "invalid_id_format"),
        ("99010519491231002X", "invalid_id_region"),
        ("110105194913310026", "invalid_id_birth"),
        ("1101051949123100AX", "invalid_id_format"),
    ],
)
def test_bad_id_numbers_are_refused_with_a_reason(raw, code):
    with pytest.raises(ValidationError) as exc:
        normalize_id_number(raw)
    assert exc.value.code == code


def test_masks_show_only_the_ends():
    assert mask_phone("+8613800138000") == "138****8000"
    assert mask_id_number("11010519491231002X") == "110***********002X"


def test_a_valid_member_passes_full_clean_and_is_normalized(branch_a):
    member = build_member(branch_a, phone="138 0013 8000", id_number=VALID_ID.lower())
    member.full_clean()
    member.save()
    assert member.phone == "+8613800138000"
    assert (member.joined_party_month, member.joined_party_day) == (7, 1)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"phone": "1234"}, "phone"),
        ({"id_number": "110105194912310021"}, "id_number"),
        ({"birth_date": dt.date(1986, 1, 1)}, "id_number"),
        ({"joined_party_on": dt.date(2099, 1, 1), "full_member_on": None}, "joined_party_on"),
        ({"joined_party_on": dt.date(1980, 1, 1), "full_member_on": None}, "joined_party_on"),
        ({"full_member_on": dt.date(2007, 1, 1)}, "full_member_on"),
        ({"status": Member.Status.PROBATIONARY}, "status"),
    ],
)
def test_bad_member_data_is_refused_and_nothing_is_saved(branch_a, overrides, field):
    member = build_member(branch_a, **overrides)
    with pytest.raises(ValidationError) as exc:
        member.full_clean()
    assert field in exc.value.message_dict
    assert not Member.objects.exists()


def test_messages_are_translated(branch_a, settings):
    from django.utils import translation

    member = build_member(branch_a, joined_party_on=dt.date(2099, 1, 1), full_member_on=None)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        member.full_clean()
    assert "入党" in " ".join(exc.value.message_dict["joined_party_on"])


def test_a_group_outside_the_members_branch_is_refused(branch_a, branch_b):
    foreign_group = GroupFactory(parent=branch_b)
    member = build_member(branch_a, group=foreign_group)
    with pytest.raises(ValidationError) as exc:
        member.full_clean()
    assert "group" in exc.value.message_dict


def test_a_group_of_the_members_branch_is_accepted(branch_a):
    member = build_member(branch_a, group=GroupFactory(parent=branch_a))
    member.full_clean()


def test_a_member_belongs_to_a_branch_not_a_group(branch_a):
    member = build_member(branch_a, organization=GroupFactory(parent=branch_a))
    with pytest.raises(ValidationError) as exc:
        member.full_clean()
    assert "organization" in exc.value.message_dict


def test_phone_and_id_number_are_unique_in_the_database(branch_a):
    MemberFactory(organization=branch_a, phone="+8613800138000", id_number=VALID_ID)
    with pytest.raises(IntegrityError), transaction.atomic():
        MemberFactory(organization=branch_a, phone="+8613800138000")
    with pytest.raises(IntegrityError), transaction.atomic():
        MemberFactory(organization=branch_a, id_number=VALID_ID)


def test_several_members_may_lack_an_id_number(branch_a):
    for n in range(2):
        member = build_member(branch_a, phone=f"1380013800{n}", id_number="")
        member.full_clean()
        member.save()
    assert Member.objects.filter(id_number__isnull=True).count() == 2


def test_update_fields_keeps_the_birthday_index_columns_in_step(branch_a):
    member = MemberFactory(organization=branch_a)
    member.joined_party_on = dt.date(2012, 3, 4)
    member.save(update_fields=["joined_party_on"])
    member.refresh_from_db()
    assert (member.joined_party_month, member.joined_party_day) == (3, 4)


def test_political_birthdays_are_found_by_month_and_day(branch_a):
    today = dt.date(2026, 7, 1)
    hit = MemberFactory(organization=branch_a, joined_party_on=dt.date(2001, 7, 1), full_member_on=None)
    MemberFactory(organization=branch_a, joined_party_on=dt.date(2001, 7, 2), full_member_on=None)
    joined_today = MemberFactory(organization=branch_a, joined_party_on=today, full_member_on=None)
    found = list(Member.objects.political_birthdays_on(today))
    assert found == [hit]
    assert joined_today not in found


def test_leap_day_members_are_greeted_on_28_february_in_common_years(branch_a):
    leap = MemberFactory(organization=branch_a, joined_party_on=dt.date(2004, 2, 29), full_member_on=None)
    feb28 = MemberFactory(organization=branch_a, joined_party_on=dt.date(2005, 2, 28), full_member_on=None)
    assert set(Member.objects.political_birthdays_on(dt.date(2027, 2, 28))) == {leap, feb28}
    assert set(Member.objects.political_birthdays_on(dt.date(2028, 2, 28))) == {feb28}
    assert set(Member.objects.political_birthdays_on(dt.date(2028, 2, 29))) == {leap}
    assert anniversary(dt.date(2004, 2, 29), 2027) == dt.date(2027, 2, 28)


@time_machine.travel(dt.datetime(2026, 6, 30, 23, 30, tzinfo=dt.UTC))
def test_party_age_counts_whole_years_in_shanghai_time(branch_a):
    # 23:30 UTC on 30 June is already 1 July in Asia/Shanghai.
    member = MemberFactory(organization=branch_a, joined_party_on=dt.date(2006, 7, 1))
    assert member.party_age() == 20
    assert member.next_political_birthday() == dt.date(2026, 7, 1)


def test_in_subtree_and_active_filter_the_roster(branch_a, branch_b):
    inside = MemberFactory(organization=branch_a)
    MemberFactory(organization=branch_a, state=Member.State.TRANSFERRED_OUT)
    MemberFactory(organization=branch_b)
    assert list(Member.objects.active().in_subtree(branch_a)) == [inside]


def test_branch_of_a_group_is_its_parent(branch_a):
    group = GroupFactory(parent=branch_a)
    assert group.branch == branch_a
    assert branch_a.branch == branch_a
    assert OrganizationFactory(kind="committee").branch is None
