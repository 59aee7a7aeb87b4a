from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from members.models import Member


class Notification(models.Model):
    """通知: one message to one member in their inbox.

    ``key`` names what the message is about (e.g. ``remind:12:3:45``); it is
    unique, so a sweep run twice, or a task delivered twice, writes it once.
    """

    # A member may not have a login yet (they read it once they activate); a
    # secretary may have a login but no roster entry: exactly one is set.
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
    kind = models.CharField(_("kind"), max_length=30)
    key = models.CharField(_("key"), max_length=120, unique=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

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
                condition=models.Q(member__isnull=False, user__isnull=True)
                | models.Q(member__isnull=True, user__isnull=False),
                name="notification_one_recipient",
            )
        ]

    def __str__(self) -> str:
        return self.title
