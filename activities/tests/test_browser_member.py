"""A member's month on a 360 px phone, in Debian's Chromium: activity day, check-in (online and
offline), study, report, language, the service worker, the page weight and the layout.

The browser runs in another process, so the clock is not frozen: the data is made relative to
the real now (an activity whose check-in window is open today in Asia/Shanghai).
"""

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from activities.models import CheckIn, MaterialDelivery, Report
from activities.tests.factories import ActivityFactory, MaterialFactory
from conftest import save_screenshot
from members.tests.factories import MemberFactory, UserFactory
from members.tests.test_browser import log_in

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

BUDGET = 150 * 1024
PHONE_WIDTH = 360


@pytest.fixture
def phone_member(branch_a):
    today = timezone.localdate()
    # The branch's fixed day is today (when the month has one), so home and activity agree.
    branch_a.activity_day = min(today.day, 28)
    branch_a.save()
    user = UserFactory(phone="+8617000000101", name="何大勇")
    return MemberFactory(
        user=user, phone=user.phone, organization=branch_a, name="何大勇", joined_party_on=dt.date(2008, 7, 1)
    )


@pytest.fixture
def open_activity(phone_member):
    """The branch's activity, its check-in window open right now."""
    today = timezone.localdate()
    activity = ActivityFactory(organization=phone_member.organization, date=today, theme="学习《我是党员》第三章")
    assert activity.is_open(timezone.now())
    return activity


@pytest.fixture
def delivery(phone_member, open_activity):
    material = MaterialFactory(title="全会公报学习", body="第一段。\n\n第二段。")
    open_activity.materials.add(material)
    return MaterialDelivery.objects.create(
        member=phone_member, material=material, activity=open_activity, delivered_at=timezone.now()
    )


# --- what every page is checked for --------------------------------------------------------

LAYOUT_PROBLEMS = """() => {
  const problems = [];
  const visible = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";
  for (const el of document.querySelectorAll("main a, main button, main summary, main input[type=submit]")) {
    if (!visible(el)) continue;
    const box = el.getBoundingClientRect();
    const inlineText = getComputedStyle(el).display === "inline" && el.closest("p, .prose");
    if (box.height < 44 && !inlineText)
      problems.push(`tap target ${Math.round(box.height)}px: ${el.outerHTML.slice(0, 90)}`);
  }
  for (const el of document.querySelectorAll("main input, main select, main textarea")) {
    if (el.type === "hidden" || el.type === "submit") continue;
    if (!el.labels.length && !el.getAttribute("aria-label") && !el.getAttribute("aria-labelledby"))
      problems.push(`no label: ${el.outerHTML.slice(0, 90)}`);
  }
  const width = document.documentElement.scrollWidth;
  if (width > window.innerWidth) problems.push(`horizontal scroll: ${width}px in ${window.innerWidth}px`);
  return problems;
}"""


def check_page(page, name: str) -> None:
    """Screenshot, then no horizontal scroll, 44 px tap targets and a label on every field."""
    save_screenshot(page, name)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    problems = page.evaluate(LAYOUT_PROBLEMS)
    assert problems == [], f"{name}: {problems}"


def form_fields(page, selector: str) -> dict[str, str]:
    return page.eval_on_selector(
        selector, "form => Object.fromEntries([...new FormData(form)].filter(([, v]) => typeof v === 'string'))"
    )


# --- the member's flows ----------------------------------------------------------------------


def test_a_member_checks_in_once_from_the_home_page_on_a_double_tap(phone, open_activity):
    log_in(phone, "170 0000 0101")
    check_page(phone, "member-home")
    main = phone.inner_text("main")
    assert open_activity.date.strftime("%Y-%m-%d") in main
    assert "下一个统一活动日" in main

    phone.locator(f"main a[href$='/activities/mine/{open_activity.pk}/']").first.click()
    phone.wait_for_load_state("networkidle")
    assert "学习《我是党员》第三章" in phone.inner_text("main")
    check_page(phone, "member-activity-open")
    form = f"form[action$='/activities/mine/{open_activity.pk}/checkin/']"
    fields = form_fields(phone, form)

    phone.locator(".checkin-button").dblclick()
    phone.locator("#my-checkin .done").wait_for()
    assert phone.locator("#my-checkin h2").inner_text() == "已签到"
    assert CheckIn.objects.filter(activity=open_activity).count() == 1
    check_page(phone, "member-activity-checked-in")

    # The same form sent twice more, as a retry on a flaky network would.
    for _ in range(2):
        response = phone.request.post(phone.base + f"/activities/mine/{open_activity.pk}/checkin/", multipart=fields)
        assert response.ok
    checkins = list(CheckIn.objects.filter(activity=open_activity))
    assert len(checkins) == 1
    assert checkins[0].nonce == fields["nonce"]


def test_a_member_studies_a_material_once(phone, delivery):
    log_in(phone, "17000000101")
    phone.locator(".tabbar a[href$='/activities/study/']").click()
    phone.wait_for_load_state("networkidle")
    check_page(phone, "member-study")
    phone.locator(f"main a[href$='/activities/study/{delivery.pk}/']").first.click()
    phone.wait_for_load_state("networkidle")
    assert "第二段" in phone.inner_text("main")
    form = f"form[action$='/activities/study/{delivery.pk}/studied/']"
    fields = form_fields(phone, form)
    phone.locator(f"{form} button").click()
    phone.locator("main .done").wait_for()
    check_page(phone, "member-material-studied")
    delivery.refresh_from_db()
    studied_at = delivery.studied_at
    assert studied_at is not None

    response = phone.request.post(phone.base + f"/activities/study/{delivery.pk}/studied/", form=fields)
    assert response.ok
    delivery.refresh_from_db()
    assert delivery.studied_at == studied_at


def test_a_member_hands_in_a_report_and_finds_it_under_my_reports(phone, phone_member):
    log_in(phone, "17000000101")
    phone.locator(".tabbar a[href$='/me/']").click()
    phone.wait_for_load_state("networkidle")
    check_page(phone, "member-me")
    phone.goto(phone.base + "/reports/")
    check_page(phone, "member-reports-empty")
    phone.select_option("select[name=kind]", "work")
    phone.fill("input[name=title]", "三月份工作汇报")
    phone.fill("textarea[name=body]", "在外务工期间坚持学习，按时参加网络党支部活动。")
    phone.locator("main form button[type=submit]").click()
    phone.wait_for_load_state("networkidle")
    assert Report.objects.filter(member=phone_member, title="三月份工作汇报").count() == 1
    phone.goto(phone.base + "/reports/")
    assert "三月份工作汇报" in phone.inner_text("main .rows")
    check_page(phone, "member-reports")
    phone.locator(".tabbar a[href$='/inbox/']").click()
    phone.wait_for_load_state("networkidle")
    check_page(phone, "member-inbox")


def test_the_activity_page_switches_to_english(phone, open_activity):
    log_in(phone, "17000000101")
    phone.goto(phone.base + f"/activities/mine/{open_activity.pk}/")
    phone.locator("button[name=language][value=en]").click()
    phone.wait_for_load_state("networkidle")
    assert phone.locator("html").get_attribute("lang") == "en"
    assert phone.locator(".checkin-button").inner_text() == "Check in now"
    assert phone.locator("button[name=language][value=zh-hans]").get_attribute("lang") == "zh-hans"
    check_page(phone, "member-activity-en")


# --- offline: the service worker and the saved check-in -------------------------------------


def forget_offline_errors(page) -> None:
    """The console reports each request refused while offline; those are what the test asked for."""
    page.errors[:] = [error for error in page.errors if "ERR_INTERNET_DISCONNECTED" not in error]


def wait_for_service_worker(page) -> None:
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")


def test_a_check_in_made_offline_is_sent_once_when_the_phone_is_back_online(phone, open_activity):
    log_in(phone, "17000000101")
    phone.goto(phone.base + f"/activities/mine/{open_activity.pk}/")
    wait_for_service_worker(phone)
    context = phone.context

    context.set_offline(True)
    phone.locator(".checkin-button").click()
    queued = phone.locator("#my-checkin [role=status]")
    queued.wait_for()
    assert queued.inner_text() == phone.locator("script[data-queued]").get_attribute("data-queued")
    saved = phone.evaluate("JSON.parse(localStorage.getItem('netbranch:checkins'))")
    assert len(saved) == 1
    assert saved[0]["nonce"]
    assert CheckIn.objects.filter(activity=open_activity).count() == 0
    check_page(phone, "member-activity-offline-queued")

    context.set_offline(False)
    forget_offline_errors(phone)
    phone.locator("#my-checkin .done").wait_for()
    assert phone.evaluate("localStorage.getItem('netbranch:checkins')") is None
    checkins = list(CheckIn.objects.filter(activity=open_activity))
    assert len(checkins) == 1
    assert checkins[0].nonce == saved[0]["nonce"]

    # The same saved check-in sent again on the next page load is the same check-in.
    phone.evaluate("data => localStorage.setItem('netbranch:checkins', JSON.stringify(data))", saved)
    phone.goto(phone.base + "/")
    phone.wait_for_function("() => localStorage.getItem('netbranch:checkins') === null")
    assert CheckIn.objects.filter(activity=open_activity).count() == 1
    check_page(phone, "member-home-after-offline-checkin")


def test_offline_pages_fall_back_to_the_offline_page_and_no_page_is_stored(phone, open_activity):
    log_in(phone, "17000000101")
    phone.goto(phone.base + "/activities/mine/")
    wait_for_service_worker(phone)
    phone.goto(phone.base + f"/activities/mine/{open_activity.pk}/")

    phone.context.set_offline(True)
    phone.goto(phone.base + "/inbox/")
    assert phone.locator("main .offline").count() == 1
    check_page(phone, "offline")
    phone.context.set_offline(False)
    forget_offline_errors(phone)

    stored = phone.evaluate(
        """async () => {
          const urls = [];
          for (const name of await caches.keys()) {
            for (const request of await (await caches.open(name)).keys()) urls.push(new URL(request.url).pathname);
          }
          return urls;
        }"""
    )
    assert "/static/css/site.css" in stored
    assert "/offline/" in stored
    assert [url for url in stored if not url.startswith("/static/") and url != "/offline/"] == []


# --- weight and zoom ------------------------------------------------------------------------


def cold_load(browser, page, url: str) -> tuple[int, list[str]]:
    """Bytes of everything but images on a first visit with an empty cache, and other origins asked."""
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="zh-CN", storage_state=page.context.storage_state()
    )
    seen = []
    context.on("requestfinished", lambda request: seen.append(request))
    cold = context.new_page()
    cold.goto(url)
    cold.wait_for_load_state("networkidle")
    origin = urlsplit(url).netloc
    total = 0
    foreign = []
    for request in seen:
        if urlsplit(request.url).netloc != origin:
            foreign.append(request.url)
        if request.resource_type == "image":
            continue
        sizes = request.sizes()
        total += sizes["responseBodySize"] + sizes["responseHeadersSize"]
    context.close()
    return total, foreign


def test_home_and_the_activity_page_stay_under_150_kb_with_nothing_from_other_origins(browser, phone, open_activity):
    log_in(phone, "17000000101")
    for path in ("/", f"/activities/mine/{open_activity.pk}/"):
        total, foreign = cold_load(browser, phone, phone.base + path)
        assert foreign == []
        print(f"{path}: {total} bytes")
        assert 0 < total < BUDGET, f"{path}: {total} bytes"


@pytest.mark.parametrize("path", ["home", "activity"])
def test_text_zoomed_to_200_percent_needs_no_horizontal_scroll(browser, phone, open_activity, path):
    log_in(phone, "17000000101")
    # 200 % zoom on a 360 px phone lays the page out like a 180 px wide one.
    phone.set_viewport_size({"width": 180, "height": 740})
    url = phone.base + ("/" if path == "home" else f"/activities/mine/{open_activity.pk}/")
    phone.goto(url)
    phone.wait_for_load_state("networkidle")
    save_screenshot(phone, f"member-{path}-zoom-200")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 180
