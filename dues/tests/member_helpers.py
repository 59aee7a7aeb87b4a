"""What the member-side dues tests share: a fixed day, a basis from January, a real JPEG."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from dues import services
from dues.models import Category

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 15 June 2026, mid-morning: June is this month, January to May are past months.
NOW = dt.datetime(2026, 6, 15, 10, 0, tzinfo=SHANGHAI)
TODAY = NOW.date()


def month(m: int, year: int = 2026) -> dt.date:
    return dt.date(year, m, 1)


def salary_from(member, first: dt.date, income_fen: int = 400000, today: dt.date = TODAY):
    """A confirmed on-the-job basis: 4,000 yuan is 1 %, 40.00 yuan a month."""
    return services.set_basis(member, category=Category.SALARY, income_fen=income_fen, applies_from=first, today=today)


def jpeg_bytes(size=(800, 600), with_gps: bool = False) -> bytes:
    image = Image.new("RGB", size, (240, 240, 240))
    image.paste((200, 30, 30), (0, 0, size[0] // 2, size[1] // 3))
    buffer = io.BytesIO()
    if with_gps:
        exif = Image.Exif()
        exif[ExifTags.Base.Make] = "PhoneMaker"
        exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] = "N"
        image.save(buffer, "JPEG", exif=exif)
    else:
        image.save(buffer, "JPEG")
    return buffer.getvalue()


def jpeg_upload(name: str = "IMG_2026.jpg", **kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_bytes(**kwargs), content_type="image/jpeg")
