from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .delivery import resend
from .models import BranchChannels, Delivery, MemberChannels, MessageTemplate, Notification
from .transports import mask_webhook


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "member", "user", "organization", "created_at", "read_at"]
    list_filter = ["kind"]
    search_fields = ["title", "key", "member__name"]
    list_select_related = ["member", "user", "organization"]
    raw_id_fields = ["member", "user", "organization"]
    readonly_fields = ["key", "created_at"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["notification", "channel", "status", "due_at", "attempts", "sent_at"]
    list_filter = ["channel", "status"]
    search_fields = ["notification__key"]
    list_select_related = ["notification"]
    raw_id_fields = ["notification"]
    readonly_fields = ["created_at", "sent_at"]
    actions = ["resend"]

    @admin.action(description=_("Re-send the failed deliveries"))
    def resend(self, request, queryset):
        count = resend(queryset)
        self.message_user(request, _("%(count)d deliveries queued again.") % {"count": count})


@admin.register(MemberChannels)
class MemberChannelsAdmin(admin.ModelAdmin):
    list_display = ["member", "sms", "email"]
    list_filter = ["sms", "email"]
    search_fields = ["member__name"]
    list_select_related = ["member"]
    raw_id_fields = ["member"]


class BranchChannelsForm(forms.ModelForm):
    # The saved webhook is a secret: shown masked, kept when the field is left empty.
    wecom_webhook = forms.URLField(
        assume_scheme="https",
        label=_("WeCom group robot webhook"),
        required=False,
        max_length=500,
        help_text=_("Leave empty to keep the saved webhook."),
    )

    class Meta:
        model = BranchChannels
        fields = ["organization", "quiet_from", "quiet_until", "sms_enabled", "email_enabled", "wecom_webhook"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.initial["wecom_webhook"] = ""

    def clean_wecom_webhook(self) -> str:
        return self.cleaned_data["wecom_webhook"] or (self.instance.wecom_webhook if self.instance.pk else "")


@admin.register(BranchChannels)
class BranchChannelsAdmin(admin.ModelAdmin):
    form = BranchChannelsForm
    list_display = ["organization", "quiet_from", "quiet_until", "sms_enabled", "email_enabled", "robot"]
    list_select_related = ["organization"]
    raw_id_fields = ["organization"]
    readonly_fields = ["robot"]

    @admin.display(description=_("WeCom group robot"))
    def robot(self, obj: BranchChannels) -> str:
        return mask_webhook(obj.wecom_webhook)


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ["kind", "language", "organization", "title", "updated_at"]
    list_filter = ["kind", "language"]
    search_fields = ["title", "organization__name"]
    list_select_related = ["organization"]
    raw_id_fields = ["organization"]
