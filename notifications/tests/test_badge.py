"""The unread badge in both bars follows the count on every request, though its markup is rendered once per count."""

import re

import pytest
from django.urls import reverse

from members.tests.factories import MemberFactory, UserFactory
from notifications.models import Notification
from notifications.services import Notice, notify_members

pytestmark = pytest.mark.django_db


def badges(client, url: str) -> list[str]:
    body = client.get(url).content.decode()
    return re.findall(r'<span aria-hidden="true">([^<]+)</span></span>', body)


def notify(member, n: int) -> None:
    notice = Notice(kind="test", title="通知", body="正文", url="")
    notify_members([member.pk], notice, key=f"t:{n}:{{member}}")


def test_the_badge_counts_new_and_opened_notices_on_the_next_page(client, member):
    client.force_login(member.user)
    assert badges(client, reverse("members:me")) == []
    notify(member, 1)
    notify(member, 2)
    assert badges(client, reverse("members:me")) == ["2", "2"]  # the top bar and the tab bar
    notify(member, 3)
    assert badges(client, reverse("home")) == ["3", "3"]
    first = Notification.objects.filter(member=member).first()
    client.get(reverse("notifications:open", args=[first.pk]))
    assert badges(client, reverse("members:me")) == ["2", "2"]


def test_each_member_sees_their_own_count(client, member, branch_a):
    other = MemberFactory(organization=branch_a, user=UserFactory())
    notify(member, 1)
    for n in range(5):
        notify(other, 10 + n)
    client.force_login(member.user)
    assert badges(client, reverse("members:me")) == ["1", "1"]
    client.force_login(other.user)
    assert badges(client, reverse("members:me")) == ["5", "5"]


def test_a_login_without_a_roster_entry_gets_no_member_tabs(client, db):
    client.force_login(UserFactory())
    body = client.get(reverse("notifications:inbox")).content.decode()
    tabbar = re.search(r'<nav class="tabbar"[^>]*>(.*?)</nav>', body, flags=re.S).group(1)
    assert reverse("activities:study") not in tabbar and reverse("notifications:inbox") in tabbar
