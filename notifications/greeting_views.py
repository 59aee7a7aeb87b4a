"""Political-birthday pages: the member's card, and the secretary's list of upcoming birthdays."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models.fields.files import FieldFile
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from branches.access import Capability, capability_required
from branches.errors import show_error
from branches.files import private_file_response
from members.access import get_managed_member, managed_members

from . import greetings
from .access import get_managed_greeting, get_own_greeting
from .models import Greeting

PER_PAGE = 50


class PersonalLineForm(forms.Form):
    personal_line = forms.CharField(
        label=gettext_lazy("Personal line"),
        max_length=Greeting._meta.get_field("personal_line").max_length,
        required=False,
        help_text=gettext_lazy("Printed on the member's greeting card."),
    )


def _greeting_with_card(request, pk: int):
    """The greeting whose card the user may see: their own, or one on a roster they manage; else 404."""
    try:
        greeting = get_own_greeting(request.user, pk)
    except Http404:
        greeting = get_managed_greeting(request.user, pk)
    if not greeting.card:
        raise Http404("The card is not ready")
    return greeting


@login_required
@require_safe
def card(request, pk: int):
    """The card as a JPEG, never from a public /media/ link; ``?download=1`` saves it.

    Its member sees it, and so does whoever manages the member's roster
    entry; to anyone else it does not exist.
    """
    greeting = _greeting_with_card(request, pk)
    return private_file_response(
        greeting.card,
        as_attachment=request.GET.get("download") == "1",
        filename=f"political-birthday-{greeting.year}.jpg",
        content_type="image/jpeg",
    )


@login_required
@require_safe
def card_thumbnail(request, pk: int):
    """The card's thumbnail (under 30 KB) for the home page, to the same people as the card itself."""
    greeting = _greeting_with_card(request, pk)
    return private_file_response(
        FieldFile(greeting, greeting.card.field, greetings.card_thumbnail(greeting)),
        as_attachment=False,
        filename=f"political-birthday-{greeting.year}-thumb.jpg",
        content_type="image/jpeg",
    )


@capability_required(Capability.MANAGE_ROSTER)
@require_safe
def upcoming(request):
    """Political birthdays of the next 30 days in the user's scope, with the line for each card."""
    today = timezone.localdate()
    members = greetings.upcoming_birthdays(managed_members(request.user), today)
    page = Paginator(members, PER_PAGE).get_page(request.GET.get("page"))
    rows = greetings.with_greetings(page.object_list, today)
    return render(
        request,
        "notifications/greetings/upcoming.html",
        {"page": page, "rows": rows, "today": today, "days": greetings.UPCOMING_DAYS},
    )


@login_required
@require_POST
def line(request, member_pk: int):
    """Add or change the secretary's line on a member's next card; refused once the greeting is sent.

    The URL names a member, so anyone outside the scope (a plain member too) gets 404.
    """
    member = get_managed_member(request.user, member_pk)
    form = PersonalLineForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("personal_line", [])))
    else:
        try:
            greetings.set_personal_line(member, form.cleaned_data["personal_line"])
        except greetings.GreetingError as error:
            show_error(request, error)
        else:
            messages.success(request, _("The line for %(name)s's card is saved.") % {"name": member.name})
    return redirect("greetings:upcoming")
