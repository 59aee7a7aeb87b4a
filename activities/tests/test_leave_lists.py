"""Only an approved leave counts as leave; a pending one waits for a decision; a decline can say why."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from activities import services
from activities.models import Attendance, Leave
from activities.tests.factories import ActivityFactory
from branches.models import Role
from branches.tests.factories import RoleFactory
from members.tests.factories import MemberFactory
from notifications.models import Notification

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
# The activity of 6 December 2026: check-in is open from the 6th 00:00 to the 10th 00:00.
BEFORE = dt.datetime(2026, 12, 3, 10, tzinfo=SHANGHAI)
DURING = dt.datetime(2026, 12, 6, 9, 30, tzinfo=SHANGHAI)


def zh(message: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(message)


@pytest.fixture
def activity(branch_a):
    return ActivityFactory(organization=branch_a, date=dt.date(2026, 12, 6))


@pytest.fixture
def leaves(activity):
    """One member of each kind: approved, pending and declined leave, and one who asked for nothing."""
    people = {
        name: MemberFactory(organization=activity.organization, name=name)
        for name in ("批准", "待批", "驳回", "未请假")
    }
    statuses = {"批准": Leave.Status.APPROVED, "待批": Leave.Status.PENDING, "驳回": Leave.Status.DECLINED}
    for name, status in statuses.items():
        Leave.objects.create(member=people[name], activity=activity, reason=f"{name}的理由", status=status)
    return people


def sections_of(response) -> dict[str, list[str]]:
    return {str(label): [person.name for person in people] for label, people in response.context["sections"]}


@time_machine.travel(DURING, tick=False)
def test_only_an_approved_leave_is_listed_as_on_leave(client, secretary, activity, leaves):
    client.force_login(secretary)
    response = client.get(reverse("activities:detail", args=[activity.pk]), headers={"accept-language": "en"})
    sections = sections_of(response)
    assert sections["On leave"] == ["批准"]
    assert sections["Leave awaiting a decision"] == ["待批"]
    assert sorted(sections["Not yet"]) == sorted(["驳回", "未请假"])
    page = response.content.decode()
    pending = Leave.objects.get(status=Leave.Status.PENDING)
    # Buttons only for the pending one, and the waiting list links to them.
    assert page.count('name="decision" value="approve"') == 1
    assert reverse("activities:leave_decide", args=[pending.pk]) in page
    assert f'href="#leave-{pending.pk}"' in page


@time_machine.travel(DURING, tick=False)
def test_the_chinese_page_calls_only_approved_leave_on_leave(client, secretary, activity, leaves):
    client.force_login(secretary)
    response = client.get(reverse("activities:detail", args=[activity.pk]), headers={"accept-language": "zh-hans"})
    sections = sections_of(response)
    assert sections[zh("On leave")] == ["批准"]
    assert sections[zh("Leave awaiting a decision")] == ["待批"]
    assert zh("Leave awaiting a decision") != "Leave awaiting a decision"


@time_machine.travel(DURING, tick=False)
def test_the_attendance_export_before_the_close_follows_the_same_rule(client, secretary, activity, leaves):
    client.force_login(secretary)
    response = client.get(reverse("activities:export", args=[activity.pk]), headers={"accept-language": "en"})
    rows = {row[0]: row[4] for row in load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)}
    assert rows["批准"] == "On leave"
    assert rows["待批"] == "Leave awaiting a decision"
    assert rows["驳回"] == rows["未请假"] == "Not yet"


def test_the_close_excuses_only_approved_leave_and_a_declined_one_is_reminded(activity, leaves):
    with time_machine.travel(BEFORE, tick=False):
        services.send_reminder(activity, 3)
    reminded = set(Notification.objects.filter(kind="reminder").values_list("member__name", flat=True))
    assert reminded == {"驳回", "未请假"}
    services.close_activity(activity, activity.closes_at)
    outcomes = dict(Attendance.objects.values_list("member__name", "outcome"))
    assert outcomes == {"批准": "excused", "待批": "absent", "驳回": "absent", "未请假": "absent"}


@pytest.fixture
def pending(member, activity):
    return Leave.objects.create(member=member, activity=activity, reason="出差")


def test_a_decline_carries_its_reason_to_the_members_page_and_notice(client, secretary, member, pending):
    client.force_login(secretary)
    response = client.post(
        reverse("activities:leave_decide", args=[pending.pk]),
        {"decision": "decline", "note": "  这次是集中学习，请调整行程  "},
    )
    assert response.status_code == 302
    pending.refresh_from_db()
    assert (pending.status, pending.decision_note) == ("declined", "这次是集中学习，请调整行程")
    notice = member.notifications.get(kind="leave")
    assert "这次是集中学习，请调整行程" in notice.body

    client.force_login(member.user)
    with time_machine.travel(BEFORE, tick=False):
        page = client.get(reverse("activities:member_detail", args=[pending.activity_id])).content.decode()
    assert "这次是集中学习，请调整行程" in page
    opened = client.get(reverse("notifications:open", args=[notice.pk]), headers={"accept-language": "en"})
    assert "Reason: 这次是集中学习，请调整行程" in opened.content.decode()

    client.force_login(secretary)
    detail = client.get(reverse("activities:detail", args=[pending.activity_id])).content.decode()
    assert "这次是集中学习，请调整行程" in detail


def test_a_decline_without_a_reason_and_an_approval_keep_no_note(client, secretary, member, activity, pending):
    other = Leave.objects.create(
        member=MemberFactory(organization=activity.organization), activity=activity, reason="病"
    )
    client.force_login(secretary)
    client.post(reverse("activities:leave_decide", args=[pending.pk]), {"decision": "decline"})
    client.post(reverse("activities:leave_decide", args=[other.pk]), {"decision": "approve", "note": "无"})
    pending.refresh_from_db()
    other.refresh_from_db()
    assert (pending.status, pending.decision_note) == ("declined", "")
    assert (other.status, other.decision_note) == ("approved", "")
    assert member.notifications.get(kind="leave").body == ""


def test_a_too_long_reason_is_refused_and_changes_nothing(client, secretary, member, pending):
    client.force_login(secretary)
    response = client.post(
        reverse("activities:leave_decide", args=[pending.pk]),
        {"decision": "decline", "note": "长" * 501},
        follow=True,
        headers={"accept-language": "en"},
    )
    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == ["Keep the reason for declining to 500 characters."]
    pending.refresh_from_db()
    assert (pending.status, pending.decision_note, pending.decided_at) == ("pending", "", None)
    assert not member.notifications.exists()


def test_another_branchs_secretary_cannot_decline_with_a_reason(client, outsider, pending):
    client.force_login(RoleFactory(organization=outsider.organization, kind=Role.Kind.SECRETARY).user)
    response = client.post(reverse("activities:leave_decide", args=[pending.pk]), {"decision": "decline", "note": "x"})
    assert response.status_code == 404
    pending.refresh_from_db()
    assert (pending.status, pending.decision_note) == ("pending", "")
