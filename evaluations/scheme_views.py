"""Schemes (the indicator sets), the committee's 堡垒指数 chart and a round's results as a spreadsheet.

The lists answer 403 to a user who reviews nowhere; a scheme, section, item
or round outside the user's scope answers 404 (``access``). A scheme is
edited only until a round uses it; after that it is copied as a new version.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from branches.access import Capability, capability_required
from branches.errors import add_to_form, show_error
from branches.models import Organization
from branches.params import parse_year

from . import access, charts, library, services
from .export import evaluation_workbook, filename
from .models import ZERO, Evaluation, Item, Rating, Scheme, Section, Subject
from .rules import RULES
from .scheme_forms import CopySchemeForm, ItemForm, SchemeForm, SectionForm

PER_PAGE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _refused(request, scheme: Scheme):
    """A redirect with the reason if the scheme is in use by a round, else None."""
    try:
        services.check_editable(scheme)
    except services.EvaluationError as error:
        show_error(request, error)
        return redirect("evaluations:scheme", pk=scheme.pk)
    return None


# --- The list and copying -------------------------------------------------------------------


def _library():
    return [
        {
            "key": spec.key,
            "name": spec.name,
            "subject": Subject(spec.subject).label,
            "description": spec.description,
            "items": sum(len(section.items) for section in spec.sections),
        }
        for spec in library.SCHEMES.values()
    ]


def _schemes_page(request, form: CopySchemeForm, status: int = 200):
    schemes = (
        access.managed_schemes(request.user)
        .annotate(in_use=Exists(Evaluation.objects.filter(scheme_id=OuterRef("pk"))))
        .order_by("-year", "organization__path", "name", "-version", "pk")
    )
    page = Paginator(schemes, PER_PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "form": form, "library": _library()}
    return render(request, "evaluations/schemes/list.html", context, status=status)


@capability_required(Capability.REVIEW_EVALUATIONS)
@require_safe
def schemes(request):
    initial = {}
    if request.GET.get("library") in library.SCHEMES:
        initial["library"] = request.GET["library"]
    return _schemes_page(request, CopySchemeForm(request.user, initial=initial))


@capability_required(Capability.REVIEW_EVALUATIONS)
@require_POST
def copy_scheme(request):
    form = CopySchemeForm(request.user, request.POST)
    if not form.is_valid():
        return _schemes_page(request, form, status=400)
    try:
        scheme = form.save()
    except services.EvaluationError as error:
        add_to_form(form, error)
        return _schemes_page(request, form, status=400)
    messages.success(
        request,
        _("%(name)s version %(version)d for %(year)d is ready to edit.")
        % {"name": scheme.name, "version": scheme.version, "year": scheme.year},
    )
    return redirect("evaluations:scheme", pk=scheme.pk)


# --- One scheme -----------------------------------------------------------------------------


def _how_scored(item: Item) -> dict:
    if not item.is_automatic:
        return {"automatic": False, "label": _("By hand"), "explanation": ""}
    rule = RULES.get(item.method)
    if rule is None:
        return {"automatic": True, "label": item.method, "explanation": _("This rule is no longer available.")}
    return {"automatic": True, "label": rule.label, "explanation": rule.explanation}


@login_required
@require_safe
def scheme_detail(request, pk: int):
    scheme = access.get_managed_scheme(request.user, pk)
    rounds = list(scheme.evaluations.select_related("organization").order_by("organization__path", "pk"))
    sections = list(scheme.sections.prefetch_related("items"))
    type_labels = dict(Organization.BranchType.choices)
    rows = []
    for section in sections:
        items = [{"item": item, "how": _how_scored(item)} for item in section.items.all()]
        rows.append(
            {
                "section": section,
                "items": items,
                "branch_type": type_labels.get(section.branch_type, ""),
                "item_points": sum((entry["item"].points for entry in items), ZERO),
            }
        )
    maxima = _full_marks(charts.scheme_maxima(sections), type_labels)
    ratings = dict(Rating.choices)
    copy_form = CopySchemeForm(
        request.user,
        initial={
            "organization": scheme.organization_id,
            "year": max(scheme.year + 1, timezone.localdate().year),
            "scheme": scheme.pk,
        },
    )
    context = {
        "scheme": scheme,
        "frozen": bool(rounds),
        "rounds": rounds,
        "sections": rows,
        "maxima": maxima,
        "ratings": [{"label": ratings.get(rating, rating), "lowest": lowest} for rating, lowest in scheme.ratings],
        "copy_form": copy_form,
    }
    return render(request, "evaluations/schemes/detail.html", context)


def _full_marks(maxima: list[tuple[str, Decimal]], type_labels: dict) -> list[dict]:
    """The full marks, one line per distinct total: "Full marks, village and community branches: 100"."""
    by_total: dict[Decimal, list[str]] = {}
    for branch_type, total in maxima:
        by_total.setdefault(total, []).append(branch_type)
    if len(by_total) == 1:
        return [{"label": _("Full marks"), "total": total} for total in by_total]
    lines = []
    for total, types in by_total.items():
        names = [str(type_labels.get(t, t)) for t in types if t]
        if "" in types:
            names.append(_("other"))
        lines.append({"label": _("Full marks, %(types)s branches") % {"types": ", ".join(names)}, "total": total})
    return lines


def _form_page(request, scheme: Scheme, form, heading: str, *, status: int = 200, delete_url: str = "", **extra):
    context = {"scheme": scheme, "form": form, "heading": heading, "delete_url": delete_url, **extra}
    return render(request, "evaluations/schemes/form.html", context, status=status)


def _saved(request, scheme: Scheme, message: str, anchor: str = ""):
    messages.success(request, message)
    return redirect(reverse("evaluations:scheme", args=[scheme.pk]) + anchor)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def edit_scheme(request, pk: int):
    scheme = access.get_managed_scheme(request.user, pk)
    if refused := _refused(request, scheme):
        return refused
    form = SchemeForm(scheme, request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        form.save()
        return _saved(request, scheme, _("The scheme is saved."))
    return _form_page(
        request, scheme, form, _("Edit the scheme"), status=400 if form.is_bound else 200, rating_form=True
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def add_section(request, pk: int):
    scheme = access.get_managed_scheme(request.user, pk)
    return _section_form(request, scheme, None)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def edit_section(request, pk: int):
    section = access.get_managed_section(request.user, pk)
    return _section_form(request, section.scheme, section)


def _section_form(request, scheme: Scheme, section: Section | None):
    if refused := _refused(request, scheme):
        return refused
    form = SectionForm(scheme, request.POST if request.method == "POST" else None, instance=section)
    if form.is_bound and form.is_valid():
        saved = form.save()
        return _saved(request, scheme, _("The section is saved."), f"#section-{saved.pk}")
    heading = _("Add a section") if section is None else _("Edit the section")
    delete_url = reverse("evaluations:scheme_delete_section", args=[section.pk]) if section else ""
    return _form_page(
        request,
        scheme,
        form,
        heading,
        status=400 if form.is_bound else 200,
        delete_url=delete_url,
        delete_prompt=_("Delete this section and all its items?"),
    )


@login_required
@require_POST
def delete_section(request, pk: int):
    section = access.get_managed_section(request.user, pk)
    scheme = section.scheme
    if refused := _refused(request, scheme):
        return refused
    title = section.title
    section.delete()
    return _saved(request, scheme, _("The section “%(title)s” and its items are deleted.") % {"title": title})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def add_item(request, pk: int):
    section = access.get_managed_section(request.user, pk)
    return _item_form(request, section, None)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def edit_item(request, pk: int):
    item = access.get_managed_item(request.user, pk)
    return _item_form(request, item.section, item)


def _item_form(request, section: Section, item: Item | None):
    scheme = section.scheme
    if refused := _refused(request, scheme):
        return refused
    form = ItemForm(section, request.POST if request.method == "POST" else None, instance=item)
    if form.is_bound and form.is_valid():
        saved = form.save()
        return _saved(request, scheme, _("The item is saved."), f"#item-{saved.pk}")
    heading = _("Add an item") if item is None else _("Edit the item")
    delete_url = reverse("evaluations:scheme_delete_item", args=[item.pk]) if item else ""
    rules = [
        {"label": rule.label, "explanation": rule.explanation}
        for rule in RULES.values()
        if rule.subject == scheme.subject
    ]
    return _form_page(
        request,
        scheme,
        form,
        heading,
        status=400 if form.is_bound else 200,
        delete_url=delete_url,
        delete_prompt=_("Delete this item?"),
        section=section,
        rules=[] if section.is_list else rules,
    )


@login_required
@require_POST
def delete_item(request, pk: int):
    item = access.get_managed_item(request.user, pk)
    scheme = item.section.scheme
    if refused := _refused(request, scheme):
        return refused
    title = item.title
    item.delete()
    return _saved(request, scheme, _("The item “%(title)s” is deleted.") % {"title": title})


# --- The committee's chart ------------------------------------------------------------------


@capability_required(Capability.REVIEW_EVALUATIONS)
@require_safe
def branch_chart(request):
    years = charts.branch_years(request.user)
    year = parse_year(request.GET.get("year"))
    if year not in years:
        year = years[0] if years else None
    context = {
        "years": years,
        "year": year,
        "charts": charts.year_charts(request.user, year) if year else [],
        "trend": charts.trend(request.user) if years else None,
    }
    return render(request, "evaluations/chart.html", context)


# --- Export ---------------------------------------------------------------------------------


@login_required
@require_safe
def export(request, pk: int):
    evaluation = access.get_managed_evaluation(request.user, pk)
    response = HttpResponse(evaluation_workbook(evaluation), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename(evaluation)}"'
    return response
