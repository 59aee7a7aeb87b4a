from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from branches.services import managed_organizations, next_activity_date

from .home import home_sections
from .models import Member, SignupRequest, anniversary
from .services import active_member_counts


@require_safe
def home(request):
    """The landing page, or a member's and a secretary's starting point."""
    if not request.user.is_authenticated:
        return render(request, "members/landing.html")
    today = timezone.localdate()
    context: dict = {"today": today}
    member = Member.objects.select_related("organization", "group").filter(user=request.user).first()
    if member is not None:
        branch = member.organization
        activity_on = next_activity_date(branch, today)
        context.update(
            member=member,
            branch=branch,
            activity_on=activity_on,
            days_to_activity=(activity_on - today).days,
            party_age=member.party_age(today),
            next_birthday=member.next_political_birthday(today),
            is_political_birthday=anniversary(member.joined_party_on, today.year) == today
            and member.joined_party_on < today,
            sections=home_sections(request, member, today),
        )
    else:
        context["signup_request"] = (
            SignupRequest.objects.select_related("organization").filter(user=request.user).first()
        )
    managed = list(managed_organizations(request.user).filter(kind__in=["branch", "group"]).order_by("path")[:50])
    if managed:
        counts = active_member_counts(managed)
        for organization in managed:
            organization.active_members = counts.get(organization.pk, 0)
    context["managed"] = managed
    return render(request, "members/home.html", context)


@login_required
@require_safe
def me(request):
    """My profile as the branch holds it, masked, with links to my records and account settings."""
    today = timezone.localdate()
    member = Member.objects.select_related("organization", "group").filter(user=request.user).first()
    context: dict = {"member": member}
    if member is not None:
        context.update(party_age=member.party_age(today), next_birthday=member.next_political_birthday(today))
    return render(request, "members/me.html", context)
