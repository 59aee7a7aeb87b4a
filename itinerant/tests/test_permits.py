"""流动党员活动证: recording, checking, returning and listing a member's permit, and who may."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from itinerant import permits
from itinerant.models import Permit
from itinerant.tests.permit_helpers import World, build_world, make_permit
from members.models import Member, MemberChange
from members.tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def today() -> dt.date:
    """Asked each time: a run that crosses midnight in Asia/Shanghai must not test yesterday."""
    return timezone.localdate()


@pytest.fixture
def world(db) -> World:
    return build_world()


def form_data(**values) -> dict:
    data = {
        "number": "DS2026-017",
        "issued_by": "东山煤矿党委",
        "issued_on": (today() - dt.timedelta(days=3)).isoformat(),
        "reason": "外出务工",
        "province": "44",
        "city": "东莞",
        "host_organization": "",
        "host_name": "东莞市长安镇流动党员党支部",
        "valid_until": "",
        "checked_on": "",
    }
    data.update(values)
    return data


def service_data(**values) -> dict:
    """What the form hands the service: dates as dates, no host in netbranch."""
    data = {**form_data(), "host_organization": None, "valid_until": None, "checked_on": None}
    data["issued_on"] = today() - dt.timedelta(days=3)
    return {**data, **values}


@pytest.fixture
def secretary_client(client, world):
    client.force_login(world.secretary)
    return client


# --- Recording ----------------------------------------------------------------------------------


def test_the_roster_page_links_to_the_members_permits_for_the_branchs_roster_keepers(client, world):
    url = reverse("itinerant:add_permit", args=[world.bob.pk])
    for user, shown in ((world.secretary, True), (world.organizer, True), (world.group_leader, False)):
        client.force_login(user)
        page = client.get(reverse("roster:detail", args=[world.bob.pk])).content.decode()
        assert (url in page) is shown, user


def test_a_secretary_records_a_permit_and_the_roster_log_says_so(secretary_client, world):
    url = reverse("itinerant:add_permit", args=[world.bob.pk])
    page = secretary_client.get(url)
    assert page.status_code == 200
    # The committee above issues permits: its name is proposed.
    assert page.context["form"].initial["issued_by"] == "东山煤矿党委"
    response = secretary_client.post(url, form_data())
    permit = Permit.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("itinerant:permit", args=[permit.pk])
    assert (permit.member, permit.number, permit.host_name, permit.entered_by) == (
        world.bob,
        "DS2026-017",
        "东莞市长安镇流动党员党支部",
        world.secretary,
    )
    log = MemberChange.objects.get(member=world.bob)
    assert log.user == world.secretary and "DS2026-017" in log.note


def test_a_host_in_netbranch_is_chosen_by_name(secretary_client, world):
    url = reverse("itinerant:add_permit", args=[world.bob.pk])
    secretary_client.post(url, form_data(host_organization=str(world.other_branch.pk), host_name=""))
    permit = Permit.objects.get()
    assert permit.host_organization == world.other_branch
    assert permits.host_of(permit) == "机电队党支部"


def test_a_host_is_one_organization_or_one_name(secretary_client, world):
    url = reverse("itinerant:add_permit", args=[world.bob.pk])
    response = secretary_client.post(url, form_data(host_organization=str(world.other_branch.pk)))
    assert response.status_code == 400
    assert not Permit.objects.exists()


def test_a_member_holds_one_permit_at_a_time(secretary_client, world):
    make_permit(world.bob, number="DS2026-001")
    url = reverse("itinerant:add_permit", args=[world.bob.pk])
    response = secretary_client.post(url, form_data(), follow=True)
    assert response.redirect_chain == [(url, 302)]
    page = response.content.decode()
    assert "DS2026-001" in page and 'name="number"' not in page
    assert [str(m) for m in response.context["messages"]] == [
        _("%(name)s still holds permit %(number)s: record its return first.")
        % {"name": "王建军", "number": "DS2026-001"}
    ]
    with pytest.raises(permits.PermitError) as refused:
        permits.record_permit(world.bob, service_data(issued_on=today()), world.secretary)
    assert refused.value.code == "already_held"
    assert Permit.objects.count() == 1


def test_a_permit_number_is_unique(secretary_client, world):
    make_permit(world.carol, number="DS2026-017")
    response = secretary_client.post(reverse("itinerant:add_permit", args=[world.bob.pk]), form_data())
    assert response.status_code == 400
    assert response.context["form"].errors["number"] == [_("Another permit already has this number.")]
    assert not Permit.objects.filter(member=world.bob).exists()
    assert not MemberChange.objects.filter(member=world.bob).exists()


@pytest.mark.parametrize(("field", "days_from_today"), [("issued_on", 1), ("checked_on", -10), ("valid_until", -10)])
def test_dates_out_of_order_are_refused(secretary_client, world, field, days_from_today):
    values = {field: (today() + dt.timedelta(days=days_from_today)).isoformat()}
    response = secretary_client.post(reverse("itinerant:add_permit", args=[world.bob.pk]), form_data(**values))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Permit.objects.exists()


def test_a_former_member_gets_no_new_permit(secretary_client, world):
    Member.objects.filter(pk=world.bob.pk).update(state=Member.State.TRANSFERRED_OUT)
    world.bob.refresh_from_db()
    with pytest.raises(permits.PermitError) as refused:
        permits.record_permit(world.bob, service_data(issued_on=today()), world.secretary)
    assert refused.value.code == "not_member"
    page = secretary_client.get(reverse("itinerant:add_permit", args=[world.bob.pk]))
    assert page.status_code == 200 and b'name="number"' not in page.content


# --- Checking, returning, correcting -------------------------------------------------------------


def post_action(client, permit, action, *, follow=False, **data):
    return client.post(reverse("itinerant:permit", args=[permit.pk]), {"action": action, **data}, follow=follow)


def test_a_check_is_recorded_and_logged(secretary_client, world):
    permit = make_permit(world.bob, issued_on=today() - dt.timedelta(days=40))
    day = today() - dt.timedelta(days=2)
    response = post_action(secretary_client, permit, "check", **{"check-on": day.isoformat()})
    assert response.status_code == 302
    permit.refresh_from_db()
    assert permit.checked_on == day
    assert MemberChange.objects.filter(member=world.bob, note__contains=permit.number).count() == 1


def test_a_check_in_the_future_or_before_the_issue_is_refused(secretary_client, world):
    permit = make_permit(world.bob, issued_on=today() - dt.timedelta(days=40))
    for day in (today() + dt.timedelta(days=1), today() - dt.timedelta(days=41)):
        response = post_action(secretary_client, permit, "check", **{"check-on": day.isoformat()})
        assert response.status_code == 400
        assert response.context["check_form"].errors["on"]
    permit.refresh_from_db()
    assert permit.checked_on is None


def test_the_return_is_recorded_once_and_a_new_permit_may_follow(secretary_client, world):
    permit = make_permit(world.bob, issued_on=today() - dt.timedelta(days=40))
    response = post_action(secretary_client, permit, "return", **{"return-on": today().isoformat()})
    assert response.status_code == 302
    permit.refresh_from_db()
    assert permit.returned_on == today()
    with pytest.raises(permits.PermitError) as again:
        permits.return_permit(permit, today(), world.secretary)
    assert again.value.code == "already_returned"
    with pytest.raises(permits.PermitError) as check:
        permits.check_permit(permit, today(), world.secretary)
    assert check.value.code == "returned"
    permits.record_permit(world.bob, service_data(number="DS2026-099", issued_on=today()), world.secretary)
    assert Permit.objects.filter(member=world.bob).count() == 2


def test_a_correction_changes_only_what_differs(secretary_client, world):
    permit = make_permit(world.bob, number="DS2026-005", issued_on=today() - dt.timedelta(days=40))
    same = {name: getattr(permit, name) for name in permits.FIELDS}
    assert permits.update_permit(permit, same, world.secretary) == []
    assert not MemberChange.objects.filter(member=world.bob).exists()
    data = form_data(number="DS2026-006", issued_on=permit.issued_on.isoformat(), host_name=permit.host_name)
    response = post_action(secretary_client, permit, "edit", **data)
    assert response.status_code == 302
    permit.refresh_from_db()
    assert permit.number == "DS2026-006"


def test_a_post_without_an_action_changes_nothing(secretary_client, world):
    permit = make_permit(world.bob)
    response = post_action(secretary_client, permit, "delete")
    assert response.status_code == 302
    assert Permit.objects.filter(pk=permit.pk, returned_on=None).exists()


# --- The branch's list ---------------------------------------------------------------------------


def test_the_list_shows_the_branchs_permits_held_by_default(secretary_client, world):
    held = make_permit(world.bob, number="DS-HELD")
    make_permit(world.carol, number="DS-BACK", returned_on=today())
    make_permit(world.outsider, number="DS-OTHER")
    page = secretary_client.get(reverse("itinerant:permits")).content.decode()
    assert "DS-HELD" in page and "DS-BACK" not in page and "DS-OTHER" not in page
    assert reverse("itinerant:permit", args=[held.pk]) in page
    returned = secretary_client.get(reverse("itinerant:permits"), {"state": "returned"}).content.decode()
    assert "DS-BACK" in returned and "DS-HELD" not in returned
    every = secretary_client.get(reverse("itinerant:permits"), {"state": "all"}).content.decode()
    assert "DS-BACK" in every and "DS-HELD" in every and "DS-OTHER" not in every


def test_the_committee_sees_every_branchs_permits_and_a_group_leader_none(client, world):
    make_permit(world.bob, number="DS-HELD")
    make_permit(world.outsider, number="DS-OTHER")
    client.force_login(world.committee_secretary)
    page = client.get(reverse("itinerant:permits")).content.decode()
    assert "DS-HELD" in page and "DS-OTHER" in page
    client.force_login(world.group_leader)
    response = client.get(reverse("itinerant:permits"))
    assert response.status_code == 200 and "DS-HELD" not in response.content.decode()


def test_the_list_costs_the_same_queries_for_2_and_20_permits(secretary_client, world):
    counts = []
    for size in (2, 20):
        while Permit.objects.count() < size:
            make_permit(MemberFactory(organization=world.branch, group=world.group))
        with CaptureQueriesContext(connection) as captured:
            response = secretary_client.get(reverse("itinerant:permits"))
        assert response.status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


# --- Who may -----------------------------------------------------------------------------------


def test_another_branch_gets_404_on_a_permit_and_on_recording_one(client, world):
    permit = make_permit(world.bob)
    client.force_login(world.other_secretary)
    assert client.get(reverse("itinerant:permit", args=[permit.pk])).status_code == 404
    assert post_action(client, permit, "return", **{"return-on": today().isoformat()}).status_code == 404
    assert client.get(reverse("itinerant:add_permit", args=[world.bob.pk])).status_code == 404
    assert client.post(reverse("itinerant:add_permit", args=[world.bob.pk]), form_data(number="X")).status_code == 404
    permit.refresh_from_db()
    assert permit.returned_on is None and Permit.objects.count() == 1


def test_a_group_leader_keeps_no_permits(client, world):
    permit = make_permit(world.bob)
    client.force_login(world.group_leader)
    assert client.get(reverse("itinerant:permit", args=[permit.pk])).status_code == 404
    assert client.get(reverse("itinerant:add_permit", args=[world.bob.pk])).status_code == 404


def test_a_member_gets_403_on_the_list_and_404_on_their_own_permit(client, world):
    permit = make_permit(world.bob)
    client.force_login(world.bob.user)
    assert client.get(reverse("itinerant:permits")).status_code == 403
    assert client.get(reverse("itinerant:permit", args=[permit.pk])).status_code == 404
    assert client.get(reverse("itinerant:add_permit", args=[world.bob.pk])).status_code == 404


def test_checking_a_permit_returned_meanwhile_says_so_and_changes_nothing(secretary_client, world):
    permit = make_permit(world.bob, issued_on=today() - dt.timedelta(days=40), returned_on=today())
    response = post_action(secretary_client, permit, "check", **{"check-on": today().isoformat()}, follow=True)
    assert response.redirect_chain == [(reverse("itinerant:permit", args=[permit.pk]), 302)]
    assert [str(m) for m in response.context["messages"]] == [
        _("This permit has been returned; it is no longer checked.")
    ]
    permit.refresh_from_db()
    assert permit.checked_on is None
