from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from branches.access import scope_of

from .access import OwnAnnotations, own_member
from .home import home_annotations, home_sections, next_activity_on
from .models import Member, SignupRequest, anniversary
from .workspace.registry import panels as workspace_panels
from .workspace.registry import todo_counts


@require_safe
def home(request):
    """The landing page, or a member's and a secretary's starting point."""
    if not request.user.is_authenticated:
        return render(request, "members/landing.html")
    today = timezone.localdate()
    context: dict = {"today": today}
    # Keyed by the day: the sections' expressions are the same all day, so the load is compiled once a day.
    member = own_member(
        request.user,
        include_former=True,
        annotations=OwnAnnotations(("home", today), lambda: home_annotations(today)),
    )
    if member is not None and member.state != Member.State.ACTIVE:
        # Transferred out: the branch's present (its activity days, what is due)
        # is no longer theirs; their own past stays readable.
        context["former_member"] = member
    elif member is not None:
        branch = member.organization
        sections = home_sections(request, member, today)
        activity_on = next_activity_on(sections, member, today)
        context.update(
            member=member,
            branch=branch,
            activity_on=activity_on,
            days_to_activity=(activity_on - today).days,
            party_age=member.party_age(today),
            next_birthday=member.next_political_birthday(today),
            is_political_birthday=anniversary(member.joined_party_on, today.year) == today
            and member.joined_party_on < today,
            sections=sections,
        )
    else:
        context["signup_request"] = (
            SignupRequest.objects.select_related("organization").filter(user=request.user).first()
        )
    # A manager's to-do card: the workspace's counts, each linking to its queue.
    # Free for a member without roles: loading the entry told the scope so.
    managed = scope_of(request.user).manages_anything
    if managed:
        context.update(todos=todo_counts(request.user, today), panels=workspace_panels(request.user, today))
    context["managed"] = managed
    return render(request, "members/home.html", context)


@login_required
@require_safe
def me(request):
    """My profile as the branch holds it, masked, with links to my records and account settings."""
    today = timezone.localdate()
    # One's profile is one's own past too: still shown after a transfer out.
    member = own_member(request.user, include_former=True)
    context: dict = {"member": member}
    if member is not None:
        context.update(party_age=member.party_age(today), next_birthday=member.next_political_birthday(today))
    return render(request, "members/me.html", context)
