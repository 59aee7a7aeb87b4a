"""Schemes: the list and the library, copying, the scheme page, editing until a round uses it."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal as D

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from branches.models import Organization
from branches.tests.factories import OrganizationFactory
from evaluations import library, services
from evaluations.models import Item, Scheme, Section

from .conftest import YEAR, build_branch_scheme, build_member_scheme

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_the_year():
    with time_machine.travel(dt.datetime(YEAR, 1, 20, 10, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def english(client, settings):
    settings.LANGUAGE_CODE = "en"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def committee_client(english, committee_secretary):
    english.force_login(committee_secretary)
    return english


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def snapshot(scheme: Scheme):
    """Everything an edit could change, to show that a refused one changed nothing."""
    scheme.refresh_from_db()
    return (
        scheme.name,
        scheme.description,
        scheme.publicity_days,
        scheme.ratings,
        list(Section.objects.filter(scheme=scheme).values_list("pk", "title", "kind", "cap", "branch_type")),
        list(Item.objects.filter(section__scheme=scheme).values_list("pk", "title", "rule", "points", "method")),
    )


def branch_section(scheme: Scheme, branch_type: str = "") -> Section:
    return scheme.sections.get(kind="basic", branch_type=branch_type)


# --- Permissions ----------------------------------------------------------------------------


def test_users_without_a_role_get_403_on_lists_and_404_on_schemes(client, member, branch_scheme):
    client.force_login(member.user)
    section = branch_section(branch_scheme)
    item = section.items.first()
    assert client.get(reverse("evaluations:schemes")).status_code == 403
    response = client.post(reverse("evaluations:copy_scheme"), {"library": "bastion", "year": YEAR})
    assert response.status_code == 403
    for url in (
        reverse("evaluations:scheme", args=[branch_scheme.pk]),
        reverse("evaluations:scheme_edit", args=[branch_scheme.pk]),
        reverse("evaluations:scheme_section", args=[section.pk]),
        reverse("evaluations:scheme_item", args=[item.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert Scheme.objects.count() == 1


def test_login_is_required(client, branch_scheme):
    response = client.get(reverse("evaluations:scheme", args=[branch_scheme.pk]))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_another_subtree_gets_404_and_changes_nothing(client, secretary, branch_scheme):
    """alice manages branch A only: the committee's scheme does not exist for her."""
    client.force_login(secretary)
    section = branch_section(branch_scheme)
    item = section.items.first()
    before = snapshot(branch_scheme)
    assert client.get(reverse("evaluations:scheme", args=[branch_scheme.pk])).status_code == 404
    for url in (
        reverse("evaluations:scheme_edit", args=[branch_scheme.pk]),
        reverse("evaluations:scheme_add_section", args=[branch_scheme.pk]),
        reverse("evaluations:scheme_section", args=[section.pk]),
        reverse("evaluations:scheme_add_item", args=[section.pk]),
        reverse("evaluations:scheme_item", args=[item.pk]),
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"title": "x", "name": "x", "points": "1"}).status_code == 404, url
    for url in (
        reverse("evaluations:scheme_delete_section", args=[section.pk]),
        reverse("evaluations:scheme_delete_item", args=[item.pk]),
    ):
        assert client.post(url).status_code == 404, url
    assert snapshot(branch_scheme) == before


def test_deleting_needs_post(committee_client, branch_scheme):
    item = branch_section(branch_scheme).items.first()
    response = committee_client.get(reverse("evaluations:scheme_delete_item", args=[item.pk]))
    assert response.status_code == 405
    assert Item.objects.filter(pk=item.pk).exists()


# --- The list and the library ---------------------------------------------------------------


def test_list_shows_the_managed_schemes_by_year_and_whether_they_are_frozen(
    committee_client, committee, committee_secretary, branch_scheme, member_scheme
):
    last_year = build_branch_scheme(committee, YEAR - 1)
    last_year.name = "去年的堡垒指数"
    last_year.save()
    services.open_evaluation(branch_scheme, committee, committee_secretary)

    response = committee_client.get(reverse("evaluations:schemes"))

    page = response.content.decode()
    assert response.status_code == 200
    assert page.index(f'id="year-{YEAR}"') < page.index(f'id="year-{YEAR - 1}"')
    current = page[page.index(f'id="scheme-{branch_scheme.pk}"') :]
    assert "堡垒指数 v1" in current
    assert "矿党委" in current
    assert "Frozen: in use" in current[: current.index("</li>")]
    old = page[page.index(f'id="scheme-{last_year.pk}"') :]
    assert "Editable" in old[: old.index("</li>")]
    # branch A's member scheme is not the committee's business
    assert f'id="scheme-{member_scheme.pk}"' not in page


def test_list_shows_the_library_with_its_item_counts(committee_client):
    response = committee_client.get(reverse("evaluations:schemes"))

    page = response.content.decode()
    for key, spec in library.SCHEMES.items():
        entry = page[page.index(f'id="library-{key}"') :]
        entry = entry[: entry.index("</li>")]
        n = sum(len(section.items) for section in spec.sections)
        assert spec.name in entry
        assert f"{n} items" in entry
    assert f'value="{YEAR}"' in page  # the copy form's year defaults to this year


def test_list_has_a_bounded_number_of_queries(committee_client, committee):
    for year in (YEAR - 2, YEAR):
        build_branch_scheme(committee, year)
    few = count_queries(committee_client, reverse("evaluations:schemes"))
    for n in range(10):
        branch = OrganizationFactory(parent=committee, branch_type="village")
        build_branch_scheme(branch, YEAR - n % 3)
        build_member_scheme(branch, YEAR)
    many = count_queries(committee_client, reverse("evaluations:schemes"))
    assert many == few


# --- Copying --------------------------------------------------------------------------------


def test_copying_from_the_library_makes_an_editable_scheme(committee_client, committee):
    response = committee_client.post(
        reverse("evaluations:copy_scheme"), {"organization": committee.pk, "year": YEAR, "library": "bastion"}
    )

    scheme = Scheme.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("evaluations:scheme", args=[scheme.pk])
    spec = library.SCHEMES["bastion"]
    assert (scheme.organization, scheme.year, scheme.name, scheme.version) == (committee, YEAR, spec.name, 1)
    assert Item.objects.filter(section__scheme=scheme).count() == sum(len(s.items) for s in spec.sections)


def test_copying_a_scheme_in_use_makes_the_next_version(committee_client, committee, committee_secretary):
    scheme = build_branch_scheme(committee)
    services.open_evaluation(scheme, committee, committee_secretary)
    data = {"organization": committee.pk, "year": YEAR, "scheme": scheme.pk}

    first = committee_client.post(reverse("evaluations:copy_scheme"), data)
    second = committee_client.post(reverse("evaluations:copy_scheme"), data)

    versions = list(Scheme.objects.filter(name=scheme.name, year=YEAR).order_by("version").values_list("version", "pk"))
    assert [v for v, _pk in versions] == [1, 2, 3]
    assert first["Location"] == reverse("evaluations:scheme", args=[versions[1][1]])
    assert second["Location"] == reverse("evaluations:scheme", args=[versions[2][1]])
    copy = Scheme.objects.get(pk=versions[1][1])
    assert copy.copied_from == scheme
    assert not copy.is_frozen
    assert list(Item.objects.filter(section__scheme=copy).values_list("title", "points", "method")) == list(
        Item.objects.filter(section__scheme=scheme).values_list("title", "points", "method")
    )


def test_copying_last_years_scheme_to_this_year(committee_client, committee):
    old = build_branch_scheme(committee, YEAR - 1)

    committee_client.post(
        reverse("evaluations:copy_scheme"), {"organization": committee.pk, "year": YEAR, "scheme": old.pk}
    )

    new = Scheme.objects.get(year=YEAR)
    assert (new.name, new.version, new.copied_from) == (old.name, 1, old)


@pytest.mark.parametrize(
    "data",
    [
        {"library": "bastion", "scheme": "own"},
        {},
        {"library": "no-such-scheme"},
        {"library": "bastion", "year": "1900"},
        {"library": "bastion", "year": "twenty"},
        {"library": "bastion", "organization": "elsewhere"},
        {"scheme": "elsewhere"},
        {"scheme": "999999"},
    ],
)
def test_copying_with_bad_input_shows_an_error_and_creates_nothing(committee_client, committee, branch_a, data):
    own = build_branch_scheme(committee, YEAR - 1)
    elsewhere = build_member_scheme(branch_a)
    post = {"organization": committee.pk, "year": YEAR}
    post.update(data)
    if post.get("organization") == "elsewhere":
        post["organization"] = branch_a.pk
    if post.get("scheme") == "own":
        post["scheme"] = own.pk
    if post.get("scheme") == "elsewhere":
        post["scheme"] = elsewhere.pk

    response = committee_client.post(reverse("evaluations:copy_scheme"), post)

    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()
    assert Scheme.objects.count() == 2


def test_a_branch_may_copy_the_scheme_of_the_committee_above_it(client, committee):
    from branches.models import Role
    from branches.tests.factories import RoleFactory
    from members.tests.factories import UserFactory

    branch = Organization.objects.get(code="team")
    user = UserFactory()
    RoleFactory(user=user, organization=branch, kind=Role.Kind.SECRETARY)
    scheme = build_branch_scheme(committee)
    client.force_login(user)

    response = client.post(
        reverse("evaluations:copy_scheme"), {"organization": branch.pk, "year": YEAR, "scheme": scheme.pk}
    )

    assert response.status_code == 302
    assert Scheme.objects.get(organization=branch).copied_from == scheme


# --- The scheme page ------------------------------------------------------------------------


def test_scheme_page_shows_sections_items_rules_totals_and_ratings(committee_client, branch_scheme):
    response = committee_client.get(reverse("evaluations:scheme", args=[branch_scheme.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    common = branch_section(branch_scheme)
    section = page[page.index(f'id="section-{common.pk}"') :]
    section = section[: section.index("</section>")]
    assert "共性指数" in section
    assert "Basic: items add up to the cap" in section
    assert "60.0 points" in section
    automatic = common.items.get(method="branch_activities")
    entry = section[section.index(f'id="item-{automatic.pk}"') :]
    assert "按月开展活动 · 10.0 points" in entry
    assert "Automatic: Activity days held." in entry
    assert "months whose activity day was held" in entry  # the rule's explanation
    manual = section[section.index(f'id="item-{common.items.get(method="manual").pk}"') :]
    assert "By hand" in manual
    typed = branch_section(branch_scheme, "village")
    assert "only for Village branches" in page[page.index(f'id="section-{typed.pk}"') :]
    reverse_section = branch_scheme.sections.get(kind="reverse")
    assert "Reverse: any one gives the lowest rating" in page[page.index(f'id="section-{reverse_section.pk}"') :]
    summary = page[page.index('id="summary"') :]
    summary = summary[: summary.index("</section>")]
    summary = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", summary))
    # 60 common + 40 individual, and only the common 60 for a type without its own section
    assert "Full marks, State-owned enterprise, Village branches 100.0 " in summary
    assert "Full marks, other branches 60.0 " in summary
    assert "Advanced from 90 Qualified from 60 Lagging from 0 " in summary
    assert "Publicity 5 days" in summary
    assert reverse("evaluations:scheme_add_section", args=[branch_scheme.pk]) in page
    assert 'id="frozen"' not in page


def test_one_full_mark_when_every_branch_type_reaches_the_same(committee_client, committee, committee_secretary):
    scheme = services.copy_from_library("bastion", committee, YEAR, committee_secretary)

    page = committee_client.get(reverse("evaluations:scheme", args=[scheme.pk])).content.decode()

    summary = page[page.index('id="summary"') :]
    summary = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", summary[: summary.index("</section>")]))
    assert "Full marks 100.0 " in summary
    assert "Full marks," not in summary


def test_member_scheme_page_shows_one_full_mark(committee_client, committee):
    scheme = build_member_scheme(committee)

    page = committee_client.get(reverse("evaluations:scheme", args=[scheme.pk])).content.decode()

    summary = page[page.index('id="summary"') :]
    summary = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", summary[: summary.index("</section>")]))
    assert "Full marks 100.0 " in summary  # basic 80 + bonus 10 + deduction 10
    assert "other branches" not in summary


def test_frozen_scheme_page_offers_a_new_version_instead_of_editing(
    committee_client, committee, committee_secretary, branch_scheme
):
    evaluation = services.open_evaluation(branch_scheme, committee, committee_secretary)

    page = committee_client.get(reverse("evaluations:scheme", args=[branch_scheme.pk])).content.decode()

    frozen = page[page.index('id="frozen"') :]
    assert "Copy as a new version" in frozen
    assert reverse("evaluations:round", args=[evaluation.pk]) in frozen
    assert f'name="scheme" value="{branch_scheme.pk}"' in frozen
    assert reverse("evaluations:scheme_add_section", args=[branch_scheme.pk]) not in page
    assert reverse("evaluations:scheme_edit", args=[branch_scheme.pk]) not in page


def test_scheme_page_has_a_bounded_number_of_queries(committee_client, committee, committee_secretary):
    small = build_branch_scheme(committee)
    services.open_evaluation(small, committee, committee_secretary)
    few = count_queries(committee_client, reverse("evaluations:scheme", args=[small.pk]))
    big = services.copy_from_library("bastion", committee, YEAR, committee_secretary)
    services.open_evaluation(big, Organization.objects.get(code="team"), committee_secretary)
    many = count_queries(committee_client, reverse("evaluations:scheme", args=[big.pk]))
    assert Item.objects.filter(section__scheme=big).count() > 3 * Item.objects.filter(section__scheme=small).count()
    assert many == few


# --- Editing --------------------------------------------------------------------------------


def test_editing_the_header_and_ratings(committee_client, branch_scheme):
    url = reverse("evaluations:scheme_edit", args=[branch_scheme.pk])
    assert committee_client.get(url).status_code == 200

    response = committee_client.post(
        url,
        {
            "name": " 堡垒指数（修订） ",
            "description": "新的说明",
            "publicity_days": "7",
            "rating_advanced": "85",
            "rating_qualified": "60.5",
            "rating_lagging": "0",
        },
    )

    assert response.status_code == 302
    branch_scheme.refresh_from_db()
    assert branch_scheme.name == "堡垒指数（修订）"
    assert branch_scheme.description == "新的说明"
    assert branch_scheme.publicity_days == 7
    assert branch_scheme.ratings == [["advanced", "85"], ["qualified", "60.5"], ["lagging", "0"]]
    assert branch_scheme.rating_for(D("86")) == "advanced"


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"rating_qualified": "95"}, "must start below Advanced"),
        ({"rating_qualified": "90"}, "must start below Advanced"),
        ({"rating_advanced": "-1"}, "greater than or equal to 0"),
        ({"rating_advanced": "90.05"}, "decimal place"),
        ({"rating_advanced": "abc"}, "Enter a number"),
        ({"publicity_days": "0"}, "greater than or equal to 1"),
        ({"name": ""}, "This field is required"),
    ],
)
def test_editing_the_header_with_bad_input_changes_nothing(committee_client, branch_scheme, change, error):
    before = snapshot(branch_scheme)
    data = {
        "name": "新名",
        "description": "",
        "publicity_days": "5",
        "rating_advanced": "90",
        "rating_qualified": "60",
        "rating_lagging": "0",
    }
    data.update(change)

    response = committee_client.post(reverse("evaluations:scheme_edit", args=[branch_scheme.pk]), data)

    assert response.status_code == 400
    assert error in response.content.decode()
    assert snapshot(branch_scheme) == before


def test_a_name_and_version_already_taken_is_refused(committee_client, committee, branch_scheme):
    other = build_member_scheme(committee)
    before = snapshot(other)

    response = committee_client.post(
        reverse("evaluations:scheme_edit", args=[other.pk]),
        {
            "name": branch_scheme.name,
            "publicity_days": "5",
            "rating_excellent": "90",
            "rating_qualified": "70",
            "rating_basically_qualified": "60",
            "rating_unqualified": "0",
        },
    )

    assert response.status_code == 400
    assert "already has a scheme of this name" in response.content.decode()
    assert snapshot(other) == before


def test_adding_and_editing_a_section(committee_client, branch_scheme):
    response = committee_client.post(
        reverse("evaluations:scheme_add_section", args=[branch_scheme.pk]),
        {"title": "社区特色", "kind": "bonus", "cap": "5.5", "branch_type": "community"},
    )

    section = branch_scheme.sections.get(title="社区特色")
    assert response["Location"].endswith(f"#section-{section.pk}")
    assert (section.kind, section.cap, section.branch_type) == ("bonus", D("5.5"), "community")
    assert section.position == 6  # after the five sections already there

    committee_client.post(
        reverse("evaluations:scheme_section", args=[section.pk]),
        {"title": "社区特色工作", "kind": "basic", "cap": "10", "branch_type": ""},
    )

    section.refresh_from_db()
    assert (section.title, section.kind, section.cap, section.branch_type) == ("社区特色工作", "basic", D("10"), "")


def test_a_member_scheme_has_no_branch_types(committee_client, committee):
    scheme = build_member_scheme(committee)
    url = reverse("evaluations:scheme_add_section", args=[scheme.pk])
    assert 'name="branch_type"' not in committee_client.get(url).content.decode()

    committee_client.post(url, {"title": "附加", "kind": "bonus", "cap": "5", "branch_type": "village"})

    assert scheme.sections.get(title="附加").branch_type == ""


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"title": "清零", "kind": "veto", "cap": "10"}, "have no points"),
        ({"title": "反向", "kind": "reverse", "cap": "0.1"}, "have no points"),
        ({"title": "负分", "kind": "basic", "cap": "-5"}, "greater than or equal to 0"),
        ({"title": "零头", "kind": "basic", "cap": "5.25"}, "decimal place"),
        ({"title": "", "kind": "basic", "cap": "5"}, "This field is required"),
        ({"title": "怪", "kind": "strange", "cap": "5"}, "Select a valid choice"),
        ({"title": "类型", "kind": "basic", "cap": "5", "branch_type": "castle"}, "Select a valid choice"),
    ],
)
def test_adding_a_bad_section_changes_nothing(committee_client, branch_scheme, data, error):
    before = snapshot(branch_scheme)

    response = committee_client.post(reverse("evaluations:scheme_add_section", args=[branch_scheme.pk]), data)

    assert response.status_code == 400
    assert error in response.content.decode()
    assert snapshot(branch_scheme) == before


def test_a_section_with_scored_items_cannot_become_a_reverse_list(committee_client, branch_scheme):
    section = branch_section(branch_scheme)
    before = snapshot(branch_scheme)

    response = committee_client.post(
        reverse("evaluations:scheme_section", args=[section.pk]),
        {"title": section.title, "kind": "reverse", "cap": "0"},
    )

    assert response.status_code == 400
    assert "Set this section&#x27;s items to 0 points" in response.content.decode()
    assert snapshot(branch_scheme) == before


def test_adding_and_editing_items(committee_client, branch_scheme):
    section = branch_section(branch_scheme)
    url = reverse("evaluations:scheme_add_item", args=[section.pk])
    page = committee_client.get(url).content.decode()
    assert '<option value="branch_visits">' in page
    assert '<option value="attendance">' not in page  # a member rule, not for a branch scheme

    response = committee_client.post(
        url, {"title": "走访困难党员", "rule": "自动计分", "points": "2.5", "method": "branch_visits"}
    )

    item = section.items.get(title="走访困难党员")
    assert response["Location"].endswith(f"#item-{item.pk}")
    assert (item.points, item.method, item.rule, item.position) == (D("2.5"), "branch_visits", "自动计分", 2)

    committee_client.post(
        reverse("evaluations:scheme_item", args=[item.pk]),
        {"title": "走访", "rule": "", "points": "3", "method": "manual"},
    )

    item.refresh_from_db()
    assert (item.title, item.points, item.method) == ("走访", D("3"), "manual")


def test_an_item_of_a_reverse_section_has_no_points(committee_client, branch_scheme):
    section = branch_scheme.sections.get(kind="reverse")
    url = reverse("evaluations:scheme_add_item", args=[section.pk])
    assert 'name="points"' not in committee_client.get(url).content.decode()

    committee_client.post(url, {"title": "发生群体性事件", "points": "5", "method": "branch_visits"})

    item = section.items.get(title="发生群体性事件")
    assert (item.points, item.method) == (D("0"), "manual")


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"points": "-1"}, "greater than or equal to 0"),
        ({"points": "1.25"}, "decimal place"),
        ({"points": "lots"}, "Enter a number"),
        ({"points": "100000"}, "digits in total"),
        ({"method": "attendance"}, "automatic rules for Branches"),
        ({"method": "no_such_rule"}, "automatic rules for Branches"),
        ({"title": ""}, "This field is required"),
    ],
)
def test_adding_a_bad_item_changes_nothing(committee_client, branch_scheme, data, error):
    section = branch_section(branch_scheme)
    before = snapshot(branch_scheme)
    post = {"title": "新项目", "rule": "", "points": "2", "method": "manual"}
    post.update(data)

    response = committee_client.post(reverse("evaluations:scheme_add_item", args=[section.pk]), post)

    assert response.status_code == 400
    assert error in response.content.decode()
    assert snapshot(branch_scheme) == before


def test_an_automatic_rule_cannot_deduct(committee_client, committee):
    scheme = build_member_scheme(committee)
    deduction = scheme.sections.get(kind="deduction")
    before = snapshot(scheme)

    response = committee_client.post(
        reverse("evaluations:scheme_add_item", args=[deduction.pk]),
        {"title": "缺勤", "points": "5", "method": "attendance"},
    )

    assert response.status_code == 400
    assert "cannot deduct" in response.content.decode()
    assert snapshot(scheme) == before


def test_deleting_an_item_and_a_section(committee_client, branch_scheme):
    section = branch_section(branch_scheme, "village")
    item = branch_section(branch_scheme).items.first()

    committee_client.post(reverse("evaluations:scheme_delete_item", args=[item.pk]))
    response = committee_client.post(reverse("evaluations:scheme_delete_section", args=[section.pk]))

    assert response["Location"] == reverse("evaluations:scheme", args=[branch_scheme.pk])
    assert not Item.objects.filter(pk=item.pk).exists()
    assert not Section.objects.filter(pk=section.pk).exists()
    assert not Item.objects.filter(section_id=section.pk).exists()


def test_editing_a_frozen_scheme_is_refused_and_changes_nothing(
    committee_client, committee, committee_secretary, branch_scheme
):
    services.open_evaluation(branch_scheme, committee, committee_secretary)
    section = branch_section(branch_scheme)
    item = section.items.first()
    before = snapshot(branch_scheme)
    scheme_url = reverse("evaluations:scheme", args=[branch_scheme.pk])
    attempts = [
        (
            reverse("evaluations:scheme_edit", args=[branch_scheme.pk]),
            {
                "name": "改名",
                "publicity_days": "9",
                "rating_advanced": "80",
                "rating_qualified": "50",
                "rating_lagging": "0",
            },
        ),
        (
            reverse("evaluations:scheme_add_section", args=[branch_scheme.pk]),
            {"title": "新", "kind": "basic", "cap": "5"},
        ),
        (reverse("evaluations:scheme_section", args=[section.pk]), {"title": "改", "kind": "basic", "cap": "50"}),
        (reverse("evaluations:scheme_add_item", args=[section.pk]), {"title": "新", "points": "1", "method": "manual"}),
        (reverse("evaluations:scheme_item", args=[item.pk]), {"title": "改", "points": "1", "method": "manual"}),
        (reverse("evaluations:scheme_delete_item", args=[item.pk]), {}),
        (reverse("evaluations:scheme_delete_section", args=[section.pk]), {}),
    ]
    for url, data in attempts:
        response = committee_client.post(url, data, follow=True)
        assert response.redirect_chain == [(scheme_url, 302)], url
        assert "A round already uses this scheme" in response.content.decode(), url
        # the edit forms themselves are not offered either
        assert committee_client.get(url).status_code in (302, 405), url
    assert snapshot(branch_scheme) == before
