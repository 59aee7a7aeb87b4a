"""Pages of permits, the six-month warnings and the proposed transfers: the secretaries' side only.

Lists name no object and need their capability somewhere (403 otherwise);
an object named by the URL is fetched with ``permit_access``, so outside
the user's branches it does not exist (404). No member sees any of this,
not even their own warning.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from branches.access import Capability, capability_required
from branches.errors import add_to_form, show_error
from branches.params import parse_next

from . import permits as service
from . import proposals, warnings_
from .models import Permit
from .permit_access import (
    get_managed_permit,
    get_managed_proposal,
    get_managed_warning,
    get_permit_member,
    managed_permits,
    managed_proposals,
    managed_warnings,
)
from .permit_forms import DismissForm, PermitDateForm, PermitFilterForm, PermitForm, ResolveForm, WarningFilterForm

MANAGE = Capability.MANAGE_ROSTER
APPROVE = Capability.APPROVE_TRANSFERS
PER_PAGE = 50


def _private(response):
    # Whereabouts, permits and a member's standing: no browser or proxy keeps a copy.
    response["Cache-Control"] = "no-store"
    return response


# --- Permits ----------------------------------------------------------------------------------


@capability_required(MANAGE)
@require_safe
def permit_list(request):
    form = PermitFilterForm(request.GET or None)
    state = (form.cleaned_data.get("state") if form.is_valid() else "") or "held"
    permits = (
        service.branch_permits(managed_permits(request.user), "" if state == "all" else state)
        .select_related("member__organization", "member__group", "host_organization")
        .order_by("member__organization__path", "member__name_pinyin", "member__name", "-issued_on", "-pk")
    )
    page = Paginator(permits, PER_PAGE).get_page(request.GET.get("page"))
    for permit in page.object_list:
        permit.host = service.host_of(permit)
    context = {"form": form, "page": page, "state": state}
    return _private(render(request, "itinerant/permits/list.html", context))


def _initial(member) -> dict:
    parent = member.organization.parent
    return {
        "issued_on": timezone.localdate(),
        "issued_by": parent.name if parent else "",
        "province": member.province,
        "city": member.city,
    }


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def add_permit(request, pk: int):
    member = get_permit_member(request.user, pk)
    form = PermitForm(request.POST or None, member=member, initial=_initial(member))
    if request.method == "POST" and form.is_valid():
        try:
            permit = service.record_permit(member, form.cleaned_data, request.user)
        except service.PermitError as error:
            if error.field is None:
                # Not the form's fault (a permit held, the member gone): the page says so, without the form.
                show_error(request, error)
                return redirect("itinerant:add_permit", pk=member.pk)
            add_to_form(form, error)
        else:
            messages.success(request, _("Permit %(number)s recorded.") % {"number": permit.number})
            return redirect("itinerant:permit", pk=permit.pk)
    earlier = list(
        Permit.objects.filter(member=member).select_related("host_organization").order_by("-issued_on", "-pk")
    )
    for permit in earlier:
        permit.host = service.host_of(permit)
    context = {"member": member, "form": form, "permits": earlier, "held": any(p.returned_on is None for p in earlier)}
    return _private(render(request, "itinerant/permits/add.html", context, status=400 if form.errors else 200))


ACTIONS = ("edit", "check", "return")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def permit_detail(request, pk: int):
    """One permit: correct it, record a check, record its return (``action`` says which form was sent)."""
    permit = get_managed_permit(request.user, pk)
    action = request.POST.get("action") if request.method == "POST" else None
    edit_form = PermitForm(
        request.POST if action == "edit" else None,
        member=permit.member,
        initial={name: getattr(permit, name) for name in service.FIELDS},
    )
    check_form = PermitDateForm(request.POST if action == "check" else None, prefix="check")
    return_form = PermitDateForm(request.POST if action == "return" else None, prefix="return")
    if action in ACTIONS:
        form = {"edit": edit_form, "check": check_form, "return": return_form}[action]
        if form.is_valid():
            try:
                if action == "edit":
                    changed = service.update_permit(permit, form.cleaned_data, request.user)
                    done = _("Permit saved.") if changed else _("Nothing was changed.")
                elif action == "check":
                    service.check_permit(permit, form.cleaned_data["on"], request.user)
                    done = _("Check recorded.")
                else:
                    service.return_permit(permit, form.cleaned_data["on"], request.user)
                    done = _("Return recorded: the member no longer holds this permit.")
            except service.PermitError as error:
                if action != "edit" and error.field in ("checked_on", "returned_on"):
                    error.field = "on"
                if error.field is None:
                    # The permit has moved on (returned meanwhile): the page says so as it now is.
                    show_error(request, error)
                    return redirect("itinerant:permit", pk=permit.pk)
                add_to_form(form, error)
            else:
                messages.success(request, done)
                return redirect("itinerant:permit", pk=permit.pk)
    elif request.method == "POST":
        messages.error(request, _("Choose what to record."))
        return redirect("itinerant:permit", pk=permit.pk)
    permit.host = service.host_of(permit)
    invalid = any(f.errors for f in (edit_form, check_form, return_form))
    context = {
        "permit": permit,
        "member": permit.member,
        "edit_form": edit_form,
        "check_form": check_form,
        "return_form": return_form,
        "action": action,
    }
    return _private(render(request, "itinerant/permits/detail.html", context, status=400 if invalid else 200))


# --- The six-month warnings -------------------------------------------------------------------


@capability_required(MANAGE)
@require_safe
def warning_list(request):
    form = WarningFilterForm(request.GET or None)
    level = form.cleaned_data.get("level", "") if form.is_valid() else ""
    warnings = (
        warnings_.open_warnings(managed_warnings(request.user), [level] if level else [])
        .select_related("member__organization", "member__group")
        .order_by("since", "member__name_pinyin", "pk")
    )
    page = Paginator(warnings, PER_PAGE).get_page(request.GET.get("page"))
    for warning in page.object_list:
        warning.rule = warnings_.rule_of(warning.level)
        warning.sign_rows = warnings_.sign_rows(warning)
    context = {"form": form, "page": page, "constitution": warnings_.CONSTITUTION_RULE, "resolve_form": ResolveForm()}
    return _private(render(request, "itinerant/permits/warnings.html", context))


@login_required
@require_POST
def resolve_warning(request, pk: int):
    warning = get_managed_warning(request.user, pk)
    back = parse_next(request, request.POST.get("next")) or reverse("itinerant:warnings")
    form = ResolveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say what was done, in up to 300 characters."))
        return redirect(back)
    try:
        warnings_.resolve(warning, form.cleaned_data["resolution"], request.user)
    except warnings_.WarningError as error:
        show_error(request, error)
    else:
        messages.success(request, _("Recorded for %(name)s.") % {"name": warning.member.name})
    return redirect(back)


# --- Proposed transfers -----------------------------------------------------------------------


@capability_required(APPROVE)
@require_safe
def proposal_list(request):
    found = (
        proposals.open_proposals(managed_proposals(request.user))
        .select_related("member__organization", "member__group")
        .order_by("away_since", "pk")
    )
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "months": proposals.STAY_MONTHS, "dismiss_form": DismissForm()}
    return _private(render(request, "itinerant/permits/proposals.html", context))


@login_required
@require_POST
def dismiss_proposal(request, pk: int):
    proposal = get_managed_proposal(request.user, pk)
    back = parse_next(request, request.POST.get("next")) or reverse("itinerant:proposals")
    form = DismissForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why no transfer is needed, in up to 200 characters."))
        return redirect(back)
    try:
        proposals.dismiss(proposal, form.cleaned_data["note"], request.user)
    except proposals.ProposalError as error:
        show_error(request, error)
    else:
        messages.success(request, _("Dismissed for %(name)s.") % {"name": proposal.member.name})
    return redirect(back)
