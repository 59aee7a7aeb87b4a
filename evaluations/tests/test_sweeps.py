"""The self-assessment deadline reminder, and the reviewers' notice of a new objection."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.conf import settings

from branches.sweeps import REGISTRY, run_sweep
from evaluations import services
from evaluations.models import Item
from members.tests.factories import MemberFactory
from notifications.models import Notification

from .conftest import YEAR

pytestmark = pytest.mark.django_db

DEADLINE = dt.date(YEAR + 1, 1, 15)


@pytest.fixture
def round_(member_scheme, secretary, member, branch_a):
    return services.open_evaluation(member_scheme, branch_a, secretary, self_assessment_ends_on=DEADLINE)


def reminders():
    return Notification.objects.filter(key__contains=":deadline:")


def test_the_sweep_is_registered_and_scheduled():
    assert "evaluation_deadlines" in REGISTRY
    assert settings.CELERY_BEAT_SCHEDULE["evaluation_deadlines"]["args"] == ["evaluation_deadlines"]


def test_members_who_have_not_self_assessed_hear_once_in_the_last_days(round_, member, branch_a):
    done = MemberFactory(organization=branch_a, user=None)
    without_login = MemberFactory(organization=branch_a, user=None)
    from members.tests.factories import UserFactory

    done.user = UserFactory(phone=done.phone)
    done.save()
    round_.assessments.filter(member=done).update(self_summary="已写", self_submitted_at=dt.datetime.now(dt.UTC))

    assert run_sweep("evaluation_deadlines", DEADLINE - dt.timedelta(days=4))["members"] == 0
    assert run_sweep("evaluation_deadlines", DEADLINE - dt.timedelta(days=3)) == {"rounds": 1, "members": 1}
    assert list(reminders().values_list("member_id", flat=True)) == [member.pk]
    assert str(DEADLINE) in reminders().get().title
    # Later mornings, and a rerun, send nothing twice; after the deadline nothing at all.
    run_sweep("evaluation_deadlines", DEADLINE - dt.timedelta(days=1))
    run_sweep("evaluation_deadlines", DEADLINE)
    run_sweep("evaluation_deadlines", DEADLINE + dt.timedelta(days=1))
    assert reminders().count() == 1
    assert not Notification.objects.filter(member=without_login).exists()


def test_a_beat_down_until_the_last_day_still_reminds(round_, member):
    assert run_sweep("evaluation_deadlines", DEADLINE)["members"] == 1


def test_no_reminder_once_review_started_or_without_a_deadline(round_, secretary, branch_b, outsider):
    from .conftest import build_member_scheme

    services.advance(round_, secretary)
    services.open_evaluation(build_member_scheme(branch_b), branch_b, None)
    assert run_sweep("evaluation_deadlines", DEADLINE) == {"rounds": 0, "members": 0}


def test_reviewers_hear_of_a_new_objection(round_, secretary, member, django_capture_on_commit_callbacks):
    reviewing = services.advance(round_, secretary)
    services.score_item_for_rest(
        reviewing, Item.objects.get(section__scheme=round_.scheme, title="发挥作用"), secretary, "40", "合格"
    )
    published = services.advance(reviewing, secretary)
    assessment = published.assessments.select_related("evaluation__organization").get(member=member)
    with (
        time_machine.travel(published.publicity_starts_at + dt.timedelta(hours=1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        objection = services.raise_objection(assessment, member, "学习记录漏算一次")
    notice = Notification.objects.get(user=secretary, key=f"objection:{objection.pk}:{secretary.pk}")
    assert notice.body == "学习记录漏算一次"
    assert notice.url.endswith(f"/manage/{published.pk}/objections/")
