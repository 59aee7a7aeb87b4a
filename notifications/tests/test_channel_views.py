import datetime as dt

import pytest
from django.urls import reverse

from branches.tests.factories import GroupFactory
from notifications.models import BranchChannels, MemberChannels, MessageTemplate

pytestmark = pytest.mark.django_db

WEBHOOK = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=secret-robot-key-abcd"
EN = {"accept-language": "en"}


def branch_url(org):
    return reverse("notifications:branch_channels", args=[org.pk])


def templates_url(org):
    return reverse("notifications:templates", args=[org.pk])


def edit_url(org, kind="activity_day", language="zh-hans"):
    return reverse("notifications:edit_template", args=[org.pk, kind, language])


# --- a member's channels ----------------------------------------------------------------------


def test_the_inbox_links_to_the_channels_page(client, member):
    client.force_login(member.user)
    body = client.get(reverse("notifications:inbox")).content.decode()
    assert reverse("notifications:channels") in body


def test_a_member_turns_sms_off_and_email_stays_on(client, member):
    client.force_login(member.user)
    response = client.post(reverse("notifications:channels"), {"email": "on"})
    assert response.status_code == 302
    channels = MemberChannels.objects.get(member=member)
    assert (channels.sms, channels.email) == (False, True)


def test_the_channels_page_asks_for_a_login(client):
    response = client.get(reverse("notifications:channels"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_the_channels_page_refuses_other_methods(client, member):
    client.force_login(member.user)
    assert client.put(reverse("notifications:channels")).status_code == 405


def test_a_login_without_a_roster_entry_cannot_post_channels(client, secretary):
    client.force_login(secretary)
    assert client.post(reverse("notifications:channels"), {"sms": "on"}).status_code == 404


def test_the_secretary_finds_the_branch_settings_from_the_channels_page(
    client, secretary, branch_a, django_assert_max_num_queries
):
    for _ in range(5):
        GroupFactory(parent=branch_a)
    client.force_login(secretary)
    with django_assert_max_num_queries(8):
        body = client.get(reverse("notifications:channels")).content.decode()
    assert branch_url(branch_a) in body


# --- a branch's channels ----------------------------------------------------------------------


def test_the_secretary_saves_quiet_hours_switches_and_the_robot(client, secretary, branch_a):
    client.force_login(secretary)
    data = {"quiet_from": "21:30", "quiet_until": "08:00", "email_enabled": "on", "webhook": WEBHOOK}
    response = client.post(branch_url(branch_a), data)
    assert response.status_code == 302
    channels = BranchChannels.objects.get(organization=branch_a)
    assert (channels.quiet_from, channels.quiet_until) == (dt.time(21, 30), dt.time(8, 0))
    assert (channels.sms_enabled, channels.email_enabled) == (False, True)
    assert channels.wecom_webhook == WEBHOOK


def test_the_saved_webhook_is_shown_masked_and_an_empty_field_keeps_it(client, secretary, branch_a):
    BranchChannels.objects.create(organization=branch_a, wecom_webhook=WEBHOOK)
    client.force_login(secretary)
    body = client.get(branch_url(branch_a)).content.decode()
    assert "secret-robot-key" not in body
    assert "****abcd" in body
    client.post(branch_url(branch_a), {"quiet_from": "22:00", "quiet_until": "07:00", "webhook": ""})
    assert BranchChannels.objects.get().wecom_webhook == WEBHOOK


def test_the_robot_can_be_removed(client, secretary, branch_a):
    BranchChannels.objects.create(organization=branch_a, wecom_webhook=WEBHOOK)
    client.force_login(secretary)
    client.post(branch_url(branch_a), {"quiet_from": "22:00", "quiet_until": "07:00", "remove_webhook": "on"})
    assert BranchChannels.objects.get().wecom_webhook == ""


def test_a_webhook_on_another_host_is_refused(client, secretary, branch_a):
    client.force_login(secretary)
    data = {"quiet_from": "22:00", "quiet_until": "07:00", "webhook": "https://10.0.0.1/send?key=x"}
    response = client.post(branch_url(branch_a), data, headers=EN)
    assert response.status_code == 200
    assert "webhook address" in response.content.decode()
    assert not BranchChannels.objects.exists()


@pytest.mark.parametrize("name", ["branch_channels", "templates"])
def test_branch_pages_are_hidden_from_members_and_outsiders(client, member, outsider, branch_a, name):
    url = reverse(f"notifications:{name}", args=[branch_a.pk])
    for person in (member, outsider):
        client.force_login(person.user)
        assert client.get(url).status_code == 404


@pytest.mark.parametrize("name", ["branch_channels", "templates"])
def test_branch_pages_ask_for_a_login(client, branch_a, name):
    response = client.get(reverse(f"notifications:{name}", args=[branch_a.pk]))
    assert response.status_code == 302


def test_branch_pages_refuse_other_methods(client, secretary, branch_a):
    client.force_login(secretary)
    assert client.delete(branch_url(branch_a)).status_code == 405
    assert client.post(templates_url(branch_a)).status_code == 405
    assert client.put(edit_url(branch_a)).status_code == 405


def test_the_edit_page_is_hidden_from_outsiders(client, outsider, branch_a):
    client.force_login(outsider.user)
    assert client.get(edit_url(branch_a)).status_code == 404
    assert client.post(edit_url(branch_a), {"title": "x"}).status_code == 404


# --- message templates ------------------------------------------------------------------------


def test_the_template_list_has_a_bounded_query_count(client, secretary, branch_a, django_assert_max_num_queries):
    for kind in ("activity_day", "reminder", "absent"):
        MessageTemplate.objects.create(organization=branch_a, kind=kind, language="zh-hans", title="{title}")
    client.force_login(secretary)
    with django_assert_max_num_queries(8):
        response = client.get(templates_url(branch_a), headers=EN)
    assert response.status_code == 200
    assert "own wording" in response.content.decode()


def test_the_edit_page_lists_the_placeholders(client, secretary, branch_a):
    client.force_login(secretary)
    body = client.get(edit_url(branch_a)).content.decode()
    assert "{branch}" in body
    assert "{title}" in body


def test_preview_renders_without_saving(client, secretary, branch_a):
    client.force_login(secretary)
    data = {"title": "【{branch}】{title}", "body": "", "preview": "1"}
    response = client.post(edit_url(branch_a, language="en"), data, headers=EN)
    assert response.status_code == 200
    assert f"【{branch_a.name}】Sample title" in response.content.decode()
    assert not MessageTemplate.objects.exists()


def test_a_template_is_saved_for_the_branch_kind_and_language(client, secretary, branch_a):
    client.force_login(secretary)
    response = client.post(edit_url(branch_a), {"title": "{title}", "body": "{body} 请按时签到", "save": "1"})
    assert response.status_code == 302
    template = MessageTemplate.objects.get()
    assert (template.organization, template.kind, template.language) == (branch_a, "activity_day", "zh-hans")


@pytest.mark.parametrize("title", ["{name}", "{title", "{0}"])
def test_a_template_with_an_unknown_or_broken_placeholder_is_refused(client, secretary, branch_a, title):
    client.force_login(secretary)
    response = client.post(edit_url(branch_a), {"title": title, "body": "", "save": "1"}, headers=EN)
    assert response.status_code == 200
    assert "placeholder" in response.content.decode()
    assert not MessageTemplate.objects.exists()


def test_deleting_a_template_restores_the_built_in_text(client, secretary, branch_a):
    MessageTemplate.objects.create(organization=branch_a, kind="activity_day", language="zh-hans", title="{title}")
    client.force_login(secretary)
    response = client.post(edit_url(branch_a), {"delete": "1"})
    assert response.status_code == 302
    assert not MessageTemplate.objects.exists()


def test_an_unknown_kind_or_language_is_not_found(client, secretary, branch_a):
    client.force_login(secretary)
    assert client.get(edit_url(branch_a, kind="nonsense")).status_code == 404
    assert client.get(edit_url(branch_a, language="fr")).status_code == 404


# --- admin ------------------------------------------------------------------------------------


@pytest.fixture
def admin_client_logged_in(client, django_user_model):
    from members.tests.factories import UserFactory

    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    return client


def test_the_admin_shows_the_robot_masked(admin_client_logged_in, branch_a):
    channels = BranchChannels.objects.create(organization=branch_a, wecom_webhook=WEBHOOK)
    for url in (
        reverse("admin:notifications_branchchannels_changelist"),
        reverse("admin:notifications_branchchannels_change", args=[channels.pk]),
    ):
        body = admin_client_logged_in.get(url).content.decode()
        assert "secret-robot-key" not in body
        assert "****abcd" in body


def test_the_admin_resends_failed_deliveries(admin_client_logged_in, member):
    from notifications.models import Delivery
    from notifications.services import Notice, notify_members

    notify_members([member.pk], Notice(kind="reminder", title="t"), key="a:1:{member}")
    Delivery.objects.update(status=Delivery.Status.FAILED, attempts=4)
    url = reverse("admin:notifications_delivery_changelist")
    assert admin_client_logged_in.get(url, {"status__exact": "failed", "q": "a:1"}).status_code == 200
    admin_client_logged_in.post(url, {"action": "resend", "_selected_action": [d.pk for d in Delivery.objects.all()]})
    assert Delivery.objects.get().status == Delivery.Status.QUEUED
