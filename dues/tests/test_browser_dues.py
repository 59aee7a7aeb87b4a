"""Party dues as people use them, in Debian's Chromium, by clicking only.

From the landing page (the one address anyone types) the branch secretary sets a member's salary
basis and sees the month's due appear; the member, in a browser of their own, reports the payment
with a phone photo of the receipt; the secretary confirms it from the workspace's to-do count and
the member sees the month paid. A member two months behind is reminded once however often the
reminder sweep runs. The committee's secretary reads the branch's paid figure in the totals, the
branch secretary publishes the half-year and the member opens it from the notice in their inbox.

In Chinese on a 360 px phone and in English (switched with the page's own language buttons) on a
1280 px desktop. Every dues page on the way must fit the screen's width; a console error, or a page
answered with an error status, fails the test.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from contextlib import ExitStack
from dataclasses import dataclass

import pytest
from django.utils import timezone
from PIL import ExifTags, Image

from branches.dates import shift_month
from branches.models import Organization, Role
from branches.sweeps import run_sweep
from branches.tests.factories import OrganizationFactory, RoleFactory
from conftest import open_page, save_screenshot
from dues import services
from dues.committee_data import half_of
from dues.models import Category, Due, Payment, Publication, first_of_month
from dues.rates import ensure_statutory_rates
from members.models import Member
from members.tests.factories import MemberFactory, UserFactory
from notifications.models import Notification

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PASSWORD = "secret-pass-123"  # the factories' password for every login
SECRETARY_PHONE = "17000000601"
MEMBER_PHONE = "17000000602"
BEHIND_PHONE = "17000000603"
COMMITTEE_PHONE = "17000000604"
PHONE = (360, 800)
DESKTOP = (1280, 900)


@dataclass
class Branch:
    committee: Organization
    branch: Organization
    member: Member  # 何大勇: no dues basis yet
    behind: Member  # 李春花: the two months before this one unpaid


def month_before(month: dt.date, months: int) -> dt.date:
    return dt.date(*shift_month(month.year, month.month, -months), 1)


@pytest.fixture
def dues_branch(db) -> Branch:
    # The rates are migration data: an earlier test of this session that emptied every table took them along.
    ensure_statutory_rates()
    today = timezone.localdate()
    this_month = first_of_month(today)
    committee = OrganizationFactory(name="东山煤矿党委", code="dongshan", kind=Organization.Kind.COMMITTEE)
    branch = OrganizationFactory(name="东山网络党支部", code="dongshan-online", parent=committee, is_online=True)

    def person(phone: str, name: str) -> Member:
        user = UserFactory(phone=f"+86{phone}", name=name)
        return MemberFactory(user=user, phone=user.phone, organization=branch, name=name)

    secretary = person(SECRETARY_PHONE, "王书记")
    RoleFactory(user=secretary.user, organization=branch, kind=Role.Kind.SECRETARY)
    # The secretary's own dues are set and start this month: nothing of theirs is in arrears.
    services.set_basis(secretary, category=Category.SALARY, income_fen=600_000, applies_from=this_month, today=today)
    member = person(MEMBER_PHONE, "何大勇")
    behind = person(BEHIND_PHONE, "李春花")
    services.set_basis(
        behind, category=Category.SALARY, income_fen=300_000, applies_from=month_before(this_month, 2), today=today
    )
    RoleFactory(
        user=UserFactory(phone=f"+86{COMMITTEE_PHONE}", name="党委刘书记"),
        organization=committee,
        kind=Role.Kind.SECRETARY,
    )
    return Branch(committee, branch, member, behind)


def receipt_photo(path) -> None:
    """A phone photo of a bank receipt: a real JPEG that carries where it was taken."""
    image = Image.new("RGB", (900, 600), (245, 245, 240))
    image.paste((30, 90, 180), (60, 60, 840, 160))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (22.0, 48.0, 10.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (113.0, 45.0, 2.25)
    image.save(path, "JPEG", exif=exif, quality=90)
    with Image.open(path) as saved:
        assert saved.getexif().get_ifd(ExifTags.IFD.GPSInfo), "the photo to upload carries a location"


# --- what a person does: open the landing page, then click ----------------------------------


def say(page, zh: str, en: str) -> str:
    return en if page.language == "en" else zh


# The elements whose right edge is the page's width: what makes the page wider than the screen.
TOO_WIDE = """() => {
  const width = document.documentElement.scrollWidth;
  const atEdge = (el) => Math.abs(el.getBoundingClientRect().right + window.scrollX - width) <= 2;
  const classes = (el) => (typeof el.className === "string" ? el.className.split(/\\s+/).filter(Boolean) : []);
  const name = (el) => [el.tagName.toLowerCase() + (el.id ? "#" + el.id : ""), ...classes(el)].join(".");
  const text = (el) => el.textContent.trim().slice(0, 30);
  return [...document.querySelectorAll("body *")]
    .filter((el) => atEdge(el) && ![...el.children].some(atEdge))
    .slice(0, 5)
    .map((el) => `${name(el)} in ${name(el.parentElement)}: "${text(el)}"`);
}"""


def arrived(page) -> None:
    """After each click: the page has loaded, and a dues page fits the screen's width."""
    page.wait_for_load_state()
    if "/dues/" in page.url:
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if width[0] > width[1] + 1:
            wide = page.evaluate(TOO_WIDE)
            pytest.fail(f"{page.url} is {width[0]} px wide on a {width[1]} px screen; too wide: {wide}")
        page.dues_pages.add(page.url.split("?")[0].removeprefix(page.base))


def click_link(page, zh: str, en: str, *, within=None, exact: bool = True) -> None:
    (within or page).get_by_role("link", name=say(page, zh, en), exact=exact).first.click()
    arrived(page)


def click_button(page, zh: str, en: str) -> None:
    page.get_by_role("button", name=say(page, zh, en), exact=True).first.click()
    arrived(page)


def field(page, zh: str, en: str):
    """A form field by its label, which may end in a colon."""
    return page.get_by_label(re.compile(rf"^\s*{re.escape(say(page, zh, en))}\s*[:：]?\s*$"))


def main_text(page) -> str:
    return page.inner_text("main")


def landing(page) -> None:
    """The one typed address: the landing page, which is the home page once logged in."""
    page.goto(page.base + "/")
    page.wait_for_load_state()


def log_in(page, phone_number: str) -> None:
    landing(page)
    if page.language == "en":
        # The language buttons name each language in itself.
        page.get_by_role("button", name="English", exact=True).click()
        page.wait_for_load_state()
    click_link(page, "用手机号登录", "Log in with your phone number")
    field(page, "手机号", "Mobile phone").fill(phone_number)
    field(page, "密码", "Password").fill(PASSWORD)
    click_button(page, "登录", "Log in")
    assert page.url.rstrip("/") == page.base, f"after login the page is {page.url}"
    assert page.locator("html").get_attribute("lang") == page.language


def open_inbox(page) -> None:
    """From whatever page: the inbox is in every page's navigation."""
    # The link's name carries the unread count after the word.
    page.get_by_role("link", name=re.compile(rf"^\s*{say(page, '通知', 'Inbox')}")).first.click()
    arrived(page)


@pytest.fixture(params=[("zh-hans", PHONE), ("en", DESKTOP)], ids=["zh-360", "en-1280"])
def screens(request, browser, live_server):
    """A new browser (its own cookies) for each person, all of one language and screen size."""
    language, size = request.param
    with ExitStack() as stack:

        def new_browser():
            page = stack.enter_context(open_page(browser, live_server, *size))
            page.language, page.width, page.dues_pages = language, size[0], set()
            page.set_default_timeout(10_000)
            # A page answered with an error status fails the test like a console error does.
            page.on(
                "response",
                lambda response: (
                    page.errors.append(f"{response.status} {response.url}")
                    if response.request.is_navigation_request() and response.status >= 400
                    else None
                ),
            )
            return page

        yield new_browser


# --- the walk ---------------------------------------------------------------------------------


def secretary_sets_a_salary_basis(page, world: Branch, this_month: dt.date) -> None:
    log_in(page, SECRETARY_PHONE)
    click_link(page, "工作台", "Workspace")
    row = page.locator("main li.row").filter(has_text=world.branch.name)
    click_link(page, "党费台账", "Dues ledger", within=row)
    assert say(page, f"{world.branch.name}党费台账", f"Dues ledger of {world.branch.name}") in main_text(page)
    click_link(page, "无党费基数", "No dues basis")
    listed = main_text(page)
    assert "何大勇" in listed and "李春花" not in listed and "王书记" not in listed
    click_link(page, "何大勇", "何大勇")
    assert say(page, "尚无党费基数", "No dues basis yet") in main_text(page)
    click_link(page, "设定党费基数", "Set the dues basis")
    field(page, "类别", "Category").select_option(value=Category.SALARY)
    field(page, "月实际收入（元）", "Monthly net income (yuan)").fill("4000.00")
    field(page, "起用月份", "Applies from (month)").fill(f"{this_month:%Y-%m}")
    click_button(page, "保存", "Save")
    shown = main_text(page)
    saved = say(
        page, "党费基数已保存，未交月份已按新基数计算。", "The dues basis is saved; the unpaid months follow it."
    )
    assert saved in shown, shown
    assert say(page, "每月 4,000.00 元", "4,000.00 yuan a month") in shown
    # The basis wrote this month's due at once: 4,000 yuan is in the 1 % bracket.
    month_row = page.locator("main table tr").filter(has_text=f"{this_month:%Y-%m}")
    assert "40.00" in month_row.inner_text()
    assert say(page, "未交", "Unpaid") in month_row.inner_text()
    assert list(Due.objects.filter(member=world.member).values_list("month", "amount_fen")) == [(this_month, 4000)]


def member_reports_the_payment(page, world: Branch, this_month: dt.date, receipt) -> Payment:
    log_in(page, MEMBER_PHONE)
    card = page.locator("main section").filter(has=page.get_by_role("heading", name=say(page, "党费", "Party dues")))
    assert say(page, "本月党费 40.00 元", "This month's dues: 40.00 yuan") in card.inner_text()
    assert say(page, "未交", "Not paid yet") in card.inner_text()
    # The link names the month after the amount.
    click_link(page, "本月党费 40.00 元", "This month's dues: 40.00 yuan", within=card, exact=False)
    assert page.locator("main h1").inner_text() == say(page, "我的党费", "My Party dues")
    click_link(page, "报告交纳", "Report a payment")
    # The form starts at what is owed: this month, 40.00 yuan.
    assert field(page, "起始月份", "From (month)").input_value() == f"{this_month:%Y-%m}"
    assert field(page, "截止月份", "Until (month)").input_value() == f"{this_month:%Y-%m}"
    assert field(page, "金额（元）", "Amount (yuan)").input_value() in {"40.00", "40"}
    field(page, "回单（照片或截图）", "Receipt (photo or screenshot)").set_input_files(str(receipt))
    save_screenshot(page, f"dues-report-{page.language[:2]}-{page.width}")
    click_button(page, "提交交纳报告", "Report the payment")
    shown = main_text(page)
    reported = say(
        page, "已报告交纳情况，书记确认后生效。", "Your payment was reported. The secretary will confirm it."
    )
    assert reported in shown, shown
    this = page.locator("main section").filter(has_text=say(page, f"本月（{this_month:%Y-%m}）", "This month"))
    assert say(page, "已报送，待确认", "Reported, awaiting confirmation") in this.first.inner_text()

    payment = Payment.objects.get(member=world.member)
    assert (payment.status, payment.first_month, payment.last_month, payment.amount_fen) == (
        Payment.Status.REPORTED,
        this_month,
        this_month,
        4000,
    )
    # The stored receipt is the photo re-encoded without its metadata: no location, no camera.
    with payment.receipt.open("rb") as stored, Image.open(io.BytesIO(stored.read())) as image:
        assert image.format == "JPEG"
        assert not image.getexif(), dict(image.getexif())
        assert "exif" not in image.info
    return payment


def secretary_confirms_it_from_the_workspace(page, world: Branch, this_month: dt.date) -> None:
    # From the page the secretary left open: the workspace is in every page's navigation.
    click_link(page, "工作台", "Workspace")
    todo = page.locator("#todo li").filter(
        has_text=say(page, "党费待确认的党员", "Members whose dues wait for confirmation")
    )
    assert todo.locator(".badge").inner_text() == "1"
    click_link(page, "党费待确认的党员", "Members whose dues wait for confirmation", within=todo)
    queued = page.locator("#payments li").filter(has_text="何大勇")
    assert "40.00" in queued.inner_text()
    # The receipt the member uploaded shows, as an image the browser could decode.
    thumb = queued.locator("img.receipt-thumb")
    thumb.scroll_into_view_if_needed()
    page.wait_for_function("(img) => img.complete", arg=thumb.element_handle())
    assert thumb.evaluate("(img) => img.naturalWidth") > 0
    click_button(page, "确认", "Confirm")
    confirmed = say(page, f"已确认交纳：{this_month:%Y-%m}。", f"Payment confirmed: {this_month:%Y-%m}.")
    assert confirmed in main_text(page)
    assert say(page, "没有待确认的交纳。", "No payment waits for confirmation.") in main_text(page)


def member_sees_the_month_paid(page, world: Branch, this_month: dt.date) -> None:
    landing(page)
    card = page.locator("main section").filter(has=page.get_by_role("heading", name=say(page, "党费", "Party dues")))
    assert say(page, "已交", "Paid") in card.inner_text()
    click_link(page, "本月党费 40.00 元", "This month's dues: 40.00 yuan", within=card, exact=False)
    this = page.locator("main section").filter(has_text=say(page, f"本月（{this_month:%Y-%m}）", "This month")).first
    assert say(page, "已交", "Paid") in this.inner_text()
    payments = page.locator("main section").filter(
        has=page.get_by_role("heading", name=say(page, "交纳记录", "Payments"), exact=True)
    )
    assert say(page, "已确认", "Confirmed") in payments.inner_text()
    assert Due.objects.get(member=world.member, month=this_month).payment_id is not None


def the_member_behind_is_reminded_once(page, world: Branch) -> None:
    # The beat's job, run here twice as a restarted beat or a redelivered task would.
    assert run_sweep("dues_reminders") == {"reminded": 1}
    assert run_sweep("dues_reminders") == {"reminded": 0}
    log_in(page, BEHIND_PHONE)
    assert say(page, "您有 1 条未读通知。", "You have 1 unread notice.") in main_text(page)
    open_inbox(page)
    notices = page.locator("main ul.rows > li")
    assert notices.count() == 1, main_text(page)
    title = say(page, "党费欠交 2 个月", "Party dues outstanding for 2 months")
    assert title in notices.first.inner_text()
    notices.first.get_by_role("link").click()
    arrived(page)
    click_link(page, "打开", "Open")
    assert page.locator("main h1").inner_text() == say(page, "我的党费", "My Party dues")
    owing = page.locator("main section").filter(has=page.get_by_role("heading", name=say(page, "欠交", "Outstanding")))
    assert say(page, "2 个月", "2 months") in owing.inner_text()
    assert Notification.objects.filter(member=world.behind, kind="dues_arrears").count() == 1


def committee_reads_the_paid_figure(page, world: Branch) -> None:
    log_in(page, COMMITTEE_PHONE)
    click_link(page, "工作台", "Workspace")
    click_link(page, "待确认的党费", "Dues to confirm")
    click_link(page, "党费收缴统计", "Party dues totals")
    assert say(page, f"{world.committee.name}的党费", f"Party dues of {world.committee.name}") in main_text(page)
    row = page.locator("#dues-totals tbody tr").filter(has_text=world.branch.name)
    cells = [cell.strip() for cell in row.locator("td").all_inner_texts()]
    # Columns: members with dues, due, paid, outstanding, to remit upward, of which voluntary extra.
    assert cells[2] == "40.00", cells
    assert cells[4] == "40.00", cells


def secretary_publishes_the_half_year(page, world: Branch, today: dt.date) -> Publication:
    click_link(page, "工作台", "Workspace")
    click_link(page, "待确认的党费", "Dues to confirm")
    click_link(page, "党费收缴统计", "Party dues totals")
    row = page.locator("#dues-totals tbody tr").filter(has_text=world.branch.name)
    click_link(page, "公示", "Publication", within=row)
    field(page, "年度", "Year").fill(str(today.year))
    half = half_of(today)
    field(page, "半年度", "Half-year").select_option(
        label=say(page, "1—6月", "January–June") if half == 1 else say(page, "7—12月", "July–December")
    )
    click_button(page, "公示", "Publish")
    published = say(
        page, "已公示，已在站内信通知本支部党员。", "Published. The branch's members have been told in their inbox."
    )
    assert published in main_text(page)
    publication = Publication.objects.get(organization=world.branch)
    assert (publication.year, publication.half, publication.show_amounts) == (today.year, half, False)
    return publication


def member_opens_the_publication(page, world: Branch, this_month: dt.date, publication: Publication) -> None:
    open_inbox(page)
    notice = page.locator("main ul.rows > li").filter(has_text=world.branch.name)
    assert notice.count() == 1, main_text(page)
    notice.get_by_role("link").click()
    arrived(page)
    click_link(page, "打开", "Open")
    assert page.url.endswith(f"/dues/publications/{publication.pk}/"), page.url
    table = page.locator("#publication")
    months = [text.strip() for text in table.locator("thead th").all_inner_texts()][1:]
    assert months == [f"{month:%Y-%m}" for month in publication.months]
    column = months.index(f"{this_month:%Y-%m}")
    mine = table.locator("tbody tr").filter(has_text="何大勇")
    assert mine.locator("td").nth(column).get_attribute("class") == "paid"
    behind = table.locator("tbody tr").filter(has_text="李春花")
    assert behind.locator("td").nth(column).get_attribute("class") == "unpaid"
    shown = main_text(page)
    # Without show_amounts nobody's amount or income is on the page.
    assert "40.00" not in shown and "4,000" not in shown
    save_screenshot(page, f"dues-publication-{page.language[:2]}-{page.width}")


def test_dues_from_the_basis_to_the_half_year_publication_by_clicking_only(screens, dues_branch, tmp_path):
    today = timezone.localdate()
    this_month = first_of_month(today)
    receipt = tmp_path / "IMG_20260601_093012.jpg"
    receipt_photo(receipt)
    secretary, member, behind, committee = screens(), screens(), screens(), screens()

    secretary_sets_a_salary_basis(secretary, dues_branch, this_month)
    member_reports_the_payment(member, dues_branch, this_month, receipt)
    secretary_confirms_it_from_the_workspace(secretary, dues_branch, this_month)
    member_sees_the_month_paid(member, dues_branch, this_month)
    the_member_behind_is_reminded_once(behind, dues_branch)
    committee_reads_the_paid_figure(committee, dues_branch)
    publication = secretary_publishes_the_half_year(secretary, dues_branch, today)
    member_opens_the_publication(member, dues_branch, this_month, publication)

    visited = set().union(*(page.dues_pages for page in (secretary, member, behind, committee)))
    # Every kind of dues page the walk meant to reach was reached, and each fitted the screen.
    expected = {
        f"/dues/branch/{dues_branch.branch.pk}/",
        f"/dues/member/{dues_branch.member.pk}/",
        f"/dues/member/{dues_branch.member.pk}/basis/",
        "/dues/mine/",
        "/dues/mine/report/",
        "/dues/queue/",
        "/dues/totals/",
        f"/dues/branches/{dues_branch.branch.pk}/publish/",
        f"/dues/publications/{publication.pk}/",
    }
    assert expected <= visited, sorted(expected - visited)
