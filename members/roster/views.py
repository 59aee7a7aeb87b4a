"""The roster workspace: the list, the silent members, one member's entry, the distribution, activation SMS.

Pages that name no object need ``Capability.MANAGE_ROSTER`` somewhere (403
otherwise); a member named by the URL is fetched with ``get_managed_member``,
so outside the user's scope it does not exist (404).
"""

from __future__ import annotations

import copy
import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from branches.access import Capability, capability_required, scope_of
from branches.errors import add_to_form
from branches.params import parse_id, parse_next
from branches.urlcache import id_url

from .. import facts
from ..access import HARDSHIP_FIELDS, can_see_hardship, get_managed_member, managed_members
from ..errors import RosterError
from ..models import Member
from ..provinces import Province
from ..validators import mask_phone
from . import badges, services
from . import distribution as charts
from .audit import audit_log
from .forms import ContactForm, MemberForm, MoveForm, RosterFilterForm, TransferForm, VisitForm
from .rows import render_rows
from .search import NAME_ORDER, attach_activity_facts, search_roster, silent_members

PER_PAGE = 50
# A search counts its matches up to this many past the page asked for: the
# exact number of 5,000 matches costs a scan of them all and tells no more.
SEARCH_COUNT_CAP = 1000
# Searches by name or phone digits stay out of URLs (and so out of access logs): the
# search form posts, the text is kept in the session, and the URL carries a token.
SEARCHES_KEY = "roster_searches"
SEARCHES_KEPT = 20
SEARCH_PARAM = "s"
# What a row of the list shows (and the hardship check reads: the branch's path). The
# other thirty columns and the login's row cost more to load than the page's template.
LIST_FIELDS = (
    "name",
    "state",
    "status",
    "province",
    "city",
    "phone",
    "user_id",
    "in_hardship",
    "last_contact_at",
    "organization__path",
    "group__name",
)


def _no_store(response: HttpResponse) -> HttpResponse:
    """Pages with personal numbers: no browser or proxy keeps a copy."""
    response["Cache-Control"] = "no-store"
    return response


# --- The list --------------------------------------------------------------------------------


@capability_required(Capability.MANAGE_ROSTER)
@require_http_methods(["GET", "HEAD", "POST"])
def roster_list(request):
    if request.method == "POST":
        return _search_redirect(request)
    form = RosterFilterForm(_list_params(request) or None, user=request.user)
    query = form.to_query()
    members = (
        badges.with_badges(search_roster(managed_members(request.user), query))
        .select_related("organization", "group")
        .only(*LIST_FIELDS)
    )
    if query.q.strip():
        paginator = CappedPaginator(members, PER_PAGE, cap=SEARCH_COUNT_CAP, page=request.GET.get("page"))
    else:
        paginator = Paginator(members, PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    scope = scope_of(request.user)
    # Labels looked up once per page, not through get_FOO_display for each row;
    # links and dates formatted here, not by {% url %} and |date fifty times.
    statuses = {value: str(label) for value, label in Member.Status.choices}
    provinces = {value: str(label) for value, label in Province.choices}
    detail_url = id_url("roster:detail")
    here = timezone.get_current_timezone()
    for member in page.object_list:
        member.show_hardship = member.in_hardship and scope.can(Capability.SEE_HARDSHIP, member.organization)
        member.status_label = statuses.get(member.status, member.status)
        member.province_label = provinces.get(member.province, member.province)
        member.detail_url = detail_url(member.pk)
        member.last_contact_day = (
            member.last_contact_at.astimezone(here).strftime("%Y-%m-%d") if member.last_contact_at else ""
        )
        member.badges = badges.badges_of(member)
    # The export takes the list's filters; a search stays in the session, so the file is of the filters only.
    export_params = request.GET.copy()
    for name in ("page", SEARCH_PARAM):
        export_params.pop(name, None)
    context = {
        "form": form,
        "page": page,
        "rows": render_rows(page.object_list),
        "export_query": export_params.urlencode(),
        # The unmasked export and the import are for those who import (``Capability.IMPORT_ROSTER``).
        "may_import": scope.anywhere(Capability.IMPORT_ROSTER),
    }
    return render(request, "members/roster/list.html", context)


class CappedPaginator(Paginator):
    """Counts at most ``cap`` rows past the page asked for; ``capped`` says there are more.

    The pager stays right: a page exists only if a row for it was counted, and
    there is a next page whenever a row after this one exists.
    """

    def __init__(self, object_list, per_page, *, cap: int, page=None) -> None:
        super().__init__(object_list, per_page)
        try:
            wanted = max(int(page), 1)
        except (TypeError, ValueError):
            wanted = 1
        # At least one row past the page (so that "next" shows), and a page
        # number beyond any real one must not make the count unbounded again.
        self.limit = min(max((wanted - 1) * per_page + cap, wanted * per_page), 100 * cap) + 1
        self.capped = False

    @cached_property
    def count(self) -> int:
        counted = self.object_list.order_by()[: self.limit].count()
        self.capped = counted == self.limit
        return counted

    def page(self, number) -> Page:
        """The page's members found by their sort keys alone, then read in full.

        A search of a common surname matches thousands: sorting them with
        every column, the joins and the badges' subqueries took 15 to 20 ms of
        PostgreSQL's time at 100,000 members, finding the fifty ids first
        7 ms, and the second read touches fifty rows.
        """
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        return self._get_page(list(self.object_list.filter(pk__in=ids)), number, self)

    @property
    def more_than(self) -> int:
        """When ``capped``: the number there are more matches than."""
        return self.limit - 1


def _search_redirect(request) -> HttpResponse:
    """Move the search text into the session and answer with a URL of filters and a token."""
    params = request.POST.copy()
    params.pop("csrfmiddlewaretoken", None)
    params.pop(SEARCH_PARAM, None)
    text = params.pop("q", [""])[-1].strip()[: RosterFilterForm.base_fields["q"].max_length]
    query = [(key, value) for key, values in params.lists() for value in values if value and key != "page"]
    if text:
        token = secrets.token_urlsafe(6)
        searches = {**request.session.get(SEARCHES_KEY, {}), token: text}
        request.session[SEARCHES_KEY] = dict(list(searches.items())[-SEARCHES_KEPT:])
        query.append((SEARCH_PARAM, token))
    response = redirect(f"{reverse('roster:list')}?{urlencode(query)}" if query else reverse("roster:list"))
    response.status_code = 303
    return response


def _list_params(request):
    """The list's parameters, with the search text a token stands for (an unknown token searches nothing)."""
    params = request.GET.copy()
    token = params.get(SEARCH_PARAM)
    if token and "q" not in params:
        text = request.session.get(SEARCHES_KEY, {}).get(token)
        if text:
            params["q"] = text
    return params


@capability_required(Capability.MANAGE_ROSTER)
@require_safe
def silent(request):
    members = silent_members(managed_members(request.user)).select_related("organization", "group")
    page = Paginator(members.order_by(*NAME_ORDER), PER_PAGE).get_page(request.GET.get("page"))
    attach_activity_facts(page.object_list)
    return render(request, "members/roster/silent.html", {"page": page})


# --- One member ------------------------------------------------------------------------------


def _detail(request, member: Member, *, status: int = 200, revealed: bool = False, **forms):
    user = request.user
    contacts = list(member.contacts.select_related("by")[:20])
    sees_hardship = can_see_hardship(user, member)
    hardship = member.in_hardship and sees_hardship
    context = {
        "member": member,
        "revealed": revealed,
        "changes": audit_log(member, hidden=() if sees_hardship else HARDSHIP_FIELDS),
        "contacts": contacts,
        "last_contact": contacts[0] if contacts else None,
        "activity_facts": facts.facts_of(member),
        "contact_form": forms.get("contact_form") or ContactForm(),
        "transfer_form": forms.get("transfer_form") or TransferForm(),
        "move_form": forms.get("move_form") or MoveForm(user=user, member=member),
        "show_hardship": hardship,
        "badges": badges.member_badges(member),
        "masked_emergency_phone": mask_phone(member.emergency_phone),
    }
    if hardship:
        context["visits"] = list(member.visits.select_related("responsible", "by")[:20])
        context["visit_form"] = forms.get("visit_form") or VisitForm(member=member)
    return _no_store(render(request, "members/roster/detail.html", context, status=status))


@login_required
@require_safe
def member_detail(request, pk: int):
    return _detail(request, get_managed_member(request.user, pk, with_facts=True, with_badges=True))


@login_required
@require_POST
def member_reveal(request, pk: int):
    member = get_managed_member(request.user, pk)
    services.reveal(member, request.user)
    # Rendered, not redirected: the full numbers are shown for this one response only.
    return _detail(request, member, revealed=True)


@login_required
@require_POST
def member_contact(request, pk: int):
    member = get_managed_member(request.user, pk)
    form = ContactForm(request.POST)
    if not form.is_valid():
        return _detail(request, member, status=400, contact_form=form)
    services.log_contact(member, form.cleaned_data["channel"], form.cleaned_data["note"], request.user)
    messages.success(request, _("Contact logged."))
    # The silent list logs a contact in one tap and stays where it was.
    back = parse_next(request, request.POST.get("next"))
    if back:
        return redirect(back)
    return redirect("roster:detail", pk=member.pk)


@login_required
@require_POST
def member_visit(request, pk: int):
    member = get_managed_member(request.user, pk, Capability.SEE_HARDSHIP)
    form = VisitForm(request.POST, member=member)
    if not form.is_valid():
        return _detail(request, member, status=400, visit_form=form)
    services.record_visit(member, form.cleaned_data, request.user)
    messages.success(request, _("Visit recorded."))
    return redirect("roster:detail", pk=member.pk)


@login_required
@require_http_methods(["GET", "POST"])
def member_edit(request, pk: int):
    member = get_managed_member(request.user, pk)
    if request.method == "POST" and "reveal" in request.POST:
        # The form's numbers are masked like the detail page's; showing them in full is logged the same way.
        services.reveal(member, request.user)
        form = MemberForm(instance=copy.copy(member), user=request.user, revealed=True)
        return _no_store(
            render(request, "members/roster/form.html", {"form": form, "member": member, "revealed": True})
        )
    # The form validates a copy, so the audit log compares against the unchanged entry.
    form = MemberForm(request.POST or None, instance=copy.copy(member), user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            changes = services.update_member(member, form.cleaned_data, request.user)
        except RosterError as error:
            add_to_form(form, error)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if changes:
                messages.success(request, _("Changes saved."))
            return redirect("roster:detail", pk=member.pk)
    status = 400 if form.errors else 200
    return _no_store(render(request, "members/roster/form.html", {"form": form, "member": member}, status=status))


@capability_required(Capability.MANAGE_ROSTER)
@require_http_methods(["GET", "POST"])
def member_add(request):
    form = MemberForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            member = services.add_member(form.cleaned_data, request.user)
        except RosterError as error:
            add_to_form(form, error)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Member added."))
            return redirect("roster:detail", pk=member.pk)
    status = 400 if form.errors else 200
    return _no_store(render(request, "members/roster/form.html", {"form": form}, status=status))


@login_required
@require_POST
def member_transfer(request, pk: int):
    member = get_managed_member(request.user, pk)
    form = TransferForm(request.POST)
    if form.is_valid():
        try:
            services.transfer_out(member, form.cleaned_data["on"], form.cleaned_data["note"], request.user)
        except RosterError as error:
            add_to_form(form, error)
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
            services.move_to_group(member, form.cleaned_data["group"], request.user)
        except RosterError as error:
            add_to_form(form, error)
        else:
            messages.success(request, _("Moved."))
            return redirect("roster:detail", pk=member.pk)
    return _detail(request, member, status=400, move_form=form)


# --- Distribution and activation -----------------------------------------------------------


@capability_required(Capability.MANAGE_ROSTER)
@require_safe
def distribution(request):
    members = managed_members(request.user)
    provinces = charts.province_distribution(members)
    groups = charts.group_distribution(members)
    return render(
        request,
        "members/roster/distribution.html",
        {
            "provinces": provinces,
            "province_chart": charts.bar_chart(provinces),
            "groups": groups,
            "group_chart": charts.bar_chart(groups),
        },
    )


@capability_required(Capability.MANAGE_ROSTER)
@require_POST
def activation_sms(request):
    raw_member = request.POST.get("member", "")
    member_id = parse_id(raw_member)
    if raw_member:
        if member_id is None:
            raise Http404("No such member")
        members = Member.objects.filter(pk=get_managed_member(request.user, member_id).pk)
    else:
        members = managed_members(request.user)
    site_url = request.build_absolute_uri(reverse("account_signup"))
    # Only rows are written here; workers send them, so a gateway error cannot break the page.
    queued, skipped = services.send_activation_sms(members, request.user, site_url)
    if queued:
        messages.success(
            request,
            ngettext("Activation SMS queued for %(n)d member.", "Activation SMS queued for %(n)d members.", queued)
            % {"n": queued},
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
    if not queued and not skipped:
        messages.info(request, _("Nobody to text: every active member in scope has a login."))
    if member_id:
        return redirect("roster:detail", pk=member_id)
    return redirect(f"{reverse('roster:list')}?login=no")
