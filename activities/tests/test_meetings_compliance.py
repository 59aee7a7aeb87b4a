"""What is due and what was held: counts per kind and period, the reminder sweep, the pages and the spreadsheet."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from activities.meetings import compliance
from activities.meetings.compliance import PERIOD, Span, measure, remind_short_meetings
from activities.models import Activity, MeetingFrequency
from activities.tests.factories import ActivityFactory
from branches.models import Organization, Role
from branches.sweeps import REGISTRY, run_sweep
from branches.tests.factories import OrganizationFactory, RoleFactory
from members.tests.factories import MemberFactory, UserFactory
from notifications.models import Notification

pytestmark = pytest.mark.django_db

K = Activity.Kind
ZONE = timezone.get_default_timezone()
YEAR = 2026
# 10 May: January to April have ended, and the first quarter.
TODAY = dt.date(YEAR, 5, 10)


def closed(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=4), dt.time(0), tzinfo=ZONE)


def meeting(branch, kind, day: dt.date, *, held: bool = True, record=Activity.RecordStatus.APPROVED, group=None):
    return ActivityFactory(
        organization=branch,
        kind=kind,
        date=day,
        group=group,
        closed_at=closed(day) if held else None,
        record_status=record,
    )


@pytest.fixture
def committee(db):
    return OrganizationFactory(kind=Organization.Kind.COMMITTEE, name="矿党委", code="mine")


@pytest.fixture
def branch(committee):
    return OrganizationFactory(name="综采一队党支部", code="team-1", parent=committee)


@pytest.fixture
def groups(branch):
    return [
        OrganizationFactory(kind=Organization.Kind.GROUP, name=f"第{n}党小组", code=f"team-1-g{n}", parent=branch)
        for n in (1, 2)
    ]


def cells(result, kind) -> dict[int, tuple[int, int, str]]:
    return {c.span.number: (c.held, c.due, c.status) for c in result.cells[kind]}


def test_due_and_held_per_kind_and_period(branch, groups):
    # 支委会: January and March held, February's never held (no attendance), April's in draft
    meeting(branch, K.COMMITTEE, dt.date(YEAR, 1, 12))
    meeting(branch, K.COMMITTEE, dt.date(YEAR, 2, 12), held=False)
    meeting(branch, K.COMMITTEE, dt.date(YEAR, 3, 12))
    meeting(branch, K.COMMITTEE, dt.date(YEAR, 4, 12), record=Activity.RecordStatus.DRAFT)
    meeting(branch, K.COMMITTEE, dt.date(YEAR, 5, 20), held=False)  # planned this month
    # 党小组会: group 1 twice in January (counts once), group 2 never
    meeting(branch, K.GROUP, dt.date(YEAR, 1, 8), group=groups[0])
    meeting(branch, K.GROUP, dt.date(YEAR, 1, 22), group=groups[0])
    # 支部党员大会 once in the first quarter; 党课 none; 组织生活会 planned for December
    meeting(branch, K.GENERAL, dt.date(YEAR, 2, 28))
    meeting(branch, K.LIFE_MEETING, dt.date(YEAR, 12, 20), held=False)
    meeting(branch, K.OTHER, dt.date(YEAR, 1, 5))  # never due, never counted
    meeting(branch, K.COMMITTEE, dt.date(YEAR - 1, 12, 12))  # another year
    result = measure([branch], YEAR, TODAY)[branch.pk]
    committee = cells(result, K.COMMITTEE)
    assert committee[1] == (1, 1, "met")
    assert committee[2] == (0, 1, "overdue")
    assert committee[3] == (1, 1, "met")
    assert committee[4] == (1, 1, "met")
    assert committee[5] == (0, 1, "open")
    assert committee[6] == (0, 1, "open")
    april = result.cells[K.COMMITTEE][3]
    assert april.unsubmitted == 1
    may = result.cells[K.COMMITTEE][4]
    assert (may.planned, may.short) == (1, 0)
    group = cells(result, K.GROUP)
    # two groups: 2 due a month; group 1's second January meeting does not stand in for group 2
    assert group[1] == (1, 2, "overdue")
    assert group[2] == (0, 2, "overdue")
    assert cells(result, K.GENERAL) == {1: (1, 1, "met"), 2: (0, 1, "open"), 3: (0, 1, "open"), 4: (0, 1, "open")}
    assert cells(result, K.LECTURE)[1] == (0, 1, "overdue")
    assert cells(result, K.LIFE_MEETING) == {1: (0, 1, "open")}
    assert result.cells[K.LIFE_MEETING][0].planned == 1
    assert K.OTHER not in result.cells
    overdue = {(c.kind, c.span.key) for c in result.overdue}
    assert (K.COMMITTEE, "2026-02") in overdue
    assert (K.LECTURE, "2026-q1") in overdue
    assert (K.COMMITTEE, "2026-05") not in overdue


def test_a_draft_activity_day_is_not_flagged(branch):
    meeting(branch, K.THEME_DAY, dt.date(YEAR, 1, 6), record=Activity.RecordStatus.DRAFT)
    result = measure([branch], YEAR, TODAY)[branch.pk]
    january = result.cells[K.THEME_DAY][0]
    assert (january.held, january.unsubmitted) == (1, 0)


def test_a_window_adds_up_the_kinds_own_periods(branch):
    meeting(branch, K.COMMITTEE, dt.date(YEAR, 1, 12))
    meeting(branch, K.COMMITTEE, dt.date(YEAR, 3, 12))
    meeting(branch, K.GENERAL, dt.date(YEAR, 2, 28))
    result = measure([branch], YEAR, TODAY)[branch.pk]
    quarter = result.window(Span(YEAR, PERIOD.QUARTER, 1))
    assert (quarter[K.COMMITTEE].held, quarter[K.COMMITTEE].due, quarter[K.COMMITTEE].status) == (2, 3, "overdue")
    assert (quarter[K.GENERAL].held, quarter[K.GENERAL].due, quarter[K.GENERAL].status) == (1, 1, "met")
    # A month shows a quarterly kind's whole quarter, a yearly kind its year.
    march = result.window(Span(YEAR, PERIOD.MONTH, 3))
    assert (march[K.GENERAL].held, march[K.GENERAL].due) == (1, 1)
    assert march[K.GENERAL].span == Span(YEAR, PERIOD.QUARTER, 1)
    assert march[K.REVIEW].span == Span(YEAR, PERIOD.YEAR, 1)
    year = result.window(Span(YEAR, PERIOD.YEAR, 1))
    assert (year[K.COMMITTEE].held, year[K.COMMITTEE].due, year[K.COMMITTEE].status) == (2, 12, "overdue")


def test_the_branch_frequency_decides_the_periods(branch, committee):
    MeetingFrequency.objects.create(organization=committee, kind=K.LECTURE, period="month", times=1)
    MeetingFrequency.objects.create(organization=branch, kind=K.COMMITTEE, period="quarter", times=2)
    meeting(branch, K.COMMITTEE, dt.date(YEAR, 1, 12))
    meeting(branch, K.COMMITTEE, dt.date(YEAR, 3, 12))
    result = measure([branch], YEAR, TODAY)[branch.pk]
    assert cells(result, K.COMMITTEE)[1] == (2, 2, "met")
    assert len(result.cells[K.LECTURE]) == 12


def test_measuring_is_three_queries_whatever_the_number_of_branches(committee, django_assert_num_queries):
    def build(n):
        made = []
        for i in range(n):
            b = OrganizationFactory(parent=committee)
            OrganizationFactory(kind=Organization.Kind.GROUP, parent=b)
            meeting(b, K.COMMITTEE, dt.date(YEAR, 1, 10 + i % 10))
            made.append(b)
        return made

    few = build(2)
    with django_assert_num_queries(3):
        measure(few, YEAR, TODAY)
    many = few + build(20)
    with django_assert_num_queries(3):
        result = measure(many, YEAR, TODAY)
    assert all(r.cells[K.COMMITTEE][0].held == 1 for r in result.values())
    with django_assert_num_queries(3):
        whole = measure(many, YEAR, TODAY, within=committee)
    assert {pk: r.cells[K.GROUP][0].due for pk, r in whole.items()} == dict.fromkeys(whole, 1)


def test_ended_totals_cap_each_period(branch):
    meeting(branch, K.COMMITTEE, dt.date(YEAR, 1, 12))
    meeting(branch, K.COMMITTEE, dt.date(YEAR, 1, 20))  # two in January do not make up for February
    result = measure([branch], YEAR, dt.date(YEAR, 3, 1))[branch.pk]
    held, due = result.ended_totals()
    # ended by 1 March: January and February of the monthly kinds (theme day, committee; no groups), no quarter yet
    assert (held, due) == (1, 4)


def test_parse_span():
    fallback = Span(YEAR, PERIOD.YEAR, 1)
    assert compliance.parse_span("2026-03", fallback) == Span(2026, PERIOD.MONTH, 3)
    assert compliance.parse_span("2026-q2", fallback) == Span(2026, PERIOD.QUARTER, 2)
    assert compliance.parse_span("2025", fallback) == Span(2025, PERIOD.YEAR, 1)
    for bad in ("2026-13", "2026-q5", "x", "1900", "2026-q", "<script>"):
        assert compliance.parse_span(bad, fallback) == fallback


# --- the reminder sweep -----------------------------------------------------------------------


@pytest.fixture
def secretaries(branch):
    users = []
    for kind in (Role.Kind.SECRETARY, Role.Kind.DEPUTY_SECRETARY):
        user = UserFactory()
        RoleFactory(user=user, organization=branch, kind=kind)
        users.append(user)
    organizer = UserFactory()
    RoleFactory(user=organizer, organization=branch, kind=Role.Kind.ORGANIZER)
    return users


def due_notices():
    return Notification.objects.filter(kind=compliance.NOTICE_KIND)


def test_the_sweep_is_registered_and_scheduled():
    assert "meeting_due" in REGISTRY
    assert settings.CELERY_BEAT_SCHEDULE["meeting_due"]["args"] == ["meeting_due"]
    assert settings.MEETING_DUE_REMINDER_DAYS == 14


def test_secretaries_hear_14_days_before_the_period_ends_once(branch, secretaries):
    # June: the theme day and the committee are due; a committee meeting is planned, no theme day yet.
    meeting(branch, K.COMMITTEE, dt.date(YEAR, 6, 25), held=False)
    assert remind_short_meetings(dt.date(YEAR, 6, 15)) == {"reminded": 0}  # 15 days before the end
    result = run_sweep("meeting_due", dt.date(YEAR, 6, 16))
    # theme day (June), general meeting and lecture (Q2): three notices to each of two secretaries
    assert result == {"reminded": 6}
    assert set(due_notices().values_list("user_id", flat=True)) == {u.pk for u in secretaries}
    keys = set(due_notices().values_list("key", flat=True))
    assert f"meeting_due:{branch.pk}:theme_day:2026-06:user:{secretaries[0].pk}" in keys
    assert f"meeting_due:{branch.pk}:lecture:2026-q2:user:{secretaries[0].pk}" in keys
    assert not any(":committee:" in key for key in keys)  # planned: not short
    # A replayed day, and the next days, send nothing twice.
    assert run_sweep("meeting_due", dt.date(YEAR, 6, 16)) == {"reminded": 0}
    assert run_sweep("meeting_due", dt.date(YEAR, 6, 20)) == {"reminded": 0}
    notice = due_notices().filter(user=secretaries[0], key__contains=":lecture:").get()
    assert notice.url == reverse("meetings:compliance_branch", args=[branch.pk]) + "?year=2026"
    assert "2026-06-30" in notice.title


def test_a_beat_that_was_down_catches_up(branch, secretaries):
    # Nothing ran between 1 and 29 June: on the 29th the June (theme day, committee) and Q2 (general
    # meeting, lecture) reminders still go out, to both secretaries.
    assert run_sweep("meeting_due", dt.date(YEAR, 6, 29))["reminded"] == 8
    # Once the period is over, it is overdue on the page, not reminded.
    due_notices().delete()
    assert remind_short_meetings(dt.date(YEAR, 7, 1)) == {"reminded": 0}


def test_a_replayed_day_asks_a_fixed_number_of_queries_and_writes_nothing(committee, django_assert_num_queries):
    for _ in range(12):
        RoleFactory(user=UserFactory(), organization=OrganizationFactory(parent=committee), kind=Role.Kind.SECRETARY)
    assert remind_short_meetings(dt.date(YEAR, 6, 20)) == {"reminded": 48}
    # the branches, three to measure them, the secretaries, the keys already sent, the next (empty) batch
    with django_assert_num_queries(7):
        assert remind_short_meetings(dt.date(YEAR, 6, 20)) == {"reminded": 0}


def test_no_reminder_when_held(branch, secretaries):
    meeting(branch, K.THEME_DAY, dt.date(YEAR, 6, 6))
    meeting(branch, K.GENERAL, dt.date(YEAR, 4, 6))
    meeting(branch, K.LECTURE, dt.date(YEAR, 5, 6))
    meeting(branch, K.COMMITTEE, dt.date(YEAR, 6, 6))
    assert remind_short_meetings(dt.date(YEAR, 6, 20)) == {"reminded": 0}


def test_the_reminder_days_are_a_setting(branch, secretaries, settings):
    settings.MEETING_DUE_REMINDER_DAYS = 3
    assert remind_short_meetings(dt.date(YEAR, 6, 16)) == {"reminded": 0}
    assert remind_short_meetings(dt.date(YEAR, 6, 27))["reminded"] == 8  # the committee meeting too now


def test_the_notice_reads_in_the_readers_language(branch, secretaries):
    from django.utils import translation

    from notifications.wordings import render

    remind_short_meetings(dt.date(YEAR, 6, 20))
    notice = due_notices().filter(key__contains=":lecture:").first()
    with translation.override("en"):
        title, body = render(notice.message)
    assert title == "综采一队党支部: Party lecture still due by 2026-06-30"
    assert body == "Q2 2026 asks for 1; held 0, planned 0: 1 more to plan."


# --- the pages --------------------------------------------------------------------------------


@pytest.fixture
def committee_secretary(committee):
    user = UserFactory(name="dora")
    RoleFactory(user=user, organization=committee, kind=Role.Kind.SECRETARY)
    return user


@pytest.fixture
def branch_secretary(branch):
    user = UserFactory(name="alice")
    RoleFactory(user=user, organization=branch, kind=Role.Kind.SECRETARY)
    return user


@pytest.fixture
def other_branch(db):
    """A branch under another committee."""
    other = OrganizationFactory(kind=Organization.Kind.COMMITTEE, name="另一党委", code="other")
    return OrganizationFactory(name="B党支部", code="branch-b", parent=other)


def branch_url(branch, **query) -> str:
    url = reverse("meetings:compliance_branch", args=[branch.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_the_branch_page_shows_the_year_and_drills_down(client, branch, branch_secretary, time_machine):
    time_machine.move_to(dt.datetime(YEAR, 5, 10, 9, tzinfo=ZONE))
    january = meeting(branch, K.COMMITTEE, dt.date(YEAR, 1, 12), record=Activity.RecordStatus.DRAFT)
    client.force_login(branch_secretary)
    page = client.get(branch_url(branch, year=YEAR), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Meetings due in 综采一队党支部, 2026" in html
    assert '<strong class="warn">0 / 1<span class="visually-hidden"> overdue</span> !</strong>' in html
    assert "1 record not yet submitted" in html
    drill = client.get(branch_url(branch, year=YEAR, kind="committee", span="2026-01"), HTTP_ACCEPT_LANGUAGE="en")
    assert drill.status_code == 200
    assert reverse("activities:detail", args=[january.pk]) in drill.content.decode()
    assert "record not yet submitted" in drill.content.decode()
    # Nonsense in the query string is the plain page, not an error.
    assert client.get(branch_url(branch, year="abc", kind="x", span="<b>")).status_code == 200


def test_the_branch_page_asks_the_same_queries_for_a_few_meetings_or_many(
    client, branch, groups, branch_secretary, django_assert_max_num_queries
):
    client.force_login(branch_secretary)
    url = branch_url(branch, year=YEAR, kind="group", span="2026-01")
    meeting(branch, K.GROUP, dt.date(YEAR, 1, 8), group=groups[0])
    client.get(url)
    with django_assert_max_num_queries(12) as few:
        assert client.get(url).status_code == 200
    for month in range(1, 13):
        for group in groups:
            meeting(branch, K.GROUP, dt.date(YEAR, month, 9), group=group)
        meeting(branch, K.COMMITTEE, dt.date(YEAR, month, 10))
    with django_assert_max_num_queries(12) as many:
        page = client.get(url)
    assert len(few.captured_queries) == len(many.captured_queries)
    assert len(page.context["drill"]["meetings"]) == 3


def test_the_committee_page_lists_its_branches_with_overdue_highlighted(client, branch, committee, committee_secretary):
    meeting(branch, K.COMMITTEE, dt.date(YEAR, 1, 12))
    fine = OrganizationFactory(name="综采二队党支部", code="team-2", parent=committee)
    for month in (1, 2, 3):
        meeting(fine, K.COMMITTEE, dt.date(YEAR, month, 12))
        meeting(fine, K.THEME_DAY, dt.date(YEAR, month, 6))
    meeting(fine, K.GENERAL, dt.date(YEAR, 2, 12))
    meeting(fine, K.LECTURE, dt.date(YEAR, 2, 13))
    client.force_login(committee_secretary)
    page = client.get(
        reverse("meetings:compliance", args=[committee.pk]) + "?year=2026&span=q1", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert page.status_code == 200
    rows = {row["branch"].name: row for row in page.context["rows"]}
    assert rows["综采一队党支部"]["overdue"] is True
    assert rows["综采二队党支部"]["overdue"] is False
    assert branch_url(branch, year=YEAR) in page.content.decode()
    assert "Q1 2026" in page.content.decode()


def test_the_committee_page_is_paginated_and_bounded(
    client, committee, committee_secretary, django_assert_max_num_queries
):
    def add(n):
        for _ in range(n):
            b = OrganizationFactory(parent=committee)
            meeting(b, K.COMMITTEE, dt.date(YEAR, 1, 12))

    client.force_login(committee_secretary)
    url = reverse("meetings:compliance", args=[committee.pk]) + "?year=2026&span=year"
    add(3)
    client.get(url)  # warm the session and content types
    with django_assert_max_num_queries(12) as small:
        assert client.get(url).status_code == 200
    add(27)
    with django_assert_max_num_queries(12) as large:
        page = client.get(url)
    assert len(small.captured_queries) == len(large.captured_queries)
    assert len(page.context["rows"]) == 30
    add(5)
    second = client.get(url + "&page=2")
    assert len(second.context["rows"]) == 5


def test_the_spreadsheet_reads_back_and_guards_formulas(
    client, committee, committee_secretary, django_assert_max_num_queries
):
    evil = OrganizationFactory(name='=HYPERLINK("http://x")', code="evil", parent=committee)
    meeting(evil, K.COMMITTEE, dt.date(YEAR, 1, 12))
    client.force_login(committee_secretary)
    url = reverse("meetings:compliance_export", args=[committee.pk]) + "?year=2026&span=q1"
    client.get(url)
    with django_assert_max_num_queries(10) as few:
        client.get(url)
    for _ in range(10):
        OrganizationFactory(parent=committee)
    with django_assert_max_num_queries(10) as more:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert len(few.captured_queries) == len(more.captured_queries)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("Code", "Branch", "Theme Party day: due", "Theme Party day: held", "Theme Party day: state")
    by_code = {row[0]: row for row in rows[1:]}
    assert len(by_code) == 11
    evil_row = by_code["evil"]
    # The name stays text: the guard's apostrophe, never a formula.
    assert evil_row[1] == '\'=HYPERLINK("http://x")'
    header = rows[0]
    committee_due = header.index("Branch committee meeting: due")
    assert evil_row[committee_due : committee_due + 3] == (3, 1, "overdue")


def test_a_secretary_of_another_branch_gets_404(client, branch, other_branch):
    stranger = UserFactory()
    RoleFactory(user=stranger, organization=other_branch, kind=Role.Kind.SECRETARY)
    client.force_login(stranger)
    assert client.get(branch_url(branch)).status_code == 404
    assert client.get(reverse("meetings:compliance", args=[branch.parent_id])).status_code == 404
    assert client.get(reverse("meetings:compliance_export", args=[branch.parent_id])).status_code == 404
    # Its own branch page works.
    assert client.get(branch_url(other_branch)).status_code == 200


def test_a_plain_member_gets_403_on_the_entry_and_404_on_every_organization(client, branch):
    member = MemberFactory(organization=branch, user=UserFactory())
    client.force_login(member.user)
    assert client.get(reverse("meetings:compliance_home")).status_code == 403
    # A URL naming an organization is a 404 outside the scope, for a member too (branches.access).
    assert client.get(branch_url(branch)).status_code == 404
    assert client.get(reverse("meetings:compliance", args=[branch.parent_id])).status_code == 404
    assert client.get(reverse("meetings:compliance_export", args=[branch.parent_id])).status_code == 404


def test_the_entry_lists_the_tops_of_the_users_subtrees(
    client, branch, committee, committee_secretary, branch_secretary
):
    client.force_login(committee_secretary)
    entries = client.get(reverse("meetings:compliance_home")).context["entries"]
    assert [(e["organization"], e["url"]) for e in entries] == [
        (committee, reverse("meetings:compliance", args=[committee.pk]))
    ]
    client.force_login(branch_secretary)
    entries = client.get(reverse("meetings:compliance_home")).context["entries"]
    assert [e["url"] for e in entries] == [branch_url(branch)]


def test_a_committee_sees_its_subtree_only(client, branch, committee, committee_secretary, other_branch):
    client.force_login(committee_secretary)
    page = client.get(reverse("meetings:compliance", args=[committee.pk]))
    assert [row["branch"] for row in page.context["rows"]] == [branch]
    assert client.get(branch_url(other_branch)).status_code == 404
    assert client.get(reverse("meetings:compliance", args=[other_branch.parent_id])).status_code == 404
    assert client.get(branch_url(branch)).status_code == 200


def test_a_branch_secretary_does_not_open_the_committee_page(client, branch, branch_secretary):
    client.force_login(branch_secretary)
    assert client.get(reverse("meetings:compliance", args=[branch.parent_id])).status_code == 404
    # Their branch page offers no link up.
    assert client.get(branch_url(branch)).context["parent_url"] == ""


def test_wrong_methods_are_refused(client, branch, committee, committee_secretary):
    client.force_login(committee_secretary)
    assert client.post(branch_url(branch)).status_code == 405
    assert client.post(reverse("meetings:compliance", args=[committee.pk])).status_code == 405
    assert client.post(reverse("meetings:compliance_export", args=[committee.pk])).status_code == 405


def test_workspace_links_lead_to_the_pages(client, branch, committee, committee_secretary, branch_secretary):
    client.force_login(committee_secretary)
    html = client.get(reverse("workspace:home")).content.decode()
    assert reverse("meetings:compliance", args=[committee.pk]) in html
    assert reverse("meetings:compliance_home") in html
    assert reverse("meetings:frequencies", args=[committee.pk]) in html
    client.force_login(branch_secretary)
    html = client.get(reverse("workspace:home")).content.decode()
    assert reverse("meetings:compliance_branch", args=[branch.pk]) in html
    assert reverse("meetings:compliance", args=[committee.pk]) not in html
