"""The statistics page's chart, written in Python (``activities.stats.chart_svg``), and its absentees."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from activities import services, stats
from activities.models import Activity, CheckIn
from activities.tests.factories import ActivityFactory
from branches.tests.factories import GroupFactory
from members.tests.factories import MemberFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def close_month(branch, year, month, present):
    activity = ActivityFactory(organization=branch, date=dt.date(year, month, 6))
    for member in present:
        CheckIn.objects.create(member=member, activity=activity, checked_in_at=activity.opens_at)
    services.close_activity(activity, activity.closes_at)
    Activity.objects.filter(pk=activity.pk).update(closed_at=activity.closes_at)


@pytest.fixture
def three_months(branch_a):
    group = GroupFactory(parent=branch_a, name="<一组>")
    steady = MemberFactory(organization=branch_a, group=group, name="稳")
    drifting = MemberFactory(organization=branch_a, group=group, name="散")
    for month in (8, 9, 10):
        close_month(branch_a, 2026, month, present=[steady])
    return steady, drifting


def test_the_chart_draws_each_point_and_segment_with_escaped_names(three_months, branch_a):
    months, series = stats.monthly_attendance(branch_a, dt.date(2026, 11, 24))
    chart = stats.line_chart(months, series)
    svg = str(chart["svg"])
    points = [p for line in chart["lines"] for p in line["points"]]
    segments = [s for line in chart["lines"] for s in line["segments"]]
    assert svg.count("<circle ") == len(points) == 6
    assert svg.count('stroke-linecap="round"') == len(segments) == 4
    assert svg.count('stroke="#e0e0e0"') == len(chart["grid"])
    first = chart["lines"][1]["points"][0]
    assert f'<circle cx="{first["x"]}%" cy="{first["y"]}" r="3" fill="{chart["lines"][1]["color"]}">' in svg
    assert "<title>&lt;一组&gt; 2026-8: 50%</title>" in svg
    assert "<一组>" not in svg


def test_the_chart_is_labelled_in_the_readers_language(three_months, branch_a):
    months, series = stats.monthly_attendance(branch_a, dt.date(2026, 11, 24))
    with translation.override("zh-hans"):
        assert 'aria-label="每月出勤率"' in stats.line_chart(months, series)["svg"]
    with translation.override("en"):
        assert 'aria-label="Attendance rate per month"' in stats.line_chart(months, series)["svg"]


def test_no_closed_month_draws_no_chart(branch_a):
    months, series = stats.monthly_attendance(branch_a, dt.date(2026, 11, 24))
    chart = stats.line_chart(months, series)
    assert chart["lines"] == [] and chart["svg"] == ""


@time_machine.travel(dt.datetime(2026, 11, 24, 10, tzinfo=SHANGHAI))
def test_the_page_lists_the_absentees_with_branch_and_group(client, secretary, three_months, branch_a):
    _steady, drifting = three_months
    client.force_login(secretary)
    body = client.get(reverse("activities:stats", args=[branch_a.pk])).content.decode()
    names = body[body.index('<ul class="names">') :]
    assert re.search(r"<li>散 <span class=\"muted\">A网络党支部 · &lt;一组&gt;</span></li>", names)
    assert stats.repeated_absentees(branch_a) == [drifting]
