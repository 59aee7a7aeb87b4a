"""Names in pinyin: what the roster searches by prefix (``zhangsan``, ``zs``) and sorts by (艾 before 张).

The readings come from pypinyin's offline dictionary (``lazy_pinyin``, the
usual reading of each character, no tones). pypinyin reads a name like any
other text and has no surname mode, so the first character is read here when
it is a surname whose reading differs from the character's usual one (单 is
shàn as a surname, dān otherwise).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Any

from pypinyin import Style, lazy_pinyin

PINYIN_MAX_LENGTH = 300
INITIALS_MAX_LENGTH = 50
CHUNK = 2_000

# Checked before SURNAMES: 单于 is chán yú, not shàn yú.
COMPOUND_SURNAMES = {"单于": ("chan", "yu")}
SURNAMES = {
    "单": "shan",
    "曾": "zeng",
    "解": "xie",
    "仇": "qiu",
    "区": "ou",
    "查": "zha",
    "朴": "piao",
    "覃": "qin",
    "乐": "yue",
    "翟": "zhai",
    "盖": "ge",
    "缪": "miao",
    "秘": "bi",
    "重": "chong",
    "种": "chong",
    "繁": "po",
    "折": "she",
    "粘": "nian",
    "藏": "zang",
    "都": "du",
    "六": "lu",
    "薄": "bo",
    "乜": "nie",
    "阚": "kan",
    "卜": "bu",
    "隗": "wei",
    "员": "yun",
    "贠": "yun",
    "句": "gou",
    "能": "nai",
    "召": "shao",
    "郇": "xun",
    "洗": "xian",
    "佴": "nai",
}

_NOT_WORD = re.compile(r"[^a-z0-9]+")
_SEARCH_KEY = re.compile(r"[a-z0-9]*[a-z][a-z0-9]*")


def _words(name: str) -> list[str]:
    """The syllables of a name, then any Latin words or digits in it, lowercase."""
    name = unicodedata.normalize("NFKC", name).strip()
    head: list[str] = []
    for compound, reading in COMPOUND_SURNAMES.items():
        if name.startswith(compound):
            head, name = list(reading), name[len(compound) :]
            break
    else:
        if name[:1] in SURNAMES:
            head, name = [SURNAMES[name[0]]], name[1:]
    # lazy_pinyin keeps what is not Han as it is ("Mary", "·", "1234"): split that into words.
    parts = head + lazy_pinyin(name, style=Style.NORMAL)
    return [word for part in parts for word in _NOT_WORD.split(part.lower().replace("ü", "v")) if word]


def name_pinyin(name: str) -> str:
    """``张三`` → ``zhangsan``: lowercase, no tones, no spaces; ü is typed as v (吕 → ``lv``)."""
    return "".join(_words(name))[:PINYIN_MAX_LENGTH]


def name_initials(name: str) -> str:
    """``张三`` → ``zs``: the first letter of each syllable (and of each Latin word or number)."""
    return "".join(word[0] for word in _words(name))[:INITIALS_MAX_LENGTH]


def search_key(text: str) -> str:
    """What a typed search compares with the stored pinyin (``Zhang San`` → ``zhangsan``), or "" if it is not
    pinyin: it must be Latin letters (digits allowed), with spaces and apostrophes ignored."""
    text = unicodedata.normalize("NFKC", text).lower().replace("ü", "v")
    key = re.sub(r"[\s'’·.-]+", "", text)
    return key if _SEARCH_KEY.fullmatch(key) else ""


def fill(member: Any) -> None:
    """Set ``name_pinyin`` and ``name_initials`` from ``name`` on a member (or a migration's historical one)."""
    member.name_pinyin = name_pinyin(member.name or "")
    member.name_initials = name_initials(member.name or "")


def _chunks(queryset, size: int) -> Iterator[list[Any]]:
    last = 0
    while True:
        chunk = list(queryset.filter(pk__gt=last).order_by("pk")[:size])
        if not chunk:
            return
        yield chunk
        last = chunk[-1].pk


def fill_existing(member_model: Any, chunk: int = CHUNK) -> int:
    """Fill the pinyin of every stored member, ``chunk`` rows per query; returns how many changed.

    Takes the model as an argument so the migration can pass its historical model.
    """
    changed = 0
    rows = member_model._base_manager.only("pk", "name", "name_pinyin", "name_initials")
    for members in _chunks(rows, chunk):
        stale: list[Any] = []
        for member in members:
            before = (member.name_pinyin, member.name_initials)
            fill(member)
            if (member.name_pinyin, member.name_initials) != before:
                stale.append(member)
        if stale:
            member_model._base_manager.bulk_update(stale, ["name_pinyin", "name_initials"], batch_size=chunk)
            changed += len(stale)
    return changed
