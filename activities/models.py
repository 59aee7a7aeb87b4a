from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.dates import month_end
from branches.models import Organization
from members.models import Member


class Track(models.TextChoices):
    """五个同步: the five tracks every branch keeps in step each month."""

    STUDY = "study", _("Study and training")
    EDUCATION = "education", _("Education and management")
    ORGANIZATIONAL_LIFE = "org_life", _("Organizational life")
    SERVICE = "service", _("Service and mutual help")
    EXCHANGE = "exchange", _("Exchange and sharing")


class StudyMaterial(models.Model):
    """Something to study: text, a PDF, an image or a link; handbook chapters too."""

    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        PDF = "pdf", _("PDF")
        IMAGE = "image", _("Image")
        LINK = "link", _("Link")

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.TEXT)
    body = models.TextField(_("text"), blank=True)
    file = models.FileField(_("file"), upload_to="materials/%Y/%m/", blank=True)
    url = models.URLField(_("link"), blank=True)
    handbook_chapter = models.PositiveSmallIntegerField(
        _("handbook chapter"), null=True, blank=True, help_text=_("Chapter number in the handbook 《我是党员》.")
    )
    organizations = models.ManyToManyField(
        Organization,
        verbose_name=_("published to"),
        related_name="materials",
        blank=True,
        help_text=_("Every active member under these organizations receives the material."),
    )
    publish_at = models.DateTimeField(
        _("publish at"),
        null=True,
        blank=True,
        help_text=_("For material on its own; material attached to an activity goes out on the activity day."),
    )
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("study material")
        verbose_name_plural = _("study materials")
        ordering = ["-created_at"]
        indexes = [
            # dispatch sweep: WHERE dispatched_at IS NULL AND publish_at <= now
            models.Index(fields=["dispatched_at", "publish_at"], name="material_due_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.kind == self.Kind.TEXT and not self.body:
            raise ValidationError({"body": _("A text material needs its text.")})
        if self.kind in (self.Kind.PDF, self.Kind.IMAGE) and not self.file:
            raise ValidationError({"file": _("Upload the file of this material.")})
        if self.kind == self.Kind.LINK and not self.url:
            raise ValidationError({"url": _("A link material needs its address.")})


class Activity(models.Model):
    """A gathering of one branch: the month's activity day (主题党日) or a meeting of another kind.

    Every kind shares the activity day's attendance: check-in with a nonce,
    leave, make-up, attendance by hand, outcomes at the close, absentee notices.
    The activity day is planned by the sweep, one per branch and month, and
    expects the branch's active roster until its close fixes the outcomes; a
    meeting of another kind is planned by a secretary and expects the list
    fixed at planning (``Attendee``), so 应到/实到 stay true when people move.
    """

    class Kind(models.TextChoices):
        THEME_DAY = "theme_day", _("Theme Party day")
        GENERAL = "general", _("Branch general meeting")
        COMMITTEE = "committee", _("Branch committee meeting")
        GROUP = "group", _("Party group meeting")
        LECTURE = "lecture", _("Party lecture")
        LIFE_MEETING = "life_meeting", _("Organizational life meeting")
        REVIEW = "review", _("Democratic appraisal of members")
        OTHER = "other", _("Other meeting")

    class RecordStatus(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned")

    organization = models.ForeignKey(
        Organization, verbose_name=_("branch"), on_delete=models.CASCADE, related_name="activities"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.THEME_DAY)
    # The name of an "other" meeting; for the other kinds the kind is the name.
    name = models.CharField(_("name"), max_length=100, blank=True)
    # The group whose meeting it is (党小组会); its members are the expected list.
    group = models.ForeignKey(
        Organization,
        verbose_name=_("group"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="group_meetings",
        limit_choices_to={"kind": Organization.Kind.GROUP},
    )
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    date = models.DateField(_("date"), help_text=_("Move a single month's activity here; the branch's rule stays."))
    theme = models.CharField(_("theme"), max_length=200, blank=True)
    tracks = models.JSONField(_("tracks"), default=list, blank=True)
    agenda = models.TextField(_("agenda"), blank=True)
    online_link = models.URLField(_("online link"), blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    starts_at = models.TimeField(_("start time"), null=True, blank=True)
    host = models.ForeignKey(
        Member, verbose_name=_("host"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorder = models.ForeignKey(
        Member, verbose_name=_("recorder"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A lecturer may come from outside the branch (a committee member, a teacher): a name, not a roster entry.
    lecturer = models.CharField(_("lecturer"), max_length=50, blank=True)
    # People from elsewhere who sit in (列席) without being on the roster: named, not counted.
    outside_guests = models.CharField(_("guests from elsewhere"), max_length=500, blank=True)
    is_election = models.BooleanField(
        _("elections are held"),
        default=False,
        help_text=_("An election needs more than four fifths of the members with a vote."),
    )
    minutes = models.TextField(_("minutes"), blank=True)
    decisions = models.TextField(_("decisions"), blank=True)
    record_status = models.CharField(
        _("record"), max_length=10, choices=RecordStatus.choices, default=RecordStatus.DRAFT
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, editable=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True, editable=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    review_comment = models.TextField(_("reviewer's comment"), blank=True)
    materials = models.ManyToManyField(
        StudyMaterial, verbose_name=_("study materials"), related_name="activities", blank=True
    )
    # Derived from date and the branch's window by save(), stored so that the
    # sweeps can ask the database what is due.
    opens_at = models.DateTimeField(_("check-in opens"), editable=False)
    closes_at = models.DateTimeField(_("check-in closes"), editable=False)
    dispatched_at = models.DateTimeField(_("material dispatched at"), null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-date"]
        constraints = [
            # One activity day per branch and month; meetings of the other kinds as often as they are held.
            models.UniqueConstraint(
                fields=["organization", "year", "month"],
                condition=models.Q(kind="theme_day"),
                name="activity_one_per_branch_month",
            ),
            models.CheckConstraint(condition=models.Q(month__gte=1, month__lte=12), name="activity_month_1_12"),
        ]
        indexes = [
            # dispatch sweep: WHERE dispatched_at IS NULL AND date <= today
            models.Index(fields=["dispatched_at", "date"], name="activity_dispatch_idx"),
            # close sweep: WHERE closed_at IS NULL AND closes_at <= now
            models.Index(fields=["closed_at", "closes_at"], name="activity_close_idx"),
            # compliance counts: WHERE organization_id IN (…) AND kind = ? AND date BETWEEN …
            models.Index(fields=["organization", "kind", "date"], name="activity_kind_date_idx"),
        ]

    def __str__(self) -> str:
        if self.kind == self.Kind.THEME_DAY:
            return f"{self.organization} {self.year}-{self.month:02d}"
        return f"{self.organization} {self.title} {self.date}"

    def save(self, *args, **kwargs) -> None:
        self.opens_at, self.closes_at = self.window()
        fields = kwargs.get("update_fields")
        if not self.is_theme_day and self.date:
            # A meeting belongs to the month it is held in; only the activity day keeps "its" month when moved.
            self.year, self.month = self.date.year, self.date.month
        if fields is not None and "date" in fields:
            kwargs["update_fields"] = {*fields, "opens_at", "closes_at", "year", "month"}
        super().save(*args, **kwargs)

    def clean(self) -> None:
        unknown = set(self.tracks or []) - set(Track.values)
        if unknown or not isinstance(self.tracks, list):
            raise ValidationError({"tracks": _("Choose tracks among the five tracks.")})
        if self.kind == self.Kind.OTHER and not self.name.strip():
            raise ValidationError({"name": _("Give the meeting a name.")})
        if self.kind == self.Kind.GROUP and not self.group_id:
            raise ValidationError({"group": _("Choose the group whose meeting this is.")})
        if self.group_id and self.group.parent_id != self.organization_id:
            raise ValidationError({"group": _("The group must be one of the branch's groups.")})
        if self.is_theme_day and self.date and (self.date.year, self.date.month) != (self.year, self.month):
            # A move across the month end is allowed by at most a week, so
            # "the June activity" never turns into July's.
            first = dt.date(self.year, self.month, 1)
            last = month_end(self.year, self.month)
            if not (first - dt.timedelta(days=7) <= self.date <= last + dt.timedelta(days=7)):
                raise ValidationError({"date": _("The activity can be moved by at most a week beyond its month.")})

    @property
    def title(self) -> str:
        """What the meeting is called: an "other" meeting's own name, else its kind."""
        if self.kind == self.Kind.OTHER and self.name:
            return self.name
        return str(self.get_kind_display())

    @property
    def is_theme_day(self) -> bool:
        return self.kind == self.Kind.THEME_DAY

    def window(self) -> tuple[dt.datetime, dt.datetime]:
        """Check-in opens at 00:00 of the day and closes at the end of day + N (Asia/Shanghai)."""
        zone = timezone.get_default_timezone()
        opens = dt.datetime.combine(self.date, dt.time.min, tzinfo=zone)
        last_day = self.date + dt.timedelta(days=self.organization.checkin_days)
        closes = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
        return opens, closes

    def morning(self) -> dt.datetime:
        """When the material goes out: the branch's morning hour on the activity day."""
        return dt.datetime.combine(
            self.date, dt.time(self.organization.morning_hour), tzinfo=timezone.get_default_timezone()
        )

    def is_open(self, now: dt.datetime) -> bool:
        return self.opens_at <= now < self.closes_at


class Attendee(models.Model):
    """One person on a meeting's list, fixed when it is planned (the activity day has none: see Activity)."""

    class Role(models.TextChoices):
        EXPECTED = "expected", _("Expected")
        GUEST = "guest", _("Attending without a vote (列席)")

    activity = models.ForeignKey(
        Activity, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="attendees"
    )
    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="+")
    role = models.CharField(_("on the list as"), max_length=10, choices=Role.choices, default=Role.EXPECTED)
    # Probationary members have no vote; fixed with the list, so a later change of status does not rewrite a quorum.
    votes = models.BooleanField(_("has a vote"), default=True)

    class Meta:
        verbose_name = _("attendee")
        verbose_name_plural = _("attendees")
        constraints = [models.UniqueConstraint(fields=["activity", "member"], name="attendee_once_per_meeting")]
        indexes = [
            # a member's meetings: WHERE member_id = ?
            models.Index(fields=["member", "activity"], name="attendee_member_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.member} @ {self.activity}"


class MeetingFile(models.Model):
    """An attachment or photo of a meeting's record, served only to those who may read the record."""

    activity = models.ForeignKey(Activity, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="files")
    file = models.FileField(_("file"), upload_to="meetings/%Y/%m/")
    name = models.CharField(_("name"), max_length=200)
    is_photo = models.BooleanField(_("photo"), default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("meeting file")
        verbose_name_plural = _("meeting files")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.name


class MaterialDelivery(models.Model):
    """A material sent to one member; their reading and study state lives here."""

    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="deliveries")
    material = models.ForeignKey(
        StudyMaterial, verbose_name=_("material"), on_delete=models.CASCADE, related_name="deliveries"
    )
    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    delivered_at = models.DateTimeField(_("delivered at"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    studied_at = models.DateTimeField(_("studied at"), null=True, blank=True)

    class Meta:
        verbose_name = _("material delivery")
        verbose_name_plural = _("material deliveries")
        constraints = [models.UniqueConstraint(fields=["member", "material"], name="delivery_once_per_member")]
        indexes = [
            # study completion per material: WHERE material_id = ? (studied_at counted)
            models.Index(fields=["material", "studied_at"], name="delivery_material_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.material} → {self.member}"


class CheckIn(models.Model):
    """签到: one per member per activity, never two (a unique constraint, not hope)."""

    class Kind(models.TextChoices):
        ON_TIME = "on_time", _("Checked in")
        MAKE_UP = "make_up", _("Make-up study")
        MANUAL = "manual", _("Entered by the secretary")

    class PhotoState(models.TextChoices):
        NONE = "", _("No photo")
        PROCESSING = "processing", _("Photo being processed")
        READY = "ready", _("Photo attached")
        FAILED = "failed", _("Photo could not be processed")

    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="checkins")
    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="checkins"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.ON_TIME)
    checked_in_at = models.DateTimeField(_("checked in at"))
    city = models.CharField(_("city"), max_length=50, blank=True)
    photo = models.ImageField(_("photo"), upload_to="checkins/%Y/%m/", blank=True)
    # The upload as it came, kept only until a worker has re-encoded it into
    # ``photo``: it may still carry GPS and camera tags, so nothing serves it.
    photo_upload = models.FileField(upload_to="checkins/incoming/%Y/%m/", blank=True, editable=False)
    photo_state = models.CharField(
        _("photo state"), max_length=10, choices=PhotoState.choices, default=PhotoState.NONE, blank=True
    )
    # When the photo was last handed to the queue; the sweep queues it again once this is stale.
    photo_queued_at = models.DateTimeField(null=True, blank=True, editable=False)
    note = models.TextField(_("note"), blank=True)
    nonce = models.CharField(max_length=64, blank=True, editable=False)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("entered by"), null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        constraints = [models.UniqueConstraint(fields=["member", "activity"], name="checkin_once_per_activity")]
        indexes = [
            # the photo sweep: only the few rows still holding an upload, however many check-ins there are
            models.Index(fields=["photo_state"], name="checkin_photo_upload_idx", condition=~models.Q(photo_upload=""))
        ]

    def __str__(self) -> str:
        return f"{self.member} @ {self.activity}"


class Leave(models.Model):
    """请假: an excused absence asked for before the activity."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")

    # The longest reason a member or a secretary may give (the column itself is unbounded text).
    REASON_MAX_LENGTH = 500

    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="leaves")
    activity = models.ForeignKey(Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="leaves")
    reason = models.TextField(_("reason"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True, on_delete=models.SET_NULL
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # Why a leave was declined, as the secretary wrote it; the member reads it on their page and in the notice.
    decision_note = models.CharField(_("reason for declining"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("leave")
        verbose_name_plural = _("leaves")
        constraints = [models.UniqueConstraint(fields=["member", "activity"], name="leave_once_per_activity")]

    def __str__(self) -> str:
        return f"{self.member} @ {self.activity}"


class Attendance(models.Model):
    """The outcome for one member when an activity's check-in window closes."""

    class Outcome(models.TextChoices):
        ATTENDED = "attended", _("Attended")
        EXCUSED = "excused", _("Excused")
        MADE_UP = "made_up", _("Made up")
        ABSENT = "absent", _("Absent")

    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="attendance")
    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="attendance"
    )
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [models.UniqueConstraint(fields=["member", "activity"], name="attendance_once_per_activity")]
        indexes = [
            # statistics: WHERE activity_id IN (...) GROUP BY outcome
            models.Index(fields=["activity", "outcome"], name="attendance_outcome_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.member} @ {self.activity}: {self.outcome}"


class Report(models.Model):
    """思想汇报 / 工作汇报: a member's periodic report, answered by the secretary."""

    class Kind(models.TextChoices):
        THOUGHT = "thought", _("Thought report")
        WORK = "work", _("Work report")
        # Owed once a year by itinerant members (activities.reports.away_report_due).
        AWAY = "away", _("Report on life away (thinking, work, organizational life)")

    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="reports")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.THOUGHT)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    attachment = models.FileField(_("attachment"), upload_to="reports/%Y/%m/", blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    reply = models.TextField(_("reply"), blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("replied by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-submitted_at"]
        indexes = [
            # my reports, and "last report" per member: WHERE member_id = ? ORDER BY submitted_at DESC
            models.Index(fields=["member", "-submitted_at"], name="report_member_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class MemberMonth(models.Model):
    """What one member's records add up to in one month: the annual evaluation's input.

    Rebuilt from the records by ``activities.monthly.refresh_member_months``
    (set-based, one statement for every source), never written row by row, so
    scoring a year reads about a dozen rows per member instead of every record.
    ``month`` is the calendar month (Asia/Shanghai) of each record, except that
    an activity day counts in its activity's ``year`` under the month of its
    date: 0 for a January day moved into the December before, 13 for a
    December day moved into the January after.
    """

    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="+", db_index=False
    )
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.SmallIntegerField(_("month"))
    # Activity days, by outcome.
    attended = models.PositiveIntegerField(default=0)
    made_up = models.PositiveIntegerField(default=0)
    excused = models.PositiveIntegerField(default=0)
    absent = models.PositiveIntegerField(default=0)
    # Material sent in the month; of it, studied (at any time), and not studied but sent for a day on leave.
    delivered = models.PositiveIntegerField(default=0)
    studied = models.PositiveIntegerField(default=0)
    unstudied_excused = models.PositiveIntegerField(default=0)
    checkins = models.PositiveIntegerField(default=0)
    reports = models.PositiveIntegerField(default=0)
    contacts = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("member's month")
        verbose_name_plural = _("members' months")
        constraints = [
            # Also the index scoring reads by: WHERE member_id IN (…) AND year = ?
            models.UniqueConstraint(fields=["member", "year", "month"], name="member_month_once"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.year}-{self.month:02d}"


class MeetingFrequency(models.Model):
    """How often one kind of gathering is due, set by an organization for its whole subtree.

    The nearest organization up the tree (the branch itself first) with a row
    for the kind decides; with none, ``settings.MEETING_FREQUENCIES`` (the
    statutory defaults of 《中国共产党支部工作条例》). Read by
    ``activities.meetings.frequencies``.
    """

    class Period(models.TextChoices):
        MONTH = "month", _("a month")
        QUARTER = "quarter", _("a quarter")
        YEAR = "year", _("a year")

    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.CASCADE, related_name="meeting_frequencies"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Activity.Kind.choices)
    period = models.CharField(_("period"), max_length=10, choices=Period.choices)
    # 0: not required in this subtree (a rule above may ask for it; this row says no).
    times = models.PositiveSmallIntegerField(_("times per period"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("meeting frequency")
        verbose_name_plural = _("meeting frequencies")
        constraints = [
            # Also the index the rules are read by: WHERE organization_id IN (the branches and their ancestors)
            models.UniqueConstraint(fields=["organization", "kind"], name="meeting_frequency_once"),
            models.CheckConstraint(condition=models.Q(times__lte=31), name="meeting_frequency_times_31"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.kind}: {self.times}/{self.period}"


class CalendarFeed(models.Model):
    """A member's private calendar subscription: the secret address a phone's calendar app reads without a login.

    Only a hash of the token is kept (``activities.meetings.calendar``), so a
    copy of the database opens no feed; resetting replaces the hash and the
    old address stops working at once.
    """

    member = models.OneToOneField(
        Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="calendar_feed"
    )
    # The feed's lookup: WHERE token_hash = ? (unique, so indexed).
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"{self.member_id} {self.created_at:%Y-%m-%d}"
