"""A member on a 360 px phone: log in with phone and password, see the home page, switch language."""

import datetime as dt

import pytest

from conftest import save_screenshot
from members.tests.factories import MemberFactory, UserFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def phone_member(branch_a):
    user = UserFactory(phone="+8617000000101", name="何大勇")
    return MemberFactory(
        user=user, phone=user.phone, organization=branch_a, name="何大勇", joined_party_on=dt.date(2008, 7, 1)
    )


PASSWORD = "secret-pass-123"


def log_in(page, phone_number: str, password: str = PASSWORD) -> None:
    page.goto(page.base + "/accounts/login/")
    page.get_by_label("手机号").fill(phone_number)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").first.click()
    page.wait_for_load_state("networkidle")


def test_a_member_logs_in_on_a_phone_and_sees_the_next_activity_day(phone, phone_member):
    log_in(phone, "170 0000 0101")
    assert phone.url.rstrip("/") == phone.base
    body = phone.inner_text("main")
    assert "何大勇" in body
    assert "下一个统一活动日" in body
    next_day = phone_member.organization.activity_day
    assert f"-{next_day:02d}" in body
    # Nothing wider than the phone: no horizontal scrolling.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    save_screenshot(phone, "home-zh")


def test_a_wrong_password_is_refused_in_chinese(phone, phone_member):
    log_in(phone, "17000000101", password="wrong-password")
    assert "/accounts/login/" in phone.url
    assert phone.locator(".errorlist, .message.error, [role=alert]").count() >= 1


def test_the_english_switch_changes_the_page(phone, phone_member):
    log_in(phone, "17000000101")
    phone.locator("button[name=language][value=en]").click()
    phone.wait_for_load_state("networkidle")
    assert "Next activity day" in phone.inner_text("main")
    assert phone.locator("html").get_attribute("lang") == "en"
    save_screenshot(phone, "home-en")
