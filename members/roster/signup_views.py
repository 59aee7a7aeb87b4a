"""Signup approvals and invitation codes: a branch's door, so ``Capability.APPROVE_SIGNUPS``.

A group role never reaches these pages (403); a signup or invitation of a
branch outside the user's scope, or a signup already decided, is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from branches.access import Capability, capability_required
from branches.errors import add_to_form, show_error

from ..access import get_managed_invitation, get_managed_signup, managed_invitations
from ..errors import RosterError
from . import signups as service
from .forms import InvitationForm, MatchForm, MemberForm, RejectForm


@capability_required(Capability.APPROVE_SIGNUPS)
@require_safe
def signups(request):
    return render(request, "members/roster/signups.html", {"requests": service.pending_signups(request.user)})


@login_required
@require_POST
def signup_approve(request, pk: int):
    signup = get_managed_signup(request.user, pk)
    form = MatchForm(request.POST, candidates=service.match_candidates(signup))
    if not form.is_valid():
        messages.error(request, _("Choose one of the roster entries offered."))
        return redirect("roster:signups")
    try:
        member = service.approve_with_member(signup, form.cleaned_data["member"], request.user)
    except RosterError as error:
        show_error(request, error)
        return redirect("roster:signups")
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
        return redirect("roster:signups")
    messages.success(request, _("Approved: %(name)s can now log in.") % {"name": member.name})
    return redirect("roster:signups")


@login_required
@require_http_methods(["GET", "POST"])
def signup_create(request, pk: int):
    signup = get_managed_signup(request.user, pk)
    form = MemberForm(
        request.POST or None,
        user=request.user,
        fixed_organization=signup.organization,
        initial={"name": signup.name, "organization": signup.organization_id},
        # The applicant's phone is shown masked; the entry takes it from the login.
        known={"phone": signup.user.phone},
    )
    if request.method == "POST" and form.is_valid():
        try:
            member = service.approve_with_new_member(signup, form.cleaned_data, request.user)
        except RosterError as error:
            add_to_form(form, error)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Approved: %(name)s can now log in.") % {"name": member.name})
            return redirect("roster:signups")
    status = 400 if form.errors else 200
    response = render(request, "members/roster/form.html", {"form": form, "signup": signup}, status=status)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def signup_reject(request, pk: int):
    signup = get_managed_signup(request.user, pk)
    form = RejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason for the applicant."))
        return redirect("roster:signups")
    try:
        service.reject_signup(signup, form.cleaned_data["reason"], request.user)
    except RosterError as error:
        show_error(request, error)
    else:
        messages.success(request, _("Rejected; the applicant has been told why."))
    return redirect("roster:signups")


@capability_required(Capability.APPROVE_SIGNUPS)
@require_http_methods(["GET", "POST"])
def invitations(request):
    form = InvitationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        invitation = service.create_invitation(
            form.cleaned_data["organization"], form.cleaned_data["max_uses"], form.cleaned_data["days"], request.user
        )
        messages.success(request, _("Invitation code %(code)s created.") % {"code": invitation.code})
        return redirect("roster:invitations")
    listed = managed_invitations(request.user).select_related("organization").order_by("-created_at")[:100]
    status = 400 if form.errors else 200
    return render(request, "members/roster/invitations.html", {"form": form, "invitations": listed}, status=status)


@login_required
@require_POST
def invitation_revoke(request, pk: int):
    invitation = get_managed_invitation(request.user, pk)
    service.revoke_invitation(invitation)
    messages.success(request, _("Invitation code %(code)s withdrawn.") % {"code": invitation.code})
    return redirect("roster:invitations")
