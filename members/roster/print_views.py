"""The roster for paper (花名册): the roster list's members, with the columns a branch keeps on file.

It takes the list's own parameters (``views._list_params``, ``RosterFilterForm``,
``search.search_roster``), so "print" prints what the list shows. Numbers are
masked as on the list; ``full=1`` shows them in full under the export's rule:
only to those who import rosters, only for the entries they import into, and
written to the roster's audit log.
"""

from __future__ import annotations

from django import forms
from django.db.models import F
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_safe

from branches.access import Capability, capability_required, require, scope_of

from ..access import managed_members
from ..models import Member, MemberChange
from ..services import record_change
from .forms import RosterFilterForm
from .search import Sort, search_roster
from .views import _list_params, _no_store

# A sheaf of 40 pages at most; a longer roster is printed in parts, by group or province.
PRINT_LIMIT = 1000
# The list's parameters that are no filter: shown nowhere on the sheet.
NOT_FILTERS = ("sort", "state")


@capability_required(Capability.MANAGE_ROSTER)
@require_safe
def roster_print(request):
    full = request.GET.get("full") == "1"
    capability = Capability.IMPORT_ROSTER if full else Capability.MANAGE_ROSTER
    require(request.user, capability)
    form = RosterFilterForm(_list_params(request) or None, user=request.user)
    query = form.to_query()
    members = search_roster(managed_members(request.user, capability), query)
    if query.sort == Sort.NAME:
        # On paper a roster reads branch by branch and group by group.
        members = members.order_by("organization__path", F("group__name").asc(nulls_last=True), "name", "pk")
    total = members.count()
    rows = list(members.select_related("organization", "group")[:PRINT_LIMIT])
    if full:
        _log_full_print(request.user, rows)
    branches = {member.organization_id: member.organization for member in rows}
    context = {
        "rows": rows,
        "total": total,
        "limit": PRINT_LIMIT,
        "full": full,
        "may_show_full": scope_of(request.user).anywhere(Capability.IMPORT_ROSTER),
        "branch": next(iter(branches.values())) if len(branches) == 1 else None,
        "several_branches": len(branches) > 1,
        "filters": _filters_shown(form),
        "query": _query_without(request, "full"),
    }
    return _no_store(render(request, "members/roster/print.html", context))


def _log_full_print(user, rows: list[Member]) -> None:
    """The same disclosure as a full export, logged the same way: a line per branch printed, with its rows."""
    per_branch: dict[int, list[Member]] = {}
    for member in rows:
        per_branch.setdefault(member.organization_id, []).append(member)
    for members in per_branch.values():
        count = len(members)
        note = ngettext("Printed, %(count)d row", "Printed, %(count)d rows", count) % {"count": count}
        record_change(None, user, MemberChange.Action.EXPORTED, organization=members[0].organization, note=note)


def _filters_shown(form: RosterFilterForm) -> list[tuple[str, str]]:
    """The filters the sheet was printed with, as "label: value" for its heading."""
    if not (form.is_bound and form.is_valid()):
        return []
    shown = []
    for name, value in form.cleaned_data.items():
        if name in NOT_FILTERS or value in (None, ""):
            continue
        field = form.fields[name]
        if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
            value = dict(field.choices).get(value, value)
        shown.append((str(field.label), str(value)))
    if form.cleaned_data.get("state") == "all":
        shown.append((str(form.fields["state"].label), _("All")))
    elif form.cleaned_data.get("state") == Member.State.TRANSFERRED_OUT:
        shown.append((str(form.fields["state"].label), str(Member.State.TRANSFERRED_OUT.label)))
    return shown


def _query_without(request, *names: str) -> str:
    params = request.GET.copy()
    for name in (*names, "page"):
        params.pop(name, None)
    return params.urlencode()
