"""The member's side of move reports: choosing a kind, sending it, reading what became of it, withdrawing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from itinerant.models import MoveReport
from itinerant.moves import MoveError, submit_move, withdraw_move
from members.models import Member, MemberChange
from members.tests.factories import MemberFactory, UserFactory

from .move_helpers import _fresh_rate_limits, make_report  # noqa: F401

pytestmark = pytest.mark.django_db

Kind = MoveReport.Kind


@pytest.fixture
def bob(member):
    member.is_itinerant = False
    member.province, member.city, member.workplace = "14", "大同", "东山煤矿"
    member.save()
    return member


@pytest.fixture
def client_bob(client, bob):
    client.force_login(bob.user)
    return client


def leaving_data(**extra) -> dict:
    return {
        "kind": "leaving",
        "reason": "外出务工",
        "from_date": "2026-03-01",
        "province": "44",
        "city": "东莞",
        "workplace": "某电子厂",
        "contact": "微信 bob-dg",
        **extra,
    }


def test_the_member_page_links_to_the_move_reports(client_bob):
    body = client_bob.get(reverse("members:me")).content.decode()
    assert reverse("itinerant:my_moves") in body


def test_the_report_page_first_offers_the_four_kinds(client_bob):
    response = client_bob.get(reverse("itinerant:report_move"))
    body = response.content.decode()
    assert response.status_code == 200
    for kind in Kind.values:
        assert f"?kind={kind}" in body
    assert "外出" in body


def test_going_away_is_sent_with_the_roster_values_of_the_moment(client_bob, bob):
    response = client_bob.post(reverse("itinerant:report_move"), leaving_data())
    assert response.status_code == 302
    assert response["Location"] == reverse("itinerant:my_moves")
    report = MoveReport.objects.get(member=bob)
    assert (report.kind, report.status, report.city, report.from_date) == (
        Kind.LEAVING,
        MoveReport.Status.PENDING,
        "东莞",
        dt.date(2026, 3, 1),
    )
    assert report.contact == "微信 bob-dg"
    assert report.before == {
        "is_itinerant": False,
        "province": "14",
        "city": "大同",
        "workplace": "东山煤矿",
        "left_home_on": None,
    }
    # Nothing on the roster changes until the secretary confirms.
    bob.refresh_from_db()
    assert (bob.is_itinerant, bob.city) == (False, "大同")
    assert not MemberChange.objects.filter(member=bob).exists()


def test_a_going_away_form_without_its_required_fields_is_refused_in_chinese(client_bob, bob):
    response = client_bob.post(reverse("itinerant:report_move"), {"kind": "leaving"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"reason", "from_date", "province", "city", "contact"}
    assert errors["city"] == ["这个字段是必填项。"]
    assert not MoveReport.objects.exists()


def test_the_going_away_form_has_iso_date_widgets_and_the_province_list(client_bob):
    body = client_bob.get(reverse("itinerant:report_move") + "?kind=leaving").content.decode()
    assert 'type="date"' in body
    assert 'value="44">广东省' in body
    # Labels in Chinese, the default language.
    assert "外出原因" in body
    assert "外出期间联系方式" in body


def test_a_new_place_starts_from_the_roster_and_sends_province_city_and_workplace(client_bob, bob):
    page = client_bob.get(reverse("itinerant:report_move") + "?kind=location")
    assert page.context["form"].initial == {"province": "14", "city": "大同", "workplace": "东山煤矿"}
    data = {"kind": "location", "province": "14", "city": "大同", "workplace": "新工地", "from_date": ""}
    assert client_bob.post(reverse("itinerant:report_move"), data).status_code == 302
    report = MoveReport.objects.get(member=bob)
    assert (report.kind, report.workplace, report.from_date) == (Kind.LOCATION, "新工地", None)
    assert report.before == {"province": "14", "city": "大同", "workplace": "东山煤矿"}


def test_back_home_needs_the_day(client_bob, bob):
    response = client_bob.post(reverse("itinerant:report_move"), {"kind": "return"})
    assert "from_date" in response.context["form"].errors
    assert (
        client_bob.post(reverse("itinerant:report_move"), {"kind": "return", "from_date": "2026-06-01"}).status_code
        == 302
    )
    assert MoveReport.objects.get(member=bob).kind == Kind.RETURN


def test_an_unknown_kind_shows_the_choice_again_and_writes_nothing(client_bob):
    response = client_bob.post(reverse("itinerant:report_move"), {"kind": "teleport", "city": "x"})
    assert response.status_code == 200
    assert response.templates[0].name == "itinerant/moves/choose.html"
    assert not MoveReport.objects.exists()


def test_a_new_number_cannot_be_sent_without_its_code(bob):
    with pytest.raises(MoveError) as refused:
        submit_move(bob, Kind.PHONE, {"new_phone": "+8613900139000"})
    assert refused.value.code == "not_verified"
    assert not MoveReport.objects.exists()


def test_a_transferred_out_member_reports_no_move(bob):
    bob.state = Member.State.TRANSFERRED_OUT
    bob.transferred_out_on = timezone.localdate()
    bob.save()
    with pytest.raises(MoveError) as refused:
        submit_move(bob, Kind.RETURN, {"from_date": dt.date(2026, 6, 1)})
    assert refused.value.code == "not_member"


def test_my_moves_lists_my_reports_with_the_secretarys_reason_when_asked_again(client_bob, bob, outsider):
    make_report(bob, Kind.LEAVING)
    asked = make_report(bob, Kind.LOCATION, ago=dt.timedelta(days=2))
    asked.status, asked.decision_note = MoveReport.Status.ASKED_AGAIN, "请写明具体城市"
    asked.save()
    make_report(outsider, Kind.LOCATION, city="别人的城市")
    body = client_bob.get(reverse("itinerant:my_moves")).content.decode()
    assert "东莞" in body
    assert "请写明具体城市" in body
    assert "别人的城市" not in body
    assert "等待书记确认" in body
    assert "请重新报告" in body


def test_a_former_member_still_reads_their_reports_but_cannot_withdraw(client_bob, bob):
    report = make_report(bob, Kind.LOCATION)
    bob.state = Member.State.TRANSFERRED_OUT
    bob.transferred_out_on = timezone.localdate()
    bob.save()
    response = client_bob.get(reverse("itinerant:my_moves"))
    assert response.status_code == 200
    assert "义乌" in response.content.decode()
    assert client_bob.post(reverse("itinerant:withdraw_move", args=[report.pk])).status_code == 404
    assert client_bob.get(reverse("itinerant:report_move")).status_code == 404


def test_the_member_withdraws_a_pending_report(client_bob, bob):
    report = make_report(bob)
    response = client_bob.post(reverse("itinerant:withdraw_move", args=[report.pk]))
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == MoveReport.Status.WITHDRAWN


def test_a_decided_report_cannot_be_withdrawn(bob):
    report = make_report(bob)
    MoveReport.objects.filter(pk=report.pk).update(status=MoveReport.Status.CONFIRMED)
    with pytest.raises(MoveError) as refused:
        withdraw_move(bob, report)
    assert refused.value.code == "already_decided"
    report.refresh_from_db()
    assert report.status == MoveReport.Status.CONFIRMED


def test_a_second_withdrawal_is_refused_and_changes_nothing(client_bob, bob):
    report = make_report(bob)
    client_bob.post(reverse("itinerant:withdraw_move", args=[report.pk]))
    response = client_bob.post(reverse("itinerant:withdraw_move", args=[report.pk]), follow=True)
    assert "该报告已经处理，不能撤回。" in response.content.decode()
    assert MoveReport.objects.get(pk=report.pk).status == MoveReport.Status.WITHDRAWN


def test_withdrawing_is_a_post(client_bob, bob):
    report = make_report(bob)
    assert client_bob.get(reverse("itinerant:withdraw_move", args=[report.pk])).status_code == 405


# --- Whose pages these are ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["itinerant:my_moves", "itinerant:report_move", "itinerant:verify_phone"])
def test_a_login_without_a_roster_entry_has_no_move_pages(client, db, name):
    client.force_login(UserFactory())
    assert client.get(reverse(name)).status_code == 404


def test_a_member_of_branch_b_cannot_withdraw_a_report_of_branch_a(client, bob, outsider):
    report = make_report(bob)
    client.force_login(outsider.user)
    assert client.post(reverse("itinerant:withdraw_move", args=[report.pk])).status_code == 404
    assert MoveReport.objects.get(pk=report.pk).status == MoveReport.Status.PENDING


def test_another_member_of_the_same_branch_cannot_withdraw_my_report(client, bob, branch_a):
    report = make_report(bob)
    neighbour = MemberFactory(organization=branch_a, user=UserFactory())
    client.force_login(neighbour.user)
    assert client.post(reverse("itinerant:withdraw_move", args=[report.pk])).status_code == 404


def test_the_secretary_cannot_withdraw_a_members_report(client, secretary, bob):
    report = make_report(bob)
    client.force_login(secretary)
    assert client.post(reverse("itinerant:withdraw_move", args=[report.pk])).status_code == 404
