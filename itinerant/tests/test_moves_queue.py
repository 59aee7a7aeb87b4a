"""The secretary's side of move reports: the queue, confirming (the roster follows, logged), asking again."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from branches.models import Organization, Role
from branches.tests.factories import GroupFactory, OrganizationFactory, RoleFactory
from itinerant.models import MoveReport
from itinerant.moves import MoveError, decide_move
from members.models import Member, MemberChange
from members.roster.services import update_member
from members.tests.factories import MemberFactory, UserFactory
from notifications.models import Notification

from .move_helpers import _fresh_rate_limits, make_report  # noqa: F401

pytestmark = pytest.mark.django_db

Kind = MoveReport.Kind
Status = MoveReport.Status
NEW = "+8613900139000"


@pytest.fixture
def bob(member):
    member.is_itinerant = False
    member.province, member.city, member.workplace = "14", "大同", "东山煤矿"
    member.save()
    return member


@pytest.fixture
def client_secretary(client, secretary):
    client.force_login(secretary)
    return client


def confirm(client, report, **extra):
    return client.post(reverse("itinerant:decide_move", args=[report.pk]), {"decision": "confirm", **extra})


def ask_again(client, report, note: str):
    return client.post(reverse("itinerant:decide_move", args=[report.pk]), {"decision": "ask_again", "note": note})


# --- The queue ------------------------------------------------------------------------------


def test_the_queue_lists_pending_reports_of_the_branch_oldest_first_with_what_would_change(
    client_secretary, bob, branch_a, outsider
):
    newer = make_report(bob, Kind.LOCATION, city="义乌")
    older = make_report(MemberFactory(organization=branch_a, name="李春花"), Kind.RETURN, ago=dt.timedelta(days=3))
    done = make_report(bob, Kind.LOCATION, city="已确认的城市", ago=dt.timedelta(days=5))
    MoveReport.objects.filter(pk=done.pk).update(status=Status.CONFIRMED)
    make_report(outsider, Kind.LOCATION, city="别的支部")
    response = client_secretary.get(reverse("itinerant:move_queue"))
    assert response.status_code == 200
    assert [r.pk for r in response.context["page"]] == [older.pk, newer.pk]
    body = response.content.decode()
    assert "<del>大同</del> → <ins>义乌</ins>" in body
    assert "已确认的城市" not in body and "别的支部" not in body
    assert response["Cache-Control"] == "no-store"


def test_the_queue_masks_the_numbers(client_secretary, bob):
    make_report(bob, Kind.PHONE)
    body = client_secretary.get(reverse("itinerant:move_queue")).content.decode()
    assert NEW not in body and "13900139000" not in body
    assert "139****9000" in body


def test_the_queue_shows_a_value_the_roster_changed_since_the_report(client_secretary, secretary, bob):
    report = make_report(bob, Kind.LOCATION, city="义乌")
    update_member(bob, {"city": "太原"}, secretary)
    response = client_secretary.get(reverse("itinerant:move_queue"))
    row = next(r for r in response.context["page"][0].rows if r["label"] == Member._meta.get_field("city").verbose_name)
    assert (row["current"], row["reported"], row["before"], row["changed_since"]) == ("太原", "义乌", "大同", True)
    assert "报告后名册已被修改（报告时为大同）。" in response.content.decode()
    # It still applies, as reported.
    confirm(client_secretary, report)
    bob.refresh_from_db()
    assert bob.city == "义乌"


def test_the_queue_tells_of_another_pending_report_of_the_same_member(client_secretary, bob):
    make_report(bob, Kind.LEAVING, ago=dt.timedelta(days=1))
    make_report(bob, Kind.PHONE)
    response = client_secretary.get(reverse("itinerant:move_queue"))
    assert [r.other_pending for r in response.context["page"]] == [1, 1]
    assert "该党员另有1份报告等待确认" in response.content.decode()


def queue_queries(client, branch, n: int) -> int:
    for i in range(n):
        kind = [Kind.LEAVING, Kind.LOCATION, Kind.RETURN, Kind.PHONE][i % 4]
        extra = {"new_phone": f"+8613900{i:06d}"} if kind == Kind.PHONE else {}
        make_report(MemberFactory(organization=branch, group=GroupFactory(parent=branch)), kind, **extra)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("itinerant:move_queue"))
    assert response.status_code == 200
    assert len(response.context["page"]) == n
    return len(queries)


def test_the_queue_costs_the_same_queries_for_3_and_for_30_reports(client, secretary, branch_a):
    client.force_login(secretary)
    few = queue_queries(client, branch_a, 3)
    MoveReport.objects.all().delete()
    many = queue_queries(client, branch_a, 30)
    assert few == many
    assert many <= 8, many


# --- Who may see and decide -----------------------------------------------------------------


def test_a_plain_member_is_refused_the_queue(client, bob):
    client.force_login(bob.user)
    assert client.get(reverse("itinerant:move_queue")).status_code == 403


def test_anonymous_visitors_go_to_the_login(client, db):
    response = client.get(reverse("itinerant:move_queue"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_secretary_of_branch_b_neither_sees_nor_decides_branch_as_reports(client, bob, branch_b):
    report = make_report(bob, Kind.LOCATION)
    secretary_b = RoleFactory(organization=branch_b, kind=Role.Kind.SECRETARY).user
    client.force_login(secretary_b)
    assert list(client.get(reverse("itinerant:move_queue")).context["page"]) == []
    assert confirm(client, report).status_code == 404
    assert MoveReport.objects.get(pk=report.pk).status == Status.PENDING


def test_a_group_leader_does_not_decide_the_branchs_roster_moves(client, bob, branch_a):
    group = GroupFactory(parent=branch_a)
    bob.group = group
    bob.save()
    report = make_report(bob, Kind.LOCATION)
    leader = RoleFactory(organization=group, kind=Role.Kind.GROUP_ADMIN).user
    client.force_login(leader)
    assert list(client.get(reverse("itinerant:move_queue")).context["page"]) == []
    assert confirm(client, report).status_code == 404


def test_the_committee_above_decides_its_branches_reports(client, db):
    committee = OrganizationFactory(kind=Organization.Kind.COMMITTEE, name="党委")
    branch = OrganizationFactory(parent=committee)
    report = make_report(MemberFactory(organization=branch), Kind.RETURN)
    client.force_login(RoleFactory(organization=committee, kind=Role.Kind.SECRETARY).user)
    assert confirm(client, report).status_code == 302
    assert MoveReport.objects.get(pk=report.pk).status == Status.CONFIRMED


def test_deciding_is_a_post(client_secretary, bob):
    report = make_report(bob)
    assert client_secretary.get(reverse("itinerant:decide_move", args=[report.pk])).status_code == 405


def test_an_unknown_decision_changes_nothing(client_secretary, bob):
    report = make_report(bob)
    response = client_secretary.post(reverse("itinerant:decide_move", args=[report.pk]), {"decision": "maybe"})
    assert response.status_code == 302
    assert MoveReport.objects.get(pk=report.pk).status == Status.PENDING


# --- Confirming: the roster follows, field by field, logged ----------------------------------


def test_confirming_going_away_marks_the_member_itinerant_at_the_new_place(client_secretary, secretary, bob):
    report = make_report(bob, Kind.LEAVING)
    response = confirm(client_secretary, report)
    assert response.status_code == 302
    assert response["Location"] == reverse("itinerant:move_queue")
    bob.refresh_from_db()
    assert (bob.is_itinerant, bob.province, bob.city, bob.workplace, bob.left_home_on) == (
        True,
        "44",
        "东莞",
        "某电子厂",
        dt.date(2026, 3, 1),
    )
    change = MemberChange.objects.get(member=bob)
    assert change.user == secretary
    assert change.action == MemberChange.Action.UPDATED
    assert change.changes["city"] == ["大同", "东莞"]
    assert change.changes["is_itinerant"] == ["否", "是"]
    assert change.note == "确认党员的报告：外出"
    report.refresh_from_db()
    assert (report.status, report.decided_by) == (Status.CONFIRMED, secretary)
    assert report.decided_at is not None


def test_confirming_a_new_place_changes_only_the_place(client_secretary, bob):
    bob.is_itinerant, bob.left_home_on = True, dt.date(2025, 2, 1)
    bob.save()
    confirm(client_secretary, make_report(bob, Kind.LOCATION, province="33", city="义乌", workplace=""))
    bob.refresh_from_db()
    assert (bob.province, bob.city, bob.workplace) == ("33", "义乌", "")
    assert (bob.is_itinerant, bob.left_home_on) == (True, dt.date(2025, 2, 1))
    assert set(MemberChange.objects.get(member=bob).changes) == {"province", "city", "workplace"}


def test_confirming_back_home_clears_the_itinerant_flag_and_the_departure(client_secretary, bob):
    bob.is_itinerant, bob.left_home_on = True, dt.date(2025, 2, 1)
    bob.save()
    confirm(client_secretary, make_report(bob, Kind.RETURN))
    bob.refresh_from_db()
    assert (bob.is_itinerant, bob.left_home_on, bob.city) == (False, None, "大同")


def test_confirming_a_new_number_moves_the_roster_and_the_login_to_it(client, client_secretary, bob):
    confirm(client_secretary, make_report(bob, Kind.PHONE))
    bob.refresh_from_db()
    bob.user.refresh_from_db()
    assert bob.phone == NEW
    assert (bob.user.phone, bob.user.phone_verified) == (NEW, True)
    change = MemberChange.objects.get(member=bob)
    assert change.changes["phone"][1] == "139****9000"
    # The member logs in with the new number from now on.
    client.logout()
    assert client.login(phone=NEW, password="secret-pass-123")


def test_a_new_number_taken_since_the_report_is_refused_and_changes_nothing(client_secretary, bob, branch_b):
    report = make_report(bob, Kind.PHONE)
    old = bob.phone
    UserFactory(phone=NEW)
    response = confirm(client_secretary, report)
    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.phone == old
    assert MoveReport.objects.get(pk=report.pk).status == Status.PENDING
    assert not MemberChange.objects.filter(member=bob).exists()
    assert not Notification.objects.filter(member=bob).exists()


def test_a_transferred_out_members_report_cannot_be_confirmed(secretary, bob):
    report = make_report(bob, Kind.LOCATION)
    Member.objects.filter(pk=bob.pk).update(state=Member.State.TRANSFERRED_OUT, transferred_out_on=timezone.localdate())
    with pytest.raises(MoveError) as refused:
        decide_move(report, confirm=True, by=secretary)
    assert refused.value.code == "not_member"
    assert MoveReport.objects.get(pk=report.pk).status == Status.PENDING


def test_the_member_hears_of_the_confirmation_once_in_their_language(client_secretary, bob):
    report = make_report(bob, Kind.LEAVING)
    confirm(client_secretary, report)
    notice = Notification.objects.get(member=bob, kind="move_report")
    assert notice.key == f"move-report:{report.pk}:confirmed:{bob.pk}"
    assert notice.url == reverse("itinerant:my_moves")
    assert notice.shown_title == "你的报告已确认：外出"
    with override("en"):
        assert Notification.objects.get(pk=notice.pk).shown_title == "Your report is confirmed: Going away"


def test_a_second_decision_is_refused_and_applies_nothing_twice(client_secretary, secretary, bob):
    report = make_report(bob, Kind.LEAVING)
    confirm(client_secretary, report)
    response = ask_again(client_secretary, report, "再说一次")
    assert "该报告已经处理。" in client_secretary.get(response["Location"]).content.decode()
    with pytest.raises(MoveError) as refused:
        decide_move(report, confirm=True, by=secretary)
    assert refused.value.code == "already_decided"
    assert MoveReport.objects.get(pk=report.pk).status == Status.CONFIRMED
    assert MemberChange.objects.filter(member=bob).count() == 1
    assert Notification.objects.filter(member=bob).count() == 1


def test_a_withdrawn_report_cannot_be_confirmed(secretary, bob):
    report = make_report(bob)
    MoveReport.objects.filter(pk=report.pk).update(status=Status.WITHDRAWN)
    with pytest.raises(MoveError):
        decide_move(report, confirm=True, by=secretary)
    bob.refresh_from_db()
    assert bob.city == "大同"


# --- Asking again ---------------------------------------------------------------------------


def test_asking_again_needs_a_reason(client_secretary, bob):
    report = make_report(bob)
    response = ask_again(client_secretary, report, "  ")
    assert "请写明需要党员重新报告的内容。" in client_secretary.get(response["Location"]).content.decode()
    assert MoveReport.objects.get(pk=report.pk).status == Status.PENDING
    assert not Notification.objects.exists()


def test_asking_again_keeps_the_roster_and_tells_the_member_why(client_secretary, secretary, bob):
    report = make_report(bob, Kind.LOCATION)
    ask_again(client_secretary, report, "请写明具体工作单位")
    report.refresh_from_db()
    assert (report.status, report.decision_note, report.decided_by) == (
        Status.ASKED_AGAIN,
        "请写明具体工作单位",
        secretary,
    )
    bob.refresh_from_db()
    assert bob.city == "大同"
    assert not MemberChange.objects.filter(member=bob).exists()
    notice = Notification.objects.get(member=bob)
    assert notice.key == f"move-report:{report.pk}:asked_again:{bob.pk}"
    assert notice.shown_title == "请重新报告：新的地点或工作单位"
    assert notice.shown_body == "书记的意见：请写明具体工作单位"


# --- Reports that cross ---------------------------------------------------------------------


def test_crossing_reports_are_both_kept_and_each_applies_only_its_own_fields(client_secretary, bob):
    leaving = make_report(bob, Kind.LEAVING, ago=dt.timedelta(days=1))
    phone = make_report(bob, Kind.PHONE)
    confirm(client_secretary, phone)
    bob.refresh_from_db()
    assert (bob.phone, bob.city, bob.is_itinerant) == (NEW, "大同", False)
    # The other report is still waiting, untouched.
    assert MoveReport.objects.get(pk=leaving.pk).status == Status.PENDING
    confirm(client_secretary, leaving)
    bob.refresh_from_db()
    assert (bob.phone, bob.city, bob.is_itinerant) == (NEW, "东莞", True)
    assert MemberChange.objects.filter(member=bob).count() == 2


def test_of_two_crossing_places_the_later_confirmed_one_wins_and_the_queue_warned_of_it(client_secretary, bob):
    older = make_report(bob, Kind.LOCATION, city="义乌", ago=dt.timedelta(days=2))
    newer = make_report(bob, Kind.LOCATION, city="杭州")
    confirm(client_secretary, newer)
    page = client_secretary.get(reverse("itinerant:move_queue")).context["page"]
    assert [r.pk for r in page] == [older.pk]
    assert page[0].changed_since
    confirm(client_secretary, older)
    bob.refresh_from_db()
    assert bob.city == "义乌"


# --- The workspace --------------------------------------------------------------------------


def test_the_workspace_counts_the_reports_waiting_and_links_to_the_queue(client_secretary, bob, outsider):
    make_report(bob)
    make_report(bob, Kind.RETURN)
    make_report(outsider)
    body = client_secretary.get(reverse("workspace:home")).content.decode()
    queue = reverse("itinerant:move_queue")
    assert f'<a href="{queue}">待确认的外出报告</a>' in body
    assert '<span class="badge">2</span>' in body
    assert f'href="{queue}">外出报告</a>' in body
