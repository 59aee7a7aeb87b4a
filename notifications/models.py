import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from branches.models import Organization
from members.models import Member

from .wordings import render, reword


class Notification(models.Model):
    """通知: one message to one member in their inbox.

    ``key`` names what the message is about (e.g. ``remind:12:3:45``); it is
    unique, so a sweep run twice, or a task delivered twice, writes it once.
    """

    # A member may not have a login yet (they read it once they activate); a
    # secretary may have a login but no roster entry; a group notice (the
    # WeCom robot's summary) is addressed to a branch or group: exactly one is set.
    member = models.ForeignKey(
        Member, verbose_name=_("member"), null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("branch or group"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="group_notifications",
    )
    kind = models.CharField(_("kind"), max_length=30)
    key = models.CharField(_("key"), max_length=120, unique=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # What the notice says, unrendered: {"wording": name, "params": {...}}
    # (``notifications.wordings``), so each reader sees it in their own
    # language. ``title`` and ``body`` are its rendering in the site's
    # language: what SMS, email and the robot carry, and all that notices
    # written before this field have.
    message = models.JSONField(_("message"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [
            # inbox: WHERE member_id = ? (or user_id = ?) ORDER BY created_at DESC
            models.Index(fields=["member", "-created_at"], name="inbox_member_idx"),
            models.Index(fields=["user", "-created_at"], name="inbox_user_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(member__isnull=False, user__isnull=True, organization__isnull=True)
                | models.Q(member__isnull=True, user__isnull=False, organization__isnull=True)
                | models.Q(member__isnull=True, user__isnull=True, organization__isnull=False),
                name="notification_one_recipient",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @cached_property
    def _shown(self) -> tuple[str, str]:
        rendered = render(self.message)
        if rendered is None:
            return self.title, self.body
        title, body = rendered
        # Annotated by ``services.with_templates``; only notices to a roster
        # entry are reworded, as when they were sent.
        template_title = getattr(self, "template_title", None)
        if self.member_id is not None and template_title:
            title, body = reword(
                template_title,
                getattr(self, "template_body", "") or "",
                title,
                body,
                branch=getattr(self, "branch_name", "") or "",
            )
        return title, body

    @property
    def shown_title(self) -> str:
        """The title in the active language (the stored one for older notices)."""
        return self._shown[0]

    @property
    def shown_body(self) -> str:
        """The text in the active language (the stored one for older notices)."""
        return self._shown[1]


class Channel(models.TextChoices):
    """Ways out besides the inbox, which every notice always reaches."""

    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")
    WECOM = "wecom", _("WeCom group robot")
    # An application message from the organization's WeCom (企业微信) to one member.
    WECOM_APP = "wecom_app", _("WeCom message")


class Delivery(models.Model):
    """One notice sent over one channel: queued, sent, or failed with the error."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    class FinalStatus(models.TextChoices):
        DELIVERED = "delivered", _("Delivered")
        UNDELIVERED = "failed", _("Not delivered")

    notification = models.ForeignKey(
        Notification, verbose_name=_("notification"), on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    # Quiet hours: a non-urgent SMS waits until this moment; a sweep picks it up.
    due_at = models.DateTimeField(_("due at"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # What the SMS provider said afterwards: its id of the message (Aliyun BizId,
    # Tencent SerialNo) and, once its delivery receipt came, whether the phone got it.
    # Deliveries are written by INSERT … SELECT naming only the columns it fills: the database fills these.
    provider_message_id = models.CharField(
        _("provider's message id"), max_length=64, blank=True, default="", db_default=""
    )
    final_status = models.CharField(
        _("delivery receipt"), max_length=10, choices=FinalStatus.choices, blank=True, default="", db_default=""
    )
    receipt_at = models.DateTimeField(_("receipt at"), null=True, blank=True)
    receipt_error = models.CharField(_("provider's reason"), max_length=200, blank=True, default="", db_default="")

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [models.UniqueConstraint(fields=["notification", "channel"], name="delivery_once_per_channel")]
        indexes = [
            # delivery sweep: WHERE status = 'queued' AND due_at <= now
            models.Index(fields=["status", "due_at"], name="delivery_due_idx"),
            # SMS delivery receipts: WHERE channel = 'sms' AND provider_message_id = ?
            models.Index(fields=["provider_message_id"], name="delivery_provider_id_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} · {self.notification}"


class MemberChannels(models.Model):
    """A member's choice of channels; the inbox cannot be turned off."""

    member = models.OneToOneField(
        Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="channel_settings"
    )
    sms = models.BooleanField(_("SMS"), default=True)
    email = models.BooleanField(_("email"), default=True)
    wecom_app = models.BooleanField(_("WeCom message"), default=True)
    # The member's user id in the organization's WeCom, set by the branch's secretary; shown masked.
    # Empty: WeCom messages do not reach the member.
    wecom_userid = models.CharField(_("WeCom user ID"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("member's channels")
        verbose_name_plural = _("members' channels")

    def __str__(self) -> str:
        return str(self.member)


class BranchChannels(models.Model):
    """A branch's or group's channels: quiet hours and its WeCom group robot."""

    organization = models.OneToOneField(
        Organization, verbose_name=_("organization"), on_delete=models.CASCADE, related_name="channel_settings"
    )
    quiet_from = models.TimeField(_("quiet hours from"), default=dt.time(22, 0))
    quiet_until = models.TimeField(_("quiet hours until"), default=dt.time(7, 0))
    sms_enabled = models.BooleanField(_("send SMS"), default=True)
    email_enabled = models.BooleanField(_("send email"), default=True)
    # A secret: never shown whole after saving, never logged.
    wecom_webhook = models.URLField(_("WeCom group robot webhook"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("branch channels")
        verbose_name_plural = _("branch channels")

    def __str__(self) -> str:
        return str(self.organization)


class MessageTemplate(models.Model):
    """A secretary's wording for one kind of notice in one language; placeholders in {braces}."""

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="message_templates",
        help_text=_("Empty for the site-wide default."),
    )
    kind = models.CharField(_("kind"), max_length=30)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        constraints = [
            models.UniqueConstraint(fields=["organization", "kind", "language"], name="template_once_per_language")
        ]

    def __str__(self) -> str:
        return f"{self.kind} ({self.language})"


class Greeting(models.Model):
    """政治生日: one greeting per member per year, never two."""

    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="greetings")
    year = models.PositiveSmallIntegerField(_("year"))
    anniversary = models.DateField(_("anniversary"))
    party_age = models.PositiveSmallIntegerField(_("party age"))
    personal_line = models.CharField(
        _("personal line"), max_length=120, blank=True, help_text=_("A line from the secretary, printed on the card.")
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    days_late = models.PositiveSmallIntegerField(_("days late"), default=0)
    card = models.ImageField(_("card"), upload_to="cards/%Y/", blank=True)

    class Meta:
        verbose_name = _("greeting")
        verbose_name_plural = _("greetings")
        constraints = [models.UniqueConstraint(fields=["member", "year"], name="greeting_once_per_year")]
        indexes = [
            # upcoming birthdays page and the card worker: WHERE anniversary BETWEEN ? AND ?
            models.Index(fields=["anniversary"], name="greeting_anniversary_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.year}"
