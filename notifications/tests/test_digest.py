"""The daily digest: new work told once a day to each manager and each branch robot, nothing when nothing is new."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from activities.models import Leave, Report
from activities.tests.factories import ActivityFactory
from branches.models import Role
from branches.sweeps import REGISTRY, run_sweep
from branches.tests.factories import GroupFactory, RoleFactory
from members.models import Visit
from members.tests.factories import MemberFactory
from notifications.models import BranchChannels, Delivery, Notification
from notifications.wordings import render

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
DAY = dt.datetime(2026, 12, 3, 8, 0, tzinfo=SHANGHAI)


def digests(**recipient) -> list[Notification]:
    return list(Notification.objects.filter(kind="digest", **recipient).order_by("created_at"))


@pytest.fixture
def activity(branch_a):
    return ActivityFactory(organization=branch_a, date=dt.date(2026, 12, 6))


def ask_leave(activity, **member) -> Leave:
    return Leave.objects.create(
        member=MemberFactory(organization=activity.organization, **member), activity=activity, reason="出差"
    )


def test_the_digest_sweep_is_registered_and_scheduled_each_morning():
    assert "digest" in REGISTRY
    entry = settings.CELERY_BEAT_SCHEDULE["digest"]
    assert entry["args"] == ["digest"]
    assert entry["task"] == "branches.tasks.run_sweep"
    assert entry["schedule"].hour == {8}


def test_new_work_reaches_the_secretarys_inbox_once_a_day(secretary, activity):
    with time_machine.travel(DAY - dt.timedelta(hours=3), tick=False):
        ask_leave(activity)
        ask_leave(activity)
        Report.objects.create(member=MemberFactory(organization=activity.organization), title="汇报", body="正文")
    with time_machine.travel(DAY, tick=False):
        assert run_sweep("digest", DAY.date())["digests"] == 1
        # Run twice, or replayed for the same day: the key holds it to one.
        assert run_sweep("digest", DAY.date())["digests"] == 0
    [digest] = digests(user=secretary)
    assert digest.key == f"digest:2026-12-03:{secretary.pk}"
    assert digest.url == reverse("workspace:home")
    assert digest.message["params"] == {"counts": {"leaves": 2, "reports": 1}}
    assert "3" in digest.title


def test_the_digest_reads_in_the_readers_language(secretary, activity):
    with time_machine.travel(DAY - dt.timedelta(hours=1), tick=False):
        ask_leave(activity)
    with time_machine.travel(DAY, tick=False):
        run_sweep("digest", DAY.date())
    [digest] = digests(user=secretary)
    with translation.override("en"):
        title, body = render(digest.message)
    assert title == "1 new item in your workspace"
    assert body == "Leave requests to decide: 1 new"
    with translation.override("zh-hans"):
        title, body = render(digest.message)
    assert "请假" in body and "1" in title


def test_nothing_new_sends_no_digest(secretary, activity):
    with time_machine.travel(DAY - dt.timedelta(days=3), tick=False):
        ask_leave(activity)  # older than the first digest's 24 hours
    with time_machine.travel(DAY, tick=False):
        assert run_sweep("digest", DAY.date()) == {"digests": 0, "group_digests": 0}
    assert digests() == []


def test_the_next_digest_counts_only_what_arrived_since_the_previous_one(secretary, activity):
    with time_machine.travel(DAY - dt.timedelta(hours=2), tick=False):
        ask_leave(activity)
    with time_machine.travel(DAY, tick=False):
        run_sweep("digest", DAY.date())
    with time_machine.travel(DAY + dt.timedelta(hours=5), tick=False):
        ask_leave(activity)
    # The beat was down for a day: the digest after it still counts from the previous one.
    later = DAY + dt.timedelta(days=2)
    with time_machine.travel(later, tick=False):
        assert run_sweep("digest", later.date())["digests"] == 1
    first, second = digests(user=secretary)
    assert first.message["params"]["counts"] == {"leaves": 1}
    assert second.message["params"]["counts"] == {"leaves": 1}
    assert second.key == f"digest:2026-12-05:{secretary.pk}"


def test_each_manager_hears_of_their_own_scope_only(secretary, secretary_b_user, activity, branch_b):
    group = GroupFactory(parent=activity.organization)
    leader = RoleFactory(organization=group, kind=Role.Kind.GROUP_ADMIN).user
    with time_machine.travel(DAY - dt.timedelta(hours=1), tick=False):
        ask_leave(activity, group=group)
        ask_leave(activity)
        Visit.objects.create(
            member=MemberFactory(organization=activity.organization, in_hardship=True),
            visited_on=dt.date(2026, 10, 1),
            help_given="慰问",
            next_visit_on=DAY.date(),
        )
    with time_machine.travel(DAY, tick=False):
        assert run_sweep("digest", DAY.date())["digests"] == 2
    assert digests(user=secretary)[0].message["params"]["counts"] == {"leaves": 2, "visits": 1}
    # Hardship stays with the branch's secretaries; the group leader hears of their group's leave.
    assert digests(user=leader)[0].message["params"]["counts"] == {"leaves": 1}
    assert digests(user=secretary_b_user) == []


def test_the_branch_robot_gets_one_digest_without_hardship(secretary, activity):
    BranchChannels.objects.create(organization=activity.organization, wecom_webhook="https://qyapi.weixin.qq.com/x")
    with time_machine.travel(DAY - dt.timedelta(hours=1), tick=False):
        ask_leave(activity)
        Visit.objects.create(
            member=MemberFactory(organization=activity.organization, in_hardship=True),
            visited_on=dt.date(2026, 10, 1),
            help_given="慰问",
            next_visit_on=DAY.date(),
        )
    with time_machine.travel(DAY, tick=False):
        assert run_sweep("digest", DAY.date())["group_digests"] == 1
        assert run_sweep("digest", DAY.date())["group_digests"] == 0
    [group_digest] = digests(organization=activity.organization)
    assert group_digest.key == f"group:digest:2026-12-03:{activity.organization.pk}"
    assert group_digest.message["params"]["counts"] == {"leaves": 1}
    assert Delivery.objects.filter(notification=group_digest, channel="wecom").count() == 1


@pytest.fixture
def secretary_b_user(branch_b):
    return RoleFactory(organization=branch_b, kind=Role.Kind.SECRETARY).user
