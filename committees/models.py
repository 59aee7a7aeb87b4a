"""The branch committee (支部委员会): who holds which post since when, and the committee's terms.

Posts are facts about the branch, kept with their history; they grant
nothing. Permissions stay with ``branches.Role``: a new 书记 or 副书记 post
only proposes the matching role to someone allowed to give it.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from branches.models import Organization, Role


class Post(models.Model):
    class Kind(models.TextChoices):
        SECRETARY = "secretary", _("Secretary")
        DEPUTY = "deputy", _("Deputy secretary")
        ORGANIZATION = "organization", _("Organization committee member")
        PUBLICITY = "publicity", _("Publicity committee member")
        DISCIPLINE = "discipline", _("Discipline inspection committee member")
        MEMBER = "member", _("Committee member")

    # Posts one person holds at a time; a branch may have several deputies and ordinary members.
    SINGLE_KINDS = (Kind.SECRETARY, Kind.ORGANIZATION, Kind.PUBLICITY, Kind.DISCIPLINE)
    # The role a post proposes to its holder, never grants by itself.
    ROLE_FOR = {Kind.SECRETARY: Role.Kind.SECRETARY, Kind.DEPUTY: Role.Kind.DEPUTY_SECRETARY}

    organization = models.ForeignKey(
        Organization, verbose_name=_("branch"), on_delete=models.CASCADE, related_name="committee_posts"
    )
    member = models.ForeignKey(
        "members.Member", verbose_name=_("holder"), on_delete=models.PROTECT, related_name="committee_posts"
    )
    kind = models.CharField(_("post"), max_length=20, choices=Kind.choices)
    started_on = models.DateField(_("holds it from"))
    ended_on = models.DateField(_("held it until"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("committee post")
        verbose_name_plural = _("committee posts")
        ordering = ["organization_id", "started_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")), name="post_ends_after_start"
            ),
            # The last word in a race of two secretaries recording a 书记 at once.
            models.UniqueConstraint(
                fields=["organization", "kind"],
                condition=Q(ended_on__isnull=True, kind__in=["secretary", "organization", "publicity", "discipline"]),
                name="post_one_open_single_holder",
            ),
        ]
        indexes = [
            # The branch page and the committee view: a branch's posts, the open ones first.
            models.Index(fields=["organization", "kind", "ended_on"], name="post_branch_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.member}"

    def is_open_on(self, day: dt.date) -> bool:
        return self.started_on <= day and (self.ended_on is None or self.ended_on >= day)


class Term(models.Model):
    """One elected committee: elected on a day, for a number of years fixed at the election."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("branch"), on_delete=models.CASCADE, related_name="committee_terms"
    )
    elected_on = models.DateField(_("elected on"))
    years = models.PositiveSmallIntegerField(_("term in years"))
    ends_on = models.DateField(_("term ends on"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    # When the reminders went out: each is sent once per term.
    reminded_six_months_at = models.DateTimeField(null=True, blank=True, editable=False)
    reminded_one_month_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("committee term")
        verbose_name_plural = _("committee terms")
        ordering = ["organization_id", "-elected_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "elected_on"], name="term_one_election_a_day"),
            models.CheckConstraint(condition=Q(ends_on__gt=F("elected_on")), name="term_ends_after_election"),
        ]
        indexes = [
            # The current term of each branch: the latest election.
            models.Index(fields=["organization", "-elected_on"], name="term_branch_latest_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} · {self.elected_on}–{self.ends_on}"
