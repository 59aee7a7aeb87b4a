"""Evidence files: what a reviewer uploads gives away no place and no name when it is downloaded."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from branches.tests.test_uploads import REAL_PDF, assert_no_metadata, docx_bytes, jpeg_with_gps, png_with_tags
from evaluations import services
from evaluations.models import Evidence, Item

from .conftest import YEAR

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _early_in_the_year():
    with time_machine.travel(dt.datetime(YEAR, 1, 20, 10, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.LANGUAGE_CODE = "en"
    return tmp_path


@pytest.fixture
def reviewing(member_scheme, secretary, member):
    evaluation = services.open_evaluation(member_scheme, member_scheme.organization, secretary)
    return services.advance(evaluation, secretary)


def post_evidence(client, evaluation, member, *files):
    assessment = evaluation.assessments.get(member=member)
    role = Item.objects.get(section__scheme=evaluation.scheme, title="发挥作用")
    return client.post(
        reverse("evaluations:score_item", args=[assessment.pk, role.pk]),
        {f"item{role.pk}-points": "40", f"item{role.pk}-note": "带头完成抢险任务", f"item{role.pk}-files": list(files)},
        headers={"accept-language": "en"},
    )


def download(client, evidence: Evidence):
    response = client.get(reverse("evaluations:evidence", args=[evidence.pk]))
    assert response.status_code == 200
    return b"".join(response.streaming_content), response


def test_a_photo_uploaded_as_evidence_is_served_without_gps_and_under_a_neutral_name(
    client, reviewing, secretary, member, media
):
    client.force_login(secretary)
    photo = SimpleUploadedFile("张三家.jpg", jpeg_with_gps(), content_type="image/jpeg")
    assert post_evidence(client, reviewing, member, photo).status_code == 302
    evidence = Evidence.objects.get()
    # What was stored is already clean, not only what is served.
    assert_no_metadata((media / evidence.file.name).read_bytes())
    served, response = download(client, evidence)
    assert assert_no_metadata(served).format == "JPEG"
    assert response["Content-Type"] == "image/jpeg"
    disposition = response["Content-Disposition"]
    assert disposition == f'attachment; filename="evidence-{evidence.pk}.jpg"'
    assert "张三" not in disposition and "%E5%BC%A0" not in disposition.upper()
    # The reviewers' page still lists the file under the label it was given.
    page = client.get(reverse("evaluations:review", args=[evidence.score.assessment_id]))
    assert "张三家.jpg" in page.content.decode()


def test_a_png_evidence_file_keeps_no_text_or_exif(client, reviewing, secretary, member, media):
    client.force_login(secretary)
    post_evidence(client, reviewing, member, SimpleUploadedFile("截图.png", png_with_tags()))
    served, _response = download(client, Evidence.objects.get())
    assert assert_no_metadata(served).format == "PNG"


def test_a_pdf_evidence_file_is_served_as_it_was_under_a_neutral_name(client, reviewing, secretary, member, media):
    client.force_login(secretary)
    post_evidence(client, reviewing, member, SimpleUploadedFile("张三的判决书.pdf", REAL_PDF))
    evidence = Evidence.objects.get()
    served, response = download(client, evidence)
    assert served == REAL_PDF
    assert response["Content-Disposition"] == f'attachment; filename="evidence-{evidence.pk}.pdf"'


@pytest.mark.parametrize(
    "name, content",
    [
        ("决定.docx", docx_bytes(parts=("garbage.bin",))),
        ("决定.pdf", b"%PDF-<html><script>alert(1)</script></html>"),
    ],
)
def test_a_fake_document_is_refused_as_evidence_and_nothing_is_saved(
    client, reviewing, secretary, member, media, name, content
):
    client.force_login(secretary)
    response = post_evidence(client, reviewing, member, SimpleUploadedFile(name, content))
    assert response.status_code == 400
    assert "The file is damaged or is not the type its name says." in response.content.decode()
    assert not Evidence.objects.exists()
    assert not list(media.rglob("*.*"))
