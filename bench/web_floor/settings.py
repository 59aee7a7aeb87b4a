"""The production settings plus one URL, /floor/, for bench/web_pages.py only; the project ships no such page."""

from pathlib import Path

from config.settings.production import *  # noqa: F403
from config.settings.production import BASE_DIR, TEMPLATES, env

ROOT_URLCONF = "bench.web_floor.urls"
# collectstatic writes here, so the manifest storage of production works without touching staticfiles/.
STATIC_ROOT = env("BENCH_STATIC_ROOT", default=str(BASE_DIR / "var" / "bench-web-static"))
TEMPLATES = [{**TEMPLATES[0], "DIRS": [*TEMPLATES[0]["DIRS"], Path(__file__).resolve().parent / "templates"]}]
