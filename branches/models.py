from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext_lazy as _

from .dates import shift_month


def default_reminder_offsets() -> list[int]:
    return [3, 0]


class OrganizationQuerySet(models.QuerySet):
    def subtree_of(self, organization: Organization) -> OrganizationQuerySet:
        """The organization and everything below it, in one indexed query."""
        return self.filter(path__startswith=organization.path)

    def branches(self) -> OrganizationQuerySet:
        return self.filter(kind=Organization.Kind.BRANCH)


class Organization(models.Model):
    """A node of the Party organization tree (党委 → 党总支 → 党支部 → 党小组).

    ``path`` is a materialized path of primary keys ("/1/4/9/"), so "is X
    under Y" is a string prefix test and a subtree is one indexed query.
    """

    class Kind(models.TextChoices):
        COMMITTEE = "committee", _("Party committee")
        GENERAL_BRANCH = "general_branch", _("General Party branch")
        BRANCH = "branch", _("Party branch")
        GROUP = "group", _("Party group")

    # A child must be of a lower rank than its parent.
    RANK = {Kind.COMMITTEE: 0, Kind.GENERAL_BRANCH: 1, Kind.BRANCH: 2, Kind.GROUP: 3}

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    code = models.SlugField(
        _("code"),
        max_length=40,
        unique=True,
        help_text=_("Short unique code, used in imports and commands."),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=255, editable=False, default="")
    depth = models.PositiveSmallIntegerField(editable=False, default=0)

    class BranchType(models.TextChoices):
        """What kind of unit a branch serves; the 堡垒指数's individual index depends on it."""

        VILLAGE = "village", _("Village")
        COMMUNITY = "community", _("Community")
        OFFICE = "office", _("Government office")
        INSTITUTION = "institution", _("Public institution")
        STATE_ENTERPRISE = "state_enterprise", _("State-owned enterprise")
        PRIVATE_ENTERPRISE = "private_enterprise", _("Non-public enterprise")
        SOCIAL_ORGANIZATION = "social_organization", _("Social organization")

    branch_type = models.CharField(
        _("branch type"),
        max_length=20,
        choices=BranchType.choices,
        blank=True,
        help_text=_("The kind of unit the branch serves; it chooses the individual part of the branch evaluation."),
    )
    is_online = models.BooleanField(
        _("online branch"),
        default=False,
        help_text=_("An online branch (网络党支部) that itinerant members belong to."),
    )
    activity_day = models.PositiveSmallIntegerField(
        _("activity day"),
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text=_("Day of the month of the fixed activity day, 1 to 28."),
    )
    speaking_rule = models.TextField(_("speaking rule"), blank=True)
    study_rule = models.TextField(_("study rule"), blank=True)
    contact_rule = models.TextField(_("contact rule"), blank=True)
    reporting_rule = models.TextField(_("reporting rule"), blank=True)
    location = models.CharField(_("activity location"), max_length=200, blank=True)
    checkin_days = models.PositiveSmallIntegerField(
        _("check-in window (days)"),
        default=3,
        validators=[MaxValueValidator(20)],
        help_text=_("Check-in is open from 00:00 of the activity day until 23:59 of this many days later."),
    )
    reminder_offsets = models.JSONField(
        _("reminders (days before)"),
        default=default_reminder_offsets,
        blank=True,
        help_text=_(
            "Days before the activity day on which members who have not checked in are reminded; 0 is the day itself."
        ),
    )
    report_every_months = models.PositiveSmallIntegerField(
        _("report every (months)"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_("How often members hand in a thought or work report (the reporting rule)."),
    )
    silent_after_days = models.PositiveSmallIntegerField(
        _("silent after (days)"),
        default=60,
        validators=[MinValueValidator(7), MaxValueValidator(365)],
        help_text=_("Itinerant members with no check-in, report or contact for this long are listed as silent."),
    )
    morning_hour = models.PositiveSmallIntegerField(
        _("morning hour"),
        default=8,
        validators=[MaxValueValidator(12)],
        help_text=_("Hour (Asia/Shanghai) at which study material and reminders go out."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["path"]
        indexes = [
            # subtree_of(): WHERE path LIKE '/1/4/%'
            models.Index(fields=["path"], name="org_path_idx", opclasses=["varchar_pattern_ops"])
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(activity_day__gte=1, activity_day__lte=28),
                name="org_activity_day_1_28",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        with transaction.atomic():
            if self._state.adding:
                # The path holds our own primary key, known only after the insert (or given to it).
                super().save(*args, **kwargs)
                self.path, self.depth = self._compute_path()
                type(self).objects.filter(pk=self.pk).update(path=self.path, depth=self.depth)
                return
            old_path = type(self).objects.select_for_update().filter(pk=self.pk).values_list("path", flat=True).get()
            self.path, self.depth = self._compute_path()
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "path", "depth"}
            super().save(*args, **kwargs)
            if old_path != self.path:
                self._move_descendants(old_path)

    def clean(self) -> None:
        offsets = self.reminder_offsets
        if not isinstance(offsets, list) or not all(isinstance(d, int) and 0 <= d <= 27 for d in offsets):
            raise ValidationError(
                {"reminder_offsets": _("Give the reminder days as a list of whole numbers from 0 to 27, e.g. [3, 0].")}
            )
        self.reminder_offsets = sorted(set(offsets), reverse=True)
        if self.parent_id is None:
            return
        parent = self.parent
        if self.pk and parent.path.startswith(self.path):
            raise ValidationError({"parent": _("An organization cannot be placed under itself.")})
        if self.RANK[parent.kind] >= self.RANK[self.kind]:
            raise ValidationError(
                {
                    "parent": _("A %(kind)s cannot be placed under a %(parent_kind)s.")
                    % {"kind": self.get_kind_display(), "parent_kind": parent.get_kind_display()}
                }
            )

    def _compute_path(self) -> tuple[str, int]:
        if self.parent_id is None:
            return f"/{self.pk}/", 0
        return f"{self.parent.path}{self.pk}/", self.parent.depth + 1

    def _move_descendants(self, old_path: str) -> None:
        shift = self.path.count("/") - old_path.count("/")
        # One UPDATE rewrites the prefix of every descendant's path.
        type(self).objects.filter(path__startswith=old_path).exclude(pk=self.pk).update(
            path=Concat(models.Value(self.path), Substr("path", len(old_path) + 1)),
            depth=models.F("depth") + shift,
        )

    def activity_date(self, year: int, month: int) -> dt.date:
        """The day the branch's rule gives for a month (``activity_day`` is 1 to 28, so it always exists).

        This plans a month; once the month's activity is planned, its own date
        is the truth, and a secretary may have moved it.
        """
        return dt.date(year, month, self.activity_day)

    def next_activity_date(self, today: dt.date) -> dt.date:
        """The rule's activity day on or after ``today``: for a month that nothing is planned for yet."""
        this_month = self.activity_date(today.year, today.month)
        if this_month >= today:
            return this_month
        return self.activity_date(*shift_month(today.year, today.month, 1))

    def is_within(self, other: Organization) -> bool:
        """True if this organization is ``other`` or lies below it."""
        return self.path.startswith(other.path)

    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/")[:-1]]

    @property
    def branch(self) -> Organization | None:
        """The branch this node is, or belongs to (a group's parent branch)."""
        if self.kind == self.Kind.BRANCH:
            return self
        if self.kind == self.Kind.GROUP:
            return self.parent
        return None


class Role(models.Model):
    """Who may manage which subtree: a role covers the organization and all below it."""

    class Kind(models.TextChoices):
        SECRETARY = "secretary", _("Secretary")
        DEPUTY_SECRETARY = "deputy_secretary", _("Deputy secretary")
        GROUP_ADMIN = "group_admin", _("Group leader / admin")
        ORGANIZER = "organizer", _("Organizer")

    # The branch's secretaries: who is told of what happens in the branch (a closed activity day, a due
    # visit nobody was named for). What each kind may do is branches.access.CAPABILITIES.
    SECRETARY_KINDS = (Kind.SECRETARY, Kind.DEPUTY_SECRETARY)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="roles"
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.CASCADE, related_name="roles"
    )
    kind = models.CharField(_("role"), max_length=20, choices=Kind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [models.UniqueConstraint(fields=["user", "organization", "kind"], name="role_unique_per_org")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.organization}"


class SweepStatus(models.Model):
    """The last run of each periodic sweep, for /healthz and the admin."""

    name = models.CharField(_("sweep"), max_length=50, unique=True)
    last_started_at = models.DateTimeField(_("last started"), null=True, blank=True)
    last_finished_at = models.DateTimeField(_("last finished"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True)
    last_for_date = models.DateField(_("for date"), null=True, blank=True)
    last_result = models.JSONField(_("last result"), default=dict, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    runs = models.PositiveIntegerField(_("runs"), default=0)

    class Meta:
        verbose_name = _("sweep status")
        verbose_name_plural = _("sweep statuses")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
