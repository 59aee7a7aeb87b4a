"""Password login as an attacker would use it: brute force, locking a member out, the admin's login."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from members.models import User
from members.tests.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "secret-pass-123"
ADMIN_PASSWORD = "Admin-pass-2024-x"
EN = {"accept-language": "en"}
STRANGER_IP = "203.0.113.9"
OWNER_IP = "198.51.100.7"
THROTTLED = "Too many failed login attempts"


@pytest.fixture
def phone_member(branch_a):
    user = UserFactory(phone="+8613800138000", name="王五")
    return MemberFactory(name="王五", organization=branch_a, user=user, phone=user.phone)


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("+8617000000009", ADMIN_PASSWORD, name="系统管理员")


def logged_in_user_id(client) -> str | None:
    return client.session.get("_auth_user_id")


def login(client, password: str, *, ip: str, phone: str = "13800138000", **extra):
    data = {"login": phone, "password": password}
    return client.post(reverse("account_login"), data, headers=EN, REMOTE_ADDR=ip, **extra)


def admin_login(client, password: str, *, ip: str, phone: str = "+8617000000009"):
    data = {"username": phone, "password": password, "next": reverse("admin:index")}
    return client.post(reverse("admin:login"), data, headers=EN, REMOTE_ADDR=ip)


# --- item 6: lockout as a weapon ----------------------------------------------------------


def test_a_strangers_failures_from_one_ip_do_not_lock_the_owner_out(phone_member):
    stranger = Client()
    for _attempt in range(10):
        login(stranger, "wrong", ip=STRANGER_IP)
    assert THROTTLED in login(stranger, "wrong", ip=STRANGER_IP).content.decode()

    owner = Client()
    response = login(owner, PASSWORD, ip=OWNER_IP)
    assert response.status_code == 302
    assert logged_in_user_id(owner) == str(phone_member.user.pk)


def test_brute_force_from_one_ip_is_stopped_even_with_the_right_password(phone_member):
    client = Client()
    for _attempt in range(5):
        login(client, "wrong", ip=STRANGER_IP)
    response = login(client, PASSWORD, ip=STRANGER_IP)
    assert response.status_code == 200
    assert THROTTLED in response.content.decode()
    assert logged_in_user_id(client) is None


def test_slow_brute_force_from_one_ip_is_stopped_for_the_day(phone_member, time_machine):
    import datetime as dt

    from django.utils import timezone

    start = timezone.now()
    client = Client()
    for round_ in range(5):
        time_machine.move_to(start + dt.timedelta(minutes=6 * round_))
        for _attempt in range(5):
            login(client, "wrong", ip=STRANGER_IP)
    time_machine.move_to(start + dt.timedelta(hours=1))
    assert THROTTLED in login(client, PASSWORD, ip=STRANGER_IP).content.decode()
    # The owner elsewhere is still in.
    assert login(Client(), PASSWORD, ip=OWNER_IP).status_code == 302


def test_brute_force_from_many_ips_hits_the_per_phone_ceiling(phone_member, settings):
    # A client that chooses its own X-Forwarded-For looks like a new IP every time.
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    client = Client()
    answers = [
        login(client, "wrong", ip="10.0.0.1", HTTP_X_FORWARDED_FOR=f"192.0.{n // 250}.{n % 250}") for n in range(101)
    ]
    assert THROTTLED not in answers[0].content.decode()
    assert THROTTLED in answers[-1].content.decode()
    response = login(client, PASSWORD, ip="10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.251")
    assert THROTTLED in response.content.decode()
    assert logged_in_user_id(client) is None


def test_login_by_code_still_works_when_password_login_is_throttled(phone_member, sms_outbox, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    stranger = Client()
    for n in range(101):
        login(stranger, "wrong", ip="10.0.0.1", HTTP_X_FORWARDED_FOR=f"192.0.{n // 250}.{n % 250}")
    assert THROTTLED in login(Client(), PASSWORD, ip="10.0.0.1", HTTP_X_FORWARDED_FOR=OWNER_IP).content.decode()

    owner = Client()
    owner.post(reverse("account_request_login_code"), {"phone": "13800138000"}, HTTP_X_FORWARDED_FOR=OWNER_IP)
    code = re.search(r"\b(\d{6})\b", sms_outbox[-1].text).group(1)
    response = owner.post(reverse("account_confirm_login_code"), {"code": code}, HTTP_X_FORWARDED_FOR=OWNER_IP)
    assert response.status_code == 302
    assert logged_in_user_id(owner) == str(phone_member.user.pk)


def test_gunicorn_is_not_bound_to_every_interface_by_default():
    # Production trusts X-Forwarded-For: a client that reached gunicorn directly would choose its own IP.
    procfile = (Path(settings.BASE_DIR) / "Procfile").read_text()
    web = next(line for line in procfile.splitlines() if line.startswith("web:"))
    assert "0.0.0.0" not in web  # noqa: S104 (the check that nothing binds there)
    assert "[::]" not in web
    assert re.search(r"--bind\s+\S*(127\.0\.0\.1|unix:)", web)


# --- item 5: the admin login --------------------------------------------------------------


def test_the_admin_login_is_throttled_like_the_phone_login(superuser):
    client = Client()
    for _attempt in range(40):
        assert admin_login(client, "wrong", ip=STRANGER_IP).status_code == 200
    response = admin_login(client, ADMIN_PASSWORD, ip=STRANGER_IP)
    assert response.status_code == 200
    assert THROTTLED in response.content.decode()
    assert logged_in_user_id(client) is None


def test_the_admin_login_shares_the_counter_with_the_site_login(superuser):
    client = Client()
    for _attempt in range(5):
        login(client, "wrong", ip=STRANGER_IP, phone="17000000009")
    response = admin_login(client, ADMIN_PASSWORD, ip=STRANGER_IP)
    assert THROTTLED in response.content.decode()
    assert logged_in_user_id(client) is None


def test_the_admin_still_logs_in_from_elsewhere_however_the_number_is_typed(superuser):
    for _attempt in range(10):
        admin_login(Client(), "wrong", ip=STRANGER_IP)
    client = Client()
    response = admin_login(client, ADMIN_PASSWORD, ip=OWNER_IP, phone="170 0000 0009")
    assert response.status_code == 302
    assert response.url == reverse("admin:index")
    assert logged_in_user_id(client) == str(superuser.pk)


def test_the_admin_login_refuses_a_login_without_staff_status(phone_member):
    client = Client()
    response = admin_login(client, PASSWORD, ip=OWNER_IP, phone="13800138000")
    assert response.status_code == 200
    assert logged_in_user_id(client) is None
