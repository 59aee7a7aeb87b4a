"""The WeCom user ids of a branch's members: kept by those who set the branch's channels, shown masked."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from branches.models import Organization
from branches.params import MAX_ID
from members.models import Member

from . import wecom_app
from .access import get_managed_channel_organization
from .models import MemberChannels

PER_PAGE = 50


class WeComUserIdForm(forms.Form):
    # Bounded like every id, so a forged value is a form error rather than an overflow in the lookup.
    member = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_ID)
    userid = forms.CharField(
        label=gettext_lazy("WeCom user ID"),
        required=False,
        max_length=64,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}),
    )
    remove = forms.BooleanField(label=gettext_lazy("Remove this ID"), required=False)

    def clean(self) -> dict:
        data = super().clean()
        if not data.get("remove"):
            if not data.get("userid"):
                self.add_error("userid", _("Type the member's WeCom user ID, or tick Remove this ID."))
            else:
                try:
                    wecom_app.validate_userid(data["userid"])
                except forms.ValidationError as exc:
                    self.add_error("userid", exc)
        return data


def members_reached(organization: Organization) -> QuerySet[Member]:
    """The organization's active members (a group's: those in it), with their recorded WeCom user id."""
    return (
        Member.objects.active()
        .filter(Q(organization=organization) | Q(group=organization))
        .annotate(wecom_userid=F("channel_settings__wecom_userid"))
        .order_by("name_pinyin", "name", "pk")
    )


@login_required
@require_http_methods(["GET", "POST"])
def wecom_ids(request: HttpRequest, pk: int) -> HttpResponse:
    """Each member with their WeCom user id masked; one row's form records, replaces or removes it."""
    organization = get_managed_channel_organization(request.user, pk)
    members = members_reached(organization)
    form = None
    if request.method == "POST":
        form = WeComUserIdForm(request.POST)
        if form.is_valid():
            member = members.filter(pk=form.cleaned_data["member"]).first()
            if member is None:
                raise Http404("No such member here")
            save_wecom_userid(member, "" if form.cleaned_data["remove"] else form.cleaned_data["userid"])
            messages.success(request, _("The WeCom user ID of %(name)s is saved.") % {"name": member.name})
            return redirect(request.get_full_path())
    page = Paginator(members, PER_PAGE).get_page(request.GET.get("page"))
    rows = [
        {"member": member, "masked": wecom_app.mask_userid(member.wecom_userid or ""), "form": _row_form(form, member)}
        for member in page
    ]
    return render(
        request,
        "notifications/wecom_ids.html",
        {"organization": organization, "page": page, "rows": rows, "configured": wecom_app.configured()},
    )


def _row_form(posted: WeComUserIdForm | None, member: Member) -> WeComUserIdForm:
    # The form that was posted for this member keeps its errors; every other row gets a blank one.
    if posted is not None and str(posted.data.get("member")) == str(member.pk):
        return posted
    return WeComUserIdForm(initial={"member": member.pk}, auto_id=f"wecom-{member.pk}-%s")


def save_wecom_userid(member: Member, userid: str) -> None:
    """Record (or, with ``""``, remove) the member's WeCom user id on their channel settings."""
    channels, created = MemberChannels.objects.get_or_create(member=member, defaults={"wecom_userid": userid})
    if not created and channels.wecom_userid != userid:
        channels.wecom_userid = userid
        channels.save(update_fields=["wecom_userid"])
