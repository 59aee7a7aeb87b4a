"""One policy for everything people upload: photos, report attachments, evaluation evidence.

An upload is refused before it costs memory when it is too big, not of an
allowed type (by its structure, not its name or first bytes), or an image that
would expand into too many pixels. The pixel limit is one number for the whole
process, so no upload path silently overrides another's.

Every image is decoded and re-encoded from its pixels alone: what a phone
writes into a photo (GPS position, camera, XMP, ICC profile, comments) is
never stored, so it can never be served back.
"""

from __future__ import annotations

import io
import warnings
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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


# Attachments are often scans of documents: an A4 page at 300 dpi (3508 px)
# keeps its full size, while a 48-megapixel phone photo is brought down so the
# re-encoded file stays well under the attachment limit.
ATTACHMENT_IMAGE_MAX_SIDE = 4096
ATTACHMENT_IMAGE_QUALITY = 90

# Readers accept a PDF whose end-of-file marker is within the last kilobyte,
# and browsers sniff markup in about the first 512 bytes.
PDF_EOF_WINDOW = 1024
MARKUP_WINDOW = 1024
MARKUP = (b"<!doctype", b"<html", b"<head", b"<body", b"<script", b"<iframe", b"<svg")
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
DOCX_PARTS = frozenset({"[Content_Types].xml", "word/document.xml"})


def _is_pdf(upload) -> bool:
    """A PDF header, no web page in the first kilobyte, and an end-of-file marker at the end."""
    upload.seek(0)
    head = upload.read(MARKUP_WINDOW)
    if not head.startswith(b"%PDF-") or any(tag in head.lower() for tag in MARKUP):
        return False
    upload.seek(max(upload.size - PDF_EOF_WINDOW, 0))
    return b"%%EOF" in upload.read()


def _is_ole2(upload) -> bool:
    """The 512-byte header of a compound file (Word 97-2003), not only its first 8 bytes."""
    upload.seek(0)
    header = upload.read(512)
    if len(header) < 512 or not header.startswith(OLE2_SIGNATURE) or header[28:30] != b"\xfe\xff":
        return False
    major, sector_shift, mini_shift = (int.from_bytes(header[at : at + 2], "little") for at in (26, 30, 32))
    return (major, sector_shift) in {(3, 9), (4, 12)} and mini_shift == 6


def _is_docx(upload) -> bool:
    """A zip whose directory lists the parts of a Word document; nothing is decompressed."""
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return False
    return names >= DOCX_PARTS


@dataclass(frozen=True)
class FileType:
    content_type: str
    signatures: tuple[bytes, ...]
    # Images are re-encoded in this format; documents are checked by ``structure``.
    image_format: str | None = None
    structure: Callable[..., bool] | None = None


FILE_TYPES: dict[str, FileType] = {
    ".pdf": FileType("application/pdf", (b"%PDF-",), structure=_is_pdf),
    ".doc": FileType("application/msword", (OLE2_SIGNATURE,), structure=_is_ole2),
    ".docx": FileType(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",), structure=_is_docx
    ),
    ".jpg": FileType("image/jpeg", (b"\xff\xd8\xff",), image_format="JPEG"),
    ".jpeg": FileType("image/jpeg", (b"\xff\xd8\xff",), image_format="JPEG"),
    ".png": FileType("image/png", (b"\x89PNG\r\n\x1a\n",), image_format="PNG"),
}
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024


def content_type_of(name: str) -> str:
    """The type a stored upload is served as; anything unknown is a plain download."""
    file_type = FILE_TYPES.get(PurePath(name).suffix.lower())
    return file_type.content_type if file_type else "application/octet-stream"


def clean_attachment(upload: UploadedFile) -> UploadedFile | ContentFile:
    """The file to store for a report attachment or an evidence file, or ValidationError.

    Refused: too big, of another type, a document whose structure is not what
    its name says, or an image that does not open (or is a bomb). An image is
    returned re-encoded, upright and without EXIF, GPS, XMP, ICC or comments,
    under the same name; a document is returned as it was.
    """
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
    if file_type.image_format is not None:
        return _clean_attachment_image(upload, file_type.image_format)
    try:
        is_what_it_says = file_type.structure is None or file_type.structure(upload)
    finally:
        upload.seek(0)
    if not is_what_it_says:
        raise ValidationError(_("The file is damaged or is not the type its name says."), code="damaged")
    return upload


def _clean_attachment_image(upload: UploadedFile, image_format: str) -> ContentFile:
    try:
        image = _open_upright(upload, (image_format,), ATTACHMENT_IMAGE_MAX_SIDE)
    except _Unreadable as error:
        raise ValidationError(_("The image is damaged or too large to open."), code="bad_image") from error
    image.thumbnail((ATTACHMENT_IMAGE_MAX_SIDE, ATTACHMENT_IMAGE_MAX_SIDE), Image.Resampling.LANCZOS)
    if image_format == "PNG":
        # Screenshots and scans stay lossless, and keep a transparent background.
        data = _encode(_pixels_only(image, for_png=True), "PNG")
    else:
        data = _encode(_pixels_only(image), "JPEG", quality=ATTACHMENT_IMAGE_QUALITY, optimize=True)
    return ContentFile(data, name=upload.name)


class _Unreadable(Exception):
    """An image upload that cannot be decoded safely; ``code`` says why."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@contextmanager
def _opened(uploaded_file, formats: tuple[str, ...]) -> Iterator[Image.Image]:
    """The image with only its header read and the pixel limit checked; raises _Unreadable.

    Errors raised while the caller decodes inside the block are translated
    too, so every image upload goes through one pixel limit and one set of
    decoders: check-in photos, attachments and evidence alike.
    """
    uploaded_file.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(uploaded_file, formats=formats) as image:
                width, height = image.size
                # Checked here as well as by Pillow, so the limit holds even if
                # something else in the process changes MAX_IMAGE_PIXELS.
                if width * height > MAX_PIXELS:
                    raise _Unreadable("too_many_pixels")
                yield image
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _Unreadable("too_many_pixels") from None
    except (UnidentifiedImageError, SyntaxError):
        raise _Unreadable("not_an_image") from None
    except (OSError, ValueError, EOFError):
        # Truncated or corrupt data surfaces as OSError ("image file is truncated") on load.
        raise _Unreadable("damaged") from None
    finally:
        uploaded_file.seek(0)


def draft_size(size: tuple[int, int], max_side: int) -> tuple[int, int]:
    """The size the image will have once it fits in ``max_side`` by ``max_side``, rounded up.

    A JPEG draft picks the largest scale (1/2, 1/4, 1/8) that stays at least
    this size on both sides, so asking for the final size itself, not a
    square, is what lets a 4:3 photo decode at a fraction of its pixels.
    """
    width, height = size
    longest = max(width, height)
    if longest <= max_side:
        return size
    # Integer ceiling: rounding down could ask for a pixel less than the thumbnail keeps.
    return -(-width * max_side // longest), -(-height * max_side // longest)


def _open_upright(uploaded_file, formats: tuple[str, ...], max_side: int) -> Image.Image:
    """The decoded pixels, at the smallest JPEG scale still at least ``max_side``, turned as the camera said."""
    with _opened(uploaded_file, formats) as image:
        if image.format == "JPEG":
            image.draft("RGB", draft_size(image.size, max_side))
        image.load()
        return ImageOps.exif_transpose(image)


def _pixels_only(image: Image.Image, for_png: bool = False) -> Image.Image:
    """A fresh image with the pixels and nothing else: RGB, or for a PNG also RGBA or grey.

    A new image has an empty info dict: no EXIF, GPS, XMP, ICC or comment can
    ride along into the saved file, whatever the encoder would copy.
    """
    if for_png and (image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info):
        pixels = image.convert("RGBA")
    elif for_png and image.mode in ("1", "L"):
        pixels = image.convert("L")
    else:
        pixels = _flatten(image)
    clean = Image.new(pixels.mode, pixels.size)
    clean.paste(pixels)
    return clean


def _encode(image: Image.Image, image_format: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, format=image_format, **options)
    return out.getvalue()


PHOTO_MESSAGES = {
    "too_many_pixels": _("The photo has too many pixels."),
    "not_an_image": _("This file is not a JPEG, PNG or WebP photo."),
    "damaged": _("The photo is damaged or incomplete."),
}


def check_photo(uploaded_file: UploadedFile) -> UploadedFile:
    """The upload itself once its size, format and pixel count pass; only the header is read.

    Raises ValidationError with a message for the member when the file is too
    big, not a JPEG, PNG or WebP image, or a decompression bomb. What only a
    full decode finds (a truncated file) is left to ``clean_photo``.
    """
    if uploaded_file.size is not None and uploaded_file.size > PHOTO_MAX_BYTES:
        raise ValidationError(_("The photo is larger than 8 MB."), code="too_big")
    try:
        with _opened(uploaded_file, PHOTO_FORMATS):
            pass
    except _Unreadable as error:
        raise ValidationError(PHOTO_MESSAGES[error.code], code=error.code) from None
    return uploaded_file


def clean_photo(uploaded_file: UploadedFile) -> ContentFile:
    """Validate an uploaded photo and return it upright, at most 1600 px, as a metadata-free JPEG.

    Raises ValidationError with a message for the member when the file is too
    big, not an image, truncated, or a decompression bomb.
    """
    check_photo(uploaded_file)
    try:
        upright = _open_upright(uploaded_file, PHOTO_FORMATS, PHOTO_MAX_SIDE)
    except _Unreadable as error:
        raise ValidationError(PHOTO_MESSAGES[error.code], code=error.code) from None
    upright.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE), Image.Resampling.LANCZOS)
    data = _encode(_pixels_only(upright), "JPEG", quality=PHOTO_QUALITY, optimize=True)
    return ContentFile(data, name="photo.jpg")


def _flatten(image: Image.Image) -> Image.Image:
    """RGB pixels; transparent areas become white rather than black."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")
