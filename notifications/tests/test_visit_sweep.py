"""The "visits" sweep: a due hardship visit is told once to whoever is responsible."""

import datetime as dt

import pytest
from django.conf import settings

from branches.models import Role
from branches.sweeps import REGISTRY, run_sweep
from branches.tests.factories import RoleFactory
from members.models import Member, Visit
from members.tests.factories import MemberFactory, UserFactory
from notifications.models import Notification
from notifications.sweeps import remind_due_visits

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 10)


@pytest.fixture
def needy(branch_a):
    return MemberFactory(name="困难党员", organization=branch_a, in_hardship=True)


def plan(member, next_visit_on, *, visited_on=dt.date(2026, 1, 5), responsible=None) -> Visit:
    return Visit.objects.create(
        member=member,
        visited_on=visited_on,
        help_given="米面油",
        next_visit_on=next_visit_on,
        responsible=responsible,
    )


def notified(user) -> list[Notification]:
    return list(Notification.objects.filter(user=user, kind="visit"))


def test_the_sweep_is_registered_and_scheduled_daily_at_7_30():
    assert "visits" in REGISTRY
    entry = settings.CELERY_BEAT_SCHEDULE["visits"]
    assert entry["args"] == ["visits"]
    assert entry["task"] == "branches.tasks.run_sweep"
    assert entry["schedule"].hour == {7}
    assert entry["schedule"].minute == {30}


def test_a_due_visit_is_told_to_the_responsible_person_once(needy, secretary):
    helper = UserFactory(name="老李")
    visit = plan(needy, TODAY, responsible=helper)
    assert run_sweep("visits", TODAY) == {"due": 1, "sent": 1, "unassigned": 0}
    [notice] = notified(helper)
    assert notice.key == f"visit:{visit.pk}:{TODAY.isoformat()}:{helper.pk}"
    assert "困难党员" in notice.title
    assert notice.url.endswith("#hardship")
    assert notified(secretary) == []


def test_running_the_sweep_again_sends_nothing_twice(needy):
    helper = UserFactory()
    plan(needy, TODAY, responsible=helper)
    run_sweep("visits", TODAY)
    assert run_sweep("visits", TODAY)["sent"] == 0
    assert run_sweep("visits", TODAY + dt.timedelta(days=1))["sent"] == 0
    assert len(notified(helper)) == 1


def test_a_visit_due_while_the_sweep_was_down_is_caught_up_once(needy):
    helper = UserFactory()
    plan(needy, TODAY - dt.timedelta(days=3), responsible=helper)
    assert run_sweep("visits", TODAY - dt.timedelta(days=4))["due"] == 0
    assert run_sweep("visits", TODAY)["sent"] == 1
    assert run_sweep("visits", TODAY + dt.timedelta(days=1))["sent"] == 0
    assert len(notified(helper)) == 1


def test_a_visit_not_yet_due_is_not_told(needy):
    helper = UserFactory()
    plan(needy, TODAY + dt.timedelta(days=1), responsible=helper)
    assert run_sweep("visits", TODAY) == {"due": 0, "sent": 0, "unassigned": 0}
    assert notified(helper) == []


def test_without_a_responsible_person_the_branchs_secretaries_are_told(needy, secretary, branch_a, branch_b):
    deputy = RoleFactory(organization=branch_a, kind=Role.Kind.DEPUTY_SECRETARY).user
    group_admin = RoleFactory(organization=branch_a, kind=Role.Kind.GROUP_ADMIN).user
    other_secretary = RoleFactory(organization=branch_b, kind=Role.Kind.SECRETARY).user
    plan(needy, TODAY)
    assert run_sweep("visits", TODAY)["sent"] == 2
    assert len(notified(secretary)) == 1
    assert len(notified(deputy)) == 1
    assert notified(group_admin) == []
    assert notified(other_secretary) == []


def test_each_branchs_visits_go_to_its_own_secretaries(needy, secretary, branch_b):
    other_secretary = RoleFactory(organization=branch_b, kind=Role.Kind.SECRETARY).user
    theirs = MemberFactory(organization=branch_b, in_hardship=True)
    plan(needy, TODAY)
    plan(theirs, TODAY)
    run_sweep("visits", TODAY)
    assert [n.url for n in notified(secretary)] == [f"/roster/{needy.pk}/#hardship"]
    assert [n.url for n in notified(other_secretary)] == [f"/roster/{theirs.pk}/#hardship"]


def test_a_plan_followed_by_a_later_visit_is_not_told(needy):
    helper = UserFactory()
    plan(needy, TODAY - dt.timedelta(days=5), visited_on=dt.date(2026, 1, 5), responsible=helper)
    plan(needy, None, visited_on=TODAY - dt.timedelta(days=1), responsible=helper)
    assert run_sweep("visits", TODAY)["due"] == 0
    assert notified(helper) == []


def test_a_moved_date_is_a_new_reminder(needy):
    helper = UserFactory()
    visit = plan(needy, TODAY - dt.timedelta(days=7), responsible=helper)
    run_sweep("visits", TODAY - dt.timedelta(days=7))
    visit.next_visit_on = TODAY
    visit.save(update_fields=["next_visit_on"])
    assert run_sweep("visits", TODAY)["sent"] == 1
    assert len(notified(helper)) == 2


def test_transferred_out_members_are_not_told(needy, secretary):
    plan(needy, TODAY)
    Member.objects.filter(pk=needy.pk).update(state=Member.State.TRANSFERRED_OUT)
    assert run_sweep("visits", TODAY)["due"] == 0


def test_the_sweep_runs_the_same_queries_for_any_number_of_done_visits(
    branch_a, secretary, django_assert_max_num_queries
):
    for _ in range(20):
        plan(MemberFactory(organization=branch_a, in_hardship=True), TODAY)
    run_sweep("visits", TODAY)
    with django_assert_max_num_queries(3):
        assert remind_due_visits(TODAY) == {"due": 20, "sent": 0, "unassigned": 0}
