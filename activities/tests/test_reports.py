import datetime as dt
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from activities.models import Report
from activities.reports import ReportError, next_report_due, reply_to_report
from branches.dates import add_months
from branches.models import Role
from branches.tests.factories import RoleFactory
from branches.uploads import ATTACHMENT_MAX_BYTES as MAX_ATTACHMENT_BYTES
from members.tests.factories import MemberFactory, UserFactory
from notifications.models import Notification

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
# The smallest file that is a PDF by its structure: a header and an end-of-file trailer.
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def make_report(member, **fields):
    fields.setdefault("title", "三季度思想汇报")
    fields.setdefault("body", "本季度学习情况")
    return Report.objects.create(member=member, **fields)


def png_bytes(size=(4, 4)):
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, "PNG")
    return buffer.getvalue()


def submit(client, attachment=None, **data):
    payload = {"kind": "thought", "title": "我的汇报", "body": "汇报内容", **data}
    if attachment is not None:
        payload["attachment"] = attachment
    return client.post(reverse("reports:mine"), payload, headers={"accept-language": "en"})


# --- when the next report is due ---------------------------------------------------------


def test_a_member_who_never_reported_is_due_today(member):
    assert next_report_due(member, dt.date(2026, 7, 10)) == dt.date(2026, 7, 10)


def test_the_next_report_is_due_the_branch_interval_after_the_last(member, branch_a):
    branch_a.report_every_months = 3
    branch_a.save()
    with time_machine.travel(dt.datetime(2026, 1, 20, 10, 0, tzinfo=SHANGHAI), tick=False):
        make_report(member)
    with time_machine.travel(dt.datetime(2026, 3, 5, 10, 0, tzinfo=SHANGHAI), tick=False):
        make_report(member)
    member.refresh_from_db()
    assert next_report_due(member, dt.date(2026, 4, 1)) == dt.date(2026, 6, 5)


def test_the_due_date_counts_from_the_local_day_of_the_last_report(member):
    # 23:30 UTC on 31 May is 07:30 on 1 June in Shanghai.
    with time_machine.travel(dt.datetime(2026, 5, 31, 23, 30, tzinfo=dt.UTC), tick=False):
        make_report(member)
    assert next_report_due(member, dt.date(2026, 6, 2)) == dt.date(2026, 9, 1)


def test_months_are_added_without_running_past_a_short_month():
    assert add_months(dt.date(2026, 11, 30), 3) == dt.date(2027, 2, 28)
    assert add_months(dt.date(2027, 11, 29), 3) == dt.date(2028, 2, 29)
    assert add_months(dt.date(2026, 10, 6), 12) == dt.date(2027, 10, 6)


# --- member pages ------------------------------------------------------------------------


def test_a_member_sees_their_reports_with_replies_and_when_the_next_is_due(client, member, outsider):
    make_report(member, title="我的", reply="写得很好", replied_at=dt.datetime(2026, 7, 1, tzinfo=dt.UTC))
    make_report(outsider, title="别人的")
    client.force_login(member.user)
    response = client.get(reverse("reports:mine"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "我的" in body
    assert "写得很好" in body
    assert "别人的" not in body
    assert "due_on" in response.context


def test_a_member_hands_in_a_report_with_a_pdf(client, member):
    client.force_login(member.user)
    pdf = SimpleUploadedFile("我的汇报.pdf", PDF, content_type="application/pdf")
    response = submit(client, attachment=pdf)
    report = Report.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:detail", args=[report.pk])
    assert report.member == member
    assert report.attachment.name.endswith(".pdf")
    # The stored name never carries the member's own file name.
    assert "我的汇报" not in report.attachment.name


def test_a_member_hands_in_a_report_with_a_png(client, member):
    client.force_login(member.user)
    submit(client, attachment=SimpleUploadedFile("photo.PNG", png_bytes(), content_type="image/png"))
    assert Report.objects.get().attachment.name.endswith(".png")


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("virus.exe", b"MZ\x90\x00", "Attach a PDF, Word"),
        ("page.pdf", b"<html><script>alert(1)</script>", "Attach a PDF, Word"),
        ("fake.png", b"\x89PNG\r\n\x1a\nnot really", "The image is damaged"),
        ("noext", b"%PDF-1.7", "Attach a PDF, Word"),
    ],
)
def test_a_bad_attachment_is_refused_with_a_message_and_nothing_saved(client, member, name, content, message):
    client.force_login(member.user)
    response = submit(client, attachment=SimpleUploadedFile(name, content))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Report.objects.count() == 0


def test_an_attachment_over_10_mb_is_refused_and_nothing_saved(client, member):
    client.force_login(member.user)
    big = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * MAX_ATTACHMENT_BYTES)
    response = submit(client, attachment=big)
    assert "at most 10 MB" in response.content.decode()
    assert Report.objects.count() == 0


def test_an_image_bomb_is_refused(client, member, monkeypatch):
    monkeypatch.setattr("branches.uploads.MAX_PIXELS", 10)
    client.force_login(member.user)
    response = submit(client, attachment=SimpleUploadedFile("bomb.png", png_bytes((8, 8))))
    assert "The image is damaged or too large" in response.content.decode()
    assert Report.objects.count() == 0


def test_a_report_needs_a_title_and_text(client, member):
    client.force_login(member.user)
    response = submit(client, title="", body="")
    assert response.status_code == 200
    assert Report.objects.count() == 0


def test_a_member_reads_their_own_report(client, member):
    report = make_report(member)
    client.force_login(member.user)
    response = client.get(reverse("reports:detail", args=[report.pk]))
    assert response.status_code == 200
    assert report.body in response.content.decode()
    assert response.context["reply_form"] is None


def test_another_members_report_is_404(client, member, outsider):
    report = make_report(outsider)
    client.force_login(member.user)
    assert client.get(reverse("reports:detail", args=[report.pk])).status_code == 404


def test_the_attachment_is_served_to_its_owner_as_a_download(client, member):
    client.force_login(member.user)
    submit(client, attachment=SimpleUploadedFile("a.pdf", PDF))
    report = Report.objects.get()
    response = client.get(reverse("reports:attachment", args=[report.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content) == PDF


def test_the_attachment_is_served_to_the_branch_secretary(client, member, secretary):
    client.force_login(member.user)
    submit(client, attachment=SimpleUploadedFile("a.pdf", PDF))
    client.force_login(secretary)
    assert client.get(reverse("reports:attachment", args=[Report.objects.get().pk])).status_code == 200


def test_another_members_attachment_is_404(client, member, outsider):
    client.force_login(outsider.user)
    submit(client, attachment=SimpleUploadedFile("a.pdf", PDF))
    client.force_login(member.user)
    assert client.get(reverse("reports:attachment", args=[Report.objects.get().pk])).status_code == 404


def test_a_report_without_attachment_has_no_download(client, member):
    report = make_report(member)
    client.force_login(member.user)
    assert client.get(reverse("reports:attachment", args=[report.pk])).status_code == 404


def test_a_login_without_roster_entry_has_no_report_page(client):
    client.force_login(UserFactory())
    assert client.get(reverse("reports:mine")).status_code == 404


@pytest.mark.parametrize("size", [2, 40])
def test_my_reports_query_count_does_not_grow(client, member, size, django_assert_max_num_queries):
    for _ in range(size):
        make_report(member)
    client.force_login(member.user)
    # session, user, member, count, page, last report, navigation
    with django_assert_max_num_queries(7):
        assert client.get(reverse("reports:mine")).status_code == 200


# --- secretary pages ---------------------------------------------------------------------


def test_the_queue_lists_reports_under_my_roles_unanswered_first(client, secretary, member, outsider):
    with time_machine.travel(dt.datetime(2026, 7, 1, tzinfo=SHANGHAI), tick=False):
        old_open = make_report(member, title="未答旧")
    with time_machine.travel(dt.datetime(2026, 7, 5, tzinfo=SHANGHAI), tick=False):
        answered = make_report(member, title="已答", reply="好", replied_at=dt.datetime(2026, 7, 6, tzinfo=dt.UTC))
    with time_machine.travel(dt.datetime(2026, 7, 3, tzinfo=SHANGHAI), tick=False):
        new_open = make_report(member, title="未答新")
    make_report(outsider, title="外支部")
    client.force_login(secretary)
    response = client.get(reverse("reports:queue"))
    assert response.status_code == 200
    assert [r.pk for r in response.context["page"]] == [new_open.pk, old_open.pk, answered.pk]


def test_the_queue_is_forbidden_to_a_member_without_roles(client, member):
    client.force_login(member.user)
    assert client.get(reverse("reports:queue")).status_code == 403


def test_a_secretary_reads_a_report_of_their_branch_with_a_reply_form(client, secretary, member):
    report = make_report(member)
    client.force_login(secretary)
    response = client.get(reverse("reports:detail", args=[report.pk]))
    assert response.status_code == 200
    assert response.context["reply_form"] is not None


def test_a_reply_is_saved_and_notifies_the_member_once(client, secretary, member):
    report = make_report(member)
    client.force_login(secretary)
    response = client.post(reverse("reports:reply", args=[report.pk]), {"reply": "继续努力"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.reply, report.replied_by) == ("继续努力", secretary)
    assert report.replied_at is not None
    second = client.post(reverse("reports:reply", args=[report.pk]), {"reply": "再说一遍"})
    assert second.status_code == 302
    report.refresh_from_db()
    assert report.reply == "继续努力"
    notice = Notification.objects.get()
    assert notice.member == member
    assert notice.key == f"report-reply:{report.pk}:{member.pk}"
    assert notice.url == reverse("reports:detail", args=[report.pk])


def test_replying_twice_through_the_service_is_refused(secretary, member):
    report = make_report(member)
    reply_to_report(report, secretary, "一")
    with pytest.raises(ReportError) as error:
        reply_to_report(Report.objects.get(pk=report.pk), secretary, "二")
    assert error.value.code == "already_answered"
    assert Notification.objects.count() == 1


def test_an_empty_reply_is_refused(client, secretary, member):
    report = make_report(member)
    client.force_login(secretary)
    response = client.post(reverse("reports:reply", args=[report.pk]), {"reply": ""})
    assert response.status_code == 400
    assert Notification.objects.count() == 0


def test_an_outsider_secretary_gets_404_on_reply_and_detail(client, member, branch_b):
    other = UserFactory()
    RoleFactory(user=other, organization=branch_b, kind=Role.Kind.SECRETARY)
    report = make_report(member)
    client.force_login(other)
    assert client.post(reverse("reports:reply", args=[report.pk]), {"reply": "x"}).status_code == 404
    assert client.get(reverse("reports:detail", args=[report.pk])).status_code == 404
    assert Report.objects.get().replied_at is None
    assert Notification.objects.count() == 0


def test_a_member_cannot_reply_to_their_own_report(client, member):
    report = make_report(member)
    client.force_login(member.user)
    assert client.post(reverse("reports:reply", args=[report.pk]), {"reply": "x"}).status_code == 404


def test_reply_rejects_get(client, secretary, member):
    report = make_report(member)
    client.force_login(secretary)
    assert client.get(reverse("reports:reply", args=[report.pk])).status_code == 405


def test_report_pages_reject_wrong_method(client, secretary, member):
    report = make_report(member)
    client.force_login(member.user)
    assert client.delete(reverse("reports:mine")).status_code == 405
    assert client.post(reverse("reports:detail", args=[report.pk])).status_code == 405
    assert client.post(reverse("reports:attachment", args=[report.pk])).status_code == 405
    client.force_login(secretary)
    assert client.post(reverse("reports:queue")).status_code == 405


@pytest.mark.parametrize(
    "name, args",
    [("reports:mine", []), ("reports:detail", [1]), ("reports:attachment", [1]), ("reports:queue", [])],
)
def test_report_pages_require_login(client, name, args):
    response = client.get(reverse(name, args=args))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


@pytest.mark.parametrize("size", [3, 50])
def test_queue_query_count_does_not_grow(client, secretary, branch_a, size, django_assert_max_num_queries):
    for member in MemberFactory.create_batch(size, organization=branch_a):
        make_report(member)
    client.force_login(secretary)
    # session, user, role paths, exists, count, page, navigation
    with django_assert_max_num_queries(7):
        assert client.get(reverse("reports:queue")).status_code == 200


def test_an_attachment_gone_from_storage_is_404_not_an_error(client, member):
    from activities.models import Report

    report = Report.objects.create(member=member, title="汇报", body="正文", attachment="reports/2026/11/gone.pdf")
    client.force_login(member.user)
    response = client.get(reverse("reports:attachment", args=[report.pk]))
    assert response.status_code == 404


# --- what an attachment gives away --------------------------------------------------------


def download(client, report):
    response = client.get(reverse("reports:attachment", args=[report.pk]))
    assert response.status_code == 200
    return b"".join(response.streaming_content), response


def test_a_photo_attachment_is_served_back_without_its_gps_and_camera_tags(client, member, secretary):
    from branches.tests.test_uploads import assert_no_metadata, jpeg_with_gps

    client.force_login(member.user)
    response = submit(client, attachment=SimpleUploadedFile("张三家.jpg", jpeg_with_gps(), content_type="image/jpeg"))
    assert response.status_code == 302
    report = Report.objects.get()
    client.force_login(secretary)
    served, response = download(client, report)
    assert_no_metadata(served)
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == f'attachment; filename="report-{report.pk}.jpg"'


def test_a_png_attachment_is_served_back_without_its_text_and_exif(client, member):
    from branches.tests.test_uploads import assert_no_metadata, png_with_tags

    client.force_login(member.user)
    submit(client, attachment=SimpleUploadedFile("家里.png", png_with_tags(), content_type="image/png"))
    served, _response = download(client, Report.objects.get())
    assert assert_no_metadata(served).format == "PNG"


@pytest.mark.parametrize(
    "name, content",
    [
        ("report.docx", b"PK\x03\x04" + b"garbage" * 50),
        ("report.docx", "zip-of-garbage"),
        ("report.pdf", b"%PDF-<html><script>alert(document.cookie)</script></html>"),
        ("report.pdf", b"%PDF-1.7\n<!DOCTYPE html><html><script>alert(1)</script></html>\n%%EOF\n"),
        ("report.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 and then anything"),
    ],
)
def test_a_fake_document_with_the_right_first_bytes_is_refused_with_a_message(client, member, name, content):
    from branches.tests.test_uploads import docx_bytes

    if content == "zip-of-garbage":
        content = docx_bytes(parts=("garbage.bin", "more/garbage.txt"))
    client.force_login(member.user)
    response = submit(client, attachment=SimpleUploadedFile(name, content))
    assert response.status_code == 200
    assert "The file is damaged or is not the type its name says." in response.content.decode()
    assert Report.objects.count() == 0


def test_a_real_word_document_is_accepted_and_served_as_it_was(client, member):
    from branches.tests.test_uploads import docx_bytes

    client.force_login(member.user)
    data = docx_bytes()
    assert submit(client, attachment=SimpleUploadedFile("汇报.docx", data)).status_code == 302
    served, response = download(client, Report.objects.get())
    assert served == data
    assert "汇报" not in response["Content-Disposition"]
