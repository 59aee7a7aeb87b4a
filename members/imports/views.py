"""Roster import and export pages: upload → preview → confirm, the template, and the export.

Importing is ``Capability.IMPORT_ROSTER`` (a branch's secretaries and
organizers); an import of a branch outside the user's scope is a 404. The
export is the roster list as a file, so whoever manages a roster has it.
"""

from __future__ import annotations

import io

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from openpyxl import Workbook

from branches.access import Capability, capability_required, require
from branches.errors import add_to_form
from branches.models import Organization, Role

from ..access import get_managed_import, managed_imports, managed_members
from ..errors import RosterFileError
from ..models import RosterImport
from ..roster.services import managed_branches
from . import dispatch
from .export import export_roster, filter_roster, template_rows
from .files import read_roster
from .forms import UploadForm
from .messages import shown

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@capability_required(Capability.IMPORT_ROSTER)
@require_http_methods(["GET", "POST"])
def upload(request):
    branches = managed_branches(request.user, Capability.IMPORT_ROSTER)
    form = UploadForm(request.POST or None, request.FILES or None, branches=branches)
    if request.method == "POST" and form.is_valid():
        # The form offers only the branches where the user imports.
        branch = form.cleaned_data["organization"]
        upload_file = form.cleaned_data["file"]
        try:
            table = read_roster(upload_file.read())
        except RosterFileError as error:
            add_to_form(form, error)
        else:
            upload_file.seek(0)
            roster_import = dispatch.create_import(upload_file, branch, request.user, table)
            return redirect("roster_import:detail", pk=roster_import.pk)
    recent = managed_imports(request.user).select_related("organization")[:10]
    return render(request, "members/import/upload.html", {"form": form, "recent": recent})


@login_required
@require_safe
def detail(request, pk: int):
    roster_import = get_managed_import(request.user, pk)
    summary = roster_import.summary or {}
    working = roster_import.status in (RosterImport.Status.QUEUED, RosterImport.Status.RUNNING)
    return render(
        request,
        "members/import/detail.html",
        {
            "roster_import": roster_import,
            "summary": summary,
            "working": working,
            # Nothing has claimed it yet: the broker or every worker may be down; the sweep queues it again.
            "waiting": roster_import.status == RosterImport.Status.QUEUED,
            "confirmable": roster_import.status == RosterImport.Status.PREVIEWED and summary.get("errors") == 0,
            "more_rows": summary.get("create", 0) + summary.get("update", 0) - len(summary.get("rows", [])),
            "more_errors": summary.get("errors", 0) - len(roster_import.errors),
            # Worded in the reader's language, whichever the import ran in.
            "errors": [
                {"row": error.get("row"), "column": error.get("column", ""), "message": shown(error)}
                for error in roster_import.errors
            ],
        },
    )


@login_required
@require_POST
def confirm(request, pk: int):
    roster_import = get_managed_import(request.user, pk)
    dispatch.request_confirm(roster_import)
    return redirect("roster_import:detail", pk=roster_import.pk)


@login_required
@require_safe
def status(request, pk: int):
    roster_import = get_managed_import(request.user, pk)
    return JsonResponse(
        {
            "status": roster_import.status,
            "status_label": roster_import.get_status_display(),
            "processed": roster_import.processed_rows,
            "total": roster_import.total_rows,
            "working": roster_import.status in (RosterImport.Status.QUEUED, RosterImport.Status.RUNNING),
            "url": reverse("roster_import:detail", args=[roster_import.pk]),
        }
    )


@capability_required(Capability.IMPORT_ROSTER)
@require_safe
def template(request):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title="花名册")
    for row in template_rows():
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="roster-template.xlsx"'
    return response


@capability_required(Capability.MANAGE_ROSTER)
@require_safe
def export(request):
    # The unmasked export carries every ID and phone number: it is for those who import, and only
    # for the entries they could import into, not for every group leader.
    full = request.GET.get("full") == "1"
    capability = Capability.IMPORT_ROSTER if full else Capability.MANAGE_ROSTER
    require(request.user, capability)
    members = filter_roster(managed_members(request.user, capability), request.GET, user=request.user)
    organization = _export_organization(request.user, members) if full else None
    response = HttpResponse(
        export_roster(request.user, members, full=full, organization=organization), content_type=XLSX
    )
    response["Content-Disposition"] = 'attachment; filename="roster.xlsx"'
    # Even masked, a roster is personal data: no shared or browser cache keeps it.
    response["Cache-Control"] = "no-store"
    return response


def _export_organization(user, members) -> Organization | None:
    """The branch the export covers, or the top of the user's roles when it spans several: where it is logged."""
    ids = list(members.order_by().values_list("organization_id", flat=True).distinct()[:2])
    if len(ids) == 1:
        return Organization.objects.get(pk=ids[0])
    role = Role.objects.filter(user=user).select_related("organization").order_by("organization__depth").first()
    return role.organization if role else None
