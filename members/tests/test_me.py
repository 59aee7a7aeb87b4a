import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from branches.tests.factories import GroupFactory
from members.tests.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db


@time_machine.travel(dt.datetime(2026, 7, 2, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))))
def test_me_shows_my_profile_masked_with_birthday_and_links(client, branch_a):
    group = GroupFactory(parent=branch_a, name="第一党小组")
    user = UserFactory()
    member = MemberFactory(
        user=user,
        phone=user.phone,
        organization=branch_a,
        group=group,
        joined_party_on=dt.date(2006, 7, 1),
        province="44",
        city="深圳",
        workplace="某建筑工地",
    )
    client.force_login(user)
    response = client.get(reverse("members:me"), headers={"accept-language": "en"})
    body = response.content.decode()
    assert response.status_code == 200
    assert member.masked_phone in body
    assert member.masked_id_number in body
    assert member.id_number not in body
    assert member.phone[3:] not in body
    assert branch_a.name in body
    assert "第一党小组" in body
    assert "深圳" in body
    assert "某建筑工地" in body
    assert "2006-07-01" in body
    assert "2027-07-01" in body
    assert response.context["party_age"] == 20
    for url in (reverse("reports:mine"), reverse("notifications:inbox"), reverse("account_change_password")):
        assert f'href="{url}"' in body
    assert f'href="{reverse("account_change_phone")}"' in body
    assert reverse("set_language") in body


def test_me_for_a_login_without_roster_entry_shows_account_links(client):
    user = UserFactory()
    client.force_login(user)
    response = client.get(reverse("members:me"), headers={"accept-language": "en"})
    assert response.status_code == 200
    assert "not linked to a roster entry" in response.content.decode()
    assert reverse("account_change_password") in response.content.decode()


def test_me_shows_only_my_own_entry(client, member, outsider):
    client.force_login(member.user)
    body = client.get(reverse("members:me")).content.decode()
    assert outsider.name not in body
    assert outsider.masked_phone not in body


def test_me_requires_login(client):
    response = client.get(reverse("members:me"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_me_rejects_wrong_method(client, member):
    client.force_login(member.user)
    assert client.post(reverse("members:me")).status_code == 405


def test_me_asks_a_bounded_number_of_queries(client, member, django_assert_max_num_queries):
    client.force_login(member.user)
    # session, user, member, navigation
    with django_assert_max_num_queries(4):
        assert client.get(reverse("members:me")).status_code == 200


def test_uploaded_files_are_not_served_from_media_url_even_in_debug(settings):
    import importlib

    import config.urls

    settings.DEBUG = True
    try:
        patterns = [str(p.pattern) for p in importlib.reload(config.urls).urlpatterns]
    finally:
        settings.DEBUG = False
        importlib.reload(config.urls)
    assert not any(settings.MEDIA_URL.strip("/") in pattern for pattern in patterns)


def test_a_transferred_out_member_still_sees_their_profile(client, member):
    from members.models import Member

    Member.objects.filter(pk=member.pk).update(
        state=Member.State.TRANSFERRED_OUT, transferred_out_on=dt.date(2026, 11, 30)
    )
    client.force_login(member.user)
    response = client.get(reverse("members:me"))
    assert response.context["member"] == member
    assert member.masked_phone in response.content.decode()
