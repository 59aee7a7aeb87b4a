"""A notice reads in the reader's language, whichever language was active when it was sent."""

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from activities.services import send_reminder
from activities.tests.factories import ActivityFactory
from branches.tests.factories import OrganizationFactory
from members.tests.factories import MemberFactory
from notifications import wordings
from notifications.models import MessageTemplate, Notification
from notifications.services import Notice, notify_members, notify_users

pytestmark = pytest.mark.django_db

ENGLISH_TITLE = "The activity day is in 3 days"
ENGLISH_BODY = "A网络党支部 meets on 2026-12-06: 主题"


def chinese(text: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(text)


def inbox_titles(client, user, language: str) -> list[str]:
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("notifications:inbox"))
    assert response.status_code == 200
    return [notification.shown_title for notification in response.context["page"]]


def opened(client, user, notification: Notification, language: str) -> str:
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("notifications:open", args=[notification.pk]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def reminded(member):
    """A reminder three days ahead, sent by a sweep running in Chinese."""
    activity = ActivityFactory(organization=member.organization, date=dt.date(2026, 12, 6), theme="主题")
    with translation.override("zh-hans"):
        assert send_reminder(activity, 3) == 1
    return Notification.objects.get(member=member)


def test_a_notice_sent_in_chinese_reads_in_english_for_an_english_reader(client, member, reminded):
    assert inbox_titles(client, member.user, "en") == [ENGLISH_TITLE]
    page = opened(client, member.user, reminded, "en")
    assert ENGLISH_TITLE in page
    assert ENGLISH_BODY in page
    assert "距统一活动日" not in page


def test_the_same_notice_reads_in_chinese_for_a_chinese_reader(client, member, reminded):
    with translation.override("zh-hans"):
        title = translation.ngettext(
            "The activity day is in %(days)d day", "The activity day is in %(days)d days", 3
        ) % {"days": 3}
    assert title != ENGLISH_TITLE
    assert inbox_titles(client, member.user, "zh-hans") == [title]
    assert title in opened(client, member.user, reminded, "zh-hans")


def test_the_stored_copy_for_sms_and_email_is_in_the_sites_language_whoever_sent_it(member):
    # A secretary working in English triggers a notice: the copy the channels carry is still the site's.
    with translation.override("en"):
        notify_members([member.pk], Notice(kind="absent", params={"date": "2026-12-06"}), key="absent:1:{member}")
    notification = Notification.objects.get()
    assert notification.title == chinese("You missed the activity day")
    assert notification.title != "You missed the activity day"
    assert notification.message == {"wording": "absent", "params": {"date": "2026-12-06"}}


def test_a_branchs_template_for_a_language_wins_for_that_language_only(client, member, outsider, reminded):
    MessageTemplate.objects.create(
        organization=member.organization, kind="reminder", language="en", title="[{branch}] {title}", body="{body}!"
    )
    # Another branch's wording never reaches this member.
    MessageTemplate.objects.create(organization=outsider.organization, kind="reminder", language="en", title="B")
    assert inbox_titles(client, member.user, "en") == [f"[A网络党支部] {ENGLISH_TITLE}"]
    assert f"{ENGLISH_BODY}!" in opened(client, member.user, reminded, "en")
    # No Chinese template: Chinese readers get the built-in wording.
    assert inbox_titles(client, member.user, "zh-hans") == [reminded.title]


def test_the_site_wide_template_applies_where_the_branch_has_none_for_the_language(client, member, reminded):
    MessageTemplate.objects.create(organization=None, kind="reminder", language="zh-hans", title="通知：{title}")
    MessageTemplate.objects.create(organization=None, kind="reminder", language="en", title="Site: {title}")
    MessageTemplate.objects.create(
        organization=member.organization, kind="reminder", language="en", title="Branch: {title}"
    )
    assert inbox_titles(client, member.user, "zh-hans") == [f"通知：{reminded.title}"]
    assert inbox_titles(client, member.user, "en") == [f"Branch: {ENGLISH_TITLE}"]


def test_a_template_that_no_longer_fits_falls_back_to_the_built_in_wording(client, member, reminded):
    MessageTemplate.objects.create(organization=member.organization, kind="reminder", language="en", title="{gone}")
    assert inbox_titles(client, member.user, "en") == [ENGLISH_TITLE]


def test_notices_written_before_messages_were_kept_show_their_stored_text(client, member):
    old = Notification.objects.create(member=member, kind="reminder", key="old:1", title="旧的标题", body="旧的正文")
    MessageTemplate.objects.create(organization=member.organization, kind="reminder", language="en", title="X {title}")
    assert inbox_titles(client, member.user, "en") == ["旧的标题"]
    assert "旧的正文" in opened(client, member.user, old, "en")


def test_a_message_whose_values_no_longer_fit_shows_the_stored_text(client, member):
    broken = Notification.objects.create(
        member=member,
        kind="reminder",
        key="broken:1",
        title="存档标题",
        body="存档正文",
        message={"wording": "reminder", "params": {"days": 3}},
    )
    assert inbox_titles(client, member.user, "en") == ["存档标题"]
    assert "存档正文" in opened(client, member.user, broken, "en")


def test_a_notice_with_fixed_text_keeps_it(client, member):
    notify_users([member.user_id], Notice(kind="digest", title="每日摘要", body="正文"), key="digest:1:{user}")
    notification = Notification.objects.get()
    assert notification.message is None
    # SQL NULL, not a JSON null: "no message" is what a query can ask for.
    assert Notification.objects.filter(message__isnull=True).count() == 1
    assert inbox_titles(client, member.user, "en") == ["每日摘要"]


def test_notices_to_a_login_read_in_the_readers_language_too(client, secretary):
    params = {"year": 2026, "text": "分数有误"}
    notice = Notice(kind="evaluation", wording="evaluation_objection", params=params)
    with translation.override("zh-hans"):
        notify_users([secretary.pk], notice, key="objection:1:{user}")
    assert inbox_titles(client, secretary, "en") == ["New objection in the 2026 evaluation"]
    assert inbox_titles(client, secretary, "zh-hans") == [Notification.objects.get().title]


@pytest.mark.parametrize("size", [3, 40])
def test_the_inbox_words_every_notice_without_a_query_per_row(client, member, size, django_assert_max_num_queries):
    other_branch = OrganizationFactory()
    MessageTemplate.objects.create(organization=member.organization, kind="reminder", language="en", title="A {title}")
    MessageTemplate.objects.create(organization=other_branch, kind="absent", language="en", title="B {title}")
    MessageTemplate.objects.create(organization=None, kind="absent", language="en", title="Site {title}")
    for n in range(size):
        kind, params = ("reminder", {"days": n, "branch": "A", "date": "2026-12-06", "theme": ""})
        if n % 2:
            kind, params = "absent", {"date": "2026-12-06"}
        notify_members([member.pk], Notice(kind=kind, params=params), key=f"t:{n}:{{member}}")
        notify_users([member.user_id], Notice(kind="absent", params={"date": "2026-12-06"}), key=f"u:{n}:{{user}}")
    client.force_login(member.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    # session, user, count, page, navigation: as many as before notices were worded on display
    with django_assert_max_num_queries(5):
        response = client.get(reverse("notifications:inbox"))
    titles = [n.shown_title for n in response.context["page"]]
    assert "Site You missed the activity day" in titles
    assert "You missed the activity day" in titles  # to the login: never reworded, as when sent
    assert any(title.startswith("A The activity day is in") for title in titles)
    assert not any(title.startswith("B ") for title in titles)


def test_the_inbox_of_another_branchs_member_is_worded_with_their_own_branchs_template(client, outsider):
    MessageTemplate.objects.create(organization=outsider.organization, kind="absent", language="en", title="B {title}")
    notify_members([outsider.pk], Notice(kind="absent", params={"date": "2026-12-06"}), key="absent:1:{member}")
    colleague = MemberFactory(organization=outsider.organization)
    notify_members([colleague.pk], Notice(kind="absent", params={"date": "2026-12-07"}), key="absent:2:{member}")
    assert inbox_titles(client, outsider.user, "en") == ["B You missed the activity day"]


# One sample per wording the activity day, the evaluation and this app use.
SAMPLES = {
    "activity_day": {"theme": "主题", "date": "2026-12-06", "past": False, "count": 2, "closes": "2026-12-10 23:59"},
    "material": {"title": "学习资料"},
    "reminder": {"days": 0, "branch": "A", "date": "2026-12-06", "theme": ""},
    "absent": {"date": "2026-12-06"},
    "attendance": {
        "branch": "A",
        "date": "2026-12-06",
        "attended": 3,
        "made_up": 1,
        "excused": 1,
        "absent": 2,
        "names": ["张三", "李四"],
        "more": False,
    },
    "leave": {"date": "2026-12-06", "approved": True},
    "report_reply": {"title": "思想汇报", "reply": "收到"},
    "greeting": {},
    "visit": {"name": "张三", "branch": "A", "date": "2026-12-06", "visited": "2026-11-06", "help": "慰问"},
    "evaluation_stage": {"stage": "publicity", "year": 2026},
    "evaluation_deadline": {"year": 2026, "date": "2026-12-06"},
    "evaluation_objection": {"year": 2026, "text": "分数有误"},
}


def test_the_wordings_the_notices_name_are_registered():
    assert set(SAMPLES) <= set(wordings._WORDINGS)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_each_wording_reads_in_english_and_in_chinese(name):
    stored = wordings.message(name, SAMPLES[name])
    with translation.override("en"):
        english = wordings.render(stored)
    with translation.override("zh-hans"):
        chinese_text = wordings.render(stored)
    assert english is not None and chinese_text is not None
    assert english[0] and english[0] != chinese_text[0]
    assert english[0].isascii() or any(value in english[0] for value in ("主题", "学习资料", "思想汇报", "张三"))
