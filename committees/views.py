"""The branch committee pages: a branch's posts and terms, and a committee's view of its branches."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from branches.access import capability_required
from branches.errors import add_to_form, show_error

from . import data, services
from .access import CAPABILITY, get_managed_branch, get_managed_post
from .errors import CommitteeError
from .forms import ElectionForm, EndPostForm, PostDatesForm, PostForm

PER_PAGE = 100


@login_required
@require_safe
def branch(request, pk: int):
    organization = get_managed_branch(request.user, pk)
    today = timezone.localdate()
    now, history = data.branch_posts(organization, today)
    proposals = services.proposed_roles(now, today)
    terms = list(organization.committee_terms.order_by("-elected_on", "-pk"))
    current = terms[0] if terms else None
    context = {
        "organization": organization,
        "now": [(p, proposals[p.pk]) for p in now],
        "history": history,
        "current": current,
        "past_terms": terms[1:],
        "overdue": current is not None and current.ends_on <= today,
        "term_years": services.term_years(organization),
        "today": today,
        "end_form": EndPostForm(initial={"ended_on": today}),
    }
    return render(request, "committees/branch.html", context)


def _form_page(request, organization, template: str, form, extra=None):
    status = 400 if request.method == "POST" else 200
    return render(request, template, {"organization": organization, "form": form, **(extra or {})}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def add_post(request, pk: int):
    organization = get_managed_branch(request.user, pk)
    form = PostForm(request.POST or None, branch=organization, initial={"started_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        cleaned = form.cleaned_data
        try:
            services.add_post(
                organization,
                cleaned["member"],
                cleaned["kind"],
                cleaned["started_on"],
                cleaned["ended_on"],
                request.user,
            )
        except CommitteeError as error:
            add_to_form(form, error)
        else:
            messages.success(request, _("The post is recorded."))
            return redirect("committees:branch", pk=organization.pk)
    return _form_page(request, organization, "committees/post_form.html", form)


@login_required
@require_http_methods(["GET", "POST"])
def edit_post(request, pk: int):
    post = get_managed_post(request.user, pk)
    initial = {"started_on": post.started_on, "ended_on": post.ended_on}
    form = PostDatesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_post(post, form.cleaned_data["started_on"], form.cleaned_data["ended_on"])
        except CommitteeError as error:
            add_to_form(form, error)
        else:
            messages.success(request, _("The post is changed."))
            return redirect("committees:branch", pk=post.organization_id)
    return _form_page(request, post.organization, "committees/post_form.html", form, {"post": post})


@login_required
@require_POST
def end_post(request, pk: int):
    post = get_managed_post(request.user, pk)
    form = EndPostForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter the day the post ended."))
    else:
        try:
            services.end_post(post, form.cleaned_data["ended_on"])
        except CommitteeError as error:
            show_error(request, error)
        else:
            messages.success(request, _("The post has ended; it stays in the history."))
    return redirect("committees:branch", pk=post.organization_id)


@login_required
@require_POST
def grant_role(request, pk: int):
    post = get_managed_post(request.user, pk)
    try:
        role = services.grant_proposed_role(post, request.user, timezone.localdate())
    except CommitteeError as error:
        show_error(request, error)
    else:
        messages.success(
            request,
            _("%(name)s now holds the role %(role)s.") % {"name": post.member.name, "role": role.get_kind_display()},
        )
    return redirect("committees:branch", pk=post.organization_id)


@login_required
@require_http_methods(["GET", "POST"])
def record_election(request, pk: int):
    organization = get_managed_branch(request.user, pk)
    today = timezone.localdate()
    form = ElectionForm(request.POST or None, initial={"elected_on": today})
    if request.method == "POST" and form.is_valid():
        try:
            term = services.record_election(
                organization, form.cleaned_data["elected_on"], form.cleaned_data["note"], request.user, today
            )
        except CommitteeError as error:
            add_to_form(form, error)
        else:
            messages.success(request, _("The election is recorded; the term ends on %(day)s.") % {"day": term.ends_on})
            return redirect("committees:branch", pk=organization.pk)
    extra = {"term_years": services.term_years(organization)}
    return _form_page(request, organization, "committees/election_form.html", form, extra)


@capability_required(CAPABILITY)
@require_safe
def overview(request):
    today = timezone.localdate()
    page = Paginator(data.overview(request.user, today), PER_PAGE).get_page(request.GET.get("page"))
    rows = [(b, data.flags(b, today)) for b in page]
    context = {"page": page, "rows": rows, "today": today, "guideline": settings.BRANCH_SIZE_GUIDELINE}
    return render(request, "committees/overview.html", context)
