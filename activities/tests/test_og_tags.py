"""Link previews: a study material or an activity day shared to a WeChat chat says what it is about, never who."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
import time_machine
from django.urls import reverse

from activities.models import MaterialDelivery
from activities.tests.factories import ActivityFactory, MaterialFactory
from members.models import Member

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
DURING = dt.datetime(2026, 12, 6, 9, 30, tzinfo=SHANGHAI)
META = re.compile(r'<meta (?:property|name)="([^"]+)" content="([^"]*)">')


def tags(response) -> dict[str, str]:
    return {name: html.unescape(value) for name, value in META.findall(response.content.decode())}


@pytest.fixture
def activity(branch_a):
    return ActivityFactory(organization=branch_a, date=dt.date(2026, 12, 6), place="幸福路8号党员活动室")


@pytest.fixture
def delivery(member, activity):
    material = MaterialFactory(title="全会公报学习", body="<p>第一段：全面从严治党。</p>\n第二段" + "。" * 200)
    activity.materials.add(material)
    return MaterialDelivery.objects.create(member=member, material=material, activity=activity, delivered_at=DURING)


def personal(member: Member) -> list[str]:
    user = member.user
    return [member.name, member.phone, member.phone[3:], member.id_number or "", member.city, user.name, user.phone]


def assert_no_personal_data(found: dict[str, str], member: Member) -> None:
    text = " ".join(found.values())
    for value in personal(member):
        if value:
            assert value not in text, value


@time_machine.travel(DURING, tick=False)
def test_a_study_material_page_previews_the_material(client, member, delivery):
    Member.objects.filter(pk=member.pk).update(city="深圳")
    member.refresh_from_db()
    client.force_login(member.user)
    url = reverse("activities:material", args=[delivery.pk])
    found = tags(client.get(url, headers={"user-agent": "MicroMessenger/8.0.49"}))
    assert found["og:title"] == "全会公报学习"
    assert found["og:type"] == "article"
    assert found["og:description"].startswith("第一段：全面从严治党。") and "<p>" not in found["og:description"]
    assert len(found["og:description"]) <= 120
    assert found["description"] == found["og:description"]
    assert found["og:url"] == f"http://testserver{url}"
    assert found["og:image"].startswith("http://testserver/static/icons/icon-512")
    assert found["og:image"].endswith(".png")
    assert_no_personal_data(found, member)


@time_machine.travel(DURING, tick=False)
def test_an_activity_page_previews_its_theme_not_its_place_or_people(client, member, activity):
    client.force_login(member.user)
    url = reverse("activities:member_detail", args=[activity.pk])
    found = tags(client.get(f"{url}?from=share"))
    assert found["og:title"] == "2026-12-06 统一活动日"
    assert found["og:description"] == activity.theme
    assert found["og:url"] == f"http://testserver{url}"  # no query string
    assert "幸福路" not in " ".join(found.values())
    assert_no_personal_data(found, member)


@time_machine.travel(DURING, tick=False)
def test_an_activity_without_a_theme_gets_a_general_description(client, member, activity):
    activity.theme = ""
    activity.save(update_fields=["theme"])
    client.force_login(member.user)
    found = tags(client.get(reverse("activities:member_detail", args=[activity.pk]), headers={"accept-language": "en"}))
    assert found["og:description"] == "The branch's activity day: study, check-in and organizational life."


def test_every_page_seen_without_a_login_has_the_site_preview(client, member):
    for url in (reverse("account_login"), reverse("home")):
        found = tags(client.get(url))
        assert found["og:type"] == "website" and found["og:title"] == "网络党支部"
        assert found["description"] and found["og:image"].endswith(".png")
    # A preview fetcher never logs in: a logged-in page that nobody shares spends nothing on them.
    client.force_login(member.user)
    assert not any(key.startswith("og:") for key in tags(client.get(reverse("members:me"))))
