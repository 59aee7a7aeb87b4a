"""The sweep command and the sweeps' log lines speak one language, English, whatever language is active."""

import logging
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from branches import sweeps

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def sweep_in(language: str, *args) -> str:
    out = StringIO()
    with translation.override(language):
        call_command("sweep", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def idle_sweep(monkeypatch):
    monkeypatch.setitem(sweeps.REGISTRY, "idle", lambda today: {})
    return "idle"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_sweep_command_prints_english_in_every_language(language, idle_sweep, caplog):
    with caplog.at_level(logging.INFO, logger="branches.sweeps"):
        counted = sweep_in(language, "heartbeat", "--today", "2026-03-06")
        idle = sweep_in(language, idle_sweep, "--today", "2026-03-06")
    assert counted == "heartbeat: beats=1\n"
    assert idle == "idle: nothing to do\n"
    lines = [record.getMessage() for record in caplog.records if record.name == "branches.sweeps"]
    assert lines == ["sweep heartbeat for 2026-03-06: {'beats': 1}", "sweep idle for 2026-03-06: {}"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope"], r"^Unknown sweep “nope”\. Known sweeps: .*heartbeat"),
        (["heartbeat", "--today", "soon"], r"^--today must be a date like 2026-07-06\.$"),
    ],
)
def test_the_sweep_commands_refusals_are_english_under_the_default_language(args, message):
    with pytest.raises(CommandError, match=message) as refused:
        sweep_in("zh-hans", *args)
    assert not CJK.search(str(refused.value))


def test_a_failing_sweep_is_logged_in_english_under_the_default_language(monkeypatch, caplog):
    def explode(today):
        raise RuntimeError("the gateway is down")

    monkeypatch.setitem(sweeps.REGISTRY, "exploding", explode)
    with caplog.at_level(logging.INFO, logger="branches.sweeps"), pytest.raises(RuntimeError):
        sweep_in("zh-hans", "exploding", "--today", "2026-03-06")
    [record] = [r for r in caplog.records if r.name == "branches.sweeps"]
    assert record.getMessage() == "sweep exploding for 2026-03-06 failed"
