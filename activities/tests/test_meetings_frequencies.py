"""How often each kind is due: the default, a committee's rule for its subtree, a branch's own; the page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from activities.meetings import frequencies
from activities.meetings.frequencies import FrequencyError, frequencies_for, set_frequencies
from activities.models import Activity, MeetingFrequency
from branches.models import Organization, Role
from branches.tests.factories import OrganizationFactory, RoleFactory
from members.tests.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db

K = Activity.Kind


@pytest.fixture
def tree(db):
    """committee → general branch → branch 1, and branch 2 straight under the committee; a group in branch 1."""
    committee = OrganizationFactory(kind=Organization.Kind.COMMITTEE, name="矿党委", code="mine")
    general = OrganizationFactory(
        kind=Organization.Kind.GENERAL_BRANCH, name="机关党总支", code="office", parent=committee
    )
    one = OrganizationFactory(name="一支部", code="one", parent=general)
    two = OrganizationFactory(name="二支部", code="two", parent=committee)
    group = OrganizationFactory(kind=Organization.Kind.GROUP, name="一组", code="one-g1", parent=one)
    return {"committee": committee, "general": general, "one": one, "two": two, "group": group}


def test_the_statutory_defaults_apply_without_any_rule(tree):
    got = frequencies_for([tree["one"]])[tree["one"].pk]
    assert (got[K.GENERAL].period, got[K.GENERAL].times) == ("quarter", 1)
    assert (got[K.COMMITTEE].period, got[K.COMMITTEE].times) == ("month", 1)
    assert (got[K.GROUP].period, got[K.GROUP].times) == ("month", 1)
    assert (got[K.THEME_DAY].period, got[K.THEME_DAY].times) == ("month", 1)
    assert (got[K.LECTURE].period, got[K.LECTURE].times) == ("quarter", 1)
    assert (got[K.LIFE_MEETING].period, got[K.LIFE_MEETING].times) == ("year", 1)
    assert (got[K.REVIEW].period, got[K.REVIEW].times) == ("year", 1)
    assert K.OTHER not in got
    assert all(f.is_default for f in got.values())


def test_defaults_are_settings(tree, settings):
    settings.MEETING_FREQUENCIES = {**settings.MEETING_FREQUENCIES, "lecture": ("year", 2)}
    got = frequencies_for([tree["two"]])[tree["two"].pk][K.LECTURE]
    assert (got.period, got.times) == ("year", 2)


def test_the_nearest_rule_up_the_tree_wins(tree, django_assert_num_queries):
    MeetingFrequency.objects.create(organization=tree["committee"], kind=K.LECTURE, period="month", times=1)
    MeetingFrequency.objects.create(organization=tree["general"], kind=K.LECTURE, period="quarter", times=2)
    MeetingFrequency.objects.create(organization=tree["one"], kind=K.COMMITTEE, period="month", times=2)
    with django_assert_num_queries(1):
        got = frequencies_for([tree["one"], tree["two"]])
    one, two = got[tree["one"].pk], got[tree["two"].pk]
    # branch 1: its general branch's lecture rule is nearer than the committee's; its own committee rule
    assert (one[K.LECTURE].period, one[K.LECTURE].times, one[K.LECTURE].source_id) == (
        "quarter",
        2,
        tree["general"].pk,
    )
    assert (one[K.COMMITTEE].times, one[K.COMMITTEE].source_id) == (2, tree["one"].pk)
    # branch 2: only the committee is above it
    assert (two[K.LECTURE].period, two[K.LECTURE].times, two[K.LECTURE].source_id) == ("month", 1, tree["committee"].pk)
    assert two[K.COMMITTEE].is_default


def test_a_rule_of_zero_says_not_required_below(tree):
    MeetingFrequency.objects.create(organization=tree["committee"], kind=K.REVIEW, period="year", times=0)
    assert frequencies_for([tree["two"]])[tree["two"].pk][K.REVIEW].times == 0


def test_setting_rules_is_all_or_nothing(tree):
    user = UserFactory()
    with pytest.raises(FrequencyError):
        set_frequencies(tree["one"], {K.LECTURE: ("month", 2), K.GENERAL: ("week", 1)}, by=user)
    with pytest.raises(FrequencyError):
        set_frequencies(tree["one"], {K.LECTURE: ("month", 40)}, by=user)
    with pytest.raises(FrequencyError):
        set_frequencies(tree["one"], {K.OTHER: ("month", 1)}, by=user)
    with pytest.raises(FrequencyError):
        set_frequencies(tree["group"], {K.LECTURE: ("month", 1)}, by=user)
    assert not MeetingFrequency.objects.exists()


def test_setting_twice_writes_once_and_none_follows_the_rule_above_again(tree):
    user = UserFactory()
    assert set_frequencies(tree["one"], {K.LECTURE: ("month", 2)}, by=user) == 1
    assert set_frequencies(tree["one"], {K.LECTURE: ("month", 2)}, by=user) == 0
    assert set_frequencies(tree["one"], {K.LECTURE: None}, by=user) == 1
    assert not MeetingFrequency.objects.exists()


# --- the page ---------------------------------------------------------------------------------


@pytest.fixture
def committee_secretary(tree):
    user = UserFactory(name="dora")
    RoleFactory(user=user, organization=tree["committee"], kind=Role.Kind.SECRETARY)
    return user


def post_data(**rules) -> dict:
    data = {}
    for kind in frequencies.DUE_KINDS:
        period, times = rules.get(kind, ("", ""))
        data[f"{kind}_period"] = period
        data[f"{kind}_times"] = times
    return data


def test_a_committee_sets_a_rule_for_its_subtree(client, tree, committee_secretary):
    client.force_login(committee_secretary)
    url = reverse("meetings:frequencies", args=[tree["committee"].pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "《中国共产党支部工作条例（试行）》" in page.content.decode()
    response = client.post(url, post_data(lecture=("month", "1")))
    assert response.status_code == 302
    rule = MeetingFrequency.objects.get()
    assert (rule.organization, rule.kind, rule.period, rule.times, rule.updated_by) == (
        tree["committee"],
        K.LECTURE,
        "month",
        1,
        committee_secretary,
    )
    # Every branch below follows it now.
    got = frequencies_for([tree["one"], tree["two"]])
    assert got[tree["one"].pk][K.LECTURE].times == 1
    assert got[tree["one"].pk][K.LECTURE].period == "month"
    # The branch's page shows what is set above.
    page = reverse("meetings:frequencies", args=[tree["one"].pk])
    assert "每月 1 次" in client.get(page, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "1 a month" in client.get(page, HTTP_ACCEPT_LANGUAGE="en").content.decode()


@pytest.mark.parametrize(
    "bad",
    [
        {"lecture": ("month", "两")},  # Chinese, not a number
        {"lecture": ("month", "99")},
        {"lecture": ("fortnight", "1")},
        {"lecture": ("month", "")},  # a period without times
        {"lecture": ("month", "-1")},
    ],
)
def test_bad_input_is_refused_in_chinese_and_changes_nothing(client, tree, committee_secretary, bad):
    client.force_login(committee_secretary)
    url = reverse("meetings:frequencies", args=[tree["committee"].pk])
    response = client.post(url, post_data(committee=("month", "2"), **bad), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    html = response.content.decode()
    assert "errorlist" in html
    # The message is in Chinese: no English error text leaks through.
    assert not any(english in html for english in ("Enter a whole number", "Select a valid choice", "Ensure this"))
    assert not MeetingFrequency.objects.exists()


def test_a_branch_secretary_cannot_set_the_committee_rule(client, tree):
    user = UserFactory()
    RoleFactory(user=user, organization=tree["one"], kind=Role.Kind.SECRETARY)
    client.force_login(user)
    response = client.post(
        reverse("meetings:frequencies", args=[tree["committee"].pk]), post_data(lecture=("month", "3"))
    )
    assert response.status_code == 404
    response = client.post(reverse("meetings:frequencies", args=[tree["two"].pk]), post_data(lecture=("month", "3")))
    assert response.status_code == 404
    assert not MeetingFrequency.objects.exists()
    # Its own branch, yes.
    response = client.post(reverse("meetings:frequencies", args=[tree["one"].pk]), post_data(lecture=("month", "3")))
    assert response.status_code == 302
    assert MeetingFrequency.objects.get().organization == tree["one"]


def test_a_plain_member_gets_404_and_so_does_a_group(client, tree, committee_secretary):
    member = MemberFactory(organization=tree["one"], user=UserFactory())
    client.force_login(member.user)
    assert client.get(reverse("meetings:frequencies", args=[tree["one"].pk])).status_code == 404
    assert client.post(reverse("meetings:frequencies", args=[tree["one"].pk]), post_data()).status_code == 404
    assert not MeetingFrequency.objects.exists()
    client.force_login(committee_secretary)
    assert client.get(reverse("meetings:frequencies", args=[tree["group"].pk])).status_code == 404


def test_wrong_method_is_refused(client, tree, committee_secretary):
    client.force_login(committee_secretary)
    assert client.delete(reverse("meetings:frequencies", args=[tree["committee"].pk])).status_code == 405
