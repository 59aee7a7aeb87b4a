"""Annual evaluation: schemes of sections and items, one round (Evaluation) per scope and
year, one Assessment per member or branch, one ItemScore per item scored.

A scheme is data its organization edits until a round uses it; from then on it
is frozen and a change is a new version (a copy), so a published score always
points at the items it was scored against.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from branches.models import Organization
from members.models import Member

POINTS = {"max_digits": 5, "decimal_places": 1}
ZERO = Decimal("0")


class Subject(models.TextChoices):
    MEMBER = "member", _("Members (先锋指数)")
    BRANCH = "branch", _("Branches (堡垒指数)")


class Rating(models.TextChoices):
    EXCELLENT = "excellent", _("Excellent")
    QUALIFIED = "qualified", _("Qualified")
    BASICALLY_QUALIFIED = "basically_qualified", _("Basically qualified")
    UNQUALIFIED = "unqualified", _("Unqualified")
    ADVANCED = "advanced", _("Advanced")
    LAGGING = "lagging", _("Lagging")


class Scheme(models.Model):
    """An indicator set for one organization's subtree and one year."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.CASCADE, related_name="schemes"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    subject = models.CharField(_("who is evaluated"), max_length=10, choices=Subject.choices)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    source = models.CharField(_("copied from the library"), max_length=40, blank=True, editable=False)
    copied_from = models.ForeignKey(
        "self", verbose_name=_("copied from"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # [[rating, lowest total], ...], best first; the last is what a veto or a
    # reverse situation gives.
    ratings = models.JSONField(_("ratings"), default=list)
    publicity_days = models.PositiveSmallIntegerField(
        _("publicity (days)"), default=5, validators=[MinValueValidator(1)]
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("evaluation scheme")
        verbose_name_plural = _("evaluation schemes")
        ordering = ["-year", "name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "year", "name", "version"], name="scheme_unique_version"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.name} v{self.version}"

    @property
    def is_frozen(self) -> bool:
        """Once a round uses the scheme, its items are what scores point at."""
        return self.evaluations.exists()

    def rating_for(self, total: Decimal) -> str:
        for rating, lowest in self.ratings:
            if total >= Decimal(str(lowest)):
                return rating
        return self.floor_rating

    @property
    def floor_rating(self) -> str:
        return self.ratings[-1][0] if self.ratings else ""

    def rating_tone(self, rating: str) -> str:
        """How a rating reads at a glance: "best", "worst", "middle", or "pending" while there is none.

        The order comes from the scheme (best first), so a branch's 后进 and a
        member's 不合格 are both the worst without naming either here.
        """
        order = [name for name, _lowest in self.ratings]
        if not rating:
            return "pending"
        if order and rating == order[0]:
            return "best"
        if order and rating == order[-1]:
            return "worst"
        return "middle"


class Section(models.Model):
    class Kind(models.TextChoices):
        BASIC = "basic", _("Basic: items add up to the cap")
        BONUS = "bonus", _("Bonus: adds up to the cap")
        DEDUCTION = "deduction", _("Deduction: starts at the cap, items deduct")
        VETO = "veto", _("Clear to zero: any one sets the total to 0")
        REVERSE = "reverse", _("Reverse: any one gives the lowest rating")

    # Sections whose points make up the total; the others are lists of situations.
    SCORED_KINDS = (Kind.BASIC, Kind.BONUS, Kind.DEDUCTION)

    scheme = models.ForeignKey(Scheme, verbose_name=_("scheme"), on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    title = models.CharField(_("title"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.BASIC)
    cap = models.DecimalField(_("points"), **POINTS, default=ZERO, validators=[MinValueValidator(ZERO)])
    branch_type = models.CharField(
        _("only for branches of type"),
        max_length=20,
        choices=Organization.BranchType.choices,
        blank=True,
    )

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ["scheme", "position", "pk"]

    def __str__(self) -> str:
        return self.title

    def applies_to(self, branch_type: str) -> bool:
        """Typed sections (the 堡垒指数's individual index) count only for their branch type."""
        return not self.branch_type or self.branch_type == branch_type

    @property
    def is_list(self) -> bool:
        """Veto and reverse sections hold situations that are found or not, not points."""
        return self.kind in (self.Kind.VETO, self.Kind.REVERSE)


class Item(models.Model):
    MANUAL = "manual"

    section = models.ForeignKey(Section, verbose_name=_("section"), on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    title = models.CharField(_("title"), max_length=200)
    rule = models.TextField(_("scoring rule"), blank=True)
    points = models.DecimalField(_("points"), **POINTS, default=ZERO, validators=[MinValueValidator(ZERO)])
    method = models.CharField(_("scored"), max_length=30, default=MANUAL)

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        ordering = ["section", "position", "pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_automatic(self) -> bool:
        return self.method != self.MANUAL


class Evaluation(models.Model):
    """One year's round of a scheme over an organization's subtree."""

    class Stage(models.TextChoices):
        SELF_ASSESSMENT = "self", _("Self-assessment")
        REVIEW = "review", _("Review")
        PUBLICITY = "publicity", _("Publicity")
        FINAL = "final", _("Final")

    class Job(models.TextChoices):
        SCORE = "score", _("Calculating the automatic items")
        PUBLISH = "publish", _("Calculating the automatic items, then publishing")

    scheme = models.ForeignKey(Scheme, verbose_name=_("scheme"), on_delete=models.PROTECT, related_name="evaluations")
    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.CASCADE, related_name="evaluations"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices, default=Stage.SELF_ASSESSMENT)
    self_assessment_ends_on = models.DateField(_("self-assessment until"), null=True, blank=True)
    publicity_starts_at = models.DateTimeField(_("publicity from"), null=True, blank=True)
    publicity_ends_at = models.DateTimeField(_("publicity until"), null=True, blank=True)
    scored_at = models.DateTimeField(_("automatic items scored at"), null=True, blank=True)
    finalized_at = models.DateTimeField(_("finalized at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("opened by"), null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The slow part of opening, rescoring or publishing runs in a task. The
    # row says what is still to do, so a lost message or a dead worker is
    # only a delay: the sweep queues it again, and scoring twice is harmless.
    job = models.CharField(_("background work"), max_length=10, choices=Job.choices, blank=True, editable=False)
    job_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    job_queued_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The claim of the run at work: progress and the end are written only under it.
    job_started_at = models.DateTimeField(null=True, blank=True, editable=False)
    job_beat_at = models.DateTimeField(null=True, blank=True, editable=False)
    job_done = models.PositiveIntegerField(default=0, editable=False)
    job_total = models.PositiveIntegerField(default=0, editable=False)
    # The code of why the last publishing job did not publish, shown on the round's page.
    job_refusal = models.CharField(max_length=30, blank=True, editable=False)

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["-year", "organization__path"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "organization"], name="evaluation_once_per_scheme_org"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.year} {self.scheme.name}"

    @property
    def subject(self) -> str:
        return self.scheme.subject


class Assessment(models.Model):
    """One member's or one branch's result in a round, with its totals kept in step."""

    evaluation = models.ForeignKey(
        Evaluation, verbose_name=_("evaluation"), on_delete=models.CASCADE, related_name="assessments"
    )
    member = models.ForeignKey(
        Member, verbose_name=_("member"), null=True, blank=True, on_delete=models.CASCADE, related_name="assessments"
    )
    branch = models.ForeignKey(
        Organization,
        verbose_name=_("branch"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="assessments",
    )
    # Kept as it was when the round opened, so a later change of the branch's
    # type does not move a published score.
    branch_type = models.CharField(_("branch type"), max_length=20, choices=Organization.BranchType.choices, blank=True)
    self_summary = models.TextField(_("self-assessment"), blank=True)
    self_submitted_at = models.DateTimeField(_("self-assessed at"), null=True, blank=True)
    section_points = models.JSONField(_("points by section"), default=dict, blank=True)
    automatic_points = models.DecimalField(_("automatic points"), **POINTS, default=ZERO)
    total = models.DecimalField(_("total"), **POINTS, default=ZERO)
    unscored = models.PositiveSmallIntegerField(_("items not scored yet"), default=0)
    vetoed = models.BooleanField(_("cleared to zero or reversed"), default=False)
    rating = models.CharField(_("rating"), max_length=20, choices=Rating.choices, blank=True)

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "member"], name="assessment_once_per_member"),
            models.UniqueConstraint(fields=["evaluation", "branch"], name="assessment_once_per_branch"),
            models.CheckConstraint(
                condition=models.Q(member__isnull=True, branch__isnull=False)
                | models.Q(member__isnull=False, branch__isnull=True),
                name="assessment_one_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.evaluation}: {self.member or self.branch}"

    @property
    def subject_name(self) -> str:
        return self.member.name if self.member_id else self.branch.name


class ItemScore(models.Model):
    assessment = models.ForeignKey(
        Assessment, verbose_name=_("assessment"), on_delete=models.CASCADE, related_name="scores"
    )
    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.CASCADE, related_name="scores")
    self_points = models.DecimalField(_("self-assessed points"), **POINTS, null=True, blank=True)
    self_note = models.TextField(_("self-assessment note"), blank=True)
    points = models.DecimalField(_("points"), **POINTS, null=True, blank=True)
    # Veto and reverse items: the situation was found.
    found = models.BooleanField(_("found"), default=False)
    note = models.TextField(_("note"), blank=True)
    # Automatic items: the counts the points came from, shown beside the rule.
    facts = models.JSONField(_("facts"), default=dict, blank=True)
    scored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("scored by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    scored_at = models.DateTimeField(_("scored at"), null=True, blank=True)

    class Meta:
        verbose_name = _("item score")
        verbose_name_plural = _("item scores")
        constraints = [models.UniqueConstraint(fields=["assessment", "item"], name="item_score_once")]

    def __str__(self) -> str:
        return f"{self.assessment} · {self.item}"


class Evidence(models.Model):
    score = models.ForeignKey(ItemScore, verbose_name=_("score"), on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(_("file"), upload_to="evaluations/%Y/%m/")
    name = models.CharField(_("file name"), max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.name


class ScoreChange(models.Model):
    """Who changed which score, from what to what, and why."""

    class What(models.TextChoices):
        SELF = "self", _("Self-assessment")
        POINTS = "points", _("Points")
        FOUND = "found", _("Clear-to-zero or reverse situation")
        STAGE = "stage", _("Stage")
        OBJECTION = "objection", _("Objection")
        RATING = "rating", _("Final rating")

    assessment = models.ForeignKey(
        Assessment,
        verbose_name=_("assessment"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="changes",
    )
    evaluation = models.ForeignKey(
        Evaluation, verbose_name=_("evaluation"), on_delete=models.CASCADE, related_name="changes"
    )
    item = models.ForeignKey(
        Item, verbose_name=_("item"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("at"))
    what = models.CharField(_("what"), max_length=10, choices=What.choices)
    old = models.CharField(_("from"), max_length=50, blank=True)
    new = models.CharField(_("to"), max_length=50, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("score change")
        verbose_name_plural = _("score changes")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["assessment", "-at"], name="score_change_assessment_idx")]

    def __str__(self) -> str:
        return f"{self.get_what_display()} {self.old} → {self.new}"


class Objection(models.Model):
    """A member's objection to a published result, raised during publicity."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        UPHELD = "upheld", _("Upheld")
        DISMISSED = "dismissed", _("Dismissed")

    assessment = models.ForeignKey(
        Assessment, verbose_name=_("assessment"), on_delete=models.CASCADE, related_name="objections"
    )
    raised_by = models.ForeignKey(
        Member, verbose_name=_("raised by"), on_delete=models.CASCADE, related_name="objections"
    )
    text = models.TextField(_("objection"))
    raised_at = models.DateTimeField(_("raised at"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    reply = models.TextField(_("reply"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["-raised_at"]

    def __str__(self) -> str:
        return f"{self.raised_by} → {self.assessment}"
