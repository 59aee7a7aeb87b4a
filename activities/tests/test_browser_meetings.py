"""A committee meeting from plan to approved record, by clicking only: 360 px in Chinese, 1280 px in English.

The branch's secretary starts at the landing page, plans a 支委会 for today,
marks who came and who was excused and why, writes the minutes with a photo
and submits the record. The committee's secretary finds it among the
records to review, returns it with a comment; the branch's secretary mends
and submits it again, and the committee approves it.
"""

from __future__ import annotations

import io

import pytest
from django.utils import timezone
from PIL import Image

from activities.models import Activity, Attendance, Leave, MeetingFile
from branches.models import Organization, Role
from branches.tests.factories import OrganizationFactory, RoleFactory
from committees.models import Post
from committees.tests.factories import PostFactory
from conftest import (
    DESKTOP_SIZE,
    PHONE_SIZE,
    click_button,
    click_link,
    labelled,
    log_in_from_landing,
    open_page,
    save_screenshot,
)
from members.tests.factories import MemberFactory, UserFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PASSWORD = "secret-pass-123"
SECRETARY_PHONE = "17000000801"
REVIEWER_PHONE = "17000000802"

WORDS = {
    "zh-hans": {
        "workspace": "工作台",
        "plan": "安排会议",
        "kind": "类型",
        "date": "日期",
        "theme": "主题",
        "do_plan": "安排",
        "meetings": "三会一课与组织生活",
        "write": "填写会议记录",
        "host": "主持人",
        "minutes": "会议记录",
        "file": "照片或文件",
        "attach": "上传",
        "save": "保存会议记录",
        "send": "提交审核",
        "to_review": "待审核的会议记录",
        "comment": "审核意见（退回时必填）",
        "return": "退回",
        "approve": "批准",
    },
    "en": {
        "workspace": "Workspace",
        "plan": "Plan a meeting",
        "kind": "Kind",
        "date": "Date",
        "theme": "Theme",
        "do_plan": "Plan",
        "meetings": "Meetings and activities",
        "write": "Write the record",
        "host": "Host",
        "minutes": "Minutes",
        "file": "Photo or document",
        "attach": "Attach",
        "save": "Save the record",
        "send": "Submit for review",
        "to_review": "Meeting records to review",
        "comment": "Comment (required when returning)",
        "return": "Return",
        "approve": "Approve",
    },
}


@pytest.fixture
def branch(db):
    committee = OrganizationFactory(kind=Organization.Kind.COMMITTEE, name="东山煤矿党委", code="dongshan")
    branch = OrganizationFactory(name="东山网络党支部", code="dongshan-online", parent=committee, is_online=True)
    secretary = UserFactory(phone=f"+86{SECRETARY_PHONE}", name="钱书记")
    RoleFactory(user=secretary, organization=branch, kind=Role.Kind.SECRETARY)
    reviewer = UserFactory(phone=f"+86{REVIEWER_PHONE}", name="孙组织部长")
    RoleFactory(user=reviewer, organization=committee, kind=Role.Kind.SECRETARY)
    for name, kind in (
        ("李委员", Post.Kind.SECRETARY),
        ("周委员", Post.Kind.ORGANIZATION),
        ("吴委员", Post.Kind.MEMBER),
    ):
        PostFactory(organization=branch, member=MemberFactory(organization=branch, name=name), kind=kind)
    MemberFactory(organization=branch, name="郑党员")
    return branch


def photo(tmp_path):
    path = tmp_path / "会议照片.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), "navy").save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return str(path)


def log_in(page, words, language, phone):
    log_in_from_landing(page, language, phone, PASSWORD)


def fits(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"wider than the screen: {page.url}"


def review(browser, live_server, size, words, language, decision, comment=""):
    with open_page(browser, live_server, *size) as page:
        page.set_default_timeout(10_000)
        log_in(page, words, language, REVIEWER_PHONE)
        click_link(page, words["workspace"])
        click_link(page, words["to_review"])
        page.get_by_role("link", name="东山网络党支部", exact=False).first.click()
        page.wait_for_load_state()
        fits(page, size[0])
        if comment:
            labelled(page, words["comment"]).fill(comment)
        click_button(page, words[decision])


def open_meeting(page, words):
    """From the workspace to the meeting, through the list of meetings."""
    click_link(page, words["workspace"])
    click_link(page, words["meetings"])
    page.get_by_role("link", name="研究发展党员工作", exact=False).first.click()
    page.wait_for_load_state()


@pytest.mark.parametrize(
    ("language", "size"), [("zh-hans", PHONE_SIZE), ("en", DESKTOP_SIZE)], ids=["zh-360", "en-1280"]
)
def test_a_committee_meeting_from_plan_to_approved_record(browser, live_server, branch, tmp_path, language, size):
    words = WORDS[language]
    with open_page(browser, live_server, *size) as page:
        page.set_default_timeout(10_000)
        log_in(page, words, language, SECRETARY_PHONE)
        click_link(page, words["workspace"])
        click_link(page, words["plan"])
        labelled(page, words["kind"]).select_option(value="committee")
        labelled(page, words["date"]).fill(timezone.localdate().isoformat())
        labelled(page, words["theme"]).fill("研究发展党员工作")
        click_button(page, words["do_plan"])
        assert "研究发展党员工作" in page.content()
        fits(page, size[0])

        # Two committee members came without phones; the third told the secretary why he could not.
        for name in ("李委员", "周委员"):
            page.locator("details.manual summary").first.click()
            page.locator("details.manual li", has_text=name).locator("button").first.click()
            page.wait_for_load_state()
        page.locator("details.manual summary").first.click()
        absent = page.locator("details.manual li", has_text="吴委员")
        absent.locator("input[name=reason]").fill("井下抢修")
        absent.locator("form.excuse button").click()
        page.wait_for_load_state()
        assert "井下抢修" in page.content()
        fits(page, size[0])

        click_link(page, words["write"])
        labelled(page, words["host"]).select_option(label="李委员")
        labelled(page, words["minutes"]).fill("会议研究了两名入党积极分子的培养情况。")
        click_button(page, words["save"])
        click_link(page, words["write"])
        page.locator("input[type=file]").set_input_files(photo(tmp_path))
        click_button(page, words["attach"])
        assert page.get_by_role("link", name="会议照片.jpg", exact=False).count() == 1
        fits(page, size[0])
        save_screenshot(page, f"meeting-record-{language[:2]}-{size[0]}")

        open_meeting(page, words)
        click_button(page, words["send"])

    review(browser, live_server, size, words, language, "return", comment="请补充表决情况")
    meeting = Activity.objects.get(kind=Activity.Kind.COMMITTEE)
    assert meeting.record_status == Activity.RecordStatus.RETURNED

    with open_page(browser, live_server, *size) as page:
        page.set_default_timeout(10_000)
        log_in(page, words, language, SECRETARY_PHONE)
        open_meeting(page, words)
        assert "请补充表决情况" in page.content()
        click_link(page, words["write"])
        labelled(page, words["minutes"]).fill("会议研究了两名入党积极分子的培养情况。表决：同意2票。")
        click_button(page, words["save"])
        click_button(page, words["send"])

    review(browser, live_server, size, words, language, "approve")
    meeting.refresh_from_db()
    assert meeting.record_status == Activity.RecordStatus.APPROVED
    assert "同意2票" in meeting.minutes and meeting.host.name == "李委员"
    assert MeetingFile.objects.get(activity=meeting).is_photo
    assert Leave.objects.get(activity=meeting).reason == "井下抢修"
    # Still open today: the outcomes come at the close, from these check-ins and this leave.
    assert meeting.checkins.count() == 2 and not Attendance.objects.filter(activity=meeting).exists()
