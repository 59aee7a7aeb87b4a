"""Shared helpers of the bottom layer: month arithmetic, chunks, the HTTP seam and the domain error."""

import datetime as dt
import io
import urllib.error
from unittest import mock

import pytest
from django.contrib.messages import get_messages
from django.http import HttpResponse
from django.test import RequestFactory

from branches import http
from branches.chunks import chunked
from branches.dates import add_months, last_months, month_end, shift_month
from branches.errors import DomainError, DomainErrorMiddleware, add_to_form


@pytest.mark.parametrize(
    ("year", "month", "months", "expected"),
    [(2026, 12, 1, (2027, 1)), (2026, 1, -1, (2025, 12)), (2026, 6, -18, (2024, 12)), (2026, 3, 0, (2026, 3))],
)
def test_shift_month_crosses_year_ends_both_ways(year, month, months, expected):
    assert shift_month(year, month, months) == expected


def test_month_end_knows_leap_years():
    assert month_end(2024, 2) == dt.date(2024, 2, 29)
    assert month_end(2026, 2) == dt.date(2026, 2, 28)
    assert month_end(2100, 2) == dt.date(2100, 2, 28)
    assert month_end(2026, 12) == dt.date(2026, 12, 31)


def test_add_months_keeps_the_day_or_takes_the_month_end():
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert add_months(dt.date(2026, 11, 15), 3) == dt.date(2027, 2, 15)


def test_last_months_end_with_this_month():
    assert last_months(dt.date(2026, 2, 10), 3) == [(2025, 12), (2026, 1), (2026, 2)]


def test_chunked_cuts_any_iterable():
    assert list(chunked(range(5), 2)) == [[0, 1], [2, 3], [4]]
    assert list(chunked([], 3)) == []
    with pytest.raises(ValueError):
        list(chunked([1], 0))


def answer(body=b"{}"):
    response = mock.MagicMock()
    response.__enter__.return_value.read.return_value = body
    return response


def test_post_json_sends_json_and_returns_the_body():
    with mock.patch("branches.http.urlopen", return_value=answer(b'{"ok": 1}')) as urlopen:
        body = http.post_json("https://example.invalid/x", {"text": "你好"}, headers={"X-A": "1"}, timeout=3)
    request = urlopen.call_args.args[0]
    assert body == b'{"ok": 1}'
    assert request.data.decode() == '{"text": "你好"}'
    assert request.get_header("Content-type") == "application/json"
    assert urlopen.call_args.kwargs["timeout"] == 3


@pytest.mark.parametrize(("code", "permanent"), [(400, True), (404, True), (429, False), (500, False), (503, False)])
def test_post_json_says_which_http_errors_are_worth_a_retry(code, permanent):
    error = urllib.error.HTTPError("https://example.invalid/x?key=secret", code, "no", {}, io.BytesIO())
    with mock.patch("branches.http.urlopen", side_effect=error), pytest.raises(http.HttpError) as raised:
        http.post_json("https://example.invalid/x?key=secret", {})
    assert raised.value.permanent is permanent
    assert raised.value.status == code
    assert "secret" not in str(raised.value)


def test_post_json_treats_an_unreachable_host_as_transient():
    error = urllib.error.URLError(ConnectionRefusedError())
    with mock.patch("branches.http.urlopen", side_effect=error), pytest.raises(http.HttpError) as raised:
        http.post_json("https://example.invalid/", {})
    assert raised.value.permanent is False


class ClosedWindow(DomainError):
    default_code = "closed"


def test_a_domain_error_carries_a_message_a_code_and_a_field():
    error = ClosedWindow("窗口已关闭", field="date")
    assert (str(error), error.code, error.field) == ("窗口已关闭", "closed", "date")
    assert DomainError().code == "refused"
    assert str(DomainError()) == "目前无法进行此操作。"  # Chinese is the default language


def test_add_to_form_blames_the_named_field_or_the_form():
    from django import forms

    class Form(forms.Form):
        date = forms.CharField(required=False)

    form = Form({})
    assert form.is_valid()
    add_to_form(form, ClosedWindow("关闭", field="date"))
    add_to_form(form, ClosedWindow("另一个", field="nonexistent"))
    assert form.errors == {"date": ["关闭"], "__all__": ["另一个"]}


@pytest.mark.django_db
def test_an_uncaught_refusal_is_a_message_on_the_page_the_user_came_from(client):
    from django.contrib.messages.storage.fallback import FallbackStorage

    def view(request):
        raise ClosedWindow("签到已截止")

    middleware = DomainErrorMiddleware(lambda request: HttpResponse())
    request = RequestFactory().post("/activities/1/", HTTP_REFERER="http://testserver/activities/1/")
    request.session = {}
    request._messages = FallbackStorage(request)
    try:
        view(request)
    except DomainError as error:
        response = middleware.process_exception(request, error)
    assert response.status_code == 303
    assert response["Location"] == "http://testserver/activities/1/"
    assert [str(m) for m in get_messages(request)] == ["签到已截止"]

    request = RequestFactory().post("/x/", HTTP_REFERER="https://evil.example/")
    request.session = {}
    request._messages = FallbackStorage(request)
    assert middleware.process_exception(request, ClosedWindow())["Location"] == "/"
    assert middleware.process_exception(request, ValueError()) is None
