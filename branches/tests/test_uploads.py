"""The upload policy: images come back without what the camera wrote, documents must be what they say."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from branches import uploads

# What a phone writes into a photo taken at someone's home.
CAMERA = b"Canon EOS 5D"
COMMENT = b"zhangsan-home-comment"
XMP = b"<x:xmpmeta>secret-xmp-location</x:xmpmeta>"
ICC = b"FAKE-ICC-PROFILE" * 8
GPS_LATITUDE = (39.0, 54.0, 27.0)
GPS_IFD = 0x8825
ORIENTATION = 0x0112

REAL_PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\nstartxref\n0\n%%EOF\n"
FAKE_PDF_NO_TRAILER = b"%PDF-<html><script>alert(document.cookie)</script></html>"
FAKE_PDF_HTML = b"%PDF-1.7\n<!DOCTYPE html><html><body><script>alert(1)</script></body></html>\n%%EOF\n"


def camera_exif(orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "Canon"  # Make
    exif[0x0110] = CAMERA.decode()  # Model
    if orientation:
        exif[ORIENTATION] = orientation
    gps = exif.get_ifd(GPS_IFD)
    gps[1], gps[2], gps[3], gps[4] = "N", GPS_LATITUDE, "E", (116.0, 23.0, 17.0)
    return exif


def two_colour_image(size=(64, 48), mode="RGB") -> Image.Image:
    """Red on the left, blue on the right, so a rotation is visible."""
    image = Image.new(mode, size, "red")
    image.paste(Image.new(mode, (size[0] // 2, size[1]), "blue"), (size[0] // 2, 0))
    return image


def jpeg_with_gps(size=(64, 48), orientation: int | None = None) -> bytes:
    out = io.BytesIO()
    two_colour_image(size).save(
        out, "JPEG", exif=camera_exif(orientation), comment=COMMENT, icc_profile=ICC, xmp=XMP, quality=95
    )
    data = out.getvalue()
    # The sample really carries what it should: otherwise the tests below prove nothing.
    with Image.open(io.BytesIO(data)) as check:
        assert check.getexif().get_ifd(GPS_IFD)[2] == GPS_LATITUDE
    assert CAMERA in data and COMMENT in data and b"secret-xmp" in data
    return data


def png_with_tags(size=(40, 30), mode="RGBA") -> bytes:
    info = PngInfo()
    info.add_text("Author", "张三")
    info.add_text("Location", "zhangsan-home-comment")
    out = io.BytesIO()
    two_colour_image(size, mode).save(out, "PNG", pnginfo=info, exif=camera_exif(), icc_profile=ICC)
    data = out.getvalue()
    assert COMMENT in data and CAMERA in data
    return data


def assert_no_metadata(data: bytes) -> Image.Image:
    """No EXIF (so no GPS), XMP, ICC or comment in the bytes that are stored and served."""
    for trace in (CAMERA, b"Canon", COMMENT, b"secret-xmp", b"FAKE-ICC", b"Exif\x00\x00", "张三".encode()):
        assert trace not in data
    image = Image.open(io.BytesIO(data))
    assert not image.getexif()
    assert not image.getexif().get_ifd(GPS_IFD)
    for key in ("exif", "icc_profile", "comment", "xmp", "XML:com.adobe.xmp", "Author", "Location"):
        assert key not in image.info
    return image


def docx_bytes(parts=("[Content_Types].xml", "word/_rels/document.xml.rels", "word/document.xml")) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in parts:
            archive.writestr(part, "<?xml version='1.0'?><x/>")
    return out.getvalue()


def doc_bytes() -> bytes:
    """The 512-byte header of a version 3 compound file, as Word 97-2003 writes, and one sector."""
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    header[24:26] = (0x3E).to_bytes(2, "little")  # minor version
    header[26:28] = (3).to_bytes(2, "little")  # major version
    header[28:30] = b"\xfe\xff"  # byte order
    header[30:32] = (9).to_bytes(2, "little")  # 512-byte sectors
    header[32:34] = (6).to_bytes(2, "little")  # 64-byte mini sectors
    return bytes(header) + b"\0" * 512


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def cleaned_bytes(cleaned) -> bytes:
    cleaned.seek(0)
    return cleaned.read()


# --- images ---------------------------------------------------------------------------------


def test_a_jpeg_attachment_is_re_encoded_without_gps_camera_xmp_icc_or_comment():
    cleaned = uploads.clean_attachment(upload("张三家.jpg", jpeg_with_gps()))
    image = assert_no_metadata(cleaned_bytes(cleaned))
    assert image.format == "JPEG"
    assert image.size == (64, 48)
    assert cleaned.name == "张三家.jpg"


def test_a_png_attachment_stays_a_png_without_text_exif_or_icc_and_keeps_transparency():
    data = png_with_tags()
    with Image.open(io.BytesIO(data)) as original:
        assert original.info.get("Author") == "张三"
    image = assert_no_metadata(cleaned_bytes(uploads.clean_attachment(upload("scan.PNG", data))))
    assert image.format == "PNG"
    assert image.mode == "RGBA"


def test_the_camera_orientation_is_applied_to_the_pixels_and_the_tag_dropped():
    # Orientation 6: the camera was turned, the viewer rotates 90° clockwise.
    cleaned = uploads.clean_attachment(upload("p.jpg", jpeg_with_gps((64, 48), orientation=6)))
    image = assert_no_metadata(cleaned_bytes(cleaned))
    assert image.size == (48, 64)
    rgb = image.convert("RGB")
    # The left half (red) is now on top, the right half (blue) below.
    assert rgb.getpixel((24, 4))[0] > 200 and rgb.getpixel((24, 60))[2] > 200


def test_a_huge_scan_is_kept_readable_but_bounded():
    out = io.BytesIO()
    Image.new("L", (uploads.ATTACHMENT_IMAGE_MAX_SIDE + 900, 300), 255).save(out, "PNG")
    image = Image.open(io.BytesIO(cleaned_bytes(uploads.clean_attachment(upload("wide.png", out.getvalue())))))
    assert max(image.size) == uploads.ATTACHMENT_IMAGE_MAX_SIDE


def test_a_check_in_photo_goes_through_the_same_stripping():
    assert_no_metadata(cleaned_bytes(uploads.clean_photo(upload("p.jpg", jpeg_with_gps()))))


@pytest.mark.parametrize(
    "name, data",
    [
        ("fake.jpg", b"\xff\xd8\xff\xe0 not a jpeg at all"),
        ("png-named-jpg.jpg", b"\x89PNG\r\n\x1a\n" + b"0" * 40),
        ("truncated.jpg", None),
    ],
)
def test_a_broken_image_is_refused(name, data):
    if data is None:
        full = jpeg_with_gps((200, 200))
        data = full[: len(full) // 2]
    with pytest.raises(ValidationError):
        uploads.clean_attachment(upload(name, data))


# --- documents: the structure, not the first bytes ------------------------------------------


@pytest.mark.parametrize(
    "name, data",
    [("real.pdf", REAL_PDF), ("real.docx", docx_bytes()), ("real.doc", doc_bytes()), ("REAL.PDF", REAL_PDF)],
)
def test_real_documents_pass_unchanged(name, data):
    cleaned = uploads.clean_attachment(upload(name, data))
    assert cleaned_bytes(cleaned) == data


def test_a_pdf_written_by_a_real_writer_passes():
    out = io.BytesIO()
    two_colour_image((200, 300)).save(out, "PDF", resolution=72)
    uploads.clean_attachment(upload("scan.pdf", out.getvalue()))


def test_a_pdf_with_trailing_bytes_after_the_eof_marker_passes():
    # Some scanners pad the end; readers look for %%EOF in the last kilobyte.
    uploads.clean_attachment(upload("scan.pdf", REAL_PDF + b"\0" * 200))


@pytest.mark.parametrize(
    "name, data",
    [
        ("garbage.docx", b"PK\x03\x04" + b"\x8f\x00garbage" * 100),
        ("zip-of-garbage.docx", docx_bytes(parts=("garbage.bin",))),
        ("content-types-only.docx", docx_bytes(parts=("[Content_Types].xml",))),
        ("spreadsheet.docx", docx_bytes(parts=("[Content_Types].xml", "xl/workbook.xml"))),
        ("header-only.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"garbage" * 100),
        ("no-trailer.pdf", FAKE_PDF_NO_TRAILER),
        ("html.pdf", FAKE_PDF_HTML),
        ("eof-far-from-end.pdf", b"%PDF-1.4\n%%EOF\n" + b"x" * 4096),
    ],
)
def test_a_document_with_the_right_first_bytes_but_the_wrong_structure_is_refused(name, data):
    with pytest.raises(ValidationError) as refused:
        uploads.clean_attachment(upload(name, data))
    assert refused.value.code == "damaged"
