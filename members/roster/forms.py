"""Forms of the roster workspace; choices are always limited to the user's subtree."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.access import Capability, can
from branches.light_widgets import CachedModelChoiceField, LightNumberInput, LightSelect, LightTextInput
from branches.models import Organization, Role
from branches.widgets import DateInput

from ..access import HARDSHIP_FIELDS, hardship_filter, sees_hardship_anywhere
from ..errors import RosterError
from ..models import Contact, Member, Visit
from ..provinces import Province
from ..validators import mask_id_number, mask_phone, normalize_id_number, normalize_national_phone, normalize_phone
from . import badges
from .audit import EDITABLE_FIELDS
from .roles import find_login, role_organizations
from .search import RosterQuery, Sort
from .services import managed_branches, managed_groups, responsible_choices

ANY = [("", _("Any"))]
YES_NO = [*ANY, ("yes", _("Yes")), ("no", _("No"))]
LOGIN = [*ANY, ("yes", _("Has a login")), ("no", _("Not activated"))]


def _yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class RosterFilterForm(forms.Form):
    # Light widgets (``branches.light_widgets``): the list renders this form on
    # every request, and Django's widget templates made it a third of the page.
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=50,
        widget=LightTextInput(attrs={"type": "search", "placeholder": _("Name, pinyin, phone, city or workplace")}),
    )
    group = CachedModelChoiceField(label=_("Group"), queryset=Organization.objects.none(), required=False)
    status = forms.ChoiceField(
        label=_("Membership status"), choices=ANY + Member.Status.choices, required=False, widget=LightSelect
    )
    itinerant = forms.ChoiceField(label=_("Itinerant"), choices=YES_NO, required=False, widget=LightSelect)
    province = forms.ChoiceField(
        label=_("Current province"), choices=ANY + Province.choices, required=False, widget=LightSelect
    )
    hardship = forms.ChoiceField(label=_("In hardship"), choices=YES_NO, required=False, widget=LightSelect)
    login = forms.ChoiceField(label=_("Login"), choices=LOGIN, required=False, widget=LightSelect)
    state = forms.ChoiceField(
        label=_("State"),
        choices=[*Member.State.choices, ("all", _("All"))],
        required=False,
        initial="active",
        widget=LightSelect,
    )
    silent = forms.IntegerField(
        label=_("No contact for (days)"),
        required=False,
        min_value=1,
        max_value=3650,
        widget=LightNumberInput(attrs={"inputmode": "numeric"}),
    )
    sort = forms.ChoiceField(label=_("Sort by"), choices=Sort.choices, required=False, widget=LightSelect)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        # A choice shows the group's name and filters by its id: the rest of the row stays unread.
        self.fields["group"].queryset = managed_groups(user).only("name")
        if not sees_hardship_anywhere(user):
            del self.fields["hardship"]
        # The states apps above the roster know (holds a permit, in transit): yes, no or either.
        for badge in badges.registered():
            self.fields[badge.attribute] = forms.ChoiceField(
                label=badge.label, choices=YES_NO, required=False, widget=LightSelect
            )
        # The sort stays last, after the filters.
        self.order_fields([name for name in self.fields if name != "sort"])

    def to_query(self) -> RosterQuery:
        """The query a valid form asks for; an invalid field is ignored rather than failing the page."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        state = data.get("state") or Member.State.ACTIVE
        return RosterQuery(
            q=data.get("q", ""),
            group=data.get("group"),
            status=data.get("status", ""),
            itinerant=_yes_no(data.get("itinerant", "")),
            province=data.get("province", ""),
            hardship=self._hardship(data.get("hardship", "")),
            has_login=_yes_no(data.get("login", "")),
            state="" if state == "all" else state,
            silent_days=data.get("silent"),
            sort=data.get("sort") or Sort.NAME,
            badges=tuple(
                (badge.key, wanted)
                for badge in badges.registered()
                if (wanted := _yes_no(data.get(badge.attribute, ""))) is not None
            ),
        )

    def _hardship(self, value: str):
        wanted = _yes_no(value)
        return None if wanted is None else hardship_filter(self.user, wanted)

    @property
    def is_filtered(self) -> bool:
        """True if anything beyond search and sort is set, so the filter panel opens."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        filters = ("group", "status", "itinerant", "province", "hardship", "login", "silent")
        return any(data.get(name) for name in (*filters, *(b.attribute for b in badges.registered()))) or (
            data.get("state") not in (None, "", "active")
        )


# The personal numbers a roster form holds, with how each is masked and normalized.
PERSONAL_NUMBERS = {
    "phone": (mask_phone, normalize_phone),
    "id_number": (mask_id_number, normalize_id_number),
    "emergency_phone": (mask_phone, normalize_national_phone),
}


class MemberForm(forms.ModelForm):
    """Add or edit a roster entry. Model validation (full_clean) gives the translated errors.

    The stored personal numbers (``known``: the entry's, or the applicant's phone) are
    shown masked unless ``revealed``; a masked value sent back unchanged keeps the
    stored number, so editing other fields needs no reveal. Typed numbers are
    normalized here, before the uniqueness checks.
    """

    class Meta:
        model = Member
        fields = EDITABLE_FIELDS
        widgets = {
            "phone": forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
            "emergency_phone": forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}),
            "id_number": forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
            "birth_date": DateInput(),
            "joined_party_on": DateInput(),
            "full_member_on": DateInput(),
            "left_home_on": DateInput(),
            "hardship_note": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(
        self,
        *args,
        user,
        fixed_organization: Organization | None = None,
        known: dict[str, str] | None = None,
        revealed: bool = False,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        if known is None:
            known = {name: getattr(self.instance, name) or "" for name in PERSONAL_NUMBERS} if self.instance.pk else {}
        self.known = {name: value for name, value in known.items() if value}
        if not revealed:
            for name, value in self.known.items():
                self.initial[name] = PERSONAL_NUMBERS[name][0](value)
        if not self._sees_hardship(user, fixed_organization):
            for name in HARDSHIP_FIELDS:
                del self.fields[name]
        groups = managed_groups(user)
        # A group admin holds no branch role: the branches they may use are their groups' branches.
        branches = Organization.objects.filter(
            Q(pk__in=managed_branches(user).values("pk")) | Q(pk__in=groups.values("parent_id"))
        ).order_by("path")
        self.fields["organization"].queryset = branches
        self.fields["group"].queryset = groups.select_related("parent")
        self.fields["group"].label_from_instance = lambda g: f"{g.parent.name} · {g.name}" if g.parent else g.name
        if fixed_organization is not None:
            self.fields["organization"].initial = fixed_organization.pk
            self.fields["organization"].queryset = Organization.objects.filter(pk=fixed_organization.pk)
            self.fields["organization"].disabled = True
            self.fields["phone"].disabled = True

    def clean_phone(self):
        return self._clean_number("phone")

    def clean_id_number(self):
        return self._clean_number("id_number")

    def clean_emergency_phone(self):
        return self._clean_number("emergency_phone")

    def _clean_number(self, name: str):
        value = self.cleaned_data.get(name)
        mask, normalize = PERSONAL_NUMBERS[name]
        stored = self.known.get(name)
        if stored and (value or "").strip() == mask(stored):
            return stored
        if not (value or "").strip():
            return value
        return normalize(value)

    def _sees_hardship(self, user, fixed_organization: Organization | None) -> bool:
        # Whose hardship the entry will be: its branch when known, else any branch the user may choose.
        organization = fixed_organization or (self.instance.organization if self.instance.organization_id else None)
        if organization is not None:
            return can(user, Capability.SEE_HARDSHIP, organization)
        return sees_hardship_anywhere(user)


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["channel", "note"]
        widgets = {"channel": forms.RadioSelect, "note": forms.Textarea(attrs={"rows": 2})}


class VisitForm(forms.ModelForm):
    class Meta:
        model = Visit
        fields = ["visited_on", "help_given", "amount", "next_visit_on", "responsible"]
        widgets = {
            "visited_on": DateInput(),
            "next_visit_on": DateInput(),
            "help_given": forms.Textarea(attrs={"rows": 2}),
            "amount": forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01", "min": "0"}),
        }

    def __init__(self, *args, member: Member, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["responsible"].queryset = responsible_choices(member)
        self.fields["visited_on"].initial = timezone.localdate

    def clean_amount(self):
        amount = self.cleaned_data.get("amount")
        if amount is not None and amount < 0:
            raise forms.ValidationError(_("The amount cannot be negative."))
        return amount


class TransferForm(forms.Form):
    on = forms.DateField(label=_("Transferred out on"), widget=DateInput(), initial=timezone.localdate)
    note = forms.CharField(label=_("Note"), max_length=200, required=False, help_text=_("e.g. the receiving branch"))


class MoveForm(forms.Form):
    group = forms.ModelChoiceField(
        label=_("Group"), queryset=Organization.objects.none(), required=False, empty_label=_("No group")
    )

    def __init__(self, *args, user, member: Member, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = managed_groups(user, branch=member.organization)
        self.fields["group"].initial = member.group_id


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class MatchForm(forms.Form):
    member = forms.ModelChoiceField(label=_("Roster entry"), queryset=Member.objects.none(), empty_label=None)

    def __init__(self, *args, candidates, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = candidates


class InvitationForm(forms.Form):
    organization = forms.ModelChoiceField(label=_("Branch"), queryset=Organization.objects.none(), empty_label=None)
    max_uses = forms.IntegerField(label=_("Maximum uses"), min_value=1, max_value=500, initial=1)
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=90, initial=7)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = managed_branches(user, Capability.APPROVE_SIGNUPS)


IDEOGRAPHIC_SPACE = "\u3000"


class RoleForm(forms.Form):
    """Give a role: to whom (a member's name or any login's phone), on which organization, which kind."""

    who = forms.CharField(
        label=_("Name or mobile phone"),
        max_length=50,
        help_text=_("The exact name of a member with a login in your organizations, or the phone number of a login."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    organization = forms.ModelChoiceField(
        label=_("Organization"), queryset=Organization.objects.none(), empty_label=None
    )
    kind = forms.ChoiceField(label=_("Role"), choices=Role.Kind.choices)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["organization"].queryset = role_organizations(user).order_by("path")
        # Indented by depth so the tree reads in a plain select on a phone.
        self.fields["organization"].label_from_instance = lambda o: IDEOGRAPHIC_SPACE * o.depth + o.name

    def clean_who(self):
        try:
            return find_login(self.user, self.cleaned_data["who"])
        except RosterError as error:
            raise forms.ValidationError(error.message, code=error.code) from None
