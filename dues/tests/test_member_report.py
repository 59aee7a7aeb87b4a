"""Reporting a payment with a receipt, and declaring an income: what is written, and that bad input writes nothing."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from dues import services
from dues.models import Basis, Category, Payment
from dues.tests.member_helpers import NOW, TODAY, jpeg_upload, month, salary_from

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def stored_files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file())


def report_data(**overrides) -> dict:
    data = {
        "first_month": "2026-03",
        "last_month": "2026-06",
        "amount_yuan": "160.00",
        "paid_on": "2026-06-14",
        "method": "transfer",
        "payer_name": "",
        "note": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def owing(member):
    """bob pays 40.00 a month from January; January and February are paid."""
    salary_from(member, month(1))
    services.record_payment(
        member, first_month=month(1), last_month=month(2), amount_fen=8000, paid_on=month(2), today=TODAY
    )
    return member


def test_the_form_starts_with_the_oldest_unpaid_month_to_this_one_and_their_amount(client, owing):
    client.force_login(owing.user)
    response = client.get(reverse("dues:report"), headers={"accept-language": "en"})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["first_month"] == month(3)
    assert form.initial["last_month"] == month(6)
    assert str(form.initial["amount_yuan"]) == "160"
    body = response.content.decode()
    assert 'type="month"' in body and 'value="2026-03"' in body and 'value="2026-06"' in body
    assert 'value="2026-06-15"' in body  # paid on: today, ISO in the date input


def test_with_nothing_owed_the_form_offers_the_next_month_ahead(client, owing):
    services.record_payment(
        owing, first_month=month(3), last_month=month(6), amount_fen=16000, paid_on=TODAY, today=TODAY
    )
    client.force_login(owing.user)
    form = client.get(reverse("dues:report")).context["form"]
    assert (form.initial["first_month"], form.initial["last_month"]) == (month(7), month(7))
    assert str(form.initial["amount_yuan"]) == "40"


def test_a_member_reports_a_payment_with_a_jpeg_receipt_in_chinese(client, owing, media):
    client.force_login(owing.user)
    data = report_data(receipt=jpeg_upload(with_gps=True), payer_name="王芳", amount_yuan="170.00")
    response = client.post(reverse("dues:report"), data, headers={"accept-language": "zh-hans"})
    assert response.status_code == 302
    assert response["Location"] == reverse("dues:mine")
    payment = Payment.objects.get(member=owing, status=Payment.Status.REPORTED)
    assert (payment.first_month, payment.last_month, payment.amount_fen) == (month(3), month(6), 17000)
    assert payment.payer_name == "王芳" and payment.on_behalf
    assert payment.entered_by == owing.user
    # The receipt is stored re-encoded, under a random name, without the phone's metadata.
    assert "IMG_2026" not in payment.receipt.name
    with Image.open(payment.receipt.path) as stored:
        assert stored.format == "JPEG"
        assert not stored.getexif()
    # Nothing is settled until the secretary confirms.
    assert not owing.dues.filter(month__gte=month(3), payment__isnull=False).exists()
    page = client.get(reverse("dues:mine"), headers={"accept-language": "zh-hans"}).content.decode()
    assert reverse("dues:my_receipt", args=[payment.pk]) in page


def test_the_secretary_confirming_it_settles_the_months_and_counts_the_extra(client, owing, secretary):
    client.force_login(owing.user)
    client.post(reverse("dues:report"), report_data(amount_yuan="170.00"))
    payment = Payment.objects.get(status=Payment.Status.REPORTED)
    services.decide_payment(payment, accept=True, by=secretary, today=TODAY)
    payment.refresh_from_db()
    assert (payment.dues_fen, payment.extra_fen) == (16000, 1000)
    assert not services.arrears_months([owing.pk], TODAY)


def test_the_amount_is_worked_out_for_the_months_typed_without_saving(client, owing):
    client.force_login(owing.user)
    response = client.post(
        reverse("dues:report"),
        report_data(first_month="2026-05", last_month="2026-08", amount_yuan="", work_out="1"),
        headers={"accept-language": "en"},
    )
    assert response.status_code == 200
    assert response.context["form"].data["amount_yuan"] == "160"
    assert "These months come to 160.00 yuan." in response.content.decode()
    assert not Payment.objects.filter(status=Payment.Status.REPORTED).exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"first_month": "2026-13"}, "first_month", "Enter a month as year and month, for example 2026-06."),
        ({"first_month": "六月"}, "first_month", "Enter a month as year and month, for example 2026-06."),
        ({"first_month": "2026-06", "last_month": "2026-05"}, "last_month", "The last month comes before the first."),
        ({"amount_yuan": "-5"}, "amount_yuan", "Ensure this value is greater than or equal to 0."),
        ({"amount_yuan": "1.234"}, "amount_yuan", "Ensure that there are no more than 2 decimal places."),
        ({"amount_yuan": "0"}, "amount_yuan", "Enter an amount above zero."),
        ({"amount_yuan": "100.00"}, "amount_yuan", "These months come to 160.00 yuan; 100.00 yuan is not enough."),
        ({"paid_on": "2026-06-16"}, "paid_on", "The day of payment cannot be in the future."),
        ({"method": "online"}, "method", "Select a valid choice. online is not one of the available choices."),
        ({"first_month": "2026-02"}, None, "Already paid: 2026-02."),
        ({"last_month": "2027-07", "amount_yuan": "9999"}, "last_month", "You can pay at most 12 months ahead"),
        ({"payer_name": "名" * 51}, "payer_name", "Ensure this value has at most 50 characters (it has 51)."),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_writes_nothing(client, owing, media, overrides, field, message):
    client.force_login(owing.user)
    data = report_data(receipt=jpeg_upload(), **overrides)
    response = client.post(reverse("dues:report"), data, headers={"accept-language": "en"})
    assert response.status_code == 400
    errors = response.context["form"].errors.get(field or "__all__", [])
    assert any(message in error for error in errors), response.context["form"].errors
    assert not Payment.objects.filter(status=Payment.Status.REPORTED).exists()
    assert stored_files(media) == []


def test_the_refusal_is_translated(client, owing):
    client.force_login(owing.user)
    response = client.post(
        reverse("dues:report"), report_data(first_month="2026-13"), headers={"accept-language": "zh-hans"}
    )
    assert "填写月份，例如 2026-06" in response.content.decode()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("r.jpg", b"not an image at all", content_type="image/jpeg"), "must be a JPEG, PNG or WebP"),
        (SimpleUploadedFile("r.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf"), "must be a JPEG, PNG"),
    ],
)
def test_a_receipt_that_is_not_an_image_is_refused(client, owing, media, upload, message):
    client.force_login(owing.user)
    response = client.post(reverse("dues:report"), report_data(receipt=upload), headers={"accept-language": "en"})
    assert response.status_code == 400
    assert any(message in error for error in response.context["form"].errors["receipt"])
    assert not Payment.objects.filter(status=Payment.Status.REPORTED).exists()
    assert stored_files(media) == []


def test_a_receipt_too_big_is_refused(client, owing, media, settings):
    buffer = io.BytesIO(b"\xff\xd8\xff" + b"0" * (8 * 1024 * 1024 + 1))
    upload = SimpleUploadedFile("big.jpg", buffer.getvalue(), content_type="image/jpeg")
    client.force_login(owing.user)
    response = client.post(reverse("dues:report"), report_data(receipt=upload), headers={"accept-language": "en"})
    assert response.status_code == 400
    assert response.context["form"].errors["receipt"] == ["The receipt image is larger than 8 MB."]
    assert stored_files(media) == []


def test_a_second_report_for_months_already_waiting_is_refused(client, owing):
    client.force_login(owing.user)
    assert client.post(reverse("dues:report"), report_data()).status_code == 302
    response = client.post(
        reverse("dues:report"), report_data(first_month="2026-06"), headers={"accept-language": "en"}
    )
    assert response.status_code == 400
    assert "already waiting for the secretary" in str(response.context["form"].non_field_errors())
    assert Payment.objects.filter(status=Payment.Status.REPORTED).count() == 1


def test_months_without_a_basis_cannot_be_reported(client, member):
    client.force_login(member.user)
    response = client.post(reverse("dues:report"), report_data(), headers={"accept-language": "en"})
    assert response.status_code == 400
    assert "your dues basis is not set or not confirmed yet" in str(response.context["form"].errors["first_month"])
    assert not Payment.objects.exists()


# --- Declaring an income ---------------------------------------------------------------------


def test_a_member_declares_a_new_salary_from_a_month(client, owing):
    client.force_login(owing.user)
    form = client.get(reverse("dues:declare")).context["form"]
    assert form.initial["category"] == Category.SALARY and str(form.initial["income_yuan"]) == "4000"
    response = client.post(
        reverse("dues:declare"),
        {"category": "salary", "income_yuan": "6500.00", "fixed_yuan": "", "applies_from": "2026-07", "note": "调岗"},
    )
    assert response.status_code == 302
    declared = Basis.objects.get(member=owing, status=Basis.Status.DECLARED)
    assert (declared.income_fen, declared.applies_from, declared.entered_by) == (650000, month(7), owing.user)
    # Nothing is due on it until the secretary confirms.
    assert set(owing.dues.values_list("amount_fen", flat=True)) == {4000}
    page = client.get(reverse("dues:declare"), headers={"accept-language": "en"}).content.decode()
    assert "Awaiting confirmation" in page and "6,500.00 yuan" in page


def test_a_fixed_category_keeps_no_income(client, member):
    client.force_login(member.user)
    client.post(
        reverse("dues:declare"),
        {"category": "student", "income_yuan": "3000", "fixed_yuan": "", "applies_from": "2026-06"},
    )
    declared = Basis.objects.get(member=member)
    assert (declared.category, declared.income_fen, declared.fixed_fen) == ("student", None, None)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"category": "salary", "income_yuan": ""}, "income_yuan", "This category needs the monthly income."),
        ({"category": "farmer", "fixed_yuan": "1.50"}, "fixed_yuan", "0.20 to 1.00 yuan"),
        ({"category": "salary", "income_yuan": "-1"}, "income_yuan", "greater than or equal to 0"),
        ({"category": "nobody", "income_yuan": "100"}, "category", "Select a valid choice."),
        (
            {"category": "salary", "income_yuan": "100", "applies_from": "2026/06"},
            "applies_from",
            "for example 2026-06",
        ),
    ],
)
def test_a_bad_declaration_is_refused_and_writes_nothing(client, member, data, field, message):
    client.force_login(member.user)
    response = client.post(
        reverse("dues:declare"), {"applies_from": "2026-06", **data}, headers={"accept-language": "en"}
    )
    assert response.status_code == 400
    assert any(message in error for error in response.context["form"].errors[field])
    assert not Basis.objects.exists()
