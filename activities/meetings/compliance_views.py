"""Meeting frequencies and what is due: the branch's year, the committee's branches, the spreadsheet.

Every page is for whoever manages activities on the organization it names
(``Capability.MANAGE_ACTIVITIES``); outside their subtree it does not exist
(404, also to a plain member, as for every URL naming an object). The entry
page names none: it answers 403 to a login that manages activities nowhere
and otherwise opens the page of the top of the user's subtree.
"""

from __future__ import annotations

import datetime as dt
import io

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe
from openpyxl import Workbook

from branches.access import Capability, can, capability_required, get_managed_organization, scope_of
from branches.errors import add_to_form
from branches.models import Organization
from branches.params import parse_int
from members.spreadsheets import safe_cell

from ..models import Activity
from . import compliance
from .compliance import MONTHS_OF, PERIOD, Span
from .frequencies import (
    DUE_KINDS,
    MAX_TIMES,
    FrequencyError,
    inherited_for,
    own_rules,
    set_frequencies,
)

C = Capability
BRANCHES_PER_PAGE = 30
INHERIT = ""


# The years the pages may be asked for; anything else is read as this year.
FIRST_YEAR, LAST_YEAR = 2000, 2100


def _year(request, today: dt.date) -> int:
    return parse_int(request.GET.get("year"), minimum=FIRST_YEAR, maximum=LAST_YEAR) or today.year


def _managed(request, pk: int) -> Organization:
    organization = get_managed_organization(request.user, pk, C.MANAGE_ACTIVITIES)
    if organization.kind == Organization.Kind.GROUP:
        raise Http404("Not a branch or committee")
    return organization


@capability_required(C.MANAGE_ACTIVITIES)
@require_safe
def compliance_home(request):
    """The top of each subtree where the user manages activities, each with its page."""
    scope = scope_of(request.user)
    tops = Organization.objects.exclude(kind=Organization.Kind.GROUP).order_by("path")
    if scope.is_superuser:
        tops = tops.filter(parent__isnull=True)
    else:
        tops = tops.filter(path__in=scope.paths(C.MANAGE_ACTIVITIES))
    entries = [{"organization": top, "url": _compliance_url(top)} for top in tops]
    return render(request, "activities/meetings/compliance_home.html", {"entries": entries})


# --- Frequencies ------------------------------------------------------------------------------


class FrequencyForm(forms.Form):
    """Per kind: a period (or "as above") and the times in it."""

    def __init__(self, *args, inherited, own, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.rows = []
        for kind in DUE_KINDS:
            above = inherited[kind]
            label = Activity.Kind(kind).label
            follow = _("As set above: %(rule)s") % {"rule": describe(above.period, above.times)}
            choices = [(INHERIT, follow), *PERIOD.choices]
            mine = own.get(kind)
            period = forms.ChoiceField(label=_("%(kind)s: period") % {"kind": label}, choices=choices, required=False)
            times = forms.IntegerField(
                label=_("%(kind)s: times per period") % {"kind": label},
                min_value=0,
                max_value=MAX_TIMES,
                required=False,
            )
            self.fields[f"{kind}_period"] = period
            self.fields[f"{kind}_times"] = times
            if mine is not None:
                self.initial[f"{kind}_period"] = mine.period
                self.initial[f"{kind}_times"] = mine.times
            self.rows.append((kind, label, self[f"{kind}_period"], self[f"{kind}_times"], above))

    def clean(self):
        cleaned = super().clean()
        for kind in DUE_KINDS:
            if cleaned.get(f"{kind}_period") and cleaned.get(f"{kind}_times") is None:
                self.add_error(f"{kind}_times", _("Say how many times in the period."))
        return cleaned

    def rules(self) -> dict[str, tuple[str, int] | None]:
        data = self.cleaned_data
        return {
            kind: (data[f"{kind}_period"], data[f"{kind}_times"]) if data.get(f"{kind}_period") else None
            for kind in DUE_KINDS
        }


PER = {
    PERIOD.MONTH: gettext_lazy("%(times)d a month"),
    PERIOD.QUARTER: gettext_lazy("%(times)d a quarter"),
    PERIOD.YEAR: gettext_lazy("%(times)d a year"),
}


def describe(period: str, times: int) -> str:
    if times == 0:
        return _("not required")
    return str(PER[period]) % {"times": times}


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def frequency_edit(request, pk: int):
    organization = _managed(request, pk)
    inherited = inherited_for(organization)
    form = FrequencyForm(request.POST or None, inherited=inherited, own=own_rules(organization))
    if request.method == "POST" and form.is_valid():
        try:
            set_frequencies(organization, form.rules(), by=request.user)
        except FrequencyError as error:
            add_to_form(form, error)
        else:
            messages.success(request, _("Meeting frequencies saved."))
            return redirect("meetings:frequencies", pk=organization.pk)
    return render(
        request,
        "activities/meetings/frequency_edit.html",
        {"organization": organization, "form": form, "compliance_url": _compliance_url(organization)},
    )


def _compliance_url(organization: Organization) -> str:
    if organization.kind == Organization.Kind.BRANCH:
        return reverse("meetings:compliance_branch", args=[organization.pk])
    return reverse("meetings:compliance", args=[organization.pk])


# --- A branch's year --------------------------------------------------------------------------


@login_required
@require_safe
def branch_compliance(request, pk: int):
    branch = _managed(request, pk)
    if branch.kind != Organization.Kind.BRANCH:
        raise Http404("Not a branch")
    today = timezone.localdate()
    year = _year(request, today)
    measured = compliance.measure([branch], year, today)[branch.pk]
    rows = [
        {
            "kind": kind,
            "label": Activity.Kind(kind).label,
            "frequency": measured.frequencies[kind],
            "rule": describe(measured.frequencies[kind].period, measured.frequencies[kind].times),
            "cells": [(cell, MONTHS_OF[cell.span.period]) for cell in measured.cells[kind]],
        }
        for kind in DUE_KINDS
    ]
    drill = None
    kind = request.GET.get("kind")
    if kind in DUE_KINDS:
        period = measured.frequencies[kind].period
        span = compliance.parse_span(request.GET.get("span"), Span(year, period, 1))
        cell = next((c for c in measured.cells[kind] if c.span == span), None)
        if cell is not None:
            meetings = list(compliance.meetings_in(branch, kind, span))
            for meeting in meetings:
                meeting.record_pending = compliance.is_record_pending(meeting)
            drill = {"cell": cell, "meetings": meetings}
    parent = branch.parent
    return render(
        request,
        "activities/meetings/compliance_branch.html",
        {
            "branch": branch,
            "year": year,
            "years": [year - 1, year + 1],
            "rows": rows,
            "months": [Span(year, PERIOD.MONTH, n) for n in range(1, 13)],
            "overdue": [
                (Activity.Kind(kind).label, cells)
                for kind in DUE_KINDS
                if (cells := [c for c in measured.cells[kind] if c.is_overdue])
            ],
            "drill": drill,
            "groups": measured.groups,
            "frequencies_url": reverse("meetings:frequencies", args=[branch.pk]),
            "parent_url": reverse("meetings:compliance", args=[parent.pk])
            if parent is not None and can(request.user, C.MANAGE_ACTIVITIES, parent)
            else "",
            "parent": parent,
        },
    )


# --- A committee's branches -------------------------------------------------------------------


def _window(request, year: int, today: dt.date) -> Span:
    """The chosen period: ``span`` is "year", "q1"-"q4" or "m1"-"m12"; the current quarter by default."""
    value = (request.GET.get("span") or "").strip().lower()
    fallback = Span(year, PERIOD.QUARTER, (today.month - 1) // 3 + 1 if year == today.year else 1)
    try:
        if value == "year":
            return Span(year, PERIOD.YEAR, 1)
        if value[:1] == "q" and 1 <= int(value[1:]) <= 4:
            return Span(year, PERIOD.QUARTER, int(value[1:]))
        if value[:1] == "m" and 1 <= int(value[1:]) <= 12:
            return Span(year, PERIOD.MONTH, int(value[1:]))
    except ValueError:
        pass
    return fallback


def _window_value(span: Span) -> str:
    if span.period == PERIOD.YEAR:
        return "year"
    return ("q" if span.period == PERIOD.QUARTER else "m") + str(span.number)


def _window_choices(year: int) -> list[tuple[str, str]]:
    choices = [("year", _("Whole year %(year)d") % {"year": year})]
    choices += [(_window_value(s), s.label) for s in compliance.spans(year, PERIOD.QUARTER)]
    choices += [(_window_value(s), s.label) for s in compliance.spans(year, PERIOD.MONTH)]
    return choices


@login_required
@require_safe
def committee_compliance(request, pk: int):
    organization = _managed(request, pk)
    today = timezone.localdate()
    year = _year(request, today)
    window = _window(request, year, today)
    page = Paginator(compliance.branches_under(organization), BRANCHES_PER_PAGE).get_page(request.GET.get("page"))
    branches = list(page.object_list)
    measured = compliance.measure(branches, year, today)
    rows = []
    for branch in branches:
        cells = measured[branch.pk].window(window)
        rows.append(
            {
                "branch": branch,
                "cells": [cells[kind] for kind in DUE_KINDS],
                "overdue": any(c.is_overdue for c in cells.values()),
                "url": reverse("meetings:compliance_branch", args=[branch.pk]) + f"?year={year}",
            }
        )
    return render(
        request,
        "activities/meetings/compliance_committee.html",
        {
            "organization": organization,
            "year": year,
            "window": window,
            "window_value": _window_value(window),
            "window_choices": _window_choices(year),
            "kinds": [(kind, Activity.Kind(kind).label) for kind in DUE_KINDS],
            "rows": rows,
            "page": page,
            "export_url": reverse("meetings:compliance_export", args=[organization.pk])
            + f"?year={year}&span={_window_value(window)}",
            "frequencies_url": reverse("meetings:frequencies", args=[organization.pk]),
        },
    )


STATUS_LABELS = {
    "none": gettext_lazy("not due"),
    "met": gettext_lazy("met"),
    "open": gettext_lazy("open"),
    "overdue": gettext_lazy("overdue"),
}


def compliance_workbook(organization: Organization, year: int, window: Span, today: dt.date) -> bytes:
    """One row per branch under the organization: due, held and state of every kind in the window."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=window.key)
    header = [_("Code"), _("Branch")]
    for kind in DUE_KINDS:
        label = Activity.Kind(kind).label
        header += [
            _("%(kind)s: due") % {"kind": label},
            _("%(kind)s: held") % {"kind": label},
            _("%(kind)s: state") % {"kind": label},
        ]
    sheet.append([safe_cell(str(cell)) for cell in header])
    branches = list(compliance.branches_under(organization).only("pk", "name", "code", "path", "kind", "parent_id"))
    # The whole subtree at once: the queries select by its path, whatever the number of branches.
    measured = compliance.measure(branches, year, today, within=organization)
    for branch in branches:
        cells = measured[branch.pk].window(window)
        row = [branch.code, branch.name]
        for kind in DUE_KINDS:
            cell = cells[kind]
            row += [cell.due, cell.held, str(STATUS_LABELS[cell.status])]
        sheet.append([safe_cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@login_required
@require_safe
def committee_compliance_export(request, pk: int):
    organization = _managed(request, pk)
    today = timezone.localdate()
    year = _year(request, today)
    window = _window(request, year, today)
    response = HttpResponse(
        compliance_workbook(organization, year, window, today),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    filename = f"meetings-{organization.code}-{window.key}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
