"""The committee's dues totals (with their .xlsx) and the branches' half-year publication.

Thin: parse, check permission, call ``committee_data``, render. Amounts are
personal data, so the pages that show them are never kept by a browser or proxy.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from branches.access import Capability, can, capability_required
from branches.errors import add_to_form
from branches.params import parse_id, parse_int, parse_year
from members.access import get_own_member, own_member

from . import committee_data as data
from .errors import DuesError
from .models import Publication

C = Capability
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PUBLICATIONS_PER_PAGE = 20


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


# --- The totals ---------------------------------------------------------------------------


def _totals_request(request) -> tuple[data.Totals, list]:
    """The organization and quarter asked for (404 for an organization outside the user's dues scope)."""
    today = timezone.localdate()
    choices = data.totals_organizations(request.user)
    pk = parse_id(request.GET.get("org"))
    organization = data.get_totals_organization(request.user, pk) if pk is not None else None
    if organization is None and choices:
        organization = choices[0]
    if organization is None:
        # The capability is held somewhere (the decorator checked), so this is a superuser on an empty site.
        raise Http404("No organization")
    year = parse_year(request.GET.get("year"))
    if year is None or not data.FIRST_YEAR <= year <= today.year + 1:
        year = today.year
    quarter = parse_int(request.GET.get("quarter"), minimum=1, maximum=4) or data.quarter_of(today)
    totals = data.branch_totals(organization, data.Quarter(year, quarter))
    if organization not in choices:
        choices = [*choices, organization]
    return totals, choices


@capability_required(C.RECORD_DUES)
@require_safe
def totals(request):
    totals, choices = _totals_request(request)
    today = timezone.localdate()
    context = {
        "totals": totals,
        "choices": choices,
        "years": range(today.year + 1, data.FIRST_YEAR - 1, -1),
        "quarters": range(1, 5),
        "query": request.GET.urlencode(),
    }
    return _private(render(request, "dues/committee/totals.html", context))


@capability_required(C.RECORD_DUES)
@require_safe
def totals_xlsx(request):
    totals, _choices = _totals_request(request)
    response = HttpResponse(data.totals_workbook(totals), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{data.totals_filename(totals)}"'
    return _private(response)


# --- Publishing ---------------------------------------------------------------------------


class PublishForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=data.FIRST_YEAR, max_value=9999)
    half = forms.TypedChoiceField(label=gettext_lazy("Half-year"), choices=data.HALF_LABELS.items(), coerce=int)
    show_amounts = forms.BooleanField(
        label=gettext_lazy("Show each member's amounts"),
        required=False,
        help_text=gettext_lazy("Without it, members see only who has paid for which months. Incomes are never shown."),
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def publish(request, pk: int):
    branch = data.get_publishing_branch(request.user, pk)
    if request.method == "POST":
        form = PublishForm(request.POST)
        if form.is_valid():
            try:
                publication = data.publish(
                    branch,
                    year=form.cleaned_data["year"],
                    half=form.cleaned_data["half"],
                    show_amounts=form.cleaned_data["show_amounts"],
                    by=request.user,
                )
            except DuesError as error:
                add_to_form(form, error)
            else:
                messages.success(request, _("Published. The branch's members have been told in their inbox."))
                return redirect("dues:publication", pk=publication.pk)
    else:
        year, half = data.last_published_half(timezone.localdate())
        form = PublishForm(initial={"year": year, "half": half})
    published = Paginator(
        Publication.objects.filter(organization=branch).order_by("-year", "-half"), PUBLICATIONS_PER_PAGE
    ).get_page(request.GET.get("page"))
    return render(request, "dues/committee/publish.html", {"branch": branch, "form": form, "page": published})


# --- Reading a publication ----------------------------------------------------------------------


@login_required
@require_safe
def publication(request, pk: int):
    publication = data.get_visible_publication(request.user, pk)
    page, rows = data.publication_table(publication, request.GET.get("page"))
    context = {
        "publication": publication,
        "page": page,
        "rows": rows,
        "summary": data.publication_summary(publication),
        # Managers go on to the branch's publishing page, members to their branch's other publications.
        "manager": can(request.user, C.RECORD_DUES, publication.organization),
        "member": own_member(request.user),
    }
    return _private(render(request, "dues/committee/publication.html", context))


@login_required
@require_safe
def publications(request):
    member = get_own_member(request.user)
    page = Paginator(data.own_publications(member), PUBLICATIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "dues/committee/publications.html", {"page": page, "branch": member.organization})
