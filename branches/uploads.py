"""One policy for everything people upload: photos, report attachments, evaluation evidence.

An upload is refused before it costs memory when it is too big, not of an
allowed type (by its structure, not its name), or an image that would expand
into too many pixels. The pixel limit is one number for the whole process, so
no upload path silently overrides another's.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

# A 48-megapixel phone photo still passes; a crafted file that would expand to
# gigabytes in memory does not. Pillow raises above twice this value and only
# warns between once and twice, so the warning is made an error below too.
MAX_PIXELS = 50_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

PHOTO_MAX_BYTES = 8 * 1024 * 1024
PHOTO_MAX_SIDE = 1600
PHOTO_QUALITY = 82
PHOTO_FORMATS = ("JPEG", "PNG", "WEBP")


@dataclass(frozen=True)
class FileType:
    content_type: str
    signatures: tuple[bytes, ...]
    is_image: bool = False


FILE_TYPES: dict[str, FileType] = {
    ".pdf": FileType("application/pdf", (b"%PDF-",)),
    ".doc": FileType("application/msword", (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)),
    ".docx": FileType("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
    ".jpg": FileType("image/jpeg", (b"\xff\xd8\xff",), is_image=True),
    ".jpeg": FileType("image/jpeg", (b"\xff\xd8\xff",), is_image=True),
    ".png": FileType("image/png", (b"\x89PNG\r\n\x1a\n",), is_image=True),
}
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024


def content_type_of(name: str) -> str:
    """The type a stored upload is served as; anything unknown is a plain download."""
    file_type = FILE_TYPES.get(PurePath(name).suffix.lower())
    return file_type.content_type if file_type else "application/octet-stream"


def check_attachment(upload) -> None:
    """Refuse a file that is too big, of another type, or an image that is not one (or a bomb)."""
    if upload.size > ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            _("The file is %(size)s; attachments may be at most 10 MB."),
            code="too_big",
            params={"size": filesizeformat(upload.size)},
        )
    file_type = FILE_TYPES.get(PurePath(upload.name).suffix.lower())
    wrong_type = ValidationError(_("Attach a PDF, Word (DOC or DOCX), JPG or PNG file."), code="wrong_type")
    if file_type is None:
        raise wrong_type
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not head.startswith(file_type.signatures):
        raise wrong_type
    if file_type.is_image:
        _check_image(upload)


def _check_image(upload) -> None:
    not_an_image = ValidationError(_("The image is damaged or too large to open."), code="bad_image")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise not_an_image
                image.verify()
    except ValidationError:
        raise
    except Exception as error:  # Pillow raises many types for a broken file
        raise not_an_image from error
    finally:
        upload.seek(0)


def clean_photo(uploaded_file: UploadedFile) -> ContentFile:
    """Validate an uploaded photo and return it upright, at most 1600 px, as a metadata-free JPEG.

    Raises ValidationError with a message for the member when the file is too
    big, not an image, truncated, or a decompression bomb.
    """
    if uploaded_file.size is not None and uploaded_file.size > PHOTO_MAX_BYTES:
        raise ValidationError(_("The photo is larger than 8 MB."), code="too_big")
    uploaded_file.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(uploaded_file, formats=PHOTO_FORMATS) as image:
                width, height = image.size
                # Checked here as well as by Pillow, so the limit holds even if
                # something else in the process changes MAX_IMAGE_PIXELS.
                if width * height > MAX_PIXELS:
                    raise ValidationError(_("The photo has too many pixels."), code="too_many_pixels")
                if image.format == "JPEG":
                    # Decode at reduced scale when the JPEG is much larger than we keep.
                    image.draft("RGB", (PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
                image.load()
                upright = ImageOps.exif_transpose(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(_("The photo has too many pixels."), code="too_many_pixels") from None
    except (UnidentifiedImageError, SyntaxError):
        raise ValidationError(_("This file is not a JPEG, PNG or WebP photo."), code="not_an_image") from None
    except (OSError, ValueError, EOFError):
        # Truncated or corrupt data surfaces as OSError ("image file is truncated") on load.
        raise ValidationError(_("The photo is damaged or incomplete."), code="damaged") from None

    upright.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE), Image.Resampling.LANCZOS)
    pixels = _flatten(upright)
    # A fresh image has an empty info dict: no EXIF, GPS, XMP, ICC or comment
    # can ride along into the saved file.
    clean = Image.new("RGB", pixels.size)
    clean.paste(pixels)
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=PHOTO_QUALITY, optimize=True)
    return ContentFile(out.getvalue(), name="photo.jpg")


def _flatten(image: Image.Image) -> Image.Image:
    """RGB pixels; transparent areas become white rather than black."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")
