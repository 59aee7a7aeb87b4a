"""The same pages on a 360 px phone and a 1280 px desktop, in Debian's Chromium: where the member's
links are, how wide a table page gets, and how big a chart's text is drawn.
"""

import datetime as dt

import pytest
from django.utils import timezone

from activities.models import Activity, Attendance
from activities.tests.factories import ActivityFactory
from conftest import save_screenshot
from members.tests.factories import MemberFactory
from members.tests.test_browser import log_in

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

CHART_TEXT = """() => [...document.querySelectorAll("svg.chart text")]
  .filter((t) => t.getClientRects().length > 0)
  .map((t) => t.getBoundingClientRect().height)"""


@pytest.fixture
def stats_data(branch_a, secretary):
    """Two closed months with attendance, so the statistics page draws its chart."""
    members = [MemberFactory(organization=branch_a) for _ in range(3)]
    today = timezone.localdate()
    for months_ago in (1, 2):
        first = (today.replace(day=1) - dt.timedelta(days=31 * months_ago - 1)).replace(day=6)
        activity = ActivityFactory(organization=branch_a, date=first)
        Activity.objects.filter(pk=activity.pk).update(closed_at=activity.closes_at)
        for member in members:
            Attendance.objects.create(
                member=member, activity=activity, outcome=Attendance.Outcome.ATTENDED, recorded_at=activity.closes_at
            )
    return secretary


def open_statistics(page) -> None:
    """From the home page, by clicking: activity days, one activity, its statistics."""
    page.get_by_role("link", name="统一活动日").click()
    page.locator("main .rows a").first.click()
    page.get_by_role("link", name="统计").click()
    page.wait_for_load_state("networkidle")


def chart_text_heights(page) -> list[float]:
    heights = page.evaluate(CHART_TEXT)
    assert heights, "the chart has no visible text"
    return heights


def test_chart_text_is_the_same_legible_size_on_a_phone_and_a_desktop(phone, desktop, stats_data):
    sizes = {}
    for name, page in (("phone", phone), ("desktop", desktop)):
        log_in(page, stats_data.phone)
        open_statistics(page)
        sizes[name] = chart_text_heights(page)
        save_screenshot(page, f"statistics-{name}")
    # 12 px text (13 px on a desktop) has line boxes of 14 to 15 px; a drawing scaled to the
    # width made them 8 px on the phone and over 30 px on the desktop.
    for name, heights in sizes.items():
        assert all(13 <= h <= 18 for h in heights), (name, heights)
    assert max(sizes["desktop"]) < 1.3 * min(sizes["phone"])


def test_a_desktop_has_the_tabs_in_the_top_bar_and_a_wide_table_page(phone, desktop, stats_data):
    for page in (phone, desktop):
        log_in(page, stats_data.phone)
    assert phone.locator(".tabbar").is_visible()
    assert not phone.locator(".toptabs").is_visible()
    assert not desktop.locator(".tabbar").is_visible()
    top_home = desktop.locator(".toptabs").get_by_role("link", name="首页")
    assert top_home.is_visible() and top_home.get_attribute("aria-current") == "page"
    assert desktop.locator(".toptabs").get_by_role("link", name="通知").is_visible()

    open_statistics(desktop)
    assert desktop.locator("main").bounding_box()["width"] > 1000
