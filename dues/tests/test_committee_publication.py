"""The half-year publication (党费收缴情况公示): published once, members told once, months paid but never incomes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from branches.models import Organization, Role
from branches.tests.factories import OrganizationFactory, RoleFactory
from dues import committee_data, services
from dues.errors import DuesError
from dues.models import Category, Publication, Relief
from members.models import Member
from members.tests.factories import MemberFactory, UserFactory
from notifications.models import Notification

pytestmark = pytest.mark.django_db

# The first half of 2026, published in July.
TODAY = dt.date(2026, 7, 3)
MONTHS = [dt.date(2026, m, 1) for m in range(1, 7)]
JAN, FEB, MAR, APR, MAY, JUN = MONTHS


def holder(organization: Organization, kind: str = Role.Kind.SECRETARY):
    user = UserFactory()
    RoleFactory(user=user, organization=organization, kind=kind)
    return user


def with_login(member: Member) -> Member:
    member.user = UserFactory(phone=member.phone)
    member.save()
    return member


def on_salary(branch: Organization, income_fen: int, **extra) -> Member:
    member = MemberFactory(organization=branch, **extra)
    services.set_basis(member, category=Category.SALARY, income_fen=income_fen, applies_from=JAN, today=TODAY)
    return member


@pytest.fixture
def tree():
    committee = OrganizationFactory(kind=Organization.Kind.COMMITTEE, name="党委")
    one = OrganizationFactory(parent=committee, name="一支部")
    two = OrganizationFactory(parent=committee, name="二支部")
    return committee, one, two


@pytest.fixture
def half(tree):
    """Branch one's first half: ann paid everything (with 5.00 extra), ben paid January to March and was
    exempt in May and June on hardship; carl left the branch in April. dora is in branch two."""
    _committee, one, two = tree
    ann = with_login(on_salary(one, 456700, name="ann"))  # 45.67 a month: 1 % of 4,567.00
    ben = with_login(on_salary(one, 200000, name="ben"))  # 10.00 a month
    carl = with_login(on_salary(one, 200000, name="carl"))
    dora = with_login(on_salary(two, 200000, name="dora"))
    services.add_relief(
        ben,
        kind=Relief.Kind.EXEMPT,
        first_month=MAY,
        last_month=JUN,
        reason="家庭困难",
        approved_on=APR,
        approved_by_name="党委",
        today=TODAY,
    )
    # Six months of 45.67 and 5.00 over.
    services.record_payment(ann, first_month=JAN, last_month=JUN, amount_fen=27902, paid_on=JUN, today=TODAY)
    services.record_payment(ben, first_month=JAN, last_month=MAR, amount_fen=3000, paid_on=MAR, today=TODAY)
    Member.objects.filter(pk=carl.pk).update(state=Member.State.TRANSFERRED_OUT, transferred_out_on=dt.date(2026, 4, 1))
    return {"ann": ann, "ben": ben, "carl": carl, "dora": dora}


def publish(client, branch, **data):
    return client.post(reverse("dues:publish", args=[branch.pk]), {"year": 2026, "half": 1, **data})


def test_a_secretary_publishes_a_half_year_once_and_members_are_told_once(client, tree, half, settings):
    _committee, one, _two = tree
    client.force_login(holder(one))
    response = publish(client, one)
    publication = Publication.objects.get(organization=one)
    assert response.status_code == 302
    assert response["Location"] == reverse("dues:publication", args=[publication.pk])
    assert (publication.year, publication.half, publication.show_amounts) == (2026, 1, False)

    again = publish(client, one, show_amounts="on")
    assert again.status_code == 200
    assert "已经公示" in again.content.decode() or "already published" in again.content.decode()
    assert Publication.objects.filter(organization=one).count() == 1
    assert Publication.objects.get(organization=one).show_amounts is False

    told = Notification.objects.filter(kind=committee_data.PUBLICATION_KIND)
    # The branch's active members; not carl, who left, nor dora of the other branch.
    assert set(told.values_list("member__name", flat=True)) == {"ann", "ben"}
    assert told.count() == 2
    assert set(told.values_list("url", flat=True)) == {reverse("dues:publication", args=[publication.pk])}


def test_the_service_refuses_a_second_publication_of_the_same_half(tree):
    _committee, one, _two = tree
    committee_data.publish(one, year=2026, half=1, today=TODAY)
    with pytest.raises(DuesError) as refused:
        committee_data.publish(one, year=2026, half=1, show_amounts=True, today=TODAY)
    assert refused.value.code == "already_published"
    assert Publication.objects.count() == 1


@pytest.mark.parametrize(
    ("year", "half", "code"),
    [(2026, 2, "not_begun"), (2027, 1, "not_begun"), (2007, 2, "not_begun"), (2026, 3, "bad_half")],
)
def test_a_half_that_has_not_begun_or_does_not_exist_is_refused(tree, year, half, code):
    _committee, one, _two = tree
    with pytest.raises(DuesError) as refused:
        committee_data.publish(one, year=year, half=half, today=dt.date(2026, 6, 30))
    assert refused.value.code == code
    assert not Publication.objects.exists()


def test_bad_input_on_the_form_gets_a_message_and_publishes_nothing(client, tree):
    _committee, one, _two = tree
    client.force_login(holder(one))
    for data in ({"year": "", "half": "1"}, {"year": "2026", "half": "3"}, {"year": "x", "half": "1"}):
        response = client.post(reverse("dues:publish", args=[one.pk]), data)
        assert response.status_code == 200
        assert 'class="errorlist' in response.content.decode()
    next_year = timezone.localdate().year + 1
    response = client.post(reverse("dues:publish", args=[one.pk]), {"year": next_year, "half": 1})
    assert "已开始" in response.content.decode() or "has begun" in response.content.decode()
    assert not Publication.objects.exists()
    assert not Notification.objects.exists()


def test_who_may_publish(client, tree):
    committee, one, two = tree
    url = reverse("dues:publish", args=[one.pk])
    client.force_login(holder(two))
    assert client.get(url).status_code == 404
    assert client.post(url, {"year": 2026, "half": 1}).status_code == 404
    client.force_login(with_login(MemberFactory(organization=one)).user)
    assert client.get(url).status_code == 404
    client.force_login(holder(committee))
    assert client.get(url).status_code == 200
    # Only branches publish their collection: the committee's own number is no page.
    assert client.get(reverse("dues:publish", args=[committee.pk])).status_code == 404
    assert not Publication.objects.exists()


def page_of(client, user, publication):
    client.force_login(user)
    return client.get(reverse("dues:publication", args=[publication.pk]))


def test_members_see_who_paid_which_months_and_never_an_income_or_amount(client, tree, half):
    _committee, one, _two = tree
    publication = committee_data.publish(one, year=2026, half=1, today=TODAY)
    response = page_of(client, half["ann"].user, publication)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    page = response.content.decode()
    for name in ("ann", "ben", "carl"):
        assert f'<th scope="row">{name}</th>' in page
    assert "dora" not in page
    _page, rows = committee_data.publication_table(publication)
    states = {row.name: [cell.state for cell in row.cells] for row in rows}
    assert states["ann"] == ["paid"] * 6
    assert states["ben"] == ["paid", "paid", "paid", "unpaid", "exempt", "exempt"]
    # carl's dues were written up to the month the basis was set; they are unpaid.
    assert states["carl"] == ["unpaid"] * 6
    for secret in ("4,567.00", "4567", "45.67", "2,000.00", "10.00", "5.00"):
        assert secret not in page, secret


def test_amounts_show_only_when_the_committee_chose_to(client, tree, half):
    _committee, one, _two = tree
    publication = committee_data.publish(one, year=2026, half=1, show_amounts=True, today=TODAY)
    page = page_of(client, half["ben"].user, publication).content.decode()
    assert "45.67" in page  # ann's monthly due
    assert "274.02" in page  # ann's six months
    assert "5.00" in page  # her voluntary extra
    assert "4,567.00" not in page  # never the income


def test_another_branchs_members_and_managers_do_not_find_it(client, tree, half):
    committee, one, two = tree
    publication = committee_data.publish(one, year=2026, half=1, today=TODAY)
    assert page_of(client, half["dora"].user, publication).status_code == 404
    assert page_of(client, holder(two), publication).status_code == 404
    # carl left the branch: its present is no longer his.
    assert page_of(client, half["carl"].user, publication).status_code == 404
    assert page_of(client, holder(one), publication).status_code == 200
    assert page_of(client, holder(committee), publication).status_code == 200
    assert page_of(client, half["ann"].user, publication).status_code == 200
    missing = reverse("dues:publication", args=[publication.pk + 1000])
    assert client.get(missing).status_code == 404


def test_members_list_their_own_branchs_publications(client, tree, half):
    _committee, one, two = tree
    mine = committee_data.publish(one, year=2026, half=1, today=TODAY)
    other = committee_data.publish(two, year=2026, half=1, today=TODAY)
    client.force_login(half["ann"].user)
    page = client.get(reverse("dues:publications")).content.decode()
    assert reverse("dues:publication", args=[mine.pk]) in page
    assert reverse("dues:publication", args=[other.pk]) not in page
    # A manager without a roster entry has no list of their own.
    client.force_login(holder(one))
    assert client.get(reverse("dues:publications")).status_code == 404


def test_the_publishing_page_lists_the_branchs_publications(client, tree):
    _committee, one, two = tree
    mine = committee_data.publish(one, year=2025, half=2, today=TODAY)
    other = committee_data.publish(two, year=2025, half=2, today=TODAY)
    client.force_login(holder(one))
    page = client.get(reverse("dues:publish", args=[one.pk])).content.decode()
    assert reverse("dues:publication", args=[mine.pk]) in page
    assert reverse("dues:publication", args=[other.pk]) not in page


def seed_branch(branch: Organization, members: int) -> None:
    for n in range(members):
        member = on_salary(branch, 300000)  # 15.00 a month
        if n % 2:
            services.record_payment(member, first_month=JAN, last_month=MAR, amount_fen=4500, paid_on=MAR, today=TODAY)


@pytest.mark.parametrize("members", [4, 40])
def test_the_publication_costs_the_same_queries_however_many_members(client, tree, members):
    _committee, one, _two = tree
    seed_branch(one, members)
    reader = with_login(MemberFactory(organization=one))
    publication = committee_data.publish(one, year=2026, half=1, show_amounts=True, today=TODAY)
    client.force_login(reader.user)
    client.get(reverse("dues:publication", args=[publication.pk]))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("dues:publication", args=[publication.pk]))
    assert response.content.decode().count('<th scope="row">') == members
    # session, user, publication, own entry (with the navigation's unread count, and no roles to read),
    # count, members, dues, extras, two for the summary
    assert len(queries) == 10, "\n".join(q["sql"][:120] for q in queries.captured_queries)


@pytest.mark.parametrize("count", [2, 12])
def test_the_lists_of_publications_cost_the_same_queries(client, tree, count):
    _committee, one, _two = tree
    reader = with_login(MemberFactory(organization=one))
    for n in range(count):
        Publication.objects.create(organization=one, year=2020 + n // 2, half=1 + n % 2, published_at=timezone.now())
    secretary = holder(one)
    client.force_login(reader.user)
    with CaptureQueriesContext(connection) as mine:
        assert client.get(reverse("dues:publications")).status_code == 200
    client.force_login(secretary)
    with CaptureQueriesContext(connection) as publishing:
        assert client.get(reverse("dues:publish", args=[one.pk])).status_code == 200
    assert (len(mine), len(publishing)) == (5, 7), [q["sql"][:80] for q in (*mine, *publishing)]
