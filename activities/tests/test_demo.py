import datetime as dt

import pytest

from activities import demo as activity_demo
from activities import stats
from activities.models import Activity, Attendance
from branches.models import Organization
from members import demo as member_demo

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 24)


def test_demo_branch_gets_material_a_planned_month_and_half_a_year_of_history():
    member_demo.seed(TODAY)
    activity_demo.seed(TODAY)
    branch = Organization.objects.get(code=member_demo.ONLINE_BRANCH_CODE)
    upcoming = Activity.objects.get(organization=branch, kind=Activity.Kind.THEME_DAY, date=dt.date(2026, 12, 6))
    assert upcoming.theme and upcoming.materials.count() == 2
    closed = Activity.objects.filter(organization=branch, kind=Activity.Kind.THEME_DAY, closed_at__isnull=False)
    assert closed.count() == activity_demo.HISTORY_MONTHS
    assert Attendance.objects.filter(activity__in=closed).count() == activity_demo.HISTORY_MONTHS * 57
    months, series = stats.monthly_attendance(branch, TODAY)
    rates = [t.rate for s in series if s.organization == branch for t in s.points.values()]
    assert len(rates) == activity_demo.HISTORY_MONTHS and all(0.5 < r < 1 for r in rates)
    assert len(stats.repeated_absentees(branch)) == 3


def test_demo_activity_seed_is_idempotent():
    member_demo.seed(TODAY)
    activity_demo.seed(TODAY)
    counts = (Activity.objects.count(), Attendance.objects.count())
    activity_demo.seed(TODAY)
    assert (Activity.objects.count(), Attendance.objects.count()) == counts


def test_without_the_demo_branch_it_does_nothing():
    assert activity_demo.seed(TODAY) == {}
    assert not Activity.objects.exists()
