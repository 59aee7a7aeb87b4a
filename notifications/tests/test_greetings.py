import datetime as dt
import io
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image, ImageChops

from branches.models import Role
from branches.sweeps import run_sweep
from branches.tests.factories import GroupFactory, RoleFactory
from members.models import Member
from members.tests.factories import MemberFactory, UserFactory
from notifications import cards, greetings
from notifications.models import Greeting, Notification
from notifications.services import forget_channel_settings
from notifications.tasks import render_cards

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 7, 1)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: dt.date, hour: int = 7):
    """07:xx in Shanghai on ``day``, when beat runs the sweep."""
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, hour, 5, tzinfo=SHANGHAI), tick=False)


@pytest.fixture
def sweep(django_capture_on_commit_callbacks):
    """Run the birthday sweep for a day, card tasks included (eager in tests)."""

    def run(day: dt.date) -> dict:
        with at(day), django_capture_on_commit_callbacks(execute=True):
            return run_sweep("birthdays", day)

    return run


def greeted(member) -> list[Greeting]:
    return list(Greeting.objects.filter(member=member, sent_at__isnull=False))


def test_todays_anniversaries_are_greeted_once_and_a_rerun_sends_nothing(sweep, branch_a):
    alice = MemberFactory(organization=branch_a, joined_party_on=dt.date(2010, 7, 1))
    other_day = MemberFactory(organization=branch_a, joined_party_on=dt.date(2010, 7, 2))
    first = sweep(DAY)
    again = sweep(DAY)
    assert first["greeted"] == 1
    assert again["greeted"] == 0
    [greeting] = greeted(alice)
    assert (greeting.year, greeting.anniversary, greeting.party_age, greeting.days_late) == (2026, DAY, 16, 0)
    assert Notification.objects.filter(member=alice, key=f"greeting:2026:{alice.pk}").count() == 1
    assert Notification.objects.filter(kind="greeting").count() == 1
    assert greeted(other_day) == []


def test_a_29_february_member_is_greeted_on_28_february_in_a_common_year(sweep, branch_a):
    leapling = MemberFactory(organization=branch_a, joined_party_on=dt.date(2004, 2, 29))
    sweep(dt.date(2026, 2, 28))
    [greeting] = greeted(leapling)
    assert greeting.anniversary == dt.date(2026, 2, 28)
    assert greeting.party_age == 22


def test_a_29_february_member_is_greeted_on_29_february_in_a_leap_year(sweep, branch_a):
    leapling = MemberFactory(organization=branch_a, joined_party_on=dt.date(2004, 2, 29))
    sweep(dt.date(2028, 2, 28))
    assert greeted(leapling) == []
    sweep(dt.date(2028, 2, 29))
    [greeting] = greeted(leapling)
    assert greeting.anniversary == dt.date(2028, 2, 29)
    assert greeting.days_late == 0


def test_transferred_out_members_are_not_greeted(sweep, branch_a):
    gone = MemberFactory(
        organization=branch_a,
        joined_party_on=dt.date(2010, 7, 1),
        state=Member.State.TRANSFERRED_OUT,
        transferred_out_on=dt.date(2026, 1, 1),
    )
    sweep(DAY)
    assert not Greeting.objects.filter(member=gone).exists()


def test_probationary_members_are_greeted_counting_from_joining(sweep, branch_a):
    probationary = MemberFactory(
        organization=branch_a,
        joined_party_on=dt.date(2025, 7, 1),
        full_member_on=None,
        status=Member.Status.PROBATIONARY,
    )
    sweep(DAY)
    [greeting] = greeted(probationary)
    assert greeting.party_age == 1


def test_a_member_who_joined_this_year_is_not_greeted(sweep, branch_a):
    newcomer = MemberFactory(organization=branch_a, joined_party_on=DAY, full_member_on=None)
    sweep(DAY)
    assert not Greeting.objects.filter(member=newcomer).exists()


def test_catching_up_after_two_days_marks_the_greeting_two_days_late(sweep, branch_a):
    alice = MemberFactory(organization=branch_a, joined_party_on=dt.date(2010, 7, 1))
    result = sweep(DAY + dt.timedelta(days=2))
    [greeting] = greeted(alice)
    assert greeting.days_late == 2
    assert greeting.anniversary == DAY
    assert result["late"] == 1


def test_an_anniversary_more_than_a_week_past_is_never_greeted(sweep, branch_a):
    alice = MemberFactory(organization=branch_a, joined_party_on=dt.date(2010, 7, 1))
    sweep(DAY + dt.timedelta(days=greetings.CATCH_UP_DAYS + 1))
    assert not Greeting.objects.filter(member=alice).exists()
    assert not Notification.objects.filter(member=alice).exists()


def test_the_sweep_makes_a_constant_number_of_queries_whatever_the_number_of_members(
    branch_a, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(greetings, "queue_missing_cards", lambda today: 0)

    def count(day):
        # Each count starts with the channel settings cache empty.
        forget_channel_settings()
        with at(day), CaptureQueriesContext(connection) as queries:
            greetings.greet_due(day)
        return len(queries)

    MemberFactory.create_batch(2, organization=branch_a, joined_party_on=dt.date(2010, 7, 1))
    few = count(DAY)
    # Far enough on that the first day is out of the catch-up window.
    MemberFactory.create_batch(20, organization=branch_a, joined_party_on=dt.date(2011, 7, 21))
    many = count(dt.date(2026, 7, 21))
    assert few == many


def test_the_sweep_renders_each_card_with_the_secretarys_line(sweep, branch_a, monkeypatch):
    alice = MemberFactory(name="王秀英", organization=branch_a, joined_party_on=dt.date(2010, 7, 1))
    greetings.set_personal_line(alice, "感谢你十六年如一日的坚守", today=dt.date(2026, 6, 20))
    seen = []
    real = cards.card_lines
    monkeypatch.setattr(cards, "card_lines", lambda g: seen.append(real(g)) or seen[-1])
    sweep(DAY)
    [greeting] = greeted(alice)
    assert greeting.card
    assert greeting.personal_line == "感谢你十六年如一日的坚守"
    assert seen[0]["line"] == "感谢你十六年如一日的坚守"
    assert seen[0]["name"].startswith("王秀英")


def test_the_card_task_is_idempotent(sweep, branch_a):
    alice = MemberFactory(organization=branch_a, joined_party_on=dt.date(2010, 7, 1))
    sweep(DAY)
    [greeting] = greeted(alice)
    name = greeting.card.name
    assert render_cards(greeting_ids=[greeting.pk]) == 0
    greeting.refresh_from_db()
    assert greeting.card.name == name


def card_files(greeting) -> list[Path]:
    """Every card under MEDIA_ROOT drawn for ``greeting``, whatever suffix storage gave it (thumbnails apart)."""
    return sorted(p for p in Path(settings.MEDIA_ROOT).rglob(f"greeting-{greeting.pk}*") if "-thumb" not in p.name)


def test_a_card_render_retried_after_a_crash_leaves_one_file_per_greeting(
    sweep, branch_a, monkeypatch, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)
    alice = MemberFactory(organization=branch_a, joined_party_on=dt.date(2010, 7, 1))
    monkeypatch.setattr(greetings, "queue_missing_cards", lambda today: 0)
    sweep(DAY)
    [greeting] = greeted(alice)
    real_save = FileSystemStorage.save

    def save_then_die(self, name, content, *args, **kwargs):
        real_save(self, name, content, *args, **kwargs)
        raise SystemExit("worker killed between writing the card and updating the greeting")

    monkeypatch.setattr(FileSystemStorage, "save", save_then_die)
    with pytest.raises(SystemExit):
        render_cards(greeting_ids=[greeting.pk])
    greeting.refresh_from_db()
    assert not greeting.card and len(card_files(greeting)) == 1
    monkeypatch.setattr(FileSystemStorage, "save", real_save)

    assert render_cards(greeting_ids=[greeting.pk]) == 1
    greeting.refresh_from_db()
    [path] = card_files(greeting)
    assert greeting.card.path == str(path)
    assert Image.open(path).size == (cards.WIDTH, cards.HEIGHT)
    assert [p.name for p in Path(settings.MEDIA_ROOT).rglob("*-thumb*")] == [f"greeting-{greeting.pk}-thumb.jpg"]


def test_a_lost_card_task_is_queued_again_by_the_next_sweep(sweep, branch_a, monkeypatch):
    alice = MemberFactory(organization=branch_a, joined_party_on=dt.date(2010, 7, 1))
    monkeypatch.setattr(greetings, "queue_missing_cards", lambda today: 0)
    sweep(DAY)
    [greeting] = greeted(alice)
    assert not greeting.card
    monkeypatch.undo()
    result = sweep(DAY + dt.timedelta(days=1))
    greeting.refresh_from_db()
    assert result["cards_queued"] == 1
    assert greeting.card


def test_without_a_chinese_font_the_sweep_fails_loudly_after_greeting(sweep, branch_a, monkeypatch):
    from branches.models import SweepStatus

    alice = MemberFactory(organization=branch_a, joined_party_on=dt.date(2010, 7, 1))
    monkeypatch.setattr(cards, "FONT_PACKAGE", "no_such_font_package")
    monkeypatch.setattr(cards, "SYSTEM_FONTS", ())
    cards._font_source.cache_clear()
    cards.load_font.cache_clear()
    try:
        with pytest.raises(cards.CardFontMissing):
            sweep(DAY)
    finally:
        cards._font_source.cache_clear()
        cards.load_font.cache_clear()
    assert "CardFontMissing" in SweepStatus.objects.get(name="birthdays").last_error
    # The card tasks failed too: nothing was stored, and the greetings were still sent.
    assert not Greeting.objects.filter(member=alice).exclude(card="").exists()


# --- The card ---------------------------------------------------------------------------------


def make_greeting(member, line=""):
    return Greeting(
        member=member, year=2026, anniversary=DAY, party_age=16, personal_line=line, sent_at=dt.datetime.now(dt.UTC)
    )


def test_the_card_is_a_1080_by_1440_jpeg(branch_a):
    member = MemberFactory(name="张建国", organization=branch_a)
    data = cards.render_card(make_greeting(member, "祝你生日快乐，工作顺利"))
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    assert image.size == (cards.WIDTH, cards.HEIGHT)


def test_the_card_font_draws_real_chinese_glyphs_not_boxes():
    font = cards.load_font(64)
    assert font.getmask("党").getbbox() is not None
    assert bytes(font.getmask("党")) != bytes(font.getmask(cards.MISSING))
    assert cards.has_real_glyph(font, "党")
    assert not cards.has_real_glyph(font, cards.MISSING)


def test_the_members_name_is_drawn_on_the_card(branch_a, monkeypatch):
    member = MemberFactory(name="张建国", organization=branch_a)
    plain = Image.open(io.BytesIO(cards.render_card(make_greeting(member)))).convert("L")
    monkeypatch.setattr(cards, "card_lines", lambda g: {**real_lines(g), "name": ""})
    without_name = Image.open(io.BytesIO(cards.render_card(make_greeting(member)))).convert("L")
    # The name sits below the title; compare that band with and without it.
    band = (100, 480, cards.WIDTH - 100, 600)
    diff = ImageChops.difference(plain.crop(band), without_name.crop(band)).point(lambda v: 255 if v > 60 else 0)
    difference = diff.histogram()[255]
    assert difference > 2000


def real_lines(greeting):
    member = greeting.member
    joined = member.joined_party_on
    return {
        "title": "政治生日",
        "name": f"{member.name} 同志",
        "age": f"入党 {greeting.party_age} 周年",
        "joined": f"{joined.year}年{joined.month}月{joined.day}日 光荣加入中国共产党",
        "branch": member.organization.name,
        "date": "2026年7月1日",
        "line": greeting.personal_line,
    }


def test_a_long_personal_line_is_wrapped_within_the_card():
    font = cards.load_font(42)
    lines = cards.wrap("“" + "远在他乡也不忘支部的每一次活动，" * 6 + "”", font, 800, max_lines=99)
    assert len(lines) > 1
    assert all(font.getlength(line) <= 800 + font.size for line in lines)
    assert not any(line.startswith(("，", "”")) for line in lines)


def test_a_machine_without_any_chinese_font_gets_an_error_not_boxes(monkeypatch):
    monkeypatch.setattr(cards, "FONT_PACKAGE", "no_such_font_package")
    monkeypatch.setattr(cards, "SYSTEM_FONTS", ())
    cards._font_source.cache_clear()
    try:
        with pytest.raises(cards.CardFontMissing):
            cards.font_path()
    finally:
        cards._font_source.cache_clear()


# --- Serving the card ------------------------------------------------------------------------


@pytest.fixture
def greeting(sweep, member):
    assert member.joined_party_on == dt.date(2010, 7, 1)
    sweep(DAY)
    return Greeting.objects.get(member=member)


def test_the_member_gets_their_card_as_a_jpeg(client, member, greeting):
    client.force_login(member.user)
    response = client.get(reverse("greetings:card", args=[greeting.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"


def test_the_card_downloads_as_a_file_to_save_to_the_phone(client, member, greeting):
    client.force_login(member.user)
    response = client.get(reverse("greetings:card", args=[greeting.pk]), {"download": "1"})
    assert response["Content-Disposition"].startswith("attachment")


def test_another_members_card_is_not_found(client, outsider, greeting):
    client.force_login(outsider.user)
    assert client.get(reverse("greetings:card", args=[greeting.pk])).status_code == 404


def test_a_member_of_the_same_branch_cannot_see_the_card(client, branch_a, greeting):
    user = UserFactory()
    MemberFactory(organization=branch_a, user=user, phone=user.phone)
    client.force_login(user)
    assert client.get(reverse("greetings:card", args=[greeting.pk])).status_code == 404


def test_the_branch_secretary_may_see_the_card(client, secretary, greeting):
    client.force_login(secretary)
    assert client.get(reverse("greetings:card", args=[greeting.pk])).status_code == 200


def test_another_branchs_secretary_gets_not_found(client, branch_b, greeting):
    user = UserFactory()
    RoleFactory(user=user, organization=branch_b, kind=Role.Kind.SECRETARY)
    client.force_login(user)
    assert client.get(reverse("greetings:card", args=[greeting.pk])).status_code == 404


def test_the_card_needs_a_login(client, greeting):
    response = client.get(reverse("greetings:card", args=[greeting.pk]))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_the_card_refuses_post(client, member, greeting):
    client.force_login(member.user)
    assert client.post(reverse("greetings:card", args=[greeting.pk])).status_code == 405


# --- The member's home page ------------------------------------------------------------------


def test_home_shows_the_card_for_a_week_after_the_day(client, member, greeting):
    client.force_login(member.user)
    card_url = reverse("greetings:card", args=[greeting.pk])
    with at(DAY + dt.timedelta(days=7), hour=12):
        assert card_url in client.get(reverse("home")).content.decode()
    with at(DAY + dt.timedelta(days=8), hour=12):
        assert card_url not in client.get(reverse("home")).content.decode()


def test_home_says_the_card_is_being_prepared_until_it_is_made(client, member, greeting):
    Greeting.objects.filter(pk=greeting.pk).update(card="")
    client.force_login(member.user)
    with at(DAY, hour=12):
        body = client.get(reverse("home"), headers={"accept-language": "en"}).content.decode()
    assert "Your card is being prepared." in body
    assert reverse("greetings:card", args=[greeting.pk]) not in body


def test_home_shows_a_thumbnail_under_30_kb_that_links_to_the_full_card(client, member, greeting):
    client.force_login(member.user)
    with at(DAY, hour=12):
        body = client.get(reverse("home")).content.decode()
    card_url = reverse("greetings:card", args=[greeting.pk])
    thumb_url = reverse("greetings:card_thumb", args=[greeting.pk])
    link = re.search(r'<a href="([^"]+)"><img src="([^"]+)"', body)
    assert link is not None and link.groups() == (card_url, thumb_url)

    thumb = b"".join(client.get(thumb_url).streaming_content)
    full = b"".join(client.get(card_url).streaming_content)
    assert len(thumb) < 30_000 < len(full)
    assert Image.open(io.BytesIO(thumb)).format == "JPEG"
    assert Image.open(io.BytesIO(thumb)).size[0] <= cards.THUMB_WIDTH
    assert Image.open(io.BytesIO(full)).size == (cards.WIDTH, cards.HEIGHT)


def test_the_thumbnail_is_drawn_with_the_card_beside_it(greeting):
    thumb = Path(greeting.card.path).with_name(Path(greeting.card.name).stem + "-thumb.jpg")
    assert thumb.is_file()
    assert thumb.stat().st_size < 30_000


def test_a_detailed_card_still_gets_a_thumbnail_under_30_kb(branch_a):
    member = MemberFactory(organization=branch_a, joined_party_on=dt.date(1990, 7, 1))
    card = cards.render_card(make_greeting(member, "远在他乡也不忘支部的每一次活动，祝工作顺利、平安健康！" * 3))
    assert len(cards.thumbnail(card)) < cards.THUMB_MAX_BYTES


def test_a_card_drawn_before_thumbnails_gets_one_when_first_asked(client, member, greeting):
    thumb = Path(greeting.card.path).with_name(Path(greeting.card.name).stem + "-thumb.jpg")
    thumb.unlink()
    client.force_login(member.user)
    response = client.get(reverse("greetings:card_thumb", args=[greeting.pk]))
    assert response.status_code == 200
    assert len(b"".join(response.streaming_content)) < 30_000
    assert thumb.is_file()


def test_the_thumbnail_is_refused_to_others_like_the_card(client, branch_a, branch_b, secretary, outsider, greeting):
    url = reverse("greetings:card_thumb", args=[greeting.pk])
    assert client.get(url).status_code == 302  # to the login page
    neighbour = UserFactory()
    MemberFactory(organization=branch_a, user=neighbour, phone=neighbour.phone)
    other_secretary = UserFactory()
    RoleFactory(user=other_secretary, organization=branch_b, kind=Role.Kind.SECRETARY)
    for user in (outsider.user, neighbour, other_secretary):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.force_login(secretary)
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 405


def test_no_thumbnail_before_the_card_is_made(client, member, greeting):
    Greeting.objects.filter(pk=greeting.pk).update(card="")
    client.force_login(member.user)
    assert client.get(reverse("greetings:card_thumb", args=[greeting.pk])).status_code == 404


# --- The secretary's list of upcoming birthdays ----------------------------------------------


def test_upcoming_lists_the_next_30_days_soonest_first(client, secretary, branch_a):
    later = MemberFactory(name="后", organization=branch_a, joined_party_on=dt.date(2000, 7, 20))
    sooner = MemberFactory(name="先", organization=branch_a, joined_party_on=dt.date(2000, 7, 2))
    MemberFactory(name="太远", organization=branch_a, joined_party_on=dt.date(2000, 8, 5))
    client.force_login(secretary)
    with at(DAY, hour=12):
        response = client.get(reverse("greetings:upcoming"))
    assert response.status_code == 200
    assert [row.member for row in response.context["rows"]] == [sooner, later]
    assert response.context["rows"][0].party_age == 26


def test_upcoming_crosses_the_new_year_and_february(client, secretary, branch_a):
    january = MemberFactory(name="一月", organization=branch_a, joined_party_on=dt.date(2000, 1, 3))
    december = MemberFactory(name="十二月", organization=branch_a, joined_party_on=dt.date(2000, 12, 30))
    leapling = MemberFactory(name="闰日", organization=branch_a, joined_party_on=dt.date(2000, 2, 29))
    with at(dt.date(2026, 12, 20), hour=12):
        client.force_login(secretary)
        response = client.get(reverse("greetings:upcoming"))
        assert response.status_code == 200, response.content[:300]
        rows = response.context["rows"]
    assert [row.member for row in rows] == [december, january]
    with at(dt.date(2026, 1, 31), hour=12):
        client.force_login(secretary)
        rows = client.get(reverse("greetings:upcoming")).context["rows"]
    assert [(row.member, row.on) for row in rows] == [(leapling, dt.date(2026, 2, 28))]


def test_upcoming_query_count_does_not_grow_with_the_roster(client, secretary, branch_a, django_assert_num_queries):
    def count() -> int:
        with at(DAY, hour=12), CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("greetings:upcoming")).status_code == 200
        return len(queries)

    client.force_login(secretary)
    MemberFactory.create_batch(3, organization=branch_a, joined_party_on=dt.date(2000, 7, 5))
    few = count()
    MemberFactory.create_batch(30, organization=branch_a, joined_party_on=dt.date(2001, 7, 9))
    many = count()
    assert few == many
    assert many <= 10


def test_upcoming_is_forbidden_to_a_plain_member(client, member):
    client.force_login(member.user)
    assert client.get(reverse("greetings:upcoming")).status_code == 403


def test_upcoming_needs_a_login(client):
    assert client.get(reverse("greetings:upcoming")).status_code == 302


def test_a_group_admin_sees_only_their_group(client, branch_a):
    group = GroupFactory(parent=branch_a)
    admin = UserFactory()
    RoleFactory(user=admin, organization=group, kind=Role.Kind.GROUP_ADMIN)
    mine = MemberFactory(organization=branch_a, group=group, joined_party_on=dt.date(2000, 7, 2))
    MemberFactory(organization=branch_a, joined_party_on=dt.date(2000, 7, 2))
    client.force_login(admin)
    with at(DAY, hour=12):
        rows = client.get(reverse("greetings:upcoming")).context["rows"]
    assert [row.member for row in rows] == [mine]


def test_the_secretary_adds_a_line_before_the_day(client, secretary, branch_a):
    alice = MemberFactory(organization=branch_a, joined_party_on=dt.date(2000, 7, 5))
    client.force_login(secretary)
    with at(DAY, hour=12):
        response = client.post(reverse("greetings:line", args=[alice.pk]), {"personal_line": "  辛苦了！ "})
    assert response.status_code == 302
    greeting = Greeting.objects.get(member=alice)
    assert (greeting.year, greeting.anniversary, greeting.personal_line) == (2026, dt.date(2026, 7, 5), "辛苦了！")
    assert greeting.sent_at is None


def test_the_secretary_edits_the_line_until_it_is_sent(client, secretary, branch_a):
    alice = MemberFactory(organization=branch_a, joined_party_on=dt.date(2000, 7, 5))
    client.force_login(secretary)
    with at(DAY, hour=12):
        client.post(reverse("greetings:line", args=[alice.pk]), {"personal_line": "第一稿"})
        client.post(reverse("greetings:line", args=[alice.pk]), {"personal_line": "第二稿"})
    assert Greeting.objects.get(member=alice).personal_line == "第二稿"


def test_changing_the_line_after_sending_is_refused_with_a_message(client, secretary, member, greeting):
    Greeting.objects.filter(pk=greeting.pk).update(personal_line="原来的")
    client.force_login(secretary)
    with at(DAY, hour=12):
        response = client.post(
            reverse("greetings:line", args=[member.pk]),
            {"personal_line": "改了"},
            headers={"accept-language": "en"},
            follow=True,
        )
    assert "already sent" in response.content.decode()
    assert Greeting.objects.get(pk=greeting.pk).personal_line == "原来的"


def test_an_outsider_secretary_cannot_set_a_line(client, branch_a, branch_b):
    alice = MemberFactory(organization=branch_a, joined_party_on=dt.date(2000, 7, 5))
    user = UserFactory()
    RoleFactory(user=user, organization=branch_b, kind=Role.Kind.SECRETARY)
    client.force_login(user)
    assert client.post(reverse("greetings:line", args=[alice.pk]), {"personal_line": "x"}).status_code == 404
    assert not Greeting.objects.filter(member=alice).exists()


def test_a_plain_member_cannot_set_a_line(client, member):
    client.force_login(member.user)
    assert client.post(reverse("greetings:line", args=[member.pk]), {"personal_line": "x"}).status_code == 404


def test_setting_a_line_refuses_get(client, secretary, member):
    client.force_login(secretary)
    assert client.get(reverse("greetings:line", args=[member.pk])).status_code == 405


def test_home_makes_no_greeting_query_outside_the_birthday_week(member):
    from notifications.home import in_birthday_week

    assert in_birthday_week(member, DAY)
    assert in_birthday_week(member, DAY + dt.timedelta(days=7))
    assert not in_birthday_week(member, DAY + dt.timedelta(days=8))
    assert not in_birthday_week(member, DAY - dt.timedelta(days=1))
    with CaptureQueriesContext(connection) as queries:
        from notifications.home import greeting_card

        assert greeting_card(None, member, DAY + dt.timedelta(days=30)) is None
    assert len(queries) == 0


def test_a_new_years_eve_anniversary_shows_its_card_into_january(member):
    from notifications.home import in_birthday_week

    member.joined_party_on = dt.date(2010, 12, 30)
    assert in_birthday_week(member, dt.date(2027, 1, 5))
    assert not in_birthday_week(member, dt.date(2027, 1, 7))
