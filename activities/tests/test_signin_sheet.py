import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from activities import services
from activities.models import CheckIn, Leave
from activities.sheets import sign_in_sheet
from activities.tests.factories import ActivityFactory
from branches.models import Role
from branches.tests.factories import GroupFactory, RoleFactory
from members.models import Member
from members.tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

ZH = {"accept-language": "zh-hans"}


@pytest.fixture
def activity(branch_a):
    return ActivityFactory(
        organization=branch_a, date=dt.date(2026, 12, 6), theme="学习二十届四中全会精神", place="三楼会议室"
    )


@pytest.fixture
def people(branch_a, activity):
    one, two = GroupFactory(parent=branch_a, name="第1组"), GroupFactory(parent=branch_a, name="第2组")
    members = {
        "乙": MemberFactory(name="乙", organization=branch_a, group=two),
        "甲": MemberFactory(name="甲", organization=branch_a, group=two),
        "丙": MemberFactory(name="丙", organization=branch_a, group=one),
        "丁": MemberFactory(name="丁", organization=branch_a, group=None),
        "戊": MemberFactory(name="戊", organization=branch_a, group=one),
    }
    MemberFactory(name="已转出", organization=branch_a, state=Member.State.TRANSFERRED_OUT)
    at = activity.opens_at + dt.timedelta(hours=9, minutes=5)
    CheckIn.objects.create(member=members["甲"], activity=activity, checked_in_at=at, city="深圳")
    CheckIn.objects.create(member=members["戊"], activity=activity, checked_in_at=at, kind=CheckIn.Kind.MANUAL)
    Leave.objects.create(member=members["乙"], activity=activity, reason="出差", status=Leave.Status.APPROVED)
    Leave.objects.create(member=members["丁"], activity=activity, reason="加班")
    return members


def rows_of(body: str) -> list[list[str]]:
    tbody = body[body.index("<tbody>") : body.index("</tbody>")]
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", tbody, re.S)
    ]


def test_the_sheet_lists_every_active_member_by_group_then_name_with_an_empty_signature_box(
    client, secretary, activity, people, time_machine
):
    time_machine.move_to(activity.opens_at + dt.timedelta(hours=12))
    client.force_login(secretary)
    response = client.get(reverse("activities:signin_sheet", args=[activity.pk]), headers=ZH)
    assert response.status_code == 200
    body = response.content.decode()
    assert "签到表" in body and "A网络党支部" in body and "学习二十届四中全会精神" in body and "三楼会议室" in body
    assert "2026-12-06" in body
    rows = rows_of(body)
    # Groups in name order, members without a group last.
    assert [row[2] for row in rows] == ["第1组", "第1组", "第2组", "第2组", ""]
    assert [row[0] for row in rows] == ["1", "2", "3", "4", "5"]
    assert {row[1] for row in rows} == {"甲", "乙", "丙", "丁", "戊"}
    assert "已转出" not in body
    assert all(row[3] == "" for row in rows), "the signature column stays empty for the pen"
    by_name = {row[1]: row for row in rows}
    assert by_name["甲"][4] == "12-06 09:05"
    assert by_name["戊"][5] == "书记代录"
    assert by_name["乙"][5] == "请假"
    assert by_name["丁"][5] == "请假待批"
    assert by_name["丙"][4:] == ["", ""]
    counts = re.sub(r"<[^>]+>|\s", "", body[body.index('class="counts"') :])
    assert counts.startswith('class="counts">应到：5实到：2请假：1')


def test_before_the_day_the_present_count_is_left_blank_for_the_hand(client, secretary, activity, people, time_machine):
    time_machine.move_to(activity.opens_at - dt.timedelta(days=2))
    client.force_login(secretary)
    sheet = client.get(reverse("activities:signin_sheet", args=[activity.pk])).context["sheet"]
    assert (sheet.expected, sheet.present, sheet.on_leave) == (5, None, 1)
    assert (
        '<span class="blank"></span>'
        in client.get(reverse("activities:signin_sheet", args=[activity.pk])).content.decode()
    )


def test_a_closed_activity_lists_whom_its_attendance_was_recorded_for(activity, people):
    services.close_activity(activity, activity.closes_at)
    activity.refresh_from_db()
    MemberFactory(name="后来的", organization=activity.organization)
    people["丙"].state = Member.State.TRANSFERRED_OUT
    people["丙"].save(update_fields=["state"])
    with translation.override("en"):
        sheet = sign_in_sheet(activity, now=activity.closes_at)
    notes = {row.member.name: row.note for row in sheet.rows}
    assert notes == {"甲": "", "戊": "Entered by the secretary", "乙": "On leave", "丁": "Absent", "丙": "Absent"}
    assert (sheet.expected, sheet.present, sheet.on_leave) == (5, 2, 1)


def test_a_make_up_study_is_noted_but_not_counted_present(activity, people):
    member = MemberFactory(name="补", organization=activity.organization)
    CheckIn.objects.create(
        member=member, activity=activity, checked_in_at=activity.closes_at, kind=CheckIn.Kind.MAKE_UP
    )
    sheet = sign_in_sheet(activity, now=activity.closes_at)
    row = next(row for row in sheet.rows if row.member == member)
    assert row.checked_in_at is not None and row.note
    assert sheet.present == 2


@pytest.mark.parametrize("size", [3, 40])
def test_the_sheet_runs_the_same_few_queries_whatever_the_branch_size(
    client, secretary, activity, size, django_assert_max_num_queries
):
    group = GroupFactory(parent=activity.organization)
    members = MemberFactory.create_batch(size, organization=activity.organization, group=group)
    for member in members[::2]:
        CheckIn.objects.create(member=member, activity=activity, checked_in_at=activity.opens_at)
    Leave.objects.create(member=members[1], activity=activity, reason="出差", status=Leave.Status.APPROVED)
    client.force_login(secretary)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("activities:signin_sheet", args=[activity.pk]))
    assert len(response.context["sheet"].rows) == size


def test_another_branchs_secretary_and_a_member_get_404(client, activity, member, branch_b):
    url = reverse("activities:signin_sheet", args=[activity.pk])
    client.force_login(RoleFactory(organization=branch_b, kind=Role.Kind.SECRETARY).user)
    assert client.get(url).status_code == 404
    client.force_login(member.user)
    assert client.get(url).status_code == 404
    assert client.post(url).status_code in (404, 405)


def test_the_activity_page_links_to_the_sheet_and_the_sheet_is_a_page_for_paper(client, secretary, activity):
    client.force_login(secretary)
    url = reverse("activities:signin_sheet", args=[activity.pk])
    detail = client.get(reverse("activities:detail", args=[activity.pk]), headers=ZH).content.decode()
    assert f'href="{url}"' in detail and "打印签到表" in detail
    response = client.get(url)
    body = response.content.decode()
    assert "<script" not in body and "tabbar" not in body
    assert "css/print.css" in body
    assert response["Cache-Control"] == "no-store"
    css = (Path(settings.BASE_DIR) / "static" / "css" / "print.css").read_text()
    assert "size: A4 portrait" in css and "@media print" in css
