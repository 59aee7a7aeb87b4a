"""Check-in photos: accept what phones send, keep only the pixels.

A photo from a phone carries its GPS position in EXIF; the branch needs the
picture, not where a member lives, so everything but the pixels is dropped by
copying them into a fresh image. Anything that is not a plain, complete
JPEG, PNG or WebP of a sane size is refused before it costs memory.
"""

from __future__ import annotations

import io
import warnings

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 8 * 1024 * 1024
# A 48-megapixel phone photo still passes; a crafted file that would expand to
# gigabytes in memory does not. Pillow raises above twice this value and only
# warns between once and twice, so the warning is made an error below too.
MAX_PIXELS = 40_000_000
MAX_SIDE = 1600
QUALITY = 82
FORMATS = ("JPEG", "PNG", "WEBP")

# Process-wide on purpose: any other Image.open in this process gets the same limit.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


def clean_photo(uploaded_file: UploadedFile) -> ContentFile:
    """Validate an uploaded photo and return it upright, at most 1600 px, as a metadata-free JPEG.

    Raises ValidationError with a message for the member when the file is too
    big, not an image, truncated, or a decompression bomb.
    """
    if uploaded_file.size is not None and uploaded_file.size > MAX_BYTES:
        raise ValidationError(_("The photo is larger than 8 MB."), code="too_big")
    uploaded_file.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(uploaded_file, formats=FORMATS) as image:
                width, height = image.size
                # Checked here as well as by Pillow, so the limit holds even if
                # something else in the process changes MAX_IMAGE_PIXELS.
                if width * height > MAX_PIXELS:
                    raise ValidationError(_("The photo has too many pixels."), code="too_many_pixels")
                if image.format == "JPEG":
                    # Decode at reduced scale when the JPEG is much larger than we keep.
                    image.draft("RGB", (MAX_SIDE, MAX_SIDE))
                image.load()
                upright = ImageOps.exif_transpose(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(_("The photo has too many pixels."), code="too_many_pixels") from None
    except (UnidentifiedImageError, SyntaxError):
        raise ValidationError(_("This file is not a JPEG, PNG or WebP photo."), code="not_an_image") from None
    except (OSError, ValueError, EOFError):
        # Truncated or corrupt data surfaces as OSError ("image file is truncated") on load.
        raise ValidationError(_("The photo is damaged or incomplete."), code="damaged") from None

    upright.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    pixels = _flatten(upright)
    # A fresh image has an empty info dict: no EXIF, GPS, XMP, ICC or comment
    # can ride along into the saved file.
    clean = Image.new("RGB", pixels.size)
    clean.paste(pixels)
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=QUALITY, optimize=True)
    return ContentFile(out.getvalue(), name="photo.jpg")


def _flatten(image: Image.Image) -> Image.Image:
    """RGB pixels; transparent areas become white rather than black."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")
