import io
import struct
import time
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from branches.uploads import MAX_PIXELS, clean_photo

RED, BLUE = (220, 0, 0), (0, 0, 220)


def upload(data: bytes, name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def encode(image: Image.Image, fmt: str = "JPEG", **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **params)
    return buffer.getvalue()


def half_red_half_blue(width: int = 40, height: int = 20) -> Image.Image:
    image = Image.new("RGB", (width, height), BLUE)
    image.paste(RED, (0, 0, width // 2, height))
    return image


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims huge dimensions: only the header is read before the refusal."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def close_to(pixel, colour) -> bool:
    return all(abs(a - b) < 40 for a, b in zip(pixel, colour, strict=True))


def test_a_rotated_phone_photo_comes_out_upright_without_exif_or_gps():
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # stored sideways: display needs a quarter turn clockwise
    exif[ExifTags.Base.Make] = "PhoneMaker"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (39.0, 54.0, 27.0)
    original = encode(half_red_half_blue(), exif=exif, comment=b"home address")
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)

    result = clean_photo(upload(original))

    stored = result.read()
    image = Image.open(io.BytesIO(stored))
    assert image.format == "JPEG"
    assert image.size == (20, 40)
    assert close_to(image.getpixel((10, 5)), RED)
    assert close_to(image.getpixel((10, 35)), BLUE)
    assert not image.getexif()
    assert not {"exif", "comment", "xmp", "icc_profile"} & set(image.info)
    assert b"PhoneMaker" not in stored and b"home address" not in stored


def test_a_large_photo_is_shrunk_to_1600_pixels_on_the_long_side():
    result = clean_photo(upload(encode(half_red_half_blue(3200, 2400), quality=60)))
    assert Image.open(io.BytesIO(result.read())).size == (1600, 1200)


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_png_and_webp_are_accepted_and_stored_as_jpeg(fmt):
    image = Image.new("RGBA", (30, 30), (0, 0, 0, 0))
    result = clean_photo(upload(encode(image, fmt), name=f"photo.{fmt.lower()}"))
    stored = Image.open(io.BytesIO(result.read()))
    assert stored.format == "JPEG" and stored.mode == "RGB"
    # transparent areas turn white, not black
    assert close_to(stored.getpixel((15, 15)), (255, 255, 255))


def test_a_text_file_named_jpg_is_refused():
    with pytest.raises(ValidationError) as exc:
        clean_photo(upload(b"I am not a picture at all\n" * 10))
    assert exc.value.code == "not_an_image"


def test_a_gif_is_not_among_the_accepted_formats():
    with pytest.raises(ValidationError) as exc:
        clean_photo(upload(encode(Image.new("P", (10, 10)), "GIF"), name="photo.gif"))
    assert exc.value.code == "not_an_image"


def test_a_truncated_jpeg_is_refused():
    data = encode(Image.effect_noise((400, 400), 60).convert("RGB"), quality=95)
    with pytest.raises(ValidationError) as exc:
        clean_photo(upload(data[: len(data) // 2]))
    assert exc.value.code == "damaged"


def test_a_decompression_bomb_is_refused_quickly():
    started = time.monotonic()
    with pytest.raises(ValidationError) as exc:
        clean_photo(upload(png_header(30_000, 30_000), name="bomb.png"))
    assert exc.value.code == "too_many_pixels"
    assert time.monotonic() - started < 1


def test_a_bomb_in_the_band_where_pillow_only_warns_is_refused_too():
    width = 8000
    height = MAX_PIXELS // width + 1000  # above the limit, below twice the limit
    assert MAX_PIXELS < width * height < 2 * MAX_PIXELS
    with pytest.raises(ValidationError) as exc:
        clean_photo(upload(png_header(width, height), name="bomb.png"))
    assert exc.value.code == "too_many_pixels"


def test_a_file_over_8_mb_is_refused_before_it_is_read():
    with pytest.raises(ValidationError) as exc:
        clean_photo(upload(b"\xff\xd8" + b"\0" * (8 * 1024 * 1024)))
    assert exc.value.code == "too_big"
