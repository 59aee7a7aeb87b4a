import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from members.access import own_member
from members.tests.factories import MemberFactory, UserFactory
from notifications.context_processors import navigation
from notifications.models import Notification
from notifications.services import Notice, mark_read, notify_members, notify_users, read_receipts

pytestmark = pytest.mark.django_db


def notice(title="通知", url=""):
    return Notice(kind="test", title=title, body="正文", url=url)


def test_the_inbox_lists_notices_to_my_roster_entry_and_to_my_login_newest_first(client, member):
    with time_machine.travel(dt.datetime(2026, 7, 1, 9, 0, tzinfo=dt.UTC), tick=False):
        notify_members([member.pk], notice("旧的"), key="t:1:{member}")
    with time_machine.travel(dt.datetime(2026, 7, 2, 9, 0, tzinfo=dt.UTC), tick=False):
        notify_users([member.user_id], notice("新的"), key="t:2:{user}")
    client.force_login(member.user)
    response = client.get(reverse("notifications:inbox"))
    assert response.status_code == 200
    assert [n.title for n in response.context["page"]] == ["新的", "旧的"]


def test_the_inbox_does_not_show_other_peoples_notices(client, member, outsider):
    notify_members([outsider.pk], notice("别人的"), key="t:1:{member}")
    client.force_login(member.user)
    response = client.get(reverse("notifications:inbox"))
    assert "别人的" not in response.content.decode()


def test_unread_notices_are_marked_in_the_list(client, member):
    notify_members([member.pk], notice("未读"), key="t:1:{member}")
    client.force_login(member.user)
    body = client.get(reverse("notifications:inbox"), headers={"accept-language": "en"}).content.decode()
    assert 'class="row unread"' in body
    assert "Unread:" in body


def test_opening_a_notice_sets_read_at_once(client, member):
    notify_members([member.pk], notice(url=reverse("home")), key="t:1:{member}")
    notification = Notification.objects.get()
    client.force_login(member.user)
    with time_machine.travel(dt.datetime(2026, 7, 1, 9, 0, tzinfo=dt.UTC), tick=False):
        response = client.get(reverse("notifications:open", args=[notification.pk]))
    assert response.status_code == 200
    assert f'href="{reverse("home")}"' in response.content.decode()
    first = Notification.objects.get().read_at
    assert first == dt.datetime(2026, 7, 1, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(dt.datetime(2026, 7, 3, 9, 0, tzinfo=dt.UTC), tick=False):
        client.get(reverse("notifications:open", args=[notification.pk]))
    assert Notification.objects.get().read_at == first


def test_mark_read_reports_whether_it_recorded_the_receipt(member):
    notify_members([member.pk], notice(), key="t:1:{member}")
    notification = Notification.objects.get()
    assert mark_read(notification) is True
    assert mark_read(notification) is False


def test_a_foreign_link_in_a_notice_is_not_offered_as_a_button(client, member):
    notify_members([member.pk], notice(url="https://evil.example/"), key="t:1:{member}")
    client.force_login(member.user)
    response = client.get(reverse("notifications:open", args=[Notification.objects.get().pk]))
    assert "evil.example" not in response.content.decode()


def test_opening_another_persons_notice_is_404_and_leaves_it_unread(client, member, outsider):
    notify_members([outsider.pk], notice(), key="t:1:{member}")
    notification = Notification.objects.get()
    client.force_login(member.user)
    assert client.get(reverse("notifications:open", args=[notification.pk])).status_code == 404
    assert Notification.objects.get().read_at is None


@pytest.mark.parametrize("name, args", [("notifications:inbox", []), ("notifications:open", [1])])
def test_inbox_pages_require_login(client, name, args):
    response = client.get(reverse(name, args=args))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_inbox_pages_reject_wrong_method(client, member):
    notify_members([member.pk], notice(), key="t:1:{member}")
    client.force_login(member.user)
    assert client.post(reverse("notifications:inbox")).status_code == 405
    assert client.post(reverse("notifications:open", args=[Notification.objects.get().pk])).status_code == 405


@pytest.mark.parametrize("size", [3, 60])
def test_inbox_query_count_does_not_grow_with_the_inbox(client, member, size, django_assert_max_num_queries):
    notify_members([member.pk], notice(), key="t:{member}")
    for n in range(size):
        notify_users([member.user_id], notice(), key=f"t:{n}:{{user}}")
    client.force_login(member.user)
    # session, user, count, page, navigation
    with django_assert_max_num_queries(5):
        response = client.get(reverse("notifications:inbox"))
    assert response.status_code == 200


def test_the_navigation_counts_unread_notices_in_one_query(rf, member, django_assert_num_queries):
    notify_members([member.pk], notice(), key="a:{member}")
    notify_users([member.user_id], notice(), key="b:{user}")
    notify_users([member.user_id], notice(), key="c:{user}")
    mark_read(Notification.objects.get(key=f"c:{member.user_id}"))
    other = MemberFactory(user=UserFactory())
    notify_members([other.pk], notice(), key="d:{member}")
    request = rf.get("/")
    request.user = member.user
    nav = navigation(request)["nav"]
    with django_assert_num_queries(1):
        assert nav["unread"] == 2
        assert nav["is_member"] is True
        assert nav["manages"] is False


def test_the_navigation_asks_nothing_when_the_page_loaded_the_members_entry(rf, member, django_assert_num_queries):
    notify_members([member.pk], notice(), key="a:{member}")
    notify_users([member.user_id], notice(), key="b:{user}")
    request = rf.get("/")
    request.user = member.user
    with django_assert_num_queries(1):
        assert own_member(request.user) == member
    nav = navigation(request)["nav"]
    with django_assert_num_queries(0):
        assert (nav["unread"], nav["is_member"], nav["manages"]) == (2, True, False)


def test_a_notice_opened_is_no_longer_counted_on_its_own_page(client, member):
    notify_members([member.pk], notice(), key="a:{member}")
    notify_members([member.pk], notice(), key="b:{member}")
    opened = Notification.objects.get(key=f"a:{member.pk}")
    client.force_login(member.user)
    response = client.get(reverse("notifications:open", args=[opened.pk]))
    assert response.context["nav"]["unread"] == 1
    response = client.get(reverse("notifications:open", args=[opened.pk]))
    assert response.context["nav"]["unread"] == 1


def test_the_navigation_knows_a_secretary_without_roster_entry(rf, secretary):
    request = rf.get("/")
    request.user = secretary
    nav = navigation(request)["nav"]
    assert (nav["unread"], nav["is_member"], nav["manages"]) == (0, False, True)


def test_the_navigation_asks_nothing_for_anonymous_visitors(rf, django_assert_num_queries):
    from django.contrib.auth.models import AnonymousUser

    request = rf.get("/")
    request.user = AnonymousUser()
    with django_assert_num_queries(0):
        assert navigation(request) == {}


def test_the_tab_bar_shows_the_unread_badge(client, member):
    notify_members([member.pk], notice(), key="t:1:{member}")
    client.force_login(member.user)
    body = client.get(reverse("notifications:inbox")).content.decode()
    assert 'class="tabbar"' in body
    assert 'class="tab-badge"' in body


def test_read_receipts_count_read_and_total_for_a_key_prefix(member, outsider):
    third = MemberFactory()
    notify_members([member.pk, outsider.pk, third.pk], notice(), key="material:7:{member}")
    notify_members([member.pk], notice(), key="material:70:{member}")
    mark_read(Notification.objects.get(key=f"material:7:{member.pk}"))
    mark_read(Notification.objects.get(key=f"material:70:{member.pk}"))
    assert read_receipts("material:7:") == (1, 3)
    assert read_receipts("nothing:") == (0, 0)


def test_notify_counts_the_rows_it_wrote_not_the_ids_it_was_given(member, outsider):
    assert notify_members([member.pk], notice(), key="n:{member}") == 1
    assert notify_members([member.pk, outsider.pk], notice(), key="n:{member}") == 1
    assert notify_members([member.pk, outsider.pk], notice(), key="n:{member}") == 0
    assert notify_users([member.user_id], notice(), key="u:{user}") == 1
    assert notify_users([member.user_id, outsider.user_id], notice(), key="u:{user}") == 1
    assert notify_users([member.user_id, outsider.user_id], notice(), key="u:{user}") == 0
    assert Notification.objects.filter(key__startswith="n:").count() == 2
    assert Notification.objects.filter(key__startswith="u:").count() == 2
