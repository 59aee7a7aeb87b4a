"""The demo evaluation year: schemes, records, three rounds at their stages, and a re-run that changes nothing."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from activities import demo as activity_demo
from activities.models import Report
from branches.models import Organization
from evaluations import demo
from evaluations.models import (
    Assessment,
    Evaluation,
    Evidence,
    Item,
    ItemScore,
    Objection,
    Scheme,
    ScoreChange,
    Section,
)
from members import demo as member_demo
from members.models import Contact, Member

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 1)
MODELS = (Scheme, Section, Item, Evaluation, Assessment, ItemScore, Evidence, ScoreChange, Objection)


def seed_all(today: dt.date = TODAY) -> dict[str, int]:
    member_demo.seed(today)
    activity_demo.seed(today)
    return demo.seed(today)


def login_member() -> Member:
    return Member.objects.get(phone=member_demo.demo_phone(member_demo.ITINERANT_PHONES_FROM))


def snapshot() -> dict:
    return {
        "counts": {model.__name__: model.objects.count() for model in MODELS},
        "records": (Contact.objects.count(), Report.objects.count()),
        "assessments": list(
            Assessment.objects.order_by("pk").values_list(
                "pk", "total", "rating", "unscored", "self_submitted_at", "section_points"
            )
        ),
        "scores": list(ItemScore.objects.order_by("pk").values_list("pk", "points", "self_points", "facts")),
        "stages": list(Evaluation.objects.order_by("pk").values_list("pk", "stage", "publicity_ends_at")),
        "types": list(Organization.objects.order_by("pk").values_list("code", "branch_type")),
    }


def test_demo_schemes_and_branch_types():
    seed_all()
    committee = Organization.objects.get(code=member_demo.COMMITTEE_CODE)
    schemes = set(Scheme.objects.filter(organization=committee).values_list("year", "source", "version"))
    assert schemes == {(2026, "vanguard", 1), (2026, "bastion", 1), (2025, "bastion", 1)}
    types = dict(Organization.objects.filter(kind="branch").values_list("code", "branch_type"))
    assert types == {
        "demo-online": "state_enterprise",
        "demo-zongcai-1": "state_enterprise",
        "demo-jidian": "state_enterprise",
        "demo-jiguan": "office",
    }


def test_branch_types_already_set_are_kept():
    member_demo.seed(TODAY)
    Organization.objects.filter(code="demo-jidian").update(branch_type="private_enterprise")
    activity_demo.seed(TODAY)
    demo.seed(TODAY)
    assert Organization.objects.get(code="demo-jidian").branch_type == "private_enterprise"


def test_member_round_in_self_assessment_with_two_thirds_in_and_the_login_left_to_try():
    seed_all()
    evaluation = demo.member_round(TODAY)
    assert evaluation.scheme.source == "vanguard"
    assert (evaluation.organization.code, evaluation.year) == ("demo-online", 2026)
    assert evaluation.stage == Evaluation.Stage.SELF_ASSESSMENT
    assert evaluation.self_assessment_ends_on > TODAY
    assessments = evaluation.assessments.all()
    assert assessments.count() == member_demo.ITINERANT_COUNT
    submitted = assessments.filter(self_submitted_at__isnull=False)
    assert submitted.count() == round(member_demo.ITINERANT_COUNT * 2 / 3)
    assert all(a.self_summary and a.self_submitted_at <= timezone.now() for a in submitted)
    # Self-assessed points on the items scored by hand, no reviewer's points yet.
    claimed = ItemScore.objects.filter(assessment__in=submitted, self_points__isnull=False)
    assert claimed.exclude(item__method=Item.MANUAL).count() == 0
    assert claimed.filter(points__isnull=False).count() == 0
    assert set(claimed.values_list("assessment_id", flat=True)) == set(submitted.values_list("pk", flat=True))
    assert ScoreChange.objects.filter(evaluation=evaluation, what="self").count() == submitted.count()

    mine = assessments.get(member=login_member())
    assert login_member().user_id is not None
    assert (mine.self_summary, mine.self_submitted_at) == ("", None)
    assert not mine.scores.filter(self_points__isnull=False).exists()


def test_member_round_is_scored_from_a_year_of_records():
    seed_all()
    evaluation = demo.member_round(TODAY)
    online = evaluation.organization
    members = Member.objects.filter(organization=online)
    # Contacts in January to May (the activity history covers June to November), most members.
    contacts = Contact.objects.filter(member__in=members, at__year=2026)
    months = {at.astimezone(timezone.get_default_timezone()).month for at in contacts.values_list("at", flat=True)}
    assert months == {1, 2, 3, 4, 5}
    assert contacts.values("member").distinct().count() > 50
    # Quarterly reports, most members, some answered.
    reports = Report.objects.filter(member__in=members)
    assert reports.filter(title="2026年第一季度思想汇报").count() > 40
    assert 0 < reports.filter(replied_at__isnull=False).count() < reports.count()
    assert not reports.filter(submitted_at__gte=timezone.now()).exists()
    # The automatic items reflect them: a spread, not everyone the same.
    contact_points = set(
        ItemScore.objects.filter(assessment__evaluation=evaluation, item__method="contact").values_list(
            "points", flat=True
        )
    )
    report_points = set(
        ItemScore.objects.filter(assessment__evaluation=evaluation, item__method="reports").values_list(
            "points", flat=True
        )
    )
    assert len(contact_points) > 1 and len(report_points) > 1
    assert max(report_points) == Item.objects.get(section__scheme=evaluation.scheme, method="reports").points


def test_last_years_branch_round_is_final_and_this_years_in_review():
    seed_all()
    last = demo.branch_round(2025)
    assert last.scheme.source == "bastion" and last.organization.code == member_demo.COMMITTEE_CODE
    assert last.stage == Evaluation.Stage.FINAL
    assert last.publicity_ends_at <= last.finalized_at <= timezone.now()
    results = {a.branch.code: a for a in last.assessments.select_related("branch")}
    assert set(results) == {"demo-online", "demo-zongcai-1", "demo-jidian", "demo-jiguan"}
    assert all(a.unscored == 0 and a.rating for a in results.values())
    # A few branches were given lower points by hand, so the chart is not four equal bars.
    assert len({a.total for a in results.values()}) > 1
    assert {a.rating for a in results.values()} == {"advanced", "qualified"}
    assert results["demo-jidian"].total < results["demo-zongcai-1"].total
    lowered = ScoreChange.objects.filter(evaluation=last, what="points", assessment=results["demo-jidian"])
    assert lowered.exclude(reason="").count() == lowered.count() > 0
    reviewer = ScoreChange.objects.filter(evaluation=last, what="points").values_list("user__phone", flat=True)
    assert set(reviewer) == {member_demo.demo_phone(1)}

    this = demo.branch_round(2026)
    assert this.stage == Evaluation.Stage.REVIEW
    assert this.assessments.count() == 4
    assert this.assessments.filter(unscored=0).count() == 0


def test_re_running_the_demo_changes_nothing():
    first = seed_all()
    assert first["rounds"] == 3 and first["schemes"] == 3
    before = snapshot()
    assert seed_all() == {}
    assert snapshot() == before


def test_without_the_demo_committee_it_does_nothing():
    assert demo.seed(TODAY) == {}
    assert not Scheme.objects.exists()


def test_seed_demo_command_seeds_the_evaluation_year_after_the_activities():
    call_command("seed_demo", force=True, stdout=io.StringIO())
    year = timezone.localdate().year
    assert demo.member_round().stage == Evaluation.Stage.SELF_ASSESSMENT
    assert demo.branch_round(year - 1).stage == Evaluation.Stage.FINAL
    assert demo.branch_round(year).stage == Evaluation.Stage.REVIEW
