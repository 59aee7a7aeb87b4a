"""A branch secretary's day in Debian's Chromium, by clicking only.

Every test starts at the landing page ("/"), the one address a person types; every later step
clicks a visible link or button by the name a reader sees, in Chinese (the default) and in
English (switched with the language buttons on the page), on a 360 px phone and on a 1280 px
desktop. A step that would need a typed address fails the test.

The roster import runs on a real Celery worker, started once the page shows the progress bar,
so the bar is seen waiting and then finishing, as it does when a worker picks the file up late.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.utils import timezone
from playwright.sync_api import Error as PlaywrightError

from activities.models import Activity, Leave, Report
from activities.tests.factories import ActivityFactory
from branches.models import Organization, Role
from branches.tests.factories import GroupFactory, OrganizationFactory, RoleFactory
from branches.tests.workers import broker, reset_broker_pools, worker_factory  # noqa: F401
from conftest import DESKTOP_SIZE, PHONE_SIZE, save_screenshot
from members.models import Member, RosterImport, SignupRequest
from members.tests.factories import InvitationFactory, MemberFactory, UserFactory, id_number

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _factory_numbers_below_the_files():
    """The imported file's numbers (…0401 to …0403) must be new: the factory's sequence starts again below them.

    The sequence runs on across the whole test run, so however many members earlier tests made, the
    branch's own members would otherwise one day take exactly these phone and ID numbers.
    """
    MemberFactory.reset_sequence(0)


PASSWORD = "secret-pass-123"  # the factories' password for every test login
SECRETARY_PHONE = "17000000201"
COMMITTEE_PHONE = "17000000202"
WORKER_SECONDS = 45_000  # ms: a cold worker start plus the preview and the confirm


@dataclass
class Day:
    """What a secretary of an online branch finds in the morning."""

    committee: Organization
    branch: Organization
    secretary: Member
    found: Member
    signup: SignupRequest
    activity: Activity
    leave: Leave
    report: Report


@pytest.fixture
def day(db) -> Day:
    today = timezone.localdate()
    committee = OrganizationFactory(name="东山煤矿党委", code="dongshan", kind=Organization.Kind.COMMITTEE)
    branch = OrganizationFactory(
        name="东山网络党支部", code="dongshan-online", parent=committee, is_online=True, activity_day=min(today.day, 28)
    )
    one, two = GroupFactory(parent=branch, name="一组"), GroupFactory(parent=branch, name="二组")
    user = UserFactory(phone=f"+86{SECRETARY_PHONE}", name="王书记")
    RoleFactory(user=user, organization=branch, kind=Role.Kind.SECRETARY)
    secretary = MemberFactory(user=user, phone=user.phone, organization=branch, name="王书记", group=one)
    found = MemberFactory(
        organization=branch,
        group=two,
        name="何大勇",
        phone="+8617000000301",
        workplace="东莞某电子厂",
        hardship_note="父亲住院。",
        user=UserFactory(phone="+8617000000301", name="何大勇"),
    )
    for name, group in (("李春花", one), ("张建国", two), ("陈小明", None)):
        MemberFactory(organization=branch, group=group, name=name, user=UserFactory(name=name))
    # A roster entry not yet activated, and the signup of the same person that the secretary links to it.
    MemberFactory(organization=branch, group=one, name="赵六", phone="+8617000000309")
    signup = SignupRequest.objects.create(
        user=UserFactory(phone="+8617000000310", name="赵六", phone_verified=True),
        invitation=InvitationFactory(organization=branch),
        organization=branch,
        name="赵六",
    )
    activity = ActivityFactory(organization=branch, date=today, theme="学习《我是党员》第三章", place="视频会议")
    leave_taker = Member.objects.get(name="李春花")
    leave = Leave.objects.create(member=leave_taker, activity=activity, reason="在工地值夜班。")
    report = Report.objects.create(
        member=found, kind=Report.Kind.WORK, title="三月份工作汇报", body="在外务工期间坚持学习。"
    )
    # The committee's own secretary, who reads the statistics of the whole committee.
    RoleFactory(
        user=UserFactory(phone=f"+86{COMMITTEE_PHONE}", name="党委刘书记"),
        organization=committee,
        kind=Role.Kind.SECRETARY,
    )
    return Day(committee, branch, secretary, found, signup, activity, leave, report)


# --- what a person does: open the landing page, then click ----------------------------------


def say(page, zh: str, en: str) -> str:
    """The text the page shows in the language the test reads it in."""
    return en if page.language == "en" else zh


def click_link(page, zh: str, en: str, *, exact: bool = True) -> None:
    page.get_by_role("link", name=say(page, zh, en), exact=exact).first.click()
    page.wait_for_load_state()


def click_button(page, zh: str, en: str) -> None:
    page.get_by_role("button", name=say(page, zh, en), exact=True).first.click()
    page.wait_for_load_state()


def field(page, zh: str, en: str):
    """A form field by its label, which may end in a colon."""
    return page.get_by_label(re.compile(rf"^\s*{re.escape(say(page, zh, en))}\s*[:：]?\s*$"))


def main_text(page) -> str:
    return page.inner_text("main")


def messages(page) -> str:
    messages = page.locator("main .messages")
    return messages.inner_text() if messages.count() else ""


def landing(page) -> None:
    """The one typed address: the landing page, which is the home page once logged in."""
    page.goto(page.base + "/")
    page.wait_for_load_state()


def log_in(page, phone_number: str) -> None:
    # A page that shows what a person looks for shows it at once; no step waits long for it.
    page.set_default_timeout(10_000)
    landing(page)
    if page.language == "en":
        # The language buttons name each language in itself.
        page.get_by_role("button", name="English", exact=True).click()
        page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == page.language
    click_link(page, "用手机号登录", "Log in with your phone number")
    field(page, "手机号", "Mobile phone").fill(phone_number)
    field(page, "密码", "Password").fill(PASSWORD)
    click_button(page, "登录", "Log in")
    assert page.url.rstrip("/") == page.base, f"after login the page is {page.url}"
    assert page.locator("html").get_attribute("lang") == page.language


def browse(page, *steps: tuple[str, str]) -> None:
    """From the home page, a click on each named link in turn."""
    landing(page)
    for zh, en in steps:
        click_link(page, zh, en)


# --- the day -------------------------------------------------------------------------------


def find_a_member(page, day: Day) -> None:
    browse(page, ("名册", "Roster"))
    page.get_by_role("searchbox").fill("何大勇")
    click_button(page, "搜索", "Search")
    assert say(page, "找到 1 名党员", "1 member found") in main_text(page)
    page.get_by_role("link", name=re.compile(r"^\s*何大勇")).first.click()
    page.wait_for_load_state()
    assert page.locator("main h1").inner_text().startswith("何大勇")
    assert "+8617000000301" not in main_text(page), "the phone number is masked until revealed"


def reveal_and_edit(page, day: Day) -> None:
    click_button(page, "显示完整手机号和身份证号", "Show full phone and ID number")
    shown = main_text(page)
    assert "17000000301" in shown.replace(" ", "")
    assert day.found.id_number in shown
    click_link(page, "编辑", "Edit")
    field(page, "工作单位", "Workplace").fill("深圳某建筑工地")
    click_button(page, "保存", "Save")
    assert say(page, "已保存修改。", "Changes saved.") in messages(page), f"no success message: {main_text(page)}"
    assert "深圳某建筑工地" in main_text(page)
    day.found.refresh_from_db()
    assert day.found.workplace == "深圳某建筑工地"


def approve_a_signup(page, day: Day) -> None:
    browse(page, ("名册", "Roster"), ("审核", "Approvals"))
    assert "赵六" in main_text(page)
    click_button(page, "通过并关联", "Approve and link")
    assert say(page, "已通过：赵六现在可以登录了。", "Approved: 赵六 can now log in.") in messages(page)
    assert say(page, "没有待审核的注册申请。", "No signup is waiting.") in main_text(page)
    day.signup.refresh_from_db()
    assert day.signup.status == SignupRequest.Status.APPROVED


def gbk_roster() -> bytes:
    """Three new members as a spreadsheet saved as CSV by a Chinese Excel: GBK, slashes in dates."""
    rows = [
        "姓名,性别,手机号,身份证号,出生日期,入党日期,转正日期,党员状态,所在党小组,是否流动党员,外出省份,外出城市,工作单位",
        f"孙丽娟,女,17000000401,{id_number(401)},1985/7/1,2012/7/1,2013/7/1,正式党员,一组,是,广东,佛山,某陶瓷厂",
        f"周德胜,男,17000000402,{id_number(402)},1985/7/1,2015/6/30,2016/6/30,正式党员,二组,是,浙江,义乌,某物流公司",
        f"吴秀兰,女,17000000403,{id_number(403)},1985/7/1,2024/5/4,,预备党员,,否,,,",
    ]
    return ("\r\n".join(rows) + "\r\n").encode("gbk")


def upload_roster(page, day: Day, name: str, data: bytes) -> None:
    browse(page, ("名册", "Roster"), ("导入名册", "Import roster"))
    field(page, "党支部", "Branch").select_option(label=day.branch.name)
    field(page, "名册文件", "Roster file").set_input_files(
        {"name": name, "mimeType": "text/csv" if name.endswith(".csv") else "application/octet-stream", "buffer": data}
    )
    click_button(page, "上传并预览", "Upload and preview")


def wait_for_the_progress_bar(page) -> None:
    """The bar's page reloads itself with the result once the worker is done."""
    page.locator("main progress").wait_for(state="detached", timeout=WORKER_SECONDS)
    page.wait_for_load_state()


def import_a_gbk_csv(page, day: Day, start_worker) -> None:
    upload_roster(page, day, "新党员.csv", gbk_roster())
    # The file waits for a worker: the page says so under its progress bar.
    assert page.locator("main progress").is_visible()
    assert say(page, "正在等待后台任务处理…", "Waiting for the background worker…") in main_text(page)
    start_worker()
    wait_for_the_progress_bar(page)
    preview = main_text(page)
    assert "孙丽娟" in preview and "吴秀兰" in preview
    click_button(page, "确认导入", "Confirm the import")
    wait_for_the_progress_bar(page)
    assert say(page, "已导入：新增 3 人，更新 0 人。", "Imported: 3 added, 0 updated.") in main_text(page)
    assert set(Member.objects.filter(phone__startswith="+861700000040").values_list("name", flat=True)) == {
        "孙丽娟",
        "周德胜",
        "吴秀兰",
    }


def export_and_reimport(page, day: Day, tmp_path) -> None:
    landing(page)
    click_link(page, "名册", "Roster")
    with page.expect_download() as download_info:
        page.get_by_role("link", name=say(page, "导出完整名册", "Export full roster"), exact=True).first.click()
    download = download_info.value
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    before = list(Member.objects.order_by("pk").values())
    upload_roster(page, day, download.suggested_filename, path.read_bytes())
    wait_for_the_progress_bar(page)
    shown = main_text(page)
    # The site's own full export, imported back, changes nothing.
    unchanged = say(page, "名册中已包含该文件的全部内容。", "The roster already holds everything in this file.")
    assert unchanged in shown, shown
    assert page.get_by_role("button", name=say(page, "确认导入", "Confirm the import")).count() == 0
    assert RosterImport.objects.count() == 2
    assert list(Member.objects.order_by("pk").values()) == before


def edit_this_months_activity(page, day: Day) -> None:
    browse(page, ("统一活动日", "Activity days"))
    click_link(page, day.activity.date.strftime("%Y-%m-%d"), day.activity.date.strftime("%Y-%m-%d"), exact=False)
    assert "学习《我是党员》第三章" in main_text(page)
    click_link(page, "编辑活动", "Edit the activity")
    before = Activity.objects.filter(pk=day.activity.pk).values().get()
    click_button(page, "保存", "Save")
    # Saved unchanged: back on the activity's page, nothing different.
    assert "/edit/" not in page.url, f"the form did not save: {main_text(page)}"
    assert "学习《我是党员》第三章" in main_text(page)
    assert Activity.objects.filter(pk=day.activity.pk).values().get() == before


def decide_a_leave(page, day: Day) -> None:
    browse(page, ("工作台", "Workspace"), ("请假申请", "Leave requests"))
    assert "李春花" in main_text(page) and "在工地值夜班。" in main_text(page)
    click_button(page, "批准", "Approve")
    assert say(page, "已批准请假。", "Leave approved.") in messages(page)
    day.leave.refresh_from_db()
    assert day.leave.status == Leave.Status.APPROVED


def answer_a_report(page, day: Day) -> None:
    browse(page, ("工作台", "Workspace"), ("待回复的汇报", "Reports to answer"))
    click_link(page, "三月份工作汇报", "三月份工作汇报", exact=False)
    field(page, "回复", "Reply").fill("收到，注意安全，按时参加活动。")
    click_button(page, "发送回复", "Send the reply")
    assert say(page, "回复已发送给何大勇。", "Your reply was sent to 何大勇.") in messages(page)
    row = page.locator("main li", has_text="三月份工作汇报")
    assert say(page, "已回复", "Answered") in row.inner_text()
    click_link(page, "三月份工作汇报", "三月份工作汇报", exact=False)
    assert "收到，注意安全，按时参加活动。" in main_text(page)
    day.report.refresh_from_db()
    assert day.report.replied_at is not None


def open_branch_statistics(page, day: Day) -> None:
    browse(page, ("工作台", "Workspace"))
    save_screenshot(page, f"workspace-{page.language[:2]}-{page.width}")
    # The statistics link in the branch's row of the organizations managed.
    row = page.locator("main li").filter(has_text=day.branch.name)
    row.get_by_role("link", name=say(page, "统计", "Statistics"), exact=True).first.click()
    page.wait_for_load_state()
    title = say(page, f"{day.branch.name}出勤情况", f"Attendance of {day.branch.name}")
    assert page.locator("main h1").inner_text() == title


@pytest.fixture
def worker(worker_factory, settings):  # noqa: F811
    """A Celery worker on this test's broker, not started yet; it reads the uploads where the site saved them."""
    # The app's pooled connections may still point at an earlier test's broker folder.
    reset_broker_pools()
    yield worker_factory(DJANGO_MEDIA_ROOT=str(settings.MEDIA_ROOT))
    reset_broker_pools()


# The whole day on a phone in Chinese and on a desktop in English; the other two screens get the
# reachability walk below, which keeps the run short.
WALK_SCREENS = [("zh-hans", PHONE_SIZE), ("en", DESKTOP_SIZE)]
REACH_SCREENS = [("zh-hans", DESKTOP_SIZE), ("en", PHONE_SIZE)]


@pytest.mark.parametrize("any_screen", WALK_SCREENS, indirect=True, ids=["zh-360", "en-1280"])
def test_a_secretarys_day_by_clicking_only(any_screen, day, worker, settings, tmp_path):
    page = any_screen
    # Every roster file of this test, however small, goes to the background worker.
    settings.ROSTER_IMPORT_ASYNC_ROWS = 1

    log_in(page, SECRETARY_PHONE)
    assert say(page, "王书记，您好", "Hello, 王书记") in main_text(page)
    find_a_member(page, day)
    reveal_and_edit(page, day)
    approve_a_signup(page, day)
    try:
        import_a_gbk_csv(page, day, worker.start)
        export_and_reimport(page, day, tmp_path)
    except (AssertionError, PlaywrightError) as exc:
        raise AssertionError(f"{exc}\n--- worker log ---\n{worker.output()}") from None
    edit_this_months_activity(page, day)
    decide_a_leave(page, day)
    answer_a_report(page, day)
    open_branch_statistics(page, day)


# --- every task within two clicks ----------------------------------------------------------

# Placeholders for what the fixture names: the member found, this month's activity date, the branch.
MEMBER, TODAY, BRANCH, COMMITTEE = "<member>", "<today>", "<branch>", "<committee>"


@dataclass
class Task:
    """A task and the visible names of a link that does it; ``within``: text of the row the link sits in."""

    task: str
    zh: list[str]
    en: list[str]
    within: str = ""


SECRETARY_TASKS = [
    Task("roster", ["名册"], ["Roster"]),
    Task("a member", [MEMBER], [MEMBER]),
    Task("add member", ["添加党员"], ["Add a member"]),
    Task("import", ["导入名册"], ["Import roster"]),
    Task("export, masked", ["导出名册"], ["Export roster"]),
    Task("export, full", ["导出完整名册"], ["Export full roster"]),
    Task("approvals", ["审核", "待审核的注册"], ["Approvals", "Signups to approve"]),
    Task("invitation codes", ["邀请码"], ["Invitation codes"]),
    Task("roles", ["职务"], ["Roles"]),
    Task("hardship visits", ["走访帮扶", "待走访的困难党员"], ["Hardship visits", "Hardship visits due"]),
    Task("silent members", ["失联党员"], ["Silent members"]),
    Task("activities", ["统一活动日"], ["Activity days"]),
    Task("this month's activity", [TODAY, "本月活动"], [TODAY, "This month's activity"], within=TODAY),
    Task("its edit page", ["编辑活动", "编辑"], ["Edit the activity", "Edit"], within=TODAY),
    Task("check-in list", ["签到名单"], ["Check-in list"], within=TODAY),
    Task("leave requests", ["请假申请", "待审批的请假"], ["Leave requests", "Leave requests to decide"]),
    Task("reports to answer", ["待回复的汇报"], ["Reports to answer"]),
    Task("statistics, branch", ["统计", "支部统计"], ["Statistics", "Branch statistics"], within=BRANCH),
    Task("evaluation", ["考评"], ["Evaluation"]),
    Task("channels", ["通知方式", "支部通知设置"], ["Channels", "Branch channels"]),
    Task("message templates", ["消息模板"], ["Message templates"]),
    Task("branch committee", ["支部委员会"], ["Branch committee"], within=BRANCH),
    Task("committees and terms", ["支委会与换届"], ["Branch committees and terms"]),
]
COMMITTEE_TASKS = [
    Task("statistics, committee", ["统计", "党委统计"], ["Statistics", "Committee statistics"], within=COMMITTEE),
    Task("statistics, a branch of it", ["统计", "支部统计"], ["Statistics", "Branch statistics"], within=BRANCH),
    Task("its branches' committees and terms", ["支委会与换届"], ["Branch committees and terms"]),
    Task("a branch's committee", ["支部委员会"], ["Branch committee"], within=BRANCH),
]

VISIBLE_LINKS = """() => {
  const visible = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";
  const text = (el) => (el ? el.innerText : "").replace(/\\s+/g, " ").trim();
  // The list item or table row the link belongs to: the nearest one that says more than the link.
  const row = (a) => {
    for (let el = a.parentElement.closest("li, tr"); el; el = el.parentElement.closest("li, tr"))
      if (text(el) !== text(a)) return text(el);
    return "";
  };
  const links = [];
  for (const a of document.querySelectorAll("a[href]")) {
    if (!visible(a)) continue;
    a.dataset.reach = links.length;
    links.push({
      index: links.length,
      name: (a.getAttribute("aria-label") || "").trim() || text(a),
      row: row(a),
      href: a.getAttribute("href"),
      download: a.hasAttribute("download"),
    });
  }
  return links;
}"""
NOT_PAGES = re.compile(r"^(#|tel:|mailto:|https?://)|\.(xlsx|csv|jpg|png|pdf)(\?|$)|/admin/|/accounts/logout")


def named(link_name: str, name: str) -> bool:
    """The link's visible name is the task's name, maybe followed by a count or more text."""
    return link_name == name or (link_name.startswith(name) and not link_name[len(name)].isalnum())


def reachable_links(page) -> list[dict]:
    """Breadth first from the home page: every link seen within two clicks."""
    landing(page)
    first = page.evaluate(VISIBLE_LINKS)
    seen = list(first)
    visited = {page.url}
    for link in first:
        href = link["href"]
        if NOT_PAGES.search(href) or link["download"] or href in visited:
            continue
        visited.add(href)
        landing(page)
        page.evaluate(VISIBLE_LINKS)
        page.locator(f'[data-reach="{link["index"]}"]').click()
        page.wait_for_load_state()
        seen.extend(page.evaluate(VISIBLE_LINKS))
    return seen


def unreached(page, tasks: list[Task], aliases: dict[str, str]) -> list[str]:
    seen = reachable_links(page)
    missing = []
    for task in tasks:
        names = [aliases.get(name, name) for name in (task.en if page.language == "en" else task.zh)]
        within = aliases.get(task.within, task.within)
        if not any(
            named(link["name"], name) and within in (link["row"] or link["name"]) for link in seen for name in names
        ):
            missing.append(f"{task.task} ({' / '.join(names)}{f' in {within}' if within else ''})")
    return missing


@pytest.mark.parametrize("any_screen", REACH_SCREENS, indirect=True, ids=["zh-1280", "en-360"])
def test_every_secretary_task_is_within_two_clicks_of_the_home_page(any_screen, day):
    page = any_screen
    log_in(page, SECRETARY_PHONE)
    aliases = {MEMBER: day.found.name, TODAY: day.activity.date.strftime("%Y-%m-%d"), BRANCH: day.branch.name}
    missing = unreached(page, SECRETARY_TASKS, aliases)
    browse(page, ("工作台", "Workspace"))
    save_screenshot(page, f"workspace-{page.language[:2]}-{page.width}")
    assert missing == [], f"not reached within two clicks at {page.language}@{page.width}: {missing}"


def test_the_committee_reaches_its_own_and_its_branches_statistics_within_two_clicks(desktop, day):
    page = desktop
    page.language, page.width = "zh-hans", DESKTOP_SIZE[0]
    log_in(page, COMMITTEE_PHONE)
    missing = unreached(page, COMMITTEE_TASKS, {BRANCH: day.branch.name, COMMITTEE: day.committee.name})
    assert missing == [], f"not reached within two clicks: {missing}"
