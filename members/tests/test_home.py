import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from branches.tests.factories import GroupFactory
from members.models import SignupRequest
from members.tests.factories import InvitationFactory, MemberFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_see_the_landing_page_with_login_and_activation(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert reverse("account_login") in response.content.decode()
    assert reverse("account_signup") in response.content.decode()


def test_pages_are_chinese_by_default_and_english_on_request(client):
    assert '<html lang="zh-hans">' in client.get(reverse("home")).content.decode()
    english = client.get(reverse("home"), headers={"accept-language": "en"})
    assert '<html lang="en">' in english.content.decode()


@time_machine.travel(dt.datetime(2026, 7, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))))
def test_a_member_sees_branch_group_activity_day_and_birthday_greeting(client, branch_a):
    group = GroupFactory(parent=branch_a, name="第一党小组")
    user = UserFactory()
    MemberFactory(user=user, phone=user.phone, organization=branch_a, group=group, joined_party_on=dt.date(2006, 7, 1))
    client.force_login(user)
    response = client.get(reverse("home"), headers={"accept-language": "en"})
    body = response.content.decode()
    assert response.status_code == 200
    assert branch_a.name in body
    assert "第一党小组" in body
    assert "2026-07-06" in body
    assert response.context["days_to_activity"] == 5
    assert response.context["is_political_birthday"] is True
    assert response.context["party_age"] == 20


@time_machine.travel(dt.datetime(2026, 7, 2, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))))
def test_no_greeting_on_other_days(client, member):
    client.force_login(member.user)
    response = client.get(reverse("home"))
    assert response.context["is_political_birthday"] is False


def test_a_pending_signup_sees_that_it_waits_for_approval(client, branch_a):
    user = UserFactory()
    invitation = InvitationFactory(organization=branch_a)
    SignupRequest.objects.create(user=user, invitation=invitation, organization=branch_a, name="新人")
    client.force_login(user)
    response = client.get(reverse("home"), headers={"accept-language": "en"})
    assert "waiting for the secretary" in response.content.decode()


def test_a_secretary_sees_counts_of_their_subtree_only(client, secretary, branch_a, branch_b):
    group = GroupFactory(parent=branch_a, name="第二党小组")
    MemberFactory.create_batch(3, organization=branch_a, group=group)
    MemberFactory.create_batch(2, organization=branch_b)
    client.force_login(secretary)
    response = client.get(reverse("home"))
    # The to-do card: none of the five members has a login; only branch A's three are the secretary's.
    counts = {item.key: item.count for item in response.context["todos"]}
    assert counts["not_activated"] == 3
    assert f'href="{reverse("workspace:home")}"' in response.content.decode()


@time_machine.travel(dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))))
@pytest.mark.parametrize("size", [5, 60])
def test_home_query_count_does_not_grow_with_the_roster(
    client, secretary, member, branch_a, size, django_assert_max_num_queries
):
    group = GroupFactory(parent=branch_a)
    MemberFactory.create_batch(size, organization=branch_a, group=group)
    secretary_member = MemberFactory(organization=branch_a, user=secretary, phone=secretary.phone)
    assert secretary_member.user == secretary
    client.force_login(secretary)
    # session, user, member (with the navigation's count, whether the login
    # holds roles, unread material, the last report, whether an evaluation
    # has news), role paths, "due this month" (the activities), the to-do card
    # (the scope's branches, the silent thresholds, every count in one query,
    # this month's activity)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("home")).status_code == 200


@time_machine.travel(dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))))
@pytest.mark.parametrize("size", [2, 40])
def test_home_query_count_does_not_grow_with_a_members_history(
    client, member, branch_a, size, django_assert_max_num_queries
):
    from activities.models import MaterialDelivery, Report
    from activities.tests.factories import ActivityFactory, MaterialFactory
    from notifications.services import Notice, notify_members

    ActivityFactory(organization=branch_a, date=dt.date(2099, 1, 6))
    for n in range(size):
        MaterialDelivery.objects.create(member=member, material=MaterialFactory(), delivered_at=dt.datetime.now(dt.UTC))
        Report.objects.create(member=member, title=f"汇报{n}", body="正文")
        notify_members([member.pk], Notice(kind="t", title="通知"), key=f"t:{n}:{{member}}")
    client.force_login(member.user)
    # session, user, member (with the navigation's count, whether the login
    # holds roles, unread material, the last report, whether an evaluation
    # has news), "due this month" (the activities); no evaluation to show
    with django_assert_max_num_queries(4):
        assert client.get(reverse("home")).status_code == 200


@time_machine.travel(dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))))
def test_home_shows_what_is_due_this_month(client, member, branch_a):
    from activities.models import MaterialDelivery
    from activities.tests.factories import ActivityFactory, MaterialFactory
    from notifications.services import Notice, notify_members

    activity = ActivityFactory(organization=branch_a, date=dt.date(2026, 12, 6), theme="冬季学习")
    MaterialDelivery.objects.create(member=member, material=MaterialFactory(), delivered_at=dt.datetime.now(dt.UTC))
    notify_members([member.pk], Notice(kind="t", title="通知"), key="t:{member}")
    client.force_login(member.user)
    response = client.get(reverse("home"), headers={"accept-language": "en"})
    body = response.content.decode()
    (section,) = response.context["sections"]
    assert section["activity"] == activity
    assert section["days_to_activity"] == 3
    assert section["checkin_state"] == "not_yet_open"
    assert section["unread_materials"] == 1
    assert section["report_due_now"] is True
    assert "Due this month" in body
    assert "冬季学习" in body
    assert f'href="{reverse("reports:mine")}"' in body
    assert f'href="{reverse("notifications:inbox")}"' in body
    assert "You have 1 unread notice." in body


@time_machine.travel(dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))))
def test_home_shows_a_check_in_already_made(client, member, branch_a):
    from activities.models import CheckIn
    from activities.tests.factories import ActivityFactory

    activity = ActivityFactory(organization=branch_a, date=dt.date(2026, 12, 6))
    CheckIn.objects.create(member=member, activity=activity, checked_in_at=dt.datetime.now(dt.UTC))
    client.force_login(member.user)
    (section,) = client.get(reverse("home")).context["sections"]
    assert section["checkin_state"] == "checked_in"


def test_a_home_section_registered_twice_is_shown_once():
    from members import home

    def section(request, member, today):
        return {"template": "x.html"}

    before = list(home._sections)
    try:
        home.register_home_section(section)
        home.register_home_section(section)
        assert home._sections.count(section) == 1
    finally:
        home._sections[:] = before


def test_home_rejects_wrong_method(client, member):
    client.force_login(member.user)
    assert client.delete(reverse("home")).status_code == 405


def test_a_member_has_a_tab_bar_to_home_study_activity_inbox_and_me(client, member, branch_a):
    from activities.tests.factories import ActivityFactory

    activity = ActivityFactory(organization=branch_a, date=dt.date(2099, 1, 6))
    client.force_login(member.user)
    body = client.get(reverse("home")).content.decode()
    for name in ("home", "activities:study", "activities:mine", "notifications:inbox", "members:me"):
        assert f'href="{reverse(name)}"' in body, name
    assert f'href="{reverse("activities:member_detail", args=[activity.pk])}"' in body
    assert reverse("reports:queue") not in body


def test_a_secretary_has_links_to_the_secretary_pages(client, secretary):
    client.force_login(secretary)
    body = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("activities:list")}"' in body
    assert f'href="{reverse("reports:queue")}"' in body
    # No roster entry: no member tabs for study and activity.
    assert f'href="{reverse("activities:study")}"' not in body


def test_visitors_get_no_tab_bar(client):
    assert 'class="tabbar"' not in client.get(reverse("home")).content.decode()


@time_machine.travel(dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))))
def test_a_moved_activity_day_is_the_one_date_the_home_page_shows(client, branch_a):
    from activities.tests.factories import ActivityFactory

    user = UserFactory()
    MemberFactory(user=user, phone=user.phone, organization=branch_a, joined_party_on=dt.date(2010, 5, 20))
    assert branch_a.activity_day == 6
    activity = ActivityFactory(organization=branch_a, date=dt.date(2026, 12, 6))
    ActivityFactory(organization=branch_a, date=dt.date(2027, 1, 6))
    # The secretary moves this month's day; the branch's rule stays the 6th.
    activity.date = dt.date(2026, 12, 4)
    activity.save()
    client.force_login(user)
    response = client.get(reverse("home"), headers={"accept-language": "en"})
    body = response.content.decode()
    (section,) = response.context["sections"]
    assert response.context["activity_on"] == section["activity"].date == dt.date(2026, 12, 4)
    assert response.context["days_to_activity"] == section["days_to_activity"] == 1
    assert body.count("2026-12-04") == 2
    assert "2026-12-06" not in body
    assert "In 1 day" in body


@time_machine.travel(dt.datetime(2026, 12, 8, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))))
def test_while_check_in_stays_open_after_the_day_the_countdown_is_the_next_planned_day(client, member, branch_a):
    from activities.tests.factories import ActivityFactory

    ActivityFactory(organization=branch_a, date=dt.date(2026, 12, 6))
    ActivityFactory(organization=branch_a, date=dt.date(2027, 1, 8))
    client.force_login(member.user)
    response = client.get(reverse("home"))
    (section,) = response.context["sections"]
    assert section["activity"].date == dt.date(2026, 12, 6)
    assert section["checkin_state"] == "open"
    # January's planned day, not the rule's 6 January.
    assert response.context["activity_on"] == dt.date(2027, 1, 8)


@time_machine.travel(dt.datetime(2026, 12, 8, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))))
def test_a_month_already_planned_is_not_counted_again_from_the_rule(client, member, branch_a):
    from activities.tests.factories import ActivityFactory

    branch_a.activity_day = 10
    branch_a.save()
    # Moved from the 10th to the 7th; January is not planned yet.
    ActivityFactory(organization=branch_a, date=dt.date(2026, 12, 7))
    client.force_login(member.user)
    assert client.get(reverse("home")).context["activity_on"] == dt.date(2027, 1, 10)


def test_a_transferred_out_member_sees_no_branch_present_but_their_reports(client, member, branch_a):
    from members.models import Member

    Member.objects.filter(pk=member.pk).update(
        state=Member.State.TRANSFERRED_OUT, transferred_out_on=dt.date(2026, 11, 30)
    )
    client.force_login(member.user)
    response = client.get(reverse("home"), headers={"accept-language": "en"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "sections" not in response.context and "activity_on" not in response.context
    assert f"You were transferred out of {branch_a.name}." in body
    assert f'href="{reverse("reports:mine")}"' in body
    assert "not linked to a roster entry" not in body
