"""An import's errors read in the reader's language, whichever language the import ran in."""

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import MaxLengthValidator
from django.urls import reverse
from django.utils import translation

from members.imports import lifecycle
from members.imports.messages import Invalid, shown, stored
from members.models import RosterImport
from members.tests.helpers import zh
from members.tests.roster_files import csv_bytes, row
from members.tests.test_import import upload

pytestmark = pytest.mark.django_db

# What the rows below get wrong, in English: a validator's message, a cell's, a row's.
ENGLISH = [
    "“12345” is not a valid mainland China mobile number (11 digits starting with 1).",
    "“未知” is not allowed here; write one of: 男、女.",
    "The same phone number is on row 2.",
]


def detail(client, user, roster_import: RosterImport, language: str) -> str:
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("roster_import:detail", args=[roster_import.pk]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def previewed(client, secretary, branch_a):
    """An import previewed while the uploader's page was in Chinese."""
    client.force_login(secretary)
    rows = [row(1), row(2, 手机号="12345"), row(3, 性别="未知"), row(4, 手机号=row(1)[2])]
    with translation.override("zh-hans"):
        upload(client, branch_a, csv_bytes(rows))
    return RosterImport.objects.get()


def test_errors_of_an_import_made_in_chinese_read_in_english(client, secretary, previewed):
    page = detail(client, secretary, previewed, "en")
    for message in ENGLISH:
        assert message in page
    assert zh("The same phone number is on row %(row)s.", row=2) not in page


def test_the_same_errors_read_in_chinese(client, secretary, previewed):
    page = detail(client, secretary, previewed, "zh-hans")
    assert zh("The same phone number is on row %(row)s.", row=2) in page
    phone = "“%(value)s” is not a valid mainland China mobile number (11 digits starting with 1)."
    assert zh(phone, value="12345") in page
    assert zh("“%(value)s” is not allowed here; write one of: %(choices)s.", value="未知", choices="男、女") in page
    assert "The same phone number is on row 2." not in page


def test_the_stored_errors_keep_the_text_they_were_made_in(previewed):
    with translation.override("zh-hans"):
        duplicate = translation.gettext("The same phone number is on row %(row)s.") % {"row": 2}
    assert duplicate in [error["message"] for error in previewed.errors]


def test_errors_stored_as_text_alone_still_show_it(client, secretary, branch_a):
    roster_import = RosterImport.objects.create(
        organization=branch_a,
        created_by=secretary,
        filename="old.csv",
        status=RosterImport.Status.FAILED,
        errors=[{"row": 3, "column": "手机号", "message": "旧的错误说明"}],
    )
    assert "旧的错误说明" in detail(client, secretary, roster_import, "en")
    assert "旧的错误说明" in detail(client, secretary, roster_import, "zh-hans")


def test_a_file_refused_by_the_worker_reads_in_the_readers_language(client, secretary, branch_a):
    roster_import = RosterImport.objects.create(
        organization=branch_a,
        created_by=secretary,
        filename="roster.csv",
        status=RosterImport.Status.QUEUED,
        summary={"phase": "preview"},
        file=ContentFile(b"%PDF-1.4\x00\x01binary", name="roster.csv"),
    )
    with translation.override("zh-hans"):
        lifecycle.preview_import(roster_import.pk)
    roster_import.refresh_from_db()
    assert roster_import.status == RosterImport.Status.FAILED
    assert "The file is not an Excel workbook (.xlsx) or a CSV file." in detail(client, secretary, roster_import, "en")
    chinese = detail(client, secretary, roster_import, "zh-hans")
    assert zh("The file is not an Excel workbook (.xlsx) or a CSV file.") in chinese


def test_a_validators_message_with_plural_forms_is_kept_in_each_language():
    with pytest.raises(ValidationError) as refused:
        MaxLengthValidator(2)("abcd")
    with translation.override("zh-hans"):
        entry = stored(2, "姓名", Invalid(refused.value))
    with translation.override("en"):
        assert shown(entry) == "Ensure this value has at most 2 characters (it has 4)."
    with translation.override("zh-hans"):
        assert shown(entry) == entry["message"] != "Ensure this value has at most 2 characters (it has 4)."
