"""Who reaches which activity, leave and report: the fetch-with-check helpers and their 403/404 answers."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.urls import reverse

from activities import access, services
from activities.models import CheckIn, Leave, MaterialDelivery, Report
from activities.reports import ReportError, submit_report
from activities.tests.factories import ActivityFactory, MaterialFactory
from branches.errors import DomainError
from branches.models import Role
from branches.tests.factories import GroupFactory, RoleFactory
from members.models import Member
from members.tests.factories import MemberFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
DURING = dt.datetime(2026, 12, 6, 9, 30, tzinfo=SHANGHAI)


def transfer_out(member):
    Member.objects.filter(pk=member.pk).update(
        state=Member.State.TRANSFERRED_OUT, transferred_out_on=dt.date(2026, 11, 30)
    )
    member.refresh_from_db()
    return member


@pytest.fixture
def activity_a(branch_a):
    return ActivityFactory(organization=branch_a, date=dt.date(2026, 12, 6))


@pytest.fixture
def answered(member, secretary):
    return Report.objects.create(
        member=member,
        title="三季度思想汇报",
        body="本季度学习情况",
        attachment=SimpleUploadedFile("a.pdf", b"%PDF-1.7 body"),
        reply="继续努力",
        replied_by=secretary,
        replied_at=dt.datetime(2026, 10, 1, tzinfo=dt.UTC),
    )


# --- a transferred-out member -----------------------------------------------------------------


def test_a_transferred_out_member_cannot_hand_in_a_report_to_the_branch_they_left(client, member):
    transfer_out(member)
    client.force_login(member.user)
    response = client.post(reverse("reports:mine"), {"kind": "thought", "title": "我的汇报", "body": "汇报内容"})
    assert response.status_code == 404
    assert not Report.objects.exists()


def test_the_service_refuses_a_report_from_a_former_entry_whoever_calls_it(member):
    transfer_out(member)
    with pytest.raises(ReportError) as error:
        submit_report(member, Report(title="我的汇报", body="汇报内容"))
    assert error.value.code == "not_member"
    assert not Report.objects.exists()


def test_a_transferred_out_member_reads_their_past_reports_without_a_form(client, member, answered, branch_a):
    transfer_out(member)
    client.force_login(member.user)
    response = client.get(reverse("reports:mine"), headers={"accept-language": "en"})
    body = response.content.decode()
    assert response.status_code == 200
    assert [report.pk for report in response.context["page"]] == [answered.pk]
    assert "继续努力" in body
    assert response.context["form"] is None and response.context["due_on"] is None
    assert 'enctype="multipart/form-data"' not in body
    assert "Hand in a report" not in body and "Next report" not in body
    assert f"You were transferred out of {branch_a.name}." in body
    detail = client.get(reverse("reports:detail", args=[answered.pk]))
    assert detail.status_code == 200 and "继续努力" in detail.content.decode()
    assert detail.context["reply_form"] is None
    assert client.get(reverse("reports:attachment", args=[answered.pk])).status_code == 200


@time_machine.travel(DURING, tick=False)
def test_a_transferred_out_member_no_longer_acts_on_the_branchs_activities(client, member, activity_a):
    delivery = MaterialDelivery.objects.create(member=member, material=MaterialFactory(), delivered_at=DURING)
    transfer_out(member)
    client.force_login(member.user)
    for name in ("activities:checkin", "activities:leave", "activities:makeup"):
        response = client.post(reverse(name, args=[activity_a.pk]), {"nonce": "n", "reason": "x", "note": "x"})
        assert response.status_code == 404, name
    assert client.post(reverse("activities:studied", args=[delivery.pk])).status_code == 404
    for url in (reverse("activities:mine"), reverse("activities:member_detail", args=[activity_a.pk])):
        assert client.get(url).status_code == 404, url
    assert not CheckIn.objects.exists() and not Leave.objects.exists()
    delivery.refresh_from_db()
    assert delivery.studied_at is None


def test_the_old_branchs_secretary_still_answers_a_former_members_report(client, secretary, member):
    report = Report.objects.create(member=member, title="汇报", body="正文")
    transfer_out(member)
    client.force_login(secretary)
    response = client.post(reverse("reports:reply", args=[report.pk]), {"reply": "收到"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.reply == "收到"


# --- reports: who answers ---------------------------------------------------------------------


def test_a_group_leader_answers_the_reports_of_their_groups_members_only(client, branch_a):
    group = GroupFactory(parent=branch_a)
    leader = RoleFactory(organization=group, kind=Role.Kind.GROUP_ADMIN).user
    mine = Report.objects.create(member=MemberFactory(organization=branch_a, group=group), title="组内", body="正文")
    other = Report.objects.create(member=MemberFactory(organization=branch_a), title="组外", body="正文")
    client.force_login(leader)
    response = client.get(reverse("reports:queue"))
    assert [report.pk for report in response.context["page"]] == [mine.pk]
    assert client.get(reverse("reports:detail", args=[mine.pk])).context["reply_form"] is not None
    assert client.get(reverse("reports:detail", args=[other.pk])).status_code == 404
    assert client.post(reverse("reports:reply", args=[other.pk]), {"reply": "x"}).status_code == 404


def test_report_helpers_answer_404_outside_their_reach(member, outsider, secretary):
    own = Report.objects.create(member=member, title="我的", body="正文")
    theirs = Report.objects.create(member=outsider, title="别人的", body="正文")
    assert access.get_own_report(member.user, own.pk) == own
    assert access.get_managed_report(secretary, own.pk) == own
    for call in (
        lambda: access.get_own_report(member.user, theirs.pk),
        lambda: access.get_managed_report(member.user, own.pk),
        lambda: access.get_managed_report(secretary, theirs.pk),
        lambda: access.get_own_report(secretary, own.pk),
        lambda: access.get_managed_report(secretary, 987654),
    ):
        with pytest.raises(Http404):
            call()


# --- the manager's side -----------------------------------------------------------------------


def test_activity_and_leave_helpers_answer_404_outside_the_scope(secretary, member, outsider, activity_a, branch_b):
    activity_b = ActivityFactory(organization=branch_b, date=dt.date(2026, 12, 6))
    leave_b = Leave.objects.create(member=outsider, activity=activity_b, reason="出差")
    leave_a = Leave.objects.create(member=member, activity=activity_a, reason="出差")
    assert access.get_managed_activity(secretary, activity_a.pk) == activity_a
    assert access.get_managed_leave(secretary, leave_a.pk) == leave_a
    assert list(access.managed_activities(secretary)) == [activity_a]
    for call in (
        lambda: access.get_managed_activity(secretary, activity_b.pk),
        lambda: access.get_managed_leave(secretary, leave_b.pk),
        lambda: access.get_managed_activity(member.user, activity_a.pk),
        lambda: access.get_own_activity(outsider, activity_a.pk),
    ):
        with pytest.raises(Http404):
            call()


def test_a_group_leader_sees_an_empty_activity_list_not_their_branchs_activities(client, branch_a, activity_a):
    leader = RoleFactory(organization=GroupFactory(parent=branch_a), kind=Role.Kind.GROUP_ADMIN).user
    client.force_login(leader)
    response = client.get(reverse("activities:list"))
    assert response.status_code == 200
    assert list(response.context["page"]) == []


def test_workspace_lists_are_403_and_objects_404_for_a_member_without_roles(client, member, activity_a):
    leave = Leave.objects.create(member=member, activity=activity_a, reason="出差")
    client.force_login(member.user)
    assert client.get(reverse("activities:list")).status_code == 403
    assert client.get(reverse("reports:queue")).status_code == 403
    assert client.post(reverse("activities:leave_decide", args=[leave.pk]), {"decision": "approve"}).status_code == 404


# --- one error type ---------------------------------------------------------------------------


def test_every_refusal_is_a_domain_error_with_its_code():
    assert issubclass(services.CheckInError, DomainError)
    assert issubclass(services.LeaveError, DomainError)
    assert not issubclass(services.LeaveError, services.CheckInError)
    assert issubclass(ReportError, DomainError)
    assert ReportError("x", code="already_answered").code == "already_answered"


def test_a_refused_leave_is_a_leave_error(member, activity_a):
    with pytest.raises(services.LeaveError) as error:
        services.request_leave(member, activity_a, " ", now=dt.datetime(2026, 12, 1, tzinfo=SHANGHAI))
    assert (error.value.code, error.value.field) == ("reason_required", "reason")
