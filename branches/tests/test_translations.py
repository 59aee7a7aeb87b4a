"""The Chinese and English catalogs are complete and in step with the source."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w*\}")


def catalog(language: str) -> polib.POFile:
    return polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))


@pytest.mark.parametrize("language", ["zh_Hans", "en"])
def test_every_message_is_translated_and_none_is_fuzzy(language):
    po = catalog(language)
    assert len(po) > 100
    assert po.untranslated_entries() == []
    assert po.fuzzy_entries() == []


@pytest.mark.parametrize("language", ["zh_Hans", "en"])
def test_translations_keep_every_placeholder(language):
    for entry in catalog(language):
        if not entry.msgid_plural:
            assert set(PLACEHOLDER.findall(entry.msgstr)) == set(PLACEHOLDER.findall(entry.msgid)), entry.msgid
            continue
        # A singular form may leave the count out ("every month"); the last
        # plural form, which Chinese uses for every count, must keep them all.
        allowed = set(PLACEHOLDER.findall(entry.msgid)) | set(PLACEHOLDER.findall(entry.msgid_plural))
        forms = [entry.msgstr_plural[k] for k in sorted(entry.msgstr_plural)]
        for text in forms:
            assert set(PLACEHOLDER.findall(text)) <= allowed, entry.msgid
        assert set(PLACEHOLDER.findall(entry.msgid_plural)) <= set(PLACEHOLDER.findall(forms[-1])), entry.msgid


def test_the_catalog_holds_every_string_of_the_source(tmp_path):
    if shutil.which("xgettext") is None:
        if os.environ.get("CI"):
            pytest.fail("GNU gettext is needed to check the catalogs on CI")
        pytest.skip("GNU gettext is not installed")
    copy = tmp_path / "src"
    shutil.copytree(
        settings.BASE_DIR,
        copy,
        ignore=shutil.ignore_patterns(".venv", "var", "staticfiles", "media", ".git", "*.mo", "db.sqlite3*"),
    )
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "--locale", "zh_Hans", "--no-obsolete", "--ignore", "bench/*"],
        cwd=copy,
        check=True,
        capture_output=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
    )
    fresh = {e.msgid for e in polib.pofile(str(copy / "locale/zh_Hans/LC_MESSAGES/django.po"))}
    committed = {e.msgid for e in catalog("zh_Hans")}
    assert fresh - committed == set(), "run `make messages` and translate the new strings"
