"""Roster import and export pages: upload → preview → confirm, the template, and the export."""

from __future__ import annotations

import io

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from openpyxl import Workbook

from branches.models import Organization, Role
from branches.services import can_manage, get_managed_organization

from . import importing
from .exporting import export_roster, filter_roster
from .models import RosterImport
from .services import members_visible_to

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A full 20,000-row roster as .xlsx is a few MB; anything far larger is not a roster.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class UploadForm(forms.Form):
    organization = forms.ModelChoiceField(queryset=Organization.objects.none(), label=gettext_lazy("Branch"))
    file = forms.FileField(
        label=gettext_lazy("Roster file"),
        help_text=gettext_lazy("Excel workbook (.xlsx) or CSV, at most 20,000 rows."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def __init__(self, *args, branches, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = branches

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        return upload


def get_managed_import(user, pk: int) -> RosterImport:
    """Fetch an import into a branch the user manages, or 404 (by URL guessing too)."""
    roster_import = RosterImport.objects.select_related("organization").filter(pk=pk).first()
    if roster_import is None or not can_manage(user, roster_import.organization):
        raise Http404("No such import")
    return roster_import


def _branches_or_403(user):
    branches = importing.importable_branches(user).order_by("path")
    if not branches.exists():
        raise PermissionDenied
    return branches


@login_required
@require_http_methods(["GET", "POST"])
def upload(request):
    branches = _branches_or_403(request.user)
    form = UploadForm(request.POST or None, request.FILES or None, branches=branches)
    if request.method == "POST" and form.is_valid():
        branch = get_managed_organization(request.user, form.cleaned_data["organization"].pk)
        upload_file = form.cleaned_data["file"]
        try:
            table = importing.read_roster(upload_file.read())
        except importing.RosterFileError as exc:
            form.add_error("file", exc.message)
        else:
            upload_file.seek(0)
            roster_import = importing.create_import(upload_file, branch, request.user, table)
            return redirect("roster_import:detail", pk=roster_import.pk)
    recent = RosterImport.objects.filter(organization__in=branches).select_related("organization")[:10]
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
            "confirmable": roster_import.status == RosterImport.Status.PREVIEWED and summary.get("errors") == 0,
            "more_rows": summary.get("create", 0) + summary.get("update", 0) - len(summary.get("rows", [])),
            "more_errors": summary.get("errors", 0) - len(roster_import.errors),
        },
    )


@login_required
@require_POST
def confirm(request, pk: int):
    roster_import = get_managed_import(request.user, pk)
    if not importing.importable_branches(request.user).filter(pk=roster_import.organization_id).exists():
        raise PermissionDenied
    importing.request_confirm(roster_import)
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


@login_required
@require_safe
def template(request):
    _branches_or_403(request.user)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title="花名册")
    for row in importing.template_rows():
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="roster-template.xlsx"'
    return response


@login_required
@require_safe
def export(request):
    visible = members_visible_to(request.user)
    if not request.user.is_superuser and not Role.objects.filter(user=request.user).exists():
        raise PermissionDenied
    members = filter_roster(visible, request.GET)
    full = request.GET.get("full") == "1"
    organization = _export_organization(request.user, members) if full else None
    response = HttpResponse(
        export_roster(request.user, members, full=full, organization=organization), content_type=XLSX
    )
    response["Content-Disposition"] = 'attachment; filename="roster.xlsx"'
    return response


def _export_organization(user, members) -> Organization | None:
    """The branch the export covers, or the top of the user's roles when it spans several."""
    ids = list(members.order_by().values_list("organization_id", flat=True).distinct()[:2])
    if len(ids) == 1:
        return Organization.objects.get(pk=ids[0])
    role = Role.objects.filter(user=user).select_related("organization").order_by("organization__depth").first()
    return role.organization if role else None
