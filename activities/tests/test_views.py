import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from activities import services, stats
from activities.models import Activity, Attendance, CheckIn, Leave
from activities.tests.factories import ActivityFactory, MaterialFactory
from branches.tests.factories import GroupFactory
from members.tests.factories import MemberFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def activity_a(branch_a):
    return ActivityFactory(organization=branch_a, date=dt.date(2026, 12, 6))


@pytest.fixture
def activity_b(branch_b):
    return ActivityFactory(organization=branch_b, date=dt.date(2026, 12, 6))


def urls(activity):
    return [
        reverse("activities:detail", args=[activity.pk]),
        reverse("activities:edit", args=[activity.pk]),
        reverse("activities:stats", args=[activity.organization_id]),
        reverse("activities:export", args=[activity.pk]),
    ]


def test_a_secretary_opens_every_page_of_their_branch(client, secretary, activity_a):
    client.force_login(secretary)
    assert client.get(reverse("activities:list")).status_code == 200
    for url in urls(activity_a):
        assert client.get(url).status_code == 200, url


def test_branch_b_objects_are_404_for_a_secretary_of_a(client, secretary, activity_b):
    client.force_login(secretary)
    for url in urls(activity_b):
        assert client.get(url).status_code == 404, url
    assert client.post(urls(activity_b)[1], {"date": "2026-12-06"}).status_code == 404


def test_a_plain_member_has_no_workspace(client, member, activity_a):
    client.force_login(member.user)
    assert client.get(reverse("activities:list")).status_code == 403
    for url in urls(activity_a):
        assert client.get(url).status_code == 404, url


def test_anonymous_visitors_are_sent_to_login(client, activity_a):
    response = client.get(reverse("activities:detail", args=[activity_a.pk]))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_wrong_methods_are_refused(client, secretary, activity_a):
    client.force_login(secretary)
    assert client.post(reverse("activities:list")).status_code == 405
    assert client.post(reverse("activities:detail", args=[activity_a.pk])).status_code == 405
    assert client.delete(reverse("activities:edit", args=[activity_a.pk])).status_code == 405


def test_a_group_admin_manages_their_groups_branch_activity_only_through_the_branch(client, branch_a, activity_a):
    from branches.models import Role
    from branches.tests.factories import RoleFactory

    group = GroupFactory(parent=branch_a)
    admin = RoleFactory(organization=group, kind=Role.Kind.GROUP_ADMIN).user
    client.force_login(admin)
    # the activity belongs to the branch, above the group admin's subtree
    assert client.get(reverse("activities:detail", args=[activity_a.pk])).status_code == 404
    assert client.get(reverse("activities:stats", args=[group.pk])).status_code == 200


def test_the_secretary_fills_in_the_activity(client, secretary, activity_a):
    material = MaterialFactory()
    client.force_login(secretary)
    response = client.post(
        reverse("activities:edit", args=[activity_a.pk]),
        {
            "date": "2026-12-05",
            "theme": "传达学习全会精神",
            "tracks": ["exchange", "study"],
            "agenda": "一、集中学习",
            "materials": [material.pk],
            "online_link": "https://meeting.example.com/123",
            "place": "",
        },
    )
    assert response.status_code == 302
    activity_a.refresh_from_db()
    assert activity_a.theme == "传达学习全会精神"
    assert activity_a.tracks == ["study", "exchange"]
    assert list(activity_a.materials.all()) == [material]
    assert activity_a.opens_at == dt.datetime(2026, 12, 5, tzinfo=SHANGHAI)


def test_bad_edit_input_changes_nothing(client, secretary, activity_a):
    client.force_login(secretary)
    response = client.post(
        reverse("activities:edit", args=[activity_a.pk]),
        {"date": "2027-03-01", "theme": "x", "tracks": ["nonsense"], "online_link": "not a url"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"date", "tracks", "online_link"} <= set(errors)
    activity_a.refresh_from_db()
    assert activity_a.date == dt.date(2026, 12, 6)
    assert activity_a.theme == "学习党的二十届四中全会精神"


@pytest.mark.parametrize("size", [2, 30])
def test_list_query_count_is_bounded(client, secretary, branch_a, size, django_assert_max_num_queries):
    for month in range(1, size % 12 + 2):
        ActivityFactory(organization=branch_a, date=dt.date(2025, month, 6))
    MemberFactory.create_batch(size, organization=branch_a)
    client.force_login(secretary)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("activities:list")).status_code == 200


@pytest.mark.parametrize("closed", [False, True])
@pytest.mark.parametrize("size", [3, 40])
def test_detail_query_count_is_bounded(client, secretary, activity_a, size, closed, django_assert_max_num_queries):
    group = GroupFactory(parent=activity_a.organization)
    members = MemberFactory.create_batch(size, organization=activity_a.organization, group=group)
    for member in members[::2]:
        CheckIn.objects.create(member=member, activity=activity_a, checked_in_at=activity_a.opens_at, city="成都")
    Leave.objects.create(member=members[1], activity=activity_a, reason="出差")
    if closed:
        services.close_activity(activity_a, activity_a.closes_at)
    client.force_login(secretary)
    # The eleventh is the record's files, which every kind of gathering may have.
    with django_assert_max_num_queries(11):
        response = client.get(reverse("activities:detail", args=[activity_a.pk]))
    assert response.status_code == 200
    shown = sum(len(people) for _, people in response.context["sections"])
    assert shown == size


def close_month(branch, year, month, present, absent):
    activity = ActivityFactory(organization=branch, date=dt.date(year, month, 6))
    for member in present:
        CheckIn.objects.create(member=member, activity=activity, checked_in_at=activity.opens_at)
    services.close_activity(activity, activity.closes_at)
    Activity.objects.filter(pk=activity.pk).update(closed_at=activity.closes_at)
    return activity


def test_monthly_rates_per_branch_and_group_and_repeated_absentees(branch_a):
    group = GroupFactory(parent=branch_a, name="一组")
    steady, drifting = MemberFactory(organization=branch_a, group=group), MemberFactory(organization=branch_a)
    for month in (9, 10, 11):
        close_month(branch_a, 2026, month, present=[steady], absent=[drifting])
    months, series = stats.monthly_attendance(branch_a, dt.date(2026, 11, 24))
    assert len(months) == 12 and months[-1] == (2026, 11)
    by_name = {s.organization.name: s for s in series}
    assert by_name[branch_a.name].points[(2026, 10)].rate == 0.5
    assert by_name["一组"].points[(2026, 10)].rate == 1.0
    assert stats.repeated_absentees(branch_a) == [drifting]
    chart = stats.line_chart(months, series)
    assert len(chart["lines"]) == 2
    assert len(chart["lines"][0]["points"]) == 3
    # Three months, two segments joining them; across in percent of the width.
    first, second, third = chart["lines"][0]["points"]
    assert chart["lines"][0]["segments"] == [
        {"x1": first["x"], "y1": first["y"], "x2": second["x"], "y2": second["y"]},
        {"x1": second["x"], "y1": second["y"], "x2": third["x"], "y2": third["y"]},
    ]
    assert chart["left"] <= first["x"] < third["x"] <= chart["right"] <= 100


def test_approved_leave_does_not_lower_the_rate(branch_a):
    present, on_leave = MemberFactory.create_batch(2, organization=branch_a)
    activity = ActivityFactory(organization=branch_a, date=dt.date(2026, 10, 6))
    CheckIn.objects.create(member=present, activity=activity, checked_in_at=activity.opens_at)
    Leave.objects.create(member=on_leave, activity=activity, reason="井下", status=Leave.Status.APPROVED)
    services.close_activity(activity, activity.closes_at)
    assert stats.activity_tally(activity).rate == 1.0
    assert Attendance.objects.get(member=on_leave).outcome == "excused"


@time_machine.travel(dt.datetime(2026, 11, 24, 10, tzinfo=SHANGHAI))
def test_stats_page_draws_the_chart(client, secretary, branch_a, django_assert_max_num_queries):
    members = MemberFactory.create_batch(4, organization=branch_a)
    close_month(branch_a, 2026, 10, present=members[:3], absent=members[3:])
    client.force_login(secretary)
    with django_assert_max_num_queries(10):
        body = client.get(reverse("activities:stats", args=[branch_a.pk])).content.decode()
    chart = body[body.index('<svg class="chart"') : body.index("</svg>")]
    assert "viewBox" not in chart and "font-size" not in chart  # text stays at the stylesheet's px size
    assert re.search(r'<circle cx="[\d.]+%" cy="[\d.]+" r="3"', chart)
    assert "2026-10: 75%" in body


def test_attendance_exports_to_xlsx_with_formulas_neutralised(client, secretary, activity_a):
    import io

    from openpyxl import load_workbook

    group = GroupFactory(parent=activity_a.organization, name="一组")
    present = MemberFactory(organization=activity_a.organization, group=group, name="张三")
    MemberFactory(organization=activity_a.organization, name="=HYPERLINK(1)")
    CheckIn.objects.create(member=present, activity=activity_a, checked_in_at=activity_a.opens_at, city="昆明")
    services.close_activity(activity_a, activity_a.closes_at)
    client.force_login(secretary)
    response = client.get(reverse("activities:export", args=[activity_a.pk]), headers={"accept-language": "zh-hans"})
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "姓名"
    assert ("'=HYPERLINK(1)", None, None, None, "缺席", None, None) in rows
    assert ("张三", "一组", None, None, "参加", "2026-12-06 00:00", "昆明") in rows
    assert len(rows) == 3


def test_the_secretary_sees_who_read_the_activity_day_notice(client, secretary, activity_a):
    from notifications.models import Notification

    reader, other = MemberFactory.create_batch(2, organization=activity_a.organization)
    services.dispatch_activity(activity_a, activity_a.morning())
    Notification.objects.filter(member=reader).update(read_at=activity_a.morning())
    client.force_login(secretary)
    response = client.get(reverse("activities:detail", args=[activity_a.pk]))
    assert response.context["receipts"] == (1, 2)
