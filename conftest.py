from contextlib import contextmanager

import pytest


@pytest.fixture(autouse=True)
def _sms_outbox():
    """Every test starts with an empty SMS outbox."""
    from members.sms import LocmemBackend

    LocmemBackend.outbox = []
    yield LocmemBackend.outbox


@pytest.fixture(autouse=True)
def _fresh_channel_settings():
    """Channel settings cached by an earlier test's rolled-back rows must not leak."""
    from notifications.services import forget_channel_settings

    forget_channel_settings()


@pytest.fixture
def sms_outbox(_sms_outbox):
    return _sms_outbox


@pytest.fixture
def branch_a(db):
    from branches.tests.factories import OrganizationFactory

    return OrganizationFactory(name="A网络党支部", code="branch-a", is_online=True)


@pytest.fixture
def branch_b(db):
    from branches.tests.factories import OrganizationFactory

    return OrganizationFactory(name="B党支部", code="branch-b")


@pytest.fixture
def secretary(branch_a):
    """alice: secretary of branch A."""
    from branches.models import Role
    from branches.tests.factories import RoleFactory
    from members.tests.factories import UserFactory

    user = UserFactory(name="alice")
    RoleFactory(user=user, organization=branch_a, kind=Role.Kind.SECRETARY)
    return user


@pytest.fixture
def member(branch_a):
    """bob: a member of branch A with a login."""
    from members.tests.factories import MemberFactory, UserFactory

    user = UserFactory(name="bob")
    return MemberFactory(name="bob", organization=branch_a, user=user, phone=user.phone)


@pytest.fixture
def outsider(branch_b):
    """charlie: a member of branch B with a login."""
    from members.tests.factories import MemberFactory, UserFactory

    user = UserFactory(name="charlie")
    return MemberFactory(name="charlie", organization=branch_b, user=user, phone=user.phone)


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright; never a downloaded browser."""
    import os
    import shutil

    if shutil.which(CHROMIUM) is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; the ORM calls
    # that tests make around it are still synchronous and safe.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def phone(browser, live_server, settings):
    """A fresh 360 by 740 phone-sized page; console errors and CSP violations fail the test."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN", device_scale_factor=2)
    page = context.new_page()
    page.errors = []
    page.on("console", lambda msg: page.errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.base = live_server.url
    yield page
    context.close()
    if page.errors:
        pytest.fail(f"the browser reported errors: {page.errors}")


PHONE_SIZE = (360, 740)
DESKTOP_SIZE = (1280, 800)


@contextmanager
def open_page(browser, live_server, width: int, height: int):
    """A fresh page of the given size in its own context; console errors and CSP violations fail the test."""
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale="zh-CN", device_scale_factor=2, accept_downloads=True
    )
    page = context.new_page()
    page.errors = []
    page.on("console", lambda msg: page.errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.base = live_server.url
    try:
        yield page
    finally:
        context.close()
    if page.errors:
        pytest.fail(f"the browser reported errors: {page.errors}")


@pytest.fixture
def desktop(browser, live_server, settings):
    """A fresh 1280 by 800 desktop page."""
    with open_page(browser, live_server, *DESKTOP_SIZE) as page:
        yield page


@pytest.fixture(
    params=[("zh-hans", PHONE_SIZE), ("zh-hans", DESKTOP_SIZE), ("en", PHONE_SIZE), ("en", DESKTOP_SIZE)],
    ids=["zh-360", "zh-1280", "en-360", "en-1280"],
)
def any_screen(request, browser, live_server, settings):
    """A page at each of the four screens a test must hold on: (zh-hans, en) x (phone, desktop).

    ``page.language`` is the language the test should switch to on the page itself, the way a reader
    does; the browser's own locale stays Chinese.
    """
    language, size = request.param
    with open_page(browser, live_server, *size) as page:
        page.language = language
        page.width = size[0]
        yield page


def click_link(page, name: str) -> None:
    """Follow the first link of exactly this visible name, as a reader would, and wait for the page."""
    page.get_by_role("link", name=name, exact=True).first.click()
    page.wait_for_load_state()


def click_button(page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).first.click()
    page.wait_for_load_state()


def labelled(page, label: str):
    """A form field by its label, which may end in a colon (Chinese or Latin)."""
    import re

    return page.get_by_label(re.compile(rf"^\s*{re.escape(label)}\s*[:：]?\s*$"))


LOGIN_WORDS = {
    "zh-hans": {"login": "用手机号登录", "phone": "手机号", "password": "密码", "submit": "登录"},
    "en": {
        "login": "Log in with your phone number",
        "phone": "Mobile phone",
        "password": "Password",
        "submit": "Log in",
    },
}


def log_in_from_landing(page, language: str, phone: str, password: str) -> None:
    """From the landing page, in ``language`` (switched on the page as a reader does), log in with a phone number."""
    words = LOGIN_WORDS[language]
    page.goto(page.base + "/")
    page.wait_for_load_state()
    if language == "en":
        page.locator("button[name=language][value=en]").first.click()
        page.wait_for_load_state()
    click_link(page, words["login"])
    labelled(page, words["phone"]).fill(phone)
    labelled(page, words["password"]).fill(password)
    click_button(page, words["submit"])


def save_screenshot(page, name: str) -> None:
    """Screenshots are kept as test artifacts under var/screenshots/."""
    from pathlib import Path

    folder = Path(__file__).parent / "var" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The statutory dues rates are data from a migration: a reused test database may have lost them."""
    from dues.rates import ensure_statutory_rates

    with django_db_blocker.unblock():
        ensure_statutory_rates()


@pytest.fixture(autouse=True)
def _statutory_dues_rates(request, django_db_blocker):
    """Tests that empty every table when they end (transactional, live server) take the rates along;
    every test with database access finds them in place (one query when nothing is missing)."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None and not {"db", "transactional_db", "live_server"} & set(request.fixturenames):
        return
    from dues.rates import ensure_statutory_rates

    with django_db_blocker.unblock():
        ensure_statutory_rates()
