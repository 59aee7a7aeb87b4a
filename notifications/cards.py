"""The political-birthday card: a 1080 by 1440 JPEG drawn with Pillow, in Chinese.

Pillow ships no CJK font and has no fallback: a font without Chinese draws
every character as the same box, silently. So the font is found once, checked
for real glyphs, and a machine without one gets ``CardFontMissing`` instead of
a card full of boxes.

The font comes from the ``pylopdf-fonts-zh-cn`` wheel (Noto Sans SC and Noto
Serif SC, SIL Open Font License 1.1), pinned in requirements.txt, so a fresh
machine has it after ``pip install``; Debian's CJK fonts are the fallback.
"""

from __future__ import annotations

import io
import math
from functools import cache
from importlib import resources
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from .models import Greeting

WIDTH, HEIGHT = 1080, 1440
JPEG_QUALITY = 88
# The home page shows a thumbnail that links to the card: a member page stays
# under 30 KB, and 480 px is sharp on a phone of 360 px at 1.3x.
THUMB_WIDTH = 480
THUMB_MAX_BYTES = 30_000
# Tried in turn until the thumbnail fits; a card with much detail (a long
# personal line) needs a lower one than a plain card.
THUMB_QUALITIES = (75, 65, 55, 50, 45, 40, 35)

RED = (183, 28, 28)
RED_DARK = (122, 12, 12)
GOLD = (245, 200, 92)
GOLD_DEEP = (212, 160, 52)
CREAM = (255, 246, 226)

FONT_PACKAGE = "pylopdf_fonts_zh_cn"
SANS_FILE = "NotoSansSC-Regular.otf"
SERIF_FILE = "NotoSerifSC-Regular.otf"
# (path, face index in a collection): Debian's fonts-noto-cjk puts Simplified
# Chinese third in its collection; wqy-microhei has one face.
SYSTEM_FONTS = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
)

GREETING_LINES = ("不忘初心，牢记使命", "祝你政治生日快乐！")
# A character from the Private Use Area, which no CJK font maps: its mask is
# the font's .notdef box, the shape a missing character would take.
MISSING = "\ue000"
PROBE = "党"


class CardFontMissing(RuntimeError):
    """No font with Chinese glyphs was found; cards cannot be drawn."""


def has_real_glyph(font: ImageFont.FreeTypeFont, char: str = PROBE) -> bool:
    """True if ``char`` has ink and is not drawn as the .notdef box."""
    mask = font.getmask(char)
    if mask.getbbox() is None:
        return False
    missing = font.getmask(MISSING)
    return mask.size != missing.size or bytes(mask) != bytes(missing)


def _candidates(serif: bool) -> list[tuple[str, int]]:
    found = []
    try:
        package = resources.files(FONT_PACKAGE)
    except ModuleNotFoundError:
        package = None
    if package is not None:
        for name in (SERIF_FILE, SANS_FILE) if serif else (SANS_FILE,):
            path = package / name
            if path.is_file():
                found.append((str(path), 0))
    found.extend((path, index) for path, index in SYSTEM_FONTS if Path(path).is_file())
    return found


@cache
def _font_source(serif: bool = False) -> tuple[str, int]:
    for path, index in _candidates(serif):
        try:
            font = ImageFont.truetype(path, 48, index=index)
        except OSError:
            continue
        if has_real_glyph(font):
            return path, index
    raise CardFontMissing(
        "No font with Chinese glyphs found: install requirements.txt (pylopdf-fonts-zh-cn) "
        "or Debian's fonts-wqy-microhei."
    )


def font_path(serif: bool = False) -> str:
    """The file of the font cards are drawn in; raises CardFontMissing when there is none."""
    return _font_source(serif)[0]


@cache
def load_font(size: int, serif: bool = False) -> ImageFont.FreeTypeFont:
    path, index = _font_source(serif)
    return ImageFont.truetype(path, size, index=index)


def wrap(text: str, font: ImageFont.FreeTypeFont, width: int, max_lines: int = 3) -> list[str]:
    """Break ``text`` into lines no wider than ``width``.

    Chinese breaks between any two characters, but a closing punctuation mark
    never starts a line; Latin words are kept whole when they fit.
    """
    no_line_start = set("，。、；：！？）」』》〉”’,.;:!?)")
    tokens: list[str] = []
    for char in text:
        if tokens and char.isascii() and char.isalnum() and tokens[-1][-1:].isascii() and tokens[-1][-1:].isalnum():
            tokens[-1] += char
        else:
            tokens.append(char)
    lines: list[str] = []
    line = ""
    for token in tokens:
        candidate = line + token
        if font.getlength(candidate) <= width or not line or token in no_line_start:
            line = candidate
            continue
        lines.append(line.rstrip())
        line = token.lstrip()
    if line:
        lines.append(line)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        while lines[-1] and font.getlength(lines[-1] + "…") > width:
            lines[-1] = lines[-1][:-1]
        lines[-1] += "…"
    return lines


def fit_font(text: str, size: int, width: int, serif: bool = False, smallest: int = 40) -> ImageFont.FreeTypeFont:
    """The largest size up to ``size`` at which ``text`` fits on one line of ``width``."""
    font = load_font(size, serif)
    while size > smallest and font.getlength(text) > width:
        size -= 4
        font = load_font(size, serif)
    return font


def _fit_paragraph(text: str, width: int, height: int) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The largest of a few sizes at which ``text`` fits the box; the smallest, shortened, if none does."""
    for size in (42, 38, 34, 30):
        font = load_font(size)
        lines = wrap(text, font, width, max_lines=99)
        if len(lines) * (size * 3 // 2) <= height:
            return font, lines
    return font, wrap(text, font, width, max_lines=max(1, height // (size * 3 // 2)))


def _centered(draw: ImageDraw.ImageDraw, y: int, text: str, font, fill, stroke: int = 0) -> int:
    """Draw ``text`` centred at height ``y`` (its top); returns the y below it."""
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font, stroke_width=stroke)
    x = (WIDTH - (right - left)) // 2 - left
    draw.text((x, y - top), text, font=font, fill=fill, stroke_width=stroke, stroke_fill=fill)
    return y + (bottom - top)


def _star(draw: ImageDraw.ImageDraw, cx: float, cy: float, radius: float, fill) -> None:
    points = []
    for i in range(10):
        r = radius if i % 2 == 0 else radius * 0.382
        angle = -math.pi / 2 + i * math.pi / 5
        points.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
    draw.polygon(points, fill=fill)


def _background() -> Image.Image:
    # A vertical gradient from a bright to a deep red, made from Pillow's
    # built-in ramp instead of drawing 1,440 lines.
    ramp = Image.linear_gradient("L").resize((WIDTH, HEIGHT))
    return Image.composite(Image.new("RGB", (WIDTH, HEIGHT), RED_DARK), Image.new("RGB", (WIDTH, HEIGHT), RED), ramp)


def _frame(draw: ImageDraw.ImageDraw) -> None:
    draw.rectangle((36, 36, WIDTH - 37, HEIGHT - 37), outline=GOLD, width=6)
    draw.rectangle((54, 54, WIDTH - 55, HEIGHT - 55), outline=GOLD_DEEP, width=2)
    for cx, cy in ((54, 54), (WIDTH - 55, 54), (54, HEIGHT - 55), (WIDTH - 55, HEIGHT - 55)):
        draw.ellipse((cx - 22, cy - 22, cx + 22, cy + 22), fill=RED_DARK, outline=GOLD, width=4)
        _star(draw, cx, cy, 14, GOLD)


def _rays(draw: ImageDraw.ImageDraw, cx: int, cy: int) -> None:
    for i in range(24):
        angle = math.pi + i * math.pi / 23
        inner, outer = 110, 190 if i % 2 else 160
        draw.line(
            (
                cx + inner * math.cos(angle),
                cy + inner * math.sin(angle),
                cx + outer * math.cos(angle),
                cy + outer * math.sin(angle),
            ),
            fill=GOLD_DEEP,
            width=4,
        )


def _divider(draw: ImageDraw.ImageDraw, y: int) -> None:
    draw.line((180, y, WIDTH // 2 - 30, y), fill=GOLD, width=3)
    draw.line((WIDTH // 2 + 30, y, WIDTH - 180, y), fill=GOLD, width=3)
    c = WIDTH // 2
    draw.polygon(((c, y - 14), (c + 14, y), (c, y + 14), (c - 14, y)), fill=GOLD)


def card_lines(greeting: Greeting) -> dict[str, str]:
    """The texts printed on the card, in Chinese: it is a Chinese member's card."""
    member = greeting.member
    joined = member.joined_party_on
    return {
        "title": "政治生日",
        "name": f"{member.name} 同志",
        "age": f"入党 {greeting.party_age} 周年",
        "joined": f"{joined.year}年{joined.month}月{joined.day}日 光荣加入中国共产党",
        "branch": member.organization.name,
        "date": f"{greeting.anniversary.year}年{greeting.anniversary.month}月{greeting.anniversary.day}日",
        "line": greeting.personal_line.strip(),
    }


def render_card(greeting: Greeting) -> bytes:
    """Draw the greeting's card and return it as JPEG bytes (1080 by 1440).

    Needs ``greeting.member.organization`` (select it with the greeting).
    Raises CardFontMissing on a machine without a Chinese font.
    """
    texts = card_lines(greeting)
    image = _background()
    draw = ImageDraw.Draw(image)
    _frame(draw)

    _rays(draw, WIDTH // 2, 220)
    _star(draw, WIDTH // 2, 165, 68, GOLD)
    y = _centered(draw, 262, texts["title"], load_font(112, serif=True), GOLD, stroke=2)
    y = _centered(draw, y + 18, "POLITICAL BIRTHDAY", load_font(26), GOLD_DEEP)

    y = _centered(draw, y + 56, texts["name"], fit_font(texts["name"], 96, WIDTH - 200), CREAM, stroke=1)

    age_font = load_font(68, serif=True)
    left, top, right, bottom = draw.textbbox((0, 0), texts["age"], font=age_font, stroke_width=1)
    band_w, band_h = right - left + 120, bottom - top + 48
    band_y = y + 44
    draw.rounded_rectangle(
        ((WIDTH - band_w) // 2, band_y, (WIDTH + band_w) // 2, band_y + band_h), radius=band_h // 2, fill=GOLD
    )
    _centered(draw, band_y + 24, texts["age"], age_font, RED_DARK, stroke=1)
    y = band_y + band_h

    y = _centered(draw, y + 36, texts["joined"], fit_font(texts["joined"], 38, WIDTH - 200), CREAM)
    _divider(draw, y + 48)
    y += 92

    # The footer is anchored to the bottom; the secretary's line gets what is between.
    greeting_font = load_font(52, serif=True)
    footer_top = HEIGHT - 370
    if texts["line"]:
        line_font, lines = _fit_paragraph(f"“{texts['line']}”", WIDTH - 240, footer_top - 30 - y)
        gap = line_font.size // 2
        for line in lines:
            y = _centered(draw, y, line, line_font, CREAM) + gap

    y = footer_top
    for line in GREETING_LINES:
        y = _centered(draw, y, line, greeting_font, GOLD, stroke=1) + 20
    _centered(draw, HEIGHT - 200, texts["branch"], fit_font(texts["branch"], 38, WIDTH - 240), CREAM)
    _centered(draw, HEIGHT - 140, texts["date"], load_font(32), GOLD)

    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return out.getvalue()


def thumbnail(card: bytes, max_bytes: int = THUMB_MAX_BYTES) -> bytes:
    """The card as a JPEG about THUMB_WIDTH px wide and smaller than ``max_bytes``.

    The highest quality in THUMB_QUALITIES that fits wins; if none does, the
    picture is made a little narrower and the qualities are tried again.
    """
    with Image.open(io.BytesIO(card)) as image:
        image = image.convert("RGB")
    width = THUMB_WIDTH
    while True:
        small = image.resize((width, round(width * image.height / image.width)), Image.Resampling.LANCZOS)
        for quality in THUMB_QUALITIES:
            out = io.BytesIO()
            small.save(out, "JPEG", quality=quality, optimize=True, progressive=True)
            if out.tell() < max_bytes:
                return out.getvalue()
        if width <= 120:
            return out.getvalue()
        width = width * 9 // 10
