"""Login while the cache's Redis is stopped or frozen, and after it is back.

The project's Redis cache backend, as production configures it, talks to a
real redis-server that each test starts on its own port. allauth's rate
limiter takes a lock and keeps counters in that cache on every login POST.
"""

import logging
import time

import pytest
from django.test import Client
from django.urls import reverse

from config.settings.base import redis_cache
from config.tests.redis_server import redis_server  # noqa: F401 (fixture)
from members.tests.factories import MemberFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

PHONE = "+8613800138000"
PASSWORD = "secret-pass-123"
EN = {"accept-language": "en"}
WRONG_PASSWORD_ERROR = "phone number and/or password you specified are not correct"
# A login that waits longer than this on a hung cache is as good as down for the member.
BOUNDED_SECONDS = 3
# How long the test keeps Redis frozen at most, should a request hang on it.
FROZEN_AT_MOST = 8
# The backend tries Redis again this soon after an outage (production waits longer).
RETRY_AFTER = 1


@pytest.fixture
def phone_member(branch_a):
    user = UserFactory(phone=PHONE, name="王五")
    return MemberFactory(name="王五", organization=branch_a, user=user, phone=user.phone)


@pytest.fixture
def real_redis_cache(settings, redis_server):  # noqa: F811
    settings.CACHES = {"default": redis_cache(redis_server.url, RETRY_AFTER=RETRY_AFTER)}
    from django.core.cache import cache

    cache.clear()
    return redis_server


def browser() -> Client:
    # As a browser sees it: a server error is a page, not an exception in the test.
    return Client(raise_request_exception=False)


def timed_post(client: Client, path: str, data: dict):
    started = time.monotonic()
    response = client.post(path, data, headers=EN)
    return response, time.monotonic() - started


def assert_logged_in(client: Client, response, member) -> None:
    assert response.status_code == 302, response.status_code
    assert response.url == reverse("home")
    assert client.session.get("_auth_user_id") == str(member.user.pk)
    assert client.get(reverse("home")).status_code == 200


def assert_wrong_password_refused(client: Client, response) -> None:
    assert response.status_code == 200, response.status_code
    assert WRONG_PASSWORD_ERROR in response.content.decode()
    assert client.session.get("_auth_user_id") is None


def warm_up(redis_server) -> None:  # noqa: F811
    """A login that went through Redis, so the web process holds an open connection to it."""
    client = browser()
    response, _ = timed_post(client, reverse("account_login"), {"login": PHONE, "password": "wrong"})
    assert_wrong_password_refused(client, response)
    assert any(b"allauth" in key for key in redis_server.client().keys("*"))


def leftover_locks(redis_server) -> list[bytes]:  # noqa: F811
    return [key for key in redis_server.client().keys("*") if key.endswith(b":lock")]


def test_login_by_password_works_while_the_cache_redis_is_stopped(phone_member, real_redis_cache, caplog):
    warm_up(real_redis_cache)
    real_redis_cache.kill()
    caplog.set_level(logging.WARNING, logger="branches.cache")

    client = browser()
    assert client.get(reverse("account_login")).status_code == 200
    response, _ = timed_post(client, reverse("account_login"), {"login": PHONE, "password": "wrong"})
    assert_wrong_password_refused(client, response)
    response, _ = timed_post(client, reverse("account_login"), {"login": "138 0013 8000", "password": PASSWORD})
    assert_logged_in(client, response, phone_member)
    # One line for the operator, not one per request.
    assert len([r for r in caplog.records if r.name == "branches.cache"]) == 1


def test_login_by_code_works_while_the_cache_redis_is_stopped(phone_member, real_redis_cache, sms_outbox):
    import re

    real_redis_cache.kill()
    client = browser()
    response = client.post(reverse("account_request_login_code"), {"phone": PHONE})
    assert response.status_code == 302, response.status_code
    code = re.search(r"\b(\d{6})\b", sms_outbox[-1].text).group(1)
    response = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert response.status_code == 302, response.status_code
    assert client.session.get("_auth_user_id") == str(phone_member.user.pk)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("account_signup", {"phone": "13900139000", "password1": "Another-pass-456", "password2": "Another-pass-456"}),
        ("account_reset_password", {"phone": PHONE, "email": "nobody@example.com"}),
    ],
)
def test_the_other_entrance_forms_answer_while_the_cache_redis_is_stopped(phone_member, real_redis_cache, name, data):
    real_redis_cache.kill()
    client = browser()
    assert client.get(reverse(name)).status_code == 200
    response = client.post(reverse(name), data, headers=EN)
    assert response.status_code < 500, response.status_code


def test_login_by_password_answers_in_bounded_time_while_the_cache_redis_is_frozen(phone_member, real_redis_cache):
    warm_up(real_redis_cache)
    client, attacker = browser(), browser()
    with real_redis_cache.frozen(at_most=FROZEN_AT_MOST):
        wrong, wrong_seconds = timed_post(attacker, reverse("account_login"), {"login": PHONE, "password": "wrong"})
        right, right_seconds = timed_post(client, reverse("account_login"), {"login": PHONE, "password": PASSWORD})
    assert wrong_seconds < BOUNDED_SECONDS, wrong_seconds
    assert_wrong_password_refused(attacker, wrong)
    assert right_seconds < BOUNDED_SECONDS, right_seconds
    assert_logged_in(client, right, phone_member)


def test_the_first_login_after_a_freeze_is_not_refused_by_a_lock_left_behind(phone_member, real_redis_cache):
    warm_up(real_redis_cache)
    with real_redis_cache.frozen(at_most=FROZEN_AT_MOST):
        # The commands sent into the hung connection run once Redis thaws:
        # among them the rate limiter's lock, which nobody releases then.
        client = browser()
        timed_post(client, reverse("account_login"), {"login": PHONE, "password": "wrong"})
    time.sleep(RETRY_AFTER + 0.2)

    client = browser()
    response, _ = timed_post(client, reverse("account_login"), {"login": PHONE, "password": PASSWORD})
    # A lock left behind makes allauth wait a second for it and then answer 429.
    assert_logged_in(client, response, phone_member)
    assert leftover_locks(real_redis_cache) == []
    # The login was counted in Redis again, not only in this process.
    assert any(b":login:" in key for key in real_redis_cache.client().keys("*"))


def test_the_first_login_after_a_restart_goes_through_redis_again(phone_member, real_redis_cache):
    warm_up(real_redis_cache)
    real_redis_cache.kill()
    client = browser()
    timed_post(client, reverse("account_login"), {"login": PHONE, "password": "wrong"})
    real_redis_cache.start()
    time.sleep(RETRY_AFTER + 0.2)

    client = browser()
    response, _ = timed_post(client, reverse("account_login"), {"login": PHONE, "password": PASSWORD})
    assert_logged_in(client, response, phone_member)
    assert leftover_locks(real_redis_cache) == []
    assert any(b":login:" in key for key in real_redis_cache.client().keys("*"))
