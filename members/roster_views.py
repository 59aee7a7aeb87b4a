"""The secretary's roster workspace: thin views over members.roster.

Every object is fetched through a helper that checks the user's subtree
(``get_managed_member`` and friends), so a guessed URL gives 404; list pages
give 403 to people without any role.
"""

from __future__ import annotations

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from branches.services import can_manage, require_manager

from . import facts, roster, roster_roles
from .models import Invitation, Member, SignupRequest
from .roster_forms import (
    ContactForm,
    InvitationForm,
    MatchForm,
    MemberForm,
    MoveForm,
    RejectForm,
    RoleForm,
    RosterFilterForm,
    TransferForm,
    VisitForm,
)
from .services import get_managed_member, members_visible_to

PER_PAGE = 50


def _require_branch_access(user) -> None:
    """Signups and invitations belong to a branch: group roles alone do not reach them."""
    if not (user.is_superuser or roster.managed_branches(user).exists()):
        raise PermissionDenied


def _get_pending_signup(user, pk: int) -> SignupRequest:
    signup = (
        SignupRequest.objects.select_related("organization", "user")
        .filter(pk=pk, status=SignupRequest.Status.PENDING)
        .first()
    )
    if signup is None or not can_manage(user, signup.organization):
        raise Http404("No such signup request")
    return signup


def _get_managed_invitation(user, pk: int) -> Invitation:
    invitation = Invitation.objects.select_related("organization").filter(pk=pk).first()
    if invitation is None or not can_manage(user, invitation.organization):
        raise Http404("No such invitation")
    return invitation


# --- The list --------------------------------------------------------------------------------


@login_required
@require_safe
def roster_list(request):
    require_manager(request.user)
    form = RosterFilterForm(request.GET or None, user=request.user)
    members = roster.search_roster(members_visible_to(request.user), form.to_query())
    page = Paginator(members.select_related("group", "user"), PER_PAGE).get_page(request.GET.get("page"))
    roster.attach_last_contacts(page.object_list)
    return render(request, "members/roster/list.html", {"form": form, "page": page})


@login_required
@require_safe
def silent(request):
    require_manager(request.user)
    members = roster.silent_members(members_visible_to(request.user)).select_related("organization", "group")
    page = Paginator(members.order_by("name", "pk"), PER_PAGE).get_page(request.GET.get("page"))
    roster.attach_activity_facts(page.object_list)
    return render(request, "members/roster/silent.html", {"page": page})


# --- One member ------------------------------------------------------------------------------


def _detail(request, member: Member, *, status: int = 200, revealed: bool = False, **forms):
    user = request.user
    contacts = list(member.contacts.select_related("by")[:20])
    hardship = member.in_hardship and roster.can_see_hardship(user, member)
    context = {
        "member": member,
        "revealed": revealed,
        "changes": roster.audit_log(member),
        "contacts": contacts,
        "last_contact": contacts[0] if contacts else None,
        "activity_facts": facts.facts_of(member),
        "contact_form": forms.get("contact_form") or ContactForm(),
        "transfer_form": forms.get("transfer_form") or TransferForm(),
        "move_form": forms.get("move_form") or MoveForm(user=user, member=member),
        "show_hardship": hardship,
    }
    if hardship:
        context["visits"] = list(member.visits.select_related("responsible", "by")[:20])
        context["visit_form"] = forms.get("visit_form") or VisitForm(member=member)
    return render(request, "members/roster/detail.html", context, status=status)


@login_required
@require_safe
def member_detail(request, pk: int):
    return _detail(request, roster.get_member_with_facts(request.user, pk))


@login_required
@require_POST
def member_reveal(request, pk: int):
    member = get_managed_member(request.user, pk)
    roster.reveal(member, request.user)
    # Rendered, not redirected: the full numbers are shown for this one response only.
    response = _detail(request, member, revealed=True)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def member_contact(request, pk: int):
    member = get_managed_member(request.user, pk)
    form = ContactForm(request.POST)
    if not form.is_valid():
        return _detail(request, member, status=400, contact_form=form)
    roster.log_contact(member, form.cleaned_data["channel"], form.cleaned_data["note"], request.user)
    messages.success(request, _("Contact logged."))
    # The silent list logs a contact in one tap and stays where it was.
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(back)
    return redirect("roster:detail", pk=member.pk)


@login_required
@require_POST
def member_visit(request, pk: int):
    member = get_managed_member(request.user, pk)
    if not roster.can_see_hardship(request.user, member):
        raise Http404("No such member")
    form = VisitForm(request.POST, member=member)
    if not form.is_valid():
        return _detail(request, member, status=400, visit_form=form)
    roster.record_visit(member, form.cleaned_data, request.user)
    messages.success(request, _("Visit recorded."))
    return redirect("roster:detail", pk=member.pk)


@login_required
@require_http_methods(["GET", "POST"])
def member_edit(request, pk: int):
    member = get_managed_member(request.user, pk)
    # The form validates a copy, so the audit log compares against the unchanged entry.
    form = MemberForm(request.POST or None, instance=copy.copy(member), user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            changes = roster.update_member(member, form.cleaned_data, request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if changes:
                messages.success(request, _("Changes saved."))
            return redirect("roster:detail", pk=member.pk)
    status = 400 if form.errors else 200
    return render(request, "members/roster/form.html", {"form": form, "member": member}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def member_add(request):
    require_manager(request.user)
    form = MemberForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            member = roster.add_member(form.cleaned_data, request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Member added."))
            return redirect("roster:detail", pk=member.pk)
    status = 400 if form.errors else 200
    return render(request, "members/roster/form.html", {"form": form}, status=status)


@login_required
@require_POST
def member_transfer(request, pk: int):
    member = get_managed_member(request.user, pk)
    form = TransferForm(request.POST)
    if form.is_valid():
        try:
            roster.transfer_out(member, form.cleaned_data["on"], form.cleaned_data["note"], request.user)
        except roster.RosterError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Marked as transferred out."))
            return redirect("roster:detail", pk=member.pk)
    return _detail(request, member, status=400, transfer_form=form)


@login_required
@require_POST
def member_move(request, pk: int):
    member = get_managed_member(request.user, pk)
    form = MoveForm(request.POST, user=request.user, member=member)
    if form.is_valid():
        try:
            roster.move_to_group(member, form.cleaned_data["group"], request.user)
        except roster.RosterError as exc:
            form.add_error("group", exc.message)
        else:
            messages.success(request, _("Moved."))
            return redirect("roster:detail", pk=member.pk)
    return _detail(request, member, status=400, move_form=form)


# --- Distribution and activation -----------------------------------------------------------


@login_required
@require_safe
def distribution(request):
    require_manager(request.user)
    members = members_visible_to(request.user)
    provinces = roster.province_distribution(members)
    groups = roster.group_distribution(members)
    return render(
        request,
        "members/roster/distribution.html",
        {
            "provinces": provinces,
            "province_chart": roster.bar_chart(provinces),
            "groups": groups,
            "group_chart": roster.bar_chart(groups),
        },
    )


@login_required
@require_POST
def activation_sms(request):
    require_manager(request.user)
    member_id = request.POST.get("member", "")
    if member_id:
        if not member_id.isdigit():
            raise Http404("No such member")
        members = Member.objects.filter(pk=get_managed_member(request.user, int(member_id)).pk)
    else:
        members = members_visible_to(request.user)
    site_url = request.build_absolute_uri(reverse("account_signup"))
    sent, skipped = roster.send_activation_sms(members, request.user, site_url)
    if sent:
        messages.success(
            request,
            ngettext("Activation SMS sent to %(n)d member.", "Activation SMS sent to %(n)d members.", sent)
            % {"n": sent},
        )
    if skipped:
        messages.info(
            request,
            ngettext(
                "%(n)d member was already texted in the last day.",
                "%(n)d members were already texted in the last day.",
                skipped,
            )
            % {"n": skipped},
        )
    if not sent and not skipped:
        messages.info(request, _("Nobody to text: every active member in scope has a login."))
    if member_id:
        return redirect("roster:detail", pk=int(member_id))
    return redirect(f"{reverse('roster:list')}?login=no")


# --- Signups and invitations ----------------------------------------------------------------


@login_required
@require_safe
def signups(request):
    _require_branch_access(request.user)
    return render(request, "members/roster/signups.html", {"requests": roster.pending_signups(request.user)})


def _candidates(signup: SignupRequest):
    return Member.objects.active().filter(
        organization_id=signup.organization_id,
        user__isnull=True,
        name__in=[signup.name, "".join(signup.name.split())],
    )


@login_required
@require_POST
def signup_approve(request, pk: int):
    signup = _get_pending_signup(request.user, pk)
    form = MatchForm(request.POST, candidates=_candidates(signup))
    if not form.is_valid():
        messages.error(request, _("Choose one of the roster entries offered."))
        return redirect("roster:signups")
    try:
        member = roster.approve_with_member(signup, form.cleaned_data["member"], request.user)
    except (roster.RosterError, ValidationError) as exc:
        messages.error(request, getattr(exc, "message", None) or "; ".join(exc.messages))
        return redirect("roster:signups")
    messages.success(request, _("Approved: %(name)s can now log in.") % {"name": member.name})
    return redirect("roster:signups")


@login_required
@require_http_methods(["GET", "POST"])
def signup_create(request, pk: int):
    signup = _get_pending_signup(request.user, pk)
    form = MemberForm(
        request.POST or None,
        user=request.user,
        fixed_organization=signup.organization,
        initial={"name": signup.name, "phone": signup.user.phone, "organization": signup.organization_id},
    )
    if request.method == "POST" and form.is_valid():
        try:
            member = roster.approve_with_new_member(signup, form.cleaned_data, request.user)
        except roster.RosterError as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Approved: %(name)s can now log in.") % {"name": member.name})
            return redirect("roster:signups")
    status = 400 if form.errors else 200
    return render(request, "members/roster/form.html", {"form": form, "signup": signup}, status=status)


@login_required
@require_POST
def signup_reject(request, pk: int):
    signup = _get_pending_signup(request.user, pk)
    form = RejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason for the applicant."))
        return redirect("roster:signups")
    try:
        roster.reject_signup(signup, form.cleaned_data["reason"], request.user)
    except roster.RosterError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Rejected; the applicant has been told why."))
    return redirect("roster:signups")


@login_required
@require_http_methods(["GET", "POST"])
def invitations(request):
    _require_branch_access(request.user)
    form = InvitationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        invitation = roster.create_invitation(
            form.cleaned_data["organization"], form.cleaned_data["max_uses"], form.cleaned_data["days"], request.user
        )
        messages.success(request, _("Invitation code %(code)s created.") % {"code": invitation.code})
        return redirect("roster:invitations")
    listed = (
        Invitation.objects.filter(organization__in=roster.managed_branches(request.user).values("pk"))
        .select_related("organization")
        .order_by("-created_at")[:100]
    )
    status = 400 if form.errors else 200
    return render(request, "members/roster/invitations.html", {"form": form, "invitations": listed}, status=status)


@login_required
@require_POST
def invitation_revoke(request, pk: int):
    invitation = _get_managed_invitation(request.user, pk)
    roster.revoke_invitation(invitation)
    messages.success(request, _("Invitation code %(code)s withdrawn.") % {"code": invitation.code})
    return redirect("roster:invitations")


# --- Roles -------------------------------------------------------------------------------------


def _require_role_access(user) -> None:
    if not roster_roles.can_manage_roles(user):
        raise PermissionDenied


def _roles_page(request, form: RoleForm, *, status: int = 200):
    context = {
        "form": form,
        "roles": list(roster_roles.roles_in_scope(request.user)),
        "changes": roster_roles.role_changes(request.user),
    }
    return render(request, "members/roster/roles.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def roles(request):
    _require_role_access(request.user)
    form = RoleForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            roster_roles.assign_role(data["who"], data["organization"], data["kind"], request.user)
        except roster.RosterError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Role given."))
            return redirect("roster:roles")
    return _roles_page(request, form, status=400 if form.errors else 200)


@login_required
@require_POST
def role_remove(request, pk: int):
    role = roster_roles.get_managed_role(request.user, pk)
    try:
        roster_roles.remove_role(role, request.user)
    except roster.RosterError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Role removed."))
    return redirect("roster:roles")
