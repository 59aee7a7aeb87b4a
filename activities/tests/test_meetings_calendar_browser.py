"""A member finds their next meetings on the home page and takes one into their phone calendar, in Debian's
Chromium: in Chinese on a 360 px phone, in English (switched with the page's language buttons) at 1280 px.

The browser runs in another process, so the clock is not frozen: the meetings are planned from the real today.
"""

import datetime as dt

import icalendar
import pytest
from django.utils import timezone

from activities.models import Activity, Attendee
from activities.tests.factories import ActivityFactory
from activities.tests.test_browser_member import LAYOUT_PROBLEMS
from conftest import DESKTOP_SIZE, PHONE_SIZE, log_in_from_landing, open_page, save_screenshot
from members.tests.factories import MemberFactory, UserFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PASSWORD = "secret-pass-123"
NAMES = {
    "zh-hans": {
        "section": "我近期的会议",
        "ics": "添加到我的日历（.ics）",
        "kind": "党课",
        "subscribe": "订阅到手机日历",
        "make": "生成我的日历订阅地址",
    },
    "en": {
        "section": "My upcoming meetings",
        "ics": "Add to my calendar (.ics)",
        "kind": "Party lecture",
        "subscribe": "Add to phone calendar",
        "make": "Make my calendar address",
    },
}


@pytest.fixture
def lecture(branch_a):
    user = UserFactory(phone="+8617000000301", name="周明")
    member = MemberFactory(user=user, phone=user.phone, organization=branch_a, name="周明")
    activity = ActivityFactory(
        organization=branch_a,
        kind=Activity.Kind.LECTURE,
        date=timezone.localdate() + dt.timedelta(days=3),
        starts_at=dt.time(19, 30),
        theme="学习党章",
        place="二楼活动室",
    )
    Attendee.objects.create(activity=activity, member=member)
    return activity


def check_layout(page, name: str) -> None:
    """Screenshot, then no horizontal scroll, 44 px tap targets and a label on every field."""
    save_screenshot(page, f"{name}-{page.viewport_size['width']}")
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    assert page.evaluate(LAYOUT_PROBLEMS) == [], name


def walk(page, language: str, lecture) -> None:
    names = NAMES[language]
    page.set_default_timeout(10_000)
    log_in_from_landing(page, language, "170 0000 0301", PASSWORD)
    page.wait_for_load_state("networkidle")
    assert page.url.rstrip("/") == page.base
    section = page.locator("#upcoming-meetings")
    assert names["section"] in section.inner_text()
    assert lecture.date.strftime("%Y-%m-%d") + " 19:30" in section.inner_text()
    check_layout(page, f"meetings-home-{language}")

    section.get_by_role("link").filter(has_text=names["kind"]).first.click()
    page.wait_for_load_state()
    assert "学习党章" in page.inner_text("main")
    with page.expect_download() as download_info:
        page.get_by_role("link", name=names["ics"], exact=True).click()
    download = download_info.value
    with open(download.path(), "rb") as file:
        (event,) = icalendar.Calendar.from_ical(file.read()).events
    assert names["kind"] in str(event["SUMMARY"])
    assert event.start == dt.datetime.combine(lecture.date, dt.time(19, 30), tzinfo=timezone.get_default_timezone())
    assert str(event["LOCATION"]) == "二楼活动室"
    check_layout(page, f"meetings-detail-{language}")

    page.get_by_role("link", name=names["subscribe"], exact=True).first.click()
    page.wait_for_load_state()
    page.get_by_role("button", name=names["make"], exact=True).click()
    page.wait_for_load_state()
    address = page.locator("#calendar-url").input_value()
    assert "/calendar/" in address and address.endswith(".ics")
    check_layout(page, f"meetings-calendar-{language}")
    feed = page.request.get(address)
    assert feed.status == 200
    assert b"BEGIN:VEVENT" in feed.body()


def test_a_member_downloads_the_next_meeting_in_chinese_on_a_phone(browser, live_server, lecture):
    with open_page(browser, live_server, *PHONE_SIZE) as page:
        walk(page, "zh-hans", lecture)


def test_a_member_downloads_the_next_meeting_in_english_on_a_desktop(browser, live_server, lecture):
    with open_page(browser, live_server, *DESKTOP_SIZE) as page:
        walk(page, "en", lecture)
