"""The roles page: give and take roles where one manages them (``Capability.MANAGE_ROLES``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from branches.access import Capability, capability_required
from branches.errors import add_to_form, show_error

from ..access import get_managed_role
from ..errors import RosterError
from . import roles as service
from .forms import RoleForm


def _roles_page(request, form: RoleForm, *, status: int = 200):
    context = {
        "form": form,
        "roles": list(service.roles_in_scope(request.user)),
        "changes": service.role_changes(request.user),
    }
    return render(request, "members/roster/roles.html", context, status=status)


@capability_required(Capability.MANAGE_ROLES)
@require_http_methods(["GET", "POST"])
def roles(request):
    form = RoleForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            service.assign_role(data["who"], data["organization"], data["kind"], request.user)
        except RosterError as error:
            add_to_form(form, error)
        else:
            messages.success(request, _("Role given."))
            return redirect("roster:roles")
    return _roles_page(request, form, status=400 if form.errors else 200)


@login_required
@require_POST
def role_remove(request, pk: int):
    role = get_managed_role(request.user, pk)
    try:
        service.remove_role(role, request.user)
    except RosterError as error:
        show_error(request, error)
    else:
        messages.success(request, _("Role removed."))
    return redirect("roster:roles")
