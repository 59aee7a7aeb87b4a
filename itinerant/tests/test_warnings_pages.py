"""The six-month warnings' page, resolving a warning, the to-dos, and who sees them (never a member)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _

from itinerant import warnings_
from itinerant.models import LifeWarning
from itinerant.tests.permit_helpers import World, build_world
from members.tests.factories import MemberFactory
from members.workspace.registry import todo_counts

pytestmark = pytest.mark.django_db


def today() -> dt.date:
    """Asked each time: a run that crosses midnight in Asia/Shanghai must not test yesterday."""
    return timezone.localdate()


Level = LifeWarning.Level


@pytest.fixture
def world(db) -> World:
    return build_world()


def warn(member, level=Level.TALK, days=100, **signs) -> LifeWarning:
    since = today() - dt.timedelta(days=days)
    return LifeWarning.objects.create(
        member=member,
        level=level,
        since=since,
        signs={"dues": since.isoformat(), **signs},
        raised_on=today(),
    )


def test_the_page_lists_open_warnings_with_the_rule_and_the_last_signs(client, world):
    talk = warn(world.bob, report=(today() - dt.timedelta(days=200)).isoformat())
    warn(world.carol, Level.CASE, days=190)
    warn(world.outsider)
    client.force_login(world.secretary)
    response = client.get(reverse("itinerant:warnings"))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    page = response.content.decode()
    assert "王建军" in page and "李秀英" in page and "刘海涛" not in page
    assert escape(str(warnings_.CONSTITUTION_RULE)) in page
    assert escape(str(warnings_.TALK_RULE)) in page and escape(str(warnings_.CASE_RULE)) in page
    rows = dict(warnings_.sign_rows(talk))
    assert rows[warnings_.SIGN_LABELS["dues"]] == talk.since.isoformat()
    assert rows[warnings_.SIGN_LABELS["meeting"]] is None
    assert talk.since.isoformat() in page
    only_cases = client.get(reverse("itinerant:warnings"), {"level": "case"}).content.decode()
    assert "李秀英" in only_cases and "王建军" not in only_cases


def test_resolving_records_what_was_done_and_takes_it_off_the_list(client, world):
    warning = warn(world.bob)
    client.force_login(world.secretary)
    url = reverse("itinerant:resolve_warning", args=[warning.pk])
    response = client.post(url, {"resolution": "5月3日电话谈话，在船上工作无信号，每月靠岸后汇报"})
    assert response.status_code == 302 and response["Location"] == reverse("itinerant:warnings")
    warning.refresh_from_db()
    assert warning.resolved_by == world.secretary and warning.resolved_at is not None
    assert warning.resolution.startswith("5月3日")
    assert url not in client.get(reverse("itinerant:warnings")).content.decode()
    # A second click is told, not recorded again.
    response = client.post(url, {"resolution": "再次"}, follow=True)
    assert [str(m) for m in response.context["messages"]] == [_("This warning has already been dealt with.")]
    warning.refresh_from_db()
    assert warning.resolution.startswith("5月3日")


def test_resolving_needs_what_was_done(client, world):
    warning = warn(world.bob)
    client.force_login(world.secretary)
    client.post(reverse("itinerant:resolve_warning", args=[warning.pk]), {"resolution": ""})
    warning.refresh_from_db()
    assert warning.resolved_at is None
    with pytest.raises(warnings_.WarningError) as refused:
        warnings_.resolve(warning, "   ", world.secretary)
    assert refused.value.code == "resolution_required"


def test_the_page_goes_back_to_the_filtered_list_it_came_from(client, world):
    warning = warn(world.bob)
    client.force_login(world.secretary)
    back = reverse("itinerant:warnings") + "?level=talk"
    response = client.post(
        reverse("itinerant:resolve_warning", args=[warning.pk]), {"resolution": "已谈话", "next": back}
    )
    assert response["Location"] == back


def test_the_committee_sees_every_branch_and_a_group_leader_none(client, world):
    warn(world.bob)
    warn(world.outsider)
    client.force_login(world.committee_secretary)
    page = client.get(reverse("itinerant:warnings")).content.decode()
    assert "王建军" in page and "刘海涛" in page
    client.force_login(world.group_leader)
    response = client.get(reverse("itinerant:warnings"))
    assert response.status_code == 200 and "王建军" not in response.content.decode()


def test_another_branch_or_a_group_leader_gets_404_on_resolving(client, world):
    warning = warn(world.bob)
    for user in (world.other_secretary, world.group_leader):
        client.force_login(user)
        assert (
            client.post(reverse("itinerant:resolve_warning", args=[warning.pk]), {"resolution": "x"}).status_code == 404
        )
    warning.refresh_from_db()
    assert warning.resolved_at is None


def test_a_member_never_sees_a_warning_not_even_their_own(client, world):
    warning = warn(world.bob)
    client.force_login(world.bob.user)
    assert client.get(reverse("itinerant:warnings")).status_code == 403
    assert client.post(reverse("itinerant:resolve_warning", args=[warning.pk]), {"resolution": "x"}).status_code == 404
    for page in (reverse("home"), reverse("members:me"), reverse("notifications:inbox")):
        content = client.get(page).content.decode()
        assert escape(str(warnings_.TALK_RULE)) not in content
        assert reverse("itinerant:warnings") not in content


def test_the_list_costs_the_same_queries_for_2_and_20_warnings(client, world):
    client.force_login(world.secretary)
    counts = []
    for size in (2, 20):
        while LifeWarning.objects.count() < size:
            warn(MemberFactory(organization=world.branch, group=world.group))
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("itinerant:warnings")).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


# --- The to-do list -------------------------------------------------------------------------


def todos(user) -> dict[str, int]:
    return {item.key: item.count for item in todo_counts(user, today())}


def test_the_workspace_counts_talks_and_cases_apart(client, world):
    warn(world.bob)
    warn(world.carol, Level.CASE, days=190)
    resolved = warn(MemberFactory(organization=world.branch))
    warnings_.resolve(resolved, "已谈话", world.secretary)
    warn(world.outsider)
    assert {k: v for k, v in todos(world.secretary).items() if k.startswith("life_")} == {
        "life_warnings_talk": 1,
        "life_warnings_case": 1,
    }
    assert todos(world.committee_secretary)["life_warnings_talk"] == 2
    assert todos(world.group_leader)["life_warnings_talk"] == 0
    client.force_login(world.secretary)
    page = client.get(reverse("workspace:home")).content.decode()
    assert reverse("itinerant:warnings") + "?level=talk" in page
    assert reverse("itinerant:warnings") + "?level=case" in page
    assert reverse("itinerant:permits") in page
