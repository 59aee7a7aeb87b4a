"""The web import: upload → preview → confirm, the tasks for large files, who may import, the template."""

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from branches.models import Role
from branches.tests.factories import GroupFactory, RoleFactory
from members.imports import lifecycle, plan_import, planning, read_roster
from members.models import Member, MemberChange, RosterImport
from members.tests.factories import MemberFactory, UserFactory, id_number
from members.tests.roster_files import HEADERS, csv_bytes, row, xlsx_bytes


def upload(client, branch, data: bytes, name: str = "roster.csv"):
    return client.post(
        reverse("roster_import:upload"),
        {"organization": branch.pk, "file": SimpleUploadedFile(name, data)},
    )


def confirm(client, roster_import):
    return client.post(reverse("roster_import:confirm", args=[roster_import.pk]))


# --- Upload, preview, confirm --------------------------------------------------------


def test_a_broken_file_is_refused_on_upload_and_nothing_is_written(client, secretary, branch_a):
    client.force_login(secretary)
    for data in (b"%PDF-1.4\x00\x01binary", xlsx_bytes([row(1)])[:300], csv_bytes([row(n) for n in range(20_001)])):
        response = upload(client, branch_a, data)
        assert response.status_code == 200
        assert response.context["form"].errors["file"]
    assert RosterImport.objects.count() == 0
    assert Member.objects.count() == 0


def test_the_preview_lists_creates_updates_unchanged_and_writes_no_member(client, secretary, branch_a):
    existing = MemberFactory(organization=branch_a, phone="+8617000010002", id_number=id_number(2, dt.date(1980, 1, 3)))
    same = row(3)
    MemberFactory(
        organization=branch_a,
        name="导入3",
        gender="M",
        phone="+8617000010003",
        id_number=same[3],
        birth_date=dt.date(1980, 1, 4),
        joined_party_on=dt.date(2010, 7, 1),
        full_member_on=dt.date(2011, 7, 1),
        is_itinerant=True,
        province="44",
        city="深圳",
        workplace="某公司",
        emergency_contact="家属",
        emergency_phone="17000009999",
    )
    client.force_login(secretary)
    response = upload(client, branch_a, csv_bytes([row(1), row(2), same]))
    roster_import = RosterImport.objects.get()
    assert response.status_code == 302
    assert roster_import.status == RosterImport.Status.PREVIEWED
    summary = roster_import.summary
    assert (summary["create"], summary["update"], summary["unchanged"], summary["errors"]) == (1, 1, 1, 0)
    assert [r["action"] for r in summary["rows"]] == ["create", "update"]
    assert "姓名" in summary["rows"][1]["fields"]
    assert Member.objects.count() == 2
    existing.refresh_from_db()
    assert existing.name != "导入2"
    page = client.get(reverse("roster_import:detail", args=[roster_import.pk]))
    assert page.status_code == 200
    assert "170****0001" in page.content.decode()


def test_row_errors_name_the_row_and_column_and_nothing_is_imported(client, secretary, branch_a):
    client.force_login(secretary)
    rows = [
        row(1),
        row(2, 手机号="12345"),
        row(3, 性别="未知"),
        row(4, 入党日期="去年"),
        row(5, 出生日期="2030-01-01"),
        row(6, 所在党小组="没有这个小组"),
        row(7, 手机号=row(1)[2]),
        row(8, 手机号=""),
    ]
    upload(client, branch_a, csv_bytes(rows))
    roster_import = RosterImport.objects.get()
    found = {(e["row"], e["column"]) for e in roster_import.errors}
    assert {
        (3, "手机号"),
        (4, "性别"),
        (5, "入党日期"),
        (6, "出生日期"),
        (7, "所在党小组"),
        (8, "手机号"),
        (9, "手机号"),
    } <= found
    assert all(e["message"] for e in roster_import.errors)
    assert any("2" in e["message"] for e in roster_import.errors if e["row"] == 8)
    response = confirm(client, roster_import)
    assert response.status_code == 302
    roster_import.refresh_from_db()
    assert roster_import.status == RosterImport.Status.PREVIEWED
    assert Member.objects.count() == 0
    assert MemberChange.objects.count() == 0


def test_an_error_found_only_at_confirm_imports_nothing(client, secretary, branch_a, branch_b):
    client.force_login(secretary)
    upload(client, branch_a, csv_bytes([row(1), row(2)]))
    roster_import = RosterImport.objects.get()
    # Between preview and confirm, row 3's phone turns up in another branch.
    MemberFactory(organization=branch_b, phone="+86" + row(2)[2])
    confirm(client, roster_import)
    roster_import.refresh_from_db()
    assert roster_import.status == RosterImport.Status.FAILED
    assert [(e["row"], e["column"]) for e in roster_import.errors] == [(3, "手机号")]
    assert Member.objects.filter(organization=branch_a).count() == 0


def test_confirm_imports_every_row_with_one_audit_entry_each(client, secretary, branch_a):
    group = GroupFactory(parent=branch_a, name="深圳小组")
    existing = MemberFactory(organization=branch_a, phone="+8617000010002", name="旧名")
    client.force_login(secretary)
    rows = [row(1, 所在党小组="深圳小组", 党员状态="预备党员", 转正日期=""), row(2), row(3, 外出省份="广西壮族自治区")]
    upload(client, branch_a, csv_bytes(rows, "gbk"))
    roster_import = RosterImport.objects.get()
    confirm(client, roster_import)
    roster_import.refresh_from_db()
    assert roster_import.status == RosterImport.Status.DONE
    assert roster_import.summary["created"] == 2
    assert roster_import.summary["updated"] == 1
    first = Member.objects.get(phone="+8617000010001")
    assert first.group == group
    assert first.status == Member.Status.PROBATIONARY
    assert first.joined_party_month == 7
    assert first.birth_date == dt.date(1980, 1, 2)
    assert Member.objects.get(phone="+8617000010003").province == "45"
    existing.refresh_from_db()
    assert existing.name == "导入2"
    log = MemberChange.objects.filter(action=MemberChange.Action.IMPORTED)
    assert log.count() == 3
    assert log.get(member=existing).changes["name"] == ["旧名", "导入2"]
    assert {entry.user_id for entry in log} == {secretary.pk}


def test_reimporting_the_same_file_changes_nothing(client, secretary, branch_a):
    client.force_login(secretary)
    data = xlsx_bytes([row(n) for n in range(1, 6)])
    upload(client, branch_a, data, "roster.xlsx")
    confirm(client, RosterImport.objects.get())
    before = list(Member.objects.order_by("pk").values())
    upload(client, branch_a, data, "roster.xlsx")
    again = RosterImport.objects.order_by("-pk").first()
    assert again.summary["unchanged"] == 5
    assert again.summary["create"] == again.summary["update"] == 0
    confirm(client, again)
    assert list(Member.objects.order_by("pk").values()) == before
    assert MemberChange.objects.count() == 5


def test_a_phone_of_another_branch_is_an_error_never_a_move(client, secretary, branch_a, outsider):
    client.force_login(secretary)
    upload(client, branch_a, csv_bytes([row(1, 手机号=outsider.phone[3:])]))
    roster_import = RosterImport.objects.get()
    assert [(e["row"], e["column"]) for e in roster_import.errors] == [(2, "手机号")]
    assert outsider.name not in roster_import.errors[0]["message"]
    confirm(client, roster_import)
    outsider.refresh_from_db()
    assert outsider.organization_id != branch_a.pk


def test_confirm_twice_imports_once(client, secretary, branch_a):
    client.force_login(secretary)
    upload(client, branch_a, csv_bytes([row(1)]))
    roster_import = RosterImport.objects.get()
    confirm(client, roster_import)
    confirm(client, roster_import)
    lifecycle.confirm_import(roster_import.pk)
    assert Member.objects.count() == 1
    assert MemberChange.objects.count() == 1


# --- Large files through the task -------------------------------------------------------


def test_a_large_file_is_previewed_and_imported_by_the_task_with_progress(
    client, secretary, branch_a, settings, django_capture_on_commit_callbacks, monkeypatch
):
    settings.ROSTER_IMPORT_ASYNC_ROWS = 3
    monkeypatch.setattr(planning, "PROGRESS_EVERY", 2)
    seen: list[int] = []
    report = lifecycle.progress_of

    def spy(roster_import):
        inner = report(roster_import)

        def record(done):
            seen.append(done)
            inner(done)

        return record

    monkeypatch.setattr(lifecycle, "progress_of", spy)
    client.force_login(secretary)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        upload(client, branch_a, csv_bytes([row(n) for n in range(1, 6)]))
    roster_import = RosterImport.objects.get()
    # Nothing was planned in the request: the task does it after the commit.
    assert roster_import.status == RosterImport.Status.QUEUED
    status = client.get(reverse("roster_import:status", args=[roster_import.pk])).json()
    assert status["working"] is True
    assert status["total"] == 5
    page = client.get(reverse("roster_import:detail", args=[roster_import.pk])).content.decode()
    assert "<progress" in page
    assert "import-progress.js" in page
    assert "<script>" not in page
    for callback in callbacks:
        callback()
    roster_import.refresh_from_db()
    assert roster_import.status == RosterImport.Status.PREVIEWED
    assert roster_import.processed_rows == 5
    assert seen == [2, 4, 5]
    with django_capture_on_commit_callbacks(execute=True):
        confirm(client, roster_import)
    roster_import.refresh_from_db()
    assert roster_import.status == RosterImport.Status.DONE
    assert Member.objects.count() == 5
    assert client.get(reverse("roster_import:status", args=[roster_import.pk])).json()["working"] is False


def test_a_redelivered_confirm_task_of_a_finished_import_does_nothing(client, secretary, branch_a):
    from members.tasks import confirm_roster_import, preview_roster_import

    client.force_login(secretary)
    upload(client, branch_a, csv_bytes([row(1)]))
    roster_import = RosterImport.objects.get()
    confirm(client, roster_import)
    finished = RosterImport.objects.get().finished_at
    confirm_roster_import.delay(roster_import.pk)
    preview_roster_import.delay(roster_import.pk)
    assert Member.objects.count() == 1
    assert MemberChange.objects.count() == 1
    assert RosterImport.objects.get().finished_at == finished


# --- Permissions -----------------------------------------------------------------------


def test_login_is_required(client, branch_a):
    for name in ("roster_import:upload", "roster_import:template", "roster_import:export"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert "login" in response["Location"]


def test_the_secretary_of_another_branch_gets_404_on_its_import_objects(client, secretary, branch_a, branch_b):
    client.force_login(secretary)
    upload(client, branch_a, csv_bytes([row(1)]))
    roster_import = RosterImport.objects.get()
    other = UserFactory()
    RoleFactory(user=other, organization=branch_b, kind=Role.Kind.SECRETARY)
    client.force_login(other)
    assert client.get(reverse("roster_import:detail", args=[roster_import.pk])).status_code == 404
    assert client.get(reverse("roster_import:status", args=[roster_import.pk])).status_code == 404
    assert confirm(client, roster_import).status_code == 404
    response = upload(client, branch_a, csv_bytes([row(2)]))
    assert response.status_code == 200
    assert "organization" in response.context["form"].errors
    assert RosterImport.objects.count() == 1
    assert Member.objects.count() == 0


def test_group_admins_and_plain_members_may_not_import(client, branch_a, member):
    admin = UserFactory()
    RoleFactory(user=admin, organization=GroupFactory(parent=branch_a), kind=Role.Kind.GROUP_ADMIN)
    for user in (admin, member.user):
        client.force_login(user)
        assert client.get(reverse("roster_import:upload")).status_code == 403
        assert upload(client, branch_a, csv_bytes([row(1)])).status_code == 403
    assert RosterImport.objects.count() == 0


def test_a_group_admin_role_on_the_branch_itself_does_not_allow_importing(client, branch_a):
    admin = UserFactory()
    RoleFactory(user=admin, organization=branch_a, kind=Role.Kind.GROUP_ADMIN)
    client.force_login(admin)
    assert client.get(reverse("roster_import:upload")).status_code == 403


def test_wrong_methods_are_refused(client, secretary, branch_a):
    client.force_login(secretary)
    upload(client, branch_a, csv_bytes([row(1)]))
    roster_import = RosterImport.objects.get()
    assert client.get(reverse("roster_import:confirm", args=[roster_import.pk])).status_code == 405
    assert client.post(reverse("roster_import:status", args=[roster_import.pk])).status_code == 405
    assert client.post(reverse("roster_import:template")).status_code == 405
    assert client.delete(reverse("roster_import:upload")).status_code == 405


def test_the_template_has_the_headers_and_a_fictitious_example(client, secretary):
    client.force_login(secretary)
    response = client.get(reverse("roster_import:template"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    assert rows[1][2].startswith("1700000")
    assert read_roster(response.content).total == 1


def test_the_template_example_row_is_valid(secretary, branch_a, client):
    client.force_login(secretary)
    content = client.get(reverse("roster_import:template")).content
    assert plan_import(read_roster(content), branch_a).errors == []


# --- Query budget --------------------------------------------------------------------------


def _upload_queries(client, branch, rows: int) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as uploading:
        upload(client, branch, csv_bytes([row(n) for n in range(rows)]))
    roster_import = RosterImport.objects.order_by("-pk").first()
    with CaptureQueriesContext(connection) as page:
        assert client.get(reverse("roster_import:detail", args=[roster_import.pk])).status_code == 200
    return len(uploading), len(page)


def test_the_preview_takes_the_same_number_of_queries_for_10_and_300_rows(client, secretary, branch_a):
    client.force_login(secretary)
    small = _upload_queries(client, branch_a, 10)
    large = _upload_queries(client, branch_a, 300)
    assert small == large
    assert large[1] <= 8
