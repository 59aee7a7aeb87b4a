"""The member's five places, in the tab bar (phones) and in the top bar (desktops): which one is current."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.models import MaterialDelivery
from activities.tests.factories import ActivityFactory, MaterialFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivery(member, branch_a):
    activity = ActivityFactory(organization=branch_a, date=dt.date(2026, 12, 6))
    material = MaterialFactory(title="全会公报", body="第一段")
    activity.materials.add(material)
    return MaterialDelivery.objects.create(
        member=member, material=material, activity=activity, delivered_at=timezone.now()
    )


def current_links(body: str, nav_class: str) -> list[str]:
    """The hrefs marked aria-current in the <nav> of that class."""
    nav = re.search(rf'<nav class="{nav_class}"[^>]*>(.*?)</nav>', body, flags=re.S)
    assert nav is not None, f"no {nav_class} on the page"
    return re.findall(r'<a href="([^"]+)" aria-current="page"', nav.group(1))


@pytest.mark.parametrize(
    ("page", "tab"),
    [
        (lambda d: reverse("activities:study"), "activities:study"),
        (lambda d: reverse("activities:material", args=[d.pk]), "activities:study"),
        (lambda d: reverse("activities:mine"), "activities:mine"),
        (lambda d: reverse("activities:member_detail", args=[d.activity_id]), "activities:mine"),
        (lambda d: reverse("home"), "home"),
        (lambda d: reverse("members:me"), "members:me"),
    ],
    ids=["study", "one-material", "activity", "one-activity", "home", "me"],
)
def test_each_page_marks_its_own_tab_in_both_bars(client, member, delivery, page, tab):
    client.force_login(member.user)
    body = client.get(page(delivery)).content.decode()
    assert current_links(body, "tabbar") == [reverse(tab)]
    assert current_links(body, "toptabs") == [reverse(tab)]


def test_the_top_bar_carries_the_same_member_links_as_the_tab_bar(client, member):
    client.force_login(member.user)
    body = client.get(reverse("home")).content.decode()
    tabbar = re.search(r'<nav class="tabbar"[^>]*>(.*?)</nav>', body, flags=re.S).group(1)
    toptabs = re.search(r'<nav class="toptabs"[^>]*>(.*?)</nav>', body, flags=re.S).group(1)
    links = re.findall(r'<a href="([^"]+)"', tabbar)
    assert links == re.findall(r'<a href="([^"]+)"', toptabs)
    assert links == [
        reverse("home"),
        reverse("activities:study"),
        reverse("activities:mine"),
        reverse("notifications:inbox"),
        reverse("members:me"),
    ]


def test_no_member_links_for_a_visitor(client):
    body = client.get(reverse("account_login")).content.decode()
    assert 'class="toptabs"' not in body and 'class="tabbar"' not in body
