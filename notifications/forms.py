from __future__ import annotations

from urllib.parse import urlsplit

from django import forms
from django.utils.translation import gettext_lazy as _

from branches.widgets import TimeInput

from . import wecom_app
from .models import BranchChannels, MemberChannels, MessageTemplate
from .services import unknown_placeholders

# The robot's server posts to this host only: a webhook elsewhere would let a
# form make our server send requests to any address.
WECOM_HOST = "qyapi.weixin.qq.com"


class MemberChannelsForm(forms.ModelForm):
    class Meta:
        model = MemberChannels
        fields = ["sms", "email", "wecom_app"]
        labels = {
            "sms": _("Also send me notices by SMS"),
            "email": _("Also send me notices by email"),
            "wecom_app": _("Also send me notices as WeCom messages"),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Only a member whom WeCom messages can reach has the choice: the site has the app, and
        # the branch recorded the member's WeCom user id.
        if not (wecom_app.configured() and self.instance.wecom_userid):
            del self.fields["wecom_app"]


class BranchChannelsForm(forms.ModelForm):
    # Never rendered with its value: the saved webhook is a secret.
    webhook = forms.URLField(
        assume_scheme="https",
        label=_("WeCom group robot webhook"),
        required=False,
        max_length=500,
        help_text=_("Leave empty to keep the saved webhook."),
        widget=forms.URLInput(attrs={"autocomplete": "off"}),
    )
    remove_webhook = forms.BooleanField(label=_("Remove the WeCom group robot"), required=False)

    class Meta:
        model = BranchChannels
        fields = ["quiet_from", "quiet_until", "sms_enabled", "email_enabled"]
        widgets = {
            "quiet_from": TimeInput(),
            "quiet_until": TimeInput(),
        }

    def clean_webhook(self) -> str:
        url = self.cleaned_data["webhook"].strip()
        if url:
            parts = urlsplit(url)
            if parts.scheme != "https" or parts.hostname != WECOM_HOST or "key=" not in parts.query:
                raise forms.ValidationError(
                    _("Paste the robot's webhook address, https://%(host)s/…?key=…") % {"host": WECOM_HOST}
                )
        return url

    def save(self, commit: bool = True) -> BranchChannels:
        channels = super().save(commit=False)
        if self.cleaned_data.get("remove_webhook"):
            channels.wecom_webhook = ""
        elif self.cleaned_data.get("webhook"):
            channels.wecom_webhook = self.cleaned_data["webhook"]
        if commit:
            channels.save()
        return channels


class MessageTemplateForm(forms.ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ["title", "body"]
        labels = {"title": _("Title"), "body": _("Text")}
        help_texts = {"body": _("Leave empty to keep the built-in text.")}

    def __init__(self, *args, kind: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind

    def _check(self, field: str) -> str:
        text = self.cleaned_data[field]
        try:
            unknown = unknown_placeholders(self.kind, text)
        except ValueError:
            raise forms.ValidationError(
                _("Braces must come in pairs around a placeholder, like {title}; write {{ or }} for a brace.")
            ) from None
        if unknown:
            raise forms.ValidationError(
                _("Unknown placeholder: %(names)s") % {"names": ", ".join("{" + name + "}" for name in unknown)}
            )
        return text

    def clean_title(self) -> str:
        return self._check("title")

    def clean_body(self) -> str:
        return self._check("body")
