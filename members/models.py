from __future__ import annotations

import calendar
import contextlib
import datetime as dt
import secrets

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Max, OuterRef, Subquery
from django.db.models.functions import ExtractDay, ExtractMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.models import Organization

from . import pinyin
from .provinces import Province
from .validators import (
    id_birth_date,
    mask_id_number,
    mask_phone,
    normalize_id_number,
    normalize_phone,
    validate_id_number,
    validate_phone,
)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, phone: str, password: str | None, **extra) -> User:
        user = self.model(phone=normalize_phone(phone), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, phone: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(phone, password, **extra)

    def create_superuser(self, phone: str, password: str | None = None, **extra) -> User:
        extra.update(is_staff=True, is_superuser=True, phone_verified=True)
        return self._create_user(phone, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A login. People log in with their mobile number; the roster lives on Member."""

    phone = models.CharField(_("mobile phone"), max_length=16, unique=True, validators=[validate_phone])
    phone_verified = models.BooleanField(_("phone verified"), default=False)
    name = models.CharField(_("name"), max_length=50, blank=True)
    email = models.EmailField(_("email address"), blank=True)
    is_staff = models.BooleanField(
        _("staff status"), default=False, help_text=_("Designates whether the user can log into the admin site.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "phone"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.name or mask_phone(self.phone)

    def clean(self) -> None:
        super().clean()
        if self.phone:
            self.phone = normalize_phone(self.phone)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


PINYIN_FIELDS = ("name_pinyin", "name_initials")


class MemberQuerySet(models.QuerySet):
    def active(self) -> MemberQuerySet:
        return self.filter(state=Member.State.ACTIVE)

    def in_subtree(self, organization: Organization) -> MemberQuerySet:
        return self.filter(organization__path__startswith=organization.path)

    def political_birthdays_on(self, day: dt.date) -> MemberQuerySet:
        """Members whose Party anniversary falls on ``day`` (29 Feb → 28 Feb in common years)."""
        days = [day.day]
        if day.month == 2 and day.day == 28 and not calendar.isleap(day.year):
            days.append(29)
        return self.filter(joined_party_month=day.month, joined_party_day__in=days, joined_party_on__lt=day)

    # The pinyin columns are computed in Python (the database has no pinyin
    # dictionary), so every bulk write that sets a name fills them here: the
    # roster import, the demo data and the benchmarks all write through these.
    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for member in objs:
            pinyin.fill(member)
        update_fields = kwargs.get("update_fields")
        if update_fields and "name" in update_fields:
            kwargs["update_fields"] = [*update_fields, *(f for f in PINYIN_FIELDS if f not in update_fields)]
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        if "name" in fields:
            objs = list(objs)
            for member in objs:
                pinyin.fill(member)
            fields = [*fields, *(f for f in PINYIN_FIELDS if f not in fields)]
        return super().bulk_update(objs, fields, *args, **kwargs)

    def update(self, **kwargs):
        name = kwargs.get("name")
        if isinstance(name, str):
            kwargs.update(name_pinyin=pinyin.name_pinyin(name), name_initials=pinyin.name_initials(name))
        elif "name" in kwargs and not all(field in kwargs for field in PINYIN_FIELDS):
            # An expression (bulk_update's CASE brings the pinyin along) cannot be read in Python.
            raise TypeError("Update a member's name with a string, or set its pinyin too.")
        return super().update(**kwargs)


class Member(models.Model):
    """A person on a branch's roster. May exist long before they have a login."""

    class Gender(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")

    class Status(models.TextChoices):
        PROBATIONARY = "probationary", _("Probationary member")
        FULL = "full", _("Full member")

    class State(models.TextChoices):
        ACTIVE = "active", _("Active")
        TRANSFERRED_OUT = "transferred_out", _("Transferred out")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="member",
    )
    name = models.CharField(_("real name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    phone = models.CharField(_("mobile phone"), max_length=16, unique=True, validators=[validate_phone])
    id_number = models.CharField(
        _("ID number"), max_length=18, unique=True, null=True, blank=True, validators=[validate_id_number]
    )
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    joined_party_on = models.DateField(_("joined the Party on"), help_text=_("The political birthday."))
    # Computed by the database from joined_party_on, whatever writes the row
    # (save, bulk_create, an import's bulk_update): the birthday sweep looks up
    # (month, day) through an index instead of scanning every member.
    joined_party_month = models.GeneratedField(
        expression=ExtractMonth("joined_party_on"), output_field=models.PositiveSmallIntegerField(), db_persist=True
    )
    joined_party_day = models.GeneratedField(
        expression=ExtractDay("joined_party_on"), output_field=models.PositiveSmallIntegerField(), db_persist=True
    )
    full_member_on = models.DateField(_("became a full member on"), null=True, blank=True)
    status = models.CharField(_("membership status"), max_length=20, choices=Status.choices, default=Status.FULL)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("branch"),
        on_delete=models.PROTECT,
        related_name="members",
        limit_choices_to={"kind": Organization.Kind.BRANCH},
    )
    group = models.ForeignKey(
        Organization,
        verbose_name=_("group"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="group_members",
        limit_choices_to={"kind": Organization.Kind.GROUP},
    )
    is_itinerant = models.BooleanField(_("itinerant member"), default=False)
    province = models.CharField(_("current province"), max_length=2, choices=Province.choices, blank=True)
    city = models.CharField(_("current city"), max_length=50, blank=True)
    workplace = models.CharField(_("workplace"), max_length=100, blank=True)
    # Kept from name by save() and MemberQuerySet's bulk writes (members.pinyin):
    # the roster finds 张三 by a prefix of either (zhangsan, zs) and sorts by
    # name_pinyin, so 艾 comes before 张 rather than in code point order.
    name_pinyin = models.CharField(
        _("name in pinyin"), max_length=pinyin.PINYIN_MAX_LENGTH, blank=True, default="", editable=False
    )
    name_initials = models.CharField(
        _("initials of the name"), max_length=pinyin.INITIALS_MAX_LENGTH, blank=True, default="", editable=False
    )
    # The newest Contact's ``at``, kept by Contact's writes (ContactQuerySet,
    # Contact.save/delete): sorting the roster by it walks an index instead of
    # looking up the last contact of every member of the branch.
    last_contact_at = models.DateTimeField(_("last contact"), null=True, blank=True, editable=False)
    left_home_on = models.DateField(_("left home on"), null=True, blank=True)
    emergency_contact = models.CharField(_("emergency contact"), max_length=50, blank=True)
    emergency_phone = models.CharField(_("emergency contact phone"), max_length=20, blank=True)
    in_hardship = models.BooleanField(_("in hardship"), default=False)
    hardship_note = models.TextField(_("hardship note"), blank=True)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.ACTIVE)
    transferred_out_on = models.DateField(_("transferred out on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["organization", "name_pinyin", "name"]
        indexes = [
            # political_birthdays_on(): WHERE joined_party_month = ? AND joined_party_day IN (?)
            models.Index(fields=["joined_party_month", "joined_party_day"], name="member_party_birthday_idx"),
            # roster lists: WHERE organization_id = ? AND state = ? ORDER BY name_pinyin, name
            models.Index(fields=["organization", "state", "name_pinyin", "name"], name="member_roster_idx"),
            # roster search: WHERE name_pinyin LIKE 'zhangs%' OR name_initials LIKE 'zs%'; the pattern
            # operator class lets PostgreSQL use them for LIKE (other databases ignore it).
            models.Index(fields=["name_pinyin"], opclasses=["varchar_pattern_ops"], name="member_pinyin_idx"),
            models.Index(fields=["name_initials"], opclasses=["varchar_pattern_ops"], name="member_initials_idx"),
            # roster sorted by joining date: WHERE organization_id = ? AND state = ? ORDER BY joined_party_on, …
            models.Index(
                fields=["organization", "state", "joined_party_on", "name_pinyin", "name", "id"],
                name="member_joined_order_idx",
            ),
            # roster search by a surname, one character: WHERE name LIKE '张%'
            models.Index(fields=["name"], opclasses=["varchar_pattern_ops"], name="member_name_prefix_idx"),
            # The roster sorted by last contact (NULLs first) has member_contact_order_idx,
            # created by migration 0006 in each database's syntax: see ORDER_COLUMNS there.
            # The substring search (name, phone, city, workplace) has trigram indexes on PostgreSQL,
            # created by migration 0005 only there: see TRIGRAM_INDEXES in that migration.
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        pinyin.fill(self)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, *PINYIN_FIELDS}
        if update_fields is None and not self._state.adding and not kwargs.get("force_insert"):
            # A member read before a contact was logged must not put the old
            # last contact back when saved: only Contact's writes set it.
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and not f.generated and f.name != "last_contact_at"
            ]
        super().save(*args, **kwargs)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number or "")

    def party_age(self, today: dt.date | None = None) -> int:
        """Whole years since joining the Party."""
        today = today or timezone.localdate()
        years = today.year - self.joined_party_on.year
        if (today.month, today.day) < (self.joined_party_on.month, self.joined_party_on.day):
            years -= 1
        return max(years, 0)

    def next_political_birthday(self, today: dt.date | None = None) -> dt.date:
        today = today or timezone.localdate()
        for year in (today.year, today.year + 1):
            candidate = anniversary(self.joined_party_on, year)
            if candidate >= today:
                return candidate
        raise AssertionError("unreachable")

    def clean(self) -> None:
        errors: dict[str, list[ValidationError]] = {}

        def add(field: str, message) -> None:
            errors.setdefault(field, []).append(ValidationError(message))

        if self.phone:
            # An invalid number is reported by the field validator.
            with contextlib.suppress(ValidationError):
                self.phone = normalize_phone(self.phone)
        if self.id_number:
            try:
                self.id_number = normalize_id_number(self.id_number)
            except ValidationError:
                self.id_number = self.id_number.strip().upper()
            else:
                embedded = id_birth_date(self.id_number)
                if self.birth_date is None:
                    self.birth_date = embedded
                elif embedded != self.birth_date:
                    add("id_number", _("The birth date in the ID number does not match the birth date."))
        else:
            self.id_number = None
        today = timezone.localdate()
        if self.birth_date and self.birth_date > today:
            add("birth_date", _("The birth date cannot be in the future."))
        if self.joined_party_on:
            if self.joined_party_on > today:
                add("joined_party_on", _("The date of joining the Party cannot be in the future."))
            if self.birth_date and self.joined_party_on <= self.birth_date:
                add("joined_party_on", _("The date of joining the Party must be after the birth date."))
            if self.full_member_on and self.full_member_on < self.joined_party_on:
                add("full_member_on", _("A member becomes full only after joining the Party."))
        if self.full_member_on and self.full_member_on > today:
            add("full_member_on", _("The date of becoming a full member cannot be in the future."))
        if self.status == self.Status.PROBATIONARY and self.full_member_on:
            add("status", _("A member with a date of becoming full is not probationary."))
        if self.organization_id:
            if self.organization.kind != Organization.Kind.BRANCH:
                add("organization", _("A member belongs to a Party branch."))
            if self.group_id and (
                self.group.kind != Organization.Kind.GROUP or self.group.parent_id != self.organization_id
            ):
                add("group", _("The group must be one of the member's branch's groups."))
        if self.state == self.State.TRANSFERRED_OUT and not self.transferred_out_on:
            self.transferred_out_on = today
        if errors:
            raise ValidationError(errors)


def anniversary(day: dt.date, year: int) -> dt.date:
    """The date's anniversary in ``year``; 29 February falls on 28 February in common years."""
    if day.month == 2 and day.day == 29 and not calendar.isleap(year):
        return dt.date(year, 2, 28)
    return day.replace(year=year)


def _new_invitation_code() -> str:
    # 8 characters without look-alikes (0/O, 1/I/L), easy to read out on the phone.
    alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
    return "".join(secrets.choice(alphabet) for _ in range(8))


class Invitation(models.Model):
    """A code that lets people not yet on a roster sign up for a branch."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("branch"), on_delete=models.CASCADE, related_name="invitations"
    )
    code = models.CharField(_("code"), max_length=16, unique=True, default=_new_invitation_code)
    max_uses = models.PositiveIntegerField(_("maximum uses"), default=1)
    uses = models.PositiveIntegerField(_("uses"), default=0)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.CheckConstraint(condition=models.Q(uses__lte=models.F("max_uses")), name="invitation_uses_le_max")
        ]

    def __str__(self) -> str:
        return self.code

    def is_usable(self, now: dt.datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.uses < self.max_uses and now < self.expires_at


class SignupRequest(models.Model):
    """A signup by someone not on a roster; waits for a secretary's approval."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="signup_request"
    )
    invitation = models.ForeignKey(
        Invitation, verbose_name=_("invitation"), on_delete=models.PROTECT, related_name="signup_requests"
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("branch"), on_delete=models.CASCADE, related_name="signup_requests"
    )
    name = models.CharField(_("real name"), max_length=50)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    reason = models.TextField(_("reason"), blank=True)
    member = models.ForeignKey(
        Member, verbose_name=_("member"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("signup request")
        verbose_name_plural = _("signup requests")
        ordering = ["-created_at"]
        indexes = [
            # approval queue: WHERE organization_id = ? AND status = 'pending'
            models.Index(fields=["organization", "status"], name="signup_queue_idx")
        ]

    def __str__(self) -> str:
        return self.name


def actor_field(verbose_name: str | None = None) -> models.ForeignKey:
    """Who did something; kept as history when the login is deleted."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name or _("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )


class MemberChange(models.Model):
    """The roster's audit log: who changed or looked at what, when, old → new."""

    class Action(models.TextChoices):
        CREATED = "created", _("Added")
        UPDATED = "updated", _("Changed")
        TRANSFERRED_OUT = "transferred_out", _("Transferred out")
        MOVED = "moved", _("Moved to another group")
        REVEALED = "revealed", _("Personal data revealed")
        EXPORTED = "exported", _("Exported with full personal data")
        IMPORTED = "imported", _("Imported")
        ACTIVATED = "activated", _("Account activated")

    member = models.ForeignKey(
        Member, verbose_name=_("member"), null=True, blank=True, on_delete=models.CASCADE, related_name="changes"
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    # {"field": [old, new], ...} as displayable strings
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("roster change")
        verbose_name_plural = _("roster changes")
        ordering = ["-at"]
        indexes = [
            # a member's history: WHERE member_id = ? ORDER BY at DESC
            models.Index(fields=["member", "-at"], name="change_member_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} · {self.member}"


def refresh_last_contacts(member_ids) -> None:
    """Set ``Member.last_contact_at`` of these members from their contacts, in one query."""
    ids = {pk for pk in member_ids if pk is not None}
    if not ids:
        return
    newest = Contact.objects.filter(member=OuterRef("pk")).order_by().values("member").annotate(at=Max("at"))
    Member.objects.filter(pk__in=ids).update(last_contact_at=Subquery(newest.values("at")))


class ContactQuerySet(models.QuerySet):
    # Every write of contacts goes through these or Contact.save/delete, so
    # Member.last_contact_at follows: recomputed from the rows, never
    # incremented, so a write out of order or a deletion leaves it right.
    def bulk_create(self, objs, *args, **kwargs):
        created = super().bulk_create(objs, *args, **kwargs)
        refresh_last_contacts(c.member_id for c in created)
        return created

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs = list(objs)
        updated = super().bulk_update(objs, fields, *args, **kwargs)
        if {"at", "member", "member_id"} & set(fields):
            refresh_last_contacts(c.member_id for c in objs)
        return updated

    def update(self, **kwargs):
        if not {"at", "member", "member_id"} & kwargs.keys():
            return super().update(**kwargs)
        rows = dict(self.values_list("pk", "member_id"))
        updated = super().update(**kwargs)
        moved_to = Contact.objects.filter(pk__in=rows).values_list("member_id", flat=True)
        refresh_last_contacts({*rows.values(), *moved_to})
        return updated

    def delete(self):
        member_ids = set(self.values_list("member_id", flat=True))
        deleted = super().delete()
        refresh_last_contacts(member_ids)
        return deleted


class Contact(models.Model):
    """联系制度: a secretary's contact with a member (call, visit, message)."""

    class Channel(models.TextChoices):
        CALL = "call", _("Phone call")
        VISIT = "visit", _("Visit")
        MESSAGE = "message", _("Message")

    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="contacts")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.CALL)
    note = models.TextField(_("note"), blank=True)

    objects = ContactQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-at"]
        indexes = [
            # last contact per member: WHERE member_id = ? ORDER BY at DESC
            models.Index(fields=["member", "-at"], name="contact_member_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.at:%Y-%m-%d}"

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        refresh_last_contacts({self.member_id, getattr(self, "_loaded_member_id", None)})
        self._loaded_member_id = self.member_id

    def delete(self, *args, **kwargs):
        member_id = self.member_id
        deleted = super().delete(*args, **kwargs)
        refresh_last_contacts({member_id})
        return deleted

    @classmethod
    def from_db(cls, db, field_names, values):
        contact = super().from_db(db, field_names, values)
        # An edit that moves the contact to another member refreshes both.
        contact._loaded_member_id = contact.__dict__.get("member_id")
        return contact


class Visit(models.Model):
    """走访帮扶: a visit to, or help given to, a member in hardship."""

    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="visits")
    visited_on = models.DateField(_("date"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    help_given = models.TextField(_("help given"))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=10, decimal_places=2, null=True, blank=True)
    next_visit_on = models.DateField(_("next visit"), null=True, blank=True)
    responsible = actor_field(_("responsible"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-visited_on"]
        indexes = [
            # visit reminders: WHERE next_visit_on <= ?
            models.Index(fields=["next_visit_on"], name="visit_next_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.visited_on}"


class RosterImport(models.Model):
    """An uploaded roster file on its way through preview and confirm."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("Previewed")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    organization = models.ForeignKey(
        Organization, verbose_name=_("branch"), on_delete=models.CASCADE, related_name="roster_imports"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    filename = models.CharField(_("file name"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PREVIEWED)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows done"), default=0)
    # {"create": n, "update": n, "unchanged": n} and row-level errors [{"row", "column", "message"}]
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("roster import")
        verbose_name_plural = _("roster imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.filename


class ActivationText(models.Model):
    """One invitation SMS to a member without a login: one row per member and day, sent at most once.

    The click only writes rows; a worker sends them. A row is claimed
    (queued → sending) before the gateway is called, so a redelivered task
    or a second worker never texts the same member twice, and a row whose
    worker died mid-send is given up rather than sent again.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="activation_texts"
    )
    day = models.DateField(_("date"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("at"), default=timezone.now)
    # Written in the requester's language when they click; the worker has no request.
    text = models.TextField(_("text"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    # A gateway error puts the row back with a later due time.
    due_at = models.DateTimeField(_("due at"), default=timezone.now)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("activation SMS")
        verbose_name_plural = _("activation SMS")
        constraints = [models.UniqueConstraint(fields=["member", "day"], name="activation_text_once_a_day")]
        indexes = [
            # the sweep: WHERE status = 'queued' AND due_at <= now
            models.Index(fields=["status", "due_at"], name="activation_text_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.day}"
