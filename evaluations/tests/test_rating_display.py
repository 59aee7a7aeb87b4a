"""A rating is shown only once it exists, and its colour follows its place: at every stage of a round."""

from __future__ import annotations

import datetime as dt
import importlib
import re

import pytest
import time_machine
from django.apps import apps
from django.urls import reverse

from branches.models import Organization
from evaluations import services
from evaluations.models import Assessment, Evaluation, Item, Scheme
from members.tests.factories import MemberFactory, UserFactory

from .conftest import BRANCH_RATINGS, MEMBER_RATINGS, YEAR

pytestmark = pytest.mark.django_db

NOW = dt.datetime(YEAR, 1, 20, 10, tzinfo=dt.UTC)
LABELS = ("Excellent", "Qualified", "Basically qualified", "Unqualified", "Advanced", "Lagging")


@pytest.fixture(autouse=True)
def _early_in_the_year():
    """No month has ended: automatic items give full points (30 of the member scheme's basic 80)."""
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def english(client, settings):
    settings.LANGUAGE_CODE = "en"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def item(scheme, title: str) -> Item:
    return Item.objects.get(section__scheme=scheme, title=title)


def result(evaluation: Evaluation, name: str) -> Assessment:
    return evaluation.assessments.select_related("evaluation__scheme", "member").get(member__name=name)


@pytest.fixture
def people(branch_a, member):
    """bob (the fixture member), anna and dave, each with a login."""
    for name in ("anna", "dave"):
        user = UserFactory(name=name)
        MemberFactory(name=name, organization=branch_a, user=user, phone=user.phone)
    return branch_a


@pytest.fixture
def round_(member_scheme, secretary, people):
    return services.open_evaluation(member_scheme, member_scheme.organization, secretary)


def review(evaluation: Evaluation, secretary) -> Evaluation:
    """Review starts; dave's clear-to-zero situation is found at once, nobody is scored yet."""
    evaluation = services.advance(evaluation, secretary)
    services.set_found(result(evaluation, "dave"), item(evaluation.scheme, "违法犯罪"), secretary, True, "刑事处罚")
    return evaluation


def score_anna(evaluation: Evaluation, secretary) -> None:
    """30 automatic + 50 + a 7.5 bonus + the untouched deduction 10: 97.5, excellent."""
    anna = result(evaluation, "anna")
    services.score_item(anna, item(evaluation.scheme, "发挥作用"), secretary, "50", "表现突出")
    services.score_item(anna, item(evaluation.scheme, "受到表彰"), secretary, "7.5", "矿级表彰")


def publish(evaluation: Evaluation, secretary) -> Evaluation:
    """The rest get 45.5 (bob: 85.5, qualified) and the results are published."""
    role = item(evaluation.scheme, "发挥作用")
    services.score_item_for_rest(evaluation, role, secretary, "45.5", "按要求完成")
    return services.advance(evaluation, secretary, now=NOW)


def finalize(evaluation: Evaluation, secretary) -> Evaluation:
    return services.advance(evaluation, secretary, now=NOW + dt.timedelta(days=30))


STAGES = {
    # stage: what each of anna, bob and dave shows, as (tone, label)
    "self": {"anna": ("pending", None), "bob": ("pending", None), "dave": ("pending", None)},
    "review": {"anna": ("pending", None), "bob": ("pending", None), "dave": ("worst", "Unqualified")},
    "review-scored": {"anna": ("best", "Excellent"), "bob": ("pending", None), "dave": ("worst", "Unqualified")},
    "publicity": {"anna": ("best", "Excellent"), "bob": ("middle", "Qualified"), "dave": ("worst", "Unqualified")},
    "final": {"anna": ("best", "Excellent"), "bob": ("middle", "Qualified"), "dave": ("worst", "Unqualified")},
}


def at_stage(stage: str, evaluation: Evaluation, secretary) -> Evaluation:
    if stage == "self":
        return evaluation
    evaluation = review(evaluation, secretary)
    if stage == "review":
        return evaluation
    score_anna(evaluation, secretary)
    if stage == "review-scored":
        return evaluation
    evaluation = publish(evaluation, secretary)
    return evaluation if stage == "publicity" else finalize(evaluation, secretary)


def badges(html: str) -> list[tuple[str, str]]:
    """Every rating shown in ``html``: (tone, text)."""
    found = re.findall(r'<(?:span|strong) class="[^"]*rating-(\w+)">([^<]*)</', html)
    return [(tone, text.strip()) for tone, text in found]


def expected(tone: str, label: str | None) -> tuple[str, str]:
    return (tone, label or "Not rated yet")


def round_rows(html: str) -> dict[str, str]:
    table = html[html.index('id="results"') :]
    rows = re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a></th>(.*?)</tr>', table, flags=re.S)
    return dict(rows)


@pytest.mark.parametrize("stage", list(STAGES))
def test_the_round_page_rates_a_result_only_once_it_exists(english, round_, secretary, stage):
    evaluation = at_stage(stage, round_, secretary)
    english.force_login(secretary)
    page = english.get(reverse("evaluations:round", args=[evaluation.pk])).content.decode()
    rows = round_rows(page)
    assert set(rows) == {"anna", "bob", "dave"}
    for name, (tone, label) in STAGES[stage].items():
        assert badges(rows[name]) == [expected(tone, label)], name


@pytest.mark.parametrize("stage", list(STAGES))
def test_the_review_page_heads_a_result_with_its_rating_only_once_it_exists(english, round_, secretary, stage):
    evaluation = at_stage(stage, round_, secretary)
    english.force_login(secretary)
    for name, (tone, label) in STAGES[stage].items():
        page = english.get(reverse("evaluations:review", args=[result(evaluation, name).pk])).content.decode()
        heading = page[page.index("<h1>") : page.index("</h1>")]
        assert badges(heading) == [expected(tone, label)], name
        if tone == "pending":
            # Neither the lowest rating a partial total would give, nor any other.
            assert not any(word in heading for word in LABELS)


@pytest.mark.parametrize("stage", list(STAGES))
def test_a_members_pages_show_their_rating_once_published_in_its_colour(english, round_, secretary, stage):
    evaluation = at_stage(stage, round_, secretary)
    published = stage in ("publicity", "final")
    for name, (tone, label) in STAGES[stage].items():
        own = result(evaluation, name)
        english.force_login(own.member.user)
        mine = english.get(reverse("evaluations:mine")).content.decode()
        page = english.get(reverse("evaluations:assessment", args=[own.pk])).content.decode()
        if published:
            assert badges(mine) == [expected(tone, label)], name
            assert badges(page) == [expected(tone, label)], name
        else:
            # Not even one already given in review: a member reads it once it is published.
            assert badges(mine) == [] and badges(page) == [], name
            assert "Unqualified" not in mine and "Unqualified" not in page


def test_ratings_are_stored_only_once_a_result_is_complete(round_, secretary):
    assert set(round_.assessments.values_list("rating", flat=True)) == {""}
    evaluation = services.advance(round_, secretary)
    # Review recalculated the automatic items, but every result still has an item nobody scored.
    assert set(evaluation.assessments.values_list("rating", flat=True)) == {""}
    score_anna(evaluation, secretary)
    ratings = dict(evaluation.assessments.values_list("member__name", "rating"))
    assert ratings == {"anna": "excellent", "bob": "", "dave": ""}
    services.rescore(evaluation, secretary)
    assert dict(evaluation.assessments.values_list("member__name", "rating")) == ratings


def test_a_branch_round_in_review_rates_no_branch_lagging_before_it_is_scored(
    english, branch_scheme, committee, committee_secretary
):
    evaluation = services.advance(
        services.open_evaluation(branch_scheme, committee, committee_secretary), committee_secretary
    )
    english.force_login(committee_secretary)
    page = english.get(reverse("evaluations:round", args=[evaluation.pk])).content.decode()
    table = page[page.index('id="results"') :]
    assert badges(table) == [("pending", "Not rated yet")] * 2
    assert "Lagging" not in table
    chart = english.get(reverse("evaluations:branch_chart")).content.decode()
    assert "Lagging" not in chart and "Not rated yet" in chart


@pytest.mark.parametrize(
    ("ratings", "tones"),
    [
        (MEMBER_RATINGS, {"excellent": "best", "qualified": "middle", "basically_qualified": "middle"}),
        (BRANCH_RATINGS, {"advanced": "best", "qualified": "middle", "lagging": "worst"}),
    ],
)
def test_the_tone_follows_the_schemes_order(ratings, tones):
    scheme = Scheme(ratings=ratings)
    for rating, tone in tones.items():
        assert scheme.rating_tone(rating) == tone
    assert scheme.rating_tone(ratings[-1][0]) == "worst"
    assert scheme.rating_tone("") == "pending"


def test_the_migration_clears_what_partial_totals_rated(round_, branch_scheme, committee, committee_secretary):
    clear = importlib.import_module("evaluations.migrations.0002_clear_provisional_ratings").clear_provisional_ratings
    reviewing = services.advance(services.open_evaluation(branch_scheme, committee, None), committee_secretary)
    team = Organization.objects.get(code="team")
    published = Evaluation.objects.create(
        scheme=branch_scheme, organization=team, year=YEAR, stage=Evaluation.Stage.PUBLICITY
    )
    # What the old rule stored: the lowest rating for every partial total.
    round_.assessments.update(rating="unqualified")
    reviewing.assessments.update(rating="lagging")
    scored = reviewing.assessments.get(branch=team)
    Assessment.objects.filter(pk=scored.pk).update(unscored=0, rating="qualified")
    kept = Assessment.objects.create(evaluation=published, branch=team, rating="lagging")

    clear(apps, None)

    assert set(round_.assessments.values_list("rating", flat=True)) == {""}
    assert dict(reviewing.assessments.values_list("branch__code", "rating")) == {"team": "qualified", "village": ""}
    kept.refresh_from_db()
    assert kept.rating == "lagging"
