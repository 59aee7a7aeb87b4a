from __future__ import annotations

import uuid
import warnings
from pathlib import PurePath

from django import forms
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image

from .models import Report

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# Extension → the bytes such a file starts with. The name alone proves nothing:
# a renamed executable or HTML page must not be stored as a "report".
ATTACHMENT_SIGNATURES = {
    ".pdf": (b"%PDF-",),
    ".doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    ".docx": (b"PK\x03\x04",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
}
ATTACHMENT_CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
}
IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png"}
# A phone photo is about 12-50 megapixels; far more is a decompression bomb.
MAX_IMAGE_PIXELS = 60_000_000


class ReportForm(forms.ModelForm):
    class Meta:
        model = Report
        fields = ["kind", "title", "body", "attachment"]
        widgets = {
            "body": forms.Textarea(attrs={"rows": 8}),
            "attachment": forms.ClearableFileInput(attrs={"accept": ",".join(ATTACHMENT_SIGNATURES)}),
        }
        help_texts = {"attachment": _("Optional: PDF, Word (DOC, DOCX), JPG or PNG, at most 10 MB.")}

    def clean_attachment(self):
        upload = self.cleaned_data.get("attachment")
        if not upload:
            return upload
        check_attachment(upload)
        # The stored name is random: it never carries the member's own file name
        # (often their name) and cannot be guessed.
        upload.name = f"{uuid.uuid4().hex}{PurePath(upload.name).suffix.lower()}"
        return upload


def check_attachment(upload) -> None:
    """Refuse a file that is too big, of another type, or an image that is not one (or a bomb)."""
    if upload.size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            _("The file is %(size)s; attachments may be at most 10 MB."),
            code="too_big",
            params={"size": filesizeformat(upload.size)},
        )
    extension = PurePath(upload.name).suffix.lower()
    signatures = ATTACHMENT_SIGNATURES.get(extension)
    wrong_type = ValidationError(
        _("Attach a PDF, Word (DOC or DOCX), JPG or PNG file."),
        code="wrong_type",
    )
    if signatures is None:
        raise wrong_type
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not head.startswith(signatures):
        raise wrong_type
    if extension in IMAGE_EXTENSIONS:
        _check_image(upload)


def _check_image(upload) -> None:
    not_an_image = ValidationError(_("The image is damaged or too large to open."), code="bad_image")
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its limit and twice the limit.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                if image.width * image.height > MAX_IMAGE_PIXELS:
                    raise not_an_image
                image.verify()
    except ValidationError:
        raise
    except Exception as error:  # Pillow raises many types for a broken file
        raise not_an_image from error
    finally:
        upload.seek(0)


class ReplyForm(forms.Form):
    reply = forms.CharField(label=_("Reply"), widget=forms.Textarea(attrs={"rows": 5}), max_length=5000)
