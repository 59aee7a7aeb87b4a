"""Itinerant members' flows: moves they report, their 流动党员活动证, transfers of the Party relationship,
and the warnings raised when a member shows no sign of organizational life.

Each flow is a row with a state; who decided, when and why is on the row, so
the rows are their own history. Roster fields change only when a secretary
confirms (through the roster's audited update).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from branches.models import Organization
from members.models import Member
from members.provinces import Province


class MoveReport(models.Model):
    """A change the member reports from their phone; the roster follows when the secretary confirms it.

    Reports never overwrite each other: two reports that cross are two rows,
    each confirmed (or asked again) on its own, oldest first.
    """

    class Kind(models.TextChoices):
        LEAVING = "leaving", _("Going away")
        LOCATION = "location", _("New place or workplace")
        RETURN = "return", _("Back home")
        PHONE = "phone", _("New phone number")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the secretary")
        CONFIRMED = "confirmed", _("Confirmed")
        ASKED_AGAIN = "asked_again", _("Asked again")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="move_reports", verbose_name=_("member"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    from_date = models.DateField(_("from"), null=True, blank=True)
    province = models.CharField(_("province"), max_length=2, choices=Province.choices, blank=True)
    city = models.CharField(_("city"), max_length=50, blank=True)
    workplace = models.CharField(_("workplace"), max_length=100, blank=True)
    contact = models.CharField(_("contact while away"), max_length=50, blank=True)
    # A new number is checked by a code sent to it before the report can be sent at all.
    new_phone = models.CharField(_("new phone number"), max_length=16, blank=True)
    phone_verified_at = models.DateTimeField(_("new number verified at"), null=True, blank=True)
    # The roster's values of the fields this report changes, as they were when it was sent: the
    # queue shows when the secretary has changed one since, so crossing changes are seen, not lost.
    before = models.JSONField(_("roster values when reported"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    submitted_at = models.DateTimeField(_("submitted at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("what to send again"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("move report")
        verbose_name_plural = _("move reports")
        ordering = ["-submitted_at"]
        indexes = [
            models.Index(fields=["member", "-submitted_at"], name="itin_move_member_idx"),
            # The secretary's queue.
            models.Index(fields=["status"], condition=Q(status="pending"), name="itin_move_pending_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.kind} {self.submitted_at:%Y-%m-%d}"


class Permit(models.Model):
    """A 流动党员活动证: issued and registered by the 基层党委 for a member away up to six months
    (or longer, unable to transfer yet). At the destination the holder joins organizational life and
    pays dues, without a vote there.
    """

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="permits", verbose_name=_("member"))
    number = models.CharField(_("permit number"), max_length=40, unique=True)
    issued_by = models.CharField(_("issued by"), max_length=100)
    issued_on = models.DateField(_("issued on"))
    reason = models.CharField(_("reason for going away"), max_length=200)
    province = models.CharField(_("destination province"), max_length=2, choices=Province.choices, blank=True)
    city = models.CharField(_("destination city"), max_length=50, blank=True)
    # Where the holder takes part in organizational life: an organization in netbranch, or a name.
    host_organization = models.ForeignKey(
        Organization,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="hosted_permits",
        verbose_name=_("takes part at (in netbranch)"),
    )
    host_name = models.CharField(_("takes part at"), max_length=100, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    checked_on = models.DateField(_("last checked on"), null=True, blank=True)
    returned_on = models.DateField(_("returned on"), null=True, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    entered_at = models.DateTimeField(_("entered at"))

    class Meta:
        verbose_name = _("itinerant member's permit")
        verbose_name_plural = _("itinerant members' permits")
        ordering = ["member", "-issued_on"]
        indexes = [
            # The roster's filter: members holding a permit not returned.
            models.Index(fields=["member"], condition=Q(returned_on__isnull=True), name="itin_permit_held_idx"),
        ]

    def __str__(self) -> str:
        return self.number


class Transfer(models.Model):
    """Moving a member's formal Party relationship, out of a branch or into one.

    Outgoing: requested → approved → letter issued → received (the 回执 came
    back), or expired, or cancelled. The member stays on the sending roster,
    marked in transit, until the receipt. Inside one installation the
    receiving branch accepts (or refuses, with a reason) and the member moves
    with their roster data; past records stay where they happened.
    """

    class Direction(models.TextChoices):
        OUT = "out", _("Outgoing")
        IN = "in", _("Incoming")

    class State(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        APPROVED = "approved", _("Approved")
        ISSUED = "issued", _("Letter issued")
        RECEIVED = "received", _("Received")
        REFUSED = "refused", _("Refused")
        EXPIRED = "expired", _("Letter expired")
        CANCELLED = "cancelled", _("Cancelled")

    OPEN_STATES = (State.REQUESTED, State.APPROVED, State.ISSUED)

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, null=True, blank=True, related_name="transfers", verbose_name=_("member")
    )
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices, default=Direction.OUT)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.REQUESTED)
    # The sending and receiving organizations: inside netbranch's tree, or outside it by name.
    from_organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="transfers_out"
    )
    from_name = models.CharField(_("from (organization outside netbranch)"), max_length=200, blank=True)
    to_organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="transfers_in"
    )
    to_name = models.CharField(_("to (organization outside netbranch)"), max_length=200, blank=True)
    # For an incoming member from outside, who they are (no roster entry exists until accepted).
    incoming_name = models.CharField(_("name"), max_length=50, blank=True)
    incoming_phone = models.CharField(_("mobile phone"), max_length=16, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    across_provinces = models.BooleanField(_("across provinces"), default=False)
    letter_number = models.CharField(_("letter number"), max_length=40, blank=True)
    dues_paid_until = models.DateField(_("dues paid up to (month)"), null=True, blank=True)
    issued_on = models.DateField(_("letter issued on"), null=True, blank=True)
    valid_until = models.DateField(_("letter valid until"), null=True, blank=True)
    received_on = models.DateField(_("receipt came back on"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("reason"), max_length=300, blank=True)
    expiry_reminded_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("transfer of the Party relationship")
        verbose_name_plural = _("transfers of the Party relationship")
        ordering = ["-requested_at"]
        indexes = [
            models.Index(fields=["from_organization", "state"], name="itin_transfer_from_idx"),
            models.Index(fields=["to_organization", "state"], name="itin_transfer_to_idx"),
            # The expiry sweep: issued letters by their last valid day.
            models.Index(fields=["valid_until"], condition=Q(state="issued"), name="itin_transfer_issued_idx"),
        ]
        constraints = [
            # One open transfer per member at a time.
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(state__in=["requested", "approved", "issued"]) & Q(member__isnull=False),
                name="itin_transfer_one_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.direction} {self.state}"


class LifeWarning(models.Model):
    """No sign of organizational life, dues or contact for three months (a talk is due) or six (a case).

    Raised once per silent spell: ``since`` is the member's last sign of life
    when it was raised, so a member who shows up and falls silent again is
    warned again, and a replayed sweep finds the row already there.
    """

    class Level(models.TextChoices):
        TALK = "talk", _("Three months: a talk is due")
        CASE = "case", _("Six months: regarded as having left unless there is a proper reason")

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="life_warnings", verbose_name=_("member"))
    level = models.CharField(_("level"), max_length=4, choices=Level.choices)
    since = models.DateField(_("last sign of life"))
    signs = models.JSONField(_("last signs"), default=dict, blank=True)
    raised_on = models.DateField(_("raised on"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolution = models.CharField(_("what was done"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("six-month warning")
        verbose_name_plural = _("six-month warnings")
        ordering = ["-raised_on"]
        constraints = [
            models.UniqueConstraint(fields=["member", "level", "since"], name="itin_warning_once_per_spell"),
        ]
        indexes = [
            models.Index(fields=["member"], condition=Q(resolved_at__isnull=True), name="itin_warning_open_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.level} since {self.since}"


class TransferProposal(models.Model):
    """An itinerant member away more than six months at the same place: transfer the formal relationship?

    Raised once per stay (``away_since``), on the secretary's to-do list until dismissed or a transfer starts.
    """

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="transfer_proposals")
    away_since = models.DateField(_("away since"))
    place = models.CharField(_("place"), max_length=100, blank=True)
    raised_on = models.DateField(_("raised on"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("proposed transfer")
        verbose_name_plural = _("proposed transfers")
        ordering = ["-raised_on"]
        constraints = [
            models.UniqueConstraint(fields=["member", "away_since"], name="itin_proposal_once_per_stay"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} away since {self.away_since}"
